from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_policy_id = fields.Many2one(
        "b2b.collection.policy",
        string="Collection Policy",
        tracking=True,
        help="Reminder ladder of this customer; the company default when empty.",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_agency_proposed = fields.Boolean(
        string="Agency Proposed",
        tracking=True,
        help="Set by a reminder level: the debt should be placed with an agency.",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_contact_ids = fields.One2many(
        "b2b.collection.contact",
        "partner_id",
        string="Reminders",
        b2b_write="action",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
    )
