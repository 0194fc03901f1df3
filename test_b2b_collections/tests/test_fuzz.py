"""Fuzz: every field of the addon that can be written, on every model and
wizard of the addon (and the fields it adds to Odoo's models), is fed hostile
values through create and write, as the least privileged role that may write.

The models and fields come from the registry (the fields the b2b_collections
modules define), so a new field is fuzzed without touching this file; a new
model needs a line in SEEDS (valid values to create one), or in SKIP_MODELS
with the reason, or the test says so.

Each attempt must either be refused with a UserError (ValidationError,
MissingError...) or an AccessError and leave the database as it was, or be
accepted with a sane stored value: a finite number within AMOUNT_MAX, a date
from 1900 to 2199, the text as typed (shown escaped by QWeb), HTML without
its script, a link to a record of the same company. Anything else (an
OverflowError, a psycopg2 DataError, a ValueError...) is what a JSON-RPC caller
gets as a server error, and fails the test.

psycopg2's IntegrityError counts as refused: Odoo's RPC layer answers it as a
ValidationError (odoo.service.model.retrying); it is what a link to a record
that does not exist raises.
"""

import math
import random
import string
from datetime import datetime, timedelta
from functools import partial

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation
from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.b2b_collections_agency.tests.test_agency import AgencyCase

MODULE = "b2b_collections"
SEED = 20260331
FUZZED_TYPES = (
    "integer",
    "float",
    "monetary",
    "date",
    "datetime",
    "char",
    "text",
    "html",
    "many2one",
)
NUMBERS = [math.inf, -math.inf, math.nan, 1e308, -1e308, -1.0, 0.0, 1e15]
INTEGERS = [-(10**9), 10**9, 2**31, -1]
BIG_TEXT = "x" * 100_000
SCRIPT = "<script>alert(1)</script>"
TEXTS = [BIG_TEXT, SCRIPT, "nul\x00byte"]


_rng = random.Random(SEED)
GARBAGE = [
    "".join(_rng.choice(string.printable) for _i in range(12)) for _j in range(2)
]
HOSTILE = {
    "integer": INTEGERS,
    "float": NUMBERS,
    "monetary": NUMBERS,
    "date": ["0001-01-01", "9999-12-31", "garbage", *GARBAGE],
    "datetime": ["0001-01-01 00:00:00", "9999-12-31 23:59:59", "garbage", GARBAGE[0]],
    "char": TEXTS,
    "text": TEXTS,
    "html": TEXTS,
}
# Creating is slower than writing: each field gets this many of its values
# on create (picked with the fixed seed), all of them on write.
CREATE_SAMPLE = 3

# Models with fields of the addon that are not fuzzed, and why.
SKIP_MODELS = {
    # SQL views (_auto = False): nothing to write, the ACL gives read only
    "b2b.collection.worklist": "SQL view",
    "b2b.collection.aging": "SQL view",
    "b2b.collection.kpi": "SQL view",
    "b2b.collection.collector.kpi": "SQL view",
    "b2b.collection.agency.kpi": "SQL view",
    "b2b.collection.cashin.report": "SQL view",
    # every field of the settings is related to the company: fuzzed there
    "res.config.settings": "related to res.company",
}
# Fields not fuzzed, and why.
SKIP_FIELDS = {
    # written by the attribution in SQL; nobody may write recoveries (checked
    # by test_recoveries_are_read_only)
    ("b2b.collection.recovery", "*"): "read only for every role",
}
# Creating these core records generically is not possible: their fields of
# the addon are fuzzed through write only.
WRITE_ONLY = ("account.move", "res.partner", "res.company", "sale.order")


class FuzzCase(AgencyCase):
    """One record of every model of the addon (SEEDS), a second company with
    records of its own, and the roles."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.admin = new_test_user(
            cls.env,
            login="b2b_fuzz_admin",
            groups="base.group_system,b2b_collections.group_b2b_collection_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.roles = (cls.collector, cls.manager, cls.admin)
        cls.company.b2b_fee_account_id = cls.company_data["default_account_revenue"]
        cls._other_company_records()
        cls._fixtures()
        cls.records = {}
        for model, seed in SEEDS.items():
            role = cls._role(model, "create")
            Model = cls.env[model].with_user(role) if role else cls.env[model].sudo()
            cls.records[model] = Model.create(seed(cls)).with_user(cls.env.user)

    @classmethod
    def _fixtures(cls):
        Partner = cls.env["res.partner"]
        cls.inv_placed = cls.invoice(1000.0, due=TODAY - timedelta(days=40))
        cls.inv_free = cls.invoice(600.0, due=TODAY - timedelta(days=20))
        cls.inv_other = cls.invoice(300.0, due=TODAY - timedelta(days=15))
        cls.placement = cls.place(cls.inv_placed)
        cls.customer_2 = Partner.create({"name": "Settle Ltd", "is_company": True})
        cls.inv_settle = cls.invoice(
            900.0, due=TODAY - timedelta(days=70), partner=cls.customer_2
        )
        cls.policy = cls.env["b2b.collection.policy"].create(
            {"name": "Fuzz ladder", "company_id": cls.company.id}
        )
        cls.level = cls.env["b2b.collection.policy.level"].create(
            {
                "policy_id": cls.policy.id,
                "name": "Letter",
                "trigger_days": 10,
                "channel_email": False,
                "channel_letter": True,
            }
        )
        cls.free_agency = cls.env["b2b.collection.agency"].create(
            {"partner_id": Partner.create({"name": "Tierless", "is_company": True}).id}
        )
        cls.item = cls.env["b2b.collection.audit.item"].create({"name": "Licence"})
        cls.audit = cls.env["b2b.collection.agency.audit"].create(
            {"agency_id": cls.agency.id, "line_ids": False}
        )
        # the engine's records, written as the engine writes them
        cls.reminder_run = (
            cls.env["b2b.collection.run"]
            .sudo()
            .create({"company_id": cls.company.id, "date": TODAY, "trigger": "manual"})
        )
        cls.contact = (
            cls.env["b2b.collection.contact"]
            .sudo()
            .create({"company_id": cls.company.id, "partner_id": cls.customer.id})
        )
        cls.dispute = cls.env["b2b.collection.dispute"].create(
            {
                "partner_id": cls.customer.id,
                "move_ids": [Command.set(cls.inv_other.ids)],
                "reason": "Goods damaged",
            }
        )
        cls.plan = cls.env["b2b.collection.payment.plan"].create(
            {"partner_id": cls.customer.id, "move_ids": [Command.set(cls.inv_free.ids)]}
        )
        cls.assessment = (
            cls.env["b2b.collection.assessment"].with_user(cls.manager).create({})
        )
        cls.quotation = cls.env["sale.order"].create({"partner_id": cls.customer.id})
        cls.run_wizard = (
            cls.env["b2b.collection.run.wizard"].with_user(cls.manager).create({})
        )

    @classmethod
    def _other_company_records(cls):
        """A record of the second company for each model a field links to."""
        cls.company_2 = cls.setup_other_company(name="Fuzz Co 2")["company"]
        env2 = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.company_2.ids)
        )
        partner = env2["res.partner"].create(
            {
                "name": "Other Co Customer",
                "is_company": True,
                "company_id": cls.company_2.id,
            }
        )
        cls.invoice(100.0, due=TODAY, partner=partner, company=cls.company_2)
        agency = env2["b2b.collection.agency"].create(
            {"partner_id": partner.id, "company_id": cls.company_2.id}
        )
        env2["b2b.collection.placement"].create(
            {
                "agency_id": agency.id,
                "partner_id": partner.id,
                "company_id": cls.company_2.id,
            }
        )
        env2["b2b.collection.policy"].create(
            {"name": "Other ladder", "company_id": cls.company_2.id}
        )
        env2["b2b.collection.stage"].create(
            {"name": "Other stage", "company_id": cls.company_2.id}
        )

    @classmethod
    def _role(cls, model, operation):
        """The least privileged role allowed ``operation`` on ``model``."""
        for user in cls.roles:
            if cls.env[model].with_user(user).has_access(operation):
                return user
        return None

    # --------------------------------------------------------------- checks

    def _other_company_record(self, comodel):
        """A record of the second company that a record of the first may not
        link to (Odoo's own definition: ``_check_company_domain``). Users
        are left out: they belong to several companies at once."""
        Comodel = self.env[comodel].sudo().with_context(active_test=False)
        fields_ = Comodel._fields
        if comodel == "res.users" or not {"company_id", "company_ids"} & set(fields_):
            return None
        candidates = Comodel.search(
            Comodel._check_company_domain(self.company_2), order="id desc", limit=20
        )
        mine = candidates.filtered_domain(Comodel._check_company_domain(self.company))
        return (candidates - mine)[:1]

    def _hostile(self, field):
        if field.type != "many2one":
            return list(HOSTILE[field.type])
        values = [
            self.env[field.comodel_name].sudo().search([], order="id desc", limit=1).id
            + 10**6
        ]
        other = self._other_company_record(field.comodel_name)
        if other:
            values.append(other.id)
        return values

    def _insane(self, record, field, value):
        """Why the value stored for ``field`` is not sane, or None."""
        record.invalidate_recordset()
        stored = record.sudo()[field.name]
        if field.type in ("float", "monetary", "integer"):
            if not math.isfinite(stored) or abs(stored) > validation.AMOUNT_MAX:
                return f"stored {stored!r}"
        elif field.type in ("date", "datetime") and stored:
            day = stored.date() if isinstance(stored, datetime) else stored
            if not validation.DATE_MIN <= day <= validation.DATE_MAX:
                return f"stored {stored!r}"
        elif field.type in ("char", "text"):
            if stored != value:
                return f"stored {stored[:40]!r}... instead of the text typed"
        elif field.type == "html":
            if "<script" in (stored or ""):
                return "stored a script"
        elif field.type == "many2one":
            return self._insane_link(record, field, stored, value)
        return None

    def _insane_link(self, record, field, stored, value):
        if stored.id != value:
            return None
        if not stored.exists():
            return "linked to a record that does not exist"
        if record._name == "res.company":
            companies = record.sudo()
        elif "company_id" in record._fields:
            companies = record.sudo().company_id
        else:
            return None  # no company of its own: nothing to compare with
        target = stored.sudo().with_context(active_test=False)
        if (
            companies
            and target._name != "res.users"
            and {"company_id", "company_ids"} & set(target._fields)
            and not target.filtered_domain(target._check_company_domain(companies))
        ):
            return f"linked to {target.display_name}, of another company"
        return None

    def _try(self, action, snapshot):
        """Run ``action`` in a savepoint that is always rolled back, as a
        JSON-RPC call's transaction is on error; return ('accepted', why the
        stored value is not sane or None), ('refused', exc) or ('crashed',
        exc). A refusal must leave ``snapshot()`` as it was."""
        before = snapshot()
        try:
            with self.env.cr.savepoint():
                raise _Done(("accepted", action()))
        except _Done as done:
            outcome = done.outcome
        except (UserError, AccessError, IntegrityError) as exc:
            outcome = ("refused", exc)
        except Exception as exc:
            outcome = ("crashed", exc)
        self.env.invalidate_all()
        if outcome[0] == "refused":
            self.assertEqual(
                snapshot(), before, f"a refused attempt wrote: {outcome[1]}"
            )
        return outcome

    def _write(self, record, role, field, value):
        record.with_user(role).write({field.name: value})
        self.env.flush_all()
        return self._insane(record, field, value)

    def _create(self, model, role, field, vals):
        record = self.env[model].with_user(role).create(vals)
        self.env.flush_all()
        return self._insane(record, field, vals[field.name])

    def _counts(self, model):
        return self._count(model), self._count("mail.message")

    def _count(self, model):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM %s", SQL.identifier(self.env[model]._table))
        )
        return self.env.cr.fetchone()[0]


class _Done(Exception):
    """Leaves the savepoint of an accepted attempt (rolled back)."""

    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestFuzz(FuzzCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.records.update(
            {
                "account.move": cls.inv_free,
                "res.partner": cls.customer,
                "res.company": cls.company,
                "sale.order": cls.quotation,
            }
        )

    def _fuzzed_fields(self):
        """{model: [fields]}: the fields the addon defines, of a fuzzed type,
        that a caller can write (not related, not a read-only compute), on
        models that are neither abstract nor skipped."""
        fuzzed = {}
        for name in sorted(self.env.registry):
            Model = self.env[name]
            if Model._abstract or name in SKIP_MODELS:
                continue
            if (name, "*") in SKIP_FIELDS:
                continue
            fields_ = [
                field
                for field in Model._fields.values()
                if (field._module or "").startswith(MODULE)
                and field.type in FUZZED_TYPES
                and not field.related
                and not (field.compute and field.readonly)
                and (field.store or field.inverse)
                and (name, field.name) not in SKIP_FIELDS
            ]
            if fields_:
                fuzzed[name] = sorted(fields_, key=lambda f: f.name)
        return fuzzed

    def _stored(self, record, field):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE id = %s",
                SQL.identifier(field.name),
                SQL.identifier(record._table),
                record.id,
            )
        )
        return self.env.cr.fetchall(), self._count("mail.message")

    def _judge(self, failures, label, outcome):
        kind, detail = outcome
        if kind == "crashed":
            failures.append(
                f"{label}: {type(detail).__module__}.{type(detail).__name__}: {detail}"[
                    :400
                ]
            )
        elif kind == "accepted" and detail:
            failures.append(f"{label}: accepted, {detail}")

    def test_every_model_is_seeded_or_skipped(self):
        missing = [
            model
            for model in self._fuzzed_fields()
            if model not in SEEDS and model not in WRITE_ONLY
        ]
        self.assertFalse(
            missing,
            f"No seed for {', '.join(missing)}: add valid values to SEEDS (or a "
            "reason to SKIP_MODELS).",
        )

    @mute_logger("odoo.sql_db", "odoo.models.unlink")
    def test_fuzz_write(self):
        failures, tally = [], {"accepted": 0, "refused": 0, "crashed": 0}
        for model, fields_ in self._fuzzed_fields().items():
            record = self.records[model]
            role = self._role(model, "write")
            if role is None:
                with self.assertRaises(AccessError):
                    record.with_user(self.manager).write({fields_[0].name: False})
                continue
            for field in fields_:
                for value in self._hostile(field):
                    outcome = self._try(
                        partial(self._write, record, role, field, value),
                        partial(self._stored, record, field),
                    )
                    tally[outcome[0]] += 1
                    label = f"write {model}.{field.name} = {validation.show(value)}"
                    self._judge(failures, f"{label} as {role.login}", outcome)
        self.assertFalse(failures, "\n".join(failures[:100]))
        # it did fuzz: values were both accepted and refused
        self.assertGreater(tally["refused"], 500, tally)
        self.assertGreater(tally["accepted"], 50, tally)

    @mute_logger("odoo.sql_db", "odoo.models.unlink")
    def test_fuzz_create(self):
        rng = random.Random(SEED)
        failures, tally = [], {"accepted": 0, "refused": 0, "crashed": 0}
        for model, fields_ in self._fuzzed_fields().items():
            if model in WRITE_ONLY:
                continue
            role = self._role(model, "create")
            if role is None:
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.manager).create(SEEDS[model](self))
                continue
            for field in fields_:
                hostile = self._hostile(field)
                for value in rng.sample(hostile, min(CREATE_SAMPLE, len(hostile))):
                    vals = dict(SEEDS[model](self), **{field.name: value})
                    outcome = self._try(
                        partial(self._create, model, role, field, vals),
                        partial(self._counts, model),
                    )
                    tally[outcome[0]] += 1
                    label = (
                        f"create {model} with {field.name} = {validation.show(value)}"
                    )
                    self._judge(failures, f"{label} as {role.login}", outcome)
        self.assertFalse(failures, "\n".join(failures[:100]))
        self.assertGreater(tally["refused"], 200, tally)
        self.assertGreater(tally["accepted"], 20, tally)

    def test_recoveries_are_read_only(self):
        """Recoveries are written by the attribution only: no role may create
        or change one, whatever the value."""
        self.pay(self.inv_placed, amount=100.0, pay_date=TODAY)
        recovery = self.placement.recovery_ids
        self.assertEqual(len(recovery), 1)
        for user in self.roles[:2]:
            with self.assertRaises(AccessError):
                recovery.with_user(user).write({"amount": 1e15})
            with self.assertRaises(AccessError):
                self.env["b2b.collection.recovery"].with_user(user).create(
                    {"placement_id": self.placement.id, "amount": math.inf}
                )


def _seed_record(model):
    return lambda cls: cls.records[model].id


# Values that create a valid record of each model: the record written to,
# and the base of the records created with one hostile value.
SEEDS = {
    # the risk refresh's records, created as the refresh does (no role may)
    "b2b.collection.risk.model": lambda cls: {"company_id": cls.company.id},
    "b2b.collection.risk.score": lambda cls: {
        "partner_id": cls.customer.id,
        "company_id": cls.company.id,
    },
    "b2b.collection.risk.invoice": lambda cls: {
        "move_id": cls.inv_free.id,
        "partner_id": cls.customer.id,
        "company_id": cls.company.id,
    },
    "b2b.collection.cashin.forecast": lambda cls: {
        "company_id": cls.company.id,
        "date_made": TODAY,
        "week_start": TODAY,
    },
    "b2b.collection.stage": lambda cls: {"name": "Fuzz stage"},
    "b2b.collection.policy": lambda cls: {"name": "Fuzz policy"},
    "b2b.collection.policy.level": lambda cls: {
        "policy_id": cls.policy.id,
        "name": "Fuzz level",
        "sequence": 50,
        "trigger_days": 100,
        "channel_email": False,
        "channel_letter": True,
    },
    "b2b.collection.note": lambda cls: {
        "partner_id": cls.customer.id,
        "outcome": "no_answer",
    },
    "b2b.collection.dispute": lambda cls: {
        "partner_id": cls.customer.id,
        "move_ids": [Command.set(cls.inv_other.ids)],
        "reason": "Wrong quantity",
    },
    "b2b.collection.dispute.resolve": lambda cls: {
        "dispute_ids": [Command.set(cls.dispute.ids)],
    },
    "b2b.collection.credit.override": lambda cls: {
        "move_id": cls.inv_other.id,
        "reason": "Prepaid order",
    },
    "b2b.collection.reference.rate": lambda cls: {
        "currency_id": cls.env.ref("base.EUR").id,
        "date_from": TODAY,
        "rate": 2.0,
    },
    "b2b.collection.charge": lambda cls: {
        "company_id": cls.company.id,
        "partner_id": cls.customer.id,
        "move_id": cls.inv_free.id,
        "kind": "payment",
        "state": "to_decide",
        "date": TODAY,
    },
    "b2b.collection.run": lambda cls: {
        "company_id": cls.company.id,
        "date": TODAY,
        "trigger": "manual",
    },
    "b2b.collection.run.issue": lambda cls: {
        "run_id": cls.reminder_run.id,
        "message": "Oops",
    },
    "b2b.collection.contact": lambda cls: {
        "company_id": cls.company.id,
        "partner_id": cls.customer.id,
    },
    "b2b.collection.contact.line": lambda cls: {
        "contact_id": cls.contact.id,
        "move_id": cls.inv_free.id,
        "level_id": cls.level.id,
        "currency_id": cls.currency.id,
    },
    "b2b.collection.run.wizard": lambda cls: {},
    "b2b.collection.run.wizard.line": lambda cls: {"wizard_id": cls.run_wizard.id},
    "b2b.collection.agency": lambda cls: {
        "partner_id": cls.env["res.partner"]
        .create({"name": "Fuzz Agency", "is_company": True})
        .id,
    },
    "b2b.collection.agency.tier": lambda cls: {
        "agency_id": cls.free_agency.id,
        "min_age": 0,
        "rate": 10,
    },
    "b2b.collection.placement": lambda cls: {
        "agency_id": cls.agency.id,
        "partner_id": cls.customer.id,
    },
    "b2b.collection.placement.line": lambda cls: {
        "placement_id": cls.records["b2b.collection.placement"].id,
        "move_id": cls.inv_free.id,
    },
    "b2b.collection.placement.update": lambda cls: {
        "placement_id": cls.placement.id,
        "kind": "contact",
        "description": "Called",
    },
    "b2b.collection.placement.feedback": lambda cls: {
        "placement_id": cls.placement.id,
        "rating": 4,
    },
    "b2b.collection.placement.wizard": lambda cls: {"agency_id": cls.agency.id},
    "b2b.collection.placement.end": lambda cls: {
        "placement_id": cls.placement.id,
        "mode": "recall",
    },
    "b2b.collection.commission.bill": lambda cls: {},
    "b2b.collection.audit.item": lambda cls: {"name": "Fuzz item"},
    "b2b.collection.agency.audit": lambda cls: {
        "agency_id": cls.agency.id,
        "line_ids": False,
    },
    "b2b.collection.agency.audit.line": lambda cls: {
        "audit_id": cls.audit.id,
        "item_id": cls.item.id,
    },
    "b2b.collection.payment.plan": lambda cls: {
        "partner_id": cls.customer.id,
        "move_ids": [Command.set(cls.inv_free.ids)],
    },
    "b2b.collection.payment.plan.instalment": lambda cls: {
        "plan_id": cls.plan.id,
        "due_date": TODAY + timedelta(days=30),
        "amount": 100.0,
    },
    "b2b.collection.settlement": lambda cls: {
        "partner_id": cls.customer_2.id,
        "settled_amount": 500.0,
    },
    "b2b.collection.aging.as.of": lambda cls: {},
    "b2b.collection.aging.export": lambda cls: {},
    "b2b.collection.kpi.summary.wizard": lambda cls: {},
    "b2b.collection.agency.scorecard.wizard": lambda cls: {},
    "b2b.collection.assessment": lambda cls: {},
    "b2b.collection.assessment.line": lambda cls: {
        "assessment_id": cls.assessment.id,
        "band": "91_180",
    },
}
