from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

CUSTOMER = "Tour Test Retail"


@tagged("post_install", "-at_install")
class TestCollectionsTour(HttpCase):
    """The collector's main path in the browser: Worklist > Log a Call >
    promise to pay > the customer's chatter (static/tests/tours)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the day of the worklist (the user's time zone) and of the tour's
        # collector (UTC) are the same at any hour: the test's user works in
        # UTC too (the superuser's own time zone is Brussels)
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        cls.company = cls.env.ref("base.main_company")
        cls.today = fields.Date.today()
        cls.collector = new_test_user(
            cls.env,
            login="b2b_tour_collector",
            name="Tess Tour Collector",
            email="tess.tour@example.com",
            groups="b2b_collections.group_b2b_collection_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": CUSTOMER,
                "is_company": True,
                "email": "ap@tour-test-retail.example.com",
                "b2b_collector_id": cls.collector.id,
            }
        )
        cls.invoice = (
            cls.env["account.move"]
            .with_company(cls.company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_date": cls.today - timedelta(days=75),
                    "invoice_date_due": cls.today - timedelta(days=45),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": 3000.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        cls.invoice.action_post()

    def test_worklist_log_call_promise(self):
        # this morning's reminder planned a call for today
        reminder_call = self.customer.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=self.today,
            summary="Reminder call",
            user_id=self.collector.id,
        )
        worklist = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id), ("needs_action", "=", True)]
        )
        self.assertEqual(len(worklist), 1, "the customer needs action before the call")
        self.assertEqual(worklist.reason, "call_due")

        self.start_tour("/odoo", "b2b_collections_tour", login=self.collector.login)

        note = self.env["b2b.collection.note"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(note), 1)
        self.assertEqual(note.outcome, "promised")
        # proposed: the overdue amount, by the company's promise term
        self.assertEqual(note.promise_amount, 3000.0)
        self.assertEqual(note.promise_date, self.today + timedelta(days=7))
        self.assertEqual(note.channel, "phone")
        self.assertEqual(note.user_id, self.collector)
        # the call answered the reminder's call: done; the check is planned
        self.assertFalse(reminder_call.exists())
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(note.activity_id, activity)
        self.assertEqual(activity.date_deadline, note.promise_date)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Check payment of", activity.summary)
        self.assertIn(CUSTOMER, activity.summary)
        self.assertEqual(self.customer.b2b_next_action_date, note.promise_date)

        messages = self.customer.message_ids.filtered(
            lambda m: "Promised" in (m.body or "")
        )
        self.assertEqual(len(messages), 1)
        self.assertIn("Promised to pay", messages.body)
        self.assertIn("3,000.00", messages.body)
        # the invoice records the contact too
        self.assertEqual(self.invoice.b2b_last_contact_date, self.today)
        self.assertIn(
            "Promised to pay", " ".join(self.invoice.message_ids.mapped("body"))
        )

        self.assertEqual(
            self.invoice.b2b_collection_stage_id,
            self.env["b2b.collection.stage"]._b2b_stage("promise"),
        )
        self.assertFalse(
            self.env["b2b.collection.worklist"].search(
                [("partner_id", "=", self.customer.id), ("needs_action", "=", True)]
            ),
            "the promise takes the customer out of today's worklist",
        )
