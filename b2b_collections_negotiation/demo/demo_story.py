from odoo import api, models


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _b2b_load_negotiation_demo(self, company=None):
        """Demo story, payment plans and settlements: the accounts a
        settlement's write-off books on (a bad debt expense account, the
        miscellaneous journal), so that the README's settlement works as
        written."""
        company = company or self.env.company
        values = {}
        if not company.b2b_bad_debt_account_id:
            values["b2b_bad_debt_account_id"] = self._b2b_demo_expense_account(
                company, "686100", "Bad Debts Written Off"
            ).id
        if not company.b2b_writeoff_journal_id:
            journal = self.env["account.journal"].search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "general"),
                ],
                order="sequence, id",
                limit=1,
            )
            values["b2b_writeoff_journal_id"] = journal.id
        company.sudo().write(values)
