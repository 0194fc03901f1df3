from odoo import fields, models


# Kept apart from the other extension of this model so that the agency portal
# stays one unit (its fields serve the agency portal record rules only).
class AccountMove(models.Model):
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "account.move"

    b2b_placement_line_ids = fields.One2many(
        "b2b.collection.placement.line",
        "move_id",
        string="Agency Placements",
        help="The placements this invoice was part of. Agency portal users read "
        "the invoices of their agency's running placements through it.",
    )
