from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    b2b_placement_line_ids = fields.One2many(
        "b2b.collection.placement.line",
        "move_id",
        string="Agency Placements",
        help="The placements this invoice was part of. Agency portal users read "
        "the invoices of their agency's running placements through it.",
        b2b_write="action",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
    )
