"""End-to-end: the Collections workbench driven over HTTP/JSON-RPC, as an outside
client or the web client does it, against a separately started Odoo server on a
copy of the demo database (see conftest.py).

Each test works on its own demo customer of Clara's so that the tests do not
depend on each other's writes."""

import re
import uuid
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.e2e

WORKLIST = "b2b.collection.worklist"
NOTE = "b2b.collection.note"
STAGE = "b2b.collection.stage"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"
ACCESS_ERROR = "odoo.exceptions.AccessError"
# what calls for a call even when the next action is planned later
URGENT_REASONS = (
    "promise_broken",
    "promise_due",
    "call_late",
    "call_due",
    "dispute_expiring",
)
WORKLIST_FIELDS = [
    "partner_id",
    "collector_id",
    "stage_id",
    "amount_overdue",
    "priority",
    "next_action_date",
    "needs_action",
    "reason",
    "do_not_contact",
]
OPEN_OVERDUE_INVOICES = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "in", ["not_paid", "partial"]),
    ("b2b_days_overdue", ">", 0),
]
# The server computes "today" in the user's timezone: allow a day either way.
TODAY = date.today()


def _date(value):
    return date.fromisoformat(value) if value else None


def _id(many2one):
    return many2one[0] if many2one else False


def _xmlid(admin, xmlid):
    module, name = xmlid.split(".")
    return admin.call("ir.model.data", "check_object_reference", module, name)[1]


@pytest.fixture(scope="module")
def stages(admin):
    ids = {
        code: _xmlid(admin, f"b2b_collections.b2b_collection_stage_{code}")
        for code in (
            "current",
            "reminded",
            "final_notice",
            "promise",
            "agency",
            "legal",
        )
    }
    return {**ids, "escalated": (ids["agency"], ids["legal"])}


@pytest.fixture(scope="module")
def clara_customers(clara, stages):
    """Clara's customers that need action, can be called, and whose invoices are
    at most in final notice (none disputed, with an agency or in legal), read
    once before any test writes: each test takes its own."""
    early = {stages["current"], stages["reminded"], stages["final_notice"], False}
    rows = clara.search_read(
        WORKLIST,
        [("needs_action", "=", True), ("collector_id", "=", clara.uid)],
        WORKLIST_FIELDS,
    )
    customers = [
        row["partner_id"][0]
        for row in rows
        if not row["do_not_contact"] and _id(row["stage_id"]) in early
    ]
    assert len(customers) >= 7, f"too few demo customers of Clara to work on: {rows}"
    return customers


def _worklist_row(rpc, partner_id):
    rows = rpc.search_read(WORKLIST, [("partner_id", "=", partner_id)], WORKLIST_FIELDS)
    assert len(rows) == 1, rows
    return rows[0]


def _promise(partner_id, **values):
    return {
        "partner_id": partner_id,
        "outcome": "promised",
        "channel": "phone",
        "promise_amount": 1250.0,
        "promise_date": (TODAY + timedelta(days=10)).isoformat(),
        **values,
    }


# ------------------------------------------------------------------ 1. worklist


def test_needs_action_worklist_is_ordered_by_priority(clara):
    rows = clara.search_read(WORKLIST, [("needs_action", "=", True)], WORKLIST_FIELDS)
    assert len(rows) >= 10, rows
    priorities = [row["priority"] for row in rows]
    assert priorities == sorted(priorities, reverse=True), priorities
    assert priorities[0] > priorities[-1]
    for row in rows:
        assert row["partner_id"], row
        assert row["amount_overdue"] > 0, row
        assert row["needs_action"] is True, row
        assert row["reason"], row
        next_action = _date(row["next_action_date"])
        # a next action planned later holds a customer back, unless a promise,
        # a call planned for today or a dispute calls for it
        assert (
            next_action is None
            or next_action <= TODAY + timedelta(days=1)
            or row["reason"] in URGENT_REASONS
        ), row

    # Customers with a next action planned later are overdue but wait: the demo
    # has one (a follow-up call in three days).
    planned = [
        row
        for row in clara.search_read(
            WORKLIST, [("amount_overdue", ">", 0)], WORKLIST_FIELDS
        )
        if row["next_action_date"]
        and _date(row["next_action_date"]) > TODAY + timedelta(days=1)
    ]
    assert planned, "the demo's planned follow-up is missing from the worklist"
    for row in planned:
        assert not row["needs_action"] or row["reason"] in URGENT_REASONS, row


def test_my_customers_filter_returns_only_the_collectors_customers(clara, omar):
    everyone = clara.search_read(WORKLIST, [], WORKLIST_FIELDS)
    mine = clara.search_read(
        WORKLIST, [("collector_id", "=", clara.uid)], WORKLIST_FIELDS
    )
    assert mine, "Clara has no customer in the demo worklist"
    assert {_id(row["collector_id"]) for row in mine} == {clara.uid}
    # Omar's customers are in the worklist too, but not in Clara's.
    assert any(_id(row["collector_id"]) == omar.uid for row in everyone)
    assert len(mine) < len(everyone)
    # Exactly the worklist customers whose collector is Clara.
    partners = clara.call(
        "res.partner",
        "read",
        [row["partner_id"][0] for row in everyone],
        ["b2b_collector_id"],
    )
    expected = {p["id"] for p in partners if _id(p["b2b_collector_id"]) == clara.uid}
    assert {row["partner_id"][0] for row in mine} == expected


# ------------------------------------------------------------- 2. promise to pay


def test_promise_logged_by_rpc_posts_message_schedules_activity(
    clara, stages, clara_customers
):
    partner_id = clara_customers[0]
    assert _worklist_row(clara, partner_id)["needs_action"] is True
    partner = clara.read_one("res.partner", partner_id, ["b2b_collector_id"])
    assert _id(partner["b2b_collector_id"]) == clara.uid
    invoices_before = clara.search_read(
        "account.move",
        [("commercial_partner_id", "=", partner_id), *OPEN_OVERDUE_INVOICES],
        ["b2b_collection_stage_id"],
    )
    assert invoices_before, "the customer has no overdue invoice"
    assert {_id(inv["b2b_collection_stage_id"]) for inv in invoices_before} != {
        stages["promise"]
    }

    marker = f"e2e promise {uuid.uuid4().hex}"
    promise_date = (TODAY + timedelta(days=12)).isoformat()
    note_id = clara.create(
        NOTE,
        _promise(
            partner_id,
            promise_amount=1234.5,
            promise_date=promise_date,
            summary=marker,
        ),
    )
    assert isinstance(note_id, int)
    note = clara.read_one(
        NOTE, note_id, ["partner_id", "user_id", "outcome", "activity_id"]
    )
    assert _id(note["partner_id"]) == partner_id
    assert _id(note["user_id"]) == clara.uid
    assert note["outcome"] == "promised"

    # The promise is in the customer's chatter.
    messages = clara.search_read(
        "mail.message",
        [
            ("model", "=", "res.partner"),
            ("res_id", "=", partner_id),
            ("body", "ilike", marker),
        ],
        ["body", "author_id", "message_type"],
    )
    assert len(messages) == 1, messages
    body = messages[0]["body"]
    assert "Promised to pay" in body, body  # the outcome
    assert re.search(r"Promised [^<]*1,234\.50[^<]* by ", body), body
    message_ids = clara.read_one("res.partner", partner_id, ["message_ids"])[
        "message_ids"
    ]
    assert messages[0]["id"] in message_ids

    # The collector has an activity on the promised day.
    activities = clara.search_read(
        "mail.activity",
        [
            ("res_model", "=", "res.partner"),
            ("res_id", "=", partner_id),
            ("date_deadline", "=", promise_date),
        ],
        ["user_id", "summary", "date_deadline"],
    )
    assert len(activities) == 1, activities
    assert _id(activities[0]["user_id"]) == clara.uid
    assert "1,234.50" in activities[0]["summary"], activities[0]
    assert _id(note["activity_id"]) == activities[0]["id"]

    # The customer leaves the "needs action" list until the promised day.
    row = _worklist_row(clara, partner_id)
    assert row["needs_action"] is False, row
    assert row["next_action_date"] == promise_date, row
    assert partner_id not in {
        r["partner_id"][0]
        for r in clara.search_read(
            WORKLIST, [("needs_action", "=", True)], ["partner_id"]
        )
    }
    # Its overdue invoices wait for the promise; those with an agency (a
    # customer partly placed is called for the rest) stay with it.
    before = {inv["id"]: _id(inv["b2b_collection_stage_id"]) for inv in invoices_before}
    invoices_after = clara.search_read(
        "account.move",
        [("id", "in", list(before))],
        ["b2b_collection_stage_id", "b2b_next_action_date"],
    )
    kept = set(stages["escalated"])
    moved = [inv for inv in invoices_after if before[inv["id"]] not in kept]
    assert moved, invoices_after
    for invoice in moved:
        assert _id(invoice["b2b_collection_stage_id"]) == stages["promise"], invoice
        assert invoice["b2b_next_action_date"] == promise_date, invoice
    for invoice in invoices_after:
        if before[invoice["id"]] in kept:
            assert _id(invoice["b2b_collection_stage_id"]) == before[invoice["id"]]


# ---------------------------------------------------------------- 3. bad input


@pytest.mark.parametrize(
    ("customer", "values", "message"),
    [
        (
            1,
            {"promise_amount": 0.0},
            "A promise to pay needs a promised date and a promised amount",
        ),
        (2, {"promise_amount": -50.0}, "The promised amount must be positive"),
        (
            3,
            {"promise_date": (TODAY - timedelta(days=3)).isoformat()},
            "a promise cannot be in the past",
        ),
        (4, {"promise_date": False}, "needs a promised date and a promised amount"),
    ],
    ids=["zero-amount", "negative-amount", "past-date", "no-date"],
)
def test_invalid_promise_is_refused_with_a_clear_message(
    clara, clara_customers, customer, values, message
):
    # One customer per case: a wrongly accepted promise does not spoil the others.
    partner_id = clara_customers[customer]
    domain = [("partner_id", "=", partner_id)]
    chatter = [("model", "=", "res.partner"), ("res_id", "=", partner_id)]
    activities = [("res_model", "=", "res.partner"), ("res_id", "=", partner_id)]
    counts_before = (
        clara.search_count(NOTE, domain),
        clara.search_count("mail.message", chatter),
        clara.search_count("mail.activity", activities),
    )

    error = clara.expect_error(NOTE, "create", _promise(partner_id, **values))
    assert error.name == VALIDATION_ERROR, error.error
    assert message in error.message, error.message

    counts_after = (
        clara.search_count(NOTE, domain),
        clara.search_count("mail.message", chatter),
        clara.search_count("mail.activity", activities),
    )
    assert counts_after == counts_before
    assert _worklist_row(clara, partner_id)["needs_action"] is True


# ------------------------------------------------------------------ 4. access


def test_nobody_deletes_a_call_note(clara, admin, clara_customers):
    """A call note is the record of a contact: neither its collector nor a
    manager deletes it."""
    partner_id = clara_customers[5]
    note_id = clara.create(
        NOTE, {"partner_id": partner_id, "outcome": "no_answer", "channel": "phone"}
    )
    for rpc in (clara, admin):
        error = rpc.expect_error(NOTE, "unlink", [note_id])
        assert error.name == ACCESS_ERROR, error.error
    assert clara.search_count(NOTE, [("id", "=", note_id)]) == 1


def test_a_call_note_is_corrected_by_a_manager_and_tracked(
    clara, admin, clara_customers
):
    partner_id = clara_customers[5]
    note_id = clara.create(
        NOTE,
        {"partner_id": partner_id, "outcome": "no_answer", "summary": "Voicemail"},
    )
    error = clara.expect_error(NOTE, "write", [note_id], {"summary": "Reached"})
    assert error.name == ACCESS_ERROR, error.error
    admin.call(NOTE, "write", [note_id], {"summary": "Left a message with reception"})
    values = admin.search_read(
        "mail.tracking.value",
        [
            ("mail_message_id.model", "=", NOTE),
            ("mail_message_id.res_id", "=", note_id),
            ("field_id.name", "=", "summary"),
        ],
        ["old_value_text", "new_value_text", "mail_message_id"],
    )
    assert [(v["old_value_text"], v["new_value_text"]) for v in values] == [
        ("Voicemail", "Left a message with reception")
    ], values
    message = admin.read_one(
        "mail.message", values[0]["mail_message_id"][0], ["author_id"]
    )
    admin_partner = admin.read_one("res.users", admin.uid, ["partner_id"])
    assert message["author_id"][0] == admin_partner["partner_id"][0]


def test_collector_cannot_create_stages_manager_can(clara, admin):
    name = f"E2E stage {uuid.uuid4().hex[:8]}"
    error = clara.expect_error(STAGE, "create", {"name": name, "sequence": 35})
    assert error.name == ACCESS_ERROR, error.error
    assert admin.search_count(STAGE, [("name", "=", name)]) == 0

    stage_id = admin.create(STAGE, {"name": name, "sequence": 35})
    # Collectors see the new stage (read access), shared by all companies.
    assert clara.read_one(STAGE, stage_id, ["name"])["name"] == name
    error = clara.expect_error(STAGE, "unlink", [stage_id])
    assert error.name == ACCESS_ERROR, error.error
    assert admin.call(STAGE, "unlink", [stage_id]) is True


def test_internal_user_without_collections_group_cannot_read_notes(
    admin, connect, clara
):
    login = f"e2e.plain.{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    employee = _xmlid(admin, "base.group_user")
    collections_user = _xmlid(admin, "b2b_collections.group_b2b_collection_user")
    user_id = admin.create(
        "res.users",
        {
            "name": "E2E Plain Employee",
            "login": login,
            "password": password,
            "groups_id": [(6, 0, [employee])],
        },
    )
    groups = admin.read_one("res.users", user_id, ["groups_id"])["groups_id"]
    assert employee in groups and collections_user not in groups, groups
    assert clara.search_count(NOTE, []) > 0, "the demo has call notes"

    plain = connect(login, password)
    assert plain.uid == user_id
    for model in (NOTE, WORKLIST):
        error = plain.expect_error(model, "search_read", [], ["partner_id"])
        assert error.name == ACCESS_ERROR, (model, error.error)
    customer = clara.search_read(NOTE, [], ["partner_id"], limit=1)[0]["partner_id"]
    error = plain.expect_error(NOTE, "create", _promise(customer[0]))
    assert error.name == ACCESS_ERROR, error.error


# ------------------------------------------------------- 5. dispute tracking


def test_dispute_moves_the_invoice_and_the_chatter_tracks_it(
    clara, admin, clara_customers, stages
):
    partner_id = clara_customers[6]
    invoice_id = clara.search_read(
        "account.move",
        [("commercial_partner_id", "=", partner_id), *OPEN_OVERDUE_INVOICES],
        ["id"],
        limit=1,
    )[0]["id"]
    clara.create(
        NOTE,
        {
            "partner_id": partner_id,
            "outcome": "disputed",
            "invoice_ids": [(6, 0, [invoice_id])],
            "summary": "Wrong quantities delivered",
        },
    )
    disputed = _xmlid(admin, "b2b_collections.b2b_collection_stage_disputed")
    invoice = clara.call(
        "account.move",
        "read",
        [invoice_id],
        ["b2b_disputed", "b2b_collection_stage_id", "b2b_dispute_reason"],
    )[0]
    assert invoice["b2b_disputed"] is True
    assert invoice["b2b_dispute_reason"] == "Wrong quantities delivered"
    assert _id(invoice["b2b_collection_stage_id"]) == disputed
    # The dispute is resolved: the invoice goes back to Current.
    clara.call("account.move", "write", [invoice_id], {"b2b_disputed": False})
    invoice = clara.call(
        "account.move", "read", [invoice_id], ["b2b_collection_stage_id"]
    )[0]
    assert _id(invoice["b2b_collection_stage_id"]) == stages["current"]
    tracked = admin.search_read(
        "mail.tracking.value",
        [
            ("mail_message_id.model", "=", "account.move"),
            ("mail_message_id.res_id", "=", invoice_id),
            ("field_id.name", "=", "b2b_collection_stage_id"),
        ],
        ["old_value_char", "new_value_char"],
        order="id",
    )
    assert [(t["old_value_char"], t["new_value_char"]) for t in tracked][-2:] == [
        (tracked[-2]["old_value_char"], "Disputed"),
        ("Disputed", "Current"),
    ]


# ------------------------------------------------------------ 6. credit hold


def test_credit_hold_blocks_posting_over_rpc_and_only_a_manager_lets_one_through(
    clara, admin
):
    """A collector cannot put a customer on hold, release it or post its
    invoices, whatever she sends; the manager's permission is spent by one
    posting."""
    customer = admin.create(
        "res.partner", {"name": f"E2E Hold {uuid.uuid4().hex[:8]}", "is_company": True}
    )
    error = clara.expect_error(
        "res.partner",
        "write",
        [customer],
        {"b2b_credit_hold": True, "b2b_credit_hold_reason": "Mine"},
    )
    assert error.name == ACCESS_ERROR, error.error
    admin.call(
        "res.partner",
        "write",
        [customer],
        {"b2b_credit_hold": True, "b2b_credit_hold_reason": "Cheque bounced"},
    )
    invoice = clara.create(
        "account.move",
        {
            "move_type": "out_invoice",
            "partner_id": customer,
            "invoice_line_ids": [(0, 0, {"name": "Goods", "price_unit": 100.0})],
        },
    )
    error = clara.expect_error("account.move", "action_post", [invoice])
    assert error.name == "odoo.exceptions.UserError", error.error
    assert "Cheque bounced" in error.message
    for vals in (
        {"b2b_credit_override_pending": True},
        {"b2b_credit_override_reason": "x"},
    ):
        error = clara.expect_error("account.move", "write", [invoice], vals)
        assert error.name == ACCESS_ERROR, (vals, error.error)
    error = clara.expect_error(
        "b2b.collection.credit.override", "create", {"move_id": invoice, "reason": "x"}
    )
    assert error.name == ACCESS_ERROR, error.error
    assert clara.read_one("account.move", invoice, ["state"])["state"] == "draft"
    # the manager lets this one through, once
    wizard = admin.create(
        "b2b.collection.credit.override", {"move_id": invoice, "reason": "Prepaid"}
    )
    admin.call("b2b.collection.credit.override", "action_confirm", [wizard])
    move = admin.read_one(
        "account.move",
        invoice,
        ["state", "b2b_credit_override_reason", "b2b_credit_override_user_id"],
    )
    assert move["state"] == "posted"
    assert move["b2b_credit_override_reason"] == "Prepaid"
    assert move["b2b_credit_override_user_id"][0] == admin.uid
    admin.call("account.move", "button_draft", [invoice])
    error = admin.expect_error("account.move", "action_post", [invoice])
    assert error.name == "odoo.exceptions.UserError", error.error


def test_credit_hold_blocks_sale_orders_over_rpc_and_only_a_manager_lets_one_through(
    connect, clara, admin
):
    """A salesperson (or a collector) cannot confirm a quotation of a customer
    on hold over JSON-RPC, nor write the manager's permission on it; the
    manager confirms it once through the dialog."""
    tag = uuid.uuid4().hex[:8]
    customer = admin.create(
        "res.partner",
        {
            "name": f"E2E Sale Hold {tag}",
            "is_company": True,
            "b2b_credit_hold": True,
            "b2b_credit_hold_reason": "Cheque bounced",
        },
    )
    admin.create(
        "res.users",
        {
            "name": f"E2E Salesman {tag}",
            "login": f"e2e.salesman.{tag}",
            "password": f"e2e.salesman.{tag}",
            "groups_id": [
                (6, 0, [_xmlid(admin, "sales_team.group_sale_salesman_all_leads")])
            ],
        },
    )
    salesman = connect(f"e2e.salesman.{tag}")
    product = admin.create("product.product", {"name": f"E2E Goods {tag}"})
    order = salesman.create(
        "sale.order",
        {
            "partner_id": customer,
            "order_line": [(0, 0, {"product_id": product, "price_unit": 100.0})],
        },
    )
    for rpc in (salesman, clara):
        error = rpc.expect_error("sale.order", "action_confirm", [order])
        assert error.name == "odoo.exceptions.UserError", error.error
        assert f"E2E Sale Hold {tag} is on credit hold since" in error.message
        assert "Cheque bounced" in error.message
        assert "collections manager" in error.message
        error = rpc.expect_error("sale.order", "write", [order], {"state": "sale"})
        assert error.name == "odoo.exceptions.UserError", error.error
        for vals in (
            {"b2b_credit_override_pending": True},
            {"b2b_credit_override_reason": "x"},
        ):
            error = rpc.expect_error("sale.order", "write", [order], vals)
            assert error.name == ACCESS_ERROR, (vals, error.error)
        error = rpc.expect_error(
            "sale.order", "action_b2b_confirm_despite_hold", [order]
        )
        assert error.name == ACCESS_ERROR, error.error
        error = rpc.expect_error(
            "b2b.collection.credit.override",
            "create",
            {"order_id": order, "reason": "x"},
        )
        assert error.name == ACCESS_ERROR, error.error
    assert admin.read_one("sale.order", order, ["state"])["state"] == "draft"
    # the manager lets this one through, once
    action = admin.call("sale.order", "action_b2b_confirm_despite_hold", [order])
    assert action["context"] == {"default_order_id": order}
    wizard = admin.create(
        "b2b.collection.credit.override", {"order_id": order, "reason": "Prepaid"}
    )
    admin.call("b2b.collection.credit.override", "action_confirm", [wizard])
    done = admin.read_one(
        "sale.order",
        order,
        ["state", "b2b_credit_override_reason", "b2b_credit_override_user_id"],
    )
    assert done["state"] == "sale"
    assert done["b2b_credit_override_reason"] == "Prepaid"
    assert done["b2b_credit_override_user_id"][0] == admin.uid
    # cancelled and back to quotation: a new permission is needed
    admin.call(
        "sale.order",
        "action_cancel",
        [order],
        context={"disable_cancel_warning": True},
    )
    admin.call("sale.order", "action_draft", [order])
    error = salesman.expect_error("sale.order", "action_confirm", [order])
    assert error.name == "odoo.exceptions.UserError", error.error
