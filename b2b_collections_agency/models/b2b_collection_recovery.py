from odoo import api, fields, models
from odoo.tools import SQL


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
        scope = SQL("TRUE")
        if placements is not None:
            scope = SQL("pl.placement_id = ANY(%s)", list(placements.ids))
        if partials is not None:
            scope = SQL("%s AND apr.id = ANY(%s)", scope, list(partials.ids))
        uid = self.env.uid
        inserted = 0
        if partials is None or partials:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO b2b_collection_recovery (
                        placement_id, line_id, move_id, partial_id, payment_move_id,
                        agency_id, company_id, currency_id, date, amount,
                        commission_rate, commission_amount, reversed,
                        create_uid, create_date, write_uid, write_date)
                    SELECT p.id, pl.id, pl.move_id, apr.id, cl.move_id,
                           p.agency_id, p.company_id, c.currency_id, apr.max_date,
                           received.amount, p.commission_rate,
                           ROUND(received.amount * p.commission_rate / 100,
                                 cur.decimal_places),
                           FALSE,
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
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
                     WHERE p.state != 'draft'
                       AND %(scope)s
                       AND %(is_payment)s
                       AND apr.max_date >= p.date_placed
                       AND (p.date_end IS NULL OR apr.max_date <= p.date_end)
                       AND NOT EXISTS (
                            SELECT 1 FROM b2b_collection_recovery r
                             WHERE r.partial_id = apr.id AND r.line_id = pl.id)
                    ON CONFLICT (partial_id, line_id) DO NOTHING
                    """,
                    uid=uid,
                    scope=scope,
                    is_payment=self.env["account.move"]._b2b_sql_is_payment("cm"),
                    received=self.env["account.move"]._b2b_sql_money_received(
                        "apr", "cl", "cm"
                    ),
                )
            )
            inserted = self.env.cr.rowcount
        if undo:
            # reconciliations removed since: unbilled recoveries go, billed ones
            # are reversed (the next bill credits the commission back)
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
                    uid=uid,
                    today=fields.Date.context_today(self),
                )
            )
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
    def _cron_b2b_attribute_recoveries(self):
        self._b2b_attribute()
