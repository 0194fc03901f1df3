"""Measure the collections hot paths on a bench database (see bench/run.sh).

For each measurement: the first run (cold process caches), then the median, min and
max wall time of --repeat warm runs, and the number of SQL queries (cr.sql_log_count)
of a run. The ORM cache is emptied before every run and every run is rolled back, so
the runs are identical. The clock is frozen at --today (the ledger's "bench today").

    python bench/bench_worklist.py -c tools/odoo.conf -d b2b_bench_500_run
"""

import argparse
import json
import os
import sys
from datetime import timedelta

import benchlib

# What the list view of the worklist and the kanban of the customers in collection
# load (fields missing from the measured version of the addon are left out).
WORKLIST_SPEC = {
    "partner_id": {"fields": {"display_name": {}}},
    "stage_id": {"fields": {"display_name": {}}},
    "collector_id": {"fields": {"display_name": {}}},
    "overdue_count": {},
    "oldest_overdue_days": {},
    "amount_overdue": {},
    "amount_open": {},
    "priority": {},
    "last_contact_date": {},
    "next_action_date": {},
    "do_not_contact": {},
    "company_id": {"fields": {"display_name": {}}},
    "currency_id": {"fields": {}},
}
KANBAN_SPEC = {
    "name": {},
    "b2b_currency_id": {"fields": {}},
    "b2b_collector_id": {"fields": {"display_name": {}}},
    "b2b_collection_stage_id": {"fields": {"display_name": {}}},
    "b2b_amount_overdue": {},
    "b2b_amount_open": {},
    "b2b_oldest_overdue_days": {},
    "b2b_next_action_date": {},
    "activity_ids": {"fields": {}},
}
TOTALS = (
    "b2b_amount_open",
    "b2b_amount_overdue",
    "b2b_oldest_overdue_days",
    "b2b_overdue_invoice_count",
)
# The overdue total per customer, straight from the journal items: the least work
# any implementation has to do (same definition as the worklist: overdue debit
# residuals net of the customer's unapplied credits, never below zero).
FLOOR_SQL = """
SELECT partner_id, company_id,
       GREATEST(0, COALESCE(SUM(amount_residual) FILTER (
                    WHERE amount_residual > 0 AND date_maturity < %(today)s), 0)
                 + COALESCE(SUM(amount_residual) FILTER (
                    WHERE amount_residual < 0), 0)) AS amount_overdue,
       SUM(amount_residual) AS amount_open
  FROM (SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id, l.company_id,
               l.amount_residual, l.date_maturity
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
          JOIN res_partner p ON p.id = l.partner_id
         WHERE a.account_type = 'asset_receivable'
           AND l.parent_state = 'posted'
           AND NOT l.reconciled) lines
 GROUP BY partner_id, company_id
"""


def trace_queries(cr):
    """Record (duration, start of the SQL) of every query run on ``cr`` until
    ``del cr.execute``."""
    traced = []
    execute = cr.execute

    def timed(query, params=None, log_exceptions=True):
        start = benchlib.clock()
        try:
            return execute(query, params, log_exceptions)
        finally:
            text = " ".join(str(getattr(query, "code", query)).split())
            traced.append((benchlib.clock() - start, text[:110]))

    cr.execute = timed
    return traced


def spec_for(model, spec):
    return {name: sub for name, sub in spec.items() if name in model._fields}


class Bench:
    def __init__(self, env, args):
        self.env = env
        self.args = args
        self.results = []

    def measure(self, name, run, note=""):
        """run(env) -> (rows, extra note): first run, then --repeat warm runs."""
        env = self.env
        times, queries, rows, extra = [], [], None, ""
        for index in range(self.args.repeat + 1):
            env.invalidate_all()
            env.cr.rollback()
            trace = self.args.trace and index == self.args.repeat
            if trace:
                traced = trace_queries(env.cr)
            count = env.cr.sql_log_count
            start = benchlib.clock()
            rows, extra = run(env, index)
            times.append(benchlib.clock() - start)
            queries.append(env.cr.sql_log_count - count)
            if trace:
                del env.cr.execute
                for duration, sql in traced:
                    print(f"      {duration * 1000:7.1f} ms  {sql}")
            env.cr.rollback()
        result = {
            "name": name,
            "rows": rows,
            **benchlib.timing(times, queries),
            "peak_rss_mb": round(benchlib.peak_rss_mb()),
            "note": " ".join(x for x in (note, extra) if x),
        }
        self.results.append(result)
        print(
            f"  {name}: median {result['median_ms']} ms, {result['queries']} queries"
            f"{', ' + result['note'] if result['note'] else ''}",
            flush=True,
        )
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions")
    parser.add_argument(
        "--user",
        default="bench.collector1",
        help="login the UI reads run as (a Collections user; default %(default)s)",
    )
    parser.add_argument("--limit", type=int, default=80, help="rows of a page")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of the worklist query"
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="print the time of each query of the last run of each measurement",
    )
    args = parser.parse_args()

    from freezegun import freeze_time

    env = benchlib.open_env(args.config, args.database)
    info = benchlib.ledger_info(env) or {}
    user = env["res.users"].search([("login", "=", args.user)], limit=1)
    if not user:
        print(f"no user {args.user}: the UI reads run as admin", flush=True)
        user = env.ref("base.user_admin")
    today = args.today
    print(
        f"database {args.database}: ledger of {info.get('invoices', '?')} invoices, "
        f"{info.get('customers', '?')} customers (generated in "
        f"{info.get('seconds', '?')} s); bench today {today}; reads as {user.login}",
        flush=True,
    )
    env.cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'account_move_line'")
    if env.cr.fetchone()[0] < 0:
        print(
            "WARNING: account_move_line was never analyzed: the planner has no "
            "statistics (autovacuum off?); run VACUUM (ANALYZE) first (bench/run.sh does)",
            flush=True,
        )
    if info.get("summary"):
        benchlib.print_summary(info["summary"], lambda line: print(f"  {line}"))

    load_start = os.getloadavg()[0]
    bench = Bench(env, args)
    freezer = freeze_time(today)
    frozen = freezer.start()
    try:
        ok = run_all(bench, env, user, args, frozen)
    finally:
        freezer.stop()
    if args.explain:
        explain(env, today)

    load = (load_start, os.getloadavg()[0])
    print_table(bench.results, args, benchlib.peak_rss_mb(), load)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "database": args.database,
                    "today": today.isoformat(),
                    "repeat": args.repeat,
                    "user": user.login,
                    "ledger": {k: v for k, v in info.items() if k != "summary"},
                    "peak_rss_mb": round(benchlib.peak_rss_mb()),
                    "load_average_1min": load,
                    "results": bench.results,
                },
                out,
                indent=1,
            )
    env.cr.rollback()
    env.cr.close()
    return 0 if ok else 1


def run_all(bench, env, user, args, frozen):
    today = args.today
    uenv = env(user=user.id, context={"allowed_company_ids": user.company_ids.ids})
    worklist_model = uenv["b2b.collection.worklist"]
    partner_model = uenv["res.partner"]
    worklist_spec = spec_for(worklist_model, WORKLIST_SPEC)
    kanban_spec = spec_for(partner_model, KANBAN_SPEC)
    print(f"measuring ({args.repeat} warm repetitions after a first run):", flush=True)

    # (1) The worklist page: "needs action" rows by priority, first page.
    def worklist_page(env, _index):
        result = worklist_model.web_search_read(
            [("needs_action", "=", True)],
            worklist_spec,
            limit=args.limit,
            order="priority desc",
        )
        return len(result["records"]), f"of {result['length']} needing action"

    bench.measure("worklist page (web_search_read)", worklist_page)

    # (1b) Every row of the worklist (what the floor below is compared with).
    worklist_rows = {}

    def worklist_all(env, _index):
        rows = worklist_model.search_read(
            [], ["partner_id", "company_id", "amount_overdue", "amount_open"]
        )
        worklist_rows.clear()
        worklist_rows.update(
            {
                (row["partner_id"][0], row["company_id"][0]): row["amount_overdue"]
                for row in rows
            }
        )
        return len(rows), ""

    bench.measure("worklist, all rows (search_read)", worklist_all)

    # (2) The worklist grouped by collector, with the totals.
    def by_collector(env, _index):
        result = worklist_model.web_read_group(
            [],
            ["amount_overdue:sum", "amount_open:sum", "overdue_count:sum"],
            ["collector_id"],
        )
        return result["length"], ""

    bench.measure("worklist grouped by collector (web_read_group)", by_collector)

    # (3) The customers in collection: the kanban page, and the totals alone.
    page_ids = []

    def kanban_page(env, _index):
        result = partner_model.web_search_read(
            [("b2b_collection_stage_id", "!=", False)], kanban_spec, limit=args.limit
        )
        page_ids[:] = [record["id"] for record in result["records"]]
        return len(result["records"]), f"of {result['length']} in collection"

    bench.measure("customers kanban page (web_search_read)", kanban_page)

    def totals(env, _index):
        partners = partner_model.browse(page_ids)
        partners.read(list(TOTALS))
        return len(partners), ""

    bench.measure("b2b totals of the page's customers (read)", totals)

    # (4) The nightly aging refresh, the day after the ledger's last refresh (each
    # run is rolled back, so each one is the first of its day), then a re-run the
    # same day, which must write nothing.
    moves = env["account.move"]
    written = {}

    def refresh(env, _index):
        frozen.move_to(today + timedelta(days=1))
        written["first"] = moves._b2b_refresh_aging()
        return written["first"], "invoices rewritten"

    def refresh_again(env, _index):
        frozen.move_to(today + timedelta(days=1))
        moves._b2b_refresh_aging()
        count = env.cr.sql_log_count
        start = benchlib.clock()
        written["again"] = moves._b2b_refresh_aging()
        return written["again"], (
            f"invoices rewritten (the second call alone: "
            f"{(benchlib.clock() - start) * 1000:.1f} ms, "
            f"{env.cr.sql_log_count - count} queries)"
        )

    bench.measure("aging refresh, day + 1 (_b2b_refresh_aging)", refresh)
    bench.measure("aging refresh, day + 1, run twice", refresh_again)
    frozen.move_to(today)

    # (5) The floor: one hand-written query over the journal items.
    floor_rows = {}

    def floor(env, _index):
        env.cr.execute(FLOOR_SQL, {"today": today})
        rows = env.cr.fetchall()
        floor_rows.clear()
        floor_rows.update({(p, c): float(overdue) for p, c, overdue, _open in rows})
        return len(rows), "hand-written SQL"

    bench.measure("SQL floor: overdue per customer", floor)

    ok = written.get("again") == 0
    if not ok:
        print(f"CHECK FAILED: the re-run of the aging refresh wrote {written}")
    mismatches = [
        (key, worklist_rows.get(key, 0.0), floor_rows.get(key, 0.0))
        for key in sorted(set(worklist_rows) | set(floor_rows))
        if abs(worklist_rows.get(key, 0.0) - floor_rows.get(key, 0.0)) > 0.005
    ]
    total = sum(floor_rows.values())
    if mismatches:
        ok = False
        print(f"CHECK FAILED: {len(mismatches)} customers differ (worklist vs floor):")
        for key, mine, theirs in mismatches[:10]:
            print(f"  partner {key[0]} company {key[1]}: {mine} != {theirs}")
    else:
        print(
            f"check: the worklist and the SQL floor agree on the overdue amount of "
            f"all {len(floor_rows)} customers (total {total:,.2f})",
            flush=True,
        )
    return ok


def explain(env, today):
    from freezegun import freeze_time

    with freeze_time(today):
        query = env["b2b.collection.worklist"]._table_query
    env.cr.execute(
        env.cr.mogrify(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM (%s) w WHERE needs_action "
            "ORDER BY priority DESC LIMIT 80" % query.code,
            query.params,
        ).decode()
    )
    print("plan of the worklist page query:")
    for (line,) in env.cr.fetchall():
        print(f"  {line}")
    env.cr.rollback()


def print_table(results, args, peak, load):
    header = ("measurement", "rows", "first ms", "median ms", "min", "max", "queries")
    width = max(len(r["name"]) for r in results)
    print()
    print(
        f"{header[0]:<{width}}  {header[1]:>6}  {header[2]:>9}  {header[3]:>9}  "
        f"{header[4]:>8}  {header[5]:>8}  {header[6]:>7}"
    )
    for r in results:
        print(
            f"{r['name']:<{width}}  {r['rows']:>6}  {r['first_ms']:>9.1f}  "
            f"{r['median_ms']:>9.1f}  {r['min_ms']:>8.1f}  {r['max_ms']:>8.1f}  "
            f"{r['queries']:>7}"
        )
    print(
        f"(median of {args.repeat} warm runs; peak RSS of the process {peak:.0f} MB; "
        f"load average {load[0]:.2f} at the start, {load[1]:.2f} at the end, "
        f"{os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    sys.exit(main())
