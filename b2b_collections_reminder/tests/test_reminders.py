from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase
from odoo.addons.b2b_collections_reminder.models.b2b_collection_run import (
    B2bCollectionRun,
)
from odoo.addons.b2b_collections_reminder.models.b2b_collection_run_batch import (
    B2bCollectionRunBatch,
)


class B2bRemindersCase(B2bCollectionsCase):
    """A five-level ladder on the test company (TODAY is a Tuesday)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.b2b_fee_account_id = cls.company_data["default_account_revenue"]
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Test reminder",
                "model_id": cls.env.ref(
                    "b2b_collections_reminder.model_b2b_collection_contact"
                ).id,
                "subject": "{{ object.level_id.name }} for {{ object.partner_id.name }}",
                "partner_to": "{{ object.recipient_id.id }}",
                "body_html": "<p>Invoices: "
                '<t t-foreach="object._b2b_invoice_rows()" t-as="line">'
                '<t t-out="line.move_id.name"/> </t></p>',
            }
        )
        stage = cls.stage
        cls.policy = cls.env["b2b.collection.policy"].create(
            {
                "name": "Test ladder",
                "company_id": cls.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Courtesy",
                            "trigger_days": -3,
                            "mail_template_id": cls.template.id,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "First",
                            "trigger_days": 7,
                            "mail_template_id": cls.template.id,
                            "stage_id": stage("reminded").id,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "Second",
                            "trigger_days": 21,
                            "mail_template_id": cls.template.id,
                            "channel_call": True,
                            "stage_id": stage("reminded").id,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 4,
                            "name": "Final",
                            "trigger_days": 45,
                            "mail_template_id": cls.template.id,
                            "channel_letter": True,
                            "channel_call": True,
                            "stage_id": stage("final_notice").id,
                            "credit_hold": True,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 5,
                            "name": "Pre-agency",
                            "trigger_days": 75,
                            "channel_email": False,
                            "channel_letter": True,
                            "propose_agency": True,
                        }
                    ),
                ],
            }
        )
        cls.levels = {level.name: level for level in cls.policy.level_ids}
        cls.company.write({"b2b_policy_id": cls.policy.id, "b2b_max_contacts_7d": 3})
        cls.customer.b2b_collection_contact_id = cls.customer_contact
        # the engine runs as superuser, like the scheduled action
        cls.Run = cls.env["b2b.collection.run"].sudo()

    def plan(self, today=TODAY, sent_only=False):
        actions = self.Run._b2b_plan(self.company, today)
        if sent_only:
            actions = [a for a in actions if not a["pause"]]
        return actions

    def summary(self, actions):
        """(customer, level, invoices, pause) of each action, sorted."""
        return sorted(
            (
                a["partner_id"],
                self.env["b2b.collection.policy.level"].browse(a["level_id"]).name,
                tuple(sorted(a["move_ids"])),
                a["pause"],
            )
            for a in actions
        )

    def run_now(self, **kwargs):
        run = self.Run.create(
            {
                "company_id": self.company.id,
                "date": TODAY,
                "trigger": "manual",
                **kwargs,
            }
        )
        run._b2b_execute()
        return run

    def sent_lines(self, moves):
        return self.env["b2b.collection.contact.line"].search(
            [("move_id", "in", moves.ids)]
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestReminderPlan(B2bRemindersCase):
    def test_one_reminder_per_customer_at_its_highest_level(self):
        a = self.invoice(100.0, due=TODAY - timedelta(days=10))
        b = self.invoice(200.0, due=TODAY - timedelta(days=12))
        c = self.invoice(300.0, due=TODAY - timedelta(days=30))
        self.invoice(400.0, due=TODAY + timedelta(days=10))  # nothing due yet
        actions = self.plan()
        self.assertEqual(
            self.summary(actions),
            [(self.customer.id, "Second", tuple(sorted((a | b | c).ids)), None)],
        )
        (action,) = actions
        self.assertEqual(
            {row["move_id"]: row["level_id"] for row in action["rows"]},
            {
                a.id: self.levels["First"].id,
                b.id: self.levels["First"].id,
                c.id: self.levels["Second"].id,
            },
        )
        self.assertEqual(action["recipient_id"], self.customer_contact.id)
        self.assertEqual(action["amount"], 600.0)
        # the channels of the highest level
        self.assertEqual(
            (action["channel_email"], action["channel_letter"], action["channel_call"]),
            (True, False, True),
        )
        self.assertIn("30 days overdue", action["reason"])

    def test_courtesy_reminder_before_due_date(self):
        soon = self.invoice(100.0, due=TODAY + timedelta(days=2))
        self.invoice(100.0, due=TODAY + timedelta(days=5))
        self.assertEqual(
            self.summary(self.plan()),
            [(self.customer.id, "Courtesy", (soon.id,), None)],
        )

    def test_first_contact_jumps_to_the_level_reached_and_never_repeats(self):
        old = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.assertEqual(
            self.summary(self.plan()), [(self.customer.id, "Final", (old.id,), None)]
        )
        self.run_now()
        self.assertEqual(self.plan(sent_only=True), [])
        with freeze_time(TODAY + timedelta(days=30)):
            later = TODAY + timedelta(days=30)
            self.assertEqual(
                self.summary(self.plan(today=later)),
                [(self.customer.id, "Pre-agency", (old.id,), None)],
            )

    def test_paused_items_show_their_reason(self):
        disputed = self.invoice(100.0, due=TODAY - timedelta(days=10))
        disputed.b2b_disputed = True
        promised_stage = self.invoice(100.0, due=TODAY - timedelta(days=11))
        promised_stage.b2b_collection_stage_id = self.stage("promise")
        other = self.env["res.partner"].create(
            {"name": "Quiet Shop", "is_company": True, "email": "q@example.com"}
        )
        dnc = self.invoice(100.0, due=TODAY - timedelta(days=10), partner=other)
        other.write(
            {"b2b_do_not_contact": True, "b2b_do_not_contact_reason": "Insolvency"}
        )
        promised = self.env["res.partner"].create(
            {"name": "Promising Shop", "is_company": True, "email": "p@example.com"}
        )
        promise_inv = self.invoice(
            100.0, due=TODAY - timedelta(days=10), partner=promised
        )
        self.env["b2b.collection.note"].create(
            {
                "partner_id": promised.id,
                "outcome": "promised",
                "promise_amount": 100.0,
                "promise_date": TODAY + timedelta(days=3),
                "invoice_ids": [Command.set(promise_inv.ids)],
            }
        )
        promise_inv.b2b_collection_stage_id = self.stage(
            "reminded"
        )  # only the promise pauses
        self.assertEqual(
            self.summary(self.plan()),
            sorted(
                [
                    (self.customer.id, "First", (disputed.id,), "disputed"),
                    (self.customer.id, "First", (promised_stage.id,), "stage"),
                    (other.id, "First", (dnc.id,), "do_not_contact"),
                    (promised.id, "First", (promise_inv.id,), "promise"),
                ]
            ),
        )
        run = self.run_now()
        self.assertFalse(run.contact_ids)

    def test_minimum_amount_tolerance(self):
        self.levels["First"].min_amount = 150.0
        small = self.invoice(100.0, due=TODAY - timedelta(days=10))
        self.assertEqual(
            self.summary(self.plan()),
            [(self.customer.id, "First", (small.id,), "below_minimum")],
        )
        self.invoice(60.0, due=TODAY - timedelta(days=9))
        self.assertEqual([a["pause"] for a in self.plan()], [None])

    def test_contact_limit_over_rolling_seven_days(self):
        inv = self.invoice(100.0, due=TODAY - timedelta(days=10))
        for days_ago in (1, 3, 6):
            self.env["b2b.collection.note"].create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "no_answer",
                    "date": datetime(2026, 3, 31) - timedelta(days=days_ago),
                }
            )
        self.assertEqual(
            self.summary(self.plan()),
            [(self.customer.id, "First", (inv.id,), "contact_limit")],
        )
        # an inbound call is not a contact we made
        self.env["b2b.collection.note"].search([], limit=1).direction = "inbound"
        self.assertEqual([a["pause"] for a in self.plan()], [None])

    def test_contact_limit_counts_one_reminder_per_customer(self):
        self.company.b2b_max_contacts_7d = 1
        self.invoice(100.0, due=TODAY - timedelta(days=10))
        self.invoice(100.0, due=TODAY - timedelta(days=30))
        # two levels due, one reminder: within a limit of one contact
        self.assertEqual([a["pause"] for a in self.plan()], [None])
        self.run_now(with_statement=False)
        self.invoice(100.0, due=TODAY - timedelta(days=50))
        self.assertEqual([a["pause"] for a in self.plan()], ["contact_limit"])

    def test_quiet_weekday(self):
        inv = self.invoice(100.0, due=TODAY - timedelta(days=10))
        saturday = date(2026, 4, 4)
        with freeze_time(saturday):
            self.assertEqual(
                self.summary(self.plan(today=saturday)),
                [(self.customer.id, "First", (inv.id,), "quiet_day")],
            )
        self.company.b2b_quiet_tuesday = True
        self.assertEqual(self.plan()[0]["pause"], "quiet_day")

    def test_no_email_falls_back_to_letter_and_call(self):
        shop = self.env["res.partner"].create(
            {"name": "Offline Shop", "is_company": True}
        )
        self.invoice(100.0, due=TODAY - timedelta(days=10), partner=shop)
        (action,) = self.plan()
        self.assertEqual(
            (action["channel_email"], action["channel_letter"], action["channel_call"]),
            (False, True, True),
        )
        self.assertIn("No email address for Offline Shop", action["note"])
        run = self.run_now()
        contact = run.contact_ids
        self.assertEqual(contact.note, action["note"])
        self.assertTrue(contact.activity_id)
        self.assertFalse(contact.message_id)
        self.assertEqual(contact.delivery_state, "none")


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestReminderRun(B2bRemindersCase):
    def test_run_sends_records_and_is_idempotent(self):
        first = self.invoice(100.0, due=TODAY - timedelta(days=10))
        second = self.invoice(300.0, due=TODAY - timedelta(days=30))
        run = self.run_now(with_statement=False)
        # one reminder for the customer, at the highest level due, each
        # invoice with its own level
        contact = run.contact_ids
        self.assertRecordValues(
            contact,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.levels["Second"].id,
                    "recipient_id": self.customer_contact.id,
                    "collector_id": self.collector.id,
                    "channel_email": True,
                    "channel_call": True,
                    "amount_total": 400.0,
                    "delivery_state": "outgoing",
                },
            ],
        )
        lines = contact.line_ids.sorted("days_overdue")
        self.assertEqual(lines.move_id, first | second)
        self.assertEqual(lines.mapped("days_overdue"), [10, 30])
        self.assertEqual(lines.level_id.mapped("name"), ["First", "Second"])
        # The email: rendered from the level's template, to the AP contact,
        # queued (sent by the mail queue once the batch is committed).
        message = contact.message_id
        self.assertEqual(message.subject, f"Second for {self.customer.name}")
        self.assertIn(first.name, message.body)
        self.assertIn(second.name, message.body)
        self.assertEqual(message.partner_ids, self.customer_contact)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.state, "outgoing")
        # The call: an activity for the collector.
        self.assertEqual(contact.activity_id.user_id, self.collector)
        self.assertEqual(contact.activity_id.activity_type_id.category, "phonecall")
        # Invoices moved and remember their level; the customer's chatter says it.
        self.assertRecordValues(
            first | second,
            [
                {
                    "b2b_reminder_level_id": self.levels["First"].id,
                    "b2b_last_reminder_date": TODAY,
                    "b2b_collection_stage_id": self.stage("reminded").id,
                },
                {
                    "b2b_reminder_level_id": self.levels["Second"].id,
                    "b2b_last_reminder_date": TODAY,
                    "b2b_collection_stage_id": self.stage("reminded").id,
                },
            ],
        )
        self.assertIn(
            "Second (Email, Call)",
            self.customer.message_ids[-1:].body
            + "".join(self.customer.message_ids.mapped("body")),
        )
        # Running again sends nothing.
        again = self.run_now()
        self.assertFalse(again.contact_ids)
        self.assertEqual(len(self.sent_lines(first | second)), 2)

    def test_preview_equals_what_is_sent(self):
        shop = self.env["res.partner"].create(
            {"name": "Second Shop", "is_company": True, "email": "s@example.com"}
        )
        self.invoice(100.0, due=TODAY - timedelta(days=10))
        self.invoice(200.0, due=TODAY - timedelta(days=50))
        self.invoice(300.0, due=TODAY - timedelta(days=22), partner=shop)
        paused = self.invoice(50.0, due=TODAY - timedelta(days=23), partner=shop)
        paused.b2b_disputed = True
        action = self.env["b2b.collection.run.wizard"].action_b2b_open()
        wizard = self.env["b2b.collection.run.wizard"].browse(action["res_id"])
        preview = {
            (line.partner_id.id, line.level_id.id, tuple(sorted(line.move_ids.ids)))
            for line in wizard.line_ids
            if not line.pause
        }
        # one line per customer: ours (two invoices, the final notice), the
        # shop's, and the shop's disputed invoice, held
        self.assertEqual(len(preview), 2)
        self.assertEqual(wizard.paused_count, 1)
        self.assertEqual(wizard.line_ids.filtered("pause").move_ids, paused)
        with Form(wizard) as form:
            form.with_statement = False
        result = wizard.action_send()
        run = self.env["b2b.collection.run"].browse(result["res_id"])
        sent = {
            (c.partner_id.id, c.level_id.id, tuple(sorted(c.line_ids.move_id.ids)))
            for c in run.contact_ids
        }
        self.assertEqual(sent, preview)
        self.assertEqual(run.state, "done")

    def test_late_fee_and_interest_invoice_once_per_invoice_and_level(self):
        final = self.levels["Final"]
        final.write(
            {
                "fee_fixed": 40.0,
                "fee_percent": 2.0,
                "interest_mode": "annual",
                "interest_rate": 10.0,
            }
        )
        inv = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        run = self.run_now(with_statement=False)
        fee = run.contact_ids.fee_move_id
        # 40 + 2% x 1000 = 60 ; interest 1000 x 10% x 50 / 365 = 13.70
        self.assertRecordValues(
            fee,
            [
                {
                    "state": "draft",
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "amount_total": 73.70,
                }
            ],
        )
        self.assertEqual(
            sorted(fee.invoice_line_ids.mapped("price_unit")), [13.70, 60.0]
        )
        self.assertIn(inv.name, fee.ref)
        self.assertEqual(
            set(fee.invoice_line_ids.account_id.ids),
            {self.company.b2b_fee_account_id.id},
        )
        self.assertTrue(self.customer.b2b_credit_hold)
        # the hold says which reminder set it, and when
        self.assertIn("Final", self.customer.b2b_credit_hold_reason)
        self.assertEqual(self.customer.b2b_credit_hold_date, TODAY)
        self.run_now()
        self.assertEqual(
            self.env["account.move"].search_count([("ref", "=", fee.ref)]), 1
        )

    def test_eu_statutory_interest_counts_each_day_once(self):
        eur = self.env.ref("base.EUR")
        # the reference rate in force on 1 January 2026
        self.env["b2b.collection.reference.rate"].create(
            {"currency_id": eur.id, "date_from": date(2026, 1, 1), "rate": 4.0}
        )
        statutory = {
            "interest_mode": "eu_statutory",
            "reference_currency_id": eur.id,
            "interest_margin": 8.0,
            "compensation_fixed": 40.0,
            "compensation_currency_id": self.currency.id,
        }
        self.levels["Final"].write(statutory)
        self.levels["Pre-agency"].write(statutory)
        self.company.b2b_fee_auto_post = True
        inv = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        run = self.run_now(with_statement=False)
        # 40 + 1000 x 12% x 50 / 365 = 40 + 16.44
        self.assertEqual(run.contact_ids.fee_move_id.amount_total, 56.44)
        self.assertEqual(run.contact_ids.fee_move_id.state, "posted")
        later = TODAY + timedelta(days=30)
        with freeze_time(later):
            run_2 = self.Run.create(
                {"company_id": self.company.id, "date": later, "trigger": "manual"}
            )
            run_2._b2b_execute()
        # days 51..80 only, no second compensation: 1000 x 12% x 30 / 365 = 9.86
        # (the posted fee invoice of the first run gets its own reminder too, but
        # is never charged itself)
        contact = run_2.contact_ids.filtered(lambda c: inv in c.line_ids.move_id)
        self.assertEqual(contact.level_id, self.levels["Pre-agency"])
        self.assertEqual(contact.fee_move_id.amount_total, 9.86)
        self.assertTrue(self.customer.b2b_agency_proposed)

    def test_broken_promise_escalates_one_level_kept_promise_does_not(self):
        broken = self.invoice(500.0, due=TODAY - timedelta(days=30))
        self.run_now(with_statement=False)  # Second level sent
        note = self.env["b2b.collection.note"].create(
            {
                "partner_id": self.customer.id,
                "outcome": "promised",
                "promise_amount": 500.0,
                "promise_date": TODAY + timedelta(days=2),
                "invoice_ids": [Command.set(broken.ids)],
            }
        )
        self.assertEqual(broken.b2b_collection_stage_id, self.stage("promise"))
        later = TODAY + timedelta(days=3)
        with freeze_time(later):
            self.pay(broken, amount=100.0, pay_date=TODAY + timedelta(days=1))
            self.env["b2b.collection.note"]._b2b_evaluate_promises()
            self.assertRecordValues(
                note, [{"promise_state": "broken", "promise_paid": 100.0}]
            )
            self.assertTrue(broken.b2b_escalate)
            self.assertEqual(broken.b2b_collection_stage_id, self.stage("current"))
            activity = self.customer.activity_ids.filtered(
                lambda a: "Broken promise" in a.summary
            )
            self.assertEqual(activity.user_id, self.collector)
            # 33 days overdue: normally nothing before 45 days; escalated: Final now.
            actions = self.Run._b2b_plan(self.company, later)
            self.assertEqual(
                self.summary(actions), [(self.customer.id, "Final", (broken.id,), None)]
            )

    def test_kept_promise(self):
        inv = self.invoice(500.0, due=TODAY - timedelta(days=30))
        note = self.env["b2b.collection.note"].create(
            {
                "partner_id": self.customer.id,
                "outcome": "promised",
                "promise_amount": 500.0,
                "promise_date": TODAY + timedelta(days=2),
            }
        )
        self.pay(inv, amount=496.0, pay_date=TODAY + timedelta(days=2))  # within 1%
        with freeze_time(TODAY + timedelta(days=3)):
            self.env["b2b.collection.note"]._b2b_evaluate_promises()
        self.assertEqual(note.promise_state, "kept")
        self.assertFalse(inv.b2b_escalate)

    def test_dispute_expiry_resumes_the_ladder(self):
        inv = self.invoice(100.0, due=TODAY - timedelta(days=10))
        inv.write(
            {"b2b_disputed": True, "b2b_dispute_expiry": TODAY - timedelta(days=1)}
        )
        self.assertEqual(self.plan()[0]["pause"], "disputed")
        self.env["account.move"]._b2b_expire_disputes()
        self.assertFalse(inv.b2b_disputed)
        self.assertEqual(inv.b2b_collection_stage_id, self.stage("current"))
        self.assertEqual(self.plan()[0]["pause"], None)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestReminderSafety(B2bRemindersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shops = cls.env["res.partner"].create(
            [
                {
                    "name": f"Shop {i}",
                    "is_company": True,
                    "email": f"shop{i}@example.com",
                }
                for i in range(4)
            ]
        )
        cls.moves = cls.env["account.move"]
        for shop in cls.shops:
            cls.moves |= cls.invoice(
                100.0, due=TODAY - timedelta(days=10), partner=shop
            )

    def assertSentOnce(self):
        lines = self.sent_lines(self.moves)
        self.assertEqual(sorted(lines.move_id.ids), sorted(self.moves.ids))
        self.assertEqual(len(lines), len(self.moves))
        contacts = self.env["b2b.collection.contact"].search(
            [("partner_id", "in", self.shops.ids)]
        )
        self.assertEqual(len(contacts), len(self.shops))

    def test_crash_between_batches_then_rerun_sends_each_level_once(self):
        calls = []
        original = B2bCollectionRunBatch._b2b_lock_partners

        def crash_on_third_batch(run_self, partner_ids, limit=None):
            calls.append(partner_ids)
            if len(calls) == 3:
                raise KeyboardInterrupt("worker killed")
            return original(run_self, partner_ids, limit=limit)

        run = self.Run.create(
            {
                "company_id": self.company.id,
                "date": TODAY,
                "trigger": "cron",
                "with_statement": False,
            }
        )
        crashed = False
        with patch.object(
            B2bCollectionRunBatch, "_b2b_lock_partners", crash_on_third_batch
        ):
            # not assertRaises: it would roll back the batches already "committed"
            try:
                run._b2b_execute(batch_size=1)
            except KeyboardInterrupt:
                crashed = True
        self.assertTrue(crashed)
        # the two first batches are kept (committed), the third is lost
        self.assertEqual(len(self.sent_lines(self.moves)), 2)
        # the scheduler starts again: the rest is sent, nothing twice
        cron_run = (
            self.Run.sudo()._cron_b2b_send_reminders
        )  # the scheduler runs as root
        cron_run(batch_size=1, company_ids=self.company.ids)
        cron_run(batch_size=1, company_ids=self.company.ids)
        self.assertSentOnce()
        cron_run(company_ids=self.company.ids)
        self.assertSentOnce()

    def test_a_failing_customer_is_logged_and_skipped(self):
        original = B2bCollectionRun._b2b_send
        broken_shop = self.shops[1]

        def fail_for_one(run_self, action):
            if action["partner_id"] == broken_shop.id:
                raise ValueError("template exploded")
            return original(run_self, action)

        with patch.object(B2bCollectionRun, "_b2b_send", fail_for_one):
            run = self.run_now(with_statement=False)
        self.assertEqual(run.contact_ids.partner_id, self.shops - broken_shop)
        self.assertRecordValues(
            run.issue_ids,
            [{"partner_id": broken_shop.id, "message": "template exploded"}],
        )
        self.assertFalse(
            self.sent_lines(self.moves.filtered(lambda m: m.partner_id == broken_shop))
        )
        # the next run sends it
        self.run_now(with_statement=False)
        self.assertSentOnce()

    def test_database_refuses_a_second_send_of_a_level(self):
        self.run_now(with_statement=False)
        line = self.sent_lines(self.moves)[:1]
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                line.sudo().copy({"contact_id": line.contact_id.id})


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPolicyConfiguration(B2bRemindersCase):
    def test_bad_ladders_are_refused(self):
        Level = self.env["b2b.collection.policy.level"]
        base = {"policy_id": self.policy.id, "mail_template_id": self.template.id}
        cases = [
            ({"name": "Dup", "trigger_days": 7, "sequence": 9}, "same number of days"),
            ({"name": "Early", "trigger_days": 1, "sequence": 99}, "out of order"),
            (
                {"name": "Neg", "trigger_days": 100, "sequence": 99, "fee_fixed": -1},
                "cannot be negative",
            ),
            (
                {
                    "name": "Rate",
                    "trigger_days": 100,
                    "sequence": 99,
                    "interest_rate": -2,
                },
                "percentage between 0 and 100",
            ),
            (
                {
                    "name": "NoTpl",
                    "trigger_days": 100,
                    "sequence": 99,
                    "mail_template_id": False,
                },
                "choose its email template",
            ),
            (
                {
                    "name": "None",
                    "trigger_days": 100,
                    "sequence": 99,
                    "channel_email": False,
                },
                "at least one channel",
            ),
        ]
        for vals, message in cases:
            with (
                self.subTest(vals=vals),
                self.assertRaisesText(ValidationError, message),
            ):
                Level.create({**base, **vals})
        self.assertEqual(len(self.policy.level_ids), 5)

    def test_fees_need_an_income_account(self):
        self.company.b2b_fee_account_id = False
        with self.assertRaisesText(ValidationError, "late fee income account"):
            self.levels["Final"].fee_fixed = 25.0


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDisputes(B2bRemindersCase):
    def test_dispute_pauses_then_resolution_resumes(self):
        inv = self.invoice(100.0, due=TODAY - timedelta(days=10))
        other = self.invoice(100.0, due=TODAY - timedelta(days=11))
        action = inv.action_b2b_open_dispute()
        with Form(
            self.env["b2b.collection.dispute"].with_context(**action["context"])
        ) as form:
            form.reason = "Goods never arrived"
            form.expiry_date = TODAY + timedelta(days=30)
        dispute = form.record
        self.assertRecordValues(
            inv,
            [
                {
                    "b2b_disputed": True,
                    "b2b_dispute_reason": "Goods never arrived",
                    "b2b_collection_stage_id": self.stage("disputed").id,
                }
            ],
        )
        self.assertEqual(
            {a["move_ids"][0]: a["pause"] for a in self.plan()},
            {inv.id: "disputed", other.id: None},
        )
        refund = self.invoice(100.0, due=TODAY, move_type="out_refund")
        action = inv.action_b2b_resolve_dispute()
        with Form(
            self.env[action["res_model"]].with_context(**action["context"])
        ) as wizard:
            wizard.outcome = "credit_note"
            wizard.credit_note_id = refund
            wizard.note = "Credited in full"
        wizard.record.action_resolve()
        self.assertRecordValues(
            dispute,
            [
                {
                    "state": "resolved",
                    "outcome": "credit_note",
                    "credit_note_id": refund.id,
                    "date_resolved": TODAY,
                    "days_to_resolve": 0,
                }
            ],
        )
        self.assertFalse(inv.b2b_disputed)
        self.assertEqual(inv.b2b_collection_stage_id, self.stage("current"))
        self.assertIsNone(
            next(a for a in self.plan() if inv.id in a["move_ids"])["pause"]
        )
        with self.assertRaisesText(UserError, "Only open disputes"):
            dispute._b2b_close("resolved", "rejected")

    def test_dispute_expires(self):
        inv = self.invoice(100.0, due=TODAY - timedelta(days=10))
        dispute = self.env["b2b.collection.dispute"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(inv.ids)],
                "reason": "Price",
                "date_open": TODAY - timedelta(days=20),
                "expiry_date": TODAY - timedelta(days=1),
            }
        )
        self.env["account.move"]._b2b_expire_disputes()
        self.assertRecordValues(
            dispute, [{"state": "expired", "outcome": "expired", "days_to_resolve": 20}]
        )
        self.assertFalse(inv.b2b_disputed)

    def test_dispute_validation(self):
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        foreign = self.invoice(100.0, due=TODAY, partner=other)
        with self.assertRaisesText(ValidationError, "not invoices of"):
            self.env["b2b.collection.dispute"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(foreign.ids)],
                    "reason": "x",
                }
            )
        inv = self.invoice(100.0, due=TODAY)
        with self.assertRaisesText(ValidationError, "expire before"):
            self.env["b2b.collection.dispute"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(inv.ids)],
                    "reason": "x",
                    "expiry_date": TODAY - timedelta(days=1),
                }
            )
        self.assertFalse(inv.b2b_disputed)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDelivery(B2bRemindersCase):
    def test_bounced_email_shows_on_the_contact_log(self):
        self.invoice(100.0, due=TODAY - timedelta(days=10))
        contact = self.run_now(with_statement=False).contact_ids
        self.assertEqual(contact.delivery_state, "outgoing")
        # (bounce processing runs as superuser)
        notification = contact.message_id.sudo().notification_ids.filtered(
            lambda n: n.res_partner_id == self.customer_contact
        )
        self.assertEqual(len(notification), 1)
        notification.write({"notification_status": "sent"})
        self.assertEqual(contact.delivery_state, "sent")
        notification.write(
            {"notification_status": "bounce", "failure_type": "mail_bounce"}
        )
        self.assertEqual(contact.delivery_state, "bounced")
        bounced = (
            self.env["b2b.collection.contact"]
            .with_user(self.collector)
            .search([("delivery_state", "in", ("bounced", "exception"))])
        )
        self.assertEqual(bounced, contact)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestOneReminderPerCustomer(B2bRemindersCase):
    """The first morning: invoices at every level at once, one reminder per
    customer at the highest level, each invoice at its own level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.b2b_max_contacts_7d = 1
        day = timedelta(days=1)
        cls.not_due = cls.invoice(100.0, due=TODAY + 2 * day)  # courtesy
        cls.first = cls.invoice(200.0, due=TODAY - 10 * day)  # First
        cls.second = cls.invoice(300.0, due=TODAY - 30 * day)  # Second
        cls.final = cls.invoice(400.0, due=TODAY - 50 * day)  # Final
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Retail", "is_company": True, "email": "ap@other.example"}
        )
        # overdue by 3 days: no level yet, and never the courtesy one
        cls.late_3 = cls.invoice(50.0, due=TODAY - 3 * day, partner=cls.other)
        cls.other_first = cls.invoice(70.0, due=TODAY - 8 * day, partner=cls.other)

    def test_one_reminder_at_the_highest_level_each_invoice_at_its_own(self):
        actions = self.plan(sent_only=True)
        self.assertEqual(
            self.summary(actions),
            sorted(
                [
                    (
                        self.customer.id,
                        "Final",
                        tuple(
                            sorted(
                                (
                                    self.not_due | self.first | self.second | self.final
                                ).ids
                            )
                        ),
                        None,
                    ),
                    (self.other.id, "First", (self.other_first.id,), None),
                ]
            ),
        )
        run = self.run_now(with_statement=False)
        contacts = run.contact_ids
        self.assertEqual(len(contacts), 2, "one reminder per customer")
        mine = contacts.filtered(lambda c: c.partner_id == self.customer)
        self.assertEqual(mine.level_id, self.levels["Final"])
        self.assertEqual(mine.amount_total, 1000.0)
        self.assertEqual(
            {line.move_id: line.level_id.name for line in mine.line_ids},
            {
                self.not_due: "Courtesy",
                self.first: "First",
                self.second: "Second",
                self.final: "Final",
            },
        )
        # each invoice remembers its own level; the final notice's stage
        # only on the invoice that reached it
        self.assertEqual(self.first.b2b_reminder_level_id.name, "First")
        self.assertEqual(self.final.b2b_reminder_level_id.name, "Final")
        self.assertEqual(self.final.b2b_collection_stage_id, self.stage("final_notice"))
        self.assertEqual(self.second.b2b_collection_stage_id, self.stage("reminded"))
        # the customer's contact limit (1 in 7 days) is not reached by its
        # own levels: the one reminder went out
        self.assertFalse(run.issue_ids)
        # the next morning: nothing new is due, nothing is sent again
        self.assertFalse(self.Run._b2b_plan(self.company, TODAY + timedelta(days=1)))

    def test_courtesy_only_before_the_due_date(self):
        rows = self.Run._b2b_due_rows(self.company, TODAY, [self.other.id])
        self.assertEqual(
            {row["move_id"]: row["level_id"] for row in rows},
            {self.other_first.id: self.levels["First"].id},
            "an invoice 3 days overdue gets no courtesy reminder",
        )

    def test_the_preview_shows_one_line_per_customer_and_why(self):
        wizard = (
            self.env["b2b.collection.run.wizard"]
            .with_user(self.manager)
            .create({"company_id": self.company.id})
        )
        wizard._b2b_fill_preview()
        mine = wizard.line_ids.filtered(lambda line: line.partner_id == self.customer)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine.level_id, self.levels["Final"])
        self.assertEqual(len(mine.move_ids), 4)
        self.assertIn("the highest level due among 4 invoice(s)", mine.reason)
        self.assertIn(f"{self.first.name} (First)", mine.reason)

    def test_no_agency_notice_to_a_customer_already_with_an_agency(self):
        placed = self.invoice(900.0, due=TODAY - timedelta(days=90))
        placed.b2b_collection_stage_id = self.stage("agency")
        # partly placed: worked in house for the rest...
        self.assertNotEqual(self.customer.b2b_collection_stage_id, self.stage("agency"))
        # ... but never told again of the agency: an invoice old enough for
        # the pre-agency notice gets none
        very_late = self.invoice(500.0, due=TODAY - timedelta(days=80))
        paused = {
            row["move_id"]: action["pause"]
            for action in self.plan()
            for row in action["rows"]
            if action["pause"]
        }
        self.assertEqual(paused[very_late.id], "escalated")
        sent = self.plan(sent_only=True)
        mine = [a for a in sent if a["partner_id"] == self.customer.id]
        self.assertEqual(len(mine), 1)
        self.assertEqual(
            self.env["b2b.collection.policy.level"].browse(mine[0]["level_id"]).name,
            "Final",
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestReminderDelivery(B2bRemindersCase):
    """The chatter says sent only once the mail server sent the email; a
    bounced or failed email plans a call for the collector."""

    def _send(self):
        self.invoice(100.0, due=TODAY - timedelta(days=10))
        run = self.run_now(with_statement=False)
        contact = run.contact_ids
        self.assertIn("The email is queued.", self.customer.message_ids[:1].body)
        self.assertNotIn("sent", self.customer.message_ids[:1].body)
        return contact

    def _notify(self, contact, status, reason=False):
        contact.message_id.notification_ids.filtered(
            lambda n: n.notification_type == "email"
        ).write({"notification_status": status, "failure_reason": reason})

    def test_nothing_to_report_while_queued(self):
        contact = self._send()
        self.env["b2b.collection.contact"]._cron_b2b_follow_deliveries()
        self.assertEqual(contact.delivery_state, "outgoing")
        self.assertFalse(contact.delivery_reported)

    def test_sent_email_is_reported_once(self):
        contact = self._send()
        self._notify(contact, "sent")
        Contact = self.env["b2b.collection.contact"]
        Contact._cron_b2b_follow_deliveries()
        self.assertTrue(contact.delivery_reported)
        self.assertIn(
            "the email to Acme Online Retail, Ann Payable was sent",
            self.customer.message_ids[:1].body,
        )
        count = len(self.customer.message_ids)
        Contact._cron_b2b_follow_deliveries()
        self.assertEqual(len(self.customer.message_ids), count)
        self.assertFalse(contact.failure_activity_id)

    def test_bounced_email_plans_a_call(self):
        contact = self._send()
        self._notify(contact, "bounce", "550 mailbox unavailable")
        self.env["b2b.collection.contact"]._cron_b2b_follow_deliveries()
        self.assertEqual(contact.delivery_state, "bounced")
        body = self.customer.message_ids[:1].body
        self.assertIn("was not delivered (bounced)", body)
        self.assertIn("550 mailbox unavailable", body)
        activity = contact.failure_activity_id
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(activity.res_id, self.customer.id)
        self.assertEqual(activity.date_deadline, TODAY)
        # the worklist says why to call
        row = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(row.reason, "call_due")
