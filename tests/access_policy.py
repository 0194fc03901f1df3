"""The access policy of the collections addons: who may do what, declared once.

Read by the access-matrix test (``test_e2e_access.py``), which tries every
operation of every role over JSON-RPC against a running server, and rendered
into ``docs/security.md`` (``make security-doc``) for a security reviewer.

What is declared here, per model of the addons:

- ``read``: the roles that read its records, and which of the sample records
  (``samples``) each of them may read (``ALL`` or a list of sample names);
  every other role reads none of them;
- ``create``, ``write``, ``unlink``: the roles allowed at all (access rights
  and record rules); within ``write``, each field's own rule decides (the
  ``b2b_write`` parameter of the field, listed in the generated document);
  ``unlink`` may still be refused by the record's state (``unlink_samples``:
  the samples the allowed roles may delete);
- ``actions``: the public methods and the roles that may call them;
- ``portal_fields``: for the models portal roles read, the fields they may
  read; every other field of the addon is for internal users only.

The roles (created by the test where the demo has none):

- ``manager``: a collections manager (not a system administrator);
- ``collector``: a collector of the demo company;
- ``accountant``: an accounting administrator without collections rights;
- ``agency_north`` and ``agency_keystone``: portal users of two agencies;
- ``customer``: a portal user of a customer with overdue invoices;
- ``other_company``: a collector of another company only.
"""

ALL = "all"
# an action any role that reads the record may call: it only opens a view
READERS = "readers"
MANAGER = "manager"
COLLECTOR = "collector"
ACCOUNTANT = "accountant"
AGENCY_NORTH = "agency_north"
AGENCY_KEYSTONE = "agency_keystone"
CUSTOMER = "customer"
OTHER_COMPANY = "other_company"

ROLES = {
    MANAGER: "Collections manager (not a system administrator)",
    COLLECTOR: "Collector",
    ACCOUNTANT: "Accountant without collections rights",
    AGENCY_NORTH: "Agency portal user (Northbridge)",
    AGENCY_KEYSTONE: "Agency portal user (Keystone)",
    CUSTOMER: "Customer portal user (the customer's accounts payable)",
    OTHER_COMPANY: "Collector of another company",
}
STAFF = (MANAGER, COLLECTOR)
AGENCIES = (AGENCY_NORTH, AGENCY_KEYSTONE)


def _model(
    read=(),
    create=(),
    write=(),
    unlink=(),
    actions=None,
    portal_fields=(),
    unlink_samples=None,
    what="",
    report=False,
):
    read = dict(read) if isinstance(read, dict) else {role: ALL for role in read}
    return {
        "what": what,
        "read": read,
        "create": set(create),
        "write": set(write),
        "unlink": set(unlink),
        "actions": actions or {},
        "portal_fields": set(portal_fields),
        "unlink_samples": unlink_samples,
        "report": report,
    }


def _config(what, readers=STAFF, shared=("demo",)):
    """Configuration: staff read it, managers change it; the records shared
    by all companies (``shared`` samples) are read in every company."""
    read = {role: ALL for role in readers}
    read[OTHER_COMPANY] = ALL if shared == ALL else list(shared)
    return _model(
        what=what, read=read, create=[MANAGER], write=[MANAGER], unlink=[MANAGER]
    )


def _report(what, readers=STAFF, actions=None):
    """An SQL report: read-only for everyone."""
    return _model(what=what, read=readers, actions=actions, report=True)


def _wizard(what, users=STAFF, actions=None):
    """A wizard: its users fill it in; each reads only its own."""
    return _model(
        what=what,
        read=users,
        create=users,
        write=users,
        unlink=users,
        actions=actions or {},
    )


# The fields of standard models the addon adds that portal users may read.
PARTNER_PORTAL_FIELDS = ()
MOVE_PORTAL_FIELDS = ("b2b_disputed",)
AGENCY_PORTAL_FIELDS = (
    "partner_id",
    "name",
    "company_id",
    "currency_id",
    "active",
    "fixed_fee",
    "contract_start",
    "contract_end",
    "jurisdictions",
    "licence_number",
    "licence_expiry",
    "min_debt_age",
    "max_debt_age",
    "target_recovery_rate",
    "target_days_to_recover",
    "placement_ids",
    "placement_count",
    "open_placed_amount",
)
PLACEMENT_PORTAL_FIELDS = (
    "name",
    "company_id",
    "currency_id",
    "agency_id",
    "partner_id",
    "line_ids",
    "move_ids",
    "state",
    "date_placed",
    "date_end",
    "debt_age",
    "commission_rate",
    "fixed_fee",
    "placed_amount",
    "recovery_ids",
    "recovered_amount",
    "commission_amount",
    "net_recovery",
    "recovery_rate",
    "date_first_recovery",
    "open_amount",
    "update_ids",
    "pending_report_count",
    "note",
)

POLICY = {
    # ------------------------------------------------------------ base app
    "b2b.collection.stage": _config(
        "Collection stages", readers=(MANAGER, COLLECTOR, ACCOUNTANT)
    ),
    "b2b.collection.note": _model(
        what="Call notes (evidence: never deleted; after creation only a "
        "manager corrects them, tracked)",
        read=STAFF,
        create=STAFF,
        write=STAFF,
        actions={"action_b2b_save_call": READERS},
    ),
    "b2b.collection.dispute": _model(
        what="Disputes (closed by their actions, never deleted)",
        read=STAFF,
        create=STAFF,
        write=STAFF,
        actions={"action_resolve": READERS},
    ),
    "b2b.collection.dispute.resolve": _wizard(
        "Resolve a dispute", actions={"action_resolve": STAFF}
    ),
    "b2b.collection.credit.override": _wizard(
        "Post an invoice or confirm a sale order despite the customer's credit hold",
        users=[MANAGER],
        actions={"action_confirm": [MANAGER]},
    ),
    "b2b.collection.worklist": _report(
        "Worklist",
        actions={
            "action_b2b_open_customer": READERS,
            "action_b2b_log_call": READERS,
            "action_b2b_open_overdue_invoices": READERS,
            "action_b2b_open_worklist": READERS,
        },
    ),
    "b2b.collection.aging": _report("Aging of receivables"),
    "b2b.collection.aging.as.of": _wizard(
        "Aging as of a date", actions={"action_open": STAFF}
    ),
    "b2b.collection.aging.export": _wizard(
        "Aged receivables export",
        actions={"action_export_xlsx": STAFF, "action_print_pdf": READERS},
    ),
    "b2b.collection.kpi": _report("Collection KPIs"),
    "b2b.collection.collector.kpi": _report("Collector performance", readers=[MANAGER]),
    "b2b.collection.kpi.summary.wizard": _wizard(
        "KPI summary", actions={"action_print": READERS}
    ),
    # ---------------------------------------------------------- reminders
    "b2b.collection.policy": _config("Reminder policies"),
    "b2b.collection.policy.level": _config("Reminder levels"),
    "b2b.collection.contact": _model(
        what="Contact log (evidence: written by the reminder engine only)",
        read=STAFF,
    ),
    "b2b.collection.contact.line": _model(
        what="Contact log lines (written by the reminder engine only)", read=STAFF
    ),
    "b2b.collection.run": _model(
        what="Reminder runs (written by the engine only)", read=STAFF
    ),
    "b2b.collection.run.issue": _model(
        what="Reminder run issues (written by the engine only)", read=STAFF
    ),
    "b2b.collection.reference.rate": _config(
        "Central bank reference rates of the EU statutory interest (shared)",
        shared=ALL,
    ),
    "b2b.collection.charge": _model(
        what="Late charges (the ledger of interest and compensation charged: "
        "written by the engine; managers charge or waive what it offers)",
        read=STAFF,
        actions={"action_charge": [MANAGER], "action_waive": [MANAGER]},
    ),
    "b2b.collection.run.wizard": _wizard(
        "Run reminders now",
        users=[MANAGER],
        actions={"action_refresh": [MANAGER], "action_send": [MANAGER]},
    ),
    "b2b.collection.run.wizard.line": _model(
        what="Run reminders now: preview lines (written by the preview only)",
        read=[MANAGER],
    ),
    # ---------------------------------------------------------------- risk
    "b2b.collection.risk.model": _model(
        what="Risk model refreshes and their validation (written by the "
        "refresh only; a manager refreshes now)",
        read=STAFF,
        actions={"action_b2b_refresh": [MANAGER]},
    ),
    "b2b.collection.risk.score": _model(
        what="Customer risk grades (written by the refresh only)", read=STAFF
    ),
    "b2b.collection.risk.invoice": _model(
        what="Predicted invoice payments (written by the refresh only)", read=STAFF
    ),
    "b2b.collection.cashin.forecast": _model(
        what="Weekly cash-in forecasts (written by the refresh only)", read=STAFF
    ),
    "b2b.collection.cashin.report": _report("Expected cash-in: forecast vs settled"),
    # -------------------------------------------------------- negotiation
    "b2b.collection.payment.plan": _model(
        what="Payment plans (only drafts are deleted)",
        read=STAFF,
        create=STAFF,
        write=STAFF,
        unlink=[MANAGER],
        unlink_samples=["draft"],
        actions={
            "action_compute_schedule": STAFF,
            "action_activate": STAFF,
            "action_update_from_payments": STAFF,
            "action_cancel": STAFF,
            "action_draft": STAFF,
            "action_open_invoices": READERS,
        },
    ),
    "b2b.collection.payment.plan.instalment": _model(
        what="Payment plan instalments (change only while the plan is a draft)",
        read=STAFF,
        create=STAFF,
        write=STAFF,
        unlink=STAFF,
        unlink_samples=["draft"],
    ),
    "b2b.collection.settlement": _model(
        what="Settlements (approved and written off by managers only; only "
        "drafts are deleted)",
        read=STAFF,
        create=STAFF,
        write=STAFF,
        unlink=[MANAGER],
        unlink_samples=["draft"],
        actions={
            "action_propose": STAFF,
            "action_approve": [MANAGER],
            "action_update_from_payments": STAFF,
            # an approved settlement is cancelled by a manager only
            "action_cancel": {MANAGER: ALL, COLLECTOR: ["draft", "proposed"]},
            "action_draft": STAFF,
            "action_open_invoices": READERS,
            "action_open_writeoff_move": READERS,
            "action_write_off": [MANAGER],
        },
    ),
    # ------------------------------------------------------------ agencies
    "b2b.collection.agency": _model(
        what="Collection agencies (an agency reads its own record)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            AGENCY_NORTH: ["north"],
            AGENCY_KEYSTONE: ["keystone"],
        },
        create=[MANAGER],
        write=[MANAGER],
        unlink=[MANAGER],
        portal_fields=AGENCY_PORTAL_FIELDS,
        actions={
            "action_open_placements": READERS,
            # Odoo's portal access wizard: users with Contact Creation rights
            "action_b2b_grant_portal_access": [],
            "action_open_audits": READERS,
            "action_open_feedback": READERS,
        },
    ),
    "b2b.collection.agency.tier": _config("Agency commission tiers", shared=()),
    "b2b.collection.placement": _model(
        what="Agency placements (an agency reads its own, except drafts)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            AGENCY_NORTH: ["north_running", "north_ended"],
            AGENCY_KEYSTONE: ["keystone_running"],
        },
        create=STAFF,
        write=STAFF,
        unlink=[MANAGER],
        unlink_samples=["draft"],
        portal_fields=PLACEMENT_PORTAL_FIELDS,
        actions={
            "action_place": STAFF,
            "action_activate": STAFF,
            "action_open_recall_wizard": READERS,
            "action_open_close_wizard": READERS,
            "action_open_invoices": READERS,
            "action_open_recoveries": READERS,
        },
    ),
    "b2b.collection.placement.line": _model(
        what="Placed invoices (an agency reads those of its running placements; "
        "they change only while the placement is a draft)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            AGENCY_NORTH: ["north_running"],
            AGENCY_KEYSTONE: ["keystone_running"],
        },
        create=STAFF,
        write=STAFF,
        unlink=STAFF,
        unlink_samples=["draft"],
        portal_fields=(
            "placement_id",
            "move_id",
            "state",
            "agency_id",
            "company_id",
            "partner_id",
            "currency_id",
            "invoice_currency_id",
            "invoice_date_due",
            "placed_amount",
            "placed_amount_currency",
            "days_overdue",
            "residual",
        ),
    ),
    "b2b.collection.placement.update": _model(
        what="Placement status updates and payment reports (evidence: never "
        "changed or deleted; an agency adds them to its running placements)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            AGENCY_NORTH: ["north_running"],
            AGENCY_KEYSTONE: ["keystone_running"],
        },
        create=[*STAFF, *AGENCIES],
        write=STAFF,
        portal_fields=(
            "placement_id",
            "agency_id",
            "company_id",
            "currency_id",
            "date",
            "kind",
            "description",
            "author_id",
            "from_agency",
            "reported_amount",
            "reported_date",
            "report_state",
        ),
        actions={"action_confirm": STAFF, "action_reject": STAFF},
    ),
    "b2b.collection.recovery": _model(
        what="Agency recoveries (written by the attribution only; never deleted)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            AGENCY_NORTH: ["north"],
            AGENCY_KEYSTONE: ["keystone"],
        },
        portal_fields=(
            "placement_id",
            "line_id",
            "move_id",
            "agency_id",
            "company_id",
            "partner_id",
            "currency_id",
            "date",
            "amount",
            "commission_rate",
            "commission_amount",
            "reversal_of_id",
            "reversed",
        ),
    ),
    "b2b.collection.placement.wizard": _wizard(
        "Place with an agency", actions={"action_place": STAFF}
    ),
    "b2b.collection.placement.end": _wizard(
        "Recall or close a placement", actions={"action_confirm": STAFF}
    ),
    "b2b.collection.commission.bill": _wizard(
        "Agency commission bills",
        users=[MANAGER],
        actions={"action_create_bills": [MANAGER]},
    ),
    "b2b.collection.agency.kpi": _report("Agency performance"),
    "b2b.collection.agency.scorecard.wizard": _wizard(
        "Agency scorecard", actions={"action_print": READERS}
    ),
    "b2b.collection.audit.item": _config(
        "Agency audit checklist (shared by all companies)", shared=ALL
    ),
    "b2b.collection.agency.audit": _model(
        what="Agency audits (a completed audit is frozen and kept)",
        read=STAFF,
        create=[MANAGER],
        write=[MANAGER],
        unlink=[MANAGER],
        unlink_samples=["draft"],
        actions={"action_done": [MANAGER], "action_draft": [MANAGER]},
    ),
    "b2b.collection.agency.audit.line": _model(
        what="Agency audit answers (frozen with their audit)",
        read=STAFF,
        create=[MANAGER],
        write=[MANAGER],
        unlink=[MANAGER],
        unlink_samples=["draft"],
    ),
    "b2b.collection.placement.feedback": _model(
        what="Debtor feedback on agencies (evidence: never changed or deleted)",
        read=STAFF,
        create=STAFF,
        write=STAFF,
    ),
    "b2b.collection.assessment": _wizard(
        "In-house versus agency assessment",
        users=[MANAGER],
        actions={"action_refresh": [MANAGER], "action_print": [MANAGER]},
    ),
    "b2b.collection.assessment.line": _wizard(
        "In-house versus agency assessment lines", users=[MANAGER]
    ),
    # ----------------------------------------- fields on standard models
    "account.move": _model(
        what="Collections fields of invoices (internal users read them; "
        "collections users change them)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            ACCOUNTANT: ALL,
            AGENCY_NORTH: ["north_placed"],
            CUSTOMER: ["customer_invoice"],
        },
        write=[MANAGER, COLLECTOR, ACCOUNTANT],
        portal_fields=MOVE_PORTAL_FIELDS,
        actions={
            "action_b2b_log_call": READERS,
            "action_b2b_open_dispute": READERS,
            "action_b2b_resolve_dispute": STAFF,
            "action_b2b_post_despite_hold": [MANAGER],
        },
    ),
    "res.partner": _model(
        what="Collections fields of customers (internal users read them; "
        "collections users change them, managers assign collector and policy)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            ACCOUNTANT: ALL,
            AGENCY_NORTH: ["north_customer"],
            CUSTOMER: ["customer"],
            # customers are shared between companies; figures are per company
            OTHER_COMPANY: ALL,
        },
        write=[MANAGER, COLLECTOR, ACCOUNTANT],
        portal_fields=PARTNER_PORTAL_FIELDS,
        actions={
            "action_b2b_log_call": READERS,
            "action_b2b_open_overdue_invoices": READERS,
            "action_b2b_open_notes": READERS,
            "action_b2b_open_placements": READERS,
            "action_b2b_place_with_agency": READERS,
        },
    ),
    "sale.order": _model(
        what="Collections fields of sale orders (internal users read them; "
        "only the manager's permission to confirm despite a credit hold writes "
        "them)",
        read=[MANAGER, COLLECTOR, ACCOUNTANT],
        write=[MANAGER, COLLECTOR, ACCOUNTANT],
        actions={"action_b2b_confirm_despite_hold": [MANAGER]},
    ),
    "res.company": _model(
        what="Collections settings of the company (internal users read them; "
        "administrators change them in Settings)",
        read={
            MANAGER: ALL,
            COLLECTOR: ALL,
            ACCOUNTANT: ALL,
            AGENCY_NORTH: ALL,
            AGENCY_KEYSTONE: ALL,
            CUSTOMER: ALL,
        },
        write=[],
    ),
}

# Models of the addon that hold no data of their own (besides the abstract
# ones: mixins, the renderers of PDF and XLSX reports, the demo generator,
# which have no records at all).
NOT_DATA_MODELS = {
    "res.config.settings": "the Settings page: administrators only (Odoo's rule); "
    "its collections fields write through to the company",
    "portal.wizard.user": "Odoo's portal access wizard, extended",
    "account.partial.reconcile": "Odoo's reconciliation, extended with hooks",
    "account.move.line": "Odoo's journal items, extended with the rules of the "
    "receivable and open receivable line (no field of ours)",
}


# ------------------------------------------------------- docs/security.md

ROLE_COLUMNS = (MANAGER, COLLECTOR, ACCOUNTANT, AGENCY_NORTH, CUSTOMER)
ROLE_HEADS = ("Manager", "Collector", "Accountant", "Agency", "Customer")


def _cell(model, role, policy):
    """What ``role`` may do with ``model``: R(ead, own scope: r), C, W, D."""
    scope = policy["read"].get(role)
    letters = "R" if scope == ALL else ("r" if scope else "")
    for op, letter in (("create", "C"), ("write", "W"), ("unlink", "D")):
        if role in policy[op] and scope:
            letters += letter
    return letters or "-"


def _actions_cell(actions):
    parts = []
    for action, roles in sorted(actions.items()):
        if roles == READERS:
            who = "readers"
        elif isinstance(roles, dict):
            who = ", ".join(
                role if scope == ALL else f"{role} ({', '.join(scope)})"
                for role, scope in roles.items()
            )
        else:
            who = ", ".join(roles)
        parts.append(f"`{action}`: {who}")
    return "<br>".join(parts)


def render_markdown(env, own_fields, is_report):
    """The generated part of docs/security.md, from this declaration and the
    fields' write rules as the registry of ``env`` defines them."""
    from odoo.addons.b2b_collections.models.b2b_collection_guard import WRITE_RULES

    out = ["## Roles", "", "| Role | Who |", "|---|---|"]
    out += [f"| `{role}` | {label} |" for role, label in ROLES.items()]
    out += [
        "",
        "## Models",
        "",
        "R: reads all the records of its companies; r: only its own (its agency's, "
        "its company's documents); C: creates; W: writes (each field by its rule, "
        "below); D: deletes (only in the states said). `agency_keystone` has the "
        "same rights as `agency_north`, on its own agency. `other_company`, a "
        "collector of another company, has a collector's rights in its own "
        "company and nothing in the others', except what they share: stages, "
        "policies and levels without a company, the audit checklist, and the "
        "customers themselves (their figures are per company).",
        "",
        "| Model | What | " + " | ".join(ROLE_HEADS) + " |",
        "|---|---|" + "---|" * len(ROLE_HEADS),
    ]
    for model, policy in sorted(POLICY.items()):
        cells = " | ".join(_cell(model, role, policy) for role in ROLE_COLUMNS)
        out.append(f"| `{model}` | {policy['what']} | {cells} |")
    out += [
        "",
        "## Actions",
        "",
        "| Model | Actions and who may call them |",
        "|---|---|",
    ]
    for model, policy in sorted(POLICY.items()):
        if policy["actions"]:
            out.append(f"| `{model}` | {_actions_cell(policy['actions'])} |")
    out += ["", "## Field write rules", "", "| Rule | Who may write the field |"]
    out += ["|---|---|"] + [f"| `{r}` | {text} |" for r, text in WRITE_RULES.items()]
    out += ["", "| Model | Fields by rule |", "|---|---|"]
    for model in sorted(POLICY):
        if is_report(env, model):
            out.append(f"| `{model}` | SQL report: no field is ever written |")
            continue
        records = env[model]
        by_rule = {}
        for name in own_fields(env, model):
            rule = records._b2b_write_rule(name) or "-"
            by_rule.setdefault(rule, []).append(name)
        parts = [
            f"**{rule}**: " + ", ".join(f"`{n}`" for n in names)
            for rule, names in sorted(by_rule.items())
        ]
        out.append(f"| `{model}` | " + "<br>".join(parts) + " |")
    out += ["", "## Fields portal users read", ""]
    out.append(
        "Every field the addons add is for internal users (`groups=base.group_user`) "
        "except these, on the records a portal user's rules let it read:"
    )
    out += ["", "| Model | Fields |", "|---|---|"]
    for model, policy in sorted(POLICY.items()):
        if policy["portal_fields"]:
            names = ", ".join(f"`{n}`" for n in sorted(policy["portal_fields"]))
            out.append(f"| `{model}` | {names} |")
    out += ["", "## Not data models", ""]
    out += [f"- `{model}`: {why}" for model, why in sorted(NOT_DATA_MODELS.items())]
    return "\n".join(out) + "\n"
