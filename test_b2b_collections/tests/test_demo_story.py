from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoStory(TransactionCase):
    """The demo company is set up so that every flow of the README works as
    written (make run)."""

    def test_accounts_of_the_agency_and_settlement_flows(self):
        company = self.env.ref("base.main_company")
        if not company.b2b_agency_commission_account_id:
            self.skipTest("installed without the demo story")
        commission = company.b2b_agency_commission_account_id
        self.assertEqual(
            (commission.code, commission.name, commission.account_type),
            ("626100", "Collection Agency Commissions", "expense"),
        )
        bad_debt = company.b2b_bad_debt_account_id
        self.assertEqual(
            (bad_debt.code, bad_debt.name, bad_debt.account_type),
            ("686100", "Bad Debts Written Off", "expense"),
        )
        self.assertEqual(company.b2b_writeoff_journal_id.type, "general")
