from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from . import b2b_collection_validation as validation

# more than this many contacts a week is harassment, or a typing error
MAX_CONTACTS_7D = 100
# the settings that name a record of the company
COMPANY_LINKS = (
    "b2b_policy_id",
    "b2b_fee_account_id",
    "b2b_agency_commission_account_id",
    "b2b_agency_journal_id",
    "b2b_bad_debt_account_id",
    "b2b_writeoff_journal_id",
)
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


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

    b2b_policy_id = fields.Many2one(
        "b2b.collection.policy",
        string="Default Collection Policy",
        default=lambda self: self.env.ref(
            "b2b_collections.b2b_collection_policy_standard", raise_if_not_found=False
        ),
        help="Reminder ladder of the customers that have no policy of their own.",
        check_company=True,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_max_contacts_7d = fields.Integer(
        string="Contacts per 7 days",
        default=3,
        help="At most this many contacts (reminders and outbound calls) per "
        "customer in any 7 days; 0 for no limit.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_quiet_monday = fields.Boolean(
        string="Monday", b2b_write="user", groups="base.group_user"
    )
    b2b_quiet_tuesday = fields.Boolean(
        string="Tuesday", b2b_write="user", groups="base.group_user"
    )
    b2b_quiet_wednesday = fields.Boolean(
        string="Wednesday", b2b_write="user", groups="base.group_user"
    )
    b2b_quiet_thursday = fields.Boolean(
        string="Thursday", b2b_write="user", groups="base.group_user"
    )
    b2b_quiet_friday = fields.Boolean(
        string="Friday", b2b_write="user", groups="base.group_user"
    )
    b2b_quiet_saturday = fields.Boolean(
        string="Saturday", default=True, b2b_write="user", groups="base.group_user"
    )
    b2b_quiet_sunday = fields.Boolean(
        string="Sunday", default=True, b2b_write="user", groups="base.group_user"
    )
    b2b_attach_statement = fields.Boolean(
        string="Attach statement",
        default=True,
        help="Attach the customer statement PDF to reminder emails.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_fee_account_id = fields.Many2one(
        "account.account",
        string="Late Fee Account",
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of late fees and interest invoiced by reminders.",
        check_company=True,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_fee_auto_post = fields.Boolean(
        string="Post fee invoices",
        help="Post the late fee and interest invoices at once instead of "
        "leaving them in draft for review.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_interest_at_payment = fields.Selection(
        [
            ("charge", "Charge it on a final charges invoice"),
            ("offer", "Offer it to a manager to charge or waive"),
        ],
        string="Interest at payment",
        default="charge",
        required=True,
        help="When an invoice that was charged late interest is paid, the days "
        "from the last charge to the payment are charged once: at once, or after "
        "a manager's decision (Reminders > Late Charges).",
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
    b2b_agency_commission_account_id = fields.Many2one(
        "account.account",
        string="Agency Commission Account",
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account of the agencies' commissions and fees on their bills.",
        check_company=True,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_agency_journal_id = fields.Many2one(
        "account.journal",
        string="Agency Bills Journal",
        domain="[('type', '=', 'purchase')]",
        help="Purchase journal of the agencies' commission bills (default: the "
        "first purchase journal).",
        check_company=True,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_plan_tolerance_days = fields.Integer(
        string="Payment plan tolerance (days)",
        default=3,
        help="An instalment of a payment plan is missed when it is not fully "
        "paid this many days after its due date.",
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_bad_debt_account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Account",
        domain="[('account_type', '=', 'expense')]",
        help="Expense account debited by the write-off of a settlement's remainder.",
        check_company=True,
        b2b_write="user",
        groups="base.group_user",
    )
    b2b_writeoff_journal_id = fields.Many2one(
        "account.journal",
        string="Write-off Journal",
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the settlement write-off entries.",
        check_company=True,
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

    @api.constrains("b2b_max_contacts_7d", "b2b_promise_tolerance")
    def _check_b2b_limits(self):
        validation.check_ranges(
            self, "b2b_max_contacts_7d", low=0, high=MAX_CONTACTS_7D
        )
        # a tolerance of 100 % would count a promise with nothing paid as kept
        validation.check_percentages(self, "b2b_promise_tolerance", high=99.99)

    @api.constrains(*COMPANY_LINKS)
    def _check_b2b_companies(self):
        # res.company has no automatic company check: the accounts, journals
        # and policy of the Collections settings must be the company's
        self._check_company(list(COMPANY_LINKS))

    def _b2b_is_quiet_day(self, day):
        self.ensure_one()
        return self[f"b2b_quiet_{WEEKDAYS[day.weekday()]}"]

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

    def write(self, vals):
        res = super().write(vals)
        if any(f"b2b_aging_bucket_{i}" in vals for i in range(1, 5)):
            self.env["account.move"]._b2b_refresh_aging(companies=self)
        return res

    @api.constrains("b2b_plan_tolerance_days")
    def _check_b2b_plan_tolerance_days(self):
        validation.check_days(
            self, "b2b_plan_tolerance_days", bounds=validation.DAYS_TOLERANCE
        )
