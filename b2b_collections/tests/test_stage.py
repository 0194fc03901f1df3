from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCollectionStage(B2bCollectionsCase):
    def test_default_stages_in_escalation_order(self):
        stages = self.stage_model.search([("company_id", "=", False)])
        self.assertEqual(
            stages.mapped("name")[:11],
            [
                "Current",
                "Reminded",
                "Final notice",
                "Promise to pay",
                "Payment plan",
                "Settlement",
                "Disputed",
                "With agency",
                "Legal",
                "Written off",
                "Resolved",
            ],
        )
        self.assertRecordValues(
            self.stage("agency") | self.stage("legal") | self.stage("resolved"),
            [
                {
                    "pause_reminders": True,
                    "is_agency": True,
                    "is_legal": False,
                    "is_closed": False,
                    "fold": False,
                },
                {
                    "pause_reminders": True,
                    "is_agency": False,
                    "is_legal": True,
                    "is_closed": False,
                    "fold": False,
                },
                {
                    "pause_reminders": True,
                    "is_agency": False,
                    "is_legal": False,
                    "is_closed": True,
                    "fold": True,
                },
            ],
        )

    def test_posted_invoice_starts_current_and_resolves_when_paid(self):
        invoice = self.invoice(1000.0, due=TODAY.replace(day=1))
        self.assertEqual(invoice.b2b_collection_stage_id, self.stage("current"))
        invoice.b2b_collection_stage_id = self.stage("final_notice")
        self.pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.b2b_collection_stage_id, self.stage("resolved"))

    def test_unlink_stage_in_use_is_refused(self):
        stage = self.stage_model.create({"name": "Skip tracing", "sequence": 25})
        invoice = self.invoice(100.0, due=TODAY)
        invoice.b2b_collection_stage_id = stage
        with self.assertRaisesText(UserError, "Skip tracing: 1"):
            stage.unlink()
        self.assertTrue(stage.exists())
        invoice.b2b_collection_stage_id = self.stage("reminded")
        stage.unlink()
        self.assertFalse(stage.exists())
