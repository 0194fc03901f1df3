from odoo import api, fields, models

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

# the settings that name a record of the company
COMPANY_LINKS = ("b2b_agency_commission_account_id", "b2b_agency_journal_id")


# The demo story extends res.company too, apart in demo/demo_story.py.
class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

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

    b2b_agency_min_debt_age = fields.Integer(
        string="Debt Old Enough for an Agency (days)",
        default=60,
        help="Place with Agency pre-selects the invoices overdue for at least "
        "this long (an agency's own minimum, when it has one, comes first).",
        b2b_write="user",
        groups="base.group_user",
    )

    @api.constrains("b2b_agency_min_debt_age")
    def _check_b2b_agency_min_debt_age(self):
        validation.check_days(self, "b2b_agency_min_debt_age")

    @api.constrains(*COMPANY_LINKS)
    def _check_b2b_agency_companies(self):
        # res.company has no automatic company check: the commission account
        # and journal must be the company's
        self._check_company(list(COMPANY_LINKS))
