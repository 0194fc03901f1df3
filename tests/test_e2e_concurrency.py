"""End-to-end: reminder runs on two Odoo servers at the same time, and a crash.

Two server processes share a copy of the demo database (``B2B_CONC_DB``,
prepared by tools/test.sh). Server A has a cron worker and runs the scheduled
action for real (Odoo's scheduler: progress, rescheduling); server B serves
JSON-RPC: the manual run (Run Reminders Now), a client editing the customers
in a loop and a payment, all while the scheduled run goes. Batches of 3
customers (system parameter) make the runs interleave. Then server A is killed
(SIGKILL) in the middle of a scheduled run and restarted: the run must finish
the same day, shown done, nothing sent twice."""

import os
import threading
import time
import uuid
from datetime import date, timedelta

import psycopg2
import pytest
from conftest import OdooRpc, OdooServer

pytestmark = pytest.mark.e2e

TODAY = date.today()
CRON_XMLID = ("b2b_collections_reminder", "ir_cron_b2b_send_reminders")
# What would mean that a run or the job aborted, in a server log. (The editing
# client's own conflicts are logged as "bad query ... could not serialize
# access" and retried by Odoo: they are no abort.)
ABORT_SIGNS = ("SerializationFailure", "Traceback", "server action #")
RUN_TIMEOUT = 60  # seconds for a run to finish


class Database:
    """A direct connection to the database: what the scheduler's clock and an
    administrator would do (autocommit)."""

    def __init__(self, name):
        self.name = name
        self.connection = psycopg2.connect(dbname=name)
        self.connection.autocommit = True

    def query(self, query, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def wake_cron_workers(self):
        """What Odoo does when a job becomes due (ir.cron._trigger)."""
        listener_db = psycopg2.connect(dbname="postgres")
        try:
            listener_db.autocommit = True
            with listener_db.cursor() as cursor:
                cursor.execute("SELECT pg_notify('cron_trigger', %s)", [self.name])
        finally:
            listener_db.close()


@pytest.fixture(scope="module")
def conc(e2e_env, tmp_path_factory):
    db_name = os.environ.get("B2B_CONC_DB")
    if not db_name:
        pytest.fail("run through `make test`: it prepares B2B_CONC_DB", pytrace=False)
    db = Database(db_name)
    cron_id = db.query(
        "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s",
        CRON_XMLID,
    )[0][0]
    # Only the reminders job runs (no mail queue, no other job), not before
    # the test says so; batches of 3 customers; no quiet day, no statement PDF;
    # the demo's run of this morning moved to yesterday.
    db.query("UPDATE ir_cron SET active = (id = %s)", [cron_id])
    db.query(
        "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day',"
        " failure_count = 0 WHERE id = %s",
        [cron_id],
    )
    db.query("DELETE FROM ir_cron_trigger")
    db.query(
        "INSERT INTO ir_config_parameter (key, value)"
        " VALUES ('b2b_collections.reminder_batch_size', '3')"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )
    db.query(
        "UPDATE res_company SET b2b_quiet_saturday = false,"
        " b2b_quiet_sunday = false, b2b_attach_statement = false"
    )
    db.query("UPDATE b2b_collection_run SET date = date - 1")
    log_dir = tmp_path_factory.mktemp("odoo-conc")
    notify = {"ODOO_NOTIFY_CRON_CHANGES": "1"}
    scheduler = OdooServer(e2e_env, db_name, log_dir / "a", cron_threads=1, env=notify)
    web = OdooServer(e2e_env, db_name, log_dir / "b", env=notify)
    (log_dir / "a").mkdir()
    (log_dir / "b").mkdir()
    try:
        scheduler.launch()
        web.launch()
        scheduler.wait_ready()
        web.wait_ready()
        yield {"db": db, "cron_id": cron_id, "scheduler": scheduler, "web": web}
    finally:
        scheduler.stop()
        web.stop()
        db.connection.close()


def _customers(admin, count, days=25):
    """``count`` new customers with one invoice each, ``days`` overdue (the
    standard ladder's second reminder, e-mail and call), in two requests."""
    tag = uuid.uuid4().hex[:6]
    partners = admin.call(
        "res.partner",
        "create",
        [
            {
                "name": f"Race {tag}-{i:02}",
                "is_company": True,
                "email": f"{tag}{i}@ex.com",
            }
            for i in range(count)
        ],
    )
    invoices = admin.call(
        "account.move",
        "create",
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner,
                "invoice_date": (TODAY - timedelta(days=days + 30)).isoformat(),
                "invoice_date_due": (TODAY - timedelta(days=days)).isoformat(),
                "invoice_line_ids": [
                    (0, 0, {"name": "Goods", "price_unit": 400.0, "tax_ids": [(5,)]})
                ],
            }
            for partner in partners
        ],
    )
    admin.call("account.move", "action_post", invoices)
    return partners, invoices


def _lines(admin, invoices):
    """Number of contact lines per (invoice, level)."""
    counts = {}
    for line in admin.search_read(
        "b2b.collection.contact.line",
        [("move_id", "in", invoices)],
        ["move_id", "level_id"],
    ):
        key = (line["move_id"][0], line["level_id"][0])
        counts[key] = counts.get(key, 0) + 1
    return counts


def _cron_runs(admin, after_id=0):
    return admin.search_read(
        "b2b.collection.run",
        [("trigger", "=", "cron"), ("id", ">", after_id)],
        ["state", "date", "contact_count", "issue_ids"],
    )


def _wait_for(predicate, conc, what):
    """Poll ``predicate`` (waking the cron workers now and then) until true."""
    deadline = time.monotonic() + RUN_TIMEOUT
    tick = 0
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        tick += 1
        if tick % 20 == 0:
            conc["db"].wake_cron_workers()
        time.sleep(0.1)


def _job(conc):
    nextcall, failures = conc["db"].query(
        "SELECT nextcall > now() at time zone 'UTC', failure_count"
        " FROM ir_cron WHERE id = %s",
        [conc["cron_id"]],
    )[0]
    return nextcall, failures


def _log_marks(*servers):
    return {server: len(server.log()) for server in servers}


def _assert_no_abort(marks):
    """Nothing in the servers' logs since ``marks`` says that a run aborted."""
    for server, mark in marks.items():
        log = server.log()[mark:]
        for sign in ABORT_SIGNS:
            assert (
                sign not in log
            ), f"{sign!r} in the log of {server.url}:\n{log[-3000:]}"


def _max_run_id(conc):
    return conc["db"].query("SELECT COALESCE(MAX(id), 0) FROM b2b_collection_run")[0][0]


def test_scheduled_and_manual_runs_with_edits_and_a_payment(conc):
    db, scheduler, web = conc["db"], conc["scheduler"], conc["web"]
    marks = _log_marks(scheduler, web)
    admin = OdooRpc(web.url, db.name, "admin", "admin")
    partners, invoices = _customers(admin, 20)
    paid = invoices[-1]
    first_run = _max_run_id(conc)
    stop, errors, edits = threading.Event(), [], []

    def edit_customers():
        editor = OdooRpc(web.url, db.name, "admin", "admin")
        while not stop.is_set():
            # one customer after the other, as users or a synchronisation do
            partner = partners[len(edits) % len(partners)]
            try:
                editor.call(
                    "res.partner", "write", [partner], {"comment": f"edit {len(edits)}"}
                )
                edits.append(partner)
                time.sleep(0.05)
            except Exception as error:  # reported below
                errors.append(("edit", error))
                return

    manual = {}

    def run_now():
        try:
            user = OdooRpc(web.url, db.name, "admin", "admin")
            action = user.call("b2b.collection.run.wizard", "action_b2b_open")
            result = user.call(
                "b2b.collection.run.wizard", "action_send", [action["res_id"]]
            )
            manual["run_id"] = result["res_id"]
        except Exception as error:  # reported below
            errors.append(("manual run", error))

    editor = threading.Thread(target=edit_customers)
    editor.start()
    # 06:00: the scheduled run starts on server A; Run Reminders Now on B
    db.query(
        "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' WHERE id = %s",
        [conc["cron_id"]],
    )
    db.wake_cron_workers()
    manual_thread = threading.Thread(target=run_now)
    manual_thread.start()
    time.sleep(1.0)
    # a customer pays one invoice meanwhile
    wizard = admin.call(
        "account.payment.register",
        "create",
        {},
        context={"active_model": "account.move", "active_ids": [paid]},
    )
    admin.call("account.payment.register", "action_create_payments", [wizard])
    manual_thread.join(timeout=RUN_TIMEOUT)
    runs = _wait_for(
        lambda: [r for r in _cron_runs(admin, first_run) if r["state"] == "done"],
        conc,
        "the scheduled run to finish",
    )
    _wait_for(lambda: _job(conc)[0], conc, "the scheduler to reschedule the job")
    stop.set()
    editor.join(timeout=30)

    issues = admin.search_read(
        "b2b.collection.run.issue",
        [("run_id", "in", [manual.get("run_id", 0), runs[0]["id"]])],
        ["run_id", "kind", "partner_id", "message"],
    )
    print(f"{len(edits)} edits; issues: {issues}")  # shown if the test fails
    assert not errors, errors
    assert manual.get("run_id")
    assert edits, "the customers were edited during the runs"
    # every reminder once: the second reminder for each invoice, none twice;
    # the invoice paid meanwhile got it at most once (if it was sent before)
    counts = _lines(admin, invoices)
    assert set(counts.values()) == {1}, counts
    assert {move for move, _level in counts} >= set(invoices[:-1])
    # both runs did part of the work, no run left running
    by_run = {
        run_id: admin.search_count(
            "b2b.collection.contact",
            [("run_id", "=", run_id), ("partner_id", "in", partners)],
        )
        for run_id in (manual["run_id"], runs[0]["id"])
    }
    assert sum(by_run.values()) == len(counts), by_run
    assert all(by_run.values()), f"the two runs did not overlap: {by_run}"
    assert not admin.search_count("b2b.collection.run", [("state", "=", "running")])
    # the job ran to the end: next call tomorrow, no failure recorded
    assert _job(conc) == (True, 0)
    _assert_no_abort(marks)


def test_crash_in_the_middle_of_a_scheduled_run(conc):
    db, scheduler, web = conc["db"], conc["scheduler"], conc["web"]
    marks = _log_marks(scheduler, web)
    admin = OdooRpc(web.url, db.name, "admin", "admin")
    _partners, invoices = _customers(admin, 16)
    # a new day for the scheduled run
    db.query("UPDATE b2b_collection_run SET date = date - 1")
    first_run = _max_run_id(conc)
    db.query(
        "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' WHERE id = %s",
        [conc["cron_id"]],
    )
    db.wake_cron_workers()
    # kill server A once two batches are committed
    run = _wait_for(
        lambda: [
            r
            for r in _cron_runs(admin, first_run)
            if r["contact_count"] >= 6 and r["state"] == "running"
        ],
        conc,
        "the scheduled run to commit two batches",
    )[0]
    scheduler.kill()
    time.sleep(0.5)
    interrupted = admin.read_one(
        "b2b.collection.run", run["id"], ["state", "contact_count"]
    )
    assert interrupted["state"] == "running"
    assert interrupted["contact_count"] < len(invoices)
    # the server comes back; the job is still due: its next call resumes the run
    scheduler.start()
    db.wake_cron_workers()
    _wait_for(
        lambda: admin.read_one("b2b.collection.run", run["id"], ["state"])["state"]
        == "done",
        conc,
        "the interrupted run to finish",
    )
    _wait_for(lambda: _job(conc)[0], conc, "the scheduler to reschedule the job")
    finished = admin.read_one(
        "b2b.collection.run", run["id"], ["date", "contact_count"]
    )
    assert finished["date"] == run["date"]  # the same day
    counts = _lines(admin, invoices)
    assert sorted(move for move, _level in counts) == sorted(invoices)
    assert set(counts.values()) == {1}, counts
    assert not admin.search_count("b2b.collection.run", [("state", "=", "running")])
    assert _job(conc) == (True, 0)
    _assert_no_abort(marks)
