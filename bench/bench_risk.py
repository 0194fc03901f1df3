"""Benchmark of the risk refresh: features, fit, validation, scoring and
storage of every customer and open invoice of a ledger (make bench-risk).

Each repetition is the whole nightly refresh of the company (one process, a
fresh Python for the first so that the import of scikit-learn is counted),
rolled back afterwards. Reports the time of each phase, the SQL queries and
the validation figures of the model against the naive baselines.
"""

import argparse
import json
import statistics
import sys

import benchlib


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    benchlib.add_odoo_args(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    env = benchlib.open_env(args.config, args.database)
    from freezegun import freeze_time

    from odoo.addons.b2b_collections_risk.models import b2b_collection_risk_model as rm
    from odoo.addons.b2b_collections_risk.models import risk_features as rf

    company = env.company
    runs = []
    with freeze_time(args.today):
        for _n in range(args.repeat):
            env.flush_all()
            start_queries = env.cr.sql_log_count
            t0 = benchlib.clock()
            history = rf.load_history(env, company, args.today)
            t1 = benchlib.clock()
            result = rm._fit_and_score(history, args.today, company.b2b_risk_min_paid)
            t2 = benchlib.clock()
            env.cr.rollback()
            t3 = benchlib.clock()
            model = env["b2b.collection.risk.model"]._b2b_refresh(company, args.today)
            t4 = benchlib.clock()
            queries = env.cr.sql_log_count - start_queries
            runs.append(
                {
                    "load_s": round(t1 - t0, 2),
                    "features_fit_score_s": round(t2 - t1, 2),
                    "refresh_s": round(t4 - t3, 2),
                    "queries": queries,
                    "invoices": int(len(history.move_id)),
                    "customers": model.customer_count,
                    "open_invoices": model.open_count,
                    "method": model.method,
                    "date_method": model.date_method,
                    "calibration": [
                        [round(x, 3) for x in row]
                        for row in result["metrics"].get("calibration", [])
                    ],
                    "refusal": model.refusal,
                    "metrics": {key: round(model[key], 3) for key in rm.METRICS},
                    "train": model.train_count,
                    "valid": model.valid_count,
                    "valid_from": str(model.valid_from),
                    "peak_rss_mb": round(benchlib.peak_rss_mb()),
                }
            )
            print(json.dumps(runs[-1]), flush=True)
            env.cr.rollback()
    refresh = [run["refresh_s"] for run in runs]
    summary = {
        "runs": runs,
        "refresh_first_s": refresh[0],
        "refresh_median_s": round(statistics.median(refresh[1:] or refresh), 2),
        "refresh_max_s": max(refresh),
    }
    print(
        f"refresh of {runs[0]['customers']} customers, {runs[0]['invoices']} invoices "
        f"({runs[0]['open_invoices']} open): first {summary['refresh_first_s']} s, "
        f"median {summary['refresh_median_s']} s, {runs[0]['queries']} queries "
        f"(the load and the scoring alone: {runs[0]['load_s']} + "
        f"{runs[0]['features_fit_score_s']} s)"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(summary, out, indent=2)
    env.cr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
