"""Measure OCA's account_financial_report Aged Partner Balance on a bench database,
for comparison with bench/bench_aging.py (see docs/benchmarks-aging.md).

The OCA addon is never part of this project: bench/run_aging.sh (BENCH_OCA=1)
unpacks its PyPI wheel (and those of date_range and report_xlsx) into a scratch
folder added to the addons path of a scratch odoo.conf, and installs it on a
scratch clone of the ledger. Timed, as of today and of each past date: the report
data (``_get_report_values`` of report.account_financial_report.aged_partner_balance
with the data of the wizard, receivable accounts, posted entries), without and with
the move line details, and the XLSX with details (``create_xlsx_report``). Every
run is rolled back.

    python bench/bench_aging_oca.py -c /tmp/afr/odoo.conf -d b2b_bench_afr
"""

import argparse
import json
import os
import sys
from datetime import timedelta

import benchlib
from bench_worklist import Bench


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions")
    parser.add_argument("--past-days", default="90,365")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    args.trace = False

    from freezegun import freeze_time

    env = benchlib.open_env(args.config, args.database)
    today = args.today
    dates = [("today", today)] + [
        (f"today-{days}d", today - timedelta(days=int(days)))
        for days in args.past_days.split(",")
        if days
    ]
    company = env.ref("base.main_company")
    accounts = env["account.account"].search(
        [
            ("account_type", "=", "asset_receivable"),
            ("company_ids", "in", company.ids),
        ]
    )
    load_start = os.getloadavg()[0]
    bench = Bench(env, args)
    report = env["report.account_financial_report.aged_partner_balance"]
    xlsx = env["report.a_f_r.report_aged_partner_balance_xlsx"]
    print(
        f"database {args.database}: OCA Aged Partner Balance, company {company.name}, "
        f"{len(accounts)} receivable accounts; bench today {today}",
        flush=True,
    )
    with freeze_time(today):
        for label, as_of in dates:
            for details in (False, True):

                def data_for(env, as_of=as_of, details=details):
                    wizard = env["aged.partner.balance.report.wizard"].create(
                        {
                            "company_id": company.id,
                            "date_at": as_of,
                            "target_move": "posted",
                            "account_ids": [(6, 0, accounts.ids)],
                            "show_move_line_details": details,
                        }
                    )
                    # as the report action carries it: through JSON
                    return wizard, json.loads(
                        json.dumps(wizard._prepare_report_data(), default=str)
                    )

                def values(env, _index, data_for=data_for):
                    wizard, data = data_for(env)
                    result = report._get_report_values(wizard.ids, data)
                    partners = sum(
                        len(account.get("partners", []))
                        for account in result["aged_partner_balance"]
                    )
                    return partners, "partner rows"

                what = "with details" if details else "summary"
                bench.measure(f"OCA report data {label} ({what})", values)
                if details and label in (
                    "today",
                    dates[1][0] if len(dates) > 1 else "",
                ):

                    def export(env, _index, data_for=data_for):
                        wizard, data = data_for(env)
                        content, _kind = xlsx.with_context(
                            active_model=wizard._name
                        ).create_xlsx_report(wizard.ids, data)
                        return 1, f"{len(content) / 1024:.0f} KiB"

                    bench.measure(f"OCA xlsx {label} (with details)", export)
    load = (load_start, os.getloadavg()[0])
    print()
    for r in bench.results:
        print(
            f"{r['name']:<45} {r['rows']:>6}  first {r['first_ms']:>8.1f}  "
            f"median {r['median_ms']:>8.1f}  min {r['min_ms']:>8.1f}  "
            f"max {r['max_ms']:>8.1f}  {r['queries']:>5} queries"
        )
    print(
        f"(median of {args.repeat} warm runs; peak RSS {benchlib.peak_rss_mb():.0f} MB; load "
        f"average {load[0]:.2f} at the start, {load[1]:.2f} at the end)"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"database": args.database, "load": load, "results": bench.results},
                out,
                indent=1,
            )
    env.cr.rollback()
    env.cr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
