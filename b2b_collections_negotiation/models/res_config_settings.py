from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_plan_tolerance_days = fields.Integer(
        related="company_id.b2b_plan_tolerance_days", readonly=False
    )
    b2b_bad_debt_account_id = fields.Many2one(
        related="company_id.b2b_bad_debt_account_id", readonly=False
    )
    b2b_writeoff_journal_id = fields.Many2one(
        related="company_id.b2b_writeoff_journal_id", readonly=False
    )
