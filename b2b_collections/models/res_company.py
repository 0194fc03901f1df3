from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    b2b_aging_bucket_1 = fields.Integer(string="Aging Bucket 1 (days)", default=30)
    b2b_aging_bucket_2 = fields.Integer(string="Aging Bucket 2 (days)", default=60)
    b2b_aging_bucket_3 = fields.Integer(string="Aging Bucket 3 (days)", default=90)
    b2b_aging_bucket_4 = fields.Integer(string="Aging Bucket 4 (days)", default=120)
    b2b_default_collector_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Collector of the customers that have none of their own.",
    )
    b2b_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Collections Activity Type",
        default=lambda self: self.env.ref(
            "b2b_collections.mail_activity_type_collection_followup",
            raise_if_not_found=False,
        ),
        help="Activity type of the follow-ups planned from call notes and promises.",
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
            if bounds[0] <= 0 or any(a >= b for a, b in zip(bounds, bounds[1:])):
                raise ValidationError(
                    _(
                        "The aging bucket boundaries of %(company)s must be positive "
                        "and strictly increasing (got %(bounds)s).",
                        company=company.display_name,
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

    def write(self, vals):
        res = super().write(vals)
        if any(f"b2b_aging_bucket_{i}" in vals for i in range(1, 5)):
            self.env["account.move"]._b2b_refresh_aging(companies=self)
        return res
