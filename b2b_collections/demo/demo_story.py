import logging
import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command

_logger = logging.getLogger(__name__)

CUSTOMERS = [
    "Northwind Web Store",
    "Pixel & Parcel",
    "Cartwheel Commerce",
    "BrightBasket Online",
    "Urban Threads Shop",
    "GadgetGrove",
    "Evergreen Home Online",
    "Peak Outdoor Supply",
    "Lumen Beauty Store",
    "Tidal Toys",
    "Copperleaf Kitchenware",
    "Nimbus Electronics",
    "Harbor Pet Supplies",
    "Velvet Vine Wines",
    "Stride Sportswear",
    "Maple & Moss Garden",
    "Orbit Office Direct",
    "Sunny Side Organics",
    "Bolt Bike Parts",
    "Quartz Jewellery Online",
    "Fable Books Direct",
    "Crisp Coffee Club",
    "Atlas Travel Gear",
    "Nova Baby Boutique",
    "Kite Craft Supplies",
    "Echo Audio Store",
    "Prism Phone Cases",
    "Willow Wellness Shop",
    "Summit Tools Online",
    "Blue Fern Fashion",
    "Marlin Marine Store",
    "Ruby Red Cosmetics",
    "Cobalt Computer Parts",
    "Granite Grills Online",
]
FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Emma",
    "Finn",
    "Grace",
    "Hugo",
    "Iris",
    "Jon",
    "Kara",
    "Liam",
]
LAST = [
    "Meyer",
    "Okafor",
    "Rossi",
    "Dubois",
    "Novak",
    "Silva",
    "Larsen",
    "Kowalski",
    "Haddad",
    "Tan",
]

# Payment behaviour of each customer: the share of invoices paid on time, paid
# late, partially paid, and left open.
PROFILES = {
    "prompt": (0.9, 0.1, 0.0, 0.0),
    "slow": (0.4, 0.45, 0.05, 0.10),
    "struggling": (0.2, 0.35, 0.15, 0.30),
    "delinquent": (0.05, 0.2, 0.2, 0.55),
}


class ResCompany(models.Model):
    """The demo story, chapter one (each feature addon adds its chapter):
    online retailers with a year of invoices paid on time, late, partially or
    not at all, credit notes, and the collectors' call notes (a kept and a
    broken promise, a dispute)."""

    _inherit = "res.company"

    @api.model
    def _b2b_demo_context(self, company=None):
        """The environment the demo chapters write with (no tracking, no
        password mails), the company's sales and bank journals and its demo
        customers (none before chapter one ran)."""
        company = company or self.env.company
        env = self.env(
            context=dict(
                self.env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
                no_reset_password=True,
            )
        )
        journal = env["account.journal"].search(
            [
                ("type", "=", "sale"),
                *env["account.journal"]._check_company_domain(company),
            ],
            limit=1,
        )
        bank = env["account.journal"].search(
            [
                ("type", "=", "bank"),
                *env["account.journal"]._check_company_domain(company),
            ],
            limit=1,
        )
        partners = env["res.partner"].search(
            [("name", "in", CUSTOMERS), ("is_company", "=", True)], order="id"
        )
        return env, journal, bank, partners

    @api.model
    def _b2b_demo_expense_account(self, company, code, name):
        """The company's expense account ``code`` of the demo story, created
        when its chart has none (the feature chapters book on accounts named
        for what they hold, not on the chart's first expense account)."""
        Account = self.env["account.account"].with_company(company)
        account = Account.search(
            [*Account._check_company_domain(company), ("code", "=", code)], limit=1
        )
        return account or Account.create(
            {
                "code": code,
                "name": name,
                "account_type": "expense",
                "company_ids": [Command.link(company.id)],
            }
        )

    @api.model
    def _b2b_load_demo(self, company=None, seed=42):
        company = company or self.env.company
        env, journal, bank, existing = self._b2b_demo_context(company)
        if existing:
            return  # the story is told once
        if not journal or not bank:
            _logger.warning(
                "No sales or bank journal in %s: no collections demo", company.name
            )
            return
        rng = random.Random(seed)
        term = env.ref("account.account_payment_term_30days", raise_if_not_found=False)
        collectors = self._b2b_demo_collectors(company)
        demo = self.with_env(env)
        partners = demo._b2b_demo_customers(rng, collectors, term)
        invoices_by_partner = demo._b2b_demo_invoices(
            rng, partners, journal, company, term
        )
        all_moves = env["account.move"].browse(
            [m.id for moves in invoices_by_partner.values() for m, _b in moves]
        )
        all_moves.action_post()
        demo._b2b_demo_pay(demo._b2b_demo_payments(rng, invoices_by_partner), bank)
        # Credit notes: goods returned on one invoice of every third customer.
        for partner in partners[::3]:
            open_moves = [
                m for m, _b in invoices_by_partner[partner] if m.amount_residual
            ]
            if open_moves:
                self._b2b_demo_credit_note(open_moves[0], journal, rng)

        env["account.move"]._b2b_refresh_aging(companies=company)
        self._b2b_demo_stages_and_notes(
            env, partners, invoices_by_partner, bank, collectors
        )
        # settle the promises whose date has passed (one kept, one broken)
        env["b2b.collection.note"]._b2b_evaluate_promises()
        _logger.info(
            "Collections demo: %s customers, %s invoices", len(partners), len(all_moves)
        )

    @api.model
    def _b2b_demo_customers(self, rng, collectors, term):
        """The online retailers of ``CUSTOMERS``, each with its accounts
        payable contact, shared between the ``collectors``."""
        partners = self.env["res.partner"]
        for index, name in enumerate(CUSTOMERS):
            contact_name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            slug = name.lower().replace(" & ", "-").replace(" ", "-")
            partner = self.env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "email": f"orders@{slug}.example.com",
                    "phone": f"+1 555 01{index:02d}",
                    "city": rng.choice(
                        ["Austin", "Denver", "Portland", "Chicago", "Boston"]
                    ),
                    "property_payment_term_id": term.id if term else False,
                    "b2b_collector_id": collectors[index % len(collectors)].id,
                    "b2b_preferred_channel": rng.choice(["phone", "email", "email"]),
                    "child_ids": [
                        Command.create(
                            {
                                "name": contact_name,
                                "function": "Accounts Payable",
                                "email": f"ap@{slug}.example.com",
                                "type": "invoice",
                            }
                        )
                    ],
                }
            )
            partner.b2b_collection_contact_id = partner.child_ids[:1]
            partners |= partner
        return partners

    @api.model
    def _b2b_demo_invoices(self, rng, partners, journal, company, term):
        """A year of draft invoices of each of ``partners``, with how each
        will be paid (see ``PROFILES``): {partner: [(invoice, behaviour)]}."""
        today = fields.Date.context_today(self)
        profiles = (
            ["prompt"] * 10 + ["slow"] * 11 + ["struggling"] * 8 + ["delinquent"] * 5
        )
        invoices_by_partner = {}
        old = today - timedelta(days=150)
        for partner, profile in zip(partners, profiles):
            weights = PROFILES[profile]
            moves = []
            for _n in range(rng.randint(9, 11)):
                invoice_date = today - timedelta(days=rng.randint(3, 365))
                amount = rng.choice([450, 780, 1200, 1850, 2400, 3100, 4750, 6200])
                move = self.env["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "journal_id": journal.id,
                        "company_id": company.id,
                        "invoice_date": invoice_date,
                        "invoice_payment_term_id": term.id if term else False,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": rng.choice(
                                        [
                                            "Fulfilment services",
                                            "Wholesale stock order",
                                            "Marketplace listing fees",
                                            "Warehousing",
                                            "Packaging supplies",
                                        ]
                                    ),
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                )
                behaviour = rng.choices(range(4), weights)[0]
                if behaviour == 3 and profile != "delinquent" and invoice_date < old:
                    behaviour = 1  # old debt of decent payers got paid, late
                moves.append((move, behaviour))
            invoices_by_partner[partner] = moves
        return invoices_by_partner

    @api.model
    def _b2b_demo_payments(self, rng, invoices_by_partner):
        """The payments of the posted invoices, by their behaviour: on time,
        late (if the day has come) or partial; as (invoice, date, amount or
        None for the whole residual), for ``_b2b_demo_pay``."""
        today = fields.Date.context_today(self)
        payments = []
        for moves in invoices_by_partner.values():
            for move, behaviour in moves:
                due = move.invoice_date_due
                if behaviour == 0:  # on time
                    payments.append(
                        (
                            move,
                            min(today, due - timedelta(days=rng.randint(0, 10))),
                            None,
                        )
                    )
                elif behaviour == 1:  # late
                    pay_date = due + timedelta(days=rng.randint(5, 75))
                    if pay_date < today:
                        payments.append((move, pay_date, None))
                elif behaviour == 2:  # partially paid
                    pay_date = min(today, due + timedelta(days=rng.randint(0, 20)))
                    payments.append((move, pay_date, round(move.amount_total * 0.4, 2)))
        return payments

    @api.model
    def _b2b_demo_collectors(self, company):
        users = self.env["res.users"]
        group = self.env.ref("b2b_collections.group_b2b_collection_user")
        for login, name in (("clara", "Clara Collins"), ("omar", "Omar Haddad")):
            user = users.search([("login", "=", f"{login}.collector")], limit=1)
            if not user:
                user = users.with_context(no_reset_password=True).create(
                    {
                        "name": name,
                        "login": f"{login}.collector",
                        "password": f"{login}.collector",
                        "email": f"{login}@collections.example.com",
                        "company_id": company.id,
                        "company_ids": [Command.link(company.id)],
                        "groups_id": [Command.link(group.id)],
                    }
                )
            users |= user
        return users

    @api.model
    def _b2b_demo_pay(self, items, journal):
        """Register customer payments: ``items`` are (invoice, date, amount or
        None for the whole residual), reconciled with their invoice."""
        payments = self.env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": move.commercial_partner_id.id,
                    "amount": amount or move.amount_residual,
                    "currency_id": move.currency_id.id,
                    "date": pay_date,
                    "journal_id": journal.id,
                    "memo": move.name,
                }
                for move, pay_date, amount in items
            ]
        )
        payments.action_post()
        for payment, (move, _date, _amount) in zip(payments, items):
            (
                payment.move_id.line_ids | move.line_ids
            )._b2b_open_receivable().reconcile()

    @api.model
    def _b2b_demo_credit_note(self, move, journal, rng):
        amount = round(move.amount_residual * rng.choice([0.1, 0.2, 0.25]), 2)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": move.partner_id.id,
                "journal_id": journal.id,
                "invoice_date": move.invoice_date + timedelta(days=5),
                "reversed_entry_id": move.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"Returned goods on {move.name}",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        (move.line_ids | refund.line_ids)._b2b_open_receivable().reconcile()

    @api.model
    def _b2b_demo_stages_and_notes(
        self, env, partners, invoices_by_partner, bank, collectors
    ):
        """The collectors at work: stages by age, the worst payers with the
        lawyers and an agency, a kept and a broken promise, a dispute,
        unanswered calls and a planned follow-up."""
        overdue = {
            partner: env["account.move"]
            .browse([m.id for m, _b in moves])
            .filtered(lambda m: m.b2b_days_overdue > 0)
            for partner, moves in invoices_by_partner.items()
        }
        debtors, worst = self._b2b_demo_stages(env, partners, overdue)
        self._b2b_demo_promises(env, worst, overdue, bank, collectors)
        self._b2b_demo_calls(env, debtors, worst, overdue, collectors)

    @api.model
    def _b2b_demo_stages(self, env, partners, overdue):
        """Stages by age of the ``overdue`` invoices; legal and agency for the
        two worst payers (the first one do-not-contact). Returns the debtors
        and the debtors from the worst."""
        stage = env["b2b.collection.stage"]._b2b_stage
        for moves in overdue.values():
            for move in moves:
                if move.b2b_days_overdue > 60:
                    move.b2b_collection_stage_id = stage("final_notice")
                elif move.b2b_days_overdue > 14:
                    move.b2b_collection_stage_id = stage("reminded")
        debtors = [p for p in partners if overdue[p]]
        worst = sorted(
            debtors, key=lambda p: -max(m.b2b_days_overdue for m in overdue[p])
        )
        for move in overdue[worst[0]]:
            move.b2b_collection_stage_id = stage("legal")
        for move in overdue[worst[1]]:
            move.b2b_collection_stage_id = stage("agency")
        worst[0].write(
            {
                "b2b_do_not_contact": True,
                "b2b_do_not_contact_reason": "Handled by our lawyers",
            }
        )
        return debtors, worst

    @api.model
    def _b2b_demo_promises(self, env, worst, overdue, bank, collectors):
        """A kept promise (called 40 days ago, promised 30 days ago, paid 31
        days ago) and a broken one (promised 5 days ago, nothing came)."""
        note_model = env["b2b.collection.note"]
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        kept = worst[2]
        kept_move = overdue[kept][-1:]
        note_model.with_user(collectors[0]).create(
            {
                "partner_id": kept.id,
                "contact_id": kept.child_ids[:1].id,
                "date": now - timedelta(days=40),
                "outcome": "promised",
                "promise_date": today - timedelta(days=30),
                "promise_amount": kept_move.amount_residual,
                "invoice_ids": [Command.set(kept_move.ids)],
                "summary": "AP confirmed the payment run of next week will include it.",
                "duration": 0.25,
            }
        )
        self._b2b_demo_pay([(kept_move, today - timedelta(days=31), None)], bank)
        broken = worst[3]
        broken_moves = overdue[broken]
        note_model.with_user(collectors[1]).create(
            {
                "partner_id": broken.id,
                "contact_id": broken.child_ids[:1].id,
                "date": now - timedelta(days=12),
                "outcome": "promised",
                "promise_date": today - timedelta(days=5),
                "promise_amount": sum(broken_moves.mapped("amount_residual")),
                "summary": "Promised to clear everything after their marketplace payout.",
                "duration": 0.3,
            }
        )

    @api.model
    def _b2b_demo_calls(self, env, debtors, worst, overdue, collectors):
        """A dispute (damaged goods on one invoice), unanswered calls and a
        planned follow-up."""
        note_model = env["b2b.collection.note"]
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        disputed = worst[4]
        note_model.with_user(collectors[0]).create(
            {
                "partner_id": disputed.id,
                "contact_id": disputed.child_ids[:1].id,
                "date": now - timedelta(days=6),
                "outcome": "disputed",
                "invoice_ids": [Command.set(overdue[disputed][:1].ids)],
                "summary": "Says a third of the pallets arrived damaged; photos requested.",
                "duration": 0.5,
            }
        )
        for partner in debtors[5:9]:
            note_model.with_user(collectors[1]).create(
                {
                    "partner_id": partner.id,
                    "date": now - timedelta(days=2),
                    "outcome": "no_answer",
                    "channel": "phone",
                }
            )
        follow = debtors[9] if len(debtors) > 9 else debtors[-1]
        note_model.with_user(collectors[0]).create(
            {
                "partner_id": follow.id,
                "date": now - timedelta(days=1),
                "outcome": "reached",
                "next_followup_date": today + timedelta(days=3),
                "summary": "Controller back from holiday on Thursday; call again then.",
            }
        )
