from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_aging_bucket_1 = fields.Integer(
        related="company_id.b2b_aging_bucket_1", readonly=False
    )
    b2b_aging_bucket_2 = fields.Integer(
        related="company_id.b2b_aging_bucket_2", readonly=False
    )
    b2b_aging_bucket_3 = fields.Integer(
        related="company_id.b2b_aging_bucket_3", readonly=False
    )
    b2b_aging_bucket_4 = fields.Integer(
        related="company_id.b2b_aging_bucket_4", readonly=False
    )
    b2b_default_collector_id = fields.Many2one(
        related="company_id.b2b_default_collector_id", readonly=False
    )
    b2b_activity_type_id = fields.Many2one(
        related="company_id.b2b_activity_type_id", readonly=False
    )
