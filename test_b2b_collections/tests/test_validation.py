"""The value rules of models/b2b_collection_validation.py at their
boundaries, through real records: the input guard (before the ORM converts a
value), the constraints, the parsing of dates from a context or report
options, and one regression test per bad input that crashed or was accepted."""

import json
from datetime import date, timedelta
from urllib.parse import quote

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation
from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.b2b_collections_agency.tests.test_agency import AgencyCase
from odoo.addons.b2b_collections_agency_portal.tests.test_agency_portal import (
    AgencyPortalCase,
)

REPORT = "b2b_collections.report_b2b_aged_receivables"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestValidationRules(AgencyCase):
    """Each rule at its boundary: the last value accepted, the first refused,
    with a message naming the field and the value; a refused value leaves the
    record as it was."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["b2b.collection.policy"].create(
            {
                "name": "Letters only",
                "company_id": cls.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Only level",
                            "trigger_days": 10,
                            "channel_email": False,
                            "channel_letter": True,
                        }
                    )
                ],
            }
        )
        cls.level = cls.policy.level_ids
        cls.company.b2b_fee_account_id = cls.company_data["default_account_revenue"]

    def assertRefused(self, record, vals, pattern, exception=ValidationError):
        """``record.write(vals)`` raises ``exception`` matching ``pattern`` and
        the record keeps its values."""
        before = record.read(list(vals))[0]
        with self.assertRaisesText(exception, pattern):
            record.write(vals)
        record.invalidate_recordset()
        self.assertEqual(record.read(list(vals))[0], before)

    def test_amounts_up_to_a_trillion(self):
        self.agency.fixed_fee = 1e12
        self.assertEqual(self.agency.fixed_fee, 1e12)
        self.assertRefused(
            self.agency,
            {"fixed_fee": 1e12 + 0.01},
            r"Fixed Fee per Placement: 1,000,000,000,000\.01 is out of range",
        )

    def test_non_finite_and_huge_numbers_are_refused_before_conversion(self):
        # inf, nan and 1e308 crashed Odoo's rounding (OverflowError, ValueError)
        # on a monetary field, and were stored as such on a plain float
        for value, shown in [
            (float("inf"), "inf"),
            (float("-inf"), "-inf"),
            (float("nan"), "nan"),
            (1e308, "1e[+]308"),
            (-1e308, "-1e[+]308"),
            ("1e999", "inf"),
            (10**400, "inf"),
        ]:
            with self.subTest(value=value):
                self.assertRefused(
                    self.agency,
                    {"fixed_fee": value},
                    f"Fixed Fee per Placement: {shown} is out of range",
                )
        note = self.env["b2b.collection.note"].create(
            {"partner_id": self.customer.id, "outcome": "no_answer", "duration": 0.5}
        )
        for value in (float("inf"), float("nan"), 1e308):
            with self.subTest(duration=value):
                self.assertRefused(
                    note, {"duration": value}, "Duration: .* out of range"
                )
        self.assertRefused(self.agency, {"fixed_fee": "lots"}, "'lots' is not a number")

    def test_integers_fit_postgresql(self):
        # 2**31 was a psycopg2 NumericValueOutOfRange, raised at the INSERT of
        # a create before any constraint could speak
        Level = self.env["b2b.collection.policy.level"]
        for value in (2**31, -(2**31) - 1, float("inf")):
            with (
                self.subTest(value=value),
                self.assertRaisesText(
                    ValidationError,
                    "Days After Due Date must be a whole number between "
                    "-2,147,483,648 and 2,147,483,647",
                ),
            ):
                Level.create(
                    {
                        "policy_id": self.policy.id,
                        "name": "Huge",
                        "trigger_days": value,
                        "channel_letter": True,
                        "channel_email": False,
                    }
                )
        self.assertRefused(self.agency, {"max_debt_age": "many"}, "is not a number")
        self.assertEqual(self.policy.level_ids, self.level)

    def test_policy_level_days(self):
        # a year before the due date to ten years after it
        self.level.trigger_days = -365
        self.level.trigger_days = 3650
        for value in (-366, 3651, 1000000, -1000000):
            with self.subTest(value=value):
                self.assertRefused(
                    self.level,
                    {"trigger_days": value},
                    r"Days After Due Date must be between -365 and 3,650 days "
                    rf"\(got {validation.show(value)}\)",
                )

    def test_dates_from_1900_to_2199(self):
        for value in ("1900-01-01", "2199-12-31"):
            self.agency.licence_expiry = value
            self.assertEqual(self.agency.licence_expiry, date.fromisoformat(value))
        for value in ("1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31"):
            with self.subTest(value=value):
                self.assertRefused(
                    self.agency,
                    {"licence_expiry": value},
                    f"Licence Expiry: {value} is outside the dates the books accept "
                    r"\(1900-01-01 to 2199-12-31\)",
                )
        for value in ("garbage", "2026-02-30", "31/03/2026", 20260331, ["2026-03-31"]):
            with self.subTest(value=value):
                self.assertRefused(
                    self.agency,
                    {"licence_expiry": value},
                    r"Licence Expiry: .* is not a date \(expected YYYY-MM-DD\)",
                )
        # the date of a call note is given once, at creation
        with self.assertRaisesText(ValidationError, "outside the dates"):
            self.env["b2b.collection.note"].create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "no_answer",
                    "date": "0001-01-01 00:00:00",
                }
            )

    def test_percentages_and_signs(self):
        self.level.fee_percent = 100
        self.assertRefused(
            self.level,
            {"fee_percent": 100.01},
            r"Fee \(% of Overdue\) is a percentage between 0 and 100 \(got 100.01\)",
        )
        self.assertRefused(
            self.level,
            {"min_amount": -0.01},
            r"Minimum Amount cannot be negative \(got -0.01\)",
        )
        self.assertRefused(
            self.agency.tier_ids[:1],
            {"max_age": 3651},
            r"To Days Overdue must be between 0 and 3,650 days \(got 3,651\)",
        )
        self.assertRefused(
            self.company,
            {"b2b_promise_tolerance": 100},
            "Promise tolerance .* is a percentage between 0 and 99.99",
        )

    def test_texts(self):
        stage = self.stage("current")
        stage.name = "x" * validation.CHAR_MAX
        self.assertRefused(
            stage, {"name": "x" * 257}, "Name is too long: 257 characters, at most 256"
        )
        self.policy.description = "y" * validation.TEXT_MAX
        self.assertRefused(
            self.policy,
            {"description": "y" * 10001},
            "Description is too long: 10,001 characters, at most 10,000",
        )
        # PostgreSQL refuses NUL characters in text: a ValueError of psycopg2
        self.assertRefused(
            self.agency, {"licence_number": "INK\x004711"}, "contains a NUL character"
        )
        # markup is text like any other: stored as typed, escaped where shown
        self.policy.description = "<script>alert(1)</script>"
        self.assertEqual(self.policy.description, "<script>alert(1)</script>")

    def test_selection_values(self):
        note = self.env["b2b.collection.note"].create(
            {"partner_id": self.customer.id, "outcome": "no_answer"}
        )
        self.assertRefused(
            note, {"channel": "pigeon"}, "Channel: 'pigeon' is not one of the choices"
        )

    def test_parse_date(self):
        parse = validation.parse_date
        self.assertEqual(parse(self.env, "2026-03-31"), date(2026, 3, 31))
        self.assertEqual(parse(self.env, date(2026, 3, 31)), date(2026, 3, 31))
        self.assertIsNone(parse(self.env, ""))
        self.assertIsNone(parse(self.env, False))
        for value, message in [
            ("garbage", r"As of: 'garbage' is not a date \(expected YYYY-MM-DD\)"),
            ("2026-02-30", "is not a date"),
            (20260331, "is not a date"),
            ({"date": "2026-03-31"}, "is not a date"),
            ("0001-01-01", "outside the dates the books accept"),
            ("9999-12-31", "outside the dates the books accept"),
        ]:
            with (
                self.subTest(value=value),
                self.assertRaisesText(UserError, message),
            ):
                parse(self.env, value, "As of")

    def test_customer_invoices(self):
        """One rule (``check_customer_invoices``), one message: a call note,
        a dispute, a late charge and a reminder line refuse the invoices of
        another customer."""
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        foreign = self.invoice(100.0, due=TODAY, partner=other)
        mine = self.invoice(100.0, due=TODAY)
        message = f"Invoices {foreign.name} are not invoices of {self.customer.name}"
        with self.assertRaisesText(ValidationError, message):
            self.env["b2b.collection.note"].create(
                {
                    "partner_id": self.customer.id,
                    "outcome": "reached",
                    "invoice_ids": [Command.set(foreign.ids)],
                }
            )
        with self.assertRaisesText(ValidationError, message):
            self.env["b2b.collection.dispute"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set((mine | foreign).ids)],
                    "reason": "Damaged",
                }
            )
        charges = self.env["b2b.collection.charge"].sudo()
        charge = {
            "company_id": self.company.id,
            "partner_id": self.customer.id,
            "kind": "payment",
            "date": TODAY,
        }
        with self.assertRaisesText(
            ValidationError, f"{message} in {self.company.name}"
        ):
            charges.create({**charge, "move_id": foreign.id})
        self.assertEqual(charges.create({**charge, "move_id": mine.id}).move_id, mine)
        contact = (
            self.env["b2b.collection.contact"]
            .sudo()
            .create({"company_id": self.company.id, "partner_id": self.customer.id})
        )
        with self.assertRaisesText(ValidationError, message):
            contact.write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "move_id": foreign.id,
                                "level_id": self.level.id,
                                "currency_id": foreign.currency_id.id,
                            }
                        )
                    ]
                }
            )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestValidationRegressions(AgencyPortalCase):
    """The bad inputs that crashed (a raw ValueError or OverflowError: a
    server error) or were accepted although absurd, each refused with a
    message now."""

    def test_garbage_as_of_context_is_a_user_error(self):
        Aging = self.env["b2b.collection.aging"]
        for value, message in [
            ("garbage", "is not a date"),
            ("2026-13-01", "is not a date"),
            ("0001-01-01", "outside the dates"),
            (42, "is not a date"),
        ]:
            with (
                self.subTest(value=value),
                self.assertRaisesText(UserError, message),
            ):
                Aging.with_context(b2b_as_of=value).search([])
        # a valid date still works, and so does no date
        Aging.invalidate_model()
        rows = Aging.with_context(b2b_as_of="2026-03-31").search(
            [("move_id", "=", self.inv_free.id)]
        )
        self.assertEqual(rows.mapped("amount_residual"), [400.0])

    def test_garbage_active_ids_are_a_user_error(self):
        Wizard = self.env["b2b.collection.placement.wizard"].with_user(self.collector)
        for ids in (["x"], "7", [1.5], [True]):
            with (
                self.subTest(ids=ids),
                self.assertRaisesText(UserError, "must be given by their ids"),
            ):
                Wizard.with_context(
                    active_model="account.move", active_ids=ids
                ).default_get(["move_ids"])
        values = Wizard.with_context(
            active_model="account.move", active_ids=self.inv_free.ids
        ).default_get(["move_ids"])
        self.assertEqual(values["move_ids"], [Command.set(self.inv_free.ids)])

    def test_garbage_report_options_are_user_errors(self):
        report = self.env["report.b2b_collections.report_b2b_aged_receivables"]
        company = self.company.ids
        for options, message in [
            ({"as_of": "garbage", "company_ids": company}, "is not a date"),
            ({"as_of": "9999-12-31", "company_ids": company}, "outside the dates"),
            ({"as_of": "2026-03-31", "company_ids": ["x"]}, "list of company ids"),
            ({"as_of": "2026-03-31", "company_ids": 7}, "list of company ids"),
            ({"as_of": "2026-03-31", "bounds": [30, 60, 90, 10**6]}, "up to 3650"),
            ({"as_of": "2026-03-31", "evil": 1}, "options are not understood"),
            (["as_of"], "options are not understood"),
            ({"company_ids": company}, "options are not understood"),
        ]:
            with (
                self.subTest(options=options),
                self.assertRaisesText(UserError, message),
            ):
                report._get_report_values([], data={"options": options})

    def test_reported_payments_over_rpc_are_checked(self):
        """The portal form checked some of this; an update created over RPC
        by the same portal user skipped the form, and was accepted."""
        Update = self.env["b2b.collection.placement.update"].with_user(self.agent_a)
        before = self.Update.search_count([])
        base = {
            "placement_id": self.placement_a.id,
            "kind": "payment",
            "description": "Paid",
            "reported_amount": 100.0,
            "reported_date": TODAY,
        }
        for vals, message in [
            ({"reported_amount": 1e15}, "out of range"),
            ({"reported_amount": 1e308}, "out of range"),
            ({"reported_amount": float("nan")}, "out of range"),
            ({"reported_amount": -5.0}, r"must be above 0 \(got -5\)"),
            ({"reported_date": "0001-01-01"}, "outside the dates"),
            ({"reported_date": "9999-12-31"}, "outside the dates"),
            ({"reported_date": TODAY + timedelta(days=1)}, "is in the future"),
            ({"description": " "}, "the update has no text"),
            ({"description": "z" * 10001}, "too long"),
        ]:
            with (
                self.subTest(vals=vals),
                self.assertRaisesText(ValidationError, message),
            ):
                Update.create(dict(base, **vals))
        self.assertEqual(self.Update.search_count([]), before)
        self.assertEqual(self.placement_a.state, "placed")


@tagged("post_install", "-at_install")
class TestValidationHttp(AgencyPortalCase, HttpCase):
    """The same over HTTP: an answer below 500 with the reason, nothing
    written."""

    def _counts(self):
        return (
            self.env["b2b.collection.placement.update"].search_count([]),
            self.env["mail.message"].search_count(
                [("model", "=", "b2b.collection.placement")]
            ),
        )

    def _token(self):
        page = self.url_open(f"/my/placements/{self.placement_a.id}").text
        return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    def test_portal_payment_report_of_1e308_is_refused(self):
        """It was an HTTP 500 (OverflowError while rounding)."""
        self.authenticate(self.agent_a.login, self.agent_a.login)
        token = self._token()
        url = f"/my/placements/{self.placement_a.id}/payment"
        today = date.today().isoformat()
        before = self._counts()
        for data, message in [
            ({"amount": "1e308", "payment_date": today}, "out of range"),
            ({"amount": "1e15", "payment_date": today}, "out of range"),
            ({"amount": "-1e308", "payment_date": today}, "out of range"),
            ({"amount": "inf", "payment_date": today}, "as a number"),
            ({"amount": "1" * 5000, "payment_date": today}, "as a number"),
            ({"amount": "10", "payment_date": "0001-01-01"}, "outside the dates"),
            ({"amount": "10", "payment_date": "9999-12-31"}, "outside the dates"),
            (
                {"amount": "10", "payment_date": today, "description": "\x00"},
                "NUL character",
            ),
            (
                {"amount": "10", "payment_date": today, "description": "a" * 100000},
                "too long",
            ),
        ]:
            with self.subTest(data=data):
                response = self.url_open(
                    url, data=dict(data, csrf_token=token), allow_redirects=False
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertEqual(self._counts(), before)

    def test_script_in_an_update_is_shown_as_text(self):
        self.authenticate(self.agent_a.login, self.agent_a.login)
        script = "<script>alert(1)</script>"
        response = self.url_open(
            f"/my/placements/{self.placement_a.id}/update",
            data={"csrf_token": self._token(), "kind": "note", "description": script},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        update = self.env["b2b.collection.placement.update"].search(
            [("placement_id", "=", self.placement_a.id)], limit=1
        )
        self.assertEqual(update.description, script)
        page = self.url_open(f"/my/placements/{self.placement_a.id}").text
        self.assertNotIn(script, page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        message = self.placement_a.message_ids.filtered(lambda m: "script" in m.body)
        self.assertEqual(len(message), 1)
        self.assertNotIn("<script>", message.body)
        self.assertIn("&lt;script&gt;", message.body)

    def test_garbage_report_options_answer_400(self):
        """A report URL carries its options: garbage was a 500."""
        self.authenticate("admin", "admin")
        for options in (
            {"as_of": "garbage"},
            {"as_of": "2026-03-31", "company_ids": ["x"]},
            {"as_of": "2026-03-31", "surprise": True},
        ):
            with self.subTest(options=options), mute_logger("odoo.http"):
                data = quote(json.dumps({"options": options}))
                response = self.url_open(f"/report/html/{REPORT}/0?options={data}")
                self.assertEqual(response.status_code, 400, response.text[:300])
