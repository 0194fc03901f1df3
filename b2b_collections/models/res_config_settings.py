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
    b2b_promise_tolerance = fields.Float(
        related="company_id.b2b_promise_tolerance", readonly=False
    )
    b2b_promise_days = fields.Integer(
        related="company_id.b2b_promise_days", readonly=False
    )
    b2b_block_over_credit_limit = fields.Boolean(
        related="company_id.b2b_block_over_credit_limit", readonly=False
    )
    b2b_credit_auto_release = fields.Boolean(
        related="company_id.b2b_credit_auto_release", readonly=False
    )
    b2b_target_dso = fields.Float(related="company_id.b2b_target_dso", readonly=False)
    b2b_target_cei = fields.Float(related="company_id.b2b_target_cei", readonly=False)
    b2b_target_overdue_pct = fields.Float(
        related="company_id.b2b_target_overdue_pct", readonly=False
    )
    b2b_target_over_90_pct = fields.Float(
        related="company_id.b2b_target_over_90_pct", readonly=False
    )
    # the optional addons, offered as Odoo's own apps offer theirs
    module_b2b_collections_reminder = fields.Boolean(string="Reminders")
    module_b2b_collections_negotiation = fields.Boolean(
        string="Payment Plans and Settlements"
    )
    module_b2b_collections_agency = fields.Boolean(string="Collection Agencies")
    module_b2b_collections_agency_portal = fields.Boolean(string="Agency Portal")
    module_b2b_collections_risk = fields.Boolean(string="Risk and Cash-in Forecast")
