from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSettings(B2bCollectionsCase):
    def test_settings_form_changes_buckets_and_rebuckets_invoices(self):
        invoice = self.invoice(100.0, due=TODAY - timedelta(days=40))
        self.assertEqual(invoice.b2b_aging_bucket, "b2")
        admin = new_test_user(
            self.env,
            login="b2b_admin",
            groups="base.group_system,b2b_collections.group_b2b_collection_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with Form(self.env["res.config.settings"].with_user(admin)) as settings:
            self.assertEqual(settings.b2b_aging_bucket_1, 30)
            settings.b2b_aging_bucket_1 = 45
            settings.b2b_aging_bucket_2 = 75
            settings.b2b_aging_bucket_3 = 105
            settings.b2b_aging_bucket_4 = 150
            settings.b2b_default_collector_id = self.collector
        settings.record.execute()
        self.assertRecordValues(
            self.company,
            [
                {
                    "b2b_aging_bucket_1": 45,
                    "b2b_aging_bucket_2": 75,
                    "b2b_aging_bucket_3": 105,
                    "b2b_aging_bucket_4": 150,
                    "b2b_default_collector_id": self.collector.id,
                }
            ],
        )
        self.assertEqual(invoice.b2b_aging_bucket, "b1")

    def test_bad_bucket_boundaries_are_refused(self):
        for bounds in (
            (30, 30, 90, 120),
            (0, 60, 90, 120),
            (-5, 60, 90, 120),
            (30, 60, 120, 90),
        ):
            with (
                self.subTest(bounds=bounds),
                self.assertRaisesText(
                    ValidationError, "positive and strictly increasing"
                ),
            ):
                self.company.write(
                    {
                        f"b2b_aging_bucket_{i}": value
                        for i, value in enumerate(bounds, 1)
                    }
                )
        self.assertEqual(self.company._b2b_aging_bounds(), (30, 60, 90, 120))

    def test_default_collector_for_customers_without_one(self):
        shop = self.env["res.partner"].create(
            {"name": "No Collector Shop", "is_company": True}
        )
        self.company.b2b_default_collector_id = self.manager
        invoice = self.invoice(100.0, due=TODAY - timedelta(days=3), partner=shop)
        self.assertEqual(invoice.b2b_collector_id, self.manager)
        row = self.env["b2b.collection.worklist"].search([("partner_id", "=", shop.id)])
        self.assertEqual(row.collector_id, self.manager)
        shop.b2b_collector_id = self.collector
        self.assertEqual(invoice.b2b_collector_id, self.collector)
        row.invalidate_recordset()
        self.assertEqual(row.collector_id, self.collector)
