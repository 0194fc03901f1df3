from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from . import b2b_collection_validation as validation

# a promise further away than this is a payment plan, not a promise
PROMISE_DAYS_MAX = 90


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "b2b.collection.guard.mixin"]

    b2b_aging_bucket_1 = fields.Integer(
        string="Aging Bucket 1 (days)",
        default=30,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_aging_bucket_2 = fields.Integer(
        string="Aging Bucket 2 (days)",
        default=60,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_aging_bucket_3 = fields.Integer(
        string="Aging Bucket 3 (days)",
        default=90,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_aging_bucket_4 = fields.Integer(
        string="Aging Bucket 4 (days)",
        default=120,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_default_collector_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Collector of the customers that have none of their own.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Collections Activity Type",
        default=lambda self: self.env.ref(
            "b2b_collections.mail_activity_type_collection_followup",
            raise_if_not_found=False,
        ),
        help="Activity type of the follow-ups planned from call notes and promises.",
        b2b_write="user",
        groups="base.group_user",
    )

    b2b_promise_tolerance = fields.Float(
        string="Promise tolerance (%)",
        default=1.0,
        help="A promise is kept when the customer paid at least the promised "
        "amount minus this percentage by the promised date.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_promise_days = fields.Integer(
        string="Promise term (days)",
        default=7,
        help="A call that ends with a promise to pay proposes this many days "
        "after the call as the promised date.",
        b2b_write="user",
        groups="base.group_user",
    )

    b2b_block_over_credit_limit = fields.Boolean(
        string="Block invoices over the credit limit",
        help="With Odoo's customer credit limits on, an invoice that takes a "
        "customer over its limit is not posted (instead of Odoo's warning), "
        "unless a collections manager posts it despite the limit.",
        b2b_write="user",
        groups="base.group_user",
    )

    b2b_credit_auto_release = fields.Boolean(
        string="Release holds once paid",
        help="A credit hold a reminder level set is released by itself as soon "
        "as nothing is overdue for the customer; holds set by hand stay.",
        b2b_write="user",
        groups="base.group_user",
    )

    b2b_target_dso = fields.Float(
        string="Target DSO (days)",
        default=45.0,
        help="Days sales outstanding to aim for; 0 for no target.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_target_cei = fields.Float(
        string="Target CEI (%)",
        default=80.0,
        help="Collection effectiveness index to reach; 0 for no target.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_target_overdue_pct = fields.Float(
        string="Target Overdue (%)",
        default=20.0,
        help="Share of the receivables past due not to exceed; 0 for no target.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_target_over_90_pct = fields.Float(
        string="Target Over 90 Days (%)",
        default=5.0,
        help="Share of the receivables more than 90 days past due not to "
        "exceed; 0 for no target.",
        b2b_write="user",
        groups="base.group_user",
    )

    @api.constrains(
        "b2b_target_dso",
        "b2b_target_cei",
        "b2b_target_overdue_pct",
        "b2b_target_over_90_pct",
    )
    def _check_b2b_targets(self):
        validation.check_days(self, "b2b_target_dso", bounds=validation.DAYS_TOLERANCE)
        validation.check_percentages(
            self, "b2b_target_cei", "b2b_target_overdue_pct", "b2b_target_over_90_pct"
        )

    @api.constrains("b2b_promise_tolerance", "b2b_promise_days")
    def _check_b2b_limits(self):
        # a tolerance of 100 % would count a promise with nothing paid as kept
        validation.check_percentages(self, "b2b_promise_tolerance", high=99.99)
        validation.check_ranges(
            self, "b2b_promise_days", low=1, high=PROMISE_DAYS_MAX, unit="days"
        )

    @api.constrains(
        "b2b_aging_bucket_1",
        "b2b_aging_bucket_2",
        "b2b_aging_bucket_3",
        "b2b_aging_bucket_4",
    )
    def _check_b2b_aging_buckets(self):
        for company in self:
            bounds = company._b2b_aging_bounds()
            if (
                bounds[0] <= 0
                or bounds[-1] > validation.DAYS_AGE[1]
                or any(a >= b for a, b in zip(bounds, bounds[1:]))
            ):
                raise ValidationError(
                    _(
                        "The aging bucket boundaries of %(company)s must be positive "
                        "and strictly increasing, up to %(max)s days (got %(bounds)s).",
                        company=company.display_name,
                        max=validation.DAYS_AGE[1],
                        bounds=" / ".join(str(b) for b in bounds),
                    )
                )

    def _b2b_aging_bounds(self):
        """Return the four bucket boundaries (days overdue) as a tuple."""
        self.ensure_one()
        return (
            self.b2b_aging_bucket_1,
            self.b2b_aging_bucket_2,
            self.b2b_aging_bucket_3,
            self.b2b_aging_bucket_4,
        )

    @api.model
    def _b2b_sql_aging_bounds(self, alias):
        """The four bucket boundaries of the company row ``alias``, as SQL
        expressions for ``account.move._b2b_sql_bucket_for``."""
        return tuple(
            SQL.identifier(alias, f"b2b_aging_bucket_{i}") for i in range(1, 5)
        )

    def write(self, vals):
        res = super().write(vals)
        if any(f"b2b_aging_bucket_{i}" in vals for i in range(1, 5)):
            self.env["account.move"]._b2b_refresh_aging(companies=self)
        return res
