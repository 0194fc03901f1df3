from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_policy_id = fields.Many2one(related="company_id.b2b_policy_id", readonly=False)
    b2b_max_contacts_7d = fields.Integer(
        related="company_id.b2b_max_contacts_7d", readonly=False
    )
    b2b_quiet_monday = fields.Boolean(
        related="company_id.b2b_quiet_monday", readonly=False
    )
    b2b_quiet_tuesday = fields.Boolean(
        related="company_id.b2b_quiet_tuesday", readonly=False
    )
    b2b_quiet_wednesday = fields.Boolean(
        related="company_id.b2b_quiet_wednesday", readonly=False
    )
    b2b_quiet_thursday = fields.Boolean(
        related="company_id.b2b_quiet_thursday", readonly=False
    )
    b2b_quiet_friday = fields.Boolean(
        related="company_id.b2b_quiet_friday", readonly=False
    )
    b2b_quiet_saturday = fields.Boolean(
        related="company_id.b2b_quiet_saturday", readonly=False
    )
    b2b_quiet_sunday = fields.Boolean(
        related="company_id.b2b_quiet_sunday", readonly=False
    )
    b2b_attach_statement = fields.Boolean(
        related="company_id.b2b_attach_statement", readonly=False
    )
    b2b_fee_account_id = fields.Many2one(
        related="company_id.b2b_fee_account_id", readonly=False
    )
    b2b_fee_auto_post = fields.Boolean(
        related="company_id.b2b_fee_auto_post", readonly=False
    )
    b2b_interest_at_payment = fields.Selection(
        related="company_id.b2b_interest_at_payment", readonly=False
    )
