import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import SQL
from odoo.tools.misc import format_amount

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "b2b_collections.group_b2b_collection_manager"
BATCH_SIZE = 200
CHARGE_STATES = [
    ("to_decide", "To Decide"),
    ("charged", "Charged"),
    ("waived", "Waived"),
]


class B2bCollectionCharge(models.Model):
    """The late interest and fixed compensation charged on one invoice at one
    time: with a reminder, or once the invoice is paid. The rows are the ledger
    of what was charged: the next charge of an invoice starts the day after the
    last ``date_to``, so no day is ever charged twice.

    Only the engine writes them (as superuser); collectors and managers read
    them, and managers decide the charges offered for waiver through
    ``action_charge`` / ``action_waive``."""

    _name = "b2b.collection.charge"
    _inherit = ["mail.thread", "mail.activity.mixin", "b2b.collection.guard.mixin"]
    _description = "Late Charge"
    _order = "date desc, id desc"
    _check_company_auto = True
    # collectors comment and plan activities on charges they cannot edit
    _mail_post_access = "read"

    name = fields.Char(string="Description", readonly=True, b2b_write="action")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, b2b_write="action"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        b2b_write="action",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        b2b_write="action",
    )
    move_currency_id = fields.Many2one(
        "res.currency", string="Invoice Currency", readonly=True, b2b_write="action"
    )
    level_id = fields.Many2one(
        "b2b.collection.policy.level",
        string="Level",
        readonly=True,
        ondelete="restrict",
        help="The level whose rules were applied.",
        b2b_write="action",
    )
    contact_id = fields.Many2one(
        "b2b.collection.contact",
        string="Reminder",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        b2b_write="action",
    )
    kind = fields.Selection(
        [("reminder", "With a reminder"), ("payment", "At payment")],
        required=True,
        readonly=True,
        b2b_write="action",
    )
    state = fields.Selection(
        CHARGE_STATES,
        string="Status",
        required=True,
        readonly=True,
        default="charged",
        tracking=True,
        index=True,
        b2b_write="action",
    )
    date = fields.Date(
        string="Charged On", required=True, readonly=True, b2b_write="action"
    )
    date_from = fields.Date(string="Interest From", readonly=True, b2b_write="action")
    date_to = fields.Date(
        string="Interest To",
        readonly=True,
        help="Last day covered (included). The next charge starts the day after.",
        b2b_write="action",
    )
    interest_days = fields.Integer(string="Days", readonly=True, b2b_write="action")
    rates = fields.Char(string="Yearly Rates", readonly=True, b2b_write="action")
    interest_amount_currency = fields.Monetary(
        string="Interest in Invoice Currency",
        currency_field="move_currency_id",
        readonly=True,
        b2b_write="action",
    )
    interest_amount = fields.Monetary(
        string="Interest", readonly=True, b2b_write="action"
    )
    compensation_amount = fields.Monetary(
        string="Compensation", readonly=True, b2b_write="action"
    )
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amount_total", store=True
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Charges Invoice",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        b2b_write="action",
    )
    decided_by_id = fields.Many2one(
        "res.users", string="Decided By", readonly=True, b2b_write="action"
    )

    def init(self):
        # A day of an invoice is charged once, and the compensation once, even
        # when two runs charge the same invoice at the same moment.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS b2b_collection_charge_move_days_uniq
                ON b2b_collection_charge (move_id, date_from)
             WHERE date_from IS NOT NULL;
            CREATE UNIQUE INDEX IF NOT EXISTS b2b_collection_charge_move_compensation_uniq
                ON b2b_collection_charge (move_id)
             WHERE compensation_amount > 0;
            """
        )

    @api.depends("interest_amount", "compensation_amount")
    def _compute_amount_total(self):
        for charge in self:
            charge.amount_total = charge.interest_amount + charge.compensation_amount

    @api.constrains("partner_id", "move_id", "company_id")
    def _check_invoice(self):
        validation.check_customer_invoices(self, "partner_id", "move_id", "company_id")

    # ------------------------------------------------------------- actions

    def _b2b_check_decision(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only a collections manager can charge or waive late interest.")
            )
        decided = self.filtered(lambda charge: charge.state != "to_decide")
        if decided:
            raise UserError(
                _(
                    "Only late charges waiting for a decision can be charged or "
                    "waived; already decided: %(charges)s",
                    charges=", ".join(decided.mapped("display_name")),
                )
            )

    def action_charge(self):
        """Invoice the charges offered for waiver (one invoice per customer)."""
        self._b2b_check_decision()
        charges = self.sudo()
        charges.write({"state": "charged", "decided_by_id": self.env.uid})
        charges._b2b_invoice(fields.Date.context_today(self))
        self.activity_ids.action_feedback(feedback=_("Charged"))
        return True

    def action_waive(self):
        """Waive the charges offered for waiver: nothing is invoiced and the days
        are never charged again."""
        self._b2b_check_decision()
        self.sudo().write({"state": "waived", "decided_by_id": self.env.uid})
        self.activity_ids.action_feedback(feedback=_("Waived"))
        return True

    # -------------------------------------------------- charges of a reminder

    @api.model
    def _b2b_charge_reminder(self, contact, level, moves, charge_date, overdue):
        """Interest and compensation of the invoices of a reminder under
        ``level``, recorded as charges (one per invoice with something to
        charge). ``moves`` are the invoices that may be charged (no charges
        invoices); ``overdue`` their overdue amounts."""
        Interest = self.env["b2b.collection.interest"]
        company = contact.company_id
        interest = {}
        if level.interest_mode != "none":
            interest, missing = Interest._b2b_compute(
                [(move.id, charge_date, level.id) for move in moves],
                company,
                charge_date,
            )
            if missing:
                raise UserError(Interest._b2b_missing_rate_message(missing, level))
        compensation = Interest._b2b_compensation(
            level, moves, overdue, company, charge_date
        )
        vals_list = []
        for move in moves:
            values = interest.get(move.id, {})
            amount = compensation.get(move.id, 0.0)
            if not values and not amount:
                continue
            vals_list.append(
                {
                    "name": values.get("name")
                    or _("Fixed compensation on %(invoice)s", invoice=move.name),
                    **values,
                    "company_id": company.id,
                    "partner_id": move.commercial_partner_id.id,
                    "move_id": move.id,
                    "level_id": level.id,
                    "contact_id": contact.id,
                    "kind": "reminder",
                    "state": "charged",
                    "date": charge_date,
                    "compensation_amount": amount,
                }
            )
        return self._b2b_create(vals_list)

    @api.model
    def _b2b_invoice_reminder(self, contact, level, charge_date):
        """Late charges of one reminder as one customer invoice (draft, or posted
        by setting): the level's fee on the overdue instalments, interest and the
        EU compensation per invoice (``b2b.collection.charge``). Charges invoices
        in the reminder are never charged themselves."""
        company = contact.company_id
        account = company.b2b_fee_account_id
        if not account:
            raise UserError(
                _(
                    "Set the late fee income account of %(company)s in the "
                    "Collections settings.",
                    company=company.name,
                )
            )
        currency = company.currency_id
        moves = contact.line_ids.move_id.filtered(
            lambda move: not move.b2b_is_charge_invoice
        )
        if not moves:
            return self.env["account.move"]
        overdue = self.env["b2b.collection.interest"]._b2b_overdue_amounts(
            moves, charge_date
        )
        lines = []
        if level.fee_fixed or level.fee_percent:
            overdue_total = sum(overdue.values())
            lines.append(
                {
                    "name": _(
                        "Late payment fee (%(level)s): %(fixed)s + %(percent)s %% of "
                        "%(overdue)s overdue",
                        level=level.name,
                        fixed=format_amount(self.env, level.fee_fixed, currency),
                        percent=level.fee_percent,
                        overdue=format_amount(self.env, overdue_total, currency),
                    )
                    if level.fee_percent
                    else _("Late payment fee (%(level)s)", level=level.name),
                    "price_unit": currency.round(
                        level.fee_fixed + overdue_total * level.fee_percent / 100.0
                    ),
                }
            )
        charges = self._b2b_charge_reminder(contact, level, moves, charge_date, overdue)
        lines += charges._b2b_invoice_line_vals()
        lines = [line for line in lines if not currency.is_zero(line["price_unit"])]
        if not lines:
            return self.env["account.move"]
        fee_move = self._b2b_create_charge_invoices(
            company,
            charge_date,
            [
                (
                    contact.partner_id,
                    _(
                        "Late charges on %(invoices)s",
                        invoices=", ".join(moves.mapped("name")),
                    ),
                    lines,
                )
            ],
        )
        charges.sudo().charge_move_id = fee_move
        return fee_move

    @api.model
    def _b2b_create(self, vals_list):
        """Record charges as the engine (nobody else creates them), in one
        INSERT: no creation message, follower or tracking per charge."""
        charges = self.sudo().with_context(tracking_disable=True).create(vals_list)
        return self.browse(charges.ids)

    # ------------------------------------------------------------ invoicing

    def _b2b_invoice_line_vals(self):
        """Invoice lines of these charges (company currency), zero amounts left
        out."""
        lines = []
        for charge in self:
            if not charge.currency_id.is_zero(charge.compensation_amount):
                lines.append(
                    {
                        "name": _(
                            "Fixed compensation for recovery costs on %(invoice)s",
                            invoice=charge.move_id.name,
                        ),
                        "price_unit": charge.compensation_amount,
                    }
                )
            if not charge.currency_id.is_zero(charge.interest_amount):
                lines.append(
                    {"name": charge.name, "price_unit": charge.interest_amount}
                )
        return lines

    @api.model
    def _b2b_create_charge_invoices(self, company, invoice_date, invoices):
        """Customer invoices of late charges, one per ``(partner, ref, lines)``
        of ``invoices``, on the company's late fee account, marked as charges
        invoices; posted when the company says so. Returns them in order."""
        account = company.b2b_fee_account_id
        if not account:
            raise UserError(
                _(
                    "Set the late fee income account of %(company)s in the "
                    "Collections settings.",
                    company=company.name,
                )
            )
        moves = (
            self.env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "invoice_date": invoice_date,
                        "ref": ref,
                        "b2b_is_charge_invoice": True,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    **vals,
                                    "quantity": 1,
                                    "account_id": account.id,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                            for vals in lines
                        ],
                    }
                    for partner, ref, lines in invoices
                ]
            )
        )
        if company.b2b_fee_auto_post:
            moves.action_post()
        return moves

    def _b2b_invoice(self, invoice_date):
        """One charges invoice per company and customer for these charges
        (those with nothing to charge get none)."""
        groups = defaultdict(lambda: self.browse())
        for charge in self:
            if charge._b2b_invoice_line_vals():
                groups[(charge.company_id, charge.partner_id)] |= charge
        by_company = defaultdict(list)
        for (company, partner), charges in groups.items():
            by_company[company].append((partner, charges))
        for company, items in by_company.items():
            invoices = [
                (
                    partner,
                    _(
                        "Late interest until payment of %(invoices)s",
                        invoices=", ".join(charges.move_id.mapped("name")),
                    ),
                    charges._b2b_invoice_line_vals(),
                )
                for partner, charges in items
            ]
            moves = self._b2b_create_charge_invoices(company, invoice_date, invoices)
            for (_partner, charges), move in zip(items, moves, strict=True):
                charges.sudo().charge_move_id = move

    # ------------------------------------------------- interest at payment

    @api.model
    def _b2b_paid_since_charge(self, after_id, limit):
        """Invoices charged interest and since paid in full (``paid``,
        ``in_payment``) after their last charged day: with the level of their
        last charge and the day they were paid (the latest ``max_date`` of their
        reconciliations). Invoices in a payment plan or a settlement are left
        out: the agreement replaces the late interest. Keyset-paged by invoice."""
        for model in (
            "account.move",
            "account.move.line",
            "account.partial.reconcile",
            "b2b.collection.charge",
            "b2b.collection.payment.plan",
            "b2b.collection.settlement",
        ):
            self.env[model].flush_model()
        return self.env.execute_query_dict(
            SQL(
                """
            WITH last AS (
                SELECT DISTINCT ON (c.move_id) c.move_id, c.date_to, c.level_id
                  FROM b2b_collection_charge c
                 WHERE c.date_to IS NOT NULL AND c.move_id > %(after)s
              ORDER BY c.move_id, c.date_to DESC, c.id DESC
            )
            SELECT last.move_id, m.company_id, last.level_id,
                   last.date_to AS charged_to, MAX(p.max_date) AS paid_date
              FROM last
              JOIN account_move m ON m.id = last.move_id
              JOIN b2b_collection_policy_level lv ON lv.id = last.level_id
              JOIN account_move_line l ON l.move_id = m.id AND %(receivable)s
              JOIN account_partial_reconcile p ON p.debit_move_id = l.id
             WHERE m.state = 'posted'
               AND m.payment_state IN ('paid', 'in_payment')
               AND lv.interest_mode IN ('annual', 'eu_statutory')
               AND NOT EXISTS (
                       SELECT 1
                         FROM b2b_collection_payment_plan_account_move_rel r
                         JOIN b2b_collection_payment_plan pp ON pp.id = r.plan_id
                        WHERE r.move_id = m.id
                          AND pp.state NOT IN ('draft', 'cancelled'))
               AND NOT EXISTS (
                       SELECT 1
                         FROM b2b_collection_settlement_account_move_rel r
                         JOIN b2b_collection_settlement st ON st.id = r.settlement_id
                        WHERE r.move_id = m.id
                          AND st.state NOT IN ('draft', 'cancelled'))
          GROUP BY last.move_id, m.company_id, last.level_id, last.date_to
            HAVING MAX(p.max_date) > last.date_to
          ORDER BY last.move_id
             LIMIT %(limit)s
            """,
                after=after_id,
                limit=limit,
                receivable=self.env["account.move.line"]._b2b_sql_receivable("l"),
            )
        )

    @api.model
    def _b2b_charge_paid(self, rows, charge_date):
        """Charge the interest from the last charge to the payment of the
        invoices of ``rows`` (see ``_b2b_paid_since_charge``): on a final charges
        invoice per customer, or offered for waiver, by company setting."""
        created = self.browse()
        for company in self.env["res.company"].browse(
            {row["company_id"] for row in rows}
        ):
            company_rows = [row for row in rows if row["company_id"] == company.id]
            interest, missing = self.env["b2b.collection.interest"]._b2b_compute(
                [(r["move_id"], r["paid_date"], r["level_id"]) for r in company_rows],
                company,
                charge_date,
            )
            for move_id, half_year in missing:
                _logger.warning(
                    "Interest at payment of invoice %s left for later: no reference "
                    "rate for the half-year from %s",
                    move_id,
                    half_year,
                )
            offer = company.b2b_interest_at_payment == "offer"
            vals_list = []
            for row in company_rows:
                values = interest.get(row["move_id"])
                if not values:
                    continue
                move = self.env["account.move"].browse(row["move_id"])
                nothing = company.currency_id.is_zero(values["interest_amount"])
                vals_list.append(
                    {
                        **values,
                        "company_id": company.id,
                        "partner_id": move.commercial_partner_id.id,
                        "move_id": move.id,
                        "level_id": row["level_id"],
                        "kind": "payment",
                        "state": "to_decide" if offer and not nothing else "charged",
                        "date": charge_date,
                    }
                )
            charges = self._b2b_create(vals_list)
            charges.filtered(lambda c: c.state == "charged")._b2b_invoice(charge_date)
            charges.filtered(lambda c: c.state == "to_decide")._b2b_offer()
            created |= charges
        return created

    def _b2b_offer(self):
        """A to-do for the customer's collector on each charge to decide."""
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for charge in self:
            user = (
                charge.partner_id.b2b_collector_id
                or charge.company_id.b2b_default_collector_id
            )
            if not user or not todo:
                continue
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": charge.id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "date_deadline": charge.date,
                    "summary": _("Interest at payment: charge or waive"),
                    "note": charge.name,
                }
            )
        self.env["mail.activity"].sudo().create(vals_list)

    @api.model
    def _cron_b2b_charge_at_payment(self, batch_size=BATCH_SIZE):
        """Daily: charge once the interest still due on the invoices paid since
        their last charge. Batches of invoices, committed one by one outside
        tests; a re-run charges nothing twice (the next charge of an invoice
        starts after its last charged day)."""
        today = fields.Date.context_today(self)
        can_commit = self.env["b2b.collection.run"]._b2b_can_commit()
        after_id = done = 0
        while True:
            rows = self._b2b_paid_since_charge(after_id, batch_size)
            if not rows:
                break
            after_id = rows[-1]["move_id"]
            done += len(self._b2b_charge_paid(rows, today))
            if can_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if len(rows) < batch_size:
                break
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        return done
