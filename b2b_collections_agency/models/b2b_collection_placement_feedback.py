from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation


class B2bCollectionPlacementFeedback(models.Model):
    """How the customer (or our staff) judged the agency's work on a
    placement: a rating from 1 to 5, a comment, and whether it is a
    complaint. Summarised per agency (average rating, complaints)."""

    _name = "b2b.collection.placement.feedback"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Placement Feedback"
    _order = "date desc, id desc"

    placement_id = fields.Many2one(
        "b2b.collection.placement",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="create",
    )
    agency_id = fields.Many2one(
        related="placement_id.agency_id", store=True, index=True
    )
    company_id = fields.Many2one(
        related="placement_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="placement_id.partner_id", string="Customer", store=True
    )
    date = fields.Date(
        required=True, default=fields.Date.context_today, b2b_write="create"
    )
    rating = fields.Integer(
        required=True,
        default=3,
        aggregator="avg",
        help="1 (very poor) to 5 (excellent).",
        b2b_write="create",
    )
    complaint = fields.Boolean(
        help="The customer complained about the agency.", b2b_write="create"
    )
    comment = fields.Text(b2b_write="create")
    source = fields.Selection(
        [("customer", "Customer"), ("staff", "Staff")],
        required=True,
        default="customer",
        b2b_write="create",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        default=lambda self: self.env.user,
        readonly=True,
        b2b_write="action",
    )

    @api.constrains("rating")
    def _check_rating(self):
        for feedback in self:
            if not 1 <= feedback.rating <= 5:
                raise ValidationError(_("A rating goes from 1 to 5."))

    @api.constrains("complaint", "comment")
    def _check_complaint(self):
        for feedback in self:
            if feedback.complaint and not (feedback.comment or "").strip():
                raise ValidationError(_("Say what the complaint is about."))

    @api.constrains("date", "comment")
    def _check_values(self):
        validation.check_dates(self, "date")
        validation.check_texts(self, "comment")

    @api.model
    def _b2b_summary(self, agencies, date_from=None, date_to=None):
        """{agency: {'count', 'avg_rating', 'complaints'}} of ``agencies``,
        optionally for the feedback dated in a period: one query."""
        domain = [("agency_id", "in", agencies.ids)]
        if date_from:
            domain.append(("date", ">=", date_from))
        if date_to:
            domain.append(("date", "<=", date_to))
        groups = self._read_group(
            domain, ["agency_id", "complaint"], ["__count", "rating:sum"]
        )
        summary = {
            agency: {"count": 0, "rating_sum": 0, "complaints": 0}
            for agency in agencies
        }
        for agency, complaint, count, rating_sum in groups:
            figures = summary[agency]
            figures["count"] += count
            figures["rating_sum"] += rating_sum
            if complaint:
                figures["complaints"] += count
        for figures in summary.values():
            rating_sum = figures.pop("rating_sum")
            figures["avg_rating"] = (
                rating_sum / figures["count"] if figures["count"] else None
            )
        return summary
