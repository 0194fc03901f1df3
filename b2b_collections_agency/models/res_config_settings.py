from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_agency_commission_account_id = fields.Many2one(
        related="company_id.b2b_agency_commission_account_id", readonly=False
    )
    b2b_agency_journal_id = fields.Many2one(
        related="company_id.b2b_agency_journal_id", readonly=False
    )
    b2b_agency_min_debt_age = fields.Integer(
        related="company_id.b2b_agency_min_debt_age", readonly=False
    )
