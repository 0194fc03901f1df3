from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.b2b_collections.models.b2b_collection_worklist import ID_FACTOR

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCustomerTotals(B2bCollectionsCase):
    """The hand-computed ledger of Acme on 2026-03-31:

    ======================  =======  ========  =============
    item                    due      residual  days overdue
    ======================  =======  ========  =============
    invoice A               01-30    1000.00   60
    invoice B (paid 200)    03-21     300.00   10
    invoice C               04-15     800.00   not due
    credit note (unapplied) 03-01    -150.00
    payment (unapplied)     03-31    -100.00
    ======================  =======  ========  =============

    open = 1000 + 300 + 800 - 150 - 100 = 1850
    overdue = (1000 + 300) - (150 + 100) = 1050
    priority = 1000 x (1 + 60/30) + 300 x (1 + 10/30) = 3000 + 400 = 3400
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_a = cls.invoice(1000.0, due=TODAY - timedelta(days=60))
        cls.inv_b = cls.invoice(500.0, due=TODAY - timedelta(days=10))
        cls.pay(cls.inv_b, amount=200.0, pay_date=TODAY - timedelta(days=5))
        cls.inv_c = cls.invoice(800.0, due=TODAY + timedelta(days=15))
        cls.refund = cls.invoice(
            150.0, due=TODAY - timedelta(days=30), move_type="out_refund"
        )
        cls.payment = cls.unapplied_payment(100.0)

    def test_customer_totals_hand_computed(self):
        self.assertRecordValues(
            self.customer,
            [
                {
                    "b2b_amount_open": 1850.0,
                    "b2b_amount_overdue": 1050.0,
                    "b2b_oldest_overdue_days": 60,
                    "b2b_overdue_invoice_count": 2,
                    "b2b_currency_id": self.currency.id,
                }
            ],
        )

    def test_worklist_row_matches_the_customer(self):
        row = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(row.id, self.customer.id * ID_FACTOR + self.company.id)
        self.assertRecordValues(
            row,
            [
                {
                    "company_id": self.company.id,
                    "collector_id": self.collector.id,
                    "stage_id": self.stage("current").id,
                    "amount_open": 1850.0,
                    "amount_overdue": 1050.0,
                    "overdue_count": 2,
                    "oldest_overdue_days": 60,
                    "needs_action": True,
                    "do_not_contact": False,
                }
            ],
        )

    def test_credits_larger_than_overdue_leave_nothing_overdue(self):
        self.invoice(2000.0, due=TODAY, move_type="out_refund")
        self.assertRecordValues(
            self.customer,
            [{"b2b_amount_open": -150.0, "b2b_amount_overdue": 0.0}],
        )
        row = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertFalse(row.needs_action)

    def test_credit_note_reconciled_reduces_the_invoice(self):
        lines = (self.inv_a | self.refund).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        lines.reconcile()
        self.assertEqual(self.inv_a.amount_residual, 850.0)
        # open is unchanged (the credit was already counted), overdue too
        self.assertRecordValues(
            self.customer,
            [{"b2b_amount_open": 1850.0, "b2b_amount_overdue": 1050.0}],
        )

    def test_invoices_of_a_contact_count_for_the_company(self):
        self.invoice(
            400.0, due=TODAY - timedelta(days=20), partner=self.customer_contact
        )
        self.assertEqual(self.customer.b2b_amount_overdue, 1450.0)
        self.assertEqual(self.customer.b2b_overdue_invoice_count, 3)

    def test_foreign_currency_invoice_counts_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=31), currency=eur)
        self.assertEqual(invoice.amount_residual, 1000.0)  # in EUR
        self.assertEqual(invoice.amount_residual_signed, 500.0)  # company currency
        self.assertEqual(invoice.b2b_aging_bucket, "b2")
        self.assertRecordValues(
            self.customer,
            [{"b2b_amount_open": 2350.0, "b2b_amount_overdue": 1550.0}],
        )

    def test_companies_are_kept_apart(self):
        company_2 = self.setup_other_company(name="Collections Co 2")["company"]
        self.invoice(700.0, due=TODAY - timedelta(days=95), company=company_2)
        self.assertEqual(self.customer.b2b_amount_overdue, 1050.0)
        in_2 = self.customer.with_company(company_2)
        self.assertRecordValues(
            in_2,
            [
                {
                    "b2b_amount_open": 700.0,
                    "b2b_amount_overdue": 700.0,
                    "b2b_oldest_overdue_days": 95,
                    "b2b_currency_id": company_2.currency_id.id,
                }
            ],
        )
        rows = (
            self.env["b2b.collection.worklist"]
            .with_context(allowed_company_ids=(self.company | company_2).ids)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(
            {row.company_id: row.amount_overdue for row in rows},
            {self.company: 1050.0, company_2: 700.0},
        )

    def test_totals_cost_the_same_queries_for_one_or_many_customers(self):
        others = self.env["res.partner"].create(
            [{"name": f"Shop {i}", "is_company": True} for i in range(10)]
        )
        for partner in others:
            self.invoice(100.0, due=TODAY - timedelta(days=5), partner=partner)
        self.env.flush_all()

        def count_queries(partners):
            partners.invalidate_recordset()
            before = self.env.cr.sql_log_count
            partners.mapped("b2b_amount_overdue")
            return self.env.cr.sql_log_count - before

        self.assertEqual(count_queries(others[:1]), count_queries(others))
        self.assertEqual(others.mapped("b2b_amount_overdue"), [100.0] * 10)

    def test_customer_stage_is_the_most_advanced_open_stage(self):
        self.inv_a.b2b_collection_stage_id = self.stage("final_notice")
        self.inv_b.b2b_collection_stage_id = self.stage("reminded")
        self.assertEqual(
            self.customer.b2b_collection_stage_id, self.stage("final_notice")
        )
        # paid invoices do not count
        self.pay(self.inv_a)
        self.assertEqual(self.inv_a.b2b_collection_stage_id, self.stage("resolved"))
        self.assertEqual(self.customer.b2b_collection_stage_id, self.stage("reminded"))
        self.pay(self.inv_b | self.inv_c)
        self.assertFalse(self.customer.b2b_collection_stage_id)
