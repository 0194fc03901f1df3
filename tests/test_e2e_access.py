"""The access matrix: every role tries every operation over JSON-RPC.

Generated from the declaration in ``access_policy.py`` and from the write rule
of each field (its ``b2b_write`` parameter): for every model of the addon and
every role, reading each sample record, reading each field, writing each
field, creating, deleting and calling each action; the forbidden ones must be
refused with an AccessError (or a UserError where the record's state forbids
it), the allowed ones must work. A model or field added without a declared
rule fails ``test_every_model_and_field_is_declared``.

It runs against its own copy of the demo database (``B2B_ACL_DB``): the
allowed writes commit."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from access_policy import (
    ACCOUNTANT,
    AGENCY_KEYSTONE,
    AGENCY_NORTH,
    ALL,
    COLLECTOR,
    CUSTOMER,
    MANAGER,
    NOT_DATA_MODELS,
    OTHER_COMPANY,
    POLICY,
    READERS,
    render_markdown,
)
from conftest import OdooRpc, RpcError, running_server

pytestmark = pytest.mark.e2e

ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"
REFUSALS = {ACCESS_ERROR, USER_ERROR, "odoo.exceptions.MissingError"}
ADDON_PREFIX = "b2b_collections"
MAGIC = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}
TODAY = date.today()
LOGINS = {
    MANAGER: "acl.manager",
    COLLECTOR: "clara.collector",
    ACCOUNTANT: "acl.accountant",
    AGENCY_NORTH: "northbridge",
    AGENCY_KEYSTONE: "keystone",
    CUSTOMER: "acl.customer",
    OTHER_COMPANY: "acl.collector.b",
}
DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"


# ------------------------------------------------------------------ registry


@pytest.fixture(scope="module")
def odoo_env():
    """The test database's registry, in this process: the fields and their
    write rules as the server defines them."""
    import odoo
    from odoo import SUPERUSER_ID, api

    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def _addon_models(env):
    rows = env["ir.model.data"].search_read(
        [("module", "=like", f"{ADDON_PREFIX}%"), ("model", "=", "ir.model")],
        ["res_id"],
    )
    models = env["ir.model"].browse([row["res_id"] for row in rows]).mapped("model")
    return sorted(set(models) | {"account.move", "res.partner", "res.company"})


def _own_fields(env, model):
    """The fields the addon adds to ``model`` (not the framework's, nor those
    of the mixins of other addons)."""
    return sorted(
        name
        for name, field in env[model]._fields.items()
        if name not in MAGIC
        and field._modules
        and all(module.startswith(ADDON_PREFIX) for module in field._modules)
    )


def _rules(env, model):
    """{field: write rule} of the addon's fields of ``model``."""
    records = env[model]
    return {name: records._b2b_write_rule(name) for name in _own_fields(env, model)}


def _is_report(env, model):
    return not env[model]._auto and not env[model]._abstract


# --------------------------------------------------------------- the world


def _xmlid(admin, xmlid):
    module, name = xmlid.split(".")
    return admin.call("ir.model.data", "check_object_reference", module, name)[1]


def _one(rpc, model, domain, order=None):
    ids = rpc.call(model, "search", domain, limit=1, order=order or "id")
    assert ids, f"no {model} matches {domain}"
    return ids[0]


def _clara_customers(admin, clara_uid):
    """Clara's customers with overdue invoices, in no stage that pauses
    reminders, each with its invoices: the material of the samples."""
    rows = admin.search_read(
        "b2b.collection.worklist",
        [("collector_id", "=", clara_uid), ("amount_overdue", ">", 0)],
        ["partner_id"],
    )
    customers = []
    for row in rows:
        partner_id = row["partner_id"][0]
        moves = admin.search_read(
            "account.move",
            [
                ("commercial_partner_id", "=", partner_id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ["not_paid", "partial"]),
                ("b2b_collection_stage_id.pause_reminders", "=", False),
                ("b2b_disputed", "=", False),
                ("b2b_placement_line_ids", "=", False),
            ],
            ["id"],
        )
        placed = admin.search_count(
            "b2b.collection.placement", [("partner_id", "=", partner_id)]
        )
        if moves and not placed:
            customers.append((partner_id, [move["id"] for move in moves]))
    assert len(customers) >= 6, f"too few demo customers to build samples: {rows}"
    return customers


def _create_users(admin):
    group = {
        key: _xmlid(admin, xmlid)
        for key, xmlid in {
            "manager": "b2b_collections.group_b2b_collection_manager",
            "collector": "b2b_collections.group_b2b_collection_user",
            "accountant": "account.group_account_manager",
            "portal": "base.group_portal",
            "user": "base.group_user",
        }.items()
    }
    company_a = admin.call("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    company_b = admin.create("res.company", {"name": "ACL Second Company"})

    def user(login, groups, company, **extra):
        return admin.create(
            "res.users",
            {
                "name": login,
                "login": login,
                "password": login,
                "email": f"{login}@example.com",
                "company_id": company,
                "company_ids": [(6, 0, [company])],
                "groups_id": [(6, 0, groups)],
                **extra,
            },
        )

    user("acl.manager", [group["manager"], group["user"]], company_a)
    user("acl.accountant", [group["accountant"], group["user"]], company_a)
    user("acl.collector.b", [group["collector"], group["user"]], company_b)
    return company_a, company_b, group["portal"]


@pytest.fixture(scope="module")
def acl_world(e2e_env, tmp_path_factory):
    """A server on the access-matrix database, the role users, and sample
    records of every model in the states that matter; yields
    (url, {role: rpc}, admin rpc, samples)."""
    db = os.environ.get("B2B_ACL_DB")
    if not db:
        pytest.fail("run through `make test`: B2B_ACL_DB is not set", pytrace=False)
    with running_server(e2e_env, db, tmp_path_factory.mktemp("acl-server")) as url:
        admin = OdooRpc(url, db, "admin", "admin")
        company_a, _company_b, portal_group = _create_users(admin)
        clara_uid = _one(admin, "res.users", [("login", "=", "clara.collector")])
        customers = _clara_customers(admin, clara_uid)
        # the customer's accounts payable clerk gets a portal login
        customer_id, customer_moves = customers[0]
        contact = admin.create(
            "res.partner",
            {"name": "ACL Payable", "parent_id": customer_id, "email": "ap@acl.test"},
        )
        admin.create(
            "res.users",
            {
                "name": "ACL Payable",
                "login": "acl.customer",
                "password": "acl.customer",
                "partner_id": contact,
                "company_id": company_a,
                "company_ids": [(6, 0, [company_a])],
                "groups_id": [(6, 0, [portal_group])],
            },
        )
        rpcs = {role: OdooRpc(url, db, login, login) for role, login in LOGINS.items()}
        samples = _samples(admin, rpcs, customers, db)
        yield url, rpcs, admin, samples
        for rpc in [*rpcs.values(), admin]:
            rpc.http.close()


def _samples(admin, rpcs, customers, db):
    """{model: {sample name: id}}: records of each model, built through the
    actions as the roles would (demo records where the demo has them)."""
    clara, manager = rpcs[COLLECTOR], rpcs[MANAGER]
    s = {}
    agencies = {
        "north": _one(
            admin, "b2b.collection.agency", [("name", "ilike", "Northbridge")]
        ),
        "keystone": _one(
            admin, "b2b.collection.agency", [("name", "ilike", "Keystone")]
        ),
    }
    running = [("state", "in", ["placed", "active"])]
    north_running = _one(
        admin,
        "b2b.collection.placement",
        [("agency_id", "=", agencies["north"]), *running],
    )
    north_ended = _one(
        admin,
        "b2b.collection.placement",
        [("agency_id", "=", agencies["north"]), ("state", "like", "closed")],
    )
    keystone_running = _one(
        admin,
        "b2b.collection.placement",
        [("agency_id", "=", agencies["keystone"]), *running],
    )
    (p_settle_d, m_settle_d), (p_settle_p, _m1), (p_settle_a, _m2) = customers[1:4]
    (p_plan_d, _m3), (p_plan_a, _m4), (p_other, m_other) = customers[4:7]

    # negotiation, through the actions
    settlement = {
        name: clara.create(
            "b2b.collection.settlement", {"partner_id": partner, "settled_amount": 1.0}
        )
        for name, partner in (
            ("draft", p_settle_d),
            ("proposed", p_settle_p),
            ("approved", p_settle_a),
        )
    }
    clara.call(
        "b2b.collection.settlement",
        "action_propose",
        [settlement["proposed"], settlement["approved"]],
    )
    manager.call(
        "b2b.collection.settlement", "action_approve", [settlement["approved"]]
    )
    s["b2b.collection.settlement"] = settlement
    plan = {}
    for name, partner in (("draft", p_plan_d), ("active", p_plan_a)):
        plan[name] = clara.create(
            "b2b.collection.payment.plan",
            {
                "partner_id": partner,
                "instalment_count": 2,
                "first_due_date": (TODAY + timedelta(days=10)).isoformat(),
            },
        )
        clara.call(
            "b2b.collection.payment.plan", "action_compute_schedule", [plan[name]]
        )
    clara.call("b2b.collection.payment.plan", "action_activate", [plan["active"]])
    s["b2b.collection.payment.plan"] = plan
    s["b2b.collection.payment.plan.instalment"] = {
        name: _one(
            admin, "b2b.collection.payment.plan.instalment", [("plan_id", "=", pid)]
        )
        for name, pid in plan.items()
    }

    # disputes: one open, one resolved
    dispute = {
        name: clara.create(
            "b2b.collection.dispute",
            {"partner_id": partner, "move_ids": [(6, 0, [move])], "reason": "ACL"},
        )
        for name, partner, move in (
            ("open", p_other, m_other[0]),
            ("resolved", p_settle_d, m_settle_d[0]),
        )
    }
    wizard = clara.create(
        "b2b.collection.dispute.resolve",
        {"dispute_ids": [(6, 0, [dispute["resolved"]])], "outcome": "rejected"},
    )
    clara.call("b2b.collection.dispute.resolve", "action_resolve", [wizard])
    s["b2b.collection.dispute"] = dispute

    # agencies
    s["b2b.collection.agency"] = agencies
    s["b2b.collection.agency.tier"] = {
        "north": _one(
            admin, "b2b.collection.agency.tier", [("agency_id", "=", agencies["north"])]
        )
    }
    draft_placement = clara.create(
        "b2b.collection.placement",
        {
            "agency_id": agencies["north"],
            "partner_id": p_other,
            "line_ids": [(0, 0, {"move_id": m_other[-1]})],
        },
    )
    s["b2b.collection.placement"] = {
        "draft": draft_placement,
        "north_running": north_running,
        "north_ended": north_ended,
        "keystone_running": keystone_running,
    }
    s["b2b.collection.placement.line"] = {
        name: _one(admin, "b2b.collection.placement.line", [("placement_id", "=", pid)])
        for name, pid in s["b2b.collection.placement"].items()
    }
    s["b2b.collection.placement.update"] = {
        name: admin.create(
            "b2b.collection.placement.update",
            {"placement_id": pid, "kind": "contact", "description": f"ACL {name}"},
        )
        for name, pid in (
            ("north_running", north_running),
            ("keystone_running", keystone_running),
        )
    }
    s["b2b.collection.recovery"] = {
        name: _one(admin, "b2b.collection.recovery", [("agency_id", "=", aid)])
        for name, aid in agencies.items()
    }
    item = _one(admin, "b2b.collection.audit.item", [])
    draft_audit = manager.create(
        "b2b.collection.agency.audit",
        {
            "agency_id": agencies["north"],
            "date": TODAY.isoformat(),
            "line_ids": [(0, 0, {"item_id": item})],
        },
    )
    done_audit = _one(admin, "b2b.collection.agency.audit", [("state", "=", "done")])
    s["b2b.collection.agency.audit"] = {"draft": draft_audit, "done": done_audit}
    s["b2b.collection.agency.audit.line"] = {
        name: _one(admin, "b2b.collection.agency.audit.line", [("audit_id", "=", aid)])
        for name, aid in s["b2b.collection.agency.audit"].items()
    }
    s["b2b.collection.audit.item"] = {"item": item}
    s["b2b.collection.placement.feedback"] = {
        "feedback": _one(admin, "b2b.collection.placement.feedback", [])
    }

    # the base app and the reminders: demo records
    for model in (
        "b2b.collection.stage",
        "b2b.collection.note",
        "b2b.collection.policy",
        "b2b.collection.policy.level",
        "b2b.collection.contact",
        "b2b.collection.contact.line",
        "b2b.collection.run",
        "b2b.collection.worklist",
        "b2b.collection.aging",
        "b2b.collection.kpi",
        "b2b.collection.collector.kpi",
        "b2b.collection.agency.kpi",
        "b2b.collection.risk.model",
        "b2b.collection.risk.score",
        "b2b.collection.risk.invoice",
        "b2b.collection.cashin.forecast",
        "b2b.collection.cashin.report",
    ):
        s[model] = {"demo": _one(admin, model, [])}
    s["b2b.collection.reference.rate"] = {
        "demo": _one(admin, "b2b.collection.reference.rate", [])
    }
    s["b2b.collection.run.issue"] = {
        "demo": _run_issue(db, s["b2b.collection.run"]["demo"])
    }
    # configuration of the demo company only (the demo's is shared)
    company = admin.call("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    s["b2b.collection.stage"]["company"] = manager.create(
        "b2b.collection.stage", {"name": "ACL company stage", "company_id": company}
    )
    s["b2b.collection.policy"]["company"] = manager.create(
        "b2b.collection.policy", {"name": "ACL company policy", "company_id": company}
    )
    s["b2b.collection.policy.level"]["company"] = manager.create(
        "b2b.collection.policy.level",
        {
            "policy_id": s["b2b.collection.policy"]["company"],
            "name": "ACL company level",
            "trigger_days": 10,
            "channel_email": False,
            "channel_call": True,
        },
    )
    s["b2b.collection.assessment"] = {
        MANAGER: manager.create("b2b.collection.assessment", {})
    }

    # standard models
    north_move = admin.search_read(
        "b2b.collection.placement.line",
        [("placement_id", "=", north_running)],
        ["move_id"],
    )[0]["move_id"][0]
    north_customer = admin.read_one(
        "b2b.collection.placement", north_running, ["partner_id"]
    )["partner_id"][0]
    s["account.move"] = {
        "invoice": m_other[0],
        "north_placed": north_move,
        "customer_invoice": customers[0][1][0],
    }
    s["res.partner"] = {"customer": customers[0][0], "north_customer": north_customer}
    # a quotation of a customer of its own, on credit hold
    held = admin.create(
        "res.partner",
        {
            "name": "ACL Held Customer",
            "is_company": True,
            "b2b_credit_hold": True,
            "b2b_credit_hold_reason": "ACL",
        },
    )
    product = admin.create("product.product", {"name": "ACL product"})
    s["sale.order"] = {
        "quotation": admin.create(
            "sale.order",
            {"partner_id": held, "order_line": [(0, 0, {"product_id": product})]},
        )
    }
    s["res.company"] = {
        "company": admin.call("res.users", "read", [admin.uid], ["company_id"])[0][
            "company_id"
        ][0]
    }
    s["b2b.collection.charge"] = {"offered": _charge(db, s)}
    return s


def _charge(db, samples):
    """A late charge offered for a decision: only the engine writes them."""
    import psycopg2

    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(
            "INSERT INTO b2b_collection_charge (company_id, partner_id, move_id,"
            " kind, state, date, interest_amount, compensation_amount, create_date,"
            " write_date) SELECT company_id, commercial_partner_id, id, 'payment',"
            " 'to_decide', CURRENT_DATE, 1.0, 0.0, now(), now() FROM account_move"
            " WHERE id = %s RETURNING id",
            (samples["account.move"]["invoice"],),
        )
        return cr.fetchone()[0]


def _run_issue(db, run_id):
    """A run issue: only the engine writes them, and the demo has none."""
    import psycopg2

    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(
            "INSERT INTO b2b_collection_run_issue (run_id, company_id, kind, message,"
            " create_date, write_date) SELECT id, company_id, 'error', 'ACL sample',"
            " now(), now() FROM b2b_collection_run WHERE id = %s RETURNING id",
            (run_id,),
        )
        return cr.fetchone()[0]


# ------------------------------------------------------------- the calls


def _outcome(call, *args, **kwargs):
    """None when ``call(*args, **kwargs)`` works, else the name of the error
    it raised."""
    try:
        call(*args, **kwargs)
    except RpcError as error:
        return error.name or error.message
    return None


def _expect(allowed, outcome, what, refusals=(ACCESS_ERROR,)):
    if allowed:
        assert outcome is None, f"{what}: should work, got {outcome}"
    else:
        assert outcome in refusals, f"{what}: should be refused, got {outcome!r}"


def _readable(model, role):
    """The sample names ``role`` reads of ``model``."""
    scope = POLICY[model]["read"].get(role)
    if scope == ALL:
        return None  # every sample
    return set(scope or ())


def _may_read(model, role, name):
    scope = _readable(model, role)
    return scope is None or name in scope


def _acts_as(role):
    """The collector of another company has a collector's rights, in its own
    company: the samples, all of the demo company, are out of its reach."""
    return COLLECTOR if role == OTHER_COMPANY else role


def _value(admin, model, record_id, field):
    """The field's current value, in the form ``write`` takes it."""
    kind = admin.call(model, "fields_get", [field], attributes=["type"])[field]["type"]
    if kind in ("one2many", "many2many"):
        return []  # no command: the field is written, nothing changes
    value = admin.read_one(model, record_id, [field])[field]
    if kind == "many2one":
        return value and value[0]
    return value


def _write_allowed(rule, role, sample):
    """Whether ``role`` (allowed to write the model) may write a field with
    ``rule`` on sample ``sample``."""
    staff = role in (MANAGER, COLLECTOR)
    return {
        None: True,
        "user": True,
        "collector": staff,
        "draft": sample == "draft" or sample == "open",
        "author": role == MANAGER,
        "manager": role == MANAGER,
        "create": False,
        "action": False,
        "computed": False,
    }[rule]


DATA_MODELS = sorted(POLICY)
# the records of wizards belong to their user: see the create matrix
WIZARD_MODELS = {
    "b2b.collection.dispute.resolve",
    "b2b.collection.credit.override",
    "b2b.collection.aging.as.of",
    "b2b.collection.aging.export",
    "b2b.collection.kpi.summary.wizard",
    "b2b.collection.run.wizard",
    "b2b.collection.run.wizard.line",
    "b2b.collection.placement.wizard",
    "b2b.collection.placement.end",
    "b2b.collection.commission.bill",
    "b2b.collection.agency.scorecard.wizard",
    "b2b.collection.assessment",
    "b2b.collection.assessment.line",
}
WRITE_MODELS = [
    m
    for m in DATA_MODELS
    if m != "res.company" and not POLICY[m]["report"] and m not in WIZARD_MODELS
]


def test_every_model_and_field_is_declared(odoo_env):
    from odoo.addons.b2b_collections.models.b2b_collection_guard import WRITE_RULES

    models = _addon_models(odoo_env)
    undeclared = [
        m
        for m in models
        if m not in POLICY
        and m not in NOT_DATA_MODELS
        and not odoo_env[m]._abstract  # no records: reports' renderers, mixins
    ]
    assert not undeclared, f"models without a declared access policy: {undeclared}"
    assert not set(POLICY) - set(models), "declared models that do not exist"
    assert WIZARD_MODELS == {m for m in POLICY if odoo_env[m]._transient}
    assert {m for m in POLICY if POLICY[m]["report"]} == {
        m for m in POLICY if _is_report(odoo_env, m)
    }
    problems = []
    for model in POLICY:
        records = odoo_env[model]
        if _is_report(odoo_env, model):
            continue  # SQL reports: nobody writes them
        for name in _own_fields(odoo_env, model):
            field = records._fields[name]
            rule = records._b2b_write_rule(name)
            if rule is None and (field.store or field.inverse):
                problems.append(f"{model}.{name}: no b2b_write rule")
            elif rule is not None and rule not in WRITE_RULES:
                problems.append(f"{model}.{name}: unknown rule {rule!r}")
            elif (
                rule in ("action", "create") and not field.readonly and rule == "action"
            ):
                problems.append(f"{model}.{name}: set by actions but not readonly")
            elif rule == "author" and not getattr(field, "tracking", False):
                problems.append(f"{model}.{name}: a manager's changes are not tracked")
        portal = POLICY[model]["portal_fields"]
        unknown = portal - set(records._fields)
        if unknown:
            problems.append(f"{model}: unknown portal fields {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_security_doc_is_current(odoo_env):
    """docs/security.md shows this declaration and these rules
    (B2B_WRITE_SECURITY_DOC=1 rewrites it: make security-doc)."""
    text = DOC.read_text() if DOC.exists() else ""
    begin, end = "<!-- access-policy:begin -->", "<!-- access-policy:end -->"
    generated = render_markdown(odoo_env, _own_fields, _is_report)
    if os.environ.get("B2B_WRITE_SECURITY_DOC"):
        if begin in text:
            head, rest = text.split(begin, 1)
            tail = rest.split(end, 1)[1]
        else:
            head, tail = "# Security\n\n", "\n"
        DOC.write_text(f"{head}{begin}\n{generated}{end}{tail}")
        text = DOC.read_text()
    assert begin in text and end in text, "docs/security.md has no generated matrix"
    current = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert (
        current == generated.strip()
    ), "docs/security.md is out of date: run `make security-doc`"


@pytest.mark.parametrize("model", DATA_MODELS)
def test_read_matrix(acl_world, model):
    _url, rpcs, admin, samples = acl_world
    for name, record_id in samples.get(model, {}).items():
        for role, rpc in rpcs.items():
            allowed = _may_read(model, role, name)
            try:
                # an SQL report answers nothing for rows out of the user's reach
                outcome = (
                    None
                    if rpc.call(model, "read", [record_id], ["display_name"])
                    else ACCESS_ERROR
                )
            except RpcError as error:
                outcome = error.name
            _expect(allowed, outcome, f"{role} reads {model} {name}")
            try:
                found = rpc.call(model, "search", [("id", "=", record_id)])
            except RpcError as error:
                assert error.name == ACCESS_ERROR, error
                found = []
            assert bool(found) == allowed, f"{role} searches {model} {name}: {found}"


@pytest.mark.parametrize("model", DATA_MODELS)
def test_field_read_matrix(acl_world, odoo_env, model):
    """Internal roles read every field of what they read; portal roles only
    the declared portal fields."""
    _url, rpcs, _admin, samples = acl_world
    portal = POLICY[model]["portal_fields"]
    fields = _own_fields(odoo_env, model)
    for name, record_id in samples.get(model, {}).items():
        for role, rpc in rpcs.items():
            if not _may_read(model, role, name):
                continue
            if role in (MANAGER, COLLECTOR, ACCOUNTANT, OTHER_COMPANY):
                # everything the user's groups show, none of the rest
                shown = set(rpc.call(model, "fields_get", attributes=["type"]))
                rpc.call(model, "read", [record_id], sorted(shown & set(fields)))
                for field in set(fields) - shown:
                    _expect(
                        False,
                        _outcome(rpc.call, model, "read", [record_id], [field]),
                        f"{role} reads {model}.{field}",
                    )
                continue
            for field in fields:
                _expect(
                    field in portal,
                    _outcome(rpc.call, model, "read", [record_id], [field]),
                    f"{role} reads {model}.{field}",
                )


@pytest.mark.parametrize("model", WRITE_MODELS)
def test_write_matrix(acl_world, odoo_env, model):
    """Each role writes each field of each sample it reads, with its current
    value: allowed by the field's rule, or refused. (Wizards: the create
    matrix; SQL reports: nobody writes them, the read matrix.)"""
    _url, rpcs, admin, samples = acl_world
    rules = _rules(odoo_env, model)
    writers = POLICY[model]["write"]
    for name, record_id in samples.get(model, {}).items():
        values = {field: _value(admin, model, record_id, field) for field in rules}
        for role, rpc in rpcs.items():
            if role not in writers or not _may_read(model, role, name):
                outcome = _outcome(rpc.call, model, "write", [record_id], values)
                _expect(False, outcome, f"{role} writes {model} {name}")
                continue
            for field, rule in rules.items():
                outcome = _outcome(
                    rpc.call, model, "write", [record_id], {field: values[field]}
                )
                _expect(
                    _write_allowed(rule, role, name),
                    outcome,
                    f"{role} writes {model}.{field} ({rule}) on {name}",
                )


def _create_vals(model, role, samples, admin):
    """Valid values for ``role`` to create a ``model`` record (a draft); for
    the collector of another company, in the demo company."""
    vals = _draft_vals(model, role, samples, admin)
    if vals is not None and role == OTHER_COMPANY:
        if "company_id" in admin.call(model, "fields_get", attributes=["type"]):
            vals["company_id"] = samples["res.company"]["company"]
    return vals


def _draft_vals(model, role, samples, admin):
    s = samples
    today = TODAY.isoformat()
    customer = s["res.partner"]["customer"]
    invoice = s["account.move"]["customer_invoice"]
    agency = s["b2b.collection.agency"]["north"]
    running = {
        AGENCY_KEYSTONE: s["b2b.collection.placement"]["keystone_running"],
    }.get(role, s["b2b.collection.placement"]["north_running"])
    builders = {
        "b2b.collection.stage": lambda: {"name": "ACL stage"},
        "b2b.collection.note": lambda: {"partner_id": customer, "outcome": "reached"},
        "b2b.collection.dispute": lambda: {
            "partner_id": customer,
            "move_ids": [(6, 0, [invoice])],
            "reason": "ACL",
        },
        "b2b.collection.dispute.resolve": lambda: {
            "dispute_ids": [(6, 0, [s["b2b.collection.dispute"]["open"]])],
            "outcome": "rejected",
        },
        "b2b.collection.credit.override": lambda: {
            "move_id": invoice,
            "reason": "ACL",
        },
        "b2b.collection.aging.as.of": dict,
        "b2b.collection.aging.export": dict,
        "b2b.collection.kpi.summary.wizard": dict,
        "b2b.collection.policy": lambda: {"name": "ACL policy"},
        # one rate per currency and day: a day of its own
        "b2b.collection.reference.rate": lambda: {
            "currency_id": admin.call(
                "res.currency",
                "search",
                [("name", "=", "EUR")],
                context={"active_test": False},
            )[0],
            "date_from": (
                date(2150, 1, 1)
                + timedelta(
                    days=admin.search_count("b2b.collection.reference.rate", [])
                )
            ).isoformat(),
            "rate": 2.0,
        },
        "b2b.collection.policy.level": lambda: {
            "policy_id": s["b2b.collection.policy"]["company"],
            "name": "ACL level",
            "sequence": 999,
            "trigger_days": admin.search_count("b2b.collection.policy.level", []) + 900,
            "channel_email": False,
            "channel_call": True,
        },
        "b2b.collection.run.wizard": lambda: {"with_statement": False},
        "b2b.collection.payment.plan": lambda: {"partner_id": customer},
        "b2b.collection.payment.plan.instalment": lambda: {
            "plan_id": s["b2b.collection.payment.plan"]["draft"],
            "due_date": today,
            "amount": 1.0,
        },
        "b2b.collection.settlement": lambda: {
            "partner_id": customer,
            "settled_amount": 1.0,
        },
        "b2b.collection.agency": lambda: {
            "partner_id": admin.create(
                "res.partner", {"name": "ACL Agency", "is_company": True}
            )
        },
        # a tier of its own agency: the demo agencies' tiers cover every age
        "b2b.collection.agency.tier": lambda: {
            "agency_id": admin.create(
                "b2b.collection.agency",
                {
                    "partner_id": admin.create(
                        "res.partner", {"name": "ACL Tier Agency", "is_company": True}
                    )
                },
            ),
            "rate": 5.0,
        },
        "b2b.collection.placement": lambda: {
            "agency_id": agency,
            "partner_id": customer,
        },
        "b2b.collection.placement.line": lambda: {
            "placement_id": s["b2b.collection.placement"]["draft"],
            "move_id": invoice,
        },
        "b2b.collection.placement.update": lambda: {
            "placement_id": running,
            "kind": "contact",
            "description": f"ACL update by {role}",
        },
        "b2b.collection.placement.wizard": lambda: {"agency_id": agency},
        # no reason: confirming it is refused, the placement keeps running
        "b2b.collection.placement.end": lambda: {
            "placement_id": s["b2b.collection.placement"]["north_running"],
            "mode": "recall",
            "date": today,
        },
        "b2b.collection.commission.bill": lambda: {"date_to": today},
        "b2b.collection.agency.scorecard.wizard": lambda: {
            "date_from": (TODAY - timedelta(days=90)).isoformat(),
            "date_to": today,
        },
        "b2b.collection.audit.item": lambda: {"name": "ACL item"},
        "b2b.collection.agency.audit": lambda: {"agency_id": agency, "date": today},
        "b2b.collection.agency.audit.line": lambda: {
            "audit_id": s["b2b.collection.agency.audit"]["draft"],
            "item_id": admin.create("b2b.collection.audit.item", {"name": "ACL item"}),
        },
        "b2b.collection.placement.feedback": lambda: {
            "placement_id": s["b2b.collection.placement"]["north_running"],
            "date": today,
            "rating": 3,
            "source": "customer",
        },
        "b2b.collection.assessment": dict,
        "b2b.collection.assessment.line": lambda: {
            "assessment_id": s["b2b.collection.assessment"][MANAGER],
            "band": "1_90",
        },
    }
    return builders[model]() if model in builders else None


CREATE_MODELS = [
    m
    for m in DATA_MODELS
    if m not in ("account.move", "res.partner", "res.company", "sale.order")
    and not POLICY[m]["report"]
]


@pytest.mark.parametrize("model", CREATE_MODELS)
def test_create_matrix(acl_world, odoo_env, model):
    """Allowed roles create; the others are refused (the collector of another
    company in the demo company too); nobody gives a field that actions set,
    not even through a default_ context key."""
    _url, rpcs, admin, samples = acl_world
    creators = POLICY[model]["create"]
    wizard = odoo_env[model]._transient
    for role, rpc in rpcs.items():
        if wizard and role == OTHER_COMPANY:
            continue  # its own wizards: isolation is the records' rules
        allowed = _acts_as(role) in creators and role != OTHER_COMPANY
        vals = _create_vals(model, role, samples, admin)
        assert vals is not None or not allowed, f"no create values for {model}"
        _expect(
            allowed,
            _outcome(rpc.create, model, vals or {}),
            f"{role} creates {model}",
            refusals=REFUSALS if role == OTHER_COMPANY else (ACCESS_ERROR,),
        )
    if not creators:
        return
    role = sorted(creators)[0]
    rpc = rpcs[role]
    sample = next(iter(samples.get(model, {}).values()), None)
    for field, rule in _rules(odoo_env, model).items():
        if rule not in ("action", "computed") or sample is None:
            continue
        if not odoo_env[model]._fields[field].store:
            continue
        value = _value(admin, model, sample, field)
        base = _create_vals(model, role, samples, admin)
        _expect(
            False,
            _outcome(rpc.create, model, {**base, field: value}),
            f"{role} creates {model} with {field} ({rule})",
        )
        base = _create_vals(model, role, samples, admin)
        context = {f"default_{field}": value}
        _expect(
            False,
            _outcome(rpc.call, model, "create", base, context=context),
            f"{role} creates {model} with default_{field} ({rule})",
        )


@pytest.mark.parametrize("model", CREATE_MODELS)
def test_unlink_matrix(acl_world, odoo_env, model):
    """Evidence is never deleted; the allowed roles delete what they may."""
    _url, rpcs, admin, samples = acl_world
    policy = POLICY[model]
    for role, rpc in rpcs.items():
        for name, record_id in samples.get(model, {}).items():
            if role in policy["unlink"] and (
                policy["unlink_samples"] is None or name in policy["unlink_samples"]
            ):
                continue  # deleting shared samples: tried on fresh records below
            _expect(
                False,
                _outcome(rpc.call, model, "unlink", [record_id]),
                f"{role} deletes {model} {name}",
                refusals=REFUSALS,
            )
        if role in policy["unlink"]:
            creator = rpc if role in policy["create"] else admin
            fresh = creator.create(model, _create_vals(model, role, samples, admin))
            _expect(
                True,
                _outcome(rpc.call, model, "unlink", [fresh]),
                f"{role} deletes a new {model}",
            )


def _action_allowed(allowed_roles, role, name):
    if isinstance(allowed_roles, dict):
        scope = allowed_roles.get(_acts_as(role))
        return scope == ALL or name in (scope or ())
    return _acts_as(role) in allowed_roles


@pytest.mark.parametrize("model", [m for m in DATA_MODELS if POLICY[m]["actions"]])
def test_action_matrix(acl_world, odoo_env, model):
    """Each role calls each action on each sample: the forbidden calls are
    refused, the allowed ones pass the access checks (they may still say that
    the record is not in the right state). Actions that only open a view
    (``READERS``) must work for the staff who read the record."""
    _url, rpcs, admin, samples = acl_world
    policy = POLICY[model]
    wizard = odoo_env[model]._transient
    for action, allowed_roles in policy["actions"].items():
        for role, rpc in rpcs.items():
            if wizard and role == OTHER_COMPANY:
                continue
            if wizard:
                owner = role if _acts_as(role) in policy["create"] else MANAGER
                vals = _create_vals(model, owner, samples, admin)
                key = "own" if owner == role else "other"
                targets = {key: rpcs[owner].create(model, vals)}
            else:
                targets = samples.get(model, {})
            for name, record_id in targets.items():
                readable = name == "own" if wizard else _may_read(model, role, name)
                outcome = _outcome(rpc.call, model, action, [record_id])
                what = f"{role} calls {model}.{action} on {name}"
                if allowed_roles == READERS:
                    if readable and role in (MANAGER, COLLECTOR):
                        assert outcome != ACCESS_ERROR, f"{what}: refused"
                elif readable and _action_allowed(allowed_roles, role, name):
                    assert outcome != ACCESS_ERROR, f"{what}: refused"
                else:
                    assert outcome in REFUSALS, f"{what}: {outcome!r}"
