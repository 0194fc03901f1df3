from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_placement_ids = fields.One2many(
        "b2b.collection.placement",
        "partner_id",
        string="Agency Placements",
        help="Placements of this customer's invoices with collection agencies. "
        "Agency portal users read the customers (and their contacts) of their "
        "agency's placements through it.",
    )
