"""Reminder runs side by side with other transactions: customers held by another
run, invoices changed by another transaction, the scheduler's progress, runs
interrupted by a crash. The other transactions are real: a second connection to
the database (``self.registry.cursor()``) takes the locks another run or a
payment would hold."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.b2b_collections_reminder.models.b2b_collection_run_batch import (
    LOCK_CUSTOMER,
    LOCK_RUN,
    B2bCollectionRunBatch,
)

from .test_reminders import B2bRemindersCase


class B2bConcurrencyCase(B2bRemindersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shops = cls.env["res.partner"].create(
            [
                {"name": f"Shop {i}", "is_company": True, "email": f"s{i}@example.com"}
                for i in range(4)
            ]
        )
        cls.moves = cls.env["account.move"]
        for shop in cls.shops:
            # 10 days overdue: the "First" level (7 days), e-mail only
            cls.moves |= cls.invoice(
                100.0, due=TODAY - timedelta(days=10), partner=shop
            )
        cls.cron = cls.env.ref("b2b_collections_reminder.ir_cron_b2b_send_reminders")

    @contextmanager
    def other_transaction(self):
        """A second connection to the database: another worker or server."""
        cr = self.registry.cursor()
        try:
            yield cr
        finally:
            cr.rollback()
            cr.close()

    def hold_customers(self, cr, partners):
        """What another run holds while it sends to ``partners``."""
        for partner in partners:
            cr.execute(
                SQL(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    LOCK_CUSTOMER,
                    partner.id,
                )
            )
            self.assertTrue(cr.fetchone()[0])

    def cron_call(self, batch_size=10):
        """One call of the scheduled action as the scheduler makes it: with a
        progress record, as root. Returns (done, remaining) as reported."""
        _cron, progress = self.cron._add_progress()
        self.Run.sudo().with_context(
            ir_cron_progress_id=progress.id
        )._cron_b2b_send_reminders(batch_size=batch_size, company_ids=self.company.ids)
        progress.invalidate_recordset()
        return progress.done, progress.remaining

    def cron_run(self):
        return self.Run.search(
            [("company_id", "=", self.company.id), ("trigger", "=", "cron")]
        )

    def lines_per_invoice(self):
        lines = self.sent_lines(self.moves)
        return {
            move: len(lines.filtered(lambda line, m=move: line.move_id == m))
            for move in self.moves
        }

    def assertSentOnce(self):
        self.assertEqual(set(self.lines_per_invoice().values()), {1})

    def manual_run(self):
        return self.Run.create(
            {
                "company_id": self.company.id,
                "date": TODAY,
                "trigger": "manual",
                "with_statement": False,
            }
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestHeldCustomers(B2bConcurrencyCase):
    def test_scheduled_run_waits_for_customers_held_by_another_run(self):
        with self.other_transaction() as other:
            self.hold_customers(other, self.shops)
            # Nothing can be done, but the job must not look finished: the
            # scheduler takes done=0 as "fully done" and waits for tomorrow.
            self.assertEqual(self.cron_call(), (1, 4))
            self.assertEqual(self.cron_run().state, "running")
            self.assertFalse(self.sent_lines(self.moves))
            # the watchdog: the job runs again within 15 minutes, whatever
            # happens to it meanwhile
            trigger = self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.cron.id), ("call_at", ">", datetime.now())]
            )
            self.assertEqual(
                trigger.call_at, datetime(2026, 3, 31) + timedelta(minutes=15)
            )
        # the other run is over (and sent nothing): this one sends all four
        self.assertEqual(self.cron_call(), (4, 0))
        self.assertEqual(self.cron_run().state, "done")
        self.assertSentOnce()
        # a later call the same day finds the run done: fully done, nothing sent
        self.assertEqual(self.cron_call(), (0, 0))
        self.assertSentOnce()

    def test_scheduled_run_goes_past_held_customers(self):
        with self.other_transaction() as other:
            self.hold_customers(other, self.shops[:2])
            # batches of 2: the two free customers beyond the held ones
            self.assertEqual(self.cron_call(batch_size=2), (2, 2))
            self.assertEqual(self.sent_lines(self.moves).move_id, self.moves[2:])
            self.assertEqual(self.cron_call(batch_size=2), (1, 2))
        self.assertEqual(self.cron_call(batch_size=2), (2, 0))
        self.assertSentOnce()

    def test_batch_size_from_system_parameter(self):
        self.env["ir.config_parameter"].set_param(
            "b2b_collections.reminder_batch_size", "3"
        )
        self.assertEqual(self.cron_call(batch_size=None), (3, 1))
        self.assertEqual(self.cron_call(batch_size=None), (1, 0))
        self.env["ir.config_parameter"].set_param(
            "b2b_collections.reminder_batch_size", "not a number"
        )
        self.assertEqual(self.Run._b2b_batch_size(), 50)

    def test_manual_run_leaves_held_customers_to_the_other_run(self):
        run = self.manual_run()
        with self.other_transaction() as other:
            self.hold_customers(other, self.shops[:2])
            run._b2b_execute(batch_size=10)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.contact_ids.partner_id, self.shops[2:])
        self.assertRecordValues(
            run.issue_ids,
            [
                {
                    "kind": "info",
                    "partner_id": False,
                    "message": "2 customers were being processed by another run "
                    "and were left to it.",
                }
            ],
        )
        self.manual_run()._b2b_execute()
        self.assertSentOnce()

    def test_scheduled_run_attaches_the_statement_as_the_company_says(self):
        self.company.b2b_attach_statement = False
        self.cron_call()
        self.assertFalse(self.cron_run().with_statement)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRecovery(B2bConcurrencyCase):
    def crash_manual_run(self, after_batches):
        """A manual run whose server is killed after ``after_batches`` batches
        (as in the crash test of test_reminders: without commits in tests,
        "committed" batches are those before the crash)."""
        run = self.manual_run()
        original = B2bCollectionRunBatch._b2b_lock_partners
        calls = []

        def killed(run_self, partner_ids, limit=None):
            calls.append(partner_ids)
            if len(calls) > after_batches:
                raise KeyboardInterrupt("server killed")
            return original(run_self, partner_ids, limit=limit)

        crashed = False
        with patch.object(B2bCollectionRunBatch, "_b2b_lock_partners", killed):
            # not assertRaises: it would roll back the batches "committed"
            try:
                run._b2b_execute(batch_size=1)
            except KeyboardInterrupt:
                crashed = True
        self.assertTrue(crashed)
        self.assertEqual(run.state, "running")
        return run

    def test_interrupted_manual_run_is_finished_by_the_scheduled_run(self):
        # this morning's scheduled run found nothing yet (the customers were
        # paused); a manual run then crashes after two customers
        self.shops.b2b_do_not_contact = True
        self.assertEqual(self.cron_call(), (0, 0))
        self.assertEqual(self.cron_run().state, "done")
        self.shops.b2b_do_not_contact = False
        run = self.crash_manual_run(after_batches=2)
        self.assertEqual(len(self.sent_lines(self.moves)), 2)
        # the watchdog armed by the manual run calls the scheduled action
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", self.cron.id), ("call_at", ">", datetime.now())]
            )
        )
        self.assertEqual(self.cron_call(), (2, 0))
        self.assertEqual(run.state, "done")
        self.assertIn("Interrupted", run.issue_ids.message)
        cron_run = self.cron_run()
        self.assertEqual(cron_run.state, "done")
        self.assertEqual(cron_run.contact_ids.partner_id, self.shops[2:])
        self.assertSentOnce()

    def test_manual_run_still_executing_elsewhere_is_left_alone(self):
        run = self.crash_manual_run(after_batches=1)
        with self.other_transaction() as other:
            # the run's guard, held by the server that executes it
            other.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_RUN, run.id))
            self.cron_call()
            self.assertEqual(run.state, "running")
        self.cron_call()
        self.assertEqual(run.state, "done")
        self.assertSentOnce()

    def test_failing_call_never_raises_and_stops_after_three_failures(self):
        def broken(run_self, allowed=None):
            raise ValueError("planning exploded")

        with (
            patch.object(B2bCollectionRunBatch, "_b2b_todo", broken),
            mute_logger(
                "odoo.addons.b2b_collections_reminder.models.b2b_collection_run_batch"
            ),
        ):
            # each failure is retried at once by the scheduler (done=1)
            self.assertEqual(self.cron_call(), (1, 1))
            self.assertEqual(self.cron_call(), (1, 1))
            self.assertEqual(self.cron_call(), (1, 0))
        run = self.cron_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(
            run.issue_ids.mapped("message"),
            ["The run failed (planning exploded); retried."] * 3
            + ["Stopped after 3 failures: the next run sends what is left."],
        )

    def test_promises_failing_does_not_stop_the_reminders(self):
        def broken(note_self):
            raise ValueError("promise evaluation exploded")

        Note = type(self.env["b2b.collection.note"])
        with (
            patch.object(Note, "_b2b_evaluate_promises", broken),
            mute_logger(
                "odoo.addons.b2b_collections_reminder.models.b2b_collection_run_batch"
            ),
        ):
            self.assertEqual(self.cron_call(), (4, 0))
        self.assertSentOnce()


class DemoCompanyCase(B2bRemindersCase):
    """Conflicts on invoices another transaction holds or changed since this
    transaction began. The other transaction can only see committed rows, so
    these tests work on the demo company's invoices (installed with the demo
    data), 30 days after the demo's own reminder run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_company = cls.env.ref("base.main_company")
        demo_run = (
            cls.env["b2b.collection.run"]
            .sudo()
            .search([("company_id", "=", cls.demo_company.id)], order="date", limit=1)
        )
        cls.day = demo_run.date + timedelta(days=30)

    def setUp(self):
        super().setUp()
        frozen = freeze_time(self.day)
        frozen.start()
        self.addCleanup(frozen.stop)
        # as the scheduler would: the test user works in another company
        Run = self.Run.sudo().with_company(self.demo_company)
        actions = [
            a for a in Run._b2b_plan(self.demo_company, self.day) if not a["pause"]
        ]
        self.assertTrue(actions, "the demo data has reminders due 30 days later")
        self.partner = self.env["res.partner"].browse(actions[0]["partner_id"])
        self.invoice_ids = [
            m
            for a in actions
            if a["partner_id"] == self.partner.id
            for m in a["move_ids"]
        ]
        self.run = Run.create(
            {
                "company_id": self.demo_company.id,
                "date": self.day,
                "trigger": "manual",
                "with_statement": False,
            }
        )

    def batch(self):
        return self.run.with_context(b2b_collections_no_pdf=True)._b2b_run_batch(
            batch_size=1, todo=[self.partner.id]
        )


@tagged("post_install", "-at_install")
class TestConflicts(DemoCompanyCase):
    def test_invoice_held_by_a_payment_is_retried_then_left_for_the_next_run(self):
        with self.registry.cursor() as payment:
            # a payment being posted on one of the invoices
            payment.execute(
                SQL(
                    "SELECT id FROM account_move WHERE id = %s FOR UPDATE",
                    self.invoice_ids[0],
                )
            )
            result = self.batch()
            self.assertEqual((result.retried, result.finished), ([self.partner.id], []))
            self.assertEqual(self.run.issue_ids.kind, "retry")
            self.assertFalse(self.run.contact_ids)
            # retried customers come first in the next batch
            self.assertEqual(self.run._b2b_todo()[0], self.partner.id)
            self.batch()
            result = self.batch()
            # the third conflict: left for the next run, and said so
            self.assertEqual((result.retried, result.finished), ([], [self.partner.id]))
            self.assertEqual(
                self.run.issue_ids.mapped("kind"), ["retry", "retry", "error"]
            )
            self.assertIn(
                "3 times: left for the next run", self.run.issue_ids[-1].message
            )
            self.assertNotIn(self.partner.id, self.run._b2b_todo())
            payment.rollback()
        # the next run sends it
        run = self.run.copy({"state": "running"})
        run.with_context(b2b_collections_no_pdf=True)._b2b_run_batch(
            batch_size=1, todo=[self.partner.id]
        )
        lines = (
            self.env["b2b.collection.contact.line"]
            .sudo()
            .search(
                [
                    ("move_id", "in", self.invoice_ids),
                    ("contact_id.run_id", "=", run.id),
                ]
            )
        )
        self.assertEqual(run.issue_ids.mapped("message"), [])
        self.assertEqual(sorted(lines.move_id.ids), sorted(self.invoice_ids))


@tagged("post_install", "-at_install")
class TestStaleSnapshot(DemoCompanyCase):
    """In a class of its own: after the commit below, this class's transaction
    can never lock that invoice again."""

    def test_invoice_changed_since_the_transaction_began_is_retried(self):
        with self.registry.cursor() as payment:
            # a payment committed on the invoice after this transaction's
            # snapshot (a no-op change: the row gets a new version)
            payment.execute(
                SQL(
                    "UPDATE account_move SET write_date = write_date WHERE id = %s",
                    self.invoice_ids[0],
                )
            )
            payment.commit()
        result = self.batch()
        self.assertEqual(result.retried, [self.partner.id])
        self.assertFalse(self.run.contact_ids)
        self.assertRecordValues(
            self.run.issue_ids, [{"kind": "retry", "partner_id": self.partner.id}]
        )

    def test_run_changed_since_the_transaction_began_is_not_interrupted(self):
        # a manual run that another server just finished (committed after this
        # transaction began) must not be closed again as interrupted
        demo_run = self.Run.sudo().search(
            [("company_id", "=", self.demo_company.id)], order="date", limit=1
        )
        with self.registry.cursor() as other:
            other.execute(
                SQL(
                    "UPDATE b2b_collection_run SET write_date = write_date"
                    " WHERE id = %s",
                    demo_run.id,
                )
            )
            other.commit()
        self.assertFalse(demo_run._b2b_try_lock_row())
        self.assertTrue(self.run._b2b_try_lock_row())
