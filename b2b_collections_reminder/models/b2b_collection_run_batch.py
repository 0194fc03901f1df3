"""Running reminder runs: batches of customers, locks, conflicts, the scheduled
action and the recovery of runs interrupted by a crash.

Odoo runs every transaction in REPEATABLE READ: a transaction sees the database
as it was at its first query, and a row lock or an update of a row that another
transaction changed and committed since then fails with a serialization failure.
So runs claim customers with transaction-level advisory locks, which never fail.
Then, customer by customer, the rows the send will write (the customer, its
invoices) are row-locked NOWAIT: not to claim them but to detect, before
anything is rendered, that another transaction changed them or is changing them;
the customer is then rolled back to its savepoint and retried in a fresh
transaction."""

import logging
import threading
from collections import namedtuple
from contextlib import contextmanager
from datetime import timedelta

from psycopg2 import errors as pgerrors

from odoo import _, api, fields, models, modules
from odoo.tools import SQL, mute_logger

from .b2b_collection_run import DEFAULT_BATCH

_logger = logging.getLogger(__name__)

# First keys of the reminder engine's advisory locks (pg_*advisory_xact_lock(int, int)):
LOCK_CUSTOMER = 0x62326301  # a customer being sent to, by any run
LOCK_RUN = 0x62326302  # a manual run being executed (held by its guard transaction)
# Conflicts met by one customer in one run before it is left for the next run.
MAX_RETRIES = 3
# A run that stops is taken over by the scheduled action within this delay.
WATCHDOG_DELAY = timedelta(minutes=15)
BATCH_SIZE_PARAM = "b2b_collections.reminder_batch_size"
CONTACT_LINE_KEY = "b2b_collection_contact_line_move_level_unique"
CONCURRENCY_ERRORS = (
    pgerrors.SerializationFailure,
    pgerrors.LockNotAvailable,
    pgerrors.DeadlockDetected,
)

# What a batch did: customers locked, passed over (held by another run),
# finished (sent, nothing left to send, or given up) and to retry.
BatchResult = namedtuple("BatchResult", "locked held finished retried")


def is_conflict(error):
    """Whether ``error`` comes from another transaction working on the same rows
    (a fresh transaction will see its result), rather than from a bug or bad data."""
    if isinstance(error, CONCURRENCY_ERRORS):
        return True
    # another run committed this reminder after our snapshot
    return (
        isinstance(error, pgerrors.UniqueViolation)
        and error.diag.constraint_name == CONTACT_LINE_KEY
    )


class B2bCollectionRunBatch(models.Model):
    _inherit = "b2b.collection.run"

    # ----------------------------------------------------------- claiming

    @api.model
    def _b2b_lock_partners(self, partner_ids, limit=None):
        """Lock up to ``limit`` customers of ``partner_ids``, in that order,
        with transaction-level advisory locks; the customers another run holds
        are passed over. Never waits and never fails (unlike a row lock on
        ``res_partner``, which fails if anyone edited the customer since this
        transaction began); released at commit or rollback, or when the
        connection dies with its server."""
        if not partner_ids:
            return []
        # unnest() yields the ids in order and LIMIT stops the scan, so no
        # customer beyond the batch is locked.
        rows = self.env.execute_query(
            SQL(
                """
            SELECT todo.id FROM unnest(%(ids)s::int[]) AS todo(id)
             WHERE pg_try_advisory_xact_lock(%(key)s, todo.id)
             LIMIT %(limit)s
            """,
                ids=list(partner_ids),
                key=LOCK_CUSTOMER,
                limit=limit,
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _b2b_claim_customers(self, todo, batch_size):
        """The next ``batch_size`` customers of ``todo`` that no other run holds,
        locked; and those passed over because another run holds them."""
        locked = self._b2b_lock_partners(todo, limit=batch_size)
        # every customer up to the last one locked was tried (all if fewer)
        tried = (
            todo[: todo.index(locked[-1]) + 1] if len(locked) == batch_size else todo
        )
        locked_set = set(locked)
        return locked, [pid for pid in tried if pid not in locked_set]

    @api.model
    def _b2b_claim_rows(self, partner_id, move_ids):
        """Row-lock the customer and the invoices about to be reminded (the
        send writes them: stages, reminder level, the customer's stage and
        escalation flags) and give the invoices their portal token (the pay-now
        links), in one round trip. Fails at once, before anything is rendered,
        when another transaction holds one of these rows (a payment being
        posted, a user saving the customer) or changed one since this
        transaction began (a payment, an edit, another run that just reminded
        it): a concurrency error, retried in a fresh transaction. Once they are
        locked, no later write of the send can fail on them."""
        self.env["account.move"].flush_model(["access_token"])
        # the failure is expected and handled: keep it out of the error log
        with mute_logger("odoo.sql_db"):
            self.env.execute_query(
                SQL(
                    """
                SELECT id FROM res_partner WHERE id = %(partner)s
                   FOR NO KEY UPDATE NOWAIT;
                SELECT id FROM account_move WHERE id IN %(moves)s
                 ORDER BY id FOR NO KEY UPDATE NOWAIT;
                UPDATE account_move SET access_token = gen_random_uuid()::text
                 WHERE id IN %(moves)s AND access_token IS NULL
                """,
                    partner=partner_id,
                    moves=tuple(set(move_ids)),
                )
            )
        self.env["account.move"].invalidate_model(["access_token"])

    # ------------------------------------------------------------ batches

    def _b2b_todo(self, allowed=None):
        """Customers with a reminder to send today, in planning order, those
        retried after a conflict first; without the customers the run gave up on
        (failed, or retried too often)."""
        self.ensure_one()
        skipped = set(
            self.issue_ids.filtered(lambda i: i.kind == "error").partner_id.ids
        )
        retried = set(
            self.issue_ids.filtered(lambda i: i.kind == "retry").partner_id.ids
        )
        todo = dict.fromkeys(
            a["partner_id"]
            for a in self._b2b_plan(self.company_id, self.date)
            if not a["pause"]
            and a["partner_id"] not in skipped
            and (allowed is None or (a["partner_id"], a["level_id"]) in allowed)
        )
        return [pid for pid in todo if pid in retried] + [
            pid for pid in todo if pid not in retried
        ]

    def _b2b_run_batch(self, batch_size=DEFAULT_BATCH, allowed=None, todo=None):
        """Send the reminders of the next ``batch_size`` customers of ``todo``
        that no other run holds. Each customer goes in a savepoint: a conflict
        with another transaction rolls it back for a retry, any other error is
        logged in the run's issues and the customer skipped. Returns a
        :class:`BatchResult`."""
        self.ensure_one()
        if todo is None:
            todo = self._b2b_todo(allowed)
        locked, held = self._b2b_claim_customers(todo, batch_size)
        # Planned again for the customers locked: after a commit, this
        # transaction sees what another run has sent since.
        fresh = {}
        for action in self._b2b_plan(self.company_id, self.date, partner_ids=locked):
            key = (action["partner_id"], action["level_id"])
            if not action["pause"] and (allowed is None or key in allowed):
                fresh.setdefault(action["partner_id"], []).append(action)
        finished, retried = [], []
        Contact = self.env["b2b.collection.contact"]
        sent = Contact
        for partner_id in locked:
            actions = fresh.get(partner_id, [])
            try:
                with self.env.cr.savepoint():
                    if actions:
                        self._b2b_claim_rows(
                            partner_id, [m for a in actions for m in a["move_ids"]]
                        )
                    contacts = Contact
                    for action in actions:
                        contacts |= self._b2b_send(action)
                sent |= contacts
            except Exception as error:  # one customer must not stop the run
                self.env.invalidate_all()
                if not is_conflict(error):
                    _logger.exception(
                        "Collections run %s: customer %s failed", self.id, partner_id
                    )
                    self.env["b2b.collection.run.issue"].create(
                        {
                            "run_id": self.id,
                            "partner_id": partner_id,
                            "message": str(error),
                        }
                    )
                elif self._b2b_retry_later(partner_id, error):
                    retried.append(partner_id)
                    continue
            finished.append(partner_id)
        # the batch's emails, rendered together per template
        self._b2b_post_emails(
            sent.filtered(lambda c: c.channel_email and not c.message_id)
        )
        return BatchResult(locked, held, finished, retried)

    def _b2b_retry_later(self, partner_id, error):
        """Record that another transaction changed ``partner_id``'s invoices (or
        sent its reminder) while this run prepared it. Returns True if it is to
        be retried in a fresh transaction, False when it met MAX_RETRIES
        conflicts in this run: it is then left for the next run."""
        _logger.info(
            "Collections run %s: customer %s changed concurrently (%s), retried",
            self.id,
            partner_id,
            type(error).__name__,
        )
        tries = 1 + len(
            self.issue_ids.filtered(
                lambda i: i.kind == "retry" and i.partner_id.id == partner_id
            )
        )
        retry = tries < MAX_RETRIES
        self.env["b2b.collection.run.issue"].create(
            {
                "run_id": self.id,
                "partner_id": partner_id,
                "kind": "retry" if retry else "error",
                "message": _(
                    "Changed by another user or run while its reminder was "
                    "being prepared (a payment, an edit or another run): "
                    "retried in a new transaction."
                )
                if retry
                else _(
                    "Changed by other users or runs while its reminder was being "
                    "prepared, %(count)s times: left for the next run.",
                    count=tries,
                ),
            }
        )
        return retry

    # ---------------------------------------------------------- manual run

    def _b2b_execute(self, batch_size=None, allowed=None):
        """Run every batch (the manual run): planned once, then batch by batch,
        each in a savepoint and committed outside tests. Customers another run
        holds are left to it; customers met by a conflict are retried first
        after the next commit."""
        self.ensure_one()
        batch_size = batch_size or self._b2b_batch_size()
        self._b2b_arm_watchdog()
        left_to_others = 0
        with self._b2b_guard():
            todo = self._b2b_todo(allowed)
            while todo:
                # A crash loses at most the batch in progress.
                with self.env.cr.savepoint():
                    result = self._b2b_run_batch(batch_size, allowed, todo)
                left_to_others += len(result.held)
                settled = set(result.finished) | set(result.held) | set(result.retried)
                todo = result.retried + [pid for pid in todo if pid not in settled]
                if self._b2b_can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                # keep the cache small on long runs
                self.env.invalidate_all()
            # then the letters, a batch per wkhtmltopdf call: the emails and
            # calls of the whole run do not wait for them
            while self._b2b_render_letter_step(batch_size):
                if self._b2b_can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
            if left_to_others:
                self._b2b_note(
                    _(
                        "%(count)s customers were being processed by another run "
                        "and were left to it.",
                        count=left_to_others,
                    )
                )
            self.state = "done"
            # committed before the guard goes: a run seen running without its
            # guard was interrupted
            if self._b2b_can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit

    @contextmanager
    def _b2b_guard(self):
        """Hold a lock on the run, in a transaction of its own, while it
        executes: the scheduled action tells a run being executed from a run
        interrupted by a crash by it (PostgreSQL drops the lock with the
        connection of a killed process). Not at installation (the demo run) nor
        in test mode, where the registry's cursors share the test transaction."""
        if not self.env.registry.ready or self.env.registry.in_test_mode():
            yield
            return
        with self.env.registry.cursor() as guard_cr:
            guard_cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_RUN, self.id)
            )
            yield

    # ------------------------------------------------------- scheduled run

    @api.model
    def _cron_b2b_send_reminders(self, batch_size=None, company_ids=None):
        """Scheduled run: one batch per company per call; the scheduler commits
        and calls again while the progress reports work remaining. Never raises
        (a call that raises moves a daily job to the next day): failures are
        recorded on the run and retried."""
        try:
            with self.env.cr.savepoint():
                done, remaining = self._b2b_cron_call(
                    batch_size or self._b2b_batch_size(), company_ids
                )
        except Exception as error:
            # Safety net: the steps below handle their own failures.
            self.env.invalidate_all()
            if is_conflict(error):
                _logger.info("Collections: scheduled run met a conflict, retried")
                done, remaining = 1, 1  # called again at once, in a new transaction
            else:
                _logger.exception("Collections: the scheduled run failed")
                self._b2b_arm_watchdog()
                done = remaining = 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _b2b_cron_call(self, batch_size, company_ids=None):
        """One call of the scheduled action: returns (done, remaining) for the
        scheduler."""
        if not self._b2b_housekeeping():
            return 1, 1
        today = fields.Date.context_today(self)
        done = remaining = 0
        companies = self.env["res.company"].search(
            [("id", "in", company_ids)] if company_ids else []
        )
        for company in companies:
            run = self._b2b_cron_run(company, today)
            if run.state == "done":
                continue
            step_done, step_remaining = run.with_company(company)._b2b_cron_step(
                batch_size
            )
            done += step_done
            remaining += step_remaining
        if remaining:
            self._b2b_arm_watchdog()
            # The scheduler takes done=0 as "finished" and would wait for
            # tomorrow: a batch entirely held by another run still counts one.
            done = max(done, 1)
        return done, remaining

    @api.model
    def _b2b_housekeeping(self):
        """Settle the promises and disputes whose date has passed, before
        planning. False when a concurrent change stopped it: the next call
        retries it in a fresh transaction. Another failure is logged and the
        reminders go on."""
        try:
            with self.env.cr.savepoint():
                self.env["b2b.collection.note"]._b2b_evaluate_promises()
                self.env["account.move"]._b2b_expire_disputes()
        except Exception as error:
            self.env.invalidate_all()
            if is_conflict(error):
                _logger.info("Collections: promises and disputes changed, retried")
                return False
            _logger.exception("Collections: settling promises and disputes failed")
        return True

    @api.model
    def _b2b_cron_run(self, company, today):
        """Today's scheduled run of ``company``, created by the first call.
        Runs left running by a crash are closed; if one was today's manual run,
        today's scheduled run (re)opens to send what it had left."""
        run = self.search(
            [
                ("company_id", "=", company.id),
                ("date", "=", today),
                ("trigger", "=", "cron"),
            ],
            limit=1,
        ) or self.create(
            {
                "company_id": company.id,
                "date": today,
                "trigger": "cron",
                "with_statement": company.b2b_attach_statement,
            }
        )
        interrupted = self._b2b_interrupted_runs(company, run)
        if interrupted:
            for stopped in interrupted:
                stopped._b2b_note(
                    _(
                        "Interrupted (the server stopped during the run): "
                        "what it had not sent is sent by the scheduled run."
                    )
                )
            interrupted.state = "done"
            if run.state == "done" and any(r.date == today for r in interrupted):
                run.state = "running"
        return run

    @api.model
    def _b2b_interrupted_runs(self, company, current):
        """Runs of ``company`` other than ``current`` still running that nothing
        executes any more: a scheduled run is only executed by the scheduled
        action (this call), a manual run holds its guard lock while it executes.
        Runs still executing elsewhere keep the watchdog armed."""
        running = self.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "running"),
                ("id", "!=", current.id),
            ]
        )
        if not running:
            return running
        manual = running.filtered(lambda r: r.trigger == "manual")
        free = self.env.execute_query(
            SQL(
                "SELECT r.id FROM unnest(%s::int[]) AS r(id)"
                " WHERE pg_try_advisory_xact_lock(%s, r.id)",
                manual.ids,
                LOCK_RUN,
            )
        )
        if len(free) < len(manual):
            self._b2b_arm_watchdog()
        stopped = (running - manual) | self.browse(row[0] for row in free)
        # A run that changed since this transaction began (it just finished)
        # was not interrupted: the row lock fails on it.
        return stopped.filtered(lambda run: run._b2b_try_lock_row())

    def _b2b_try_lock_row(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                self.env.execute_query(
                    SQL(
                        "SELECT id FROM b2b_collection_run WHERE id = %s"
                        " FOR NO KEY UPDATE NOWAIT",
                        self.id,
                    )
                )
        except CONCURRENCY_ERRORS:
            return False
        return True

    def _b2b_cron_step(self, batch_size):
        """One batch of this scheduled run, then, once every reminder is out,
        a batch of letters per call: returns (customers handled, customers or
        letters left). An unexpected failure is rolled back, recorded and
        retried by the next call, MAX_RETRIES times before the run stops."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                todo = self._b2b_todo()
                handled = remaining = 0
                if todo:
                    result = self._b2b_run_batch(batch_size, todo=todo)
                    handled = len(result.locked)
                    remaining = len(todo) - len(result.finished)
                if not remaining:
                    # every reminder is out: then the letters (those of the
                    # company's runs that stopped too), a batch per call
                    remaining = self._b2b_render_letter_step(batch_size, sweep=True)
        except Exception as error:
            self.env.invalidate_all()
            if is_conflict(error):
                _logger.info("Collections run %s: conflict, retried", self.id)
                return 1, 1
            _logger.exception("Collections run %s failed", self.id)
            failures = 1 + len(
                self.issue_ids.filtered(
                    lambda i: i.kind == "error" and not i.partner_id
                )
            )
            self._b2b_note(
                _("The run failed (%(error)s); retried.", error=error), kind="error"
            )
            if failures < MAX_RETRIES:
                return 1, 1
            self._b2b_note(
                _(
                    "Stopped after %(count)s failures: the next run sends what is "
                    "left.",
                    count=failures,
                ),
                kind="error",
            )
            self.state = "done"
            return 1, 0
        if not remaining:
            self.state = "done"
        return handled, remaining

    # ------------------------------------------------------------- helpers

    def _b2b_all_together(self, records, work, what):
        """``work(records)`` in a savepoint; False (logged) when it failed,
        for the caller to do the records one by one (``_b2b_each_alone``)."""
        try:
            with self.env.cr.savepoint():
                work(records)
        except Exception:  # the caller takes them one by one
            _logger.warning(
                "Collections run %s: the %s of %s records failed together, done "
                "one by one",
                self.id,
                what,
                len(records),
                exc_info=True,
            )
            return False
        return True

    def _b2b_each_alone(self, records, work, what):
        """``work(record)`` for each of ``records``, each in a savepoint: the
        failures are logged and returned as {record: error}; the others go
        on."""
        failures = {}
        for record in records:
            try:
                with self.env.cr.savepoint():
                    work(record)
            except Exception as error:  # noted by the caller
                _logger.warning(
                    "Collections run %s: the %s of %s failed",
                    self.id,
                    what,
                    record.display_name,
                    exc_info=True,
                )
                failures[record] = error
        return failures

    @api.model
    def _b2b_arm_watchdog(self):
        """Make sure the scheduled action runs again within WATCHDOG_DELAY,
        whatever happens to the run in progress: killed with its server, or a
        failure that moved the daily job to the next day. That call resumes or
        closes it the same day; if the run ends normally, it finds nothing to do."""
        cron = self.env.ref(
            "b2b_collections_reminder.ir_cron_b2b_send_reminders",
            raise_if_not_found=False,
        )
        if not self.env.registry.ready or not cron or not cron.sudo().active:
            return
        now = fields.Datetime.now()
        pending = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count([("cron_id", "=", cron.id), ("call_at", ">", now)], limit=1)
        )
        if not pending:
            cron.sudo()._trigger(now + WATCHDOG_DELAY)

    def _b2b_note(self, message, kind="info"):
        self.ensure_one()
        self.env["b2b.collection.run.issue"].create(
            {"run_id": self.id, "kind": kind, "message": message}
        )

    @api.model
    def _b2b_batch_size(self):
        """Customers per batch (each batch is a transaction, committed on its
        own): the system parameter ``b2b_collections.reminder_batch_size``, or
        DEFAULT_BATCH."""
        value = self.env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
        try:
            size = int(value or 0)
        except ValueError:
            size = 0
        return size if size > 0 else DEFAULT_BATCH

    @api.model
    def _b2b_can_commit(self):
        """Commit between batches, except in tests (Odoo's runner or pytest)."""
        return not (
            modules.module.current_test
            or getattr(threading.current_thread(), "testing", False)
        )
