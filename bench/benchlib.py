"""Helpers shared by the benchmark scripts: open an Odoo environment on a database
from a plain Python process, a wall clock that freezegun leaves alone, and the
summary of a generated ledger."""

import json
import resource
import statistics
import time
from datetime import date

LEDGER_PARAM = "b2b.bench.ledger"


def clock():
    """Wall-clock seconds, monotonic. freezegun fakes time.monotonic() and
    time.perf_counter() while it runs; it leaves clock_gettime() alone."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def add_odoo_args(parser):
    parser.add_argument("-c", "--config", required=True, help="odoo.conf")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date(2026, 11, 1),
        help="the fixed 'bench today' the ledger is built around (default %(default)s)",
    )


def open_env(config_file, database):
    """An environment (superuser) on ``database``, on its own cursor."""
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-c", config_file, "-d", database, "--no-http", "--log-level=warn"],
        setup_logging=True,
    )
    registry = Registry(database)
    cr = registry.cursor()
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def ledger_info(env):
    """The completion record the generator leaves, or None."""
    value = env["ir.config_parameter"].sudo().get_param(LEDGER_PARAM)
    return json.loads(value) if value else None


def ledger_summary(env, today):
    """What the ledger holds, computed from the database (not from the plan)."""
    from freezegun import freeze_time

    env.flush_all()

    def rows(query, *args):
        env.cr.execute(query, args)
        return env.cr.fetchall()

    summary = {}
    summary["customers"] = rows(
        """SELECT COUNT(DISTINCT commercial_partner_id) FROM account_move
            WHERE move_type = 'out_invoice' AND state = 'posted'"""
    )[0][0]
    summary["collectors"] = rows(
        """SELECT COUNT(DISTINCT b2b_collector_id) FROM res_partner
            WHERE b2b_collector_id IS NOT NULL"""
    )[0][0]
    summary["invoices_by_payment_state"] = {
        state: [count, float(amount)]
        for state, count, amount in rows(
            """SELECT payment_state, COUNT(*), SUM(amount_total_signed)
                 FROM account_move
                WHERE move_type = 'out_invoice' AND state = 'posted'
             GROUP BY 1 ORDER BY 1"""
        )
    }
    summary["invoices"] = sum(
        c for c, _a in summary["invoices_by_payment_state"].values()
    )
    summary["open_invoices_by_bucket"] = {
        bucket or "none": [count, float(amount)]
        for bucket, count, amount in rows(
            """SELECT b2b_aging_bucket, COUNT(*), SUM(amount_residual_signed)
                 FROM account_move
                WHERE move_type = 'out_invoice' AND state = 'posted'
                  AND payment_state IN ('not_paid', 'partial')
             GROUP BY 1 ORDER BY 1"""
        )
    }
    summary["invoices_by_currency"] = dict(
        rows(
            """SELECT c.name, COUNT(*) FROM account_move m
                 JOIN res_currency c ON c.id = m.currency_id
                WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
             GROUP BY 1 ORDER BY 1"""
        )
    )
    summary["credit_notes_by_payment_state"] = dict(
        rows(
            """SELECT payment_state, COUNT(*) FROM account_move
                WHERE move_type = 'out_refund' AND state = 'posted'
             GROUP BY 1 ORDER BY 1"""
        )
    )
    summary["payments"] = rows("SELECT COUNT(*) FROM account_payment")[0][0]
    summary["unapplied_payments"] = rows(
        """SELECT COUNT(DISTINCT p.id) FROM account_payment p
             JOIN account_move_line l ON l.move_id = p.move_id
             JOIN account_account a ON a.id = l.account_id
            WHERE a.account_type = 'asset_receivable' AND NOT l.reconciled"""
    )[0][0]
    summary["exchange_difference_moves"] = rows(
        """SELECT COUNT(*) FROM account_move m
             JOIN res_company c ON c.id = m.company_id
            WHERE m.journal_id = c.currency_exchange_journal_id"""
    )[0][0]
    summary["moves"] = rows("SELECT COUNT(*) FROM account_move")[0][0]
    summary["move_lines"] = rows("SELECT COUNT(*) FROM account_move_line")[0][0]
    summary["partials"] = rows("SELECT COUNT(*) FROM account_partial_reconcile")[0][0]
    summary["call_notes_by_outcome"] = dict(
        rows(
            """SELECT outcome, COUNT(*) FROM b2b_collection_note
             GROUP BY 1 ORDER BY 1"""
        )
    )
    with freeze_time(today):
        worklist = env["b2b.collection.worklist"]
        summary["worklist_rows"] = worklist.search_count([])
        summary["worklist_overdue"] = worklist.search_count(
            [("amount_overdue", ">", 0)]
        )
        summary["worklist_needs_action"] = worklist.search_count(
            [("needs_action", "=", True)]
        )
    return summary


def print_summary(summary, out=print):
    invoices = summary["invoices"] or 1
    out(
        f"customers with invoices: {summary['customers']}, collectors: "
        f"{summary['collectors']}, posted customer invoices: {summary['invoices']}"
    )
    out("invoices per payment_state:")
    for state, (count, amount) in summary["invoices_by_payment_state"].items():
        out(
            f"  {state:<12} {count:>7} {100 * count / invoices:5.1f}%  {amount:>16,.2f}"
        )
    out("open invoices (not_paid/partial) per aging bucket (residual):")
    labels = {
        "not_due": "not due",
        "b1": "1-30",
        "b2": "31-60",
        "b3": "61-90",
        "b4": "91-120",
        "b5": "120+",
    }
    overdue = 0
    for bucket, (count, amount) in summary["open_invoices_by_bucket"].items():
        if bucket not in ("not_due", "none"):
            overdue += count
        out(
            f"  {labels.get(bucket, bucket):<12} {count:>7} "
            f"{100 * count / invoices:5.1f}%  {amount:>16,.2f}"
        )
    out(f"  open and overdue: {overdue} ({100 * overdue / invoices:.1f}% of invoices)")
    out(f"invoices per currency: {summary['invoices_by_currency']}")
    out(f"credit notes per payment_state: {summary['credit_notes_by_payment_state']}")
    out(
        f"payments: {summary['payments']} (unapplied: {summary['unapplied_payments']}), "
        f"exchange difference entries: {summary['exchange_difference_moves']}"
    )
    out(
        f"journal entries: {summary['moves']}, journal items: {summary['move_lines']}, "
        f"partial reconciliations: {summary['partials']}"
    )
    out(f"call notes per outcome: {summary['call_notes_by_outcome']}")
    out(
        f"worklist rows: {summary['worklist_rows']}, overdue: "
        f"{summary['worklist_overdue']}, needs action: "
        f"{summary['worklist_needs_action']}"
    )


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timing(times, queries):
    """Summary of a measurement: the first run, then the median, min and max of
    the warm runs (all runs if only one), in ms, and the query counts."""
    warm = times[1:] or times
    return {
        "first_ms": round(times[0] * 1000, 1),
        "median_ms": round(statistics.median(warm) * 1000, 1),
        "min_ms": round(min(warm) * 1000, 1),
        "max_ms": round(max(warm) * 1000, 1),
        "queries": queries[-1],
        "queries_first": queries[0],
    }
