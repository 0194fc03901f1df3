from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCallNote(B2bCollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overdue_1 = cls.invoice(1200.0, due=TODAY - timedelta(days=40))
        cls.overdue_2 = cls.invoice(300.0, due=TODAY - timedelta(days=5))
        cls.not_due = cls.invoice(900.0, due=TODAY + timedelta(days=20))
        cls.note_model = cls.env["b2b.collection.note"]

    def _counts(self):
        """What a failed note must not leave behind."""
        return (
            self.note_model.search_count([]),
            self.env["mail.activity"].search_count([]),
            self.env["mail.message"].search_count([]),
            self.customer.b2b_next_action_date,
            tuple(
                (self.overdue_1 | self.overdue_2).mapped(
                    lambda m: (m.b2b_collection_stage_id.id, m.b2b_disputed)
                )
            ),
        )

    def _log_call_form(self, record, user=None):
        action = record.with_user(user or self.collector).action_b2b_log_call()
        self.assertEqual(action["res_model"], "b2b.collection.note")
        self.assertEqual(action["target"], "new")
        return Form(
            self.note_model.with_user(user or self.collector).with_context(
                **action["context"]
            )
        )

    def test_promise_from_customer_form(self):
        with self._log_call_form(self.customer) as form:
            self.assertEqual(form.partner_id, self.customer)
            self.assertEqual(form.channel, "phone")
            form.contact_id = self.customer_contact
            form.outcome = "promised"
            form.promise_amount = 1500.0
            form.promise_date = TODAY + timedelta(days=7)
            form.summary = "Payment run on Tuesday"
            form.duration = 0.25
        note = form.record
        self.assertRecordValues(
            note,
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "user_id": self.collector.id,
                    "date": datetime(2026, 3, 31, 0, 0),
                    "outcome": "promised",
                    "promise_amount": 1500.0,
                }
            ],
        )
        # Without chosen invoices, the promise covers the overdue ones only.
        self.assertEqual(
            (self.overdue_1 | self.overdue_2 | self.not_due).mapped(
                "b2b_collection_stage_id"
            ),
            self.stage("promise") | self.stage("promise") | self.stage("current"),
        )
        self.assertEqual(self.customer.b2b_collection_stage_id, self.stage("promise"))
        self.assertEqual(self.customer.b2b_next_action_date, TODAY + timedelta(days=7))
        # Chatter of the customer
        message = self.customer.message_ids[0]
        self.assertIn("Promised", message.body)
        self.assertIn("1,500.00", message.body)
        self.assertIn("Ann Payable", message.body)
        self.assertIn("Payment run on Tuesday", message.body)
        # Follow-up activity for the collector on the promised date
        activity = note.activity_id
        self.assertRecordValues(
            activity,
            [
                {
                    "res_model": "res.partner",
                    "res_id": self.customer.id,
                    "user_id": self.collector.id,
                    "date_deadline": TODAY + timedelta(days=7),
                    "activity_type_id": self.env.ref(
                        "b2b_collections.mail_activity_type_collection_followup"
                    ).id,
                }
            ],
        )
        self.assertIn("Check payment of", activity.summary)
        # The customer leaves the worklist until the promised date.
        row = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertFalse(row.needs_action)
        self.assertEqual(row.last_contact_date, TODAY)
        with freeze_time(TODAY + timedelta(days=7)):
            row.invalidate_recordset()
            self.assertTrue(row.needs_action)

    def test_log_call_from_invoice_posts_on_invoice_and_customer(self):
        action = self.overdue_2.with_user(self.collector).action_b2b_log_call()
        self.assertEqual(action["context"]["default_invoice_ids"], self.overdue_2.ids)
        with Form(
            self.note_model.with_user(self.collector).with_context(**action["context"])
        ) as form:
            form.outcome = "promised"
            form.promise_amount = 300.0
            form.promise_date = TODAY + timedelta(days=2)
        note = form.record
        self.assertEqual(note.invoice_ids, self.overdue_2)
        self.assertIn("Promised", self.overdue_2.message_ids[0].body)
        self.assertIn(self.overdue_2.name, self.customer.message_ids[0].body)
        self.assertEqual(self.overdue_2.b2b_collection_stage_id, self.stage("promise"))
        self.assertEqual(self.overdue_1.b2b_collection_stage_id, self.stage("current"))
        self.assertEqual(self.overdue_2.b2b_last_contact_date, TODAY)
        self.assertEqual(self.overdue_2.b2b_next_action_date, TODAY + timedelta(days=2))

    def test_dispute_flags_the_invoices(self):
        note = self.note_model.with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "outcome": "disputed",
                "invoice_ids": [Command.set(self.overdue_1.ids)],
                "summary": "Pallets damaged",
            }
        )
        self.assertRecordValues(
            self.overdue_1,
            [
                {
                    "b2b_disputed": True,
                    "b2b_dispute_reason": "Pallets damaged",
                    "b2b_dispute_date": TODAY,
                    "b2b_collection_stage_id": self.stage("disputed").id,
                }
            ],
        )
        self.assertFalse(self.overdue_2.b2b_disputed)
        self.assertFalse(note.activity_id)
        # Resolving the dispute resumes the normal stage (tracked in the chatter:
        # see the end-to-end tests, which commit like a real request).
        self.overdue_1.b2b_disputed = False
        self.assertEqual(self.overdue_1.b2b_collection_stage_id, self.stage("current"))
        self.overdue_1.b2b_disputed = True
        self.assertEqual(self.overdue_1.b2b_collection_stage_id, self.stage("disputed"))

    def test_follow_up_date_plans_an_activity(self):
        note = self.note_model.with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "outcome": "no_answer",
                "next_followup_date": TODAY + timedelta(days=2),
            }
        )
        self.assertEqual(note.activity_id.date_deadline, TODAY + timedelta(days=2))
        self.assertIn("Follow up with", note.activity_id.summary)
        self.assertEqual(self.customer.b2b_next_action_date, TODAY + timedelta(days=2))
        self.assertEqual(self.customer.b2b_note_count, 1)

    def test_collector_falls_back_to_company_default_then_author(self):
        self.customer.b2b_collector_id = False
        note = self.note_model.with_user(self.manager).create(
            {
                "partner_id": self.customer.id,
                "outcome": "reached",
                "next_followup_date": TODAY,
            }
        )
        self.assertEqual(note.activity_id.user_id, self.manager)
        self.company.b2b_default_collector_id = self.collector
        note = self.note_model.with_user(self.manager).create(
            {
                "partner_id": self.customer.id,
                "outcome": "reached",
                "next_followup_date": TODAY,
            }
        )
        self.assertEqual(note.activity_id.user_id, self.collector)

    def test_bad_promises_are_refused_and_leave_nothing(self):
        before = self._counts()
        base = {"partner_id": self.customer.id, "outcome": "promised"}
        cases = [
            (
                {"promise_amount": 0.0, "promise_date": TODAY},
                "promised date and a promised amount",
            ),
            ({"promise_amount": -50.0, "promise_date": TODAY}, "must be positive"),
            ({"promise_amount": 100.0}, "promised date and a promised amount"),
            (
                {"promise_amount": 100.0, "promise_date": TODAY - timedelta(days=1)},
                "cannot be in the past",
            ),
        ]
        for vals, message in cases:
            with (
                self.subTest(vals=vals),
                self.assertRaisesText(ValidationError, message),
            ):
                self.note_model.with_user(self.collector).create({**base, **vals})
        self.assertEqual(self._counts(), before)

    def test_negative_amount_on_any_outcome_is_refused(self):
        with self.assertRaisesText(ValidationError, "must be positive"):
            self.note_model.create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "reached",
                    "promise_amount": -1.0,
                }
            )

    def test_inconsistent_notes_are_refused(self):
        other = self.env["res.partner"].create(
            {"name": "Other Shop", "is_company": True}
        )
        foreign_invoice = self.invoice(50.0, due=TODAY, partner=other)
        before = self._counts()
        with self.assertRaisesText(ValidationError, "not invoices of"):
            self.note_model.create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "reached",
                    "invoice_ids": [Command.set(foreign_invoice.ids)],
                }
            )
        with self.assertRaisesText(ValidationError, "Choose the invoices"):
            self.note_model.create(
                {"partner_id": self.customer.id, "outcome": "disputed"}
            )
        with self.assertRaisesText(ValidationError, "not on its contact"):
            self.note_model.create(
                {"partner_id": self.customer_contact.id, "outcome": "reached"}
            )
        with self.assertRaisesText(ValidationError, "does not work for"):
            self.note_model.create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "reached",
                    "contact_id": other.id,
                }
            )
        with self.assertRaisesText(ValidationError, "before the call"):
            self.note_model.create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "reached",
                    "next_followup_date": TODAY - timedelta(days=1),
                }
            )
        with self.assertRaisesText(ValidationError, "negative"):
            self.note_model.create(
                {"partner_id": self.customer.id, "outcome": "reached", "duration": -1}
            )
        self.assertEqual(self._counts(), before)

    def test_call_on_another_companys_customer_is_refused(self):
        company_2 = self.setup_other_company(name="Other Co")["company"]
        foreign_customer = self.env["res.partner"].create(
            {
                "name": "Company 2 Customer",
                "is_company": True,
                "company_id": company_2.id,
            }
        )
        before = self.note_model.search_count([])
        with self.assertRaisesText(UserError, "[Ii]ncompatible compan"):
            self.note_model.create(
                {
                    "partner_id": foreign_customer.id,
                    "company_id": self.company.id,
                    "outcome": "reached",
                }
            )
        self.assertEqual(self.note_model.search_count([]), before)

    def test_kept_promise_and_answered_calls_close_their_activities(self):
        """The check planned for the promised day is done once the promise is
        kept; a call planned for today is done by the call that answers it."""
        self.customer.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=TODAY,
            summary="Reminder call",
            user_id=self.collector.id,
        )
        note = self.note_model.with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "outcome": "promised",
                "promise_amount": 1500.0,
                "promise_date": TODAY + timedelta(days=3),
            }
        )
        open_activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        # the reminder call is done; the check of the promise is planned
        self.assertEqual(open_activities, note.activity_id)
        self.assertEqual(note.activity_id.date_deadline, TODAY + timedelta(days=3))
        done = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                (
                    "mail_activity_type_id",
                    "=",
                    self.env.ref("mail.mail_activity_data_call").id,
                ),
            ]
        )
        self.assertIn("Answered by the contact of", done.body)
        self.pay(self.overdue_1 | self.overdue_2, pay_date=TODAY + timedelta(days=2))
        self.note_model._b2b_evaluate_promises(today=TODAY + timedelta(days=4))
        self.assertEqual(note.promise_state, "kept")
        self.assertFalse(note.activity_id.exists())
