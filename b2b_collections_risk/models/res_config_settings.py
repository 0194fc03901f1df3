from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_risk_min_paid = fields.Integer(
        related="company_id.b2b_risk_min_paid", readonly=False
    )
    b2b_risk_hold_grade = fields.Selection(
        related="company_id.b2b_risk_hold_grade", readonly=False
    )
