"""Measure the aging, the Aged Receivables data and spreadsheet, and the KPI model
on a bench database (see bench/run_aging.sh and docs/benchmarks-aging.md).

For each measurement: the first run, then the median, min and max wall time of
--repeat warm runs, and the SQL query count of a run (bench_worklist.Bench: the
ORM cache is emptied before every run and every run is rolled back). The clock is
frozen at --today (the ledger's "bench today"); the past dates are --today minus
each of --past-days.

Measured: (a) the pivot's data, ``read_group`` on b2b.collection.aging by
customer and bucket, today and with the context key ``b2b_as_of``; (b) the
export wizard's data builder ``_b2b_aging_report_data`` (summary by customer,
and with the open items); (c) the spreadsheet with the open items (the writer
alone, and the wizard's ``action_export_xlsx``), its time and peak memory; (d) the
floor: one hand-written SQL query of the bucket totals per customer (as of a past
date: the residual rebuilt from account_partial_reconcile), checked to give the
same totals as (a) and (b); (e) the KPI model, ``_read_group`` over 24 months by
month (and by month and company) with the main measures.

    python bench/bench_aging.py -c tools/odoo.conf -d b2b_bench_aging
"""

import argparse
import json
import os
import sys
import tracemalloc
from collections import defaultdict
from datetime import timedelta

import benchlib
from bench_worklist import Bench

# The bucket totals per customer as of %(as_of)s, straight from the journal items.
# residual(l, D) = the residual Odoo stores today (balance - all its partials)
# + the partials dated after D that it took part in (added back on the debit side,
# taken back on the credit side): only the partials after D are read. The lines
# open at D are those not reconciled today and those with a partial after D (a
# reconciled line's stored residual is 0). Today no partial is dated after D.
FLOOR_SQL = """
WITH moved AS (
    SELECT l.id, l.amount_residual AS amount
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id
     WHERE a.account_type = 'asset_receivable'
       AND NOT l.reconciled
       AND l.parent_state = 'posted'
       AND l.date <= %(as_of)s
     UNION ALL
    SELECT debit_move_id, amount FROM account_partial_reconcile
     WHERE max_date > %(as_of)s
     UNION ALL
    SELECT credit_move_id, -amount FROM account_partial_reconcile
     WHERE max_date > %(as_of)s
)
SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id,
       CASE WHEN d.days <= 0 THEN 'not_due'
            WHEN d.days <= c.b2b_aging_bucket_1 THEN 'b1'
            WHEN d.days <= c.b2b_aging_bucket_2 THEN 'b2'
            WHEN d.days <= c.b2b_aging_bucket_3 THEN 'b3'
            WHEN d.days <= c.b2b_aging_bucket_4 THEN 'b4'
            ELSE 'b5' END AS bucket,
       SUM(x.residual) AS amount
  FROM (SELECT id, SUM(amount) AS residual FROM moved GROUP BY id) x
  JOIN account_move_line l ON l.id = x.id
  JOIN account_account a ON a.id = l.account_id
  JOIN res_company c ON c.id = l.company_id
  LEFT JOIN res_partner p ON p.id = l.partner_id
  CROSS JOIN LATERAL (
        SELECT %(as_of)s::date - COALESCE(l.date_maturity, l.date) AS days) d
 WHERE a.account_type = 'asset_receivable'
   AND l.parent_state = 'posted'
   AND l.date <= %(as_of)s
   AND x.residual != 0
 GROUP BY 1, 2
"""
# Simpler, today only: no partial can be dated after today.
FLOOR_TODAY_SQL = """
SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id,
       CASE WHEN d.days <= 0 THEN 'not_due'
            WHEN d.days <= c.b2b_aging_bucket_1 THEN 'b1'
            WHEN d.days <= c.b2b_aging_bucket_2 THEN 'b2'
            WHEN d.days <= c.b2b_aging_bucket_3 THEN 'b3'
            WHEN d.days <= c.b2b_aging_bucket_4 THEN 'b4'
            ELSE 'b5' END AS bucket,
       SUM(l.amount_residual) AS amount
  FROM account_move_line l
  JOIN account_account a ON a.id = l.account_id
  JOIN res_company c ON c.id = l.company_id
  LEFT JOIN res_partner p ON p.id = l.partner_id
  CROSS JOIN LATERAL (
        SELECT %(as_of)s::date - COALESCE(l.date_maturity, l.date) AS days) d
 WHERE a.account_type = 'asset_receivable'
   AND l.parent_state = 'posted'
   AND NOT l.reconciled
   AND l.date <= %(as_of)s
   AND l.amount_residual != 0
 GROUP BY 1, 2
"""
KPI_MEASURES = [
    "credit_sales:sum",
    "cash_collected:sum",
    "ar_end:sum",
    "ar_overdue_end:sum",
    "ar_over_90_end:sum",
    "dso:avg",
    "cei:avg",
    "pct_overdue:avg",
    "pct_over_90:avg",
    "collection_rate:avg",
    "avg_days_to_pay:avg",
]


def current_rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss():
    """Reset the process's VmHWM (Linux >= 4.0); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_since_reset_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return benchlib.peak_rss_mb()


def compare(name, mine, floor):
    """Both {(partner, bucket): amount}; prints and returns True when equal."""
    keys = set(mine) | set(floor)
    bad = [
        (key, mine.get(key, 0.0), floor.get(key, 0.0))
        for key in sorted(keys, key=lambda k: (k[0] or 0, k[1]))
        if abs(mine.get(key, 0.0) - floor.get(key, 0.0)) > 0.005
    ]
    partners = {key[0] for key in floor}
    total = sum(floor.values())
    if bad:
        print(f"CHECK FAILED: {name}: {len(bad)} (customer, bucket) cells differ:")
        for key, a, b in bad[:10]:
            print(f"  {key}: {a} != floor {b}")
        return False
    print(
        f"check: {name} = SQL floor on all {len(keys)} (customer, bucket) cells "
        f"({len(partners)} customers, total {total:,.2f})",
        flush=True,
    )
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions")
    parser.add_argument(
        "--past-days",
        default="90,365",
        help="past aging dates, in days before --today (default %(default)s)",
    )
    parser.add_argument(
        "--user",
        default="bench.collector1",
        help="login the reads run as (a Collections user; default %(default)s)",
    )
    parser.add_argument(
        "--only",
        default="pivot,builder,xlsx,floor,kpi",
        help="comma-separated parts to measure (default %(default)s)",
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the aging query and the floor per date",
    )
    args = parser.parse_args()
    args.trace = False

    from freezegun import freeze_time

    env = benchlib.open_env(args.config, args.database)
    info = benchlib.ledger_info(env) or {}
    user = env["res.users"].search([("login", "=", args.user)], limit=1)
    if not user:
        print(f"no user {args.user}: the reads run as admin", flush=True)
        user = env.ref("base.user_admin")
    today = args.today
    dates = [("today", today)] + [
        (f"today-{days}d", today - timedelta(days=int(days)))
        for days in args.past_days.split(",")
        if days
    ]
    env.cr.execute(
        """SELECT COUNT(*) FROM account_move_line l
             JOIN account_account a ON a.id = l.account_id
            WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
              AND NOT l.reconciled"""
    )
    open_lines = env.cr.fetchone()[0]
    print(
        f"database {args.database}: ledger of {info.get('invoices', '?')} invoices, "
        f"{info.get('customers', '?')} customers, {open_lines} open receivable "
        f"lines; bench today {today}; past dates "
        f"{', '.join(str(d) for _n, d in dates[1:])}; reads as {user.login}",
        flush=True,
    )
    load_start = os.getloadavg()[0]
    bench = Bench(env, args)
    only = set(args.only.split(","))
    with freeze_time(today):
        ok, memory = run_all(bench, env, user, args, dates, only)
        if args.explain:
            explain(env, user, dates)
    load = (load_start, os.getloadavg()[0])
    print_table(bench.results, args, load, memory)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "database": args.database,
                    "today": today.isoformat(),
                    "repeat": args.repeat,
                    "user": user.login,
                    "open_receivable_lines": open_lines,
                    "ledger": {k: v for k, v in info.items() if k != "summary"},
                    "load_average_1min": load,
                    "xlsx_memory": memory,
                    "results": bench.results,
                },
                out,
                indent=1,
                default=str,
            )
    env.cr.rollback()
    env.cr.close()
    return 0 if ok else 1


def run_all(bench, env, user, args, dates, only):
    ok = True
    companies = user.company_ids
    uenv = env(user=user.id, context={"allowed_company_ids": companies.ids})
    aging = uenv["b2b.collection.aging"]
    company_ids = companies.ids
    print(f"measuring ({args.repeat} warm repetitions after a first run):", flush=True)
    pivot, builder, floor = {}, {}, {}

    # (c) first, in a process that has not grown yet: the spreadsheet's memory.
    memory = {}
    if "xlsx" in only:
        memory = xlsx_memory(uenv, company_ids, dates[0][1])

    for label, as_of in dates:
        ctx_aging = aging.with_context(b2b_as_of=str(as_of))

        # (a) the pivot: customers in rows, buckets in columns (the call of its
        # cells; the pivot's headers are 3 more read_group, measured below).
        if "pivot" in only:

            def pivot_cells(env, _index, ctx_aging=ctx_aging, label=label):
                groups = ctx_aging.read_group(
                    [], ["amount_residual:sum"], ["partner_id", "bucket"], lazy=False
                )
                pivot[label] = {
                    (g["partner_id"] and g["partner_id"][0] or None, g["bucket"]): g[
                        "amount_residual"
                    ]
                    for g in groups
                }
                return len(groups), ""

            bench.measure(
                f"pivot cells {label} (read_group partner x bucket)", pivot_cells
            )

            def pivot_full(env, _index, ctx_aging=ctx_aging):
                rows = 0
                for groupby in (
                    [],
                    ["partner_id"],
                    ["bucket"],
                    ["partner_id", "bucket"],
                ):
                    rows += len(
                        ctx_aging.read_group(
                            [], ["amount_residual:sum"], groupby, lazy=False
                        )
                    )
                return rows, "4 read_group: total, rows, columns, cells"

            bench.measure(f"pivot, all 4 read_group {label}", pivot_full)

        # (b) the wizard's data builder, by customer
        if "builder" in only:

            def build(env, _index, as_of=as_of, label=label):
                data = aging._b2b_aging_report_data(as_of, company_ids, "customer")
                builder[label] = {
                    (group["id"] or None, column["key"]): amount
                    for group in data["groups"]
                    for column, amount in zip(data["columns"], group["amounts"])
                    if amount
                }
                return len(data["groups"]), "groups"

            bench.measure(f"report data {label} (summary by customer)", build)

            def build_detail(env, _index, as_of=as_of):
                data = aging._b2b_aging_report_data(
                    as_of, company_ids, "customer", detail=True
                )
                return data["line_count"], "open items"

            bench.measure(f"report data {label} with open items", build_detail)

        # (d) the floor
        if "floor" in only:
            queries = [("", FLOOR_SQL)]
            if as_of == dates[0][1]:
                queries.insert(0, (" (unreconciled lines only)", FLOOR_TODAY_SQL))
            for suffix, query in queries:

                def floor_query(env, _index, as_of=as_of, label=label, query=query):
                    env.cr.execute(query, {"as_of": as_of})
                    rows = env.cr.fetchall()
                    floor[label] = {
                        (partner, bucket): float(amount)
                        for partner, bucket, amount in rows
                    }
                    return len(rows), "hand-written SQL"

                bench.measure(f"SQL floor {label}{suffix}", floor_query)

        if label in floor:
            for name, mine in (("pivot", pivot), ("report data", builder)):
                if label in mine:
                    ok &= compare(f"{name} {label}", mine[label], floor[label])

    # (c) the spreadsheet with the open items, today
    if "xlsx" in only:
        writer = uenv["report.b2b_collections.report_b2b_aged_receivables_xlsx"]
        as_of = dates[0][1]
        data = {}

        def xlsx_writer(env, index):
            if index == 0 or not data:
                data["aging"] = aging._b2b_aging_report_data(
                    as_of, company_ids, "customer", detail=True
                )
            content = writer._b2b_xlsx(data["aging"])
            return data["aging"]["line_count"], f"{len(content) / 1024:.0f} KiB"

        bench.measure("xlsx writer alone, with open items", xlsx_writer)

        def xlsx_builder_writer(env, _index):
            aging_data = aging._b2b_aging_report_data(
                as_of, company_ids, "customer", detail=True
            )
            content = writer._b2b_xlsx(aging_data)
            return aging_data["line_count"], f"{len(content) / 1024:.0f} KiB"

        bench.measure("xlsx data + writer, with open items", xlsx_builder_writer)

        for label, past in dates[1:2]:

            def xlsx_past(env, _index, past=past):
                aging_data = aging._b2b_aging_report_data(
                    past, company_ids, "customer", detail=True
                )
                content = writer._b2b_xlsx(aging_data)
                return aging_data["line_count"], f"{len(content) / 1024:.0f} KiB"

            bench.measure(f"xlsx data + writer {label}, with open items", xlsx_past)

        def xlsx_wizard(env, _index):
            wizard = uenv["b2b.collection.aging.export"].create(
                {"as_of": as_of, "include_detail": True, "company_ids": company_ids}
            )
            action = wizard.action_export_xlsx()
            return 1, action["url"].split("?")[0].rsplit("/", 1)[0]

        bench.measure("xlsx export wizard (action_export_xlsx)", xlsx_wizard)

    # (e) the KPI model, 24 months
    if "kpi" in only:
        kpi = uenv["b2b.collection.kpi"]
        today = dates[0][1]
        start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        for _month in range(23):
            start = (start - timedelta(days=1)).replace(day=1)
        domain = [("date", ">=", start), ("date", "<=", today)]
        measures = [m for m in KPI_MEASURES if m.split(":")[0] in kpi._fields]
        for groupby in (["date:month"], ["date:month", "company_id"]):

            def kpi_read(env, _index, groupby=groupby):
                rows = kpi._read_group(domain, groupby, measures)
                return len(rows), f"{len(measures)} measures from {start}"

            bench.measure(f"KPI _read_group by {', '.join(groupby)}", kpi_read)
    return ok, memory


def xlsx_memory(uenv, company_ids, as_of):
    """Peak memory of the data builder + writer with the open items, today: the
    Python allocations (tracemalloc) and the growth of the process's peak RSS."""
    aging = uenv["b2b.collection.aging"]
    writer = uenv["report.b2b_collections.report_b2b_aged_receivables_xlsx"]
    uenv.invalidate_all()
    rss_before = current_rss_mb()
    resettable = reset_peak_rss()
    maxrss_before = benchlib.peak_rss_mb()
    aging_data = aging._b2b_aging_report_data(
        as_of, company_ids, "customer", detail=True
    )
    content = writer._b2b_xlsx(aging_data)
    peak = peak_since_reset_mb() if resettable else benchlib.peak_rss_mb()
    lines = aging_data["line_count"]
    del aging_data, content
    uenv.cr.rollback()
    uenv.invalidate_all()
    tracemalloc.start()
    aging_data = aging._b2b_aging_report_data(
        as_of, company_ids, "customer", detail=True
    )
    content = writer._b2b_xlsx(aging_data)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    uenv.cr.rollback()
    memory = {
        "open_items": lines,
        "xlsx_kib": round(len(content) / 1024),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_rss_growth_mb": round(peak - rss_before, 1),
        "peak_rss_method": "VmHWM reset" if resettable else "ru_maxrss",
        "ru_maxrss_before_mb": round(maxrss_before, 1),
        "tracemalloc_peak_mb": round(traced_peak / 1024 / 1024, 1),
    }
    print(
        f"  xlsx memory ({lines} open items, {memory['xlsx_kib']} KiB): process RSS "
        f"{memory['rss_before_mb']} MB before, peak {memory['peak_rss_mb']} MB "
        f"(+{memory['peak_rss_growth_mb']} MB, {memory['peak_rss_method']}); "
        f"Python allocations peak (tracemalloc) {memory['tracemalloc_peak_mb']} MB",
        flush=True,
    )
    return memory


def explain(env, user, dates):
    aging = env["b2b.collection.aging"]
    for label, as_of in dates:
        for name, query, params in (
            ("aging rows (read_group's FROM)", None, None),
            ("SQL floor", FLOOR_SQL, {"as_of": as_of}),
        ):
            if query is None:
                sql = aging._b2b_lines_query(as_of)
                text = env.cr.mogrify(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT partner_id, bucket, "
                    "SUM(amount_residual) FROM (%s) a GROUP BY 1, 2" % sql.code,
                    sql.params,
                ).decode()
            else:
                text = env.cr.mogrify(
                    "EXPLAIN (ANALYZE, BUFFERS) " + query, params
                ).decode()
            env.cr.execute(text)
            print(f"plan of the {name}, {label} ({as_of}):")
            for (line,) in env.cr.fetchall():
                print(f"  {line}")
            env.cr.rollback()


def print_table(results, args, load, memory):
    header = ("measurement", "rows", "first ms", "median ms", "min", "max", "queries")
    width = max([len(r["name"]) for r in results] + [20])
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
    by_name = {r["name"]: r for r in results}
    ratios = defaultdict(list)
    for name, r in by_name.items():
        words = name.replace(",", " ").split()
        for label in ("today", *(w for w in words if w.startswith("today-"))):
            floor = by_name.get(f"SQL floor {label}")
            if floor and label in words and not name.startswith("SQL floor"):
                ratios[label].append((name, r["median_ms"] / floor["median_ms"]))
    for label, items in ratios.items():
        print(f"ratio to the SQL floor {label} (median / median):")
        for name, ratio in items:
            print(f"  {ratio:5.1f}x  {name}")
    if memory:
        print(
            f"xlsx with {memory['open_items']} open items: peak RSS growth "
            f"{memory['peak_rss_growth_mb']} MB, tracemalloc peak "
            f"{memory['tracemalloc_peak_mb']} MB"
        )
    print(
        f"(median of {args.repeat} warm runs; peak RSS of the process "
        f"{benchlib.peak_rss_mb():.0f} MB; load average {load[0]:.2f} at the start, "
        f"{load[1]:.2f} at the end, {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    sys.exit(main())
