"""Measure OCA's account_credit_control on a bench database, for comparison with
bench/bench_reminders.py (see docs/benchmarks-reminders.md).

The OCA addon is never part of this project: it is unpacked from its PyPI wheel
into a scratch folder added to the addons path of a scratch odoo.conf, and
installed on a scratch clone of the ledger. This script configures a policy
like the b2b_collections standard ladder (5 levels at -3/7/21/45/75 days after
the due date, email) as the company's policy, then times the line generation of
a credit control run (``credit.control.run.generate_credit_lines``, the "Compute
credit lines" button) on the first day and on the following day (after the
first day's lines were sent), with the SQL query count. Every measurement is
rolled back.

    python bench/bench_reminders_oca.py -c /tmp/oca/odoo.conf -d b2b_bench_oca
"""

import argparse
import json
import os
import statistics
import sys
from datetime import date, timedelta

import benchlib

LEVELS = (
    (1, "Courtesy reminder", -3),
    (2, "First reminder", 7),
    (3, "Second reminder", 21),
    (4, "Final notice", 45),
    (5, "Pre-agency notice", 75),
)


def setup_policy(env, company):
    template = env.ref("account_credit_control.email_template_credit_control_base")
    accounts = env["account.account"].search(
        [
            ("account_type", "=", "asset_receivable"),
            ("company_ids", "in", company.ids),
        ]
    )
    policy = env["credit.control.policy"].search(
        [("name", "=", "Bench ladder (like b2b standard)")], limit=1
    )
    if not policy:
        policy = env["credit.control.policy"].create(
            {
                "name": "Bench ladder (like b2b standard)",
                "company_id": company.id,
                "account_ids": [(6, 0, accounts.ids)],
                "level_ids": [
                    (
                        0,
                        0,
                        {
                            "name": name,
                            "level": level,
                            "computation_mode": "net_days",
                            "delay_days": delay,
                            "email_template_id": template.id,
                            "channel": "email",
                            "custom_text": name,
                            "custom_mail_text": f"<p>{name}</p>",
                        },
                    )
                    for level, name, delay in LEVELS
                ],
            }
        )
    company.credit_policy_id = policy
    return policy, accounts


def generate(env, company, policy, day):
    run = (
        env["credit.control.run"]
        .with_company(company)
        .create({"date": day, "policy_ids": [(6, 0, policy.ids)]})
    )
    run.generate_credit_lines()
    env.flush_all()
    return run


def measure(env, name, company, policy, day, repeat, before=None):
    """Time the line generation of ``day`` (first run, then ``repeat`` warm
    runs), each in a fresh transaction prepared by ``before``."""
    times, queries, lines = [], [], None
    for _index in range(repeat + 1):
        env.cr.rollback()
        env.invalidate_all()
        if before:
            before()
            env.flush_all()
            env.invalidate_all()
        count = env.cr.sql_log_count
        start = benchlib.clock()
        run = generate(env, company, policy, day)
        times.append(benchlib.clock() - start)
        queries.append(env.cr.sql_log_count - count)
        lines = run.line_ids
        by_level = {}
        for line in lines:
            by_level[line.level] = by_level.get(line.level, 0) + 1
        partners = len(lines.partner_id)
        move_lines = len(lines.move_line_id)
    env.cr.rollback()
    warm = times[1:] or times
    result = {
        "name": name,
        "day": day.isoformat(),
        "first_s": round(times[0], 2),
        "median_s": round(statistics.median(warm), 2),
        "min_s": round(min(warm), 2),
        "max_s": round(max(warm), 2),
        "queries": queries[-1],
        "queries_first": queries[0],
        "lines": len(lines),
        "lines_by_level": by_level,
        "customers": partners,
        "move_lines": move_lines,
        "peak_rss_mb": round(benchlib.peak_rss_mb()),
    }
    print(
        f"  {name}: median {result['median_s']} s (first {result['first_s']} s), "
        f"{result['queries']} queries; {result['lines']} credit lines "
        f"{by_level} for {partners} customers",
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.set_defaults(today=date(2026, 11, 2))
    parser.add_argument("--repeat", type=int, default=3, help="warm repetitions")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    from freezegun import freeze_time

    env = benchlib.open_env(args.config, args.database)
    company = env.ref("base.main_company")
    policy, accounts = setup_policy(env, company)
    env.cr.commit()
    today = args.today
    env.cr.execute(
        """SELECT COUNT(*), COUNT(DISTINCT l.partner_id) FROM account_move_line l
            WHERE l.account_id = ANY(%s) AND NOT l.reconciled AND l.partner_id IS NOT NULL
              AND l.parent_state = 'posted' AND l.date_maturity <= %s""",
        [accounts.ids, today],
    )
    due, due_partners = env.cr.fetchone()
    print(
        f"database {args.database}: OCA account_credit_control "
        f"{env['ir.module.module'].search([('name', '=', 'account_credit_control')]).latest_version}; "
        f"policy {policy.name} on {len(accounts)} receivable accounts; {due} open "
        f"receivable items due on {today} for {due_partners} partners",
        flush=True,
    )
    load_start = os.getloadavg()[0]
    results = []
    with freeze_time(today):
        results.append(
            measure(env, "OCA lines, first day", company, policy, today, args.repeat)
        )

        def first_day_sent():
            run = generate(env, company, policy, today)
            run.line_ids.write({"state": "sent"})

        tomorrow = today + timedelta(days=1)
        results.append(
            measure(
                env,
                "OCA lines, following day (first day's lines sent)",
                company,
                policy,
                tomorrow,
                args.repeat,
                before=first_day_sent,
            )
        )

        def first_day_draft():
            generate(env, company, policy, today)

        results.append(
            measure(
                env,
                "OCA lines, following day (first day's lines left draft)",
                company,
                policy,
                tomorrow,
                args.repeat,
                before=first_day_draft,
            )
        )
    load = (load_start, os.getloadavg()[0])
    print(
        f"(median of {args.repeat} warm runs; peak RSS {benchlib.peak_rss_mb():.0f} MB; load "
        f"average {load[0]:.2f} at the start, {load[1]:.2f} at the end, "
        f"{os.cpu_count()} CPUs)"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "database": args.database,
                    "today": today.isoformat(),
                    "repeat": args.repeat,
                    "due_items": due,
                    "due_partners": due_partners,
                    "peak_rss_mb": round(benchlib.peak_rss_mb()),
                    "load_average_1min": load,
                    "results": results,
                },
                out,
                indent=1,
            )
    env.cr.rollback()
    env.cr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
