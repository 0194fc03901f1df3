from odoo import api, fields, models

from .b2b_collection_risk_model import CONFIDENCES, METHODS
from .risk_learning import GRADES

USER_GROUP = "b2b_collections.group_b2b_collection_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_risk_score_id = fields.Many2one(
        "b2b.collection.risk.score",
        string="Risk",
        compute="_compute_b2b_risk",
        groups=USER_GROUP,
    )
    b2b_risk_grade = fields.Selection(
        GRADES,
        string="Risk Grade",
        compute="_compute_b2b_risk",
        search="_search_b2b_risk_grade",
        groups=USER_GROUP,
        help="From the last risk refresh of the current company: A pays on "
        "time, D is likely to pay more than 30 days late.",
    )
    b2b_risk_score = fields.Integer(
        string="Risk Score", compute="_compute_b2b_risk", groups=USER_GROUP
    )
    b2b_risk_factors = fields.Text(
        string="Why This Grade", compute="_compute_b2b_risk", groups=USER_GROUP
    )
    b2b_risk_confidence = fields.Selection(
        CONFIDENCES, string="Confidence", compute="_compute_b2b_risk", groups=USER_GROUP
    )
    b2b_risk_method = fields.Selection(
        METHODS, string="Graded By", compute="_compute_b2b_risk", groups=USER_GROUP
    )
    b2b_risk_invoice_ids = fields.Many2many(
        "b2b.collection.risk.invoice",
        string="Predicted Payments",
        compute="_compute_b2b_risk",
        groups=USER_GROUP,
    )

    @api.depends_context("company")
    def _compute_b2b_risk(self):
        """The current company's grade and predictions: two searches."""
        ids = self.commercial_partner_id.ids
        company = self.env.company
        scores = {
            s.partner_id.id: s
            for s in self.env["b2b.collection.risk.score"].search(
                [("partner_id", "in", ids), ("company_id", "=", company.id)]
            )
        }
        predictions = {}
        for prediction in self.env["b2b.collection.risk.invoice"].search(
            [("partner_id", "in", ids), ("company_id", "=", company.id)]
        ):
            predictions.setdefault(prediction.partner_id.id, []).append(prediction.id)
        empty = self.env["b2b.collection.risk.score"]
        for partner in self:
            score = scores.get(partner.commercial_partner_id.id, empty)
            partner.b2b_risk_score_id = score
            partner.b2b_risk_grade = score.grade
            partner.b2b_risk_score = score.score
            partner.b2b_risk_factors = score.factors
            partner.b2b_risk_confidence = score.confidence
            partner.b2b_risk_method = score.method
            partner.b2b_risk_invoice_ids = [
                fields.Command.set(
                    predictions.get(partner.commercial_partner_id.id, [])
                )
            ]

    def _search_b2b_risk_grade(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            return [("id", "=", 0)]
        grades = [value] if isinstance(value, str) else list(value or [])
        positive = operator in ("=", "in")
        partners = (
            self.env["b2b.collection.risk.score"]
            .search([("company_id", "=", self.env.company.id), ("grade", "in", grades)])
            .partner_id
        )
        return [("commercial_partner_id", "in" if positive else "not in", partners.ids)]
