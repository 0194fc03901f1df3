from odoo import _, api, fields, models
from odoo.tools.misc import format_date

from ..models import b2b_collection_validation as validation


class B2bCollectionAgingAsOf(models.TransientModel):
    """Opens the aging analysis as of a past (or future) date."""

    _name = "b2b.collection.aging.as.of"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Aging as of a Date"

    as_of = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="The receivables as they stood at the end of this day: documents "
        "dated after it are left out, and so are the payments and credit notes "
        "matched after it.",
        b2b_write="user",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        b2b_write="user",
    )

    @api.constrains("as_of")
    def _check_values(self):
        validation.check_dates(self, "as_of")

    def action_open(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "b2b_collections.b2b_collection_aging_action"
        )
        name = _("Aging as of %(date)s", date=format_date(self.env, self.as_of))
        action["name"] = action["display_name"] = name
        action["context"] = {"b2b_as_of": fields.Date.to_string(self.as_of)}
        action["domain"] = [("company_id", "in", self.company_ids.ids)]
        return action
