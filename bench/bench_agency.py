"""Benchmark: attribution of payments to agency placements, and commission billing.

Builds, on a scratch database where b2b_collections is installed, PLACEMENTS placed
invoices and PAYMENTS payments reconciled on them (PAYMENTS / PLACEMENTS per invoice),
then measures:

- the first attribution of every payment (``_b2b_attribute()``, what the hourly cron
  does), its time and its number of queries, and checks the totals to the cent;
- the same call again (nothing new: the steady state of the cron);
- the attribution hooked on one new reconciliation (``partials=`` one partial);
- undoing unreconciled payments: 20% of the reconciliations removed, a quarter of
  them already billed (reversed) and the rest not (deleted);
- the commission bill of one agency for every placement (optional, ``--bill``).

The ledger is generated in SQL by copying one invoice, one payment entry and their
reconciliation made through the ORM (generating 55,000 moves through the ORM takes
hours): a benchmark tool, not a way to create accounting data. The copies keep the
columns the attribution reads (payment-term line, reconciliation amount and date,
payment entry), which is what is measured.

Run with ``make bench-agency`` (bench/run_agency.sh).
"""

import argparse
import json
import sys
from datetime import date, timedelta

from benchlib import clock, open_env

TODAY = date(2026, 11, 2)


def columns(env, table, skip):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = 'public' ORDER BY ordinal_position",
        [table],
    )
    return [c for (c,) in env.cr.fetchall() if c not in skip]


def copy_rows(env, table, template_where, mapping_table, overrides):
    """INSERT copies of ``table``'s template rows, one per row of
    ``mapping_table`` (columns n, id), with ``overrides`` (column: SQL
    expression over t = template and m = mapping)."""
    cols = columns(env, table, {"id", *overrides})
    select = ", ".join([f"t.{c}" for c in cols] + list(overrides.values()))
    env.cr.execute(
        f"INSERT INTO {table} ({', '.join(cols + list(overrides))}) "
        f"SELECT {select} FROM {mapping_table} m, {table} t WHERE {template_where}"
    )
    return env.cr.rowcount


def measure(env, label, func, results, repeat=1):
    best = None
    for _ in range(repeat):
        env.invalidate_all()
        start_queries = env.cr.sql_log_count
        start = clock()
        value = func()
        env.flush_all()
        elapsed = clock() - start
        queries = env.cr.sql_log_count - start_queries
        if best is None or elapsed < best[0]:
            best = (elapsed, queries, value)
    results[label] = {
        "seconds": round(best[0], 4),
        "queries": best[1],
        "value": best[2],
    }
    print(f"{label:<58} {best[0] * 1000:>10.1f} ms {best[1]:>6} queries  -> {best[2]}")
    return best[2]


def build(env, placements, payments):
    from odoo.fields import Command

    per_invoice = payments // placements
    company = env.company
    customer = env["res.partner"].create({"name": "Bench Debtor", "is_company": True})
    agency_partner = env["res.partner"].create(
        {"name": "Bench Agency", "is_company": True}
    )
    agency = env["b2b.collection.agency"].create(
        {
            "partner_id": agency_partner.id,
            "fixed_fee": 25.0,
            "tier_ids": [Command.create({"rate": 20.0})],
        }
    )
    expense = env["account.account"].search(
        [("company_ids", "in", company.ids), ("account_type", "=", "expense")], limit=1
    )
    company.b2b_agency_commission_account_id = expense
    amount = 100.0 * per_invoice
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": TODAY - timedelta(days=150),
            "invoice_date_due": TODAY - timedelta(days=120),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Goods",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    payment = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create(
            {
                "payment_date": TODAY,
                "amount": 100.0,
                "payment_difference_handling": "open",
            }
        )
        ._create_payments()
    )
    env.flush_all()
    term_line = invoice.line_ids.filtered(
        lambda line: line.display_type == "payment_term"
    )
    partial = term_line.matched_credit_ids
    assert len(partial) == 1
    pay_line = partial.credit_move_id
    cr = env.cr
    seq_move = "account_move_id_seq"
    cr.execute(
        f"CREATE TEMP TABLE inv_map AS SELECT g AS n, nextval('{seq_move}') AS id "
        "FROM generate_series(1, %s) g",
        [placements],
    )
    cr.execute(
        f"CREATE TEMP TABLE pay_map AS SELECT g AS n, (g - 1) / %s + 1 AS inv_n, "
        f"nextval('{seq_move}') AS id FROM generate_series(1, %s) g",
        [per_invoice, placements * per_invoice],
    )
    copy_rows(
        env,
        "account_move",
        f"t.id = {invoice.id}",
        "inv_map",
        {"id": "m.id", "name": "t.name || '/B' || m.n"},
    )
    copy_rows(
        env,
        "account_move",
        f"t.id = {payment.move_id.id}",
        "pay_map",
        {"id": "m.id", "name": "t.name || '/B' || m.n"},
    )
    copy_rows(
        env,
        "account_move_line",
        f"t.move_id = {invoice.id}",
        "inv_map",
        {"move_id": "m.id"},
    )
    copy_rows(
        env,
        "account_move_line",
        f"t.move_id = {payment.move_id.id}",
        "pay_map",
        {"move_id": "m.id"},
    )
    # one reconciliation per payment, dated over the 30 days after the placement
    cr.execute(
        "CREATE TEMP TABLE term_map AS SELECT m.n, l.id FROM inv_map m "
        "JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'"
    )
    cr.execute(
        "CREATE TEMP TABLE paid_map AS SELECT p.n, p.inv_n, l.id FROM pay_map p "
        "JOIN account_move_line l ON l.move_id = p.id AND l.account_id = %s",
        [pay_line.account_id.id],
    )
    cr.execute(
        "CREATE TEMP TABLE partial_map AS SELECT p.n, tm.id AS debit_id, p.id AS credit_id "
        "FROM paid_map p JOIN term_map tm ON tm.n = p.inv_n"
    )
    copy_rows(
        env,
        "account_partial_reconcile",
        f"t.id = {partial.id}",
        "partial_map",
        {
            "debit_move_id": "m.debit_id",
            "credit_move_id": "m.credit_id",
            "max_date": f"DATE '{TODAY - timedelta(days=30)}' + (m.n % 30)",
        },
    )
    # the placements, placed 30 days ago
    cr.execute(
        """
        CREATE TEMP TABLE plc_map AS
        SELECT m.n, nextval('b2b_collection_placement_id_seq') AS id, m.id AS move_id
          FROM inv_map m
        """
    )
    cr.execute(
        """
        INSERT INTO b2b_collection_placement (
            id, name, company_id, agency_id, partner_id, state, date_placed, debt_age,
            commission_rate, fixed_fee, placed_amount, create_uid, create_date, write_uid, write_date)
        SELECT p.id, 'PLC/BENCH/' || p.n, %s, %s, %s, 'active', %s, 90, 20.0, 25.0, %s,
               1, NOW(), 1, NOW()
          FROM plc_map p
        """,
        [company.id, agency.id, customer.id, TODAY - timedelta(days=30), amount],
    )
    cr.execute(
        """
        INSERT INTO b2b_collection_placement_line (
            placement_id, move_id, state, agency_id, company_id, partner_id, placed_amount,
            days_overdue, create_uid, create_date, write_uid, write_date)
        SELECT p.id, p.move_id, 'active', %s, %s, %s, %s, 90, 1, NOW(), 1, NOW()
          FROM plc_map p
        """,
        [agency.id, company.id, customer.id, amount],
    )
    cr.execute("ANALYZE")
    env.invalidate_all()
    return agency, expense, amount


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--placements", type=int, default=5000)
    parser.add_argument("--payments", type=int, default=50000)
    parser.add_argument("--bill", action="store_true", help="also bill every placement")
    parser.add_argument("--json")
    args = parser.parse_args()
    from freezegun import freeze_time

    env = open_env(args.config, args.database)
    results = {"placements": args.placements, "payments": args.payments}
    with freeze_time(TODAY):
        start = clock()
        agency, _expense, amount = build(env, args.placements, args.payments)
        env.cr.commit()
        print(
            f"built {args.placements} placements and {args.payments} reconciled payments "
            f"in {clock() - start:.1f} s"
        )
        Recovery = env["b2b.collection.recovery"]

        inserted = measure(
            env, "first attribution (all payments)", Recovery._b2b_attribute, results
        )
        env.cr.execute(
            "SELECT COUNT(*), SUM(amount), SUM(commission_amount) "
            "FROM b2b_collection_recovery WHERE agency_id = %s",
            [agency.id],
        )
        count, total, commission = env.cr.fetchone()
        expected = (args.payments, 100.0 * args.payments, 20.0 * args.payments)
        check = (count, float(total), float(commission))
        print(f"  recoveries, recovered, commission: {check} (expected {expected})")
        assert (
            inserted == args.payments and check == expected
        ), "wrong attribution totals"
        results["totals"] = check
        env.cr.commit()
        measure(
            env,
            "attribution again (nothing new)",
            Recovery._b2b_attribute,
            results,
            repeat=3,
        )

        env.cr.execute(
            "SELECT partial_id FROM b2b_collection_recovery WHERE agency_id = %s "
            "ORDER BY id DESC LIMIT 1",
            [agency.id],
        )
        last = env["account.partial.reconcile"].browse(env.cr.fetchone()[0])
        env.cr.execute(
            "DELETE FROM b2b_collection_recovery WHERE partial_id = %s", [last.id]
        )
        measure(
            env,
            "attribution of one new reconciliation (hook)",
            lambda: Recovery._b2b_attribute(partials=last),
            results,
        )
        env.cr.commit()

        # undo 20% of the reconciliations, a quarter of them billed already
        env.cr.execute("SELECT id FROM account_move_line ORDER BY id LIMIT 1")
        some_line = env.cr.fetchone()[0]
        env.cr.execute(
            "UPDATE b2b_collection_recovery SET bill_line_id = %s "
            "WHERE id %% 20 = 0 AND agency_id = %s",
            [some_line, agency.id],
        )
        env.cr.execute(
            "DELETE FROM account_partial_reconcile WHERE id IN "
            "(SELECT partial_id FROM b2b_collection_recovery "
            "WHERE id %% 10 IN (0, 5) AND agency_id = %s)",
            [agency.id],
        )
        undone = env.cr.rowcount
        measure(
            env,
            f"undo {undone} unreconciled payments",
            lambda: Recovery._b2b_attribute(partials=env["account.partial.reconcile"]),
            results,
        )
        env.cr.execute(
            "SELECT COUNT(*) FILTER (WHERE reversal_of_id IS NOT NULL), "
            "COALESCE(SUM(amount), 0) FROM b2b_collection_recovery WHERE agency_id = %s",
            [agency.id],
        )
        reversals, net = env.cr.fetchone()
        print(
            f"  reversals {reversals}, net recovered {float(net):.2f} "
            f"(expected {100.0 * (args.payments - undone):.2f})"
        )
        assert float(net) == 100.0 * (args.payments - undone)
        results["undo"] = {"partials": undone, "reversals": reversals}
        env.cr.commit()

        if args.bill:
            env.cr.execute("UPDATE b2b_collection_recovery SET bill_line_id = NULL")
            env.cr.execute(
                "DELETE FROM b2b_collection_recovery WHERE reversal_of_id IS NOT NULL"
            )
            env.cr.execute("UPDATE b2b_collection_recovery SET reversed = FALSE")
            env.invalidate_all()
            bills = measure(
                env,
                f"bill commissions and fees of {args.placements} placements",
                lambda: len(Recovery._b2b_create_bills(env.company, TODAY, agency)),
                results,
            )
            assert bills == 1
        env.cr.rollback()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
