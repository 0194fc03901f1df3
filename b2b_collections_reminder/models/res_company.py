from odoo import api, fields, models

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

# more than this many contacts a week is harassment, or a typing error
MAX_CONTACTS_7D = 100
# the settings that name a record of the company
COMPANY_LINKS = ("b2b_policy_id", "b2b_fee_account_id")
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


# The demo story extends res.company too, apart in demo/demo_story.py.
class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    b2b_policy_id = fields.Many2one(
        "b2b.collection.policy",
        string="Default Collection Policy",
        default=lambda self: self.env.ref(
            "b2b_collections_reminder.b2b_collection_policy_standard",
            raise_if_not_found=False,
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
        default=False,
        help="Attach the customer statement PDF to every reminder email. "
        "Without it, only the customers marked Statement as Attachment get the "
        "PDF; the others a link that renders their statement when opened.",
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

    @api.constrains("b2b_max_contacts_7d")
    def _check_b2b_contact_limit(self):
        validation.check_ranges(
            self, "b2b_max_contacts_7d", low=0, high=MAX_CONTACTS_7D
        )

    @api.constrains(*COMPANY_LINKS)
    def _check_b2b_reminder_companies(self):
        # res.company has no automatic company check: the account and policy
        # of the reminder settings must be the company's
        self._check_company(list(COMPANY_LINKS))

    def _b2b_is_quiet_day(self, day):
        self.ensure_one()
        return self[f"b2b_quiet_{WEEKDAYS[day.weekday()]}"]
