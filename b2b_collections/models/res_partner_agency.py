from odoo import fields, models


# Kept apart from the other extension of this model so that the agency portal
# stays one unit (its fields serve the agency portal record rules only).
class ResPartner(models.Model):
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "res.partner"

    b2b_placement_ids = fields.One2many(
        "b2b.collection.placement",
        "partner_id",
        string="Agency Placements",
        help="Placements of this customer's invoices with collection agencies. "
        "Agency portal users read the customers (and their contacts) of their "
        "agency's placements through it.",
    )
