from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL


class B2bCollectionPaymentMixin(models.AbstractModel):
    """Agreements on a customer's invoices (``move_ids``): payment plans and
    settlements. They track the payments received on the invoices since a
    date field of the record, and park the invoices in a stage that pauses
    reminders while the agreement runs (``_b2b_park_invoices``), giving them
    back their stage when it is cancelled (``_b2b_unpark_invoices``).

    Payments are the money received on the invoices
    (``account.move._b2b_sql_money_received``): reconciliations of their
    receivable lines with the entry of a payment or of a bank statement line,
    at its cash value; credit notes, write-offs and exchange differences are
    not payments. Amounts are in company currency."""

    _name = "b2b.collection.payment.mixin"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections Payment Tracking"

    # the date field from which payments count
    _b2b_payments_since = "start_date"

    previous_stages = fields.Json(
        readonly=True,
        copy=False,
        help="Stage of each invoice before the agreement, restored on cancellation.",
        b2b_write="action",
    )

    def _b2b_stages_of(self, moves):
        """The ``previous_stages`` value remembering the stages of ``moves``."""
        return {str(move.id): move.b2b_collection_stage_id.id for move in moves}

    def _b2b_park_invoices(self, moves, stage):
        """Move ``moves`` to ``stage`` (a stage that pauses reminders)."""
        if stage:
            moves.b2b_collection_stage_id = stage

    def _b2b_unpark_invoices(self, stage):
        """The open invoices still in ``stage`` return to the stage they had
        before the agreement (Current if that stage is gone)."""
        stage_model = self.env["b2b.collection.stage"]
        current = stage_model._b2b_stage("current")
        for record in self:
            previous = record.previous_stages or {}
            for move in record.move_ids.filtered(
                lambda m: m.b2b_collection_stage_id == stage
                and m._b2b_is_open_invoice()
            ):
                restored = stage_model.browse(previous.get(str(move.id)) or []).exists()
                move.b2b_collection_stage_id = restored or current

    @api.model
    def _b2b_payment_rows(self, records):
        """{record id: [(payment date, amount), ...] in date order} for
        ``records``, in one query whatever their number."""
        if not records:
            return {}
        field = self._fields["move_ids"]
        for model in (
            "account.move",
            "account.move.line",
            "account.partial.reconcile",
        ):
            self.env[model].flush_model()
        self.env["account.move"]._b2b_flush_money_received()
        self.flush_model(["move_ids", self._b2b_payments_since])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT rec.id, cl.date, SUM(%(received)s)
              FROM %(table)s rec
              JOIN %(relation)s rel ON rel.%(owner)s = rec.id
              JOIN account_move_line dl ON dl.move_id = rel.%(move)s
              JOIN account_account a ON a.id = dl.account_id
                                    AND a.account_type = 'asset_receivable'
              JOIN account_partial_reconcile apr ON apr.debit_move_id = dl.id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
             WHERE rec.id IN %(ids)s
               AND cm.state = 'posted'
               AND %(is_payment)s
               AND cl.date >= rec.%(since)s
          GROUP BY rec.id, cl.date
          ORDER BY rec.id, cl.date
                """,
                table=SQL.identifier(self._table),
                relation=SQL.identifier(field.relation),
                owner=SQL.identifier(field.column1),
                move=SQL.identifier(field.column2),
                since=SQL.identifier(self._b2b_payments_since),
                is_payment=self.env["account.move"]._b2b_sql_is_payment("cm"),
                received=self.env["account.move"]._b2b_sql_money_received(
                    "apr", "cl", "cm"
                ),
                ids=tuple(records.ids),
            )
        )
        result = defaultdict(list)
        for record_id, day, amount in rows:
            result[record_id].append((day, amount))
        return result
