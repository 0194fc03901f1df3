"""End-to-end: reminder runs against a real server, with real concurrency.

A second database connection holds a customer as another run would while a run
goes, and two runs are started at the same time over HTTP: every reminder level
must be sent exactly once per invoice. (Two servers, a crash and the scheduler:
test_e2e_concurrency.py.)"""

import threading
import uuid
from datetime import date, timedelta

import psycopg2
import pytest

from odoo.addons.b2b_collections_reminder.models.b2b_collection_run_batch import (
    LOCK_CUSTOMER,
)

pytestmark = pytest.mark.e2e

TODAY = date.today()


QUIET_DAYS = [
    f"b2b_quiet_{day}"
    for day in (
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    )
]


@pytest.fixture(autouse=True, scope="module")
def no_quiet_day(admin):
    """Reminders go out whatever the weekday these tests run on."""
    company_id = admin.call("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    saved = admin.read_one("res.company", company_id, QUIET_DAYS)
    admin.call("res.company", "write", [company_id], dict.fromkeys(QUIET_DAYS, False))
    yield
    admin.call(
        "res.company", "write", [company_id], {day: saved[day] for day in QUIET_DAYS}
    )


def _overdue_customers(admin, count, days=10):
    """New customers, each with one posted invoice ``days`` overdue."""
    tag = uuid.uuid4().hex[:6]
    partners, invoices = [], []
    for index in range(count):
        partner_id = admin.create(
            "res.partner",
            {
                "name": f"Concurrent Shop {tag}-{index}",
                "is_company": True,
                "email": f"ap-{tag}-{index}@example.com",
            },
        )
        move_id = admin.create(
            "account.move",
            {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "invoice_date": (TODAY - timedelta(days=days + 30)).isoformat(),
                "invoice_date_due": (TODAY - timedelta(days=days)).isoformat(),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Goods",
                            "quantity": 1,
                            "price_unit": 250.0,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            },
        )
        admin.call("account.move", "action_post", [move_id])
        partners.append(partner_id)
        invoices.append(move_id)
    return partners, invoices


def _send_now(rpc):
    action = rpc.call("b2b.collection.run.wizard", "action_b2b_open")
    result = rpc.call("b2b.collection.run.wizard", "action_send", [action["res_id"]])
    return result["res_id"]


def _lines_per_invoice(admin, invoices):
    lines = admin.search_read(
        "b2b.collection.contact.line",
        [("move_id", "in", invoices)],
        ["move_id", "level_id"],
    )
    counts = {}
    for line in lines:
        key = (line["move_id"][0], line["level_id"][0])
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_run_skips_a_customer_locked_by_another_transaction(admin, e2e_env):
    (locked, free), (locked_inv, free_inv) = _overdue_customers(admin, 2)
    connection = psycopg2.connect(dbname=e2e_env["B2B_E2E_DB"])
    try:
        with connection.cursor() as cursor:
            # the lock another run holds on the customers it works on
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CUSTOMER, locked]
            )
            run_id = _send_now(admin)
        issues = admin.search_read(
            "b2b.collection.run.issue", [("run_id", "=", run_id)], ["message"]
        )
        assert any("another run" in issue["message"] for issue in issues), issues
        counts = _lines_per_invoice(admin, [locked_inv, free_inv])
        assert [move for move, _level in counts] == [free_inv]
    finally:
        connection.rollback()
        connection.close()
    _send_now(admin)
    counts = _lines_per_invoice(admin, [locked_inv, free_inv])
    assert sorted(move for move, _level in counts) == sorted([locked_inv, free_inv])
    assert set(counts.values()) == {1}


def test_two_runs_at_the_same_time_send_each_level_once(connect, admin):
    _partners, invoices = _overdue_customers(admin, 6, days=25)
    results, errors = [], []

    def run(login):
        try:
            results.append(_send_now(connect(login)))
        except Exception as error:
            errors.append(error)

    # two sessions, as two users starting a run from two browsers
    connect("admin")
    second = connect("admin", "admin")
    assert second is not None
    threads = [threading.Thread(target=run, args=("admin",)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(results) == 2
    counts = _lines_per_invoice(admin, invoices)
    assert sorted(move for move, _level in counts) == sorted(invoices)
    assert set(counts.values()) == {1}, counts
