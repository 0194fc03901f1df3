from odoo import _, api, fields, models

from .b2b_collection_risk_model import CONFIDENCES
from .risk_features import factor_words
from .risk_learning import GRADES

GRADE_RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


class B2bCollectionRiskRow(models.AbstractModel):
    """What a refresh writes about a customer of a company."""

    _name = "b2b.collection.risk.row"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Risk Refresh Row"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        b2b_write="action",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, b2b_write="action"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    model_id = fields.Many2one(
        "b2b.collection.risk.model",
        string="Refresh",
        readonly=True,
        ondelete="cascade",
        b2b_write="action",
    )


class B2bCollectionRiskScore(models.Model):
    """A customer's risk in a company, as graded by the last refresh."""

    _name = "b2b.collection.risk.score"
    _inherit = ["b2b.collection.risk.row"]
    _description = "Customer Risk Grade"
    _order = "score desc, expected_loss desc, id"
    _rec_name = "partner_id"

    method = fields.Selection(related="model_id.method", string="Method")
    score = fields.Integer(
        string="Risk Score",
        readonly=True,
        aggregator="avg",
        b2b_write="action",
        help="0-100: the probability, in percent, that a new invoice of the "
        "customer's usual size and term is paid more than 30 days late.",
    )
    grade = fields.Selection(
        GRADES,
        readonly=True,
        index=True,
        b2b_write="action",
        help="A: score below 15, B: 15-34, C: 35-59, D: 60 and above.",
    )
    probability = fields.Float(readonly=True, digits=(4, 3), b2b_write="action")
    days_late = fields.Float(
        string="Expected Days Late", readonly=True, digits=(6, 0), b2b_write="action"
    )
    confidence = fields.Selection(
        CONFIDENCES,
        readonly=True,
        b2b_write="action",
        help="High: 12 paid invoices or more to judge from, medium: 4 or more, "
        "low: fewer. One level lower when the scorecard is used.",
    )
    factors_data = fields.Json(readonly=True, b2b_write="action")
    factors = fields.Text(
        string="Why",
        compute="_compute_factors",
        help="The three factors that weigh most in the score.",
    )
    expected_loss = fields.Monetary(
        readonly=True,
        b2b_write="action",
        help="The overdue invoices' open amounts times their probability of "
        "being paid more than 30 days late.",
    )

    @api.depends("factors_data")
    def _compute_factors(self):
        for score in self:
            score.factors = "\n".join(
                factor_words(self.env, name, figures)
                for name, figures in (score.factors_data or [])
            )

    def _b2b_hold_by_grade(self, company, model):
        """Put on credit hold the customers of ``company`` graded at or above
        the company's threshold that owe something overdue (an automatic
        hold: released with the others once nothing is overdue)."""
        threshold = company.b2b_risk_hold_grade
        if not threshold:
            return self.env["res.partner"]
        scores = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("model_id", "=", model.id),
                (
                    "grade",
                    "in",
                    [g for g, r in GRADE_RANK.items() if r >= GRADE_RANK[threshold]],
                ),
                ("expected_loss", ">", 0),
                ("partner_id.b2b_credit_hold", "=", False),
            ]
        )
        for score in scores:
            score.partner_id._b2b_put_on_credit_hold(
                _(
                    "Risk grade %(grade)s (score %(score)s) on %(date)s: %(why)s",
                    grade=score.grade,
                    score=score.score,
                    date=fields.Date.to_string(model.date.date()),
                    why="; ".join((score.factors or "").splitlines()),
                )
            )
        return scores.partner_id


class B2bCollectionRiskInvoice(models.Model):
    """An open invoice's predicted payment, as of the last refresh."""

    _name = "b2b.collection.risk.invoice"
    _inherit = ["b2b.collection.risk.row"]
    _description = "Predicted Invoice Payment"
    _order = "expected_date, id"
    _rec_name = "move_id"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        b2b_write="action",
    )
    invoice_date_due = fields.Date(related="move_id.invoice_date_due", string="Due")
    probability = fields.Float(
        string="Very Late (probability)",
        readonly=True,
        digits=(4, 3),
        b2b_write="action",
        help="The probability of being paid more than 30 days after the due date "
        "(1 once it is more than 30 days overdue).",
    )
    days_late = fields.Float(
        string="Expected Days Late", readonly=True, digits=(6, 0), b2b_write="action"
    )
    expected_date = fields.Date(
        string="Expected Payment", readonly=True, index=True, b2b_write="action"
    )
    confidence = fields.Selection(CONFIDENCES, readonly=True, b2b_write="action")
    amount_residual = fields.Monetary(
        string="Open Amount",
        readonly=True,
        b2b_write="action",
        help="In company currency, when the prediction was made.",
    )
