"""Benchmark tool: grow a generated ledger to a multiple of its size in SQL.

Generating 100,000 invoices through the ORM takes hours (bench/generate_ledger.py
runs at about 20 invoices/s here). This tool instead copies, in SQL, every
customer, journal entry, journal item, payment and (partial or full)
reconciliation of a ledger that generate_ledger.py built, ``--copies`` - 1 more
times: each copy has its own customers (same names with " #<copy>"), its own
entries (names suffixed "-<copy>") and items with the same dates, amounts,
residuals and reconciliations. The result has the data shape of the generated
ledger (same distribution of ages, payments, partials, credits, currencies per
customer), times ``--copies``; it is only meant for measuring, never a real ledger.

Foreign keys between the copied tables are shifted to the copy's rows; those to
anything else (accounts, journals, currencies, users, stages...) are kept. The
tables of the collections work (notes, promises, reminders) are not copied.

Run on a clone of the ledger (bench/run_aging.sh does it with BENCH_REPLICATE):

    createdb -T b2b_bench_20000 b2b_bench_100000
    python bench/replicate_ledger.py -c tools/odoo.conf -d b2b_bench_100000 --copies 5
"""

import argparse
import json
import sys

import benchlib

# table -> copy every row (True), or only the rows with an id >= the first
# generated customer's (res_partner: the base's own partners stay single)
TABLES = (
    "res_partner",
    "account_full_reconcile",
    "account_payment",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
)


def log(message, start):
    print(f"[replicate] [{benchlib.clock() - start:7.1f} s] {message}", flush=True)


def foreign_keys(cr, table):
    """{column: referenced table} of the foreign keys of ``table`` to TABLES."""
    cr.execute(
        """
        SELECT a.attname, r.relname
          FROM pg_constraint con
          JOIN pg_class t ON t.oid = con.conrelid
          JOIN pg_class r ON r.oid = con.confrelid
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
         WHERE con.contype = 'f' AND t.relname = %s AND r.relname IN %s
        """,
        (table, TABLES),
    )
    return dict(cr.fetchall())


def columns(cr, table):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND table_schema = 'public'
         ORDER BY ordinal_position""",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.add_argument("--copies", type=int, default=5, help="total size factor")
    args = parser.parse_args()
    start = benchlib.clock()

    env = benchlib.open_env(args.config, args.database)
    cr = env.cr
    info = benchlib.ledger_info(env)
    if not info:
        print(f"{args.database} holds no generated ledger", file=sys.stderr)
        return 1
    if info.get("replicated_from"):
        log(f"{args.database} is already a replicated ledger: nothing to do", start)
        return 0
    # the generated customers: those of the invoices, with their contacts
    cr.execute(
        """SELECT MIN(p.id) FROM res_partner p
            WHERE p.id IN (SELECT commercial_partner_id FROM account_move
                            WHERE move_type = 'out_invoice')"""
    )
    first_partner = cr.fetchone()[0]
    bounds = {}
    for table in TABLES:
        cr.execute(f"SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM {table}")
        low, high = cr.fetchone()
        if table == "res_partner":
            low = first_partner
        bounds[table] = (low, high - low + 1)  # first copied id, shift per copy
    log(f"copying {', '.join(TABLES)} {args.copies - 1} more times", start)
    cr.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
    for copy in range(1, args.copies):
        for table in TABLES:
            low, step = bounds[table]
            fks = foreign_keys(cr, table)
            select = []
            for column in columns(cr, table):
                if column == "id":
                    select.append(f"id + {copy * step}")
                elif column in fks:
                    ref_low, ref_step = bounds[fks[column]]
                    select.append(
                        f"CASE WHEN {column} >= {ref_low} "
                        f"THEN {column} + {copy * ref_step} ELSE {column} END"
                    )
                elif table == "res_partner" and column in (
                    "name",
                    "complete_name",
                    "display_name",
                    "commercial_company_name",
                ):
                    select.append(f"{column} || ' #{copy + 1}'")
                elif table == "account_move" and column in ("name", "ref"):
                    select.append(f"{column} || '-{copy + 1}'")
                elif table == "account_move_line" and column == "move_name":
                    select.append(f"{column} || '-{copy + 1}'")
                else:
                    select.append(column)
            where = f"WHERE id >= {low}" if table == "res_partner" else ""
            cr.execute(
                f"INSERT INTO {table} ({', '.join(columns(cr, table))}) "
                f"SELECT {', '.join(select)} FROM {table} {where} "
                f"{'AND' if where else 'WHERE'} id < {low + step}"
            )
            log(f"copy {copy + 1}/{args.copies}: {table} +{cr.rowcount}", start)
    for table in TABLES:
        cr.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")
    info = dict(
        info,
        invoices=info["invoices"] * args.copies,
        customers=info["customers"] * args.copies,
        replicated_from=info["invoices"],
        copies=args.copies,
    )
    info.pop("summary", None)
    env["ir.config_parameter"].set_param(benchlib.LEDGER_PARAM, json.dumps(info))
    cr.commit()
    cr.execute("SELECT COUNT(*) FROM account_move WHERE move_type = 'out_invoice'")
    log(f"done: {cr.fetchone()[0]} invoices", start)
    cr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
