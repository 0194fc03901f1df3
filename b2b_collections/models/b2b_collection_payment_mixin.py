from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL


class B2bCollectionPaymentMixin(models.AbstractModel):
    """Payments received on a record's invoices (``move_ids``) since a date
    field of the record: what payment plans and settlements track.

    A payment is a partial reconciliation of an invoice's receivable line with
    the journal entry of a payment (``origin_payment_id``) or of a bank
    statement line; credit notes, write-offs and exchange differences are not
    payments. Amounts are in company currency."""

    _name = "b2b.collection.payment.mixin"
    _description = "Collections Payment Tracking"

    # the date field from which payments count
    _b2b_payments_since = "start_date"

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
        self.flush_model(["move_ids", self._b2b_payments_since])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT rec.id, cl.date, SUM(apr.amount)
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
               AND (cm.origin_payment_id IS NOT NULL OR cm.statement_line_id IS NOT NULL)
               AND cl.date >= rec.%(since)s
          GROUP BY rec.id, cl.date
          ORDER BY rec.id, cl.date
                """,
                table=SQL.identifier(self._table),
                relation=SQL.identifier(field.relation),
                owner=SQL.identifier(field.column1),
                move=SQL.identifier(field.column2),
                since=SQL.identifier(self._b2b_payments_since),
                ids=tuple(records.ids),
            )
        )
        result = defaultdict(list)
        for record_id, day, amount in rows:
            result[record_id].append((day, amount))
        return result
