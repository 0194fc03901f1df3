"""End-to-end fuzz over HTTP, against the separately started server (see
conftest.py): hostile values posted to every form of the agency portal as a
browser posts them (with the CSRF token of the page), and passed to model
methods over JSON-RPC.

Every answer must be below 500 (a refusal is a 4xx or the form again with
the reason); every JSON-RPC error must be one of Odoo's user-facing
exceptions, never a server error (OverflowError, ValueError, psycopg2...);
and a refused attempt writes nothing (counted over RPC as admin)."""

import json
import random
import re

import pytest

pytestmark = pytest.mark.e2e

SEED = 20260331
PLACEMENT = "b2b.collection.placement"
UPDATE = "b2b.collection.placement.update"
USER_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
}
SCRIPT = "<script>alert(1)</script>"
BIG = "9" * 100_000
AMOUNTS = [
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1e308",
    "-1e308",
    "-1",
    "0",
    "1e15",
    "0.001",
    BIG,
    SCRIPT,
    "12\x0034",
    "",
]
DATES = ["0001-01-01", "9999-12-31", "garbage", "2026-02-30", "", BIG, SCRIPT, "\x00"]
TEXTS = ["", " ", BIG, SCRIPT, "nul\x00byte", "ok"]
KINDS = ["contact", "payment", "bogus", "", BIG, SCRIPT]
# JSON-RPC: what a script may pass where the web client passes numbers and dates
NUMBERS = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 1e15, "x"]
INTEGERS = [2**31, -(2**31) - 1, 10**9, float("inf"), float("nan"), "x"]
BAD_DATES = ["0001-01-01", "9999-12-31", "garbage", "2026-02-30", 20260331, ["x"]]


def _agency_placements(admin, agency_name):
    rows = admin.search_read(
        PLACEMENT,
        [
            ("agency_id.name", "ilike", agency_name),
            ("state", "in", ["placed", "active"]),
        ],
        ["id"],
    )
    assert rows, f"the demo has no running placement of {agency_name}"
    return [row["id"] for row in rows]


def _counts(admin):
    return (
        admin.search_count(UPDATE, []),
        admin.search_count("mail.message", [("model", "=", PLACEMENT)]),
    )


def _csrf(session, url):
    page = session.get(url, timeout=60)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _raw_rpc(rpc, model, method, args, kwargs=None):
    """call_kw with a body JSON encoders refuse to write (NaN, Infinity):
    Python's json module writes them, and Odoo's parser reads them. Returns
    (result, error name)."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        }
    )
    response = rpc.http.post(
        f"{rpc.url}/web/dataset/call_kw/{model}/{method}",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert response.status_code < 500, (model, method, response.status_code)
    reply = response.json()
    if "error" in reply:
        return None, (reply["error"].get("data") or {}).get("name", "?")
    return reply["result"], None


def test_portal_forms_refuse_hostile_input(connect, admin):
    northbridge = connect("northbridge")
    session = northbridge.http
    own = _agency_placements(admin, "Northbridge")[0]
    other = _agency_placements(admin, "Keystone")[0]
    base = northbridge.url
    token = _csrf(session, f"{base}/my/placements/{own}")
    rng = random.Random(SEED)
    cases = [
        ("update", {"kind": kind, "description": text})
        for kind in KINDS
        for text in TEXTS
        if not (kind in ("contact",) and text in ("ok", SCRIPT))
    ] + [
        (
            "payment",
            {
                "amount": rng.choice(AMOUNTS),
                "payment_date": rng.choice(DATES),
                "description": rng.choice(TEXTS),
            },
        )
        for _i in range(40)
    ]
    # every amount and every date at least once, with valid companions
    cases += [("payment", {"amount": a, "payment_date": "2026-01-05"}) for a in AMOUNTS]
    cases += [("payment", {"amount": "10", "payment_date": d}) for d in DATES]
    before = _counts(admin)
    accepted = 0
    for form, data in cases:
        response = session.post(
            f"{base}/my/placements/{own}/{form}",
            data=dict(data, csrf_token=token),
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code < 500, (form, data, response.status_code)
        if response.status_code == 303:
            accepted += 1
        else:
            assert response.status_code == 400, (form, data, response.status_code)
    # only well-formed payment reports of a positive amount could pass: with
    # the dates drawn, none did, and no update form case was valid
    assert accepted == 0
    assert _counts(admin) == before

    # another agency's placement, a placement that does not exist, no token
    for placement_id in (other, 999999999, 99999999999):
        for form in ("update", "payment"):
            response = session.post(
                f"{base}/my/placements/{placement_id}/{form}",
                data={
                    "csrf_token": token,
                    "kind": "note",
                    "description": "x",
                    "amount": "10",
                    "payment_date": "2026-01-05",
                },
                allow_redirects=False,
                timeout=60,
            )
            assert response.status_code == 404, (placement_id, response.status_code)
        page = session.get(f"{base}/my/placements/{placement_id}", timeout=60)
        assert page.status_code == 404
    response = session.post(
        f"{base}/my/placements/{own}/update",
        data={"kind": "note", "description": "no token"},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 400
    assert _counts(admin) == before

    # markup is stored as typed and shown as text
    response = session.post(
        f"{base}/my/placements/{own}/update",
        data={"csrf_token": token, "kind": "note", "description": SCRIPT},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 303
    page = session.get(f"{base}/my/placements/{own}", timeout=60).text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_rpc_hostile_values_are_user_errors(connect, admin, clara):
    """create and write with hostile values: each refused with one of Odoo's
    user errors, nothing written."""
    partner_id = clara.search_read(
        "b2b.collection.worklist", [("collector_id", "=", clara.uid)], ["partner_id"]
    )[0]["partner_id"][0]
    level_id = admin.search_read("b2b.collection.policy.level", [], ["id"])[0]["id"]
    agency_id = admin.search_read("b2b.collection.agency", [], ["id"])[0]["id"]
    company_id = admin.search_read("res.company", [], ["id"])[0]["id"]
    note = {"partner_id": partner_id, "outcome": "no_answer", "channel": "phone"}
    cases = []
    for value in NUMBERS:
        cases += [
            (clara, "b2b.collection.note", "create", [dict(note, duration=value)]),
            (
                clara,
                "b2b.collection.note",
                "create",
                [dict(note, outcome="promised", promise_amount=value)],
            ),
            (
                admin,
                "b2b.collection.agency",
                "write",
                [[agency_id], {"fixed_fee": value}],
            ),
        ]
    for value in INTEGERS:
        cases += [
            (
                admin,
                "b2b.collection.policy.level",
                "write",
                [[level_id], {"trigger_days": value}],
            ),
            (
                admin,
                "res.company",
                "write",
                [[company_id], {"b2b_max_contacts_7d": value}],
            ),
        ]
    for value in BAD_DATES:
        cases += [
            (clara, "b2b.collection.note", "create", [dict(note, date=value)]),
            (
                clara,
                "res.partner",
                "write",
                [[partner_id], {"b2b_next_action_date": value}],
            ),
            (
                admin,
                "b2b.collection.agency",
                "write",
                [[agency_id], {"licence_expiry": value}],
            ),
        ]
    for value in ("x" * 100_000, "a\x00b"):
        cases.append(
            (clara, "b2b.collection.note", "create", [dict(note, summary=value)])
        )
    cases += [
        (clara, "b2b.collection.note", "create", [dict(note, partner_id=999999999)]),
        (clara, "b2b.collection.note", "create", [dict(note, channel="pigeon")]),
    ]
    notes_before = admin.search_count("b2b.collection.note", [])
    agency_before = admin.read_one(
        "b2b.collection.agency", agency_id, ["fixed_fee", "licence_expiry"]
    )
    for rpc, model, method, args in cases:
        result, error = _raw_rpc(rpc, model, method, args)
        assert error in USER_ERRORS, (model, method, args[-1:], result, error)
    assert admin.search_count("b2b.collection.note", []) == notes_before
    assert (
        admin.read_one(
            "b2b.collection.agency", agency_id, ["fixed_fee", "licence_expiry"]
        )
        == agency_before
    )


def test_rpc_hostile_dates_in_context_and_report_options(clara, admin):
    for value in ("garbage", "0001-01-01", 42):
        result, error = _raw_rpc(
            clara,
            "b2b.collection.aging",
            "search_read",
            [[], ["amount_residual"]],
            {"context": {"b2b_as_of": value}},
        )
        assert error == "odoo.exceptions.UserError", (value, error)
    for options in (
        {"as_of": "garbage"},
        {"as_of": "2026-01-05", "company_ids": ["x"]},
        {"as_of": "2026-01-05", "bounds": [30, 60, 90, 10**9]},
        {"surprise": 1},
        ["as_of"],
    ):
        query = json.dumps({"options": options})
        response = admin.http.get(
            f"{admin.url}/report/html/b2b_collections.report_b2b_aged_receivables/0",
            params={"options": query},
            timeout=120,
        )
        assert 400 <= response.status_code < 500, (options, response.status_code)
