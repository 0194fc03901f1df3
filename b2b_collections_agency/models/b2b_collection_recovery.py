from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

# the columns an attribution fills, in the order of _b2b_attribution_select
ATTRIBUTED_COLUMNS = (
    "placement_id",
    "line_id",
    "move_id",
    "partial_id",
    "payment_move_id",
    "agency_id",
    "company_id",
    "currency_id",
    "date",
    "amount",
    "commission_rate",
    "commission_amount",
    "reversed",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
)


class B2bCollectionRecovery(models.Model):
    """A payment on a placed invoice while the placement runs, with the
    agency's commission on it. Attributed automatically from the
    reconciliations (``_b2b_attribute``): a payment unreconciled later is
    removed, or reversed by a negative recovery if already billed."""

    _name = "b2b.collection.recovery"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Agency Recovery"
    _order = "date desc, id desc"

    placement_id = fields.Many2one(
        "b2b.collection.placement",
        required=True,
        ondelete="restrict",
        index=True,
        b2b_write="action",
        readonly=True,
    )
    line_id = fields.Many2one(
        "b2b.collection.placement.line",
        required=True,
        ondelete="restrict",
        index=True,
        b2b_write="action",
        readonly=True,
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        b2b_write="action",
        readonly=True,
    )
    partial_id = fields.Many2one(
        "account.partial.reconcile",
        ondelete="set null",
        index=True,
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    payment_move_id = fields.Many2one(
        "account.move",
        string="Payment Entry",
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    agency_id = fields.Many2one(
        "b2b.collection.agency",
        required=True,
        index=True,
        b2b_write="action",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, b2b_write="action", readonly=True
    )
    partner_id = fields.Many2one(related="placement_id.partner_id", string="Customer")
    currency_id = fields.Many2one(
        "res.currency", required=True, b2b_write="action", readonly=True
    )
    date = fields.Date(required=True, index=True, b2b_write="action", readonly=True)
    amount = fields.Monetary(
        help="Paid on the invoice, in company currency.",
        b2b_write="action",
        readonly=True,
    )
    commission_rate = fields.Float(
        string="Commission (%)", digits=(5, 2), b2b_write="action", readonly=True
    )
    commission_amount = fields.Monetary(
        string="Commission", b2b_write="action", readonly=True
    )
    bill_line_id = fields.Many2one(
        "account.move.line",
        string="Bill Line",
        ondelete="set null",
        index=True,
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    bill_id = fields.Many2one(
        related="bill_line_id.move_id", string="Agency Bill", groups="base.group_user"
    )
    reversal_of_id = fields.Many2one(
        "b2b.collection.recovery",
        string="Reverses",
        readonly=True,
        index=True,
        b2b_write="action",
    )
    reversed = fields.Boolean(readonly=True, b2b_write="action")

    _sql_constraints = [
        (
            "partial_line_uniq",
            "UNIQUE(partial_id, line_id)",
            "A payment is attributed once to a placed invoice.",
        ),
    ]

    def init(self):
        # the recoveries whose reconciliation was removed and not yet undone:
        # normally none, so undoing costs nothing however long the history
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS b2b_collection_recovery_unreconciled_idx
                ON b2b_collection_recovery (id)
             WHERE partial_id IS NULL AND reversal_of_id IS NULL AND NOT reversed
            """
        )

    # ------------------------------------------------------------ attribution

    @api.model
    def _b2b_attribute(self, placements=None, partials=None, undo=True):
        """Attribute to their placements the payments reconciled on placed
        invoices, in two statements whatever the number of placements and
        payments: insert the new ones (the money received,
        ``account.move._b2b_sql_money_received``: payments and bank statement
        lines at their cash value, not credit notes, write-offs or exchange
        differences, dated within the placement's window), then undo
        those whose reconciliation was removed (delete when not billed yet,
        reverse with a negative recovery when billed).

        ``placements`` / ``partials`` narrow the work; by default all
        running and ended placements are looked at. ``undo=False`` skips the
        second statement (nothing was unreconciled).
        """
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move"]._b2b_flush_money_received()
        self.env["b2b.collection.placement"].flush_model()
        self.env["b2b.collection.placement.line"].flush_model()
        self.flush_model()
        inserted = 0
        if partials is None or partials:
            inserted = self._b2b_insert_recoveries(placements, partials)
        if undo:
            self._b2b_undo_unreconciled()
        self.invalidate_model()
        self.env["b2b.collection.placement"].invalidate_model(
            [
                "recovered_amount",
                "commission_amount",
                "net_recovery",
                "recovery_rate",
                "date_first_recovery",
                "recovery_ids",
            ]
        )
        return inserted

    @api.model
    def _b2b_insert_recoveries(self, placements=None, partials=None):
        """Insert the recoveries not attributed yet; returns their number."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO b2b_collection_recovery (%(columns)s)
                %(select)s
                %(from_)s
                %(where)s
                ON CONFLICT (partial_id, line_id) DO NOTHING
                """,
                columns=SQL(", ").join(map(SQL.identifier, ATTRIBUTED_COLUMNS)),
                select=self._b2b_attribution_select(),
                from_=self._b2b_attribution_from(),
                where=self._b2b_attribution_where(placements, partials),
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _b2b_attribution_select(self):
        """A recovery per reconciliation and placed invoice: the money
        received, at the placement's commission rate (ATTRIBUTED_COLUMNS)."""
        return SQL(
            """
            SELECT p.id, pl.id, pl.move_id, apr.id, cl.move_id,
                   p.agency_id, p.company_id, c.currency_id, apr.max_date,
                   received.amount, p.commission_rate,
                   ROUND(received.amount * p.commission_rate / 100,
                         cur.decimal_places),
                   FALSE,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
            """,
            uid=self.env.uid,
        )

    @api.model
    def _b2b_attribution_from(self):
        """The placed invoices' payment-term lines, their reconciliations and
        the money each one received."""
        return SQL(
            """
              FROM b2b_collection_placement_line pl
              JOIN b2b_collection_placement p ON p.id = pl.placement_id
              JOIN res_company c ON c.id = p.company_id
              JOIN res_currency cur ON cur.id = c.currency_id
              JOIN account_move_line il
                ON il.move_id = pl.move_id AND il.display_type = 'payment_term'
              JOIN account_partial_reconcile apr ON apr.debit_move_id = il.id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
             CROSS JOIN LATERAL (
                -- OFFSET 0: computed once, used twice
                SELECT %(received)s AS amount OFFSET 0) received
            """,
            received=self.env["account.move"]._b2b_sql_money_received(
                "apr", "cl", "cm"
            ),
        )

    @api.model
    def _b2b_attribution_where(self, placements=None, partials=None):
        """Payments dated within the window of a placement that left draft,
        not attributed yet, among ``placements`` and ``partials`` if given."""
        scope = SQL("TRUE")
        if placements is not None:
            scope = SQL("pl.placement_id = ANY(%s)", list(placements.ids))
        if partials is not None:
            scope = SQL("%s AND apr.id = ANY(%s)", scope, list(partials.ids))
        return SQL(
            """
             WHERE p.state != 'draft'
               AND %(scope)s
               AND %(is_payment)s
               AND apr.max_date >= p.date_placed
               AND (p.date_end IS NULL OR apr.max_date <= p.date_end)
               AND NOT EXISTS (
                    SELECT 1 FROM b2b_collection_recovery r
                     WHERE r.partial_id = apr.id AND r.line_id = pl.id)
            """,
            scope=scope,
            is_payment=self.env["account.move"]._b2b_sql_is_payment("cm"),
        )

    @api.model
    def _b2b_undo_unreconciled(self):
        """The recoveries whose reconciliation was removed since: unbilled
        ones go, billed ones are reversed (the next bill credits the
        commission back). One statement."""
        self.env.cr.execute(
            SQL(
                """
                WITH gone AS (
                    SELECT r.id, r.bill_line_id
                      FROM b2b_collection_recovery r
                     WHERE r.partial_id IS NULL
                       AND r.reversal_of_id IS NULL
                       AND NOT r.reversed
                       FOR UPDATE
                ), deleted AS (
                    DELETE FROM b2b_collection_recovery r
                     USING gone
                     WHERE r.id = gone.id AND gone.bill_line_id IS NULL
                ), reversal AS (
                    INSERT INTO b2b_collection_recovery (
                        placement_id, line_id, move_id, payment_move_id,
                        agency_id, company_id, currency_id, date, amount,
                        commission_rate, commission_amount, reversal_of_id, reversed,
                        create_uid, create_date, write_uid, write_date)
                    SELECT r.placement_id, r.line_id, r.move_id, r.payment_move_id,
                           r.agency_id, r.company_id, r.currency_id,
                           %(today)s, -r.amount,
                           r.commission_rate, -r.commission_amount, r.id, FALSE,
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM b2b_collection_recovery r
                      JOIN gone ON gone.id = r.id AND gone.bill_line_id IS NOT NULL
                )
                UPDATE b2b_collection_recovery r
                   SET reversed = TRUE
                  FROM gone
                 WHERE r.id = gone.id AND gone.bill_line_id IS NOT NULL
                """,
                uid=self.env.uid,
                today=fields.Date.context_today(self),
            )
        )

    @api.model
    def _cron_b2b_attribute_recoveries(self):
        self._b2b_attribute()

    # ---------------------------------------------------------------- billing

    @api.model
    def _b2b_create_bills(self, company, date_to, agencies=None):
        """Vendor bills (or refunds, when reversals outweigh) for the
        uncharged commissions and fixed fees of ``company`` up to
        ``date_to``: one per agency, one line per placement. A constant
        number of queries besides the bills' creation; what is billed is
        locked first, so two users billing at once cannot bill twice."""
        accounts = self._b2b_bill_accounts(company)
        self._b2b_attribute()
        domain, placement_domain = self._b2b_billable_domains(
            company, date_to, agencies
        )
        self._b2b_lock_billable(domain, placement_domain)
        by_agency = self._b2b_bill_lines(company, domain, placement_domain)
        bills = self.env["account.move"]
        recovery_links, fee_links = [], []
        for agency, lines in by_agency.items():
            bill = self._b2b_create_bill(company, agency, lines, accounts, date_to)
            if not bill:
                continue
            bill_lines = {line.sequence: line.id for line in bill.invoice_line_ids}
            for index, (_vals, ids, fee_placement) in enumerate(lines, start=1):
                recovery_links += [(rid, bill_lines[index]) for rid in ids]
                if fee_placement:
                    fee_links.append((fee_placement.id, bill_lines[index]))
            bills |= bill
        self._b2b_link_bill_lines(
            "b2b_collection_recovery", "bill_line_id", recovery_links
        )
        self._b2b_link_bill_lines(
            "b2b_collection_placement", "fee_bill_line_id", fee_links
        )
        self.invalidate_model(["bill_line_id"])
        self.env["b2b.collection.placement"].invalidate_model(["fee_bill_line_id"])
        return bills

    @api.model
    def _b2b_bill_accounts(self, company):
        """The commission account and the purchase journal of the bills."""
        account = company.b2b_agency_commission_account_id
        if not account:
            raise UserError(
                _(
                    "Set the agency commission account in Collections settings "
                    "before billing commissions."
                )
            )
        journal = company.b2b_agency_journal_id or self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "purchase")], limit=1
        )
        if not journal:
            raise UserError(
                _("%s has no purchase journal for the agency bills.", company.name)
            )
        return account, journal

    @api.model
    def _b2b_billable_domains(self, company, date_to, agencies=None):
        """The recoveries with an unbilled commission and the placements with
        an unbilled fixed fee, up to ``date_to``."""
        domain = [
            ("company_id", "=", company.id),
            ("bill_line_id", "=", False),
            ("date", "<=", date_to),
            ("commission_amount", "!=", 0),
        ]
        placement_domain = [
            ("company_id", "=", company.id),
            ("state", "!=", "draft"),
            ("fixed_fee", "!=", 0),
            ("fee_bill_line_id", "=", False),
            ("date_placed", "<=", date_to),
        ]
        if agencies:
            domain.append(("agency_id", "in", agencies.ids))
            placement_domain.append(("agency_id", "in", agencies.ids))
        return domain, placement_domain

    @api.model
    def _b2b_lock_billable(self, domain, placement_domain):
        """Lock what is about to be billed until the transaction ends."""
        placement_model = self.env["b2b.collection.placement"]
        self.env.cr.execute(
            SQL(
                "SELECT id FROM b2b_collection_recovery WHERE %s FOR UPDATE",
                self._where_calc(domain).where_clause,
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT id FROM b2b_collection_placement WHERE %s FOR UPDATE",
                placement_model._where_calc(placement_domain).where_clause,
            )
        )

    @api.model
    def _b2b_bill_lines(self, company, domain, placement_domain):
        """{agency: [(bill line values, recovery ids, fee placement or None)]}:
        a line per placement with commissions, then one per fixed fee."""
        commissions = self._read_group(
            domain,
            ["agency_id", "placement_id"],
            ["commission_amount:sum", "amount:sum", "id:array_agg"],
        )
        fees = self.env["b2b.collection.placement"].search_fetch(
            placement_domain,
            ["agency_id", "name", "partner_id", "fixed_fee"],
            order="agency_id, date_placed, id",
        )
        by_agency = defaultdict(list)
        currency = company.currency_id
        for agency, placement, commission, recovered, ids in sorted(
            commissions, key=lambda g: (g[0].id, g[1].date_placed, g[1].id)
        ):
            commission = currency.round(commission)
            if currency.is_zero(commission):
                continue
            by_agency[agency].append(
                (
                    {
                        "name": _(
                            "%(placement)s %(customer)s: %(rate)s%% commission on "
                            "%(amount)s recovered",
                            placement=placement.name,
                            customer=placement.partner_id.name,
                            rate=f"{placement.commission_rate:g}",
                            amount=currency.format(recovered),
                        ),
                        "price_unit": commission,
                    },
                    ids,
                    None,
                )
            )
        for placement in fees:
            by_agency[placement.agency_id].append(
                (
                    {
                        "name": _(
                            "%(placement)s %(customer)s: fixed placement fee",
                            placement=placement.name,
                            customer=placement.partner_id.name,
                        ),
                        "price_unit": placement.fixed_fee,
                    },
                    [],
                    placement,
                )
            )
        return by_agency

    @api.model
    def _b2b_create_bill(self, company, agency, lines, accounts, date_to):
        """The bill of ``agency`` for ``lines`` (see ``_b2b_bill_lines``) on
        ``accounts`` (see ``_b2b_bill_accounts``): a refund when reversals
        outweigh; none when there is nothing to charge."""
        account, journal = accounts
        currency = company.currency_id
        total = currency.round(sum(vals["price_unit"] for vals, _ids, _p in lines))
        if currency.is_zero(total) and all(not p for _v, _i, p in lines):
            return self.env["account.move"]
        sign = -1 if total < 0 else 1
        bill = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "in_invoice" if sign > 0 else "in_refund",
                    "partner_id": agency.partner_id.id,
                    "journal_id": journal.id,
                    "invoice_date": date_to,
                    "date": date_to,
                    "ref": _("Collection commissions up to %s", date_to),
                    "invoice_line_ids": [
                        Command.create(
                            dict(
                                vals,
                                sequence=index,
                                price_unit=sign * vals["price_unit"],
                                quantity=1,
                                account_id=account.id,
                                tax_ids=[Command.clear()],
                            )
                        )
                        for index, (vals, _ids, _p) in enumerate(lines, start=1)
                    ],
                }
            )
        )
        bill.message_post(
            body=_(
                "Commissions and fees of %(agency)s up to %(date)s.",
                agency=agency.display_name,
                date=date_to,
            )
        )
        return bill

    def _b2b_link_bill_lines(self, table, column, pairs):
        """Set ``column`` of the rows of ``table`` in one statement."""
        if pairs:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s t SET %s = v.line_id, write_uid = %s, "
                    "write_date = NOW() AT TIME ZONE 'UTC' "
                    "FROM unnest(%s::int[], %s::int[]) AS v(id, line_id) WHERE t.id = v.id",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    self.env.uid,
                    [pair[0] for pair in pairs],
                    [pair[1] for pair in pairs],
                )
            )

    @api.model
    def _cron_b2b_bill_commissions(self):
        """Monthly: bill last month's commissions of every company whose
        commission account is set."""
        date_to = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        for company in self.env["res.company"].search(
            [("b2b_agency_commission_account_id", "!=", False)]
        ):
            self.with_company(company)._b2b_create_bills(company, date_to)
