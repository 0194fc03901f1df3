from odoo import api, fields, models

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

# the settings that name a record of the company
COMPANY_LINKS = ("b2b_bad_debt_account_id", "b2b_writeoff_journal_id")


class ResCompany(models.Model):
    _inherit = "res.company"

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

    @api.constrains("b2b_plan_tolerance_days")
    def _check_b2b_plan_tolerance_days(self):
        validation.check_days(
            self, "b2b_plan_tolerance_days", bounds=validation.DAYS_TOLERANCE
        )

    @api.constrains(*COMPANY_LINKS)
    def _check_b2b_negotiation_companies(self):
        # res.company has no automatic company check: the write-off account
        # and journal must be the company's
        self._check_company(list(COMPANY_LINKS))
