"""Measure the reminder engine on a bench database (see bench/run_reminders.sh).

(a) the due-action computation (``_b2b_plan``) on the first day and on the
    following day (after a full run of the first day): first run, median of
    --repeat warm runs, SQL queries (cr.sql_log_count);
(b) full runs (``_b2b_execute``) limited with ``allowed`` to the first N customers
    of the plan, for each N of --sizes and each PDF mode of --modes, plus a run of
    every customer without PDFs: customers and reminders per second;
(c) the peak RSS of the process.

Every measurement is rolled back (the commits between batches are turned off in
this process), so each run starts from the same ledger, like a fresh clone. The
clock is frozen at --today (a weekday: the bench companies keep Saturday and
Sunday quiet). Mail is only queued. PDFs need Odoo's HTTP server for their CSS:
pass --base-url of a server running on the same database (bench/run_reminders.sh
starts one), or leave the PDF modes out.

    python bench/bench_reminders.py -c tools/odoo.conf -d b2b_bench_rem \\
        --today 2026-11-02 --base-url http://127.0.0.1:8169
"""

import argparse
import json
import os
import resource
import sys
from collections import Counter
from datetime import date, timedelta

import benchlib

# PDF modes of a full run: the context and the run's with_statement.
MODES = {
    # no PDF at all (the demo's switch): the ORM, mail and activity work alone
    "nopdf": ({"b2b_collections_no_pdf": True}, False),
    # the letters of the levels with the letter channel, no statement
    "letters": ({}, False),
    # the letters, and a statement PDF attached to every email
    "statement": ({}, True),
}


def children_peak_rss_mb():
    """The largest peak RSS of a waited-for child (wkhtmltopdf)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def plan_stats(actions):
    active = [a for a in actions if not a["pause"]]
    return {
        "actions": len(actions),
        "actions_active": len(active),
        "actions_paused": dict(Counter(a["pause"] for a in actions if a["pause"])),
        "customers": len({a["partner_id"] for a in actions}),
        "customers_active": len({a["partner_id"] for a in active}),
        "invoices": len({m for a in actions for m in a["move_ids"]}),
        "invoices_active": len({m for a in active for m in a["move_ids"]}),
    }


class Bench:
    def __init__(self, env, company, args):
        self.env = env
        self.company = company
        self.args = args
        self.results = []

    def plan(self, name, day, repeat, keep=False):
        """Time _b2b_plan(company, day): a first run, then ``repeat`` warm runs
        (ORM cache emptied before each). Rolled back unless ``keep``."""
        env = self.env
        Run = env["b2b.collection.run"]
        times, queries = [], []
        actions = []
        for _index in range(repeat + 1):
            env.flush_all()
            env.invalidate_all()
            count = env.cr.sql_log_count
            start = benchlib.clock()
            actions = Run._b2b_plan(self.company, day)
            times.append(benchlib.clock() - start)
            queries.append(env.cr.sql_log_count - count)
            if not keep:
                env.cr.rollback()
        result = {
            "name": name,
            "kind": "plan",
            "day": day.isoformat(),
            **benchlib.timing(times, queries),
            **plan_stats(actions),
            "peak_rss_mb": round(benchlib.peak_rss_mb()),
        }
        self.results.append(result)
        print(
            f"  {name}: median {result['median_ms']} ms (first {result['first_ms']} ms), "
            f"{result['queries']} queries (first {result['queries_first']}); "
            f"{result['actions']} actions ({result['actions_active']} to send) for "
            f"{result['customers']} customers ({result['customers_active']} to "
            f"contact), {result['invoices']} invoices; paused "
            f"{result['actions_paused']}",
            flush=True,
        )
        return actions, result

    def execute(self, name, day, mode, partner_ids=None, keep=False, record=True):
        """A full run of ``day`` limited to ``partner_ids`` (all when None), in
        PDF ``mode``; rolled back unless ``keep``; a warm-up unless ``record``."""
        env = self.env
        context, with_statement = MODES[mode]
        Run = env["b2b.collection.run"].with_context(**context)
        env.invalidate_all()
        allowed = None
        if partner_ids is not None:
            wanted = set(partner_ids)
            allowed = {
                (a["partner_id"], a["level_id"])
                for a in Run._b2b_plan(self.company, day)
                if not a["pause"] and a["partner_id"] in wanted
            }
        env.flush_all()
        env.invalidate_all()
        count = env.cr.sql_log_count
        # the time spent on letters, after the reminders (emails, calls)
        letters = []
        RunClass = type(Run)
        render_step = RunClass._b2b_render_letter_step

        def timed_step(run_self, *step_args, **step_kwargs):
            step_start = benchlib.clock()
            try:
                return render_step(run_self, *step_args, **step_kwargs)
            finally:
                letters.append(benchlib.clock() - step_start)

        RunClass._b2b_render_letter_step = timed_step
        start = benchlib.clock()
        run = Run.create(
            {
                "company_id": self.company.id,
                "date": day,
                "trigger": "manual",
                "with_statement": with_statement,
            }
        )
        try:
            run._b2b_execute(batch_size=self.args.batch, allowed=allowed)
            env.flush_all()
        finally:
            RunClass._b2b_render_letter_step = render_step
        seconds = benchlib.clock() - start
        letter_seconds = sum(letters)
        queries = env.cr.sql_log_count - count
        contacts = run.contact_ids
        customers = len(contacts.partner_id)
        env.cr.execute(
            """SELECT COUNT(*), COALESCE(SUM(file_size), 0) FROM ir_attachment
                WHERE res_model = 'b2b.collection.contact' AND res_id = ANY(%s)
                  AND mimetype = 'application/pdf'""",
            [contacts.ids],
        )
        pdfs, pdf_bytes = env.cr.fetchone()
        env.cr.execute(
            "SELECT COUNT(*) FROM mail_mail WHERE mail_message_id = ANY(%s)",
            [contacts.message_id.ids],
        )
        mails = env.cr.fetchone()[0]
        result = {
            "name": name,
            "kind": "run",
            "mode": mode,
            "day": day.isoformat(),
            "customers_asked": len(partner_ids) if partner_ids is not None else None,
            "customers": customers,
            "reminders": len(contacts),
            "invoices": len(contacts.line_ids),
            "issues": len(run.issue_ids),
            "pdfs": pdfs,
            "pdf_kb_avg": round(pdf_bytes / pdfs / 1024, 1) if pdfs else 0,
            "mails_queued": mails,
            "activities": len(contacts.activity_id),
            "seconds": round(seconds, 2),
            # every reminder out (emails queued, calls planned), before letters
            "seconds_reminders": round(seconds - letter_seconds, 2),
            "seconds_letters": round(letter_seconds, 2),
            "customers_per_s": round(customers / seconds, 2) if seconds else None,
            "reminders_per_s": round(len(contacts) / seconds, 2) if seconds else None,
            "ms_per_customer": round(1000 * seconds / customers, 1)
            if customers
            else None,
            "queries": queries,
            "queries_per_customer": round(queries / customers, 1)
            if customers
            else None,
            "peak_rss_mb": round(benchlib.peak_rss_mb()),
            "children_peak_rss_mb": round(children_peak_rss_mb()),
        }
        if record:
            self.results.append(result)
        print(
            f"  {name}: {customers} customers, {len(contacts)} reminders, "
            f"{len(contacts.line_ids)} invoices, {pdfs} PDFs "
            f"(avg {result['pdf_kb_avg']} KB), {mails} mails queued, "
            f"{result['issues']} issues in {seconds:.2f} s (reminders out in "
            f"{result['seconds_reminders']} s, then letters "
            f"{result['seconds_letters']} s): "
            f"{result['customers_per_s']} customers/s, "
            f"{result['reminders_per_s']} reminders/s, {queries} queries "
            f"({result['queries_per_customer']} per customer); peak RSS "
            f"{result['peak_rss_mb']} MB",
            flush=True,
        )
        if not keep:
            env.cr.rollback()
            env.invalidate_all()
        return run, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.set_defaults(today=date(2026, 11, 2))
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions")
    parser.add_argument(
        "--sizes",
        default="25,50,100",
        help="customers of the limited runs (comma separated; default %(default)s)",
    )
    parser.add_argument(
        "--modes",
        default="nopdf,letters,statement",
        help=f"PDF modes of the limited runs, among {', '.join(MODES)} "
        "(default %(default)s; the PDF modes need --base-url)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=5,
        help="customers of an unrecorded run per mode first (template compilation, "
        "first wkhtmltopdf and asset loads; default %(default)s, 0 for none)",
    )
    parser.add_argument("--batch", type=int, default=50, help="customers per batch")
    parser.add_argument(
        "--base-url",
        help="URL of an Odoo HTTP server on this database (wkhtmltopdf loads the "
        "report CSS from it); stored as web.base.url and report.url",
    )
    parser.add_argument(
        "--policy",
        default="b2b_collections_reminder.b2b_collection_policy_standard",
        help="the company's default policy, set (and committed) first",
    )
    parser.add_argument(
        "--no-full-run",
        action="store_true",
        help="skip the run of every customer (and so the following-day plan)",
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    modes = [mode for mode in args.modes.split(",") if mode]
    for mode in modes:
        if mode not in MODES:
            parser.error(f"unknown mode {mode}")
    if any(mode != "nopdf" for mode in modes) and not args.base_url:
        print(
            "WARNING: PDF modes without --base-url: wkhtmltopdf gets no CSS (nearly "
            "empty PDFs, faster than real ones)",
            flush=True,
        )

    from freezegun import freeze_time

    env = benchlib.open_env(args.config, args.database)
    info = benchlib.ledger_info(env) or {}
    company = env.ref("base.main_company")
    today = args.today

    # Setup, committed (the database is a scratch clone).
    company.b2b_policy_id = env.ref(args.policy)
    if args.base_url:
        params = env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", args.base_url)
        params.set_param("web.base.url.freeze", "True")
        params.set_param("report.url", args.base_url)
    env.cr.commit()
    # Measurements are rolled back: no commit between batches in this process.
    type(env["b2b.collection.run"])._b2b_can_commit = lambda self: False

    print(
        f"database {args.database}: ledger of {info.get('invoices', '?')} invoices, "
        f"{info.get('customers', '?')} customers; reminders on {today} "
        f"({today:%A}) then {today + timedelta(days=1)}; company {company.name}, "
        f"policy {company.b2b_policy_id.name}, max contacts/7 days "
        f"{company.b2b_max_contacts_7d}; base URL {args.base_url or '(none)'}",
        flush=True,
    )
    load_start = os.getloadavg()[0]
    bench = Bench(env, company, args)
    freezer = freeze_time(today)
    frozen = freezer.start()
    try:
        print("due-action computation, first day:", flush=True)
        actions, first = bench.plan("plan, first day", today, args.repeat)
        order = list(dict.fromkeys(a["partner_id"] for a in actions if not a["pause"]))
        print("full runs limited to the first N customers to contact:", flush=True)
        for mode in modes:
            if args.warmup:
                bench.execute(
                    f"(warm-up {mode}, {args.warmup} customers, not recorded)",
                    today,
                    mode,
                    order[: args.warmup],
                    record=False,
                )
            for size in sizes:
                bench.execute(
                    f"run {mode}, {size} customers", today, mode, order[:size]
                )
        if not args.no_full_run:
            print("full run of every customer, then the following day:", flush=True)
            # the default settings: letters, the statement as a link
            full_mode = "letters" if args.base_url else "nopdf"
            bench.execute(
                f"run {full_mode}, every customer", today, full_mode, keep=True
            )
            frozen.move_to(today + timedelta(days=1))
            bench.plan(
                "plan, following day", today + timedelta(days=1), args.repeat, keep=True
            )
            env.cr.rollback()
            frozen.move_to(today)
    finally:
        freezer.stop()
    load = (load_start, os.getloadavg()[0])
    print_table(bench.results, args, load)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "database": args.database,
                    "today": today.isoformat(),
                    "repeat": args.repeat,
                    "base_url": args.base_url,
                    "ledger": {k: v for k, v in info.items() if k != "summary"},
                    "peak_rss_mb": round(benchlib.peak_rss_mb()),
                    "children_peak_rss_mb": round(children_peak_rss_mb()),
                    "load_average_1min": load,
                    "results": bench.results,
                },
                out,
                indent=1,
            )
    env.cr.rollback()
    env.cr.close()
    return 0


def print_table(results, args, load):
    print()
    print(
        f"{'plan':<22} {'actions':>8} {'to send':>8} {'customers':>9} "
        f"{'invoices':>8} {'first ms':>9} {'median ms':>9} {'queries':>7}"
    )
    for r in results:
        if r["kind"] == "plan":
            print(
                f"{r['name']:<22} {r['actions']:>8} {r['actions_active']:>8} "
                f"{r['customers']:>9} {r['invoices']:>8} {r['first_ms']:>9.1f} "
                f"{r['median_ms']:>9.1f} {r['queries']:>7}"
            )
    print()
    print(
        f"{'run':<32} {'custs':>5} {'remind':>6} {'PDFs':>5} {'s':>7} "
        f"{'out s':>7} {'letters':>7} "
        f"{'cust/s':>7} {'rem/s':>7} {'ms/cust':>8} {'queries':>8} {'q/cust':>7}"
    )
    for r in results:
        if r["kind"] == "run":
            print(
                f"{r['name']:<32} {r['customers']:>5} {r['reminders']:>6} "
                f"{r['pdfs']:>5} {r['seconds']:>7.2f} "
                f"{r['seconds_reminders']:>7.2f} {r['seconds_letters']:>7.2f} "
                f"{r['customers_per_s']:>7} "
                f"{r['reminders_per_s']:>7} {r['ms_per_customer']:>8} "
                f"{r['queries']:>8} {r['queries_per_customer']:>7}"
            )
    print(
        f"(plan: median of {args.repeat} warm runs; peak RSS of the process "
        f"{benchlib.peak_rss_mb():.0f} MB, of a wkhtmltopdf child {children_peak_rss_mb():.0f} "
        f"MB; load average {load[0]:.2f} at the start, {load[1]:.2f} at the end, "
        f"{os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    sys.exit(main())
