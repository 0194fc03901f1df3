"""Generate a seeded, realistic receivables ledger through the ORM.

Every row is written by Odoo itself: customers, invoices (created and posted in
batches), credit notes, payments (created, posted, then reconciled with their
invoice through the reconciliation plan the payment wizard uses), exchange
differences, aging, collection stages and call notes. Nothing is INSERTed by hand.

The ledger is built around a fixed "bench today" (--today) so that a given seed
always yields the same ledger; the nightly aging refresh runs with the clock frozen
at that date. Run it on a database where b2b_collections is installed without demo
data:

    python bench/generate_ledger.py -c tools/odoo.conf -d b2b_bench_500 --invoices 500

When it finishes it stores what it built in the ir.config_parameter
``b2b.bench.ledger`` (bench/run.sh reuses a database that has it).
"""

import argparse
import json
import random
import resource
import sys
from datetime import datetime, time, timedelta

import benchlib

from odoo.fields import Command

# Customer behaviour: share of the customers, then the weights of the outcome of
# each of their invoices (paid on time, paid late, paid in two instalments, partly
# paid and overdue, unpaid and overdue), then the range of the delay of their late
# payments in days.
OUTCOMES = ("ontime", "late", "instal", "partial_open", "open")
PROFILES = {
    "prompt": (0.55, (0.88, 0.10, 0.015, 0.0025, 0.0025), (1, 20)),
    "slow": (0.25, (0.51, 0.38, 0.05, 0.02, 0.04), (5, 60)),
    "struggling": (0.13, (0.35, 0.40, 0.10, 0.05, 0.10), (10, 90)),
    "delinquent": (0.07, (0.23, 0.35, 0.10, 0.10, 0.22), (20, 150)),
}
# Payment terms (xml id suffix in account): weight, days to the first instalment.
TERMS = (
    ("immediate", 5, 0),
    ("15days", 15, 15),
    ("30days", 45, 30),
    ("45days", 15, 45),
    ("end_following_month", 10, 45),
    ("advance_60days", 10, 0),
)
# Days overdue of the invoices planned open and overdue: bucket bounds and weights.
OVERDUE_BUCKETS = ((1, 30, 30), (31, 60, 20), (61, 90, 15), (91, 120, 10), (121, 0, 25))
HISTORY_DAYS = 730  # invoices over the last 24 months
EUR_SHARE = 0.05  # customers invoiced in euros
CREDIT_FULL = 0.008  # invoices cancelled by a full credit note
CREDIT_PARTIAL = 0.04  # invoices reduced by a partial credit note
ADJECTIVES = (
    "Northern Bright Urban Golden Silver Blue Green Swift Prime Coastal Summit Royal "
    "Pioneer Evergreen Crystal Atlas Harbor Maple Granite Copper Cedar Liberty Union "
    "Metro Pacific Alpine Sunrise Falcon Orchard Keystone"
).split()
NOUNS = (
    "Retail Supply Foods Logistics Textiles Electronics Pharma Hardware Furniture "
    "Beverages Cosmetics Office Garden Marine Motors Paper Packaging Tools Toys Sports "
    "Books Pets Kitchen Lighting Medical Print Wines Outdoor Audio Fashion"
).split()
SUFFIXES = ("Ltd", "Inc", "GmbH", "SARL", "LLC", "Group", "Co", "Trading", "Wholesale")
PRODUCTS = (
    "Wholesale stock order",
    "Fulfilment services",
    "Warehousing",
    "Freight and handling",
    "Packaging supplies",
    "Marketplace listing fees",
    "Maintenance contract",
    "Spare parts",
)
FIRST = (
    "Ana Ben Chloe Dev Emma Finn Grace Hugo Iris Jon Kara Liam Mia Noah Olga".split()
)
LAST = "Meyer Okafor Rossi Dubois Novak Silva Larsen Kowalski Haddad Tan".split()
COLLECTORS = (
    "Clara Collins",
    "Omar Haddad",
    "Priya Raman",
    "Lukas Brandt",
    "Sofia Marin",
    "Kenji Sato",
    "Amara Diallo",
    "Tom Walsh",
)


def log(message, start=None):
    elapsed = f" [{benchlib.clock() - start:7.1f} s]" if start is not None else ""
    print(f"[generate]{elapsed} {message}", flush=True)


# ---------------------------------------------------------------------- the plan


def plan_ledger(rng, args):
    """Every random decision, drawn up front so that the ledger only depends on
    the seed (not on batch sizes)."""
    today = args.today
    n_customers = args.customers or max(1, args.invoices // 10)
    profile_names = list(PROFILES)
    profile_weights = [PROFILES[p][0] for p in profile_names]
    term_names = [t[0] for t in TERMS]
    term_weights = [t[1] for t in TERMS]
    first_days = {t[0]: t[2] for t in TERMS}

    names = set()
    customers = []
    for index in range(n_customers):
        name = " ".join(
            (rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(SUFFIXES))
        )
        if name in names:
            name = f"{name} {index}"
        names.add(name)
        customers.append(
            {
                "name": name,
                "profile": rng.choices(profile_names, profile_weights)[0],
                "term": rng.choices(term_names, term_weights)[0],
                "eur": rng.random() < EUR_SHARE,
                # ~4% of the customers have no collector: the company default works them.
                "collector": None
                if rng.random() < 0.04
                else rng.randrange(args.collectors),
                "volume": rng.lognormvariate(0, 0.8),
                "scale": round(rng.lognormvariate(6.7, 0.7), -1),  # ~800 per line
                "contact": f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if rng.random() < 0.6
                else None,
                "city": rng.choice(
                    ["Austin", "Denver", "Portland", "Chicago", "Boston", "Miami"]
                ),
            }
        )

    # Each customer gets at least one invoice, the rest by (skewed) volume.
    owners = list(range(min(n_customers, args.invoices)))
    owners += rng.choices(
        range(n_customers),
        [c["volume"] for c in customers],
        k=args.invoices - len(owners),
    )
    rng.shuffle(owners)

    invoices = []
    for owner in owners:
        customer = customers[owner]
        _share, weights, late_range = PROFILES[customer["profile"]]
        outcome = rng.choices(OUTCOMES, weights)[0]
        if outcome in ("partial_open", "open"):
            low, high, _w = rng.choices(
                OVERDUE_BUCKETS, [b[2] for b in OVERDUE_BUCKETS]
            )[0]
            days_overdue = (
                rng.randint(low, high)
                if high
                else low + min(int(rng.expovariate(1 / 110)), 480)
            )
            invoice_date = today - timedelta(
                days=days_overdue + first_days[customer["term"]]
            )
            invoice_date = max(invoice_date, today - timedelta(days=HISTORY_DAYS))
        else:
            invoice_date = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
        lines = [
            (
                rng.choice(PRODUCTS),
                round(customer["scale"] * rng.lognormvariate(0, 0.6), 2),
            )
            for _n in range(rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0])
        ]
        payment = {"outcome": outcome}
        if outcome == "ontime":
            payment["offset"] = -rng.randint(0, 7)
        elif outcome == "late":
            low, high = late_range
            payment["offset"] = int(rng.triangular(low, high, low + (high - low) / 4))
        elif outcome == "instal":
            payment["offset"] = rng.randint(-5, 30)
            payment["share"] = rng.choice((0.3, 0.4, 0.5, 0.6))
            payment["second_offset"] = payment["offset"] + rng.randint(15, 60)
        elif outcome == "partial_open":
            payment["share"] = rng.choice((0.2, 0.3, 0.4, 0.5, 0.6, 0.7))
            payment["when"] = rng.random()  # fraction of the time since the invoice
        credit = None
        draw = rng.random()
        if draw < CREDIT_FULL + CREDIT_PARTIAL:
            credit = {
                "full": draw < CREDIT_FULL,
                "share": rng.choice((0.1, 0.15, 0.2, 0.3)),
                "date": invoice_date + timedelta(days=rng.randint(2, 20)),
            }
        invoices.append(
            {
                "customer": owner,
                "date": invoice_date,
                "lines": lines,
                "taxed": rng.random() < 0.8,
                "payment": payment,
                "credit": credit,
            }
        )
    # Posted in date order, as an accountant would: sequence numbers follow dates.
    invoices.sort(key=lambda inv: inv["date"])

    unapplied_payments = [
        {
            "customer": rng.randrange(n_customers),
            "date": today - timedelta(days=rng.randint(0, 90)),
            "amount": round(rng.uniform(100, 3000), -1),
        }
        for _n in range(max(2, args.invoices // 400))
    ]
    unapplied_credits = [
        {
            "customer": rng.randrange(n_customers),
            "date": today - timedelta(days=rng.randint(1, 120)),
            "amount": round(rng.uniform(50, 800), 2),
        }
        for _n in range(max(1, args.invoices // 1000))
    ]
    return customers, invoices, unapplied_payments, unapplied_credits


# ----------------------------------------------------------------- the ORM work


class Generator:
    def __init__(self, env, args):
        self.env = env(
            context=dict(
                env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
                no_reset_password=True,
            )
        )
        self.args = args
        self.today = args.today
        self.start = benchlib.clock()
        self.company = self.env.company
        journals = self.env["account.journal"]
        domain = journals._check_company_domain(self.company)
        self.sale = journals.search([("type", "=", "sale"), *domain], limit=1)
        self.bank = journals.search([("type", "=", "bank"), *domain], limit=1)
        self.tax = self.company.account_sale_tax_id

    def commit(self):
        self.env.flush_all()
        self.env.cr.commit()
        self.env.invalidate_all()

    def batches(self, items, size=None):
        size = size or self.args.batch
        for start in range(0, len(items), size):
            yield start, items[start : start + size]

    # ------------------------------------------------------------------ setup

    def setup(self, customers):
        env = self.env
        eur = env.ref("base.EUR")
        eur.active = True
        rng = random.Random(self.args.seed + 1)
        rates = []
        day = (self.today - timedelta(days=HISTORY_DAYS + 40)).replace(day=1)
        rate = 0.92
        while day <= self.today:
            rate = round(rate * rng.uniform(0.98, 1.02), 4)
            rates.append(
                {
                    "currency_id": eur.id,
                    "name": day,
                    "rate": rate,
                    "company_id": self.company.id,
                }
            )
            day = (day + timedelta(days=32)).replace(day=1)
        env["res.currency.rate"].create(rates)

        group = env.ref("b2b_collections.group_b2b_collection_user")
        collectors = env["res.users"].create(
            [
                {
                    "name": name,
                    "login": f"bench.collector{index + 1}",
                    "password": f"bench.collector{index + 1}",
                    "email": f"collector{index + 1}@bench.example.com",
                    "company_id": self.company.id,
                    "company_ids": [Command.set(self.company.ids)],
                    "groups_id": [Command.link(group.id)],
                }
                for index, name in enumerate(
                    COLLECTORS[i % len(COLLECTORS)] for i in range(self.args.collectors)
                )
            ]
        )
        self.company.b2b_default_collector_id = collectors[0]
        terms = {
            code: env.ref(f"account.account_payment_term_{code}").id
            for code, _w, _d in TERMS
        }
        partner_ids = []
        for _start, chunk in self.batches(customers, 500):
            vals_list = []
            for customer in chunk:
                slug = customer["name"].lower().replace(" ", "-")
                vals = {
                    "name": customer["name"],
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"accounts@{slug}.example.com",
                    "city": customer["city"],
                    "property_payment_term_id": terms[customer["term"]],
                    "b2b_collector_id": collectors[customer["collector"]].id
                    if customer["collector"] is not None
                    else False,
                    "b2b_preferred_channel": "email"
                    if customer["profile"] == "prompt"
                    else "phone",
                }
                if customer["contact"]:
                    vals["child_ids"] = [
                        Command.create(
                            {
                                "name": customer["contact"],
                                "function": "Accounts Payable",
                                "email": f"ap@{slug}.example.com",
                                "type": "invoice",
                            },
                        )
                    ]
                vals_list.append(vals)
            partners = env["res.partner"].create(vals_list)
            for partner in partners.filtered("child_ids"):
                partner.b2b_collection_contact_id = partner.child_ids[:1]
            partner_ids += partners.ids
            self.commit()
        log(
            f"{len(partner_ids)} customers, {len(collectors)} collectors, "
            f"{len(rates)} EUR rates",
            self.start,
        )
        return partner_ids, collectors.ids, eur.id

    # --------------------------------------------------------------- invoices

    def create_invoices(self, invoices, customers, partner_ids, eur_id):
        env = self.env
        company_currency = self.company.currency_id.id
        done = 0
        for _start, chunk in self.batches(invoices):
            vals_list = [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner_ids[inv["customer"]],
                    "journal_id": self.sale.id,
                    "invoice_date": inv["date"],
                    "currency_id": eur_id
                    if customers[inv["customer"]]["eur"]
                    else company_currency,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": name,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [
                                    Command.set(self.tax.ids if inv["taxed"] else [])
                                ],
                            },
                        )
                        for name, amount in inv["lines"]
                    ],
                }
                for inv in chunk
            ]
            moves = env["account.move"].create(vals_list)
            moves.action_post()
            for inv, move_id in zip(chunk, moves.ids):
                inv["move_id"] = move_id
            self.commit()
            done += len(chunk)
            elapsed = benchlib.clock() - self.start
            log(
                f"invoices {done}/{len(invoices)} posted ({done / elapsed:.1f}/s overall)",
                self.start,
            )

    # ----------------------------------------------------------- credit notes

    def create_credit_notes(self, invoices):
        env = self.env
        credited = [
            inv
            for inv in invoices
            if inv["credit"] and inv["credit"]["date"] <= self.today
        ]
        full = [inv for inv in credited if inv["credit"]["full"]]
        partial = [inv for inv in credited if not inv["credit"]["full"]]
        for _start, chunk in self.batches(full):
            moves = env["account.move"].browse([inv["move_id"] for inv in chunk])
            # What "Credit Note > Full refund" does: reverse, post and reconcile.
            moves._reverse_moves(
                [
                    {
                        "invoice_date": inv["credit"]["date"],
                        "date": inv["credit"]["date"],
                        "ref": f"Cancellation of {move.name}",
                    }
                    for inv, move in zip(chunk, moves)
                ],
                cancel=True,
            )
            self.commit()
        for _start, chunk in self.batches(partial):
            moves = env["account.move"].browse([inv["move_id"] for inv in chunk])
            refunds = env["account.move"].create(
                [
                    {
                        "move_type": "out_refund",
                        "partner_id": move.partner_id.id,
                        "journal_id": self.sale.id,
                        "currency_id": move.currency_id.id,
                        "invoice_date": inv["credit"]["date"],
                        "reversed_entry_id": move.id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": f"Returned goods on {move.name}",
                                    "quantity": 1,
                                    "price_unit": move.currency_id.round(
                                        move.amount_untaxed * inv["credit"]["share"]
                                    ),
                                    "tax_ids": [
                                        Command.set(
                                            move.invoice_line_ids[:1].tax_ids.ids
                                        )
                                    ],
                                },
                            )
                        ],
                    }
                    for inv, move in zip(chunk, moves)
                ]
            )
            refunds.action_post()
            self.reconcile(list(zip(refunds, moves)))
            self.commit()
        log(
            f"credit notes: {len(full)} full, {len(partial)} partial "
            f"({len(invoices) and len(credited) * 100 / len(invoices):.1f}% of invoices)",
            self.start,
        )

    def reconcile(self, pairs):
        """Reconcile each (counterpart entry, invoice) pair: one reconciliation plan
        for the whole batch, as account.payment.register does."""
        plan = [
            (counterpart.line_ids | move.line_ids).filtered(
                lambda line: line.account_type == "asset_receivable"
                and not line.reconciled
            )
            for counterpart, move in pairs
        ]
        self.env["account.move.line"]._reconcile_plan(plan)

    # --------------------------------------------------------------- payments

    def payment_events(self, invoices):
        """(first payments, second instalments): lists of (invoice, date, share)."""
        moves = self.env["account.move"].browse([inv["move_id"] for inv in invoices])
        moves.fetch(["invoice_date_due"])
        dues = dict(zip(moves.ids, moves.mapped("invoice_date_due")))
        first, second = [], []
        for inv in invoices:
            payment = inv["payment"]
            due = dues[inv["move_id"]]
            outcome = payment["outcome"]
            if outcome in ("ontime", "late", "instal"):
                day = max(inv["date"], due + timedelta(days=payment["offset"]))
                share = payment.get("share")
                if day <= self.today:
                    first.append((inv, day, share))
                    if outcome == "instal":
                        day2 = due + timedelta(days=payment["second_offset"])
                        if day2 <= self.today:
                            second.append((inv, max(day, day2), None))
            elif outcome == "partial_open":
                span = (self.today - inv["date"]).days
                day = inv["date"] + timedelta(days=int(span * payment["when"]))
                first.append((inv, min(day, self.today), payment["share"]))
        first.sort(key=lambda e: e[1])
        second.sort(key=lambda e: e[1])
        return first, second

    def pay(self, events, label):
        env = self.env
        done = 0
        for _start, chunk in self.batches(events):
            moves = env["account.move"].browse(
                [inv["move_id"] for inv, _d, _s in chunk]
            )
            moves.fetch(["amount_residual", "currency_id", "commercial_partner_id"])
            todo = []
            for (_inv, day, share), move in zip(chunk, moves):
                residual = move.amount_residual
                if move.currency_id.compare_amounts(residual, 0) <= 0:
                    continue  # cancelled by a full credit note
                amount = (
                    residual
                    if share is None
                    else move.currency_id.round(residual * share)
                )
                todo.append((move, day, amount))
            payments = env["account.payment"].create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": move.commercial_partner_id.id,
                        "amount": amount,
                        "currency_id": move.currency_id.id,
                        "date": day,
                        "journal_id": self.bank.id,
                        "memo": move.name,
                    }
                    for move, day, amount in todo
                ]
            )
            payments.action_post()
            self.reconcile(
                [
                    (payment.move_id, move)
                    for payment, (move, _d, _a) in zip(payments, todo)
                ]
            )
            self.commit()
            done += len(chunk)
            log(f"{label} {done}/{len(events)} paid and reconciled", self.start)

    def unapplied(
        self, unapplied_payments, unapplied_credits, customers, partner_ids, eur_id
    ):
        env = self.env
        company_currency = self.company.currency_id.id

        def currency(index):
            return eur_id if customers[index]["eur"] else company_currency

        payments = env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner_ids[item["customer"]],
                    "amount": item["amount"],
                    "currency_id": currency(item["customer"]),
                    "date": item["date"],
                    "journal_id": self.bank.id,
                    "memo": "Payment without reference",
                }
                for item in sorted(unapplied_payments, key=lambda i: i["date"])
            ]
        )
        payments.action_post()
        refunds = env["account.move"].create(
            [
                {
                    "move_type": "out_refund",
                    "partner_id": partner_ids[item["customer"]],
                    "journal_id": self.sale.id,
                    "currency_id": currency(item["customer"]),
                    "invoice_date": item["date"],
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Volume rebate",
                                "quantity": 1,
                                "price_unit": item["amount"],
                                "tax_ids": [Command.clear()],
                            },
                        )
                    ],
                }
                for item in sorted(unapplied_credits, key=lambda i: i["date"])
            ]
        )
        refunds.action_post()
        self.commit()
        log(
            f"{len(payments)} unapplied payments, {len(refunds)} unapplied credit notes",
            self.start,
        )

    # ----------------------------------------------------- collections work

    def refresh_aging(self):
        from freezegun import freeze_time

        with freeze_time(self.today):
            count = self.env["account.move"]._b2b_refresh_aging()
        self.commit()
        return count

    def collections_work(self, collector_ids):
        """What the collectors did: stages of the overdue invoices and call notes
        (unanswered calls, promises kept and broken, follow-ups, disputes)."""
        env = self.env
        rng = random.Random(self.args.seed + 2)
        stage = env["b2b.collection.stage"]._b2b_stage
        overdue = env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("b2b_days_overdue", ">", 0),
            ],
            order="id",
        )
        by_stage = {}
        by_customer = {}
        for move in overdue:
            days = move.b2b_days_overdue
            code = "current"
            if days > 120 and rng.random() < 0.05:
                code = "legal"
            elif days > 90 and rng.random() < 0.10:
                code = "agency"
            elif days > 45:
                code = "final_notice"
            elif days > 14:
                code = "reminded"
            by_stage.setdefault(code, []).append(move.id)
            by_customer.setdefault(move.commercial_partner_id.id, []).append(move)
        for code, ids in by_stage.items():
            if code != "current":
                env["account.move"].browse(ids).b2b_collection_stage_id = stage(code)
        self.commit()

        collectors = env["res.users"].browse(collector_ids)
        partners = env["res.partner"].browse(sorted(by_customer))
        notes = {}  # collector -> list of vals, in chronological order per customer
        today = self.today
        now = datetime.combine(today, time(17, 0))  # calls happen before bench today
        for partner in partners:
            if rng.random() >= 0.45:
                continue
            moves = by_customer[partner.id]
            user = partner.b2b_collector_id or collectors[0]
            contact = partner.b2b_collection_contact_id.id or False
            calls = []
            for n in range(rng.randint(0, 2)):
                calls.append(
                    {
                        "date": now
                        - timedelta(days=40 - 12 * n, hours=rng.randint(1, 8)),
                        "outcome": rng.choice(("no_answer", "left_message", "reached")),
                        "channel": rng.choice(("phone", "phone", "email")),
                    }
                )
            draw = rng.random()
            last = {"channel": "phone", "contact_id": contact}
            residual = sum(m.amount_residual_signed for m in moves)
            if draw < 0.20:  # promise to pay, pending
                day = now - timedelta(days=rng.randint(1, 10))
                last.update(
                    date=day,
                    outcome="promised",
                    promise_date=today + timedelta(days=rng.randint(1, 14)),
                    promise_amount=round(residual, 2),
                    summary="Promised to clear the overdue invoices.",
                )
            elif draw < 0.27:  # promise broken
                day = now - timedelta(days=rng.randint(20, 30))
                last.update(
                    date=day,
                    outcome="promised",
                    promise_date=day.date() + timedelta(days=rng.randint(3, 10)),
                    promise_amount=round(residual / 2, 2),
                    summary="Promised a first half after their payment run.",
                )
            elif draw < 0.45:  # follow-up planned
                day = now - timedelta(days=rng.randint(1, 7))
                last.update(
                    date=day,
                    outcome="reached",
                    next_followup_date=today + timedelta(days=rng.randint(1, 10)),
                    summary="Controller asks to call back next week.",
                )
            elif draw < 0.50:  # dispute on the oldest overdue invoice
                day = now - timedelta(days=rng.randint(1, 20))
                oldest = max(moves, key=lambda m: m.b2b_days_overdue)
                last.update(
                    date=day,
                    outcome="disputed",
                    invoice_ids=[Command.set(oldest.ids)],
                    summary="Says part of the delivery was damaged.",
                )
            else:
                last.update(
                    date=now
                    - timedelta(days=rng.randint(1, 5), hours=rng.randint(1, 8)),
                    outcome=rng.choice(("no_answer", "left_message")),
                )
            for vals in [*calls, last]:
                vals["partner_id"] = partner.id
                notes.setdefault(user, []).append(vals)
        count = 0
        for user, vals_list in notes.items():
            for _start, chunk in self.batches(vals_list, 100):
                env["b2b.collection.note"].with_user(user).create(chunk)
                count += len(chunk)
                self.commit()
        log(
            f"collections work: stages {({k: len(v) for k, v in sorted(by_stage.items())})}, "
            f"{count} call notes",
            self.start,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    benchlib.add_odoo_args(parser)
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument(
        "--customers", type=int, default=0, help="default: one per 10 invoices"
    )
    parser.add_argument("--collectors", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch", type=int, default=250, help="moves per batch")
    args = parser.parse_args()

    env = benchlib.open_env(args.config, args.database)
    if benchlib.ledger_info(env):
        log(f"{args.database} already holds a generated ledger: nothing to do")
        return 0
    if env["account.move"].search_count([("move_type", "=", "out_invoice")]):
        log(
            f"{args.database} has invoices but no complete ledger: start from a fresh database"
        )
        return 1
    if not env["ir.module.module"].search_count(
        [("name", "=", "b2b_collections"), ("state", "=", "installed")]
    ):
        log(f"b2b_collections is not installed in {args.database}")
        return 1

    rng = random.Random(args.seed)
    generator = Generator(env, args)
    start = generator.start
    customers, invoices, unapplied_payments, unapplied_credits = plan_ledger(rng, args)
    log(
        f"plan: {len(customers)} customers, {len(invoices)} invoices from "
        f"{invoices[0]['date']} to {invoices[-1]['date']} (bench today {args.today}, "
        f"seed {args.seed})",
        start,
    )
    partner_ids, collector_ids, eur_id = generator.setup(customers)
    generator.create_invoices(invoices, customers, partner_ids, eur_id)
    t_invoices = benchlib.clock() - start
    generator.create_credit_notes(invoices)
    first, second = generator.payment_events(invoices)
    generator.pay(first, "payments")
    generator.pay(second, "second instalments")
    generator.unapplied(
        unapplied_payments, unapplied_credits, customers, partner_ids, eur_id
    )
    refreshed = generator.refresh_aging()
    log(f"aging refreshed at {args.today}: {refreshed} invoices", start)
    generator.collections_work(collector_ids)
    elapsed = benchlib.clock() - start

    summary = benchlib.ledger_summary(generator.env, args.today)
    benchlib.print_summary(
        summary, lambda line: print(f"[generate] {line}", flush=True)
    )
    info = {
        "complete": True,
        "invoices": args.invoices,
        "customers": len(customers),
        "seed": args.seed,
        "today": args.today.isoformat(),
        "seconds": round(elapsed, 1),
        "seconds_invoices": round(t_invoices, 1),
        "summary": summary,
    }
    env["ir.config_parameter"].set_param(benchlib.LEDGER_PARAM, json.dumps(info))
    env.cr.commit()
    env.cr.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(
        f"done: {args.invoices} invoices in {elapsed:.0f} s "
        f"({args.invoices / elapsed:.1f} invoices/s overall, peak RSS {peak:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
