from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.b2b_collections.demo.demo_story import CUSTOMERS


@tagged("post_install", "-at_install")
class TestDemoStory(TransactionCase):
    """The demo data installed with the module tells the collections story."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].search([("name", "in", CUSTOMERS)])
        if not cls.customers:
            cls.skipTest(cls, "database installed without demo data")
        cls.invoices = cls.env["account.move"].search(
            [("partner_id", "in", cls.customers.ids), ("move_type", "=", "out_invoice")]
        )

    def test_customers_and_invoices(self):
        self.assertGreaterEqual(len(self.customers), 30)
        self.assertTrue(all(self.customers.mapped("b2b_collector_id")))
        self.assertTrue(all(self.customers.mapped("b2b_collection_contact_id.email")))
        self.assertGreaterEqual(len(self.invoices), 300)
        self.assertEqual(set(self.invoices.mapped("state")), {"posted"})
        dates = self.invoices.mapped("invoice_date")
        today = fields.Date.context_today(self.env["account.move"])
        self.assertLessEqual((today - min(dates)).days, 366)
        states = set(self.invoices.mapped("payment_state"))
        self.assertTrue({"paid", "partial", "not_paid"} <= states, states)
        refunds = self.env["account.move"].search_count(
            [("partner_id", "in", self.customers.ids), ("move_type", "=", "out_refund")]
        )
        self.assertGreater(refunds, 0)
        buckets = set(
            self.invoices.filtered("b2b_days_overdue").mapped("b2b_aging_bucket")
        )
        self.assertEqual(buckets, {"b1", "b2", "b3", "b4", "b5"})

    def test_promises_and_dispute(self):
        notes = self.env["b2b.collection.note"].search(
            [("partner_id", "in", self.customers.ids)]
        )
        promises = notes.filtered(lambda n: n.outcome == "promised")
        today = fields.Date.context_today(self.env["account.move"])
        kept = promises.filtered(
            lambda n: n.invoice_ids
            and all(m.payment_state in ("paid", "in_payment") for m in n.invoice_ids)
        )
        broken = promises.filtered(
            lambda n: n.promise_date < today
            and n.partner_id.b2b_amount_overdue > 0
            and n not in kept
        )
        self.assertTrue(kept, "a kept promise")
        self.assertTrue(broken, "a broken promise")
        # the demo settles them as the nightly run does
        self.assertEqual(set(kept.mapped("promise_state")), {"kept"})
        self.assertEqual(set(broken.mapped("promise_state")), {"broken"})
        self.assertTrue(notes.filtered(lambda n: n.outcome == "disputed"))
        self.assertTrue(self.invoices.filtered("b2b_disputed"))
        worklist = self.env["b2b.collection.worklist"].search(
            [("needs_action", "=", True)]
        )
        self.assertGreaterEqual(
            len(worklist & worklist.filtered(lambda r: r.partner_id in self.customers)),
            10,
        )
