from odoo import api, fields, models
from odoo.tools import SQL

from .risk_learning import GRADES

# reasons that make the whole overdue amount urgent today, whatever the risk
DUE_ACTIONS = (
    "promise_broken",
    "promise_due",
    "call_late",
    "call_due",
    "followup_late",
    "followup_due",
)


class B2bCollectionWorklist(models.Model):
    _inherit = "b2b.collection.worklist"
    _depends = {"b2b.collection.risk.invoice": ["move_id", "probability"]}

    priority = fields.Float(
        help="The order of the worklist: the expected loss (each overdue "
        "invoice's open amount times its probability of being paid more than "
        "30 days late, from the last risk refresh; 1 for an invoice not scored "
        "yet), plus the whole overdue amount when an action is due today (a "
        "promise, a call, a follow-up).",
    )
    risk_grade = fields.Selection(GRADES, string="Grade", compute="_compute_risk")
    expected_loss = fields.Monetary(
        readonly=True,
        help="The overdue invoices' open amounts times their probability of "
        "being paid more than 30 days late (from the last risk refresh; 1 for "
        "an invoice not scored yet), less the credits not applied yet in "
        "proportion.",
    )

    @api.model
    def _b2b_sql_line_columns(self):
        return SQL(
            "%s, risk.probability AS risk_probability", super()._b2b_sql_line_columns()
        )

    @api.model
    def _b2b_sql_line_joins(self):
        return SQL(
            "%s LEFT JOIN b2b_collection_risk_invoice risk ON risk.move_id = l.move_id",
            super()._b2b_sql_line_joins(),
        )

    @api.model
    def _b2b_sql_priority_sum(self):
        return SQL("amount_residual * COALESCE(risk_probability, 1.0)")

    @api.model
    def _b2b_sql_expected_loss(self):
        """Each overdue invoice's open amount x its probability of being paid
        very late, the credits not applied yet taken off in proportion (as the
        net overdue amount takes them off)."""
        return SQL(
            """COALESCE(f.priority, 0)
               * CASE WHEN f.overdue_gross > 0
                      THEN GREATEST(0, f.overdue_gross - COALESCE(f.credits, 0))
                           / f.overdue_gross
                      ELSE 0 END"""
        )

    @api.model
    def _b2b_sql_row_columns(self):
        return SQL(
            "%s, ROUND(%s, 2) AS expected_loss",
            super()._b2b_sql_row_columns(),
            self._b2b_sql_expected_loss(),
        )

    @api.model
    def _b2b_sql_priority(self):
        return SQL(
            """ROUND(%s
                     + CASE WHEN s.reason IN %s
                            THEN GREATEST(0, COALESCE(f.overdue_gross, 0)
                                             - COALESCE(f.credits, 0))
                            ELSE 0 END, 2)""",
            self._b2b_sql_expected_loss(),
            DUE_ACTIONS,
        )

    def _compute_risk(self):
        """The grade of the last refresh: one search."""
        scores = self.env["b2b.collection.risk.score"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        grades = {(s.partner_id.id, s.company_id.id): s.grade for s in scores}
        for row in self:
            row.risk_grade = grades.get((row.partner_id.id, row.company_id.id))
