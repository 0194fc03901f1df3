from odoo import _, api, fields, models
from odoo.tools import SQL

from . import b2b_collection_validation as validation

OPEN_PAYMENT_STATES = ("not_paid", "partial")
PAID_PAYMENT_STATES = ("paid", "in_payment", "reversed")
AGING_BUCKETS = ("not_due", "b1", "b2", "b3", "b4", "b5")
# What the SQL of money received (AccountMove._b2b_sql_money_received) reads:
# the fields to flush before running it, and the ``_depends`` of SQL views.
MONEY_RECEIVED_DEPENDS = {
    "account.move": [
        "journal_id",
        "origin_payment_id",
        "statement_line_id",
        "amount_total_signed",
    ],
    "account.move.line": [
        "move_id",
        "account_id",
        "balance",
        "amount_currency",
        "currency_id",
        "company_currency_id",
    ],
    "account.partial.reconcile": ["credit_move_id", "amount", "credit_amount_currency"],
    "account.payment": ["amount_company_currency_signed"],
    "account.journal": ["default_account_id"],
}


class AccountMove(models.Model):
    _name = "account.move"
    # the credit mixin is the guard mixin plus the credit hold (see
    # account_move_credit.py)
    _inherit = ["account.move", "b2b.collection.credit.mixin"]

    # indexed: the customers' stage and the reminder planning group by it
    commercial_partner_id = fields.Many2one(index="btree_not_null")
    b2b_collection_stage_id = fields.Many2one(
        "b2b.collection.stage",
        string="Collection Stage",
        compute="_compute_b2b_collection_stage_id",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_b2b_collector_id",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        index="btree_not_null",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_days_overdue = fields.Integer(
        string="Days Overdue",
        aggregator="max",
        compute="_compute_b2b_aging",
        store=True,
        copy=False,
        help="Days since the due date of the oldest unpaid instalment "
        "(refreshed every night).",
        groups="base.group_user",
    )
    b2b_aging_bucket = fields.Selection(
        selection="_selection_b2b_aging_bucket",
        string="Aging Bucket",
        compute="_compute_b2b_aging",
        store=True,
        copy=False,
        groups="base.group_user",
    )
    b2b_note_ids = fields.Many2many(
        "b2b.collection.note",
        "b2b_collection_note_account_move_rel",
        "move_id",
        "note_id",
        string="Call Notes",
        copy=False,
        b2b_write="action",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
    )
    b2b_last_contact_date = fields.Date(
        string="Last Contact",
        copy=False,
        readonly=True,
        help="Day of the last call note about this invoice: chosen on the note, "
        "or overdue when the note named no invoice.",
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_next_action_date = fields.Date(
        string="Next Action",
        copy=False,
        tracking=True,
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_disputed = fields.Boolean(
        string="Disputed",
        copy=False,
        tracking=True,
        b2b_write="collector",
    )
    b2b_dispute_reason = fields.Text(
        string="Dispute Reason",
        copy=False,
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_dispute_date = fields.Date(
        string="Disputed Since",
        copy=False,
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_dispute_expiry = fields.Date(
        string="Dispute Expires",
        copy=False,
        help="The dispute ends by itself on this day and reminders resume.",
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_is_charge_invoice = fields.Boolean(
        string="Late Charges Invoice",
        copy=False,
        readonly=True,
        help="Late fees, compensation or interest invoiced by Collections "
        "(reminders, interest at payment, payment plans): never charged late fees, "
        "compensation or interest itself.",
        b2b_write="action",
        groups="base.group_user",
    )

    # ------------------------------------------------------------------ helpers

    def _selection_b2b_aging_bucket(self):
        b1, b2, b3, b4 = self.env.company._b2b_aging_bounds()
        return [
            ("not_due", _("Not due")),
            ("b1", f"1-{b1}"),
            ("b2", f"{b1 + 1}-{b2}"),
            ("b3", f"{b2 + 1}-{b3}"),
            ("b4", f"{b3 + 1}-{b4}"),
            ("b5", f"{b4 + 1}+"),
        ]

    @api.model
    def _b2b_sql_is_payment(self, alias):
        """SQL condition: the journal entry ``alias`` is a cash entry, the
        entry of a payment (``origin_payment_id``) or of a bank statement
        line (``statement_line_id``), the same test Odoo's reconciliation
        makes (``account.move.line._prepare_move_line_residual_amounts``).
        Credit notes, write-off entries, exchange difference entries and
        netting entries are not. How much of a reconciliation with a cash
        entry is money: ``_b2b_sql_money_received``. Python twin:
        ``_b2b_is_payment``. See docs/architecture.md, "Money received"."""
        return SQL(
            "(%(m)s.origin_payment_id IS NOT NULL OR %(m)s.statement_line_id IS NOT NULL)",
            m=SQL.identifier(alias),
        )

    def _b2b_is_payment(self):
        """Whether this journal entry is a cash entry: the rule of
        ``_b2b_sql_is_payment``, for a record already in memory."""
        self.ensure_one()
        return bool(self.origin_payment_id or self.statement_line_id)

    @api.model
    def _b2b_sql_money_received(self, partial, line, move):
        """SQL amount, in company currency: the money received through the
        reconciliation ``partial`` of a receivable, whose credit line ``line``
        belongs to the journal entry ``move``. The one definition of money
        received (promises, KPIs, statement, plans, settlements, agencies,
        assessment); 0 unless ``move`` is a cash entry
        (``_b2b_sql_is_payment``).

        - Valued at the rate of the cash entry: the part of ``line`` matched
          (``credit_amount_currency``) at ``line``'s own rate, so that an
          exchange difference adds nothing and takes nothing away (a payment
          worth less than the invoice it settles receives what it is worth;
          the exchange difference entry matched with it is not money).
        - Only the cash share of the entry: its liquidity (the payment's
          amount; for a bank statement line, its line on the journal's bank
          account) over its total (the sum of its debits). A payment
          registered with a write-off (early payment discount, "mark as
          fully paid") settles more than it brings; a statement line matched
          with a credit note or a vendor bill as well nets them without cash.

        Stored fields only, and one row lookup per reconciliation (two for a
        statement line). Once a cash entry is fully matched, this summed over
        its reconciliations with receivables gives back its liquidity. Flush
        first: ``_b2b_flush_money_received``."""
        p, ln, m = (SQL.identifier(alias) for alias in (partial, line, move))
        return SQL(
            """CASE WHEN %(is_payment)s THEN ROUND(
                CASE WHEN %(l)s.currency_id != %(l)s.company_currency_id
                          AND %(l)s.amount_currency != 0
                     THEN %(p)s.credit_amount_currency * %(l)s.balance / %(l)s.amount_currency
                     ELSE %(p)s.amount END
                * COALESCE(GREATEST(
                    CASE WHEN %(m)s.origin_payment_id IS NOT NULL
                         THEN (SELECT pay.amount_company_currency_signed
                                 FROM account_payment pay
                                WHERE pay.id = %(m)s.origin_payment_id)
                         ELSE (SELECT SUM(liquidity.balance)
                                 FROM account_move_line liquidity
                                 JOIN account_journal journal
                                   ON journal.id = %(m)s.journal_id
                                  AND journal.default_account_id = liquidity.account_id
                                WHERE liquidity.move_id = %(m)s.id) END, 0)
                    / NULLIF(%(m)s.amount_total_signed, 0), 0),
                (SELECT cur.decimal_places FROM res_currency cur
                  WHERE cur.id = %(l)s.company_currency_id))
            ELSE 0 END""",
            is_payment=self._b2b_sql_is_payment(move),
            p=p,
            l=ln,
            m=m,
        )

    @api.model
    def _b2b_flush_money_received(self):
        """Flush what ``_b2b_sql_money_received`` reads."""
        for model, fnames in MONEY_RECEIVED_DEPENDS.items():
            self.env[model].flush_model(fnames)

    @api.model
    def _b2b_sql_receipts(self, company_ids, date_to, date_from=None):
        """SQL query of the money received on customers' receivables: one row
        per reconciliation of a posted receivable line that is not itself a
        cash entry (an invoice, an opening entry...) with a cash entry, dated
        by the reconciliation (``max_date``) up to ``date_to`` (and from
        ``date_from``), for the companies ``company_ids``. Columns:
        ``partner_id`` (commercial partner, 0 when none), ``company_id``,
        ``date`` (reconciliation), ``payment_date`` (the cash entry's line),
        ``debit_date`` (invoice date, else the line's date) and ``amount``
        (``_b2b_sql_money_received``, company currency). Read by the KPIs
        (cash collected, days to pay) and the customer statement, so that they
        cannot disagree. Flush first: ``_b2b_flush_money_received``."""
        return SQL(
            """
            SELECT COALESCE(dp.commercial_partner_id, dl.partner_id, 0) AS partner_id,
                   dl.company_id,
                   apr.max_date AS date,
                   cl.date AS payment_date,
                   COALESCE(dm.invoice_date, dl.date) AS debit_date,
                   received.amount
              FROM account_partial_reconcile apr
              JOIN account_move_line dl ON dl.id = apr.debit_move_id
              JOIN account_move dm ON dm.id = dl.move_id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
         LEFT JOIN res_partner dp ON dp.id = dl.partner_id
             -- OFFSET 0: computed once per row, however often the reader
             -- uses the amount (PostgreSQL would inline it in each use)
             CROSS JOIN LATERAL (SELECT %(received)s AS amount OFFSET 0) received
             WHERE %(receivable)s
               AND dl.company_id IN %(company_ids)s
               AND cl.parent_state = 'posted'
               AND apr.max_date <= %(date_to)s
               %(date_from)s
               AND %(credit_is_payment)s AND NOT %(debit_is_payment)s
            """,
            company_ids=tuple(company_ids) or (0,),
            date_to=date_to,
            date_from=(
                SQL("AND apr.max_date >= %s", date_from) if date_from else SQL()
            ),
            received=self._b2b_sql_money_received("apr", "cl", "cm"),
            receivable=self.env["account.move.line"]._b2b_sql_receivable("dl"),
            credit_is_payment=self._b2b_sql_is_payment("cm"),
            debit_is_payment=self._b2b_sql_is_payment("dm"),
        )

    @api.model
    def _b2b_bucket_for(self, days, bounds):
        """The aging bucket of ``days`` overdue for the four boundaries
        ``bounds``: ``not_due`` up to 0 days, then ``b1`` up to the first
        boundary (included), ... ``b5`` beyond the last. Python twin of
        ``_b2b_sql_bucket_for``: the two must agree on every number of days
        (see test_aging)."""
        if days <= 0:
            return AGING_BUCKETS[0]
        for key, bound in zip(AGING_BUCKETS[1:], bounds):
            if days <= bound:
                return key
        return AGING_BUCKETS[-1]

    @api.model
    def _b2b_sql_bucket_for(self, days, bounds):
        """SQL expression: the aging bucket of ``days`` (an SQL expression, a
        number of days overdue) for ``bounds``, four boundaries given as
        numbers or SQL expressions (a company's:
        ``res.company._b2b_sql_aging_bounds``). The one definition of the
        buckets in SQL, twin of ``_b2b_bucket_for``: used by the nightly
        refresh of the invoices and the aging analysis."""
        whens = [SQL("WHEN %s <= 0 THEN %s", days, AGING_BUCKETS[0])]
        whens += [
            SQL("WHEN %s <= %s THEN %s", days, bound, key)
            for key, bound in zip(AGING_BUCKETS[1:-1], bounds, strict=True)
        ]
        return SQL("(CASE %s ELSE %s END)", SQL(" ").join(whens), AGING_BUCKETS[-1])

    @api.model
    def _b2b_sql_days_overdue(self, as_of, due):
        """SQL expression: the days overdue on ``as_of`` of an item due on
        ``due`` (an SQL expression): 0 when not due yet. The one definition
        in SQL of the age the buckets are taken from (the invoices' refresh,
        the aging analysis); ``_compute_b2b_aging`` is its Python twin."""
        return SQL("GREATEST(0, %s - %s)", as_of, due)

    @api.model
    def _b2b_open_invoice_domain(self):
        """Domain twin of ``_b2b_is_open_invoice``: posted customer invoices
        not fully paid."""
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    def _b2b_is_open_invoice(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
        )

    # ----------------------------------------------------------------- computes

    @api.depends("state", "move_type", "payment_state", "b2b_disputed")
    def _compute_b2b_collection_stage_id(self):
        stage_model = self.env["b2b.collection.stage"]
        current = stage_model._b2b_stage("current")
        disputed = stage_model._b2b_stage("disputed")
        resolved = stage_model._b2b_stage("resolved")
        for move in self:
            stage = move.b2b_collection_stage_id
            if move.move_type != "out_invoice" or move.state != "posted":
                move.b2b_collection_stage_id = False
            elif move.payment_state in PAID_PAYMENT_STATES:
                if stage and stage != current and not stage.is_closed:
                    move.b2b_collection_stage_id = resolved or stage
                elif not stage:
                    move.b2b_collection_stage_id = current
            elif move.b2b_disputed and disputed:
                move.b2b_collection_stage_id = disputed
            elif not stage or (stage == disputed and not move.b2b_disputed):
                move.b2b_collection_stage_id = current

    @api.depends("commercial_partner_id.b2b_collector_id", "company_id")
    def _compute_b2b_collector_id(self):
        for move in self:
            if move.move_type in ("out_invoice", "out_refund"):
                partner = move.commercial_partner_id
                move.b2b_collector_id = (
                    partner.b2b_collector_id
                    or move.b2b_collector_id
                    or move.company_id.b2b_default_collector_id
                )
            else:
                move.b2b_collector_id = False

    @api.depends(
        "state",
        "move_type",
        "payment_state",
        "line_ids.date_maturity",
        "line_ids.amount_residual",
    )
    def _compute_b2b_aging(self):
        today = fields.Date.context_today(self)
        for move in self:
            if not move._b2b_is_open_invoice():
                move.b2b_days_overdue = 0
                move.b2b_aging_bucket = False
                continue
            maturities = [
                line.date_maturity
                for line in move.line_ids._b2b_open_receivable()
                if line.date_maturity
            ]
            due = min(maturities, default=move.invoice_date_due or today)
            days = max(0, (today - due).days)
            move.b2b_days_overdue = days
            move.b2b_aging_bucket = self._b2b_bucket_for(
                days, move.company_id._b2b_aging_bounds()
            )

    # -------------------------------------------------------------- constraints

    @api.constrains(
        "b2b_next_action_date",
        "b2b_dispute_date",
        "b2b_dispute_expiry",
        "b2b_dispute_reason",
    )
    def _check_b2b_values(self):
        validation.check_dates(
            self, "b2b_next_action_date", "b2b_dispute_date", "b2b_dispute_expiry"
        )
        validation.check_texts(self, "b2b_dispute_reason")

    # ------------------------------------------------------------------ actions

    def action_b2b_log_call(self):
        self.ensure_one()
        return self.commercial_partner_id.with_context(
            default_invoice_ids=self.ids, default_company_id=self.company_id.id
        ).action_b2b_log_call()

    # --------------------------------------------------------- business methods

    @api.model
    def _b2b_refresh_aging(self, companies=None):
        """Recompute days overdue and buckets of every open customer invoice in one
        UPDATE. Run nightly (the figures move with the calendar) and when a
        company changes its bucket boundaries. Only changed rows are written."""
        self.env["account.move"].flush_model()
        self.env["account.move.line"].flush_model()
        self.env["res.company"].flush_model()
        today = fields.Date.context_today(self)
        company_filter = (
            SQL("AND m.company_id IN %s", tuple(companies.ids)) if companies else SQL()
        )
        days = self._b2b_sql_days_overdue(today, SQL("due.maturity"))
        rows = self.env.execute_query(
            SQL(
                """
            WITH due AS (
                SELECT m.id, m.company_id, MIN(l.date_maturity) AS maturity
                  FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                 WHERE m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN %(open_states)s
                   AND %(open_line)s
                   %(company_filter)s
              GROUP BY m.id, m.company_id
            ), target AS (
                SELECT due.id, %(days)s AS days, %(bucket)s AS bucket
                  FROM due JOIN res_company c ON c.id = due.company_id
            )
            UPDATE account_move m
               SET b2b_days_overdue = target.days, b2b_aging_bucket = target.bucket
              FROM target
             WHERE m.id = target.id
               AND (m.b2b_days_overdue IS DISTINCT FROM target.days
                    OR m.b2b_aging_bucket IS DISTINCT FROM target.bucket)
         RETURNING m.id
            """,
                open_states=OPEN_PAYMENT_STATES,
                open_line=self.env["account.move.line"]._b2b_sql_open_receivable("l"),
                company_filter=company_filter,
                days=days,
                bucket=self._b2b_sql_bucket_for(
                    days, self.env["res.company"]._b2b_sql_aging_bounds("c")
                ),
            )
        )
        self.env["account.move"].invalidate_model(
            ["b2b_days_overdue", "b2b_aging_bucket"]
        )
        return len(rows)

    @api.model
    def _b2b_expire_disputes(self):
        """End the disputes whose expiry date has passed: reminders resume."""
        today = fields.Date.context_today(self)
        self.env["b2b.collection.dispute"]._b2b_expire(today)
        # invoices flagged by hand, without a dispute record
        expired = self.search(
            [("b2b_disputed", "=", True), ("b2b_dispute_expiry", "<", today)]
        )
        for move in expired:
            move.message_post(
                body=_("The dispute expired: reminders resume."),
                subtype_xmlid="mail.mt_note",
            )
        expired.write({"b2b_disputed": False})
        return expired

    def action_b2b_open_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Open a Dispute"),
            "res_model": "b2b.collection.dispute",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_company_id": self.company_id.id,
                "default_move_ids": self.ids,
            },
        }

    def action_b2b_resolve_dispute(self):
        self.ensure_one()
        disputes = self.env["b2b.collection.dispute"].search(
            [("state", "=", "open"), ("move_ids", "in", self.ids)]
        )
        if disputes:
            return disputes.action_resolve()
        self.write({"b2b_disputed": False, "b2b_dispute_expiry": False})
        return True

    @api.model
    def _cron_b2b_refresh_aging(self):
        count = self._b2b_refresh_aging()
        self.env["ir.cron"]._notify_progress(done=count, remaining=0)
