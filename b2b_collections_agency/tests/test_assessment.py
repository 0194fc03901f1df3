from datetime import timedelta

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.b2b_collections.tests.common import TODAY

from .test_agency import AgencyCase

BANDS = ("1_90", "91_180", "181_365", "over_365")


def days_ago(days):
    return TODAY - timedelta(days=days)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAssessment(AgencyCase):
    """A small hand-computed history (D = today, 2026-03-31):

    Never placed (customers A and B):
      H1 (A) 1,000 due D-200: paid 400 on D-150 and 340 on D-50, 260 open
      H2 (A)   500 due D-100: paid 500 on D-95
      H3 (A)   800 due D-60:  paid 800 on D-65, before it fell due
      H4 (B)   600 due D-120: credit note 200 on D-110, paid 100 on D-100, 300 open
      C1 (A) 1,400 due D-30,  C2 (B) 700 due D-45,  C3 (B) 2,500 due D-400: open

    In-house cases (owed on entering the band -> paid from that day on):
      1-90:    H1 1,000 -> 740, H2 500 -> 500, H4 600 -> 100 (the credit note
               is not a recovery), C1 1,400, C2 700, C3 2,500 -> 0; H3 never
               entered: 6 cases, 1,340 / 6,700 = 20%
      91-180:  H1 600 -> 340, H4 300 -> 0, C3 2,500 -> 0 (H2 was paid):
               3 cases, 340 / 3,400 = 10%
      181-365: H1 260, C3 2,500: 2 cases (thin with a minimum of 3)
      >365:    C3: 1 case (thin)

    Placed (one customer each, 15% up to 90 days, 25% above, fee 50):
      PL1 2,000 at 50 days (D-100), 1,000 recovered on D-80
      PL4 1,000 at 30 days (D-10)                     -> 1-90: 2 placements (thin)
      PL2 3,000 at 140 days (D-60), 600 recovered on D-30
      PL3 1,000 at 130 days (D-20)
      PL5 1,000 at 95 days (D-5), 400 recovered on D-2 -> 91-180: 3 placements,
          1,000 / 5,000 = 20%, commission 250 / 1,000 = 25%, fee 150 / 3 = 50

    Overdue today, not placed: 1-90 C1 + C2 = 2,100 (A, B); 91-180 H4 300 (B);
    181-365 H1 260 (A); >365 C3 2,500 (B).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partner = cls.env["res.partner"]
        cls.customer_b = partner.create(
            {"name": "Borealis Trading", "is_company": True}
        )
        placed = {
            name: partner.create({"name": name, "is_company": True})
            for name in ("Cedar", "Delta", "Echo", "Falcon", "Gamma")
        }
        A, B = cls.customer, cls.customer_b
        cls.h1 = cls.invoice(1000.0, due=days_ago(200), partner=A)
        cls.pay(cls.h1, amount=400.0, pay_date=days_ago(150))
        cls.pay(cls.h1, amount=340.0, pay_date=days_ago(50))
        cls.h2 = cls.invoice(500.0, due=days_ago(100), partner=A)
        cls.pay(cls.h2, pay_date=days_ago(95))
        cls.h3 = cls.invoice(800.0, due=days_ago(60), invoice_date=days_ago(90))
        cls.pay(cls.h3, pay_date=days_ago(65))
        cls.h4 = cls.invoice(600.0, due=days_ago(120), partner=B)
        refund = cls.invoice(
            200.0, due=days_ago(110), partner=B, move_type="out_refund"
        )
        (cls.h4 | refund).line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).reconcile()
        cls.pay(cls.h4, amount=100.0, pay_date=days_ago(100))
        cls.c1 = cls.invoice(1400.0, due=days_ago(30), partner=A)
        cls.c2 = cls.invoice(700.0, due=days_ago(45), partner=B)
        cls.c3 = cls.invoice(2500.0, due=days_ago(400), partner=B)

        def placement(name, amount, due, placed_on, recovered=None, paid_on=None):
            move = cls.invoice(amount, due=days_ago(due), partner=placed[name])
            result = cls.place(move, date=days_ago(placed_on))
            if recovered:
                cls.pay(move, amount=recovered, pay_date=days_ago(paid_on))
            return result

        cls.pl1 = placement("Cedar", 2000.0, 150, 100, 1000.0, 80)
        cls.pl4 = placement("Falcon", 1000.0, 40, 10)
        cls.pl2 = placement("Delta", 3000.0, 200, 60, 600.0, 30)
        cls.pl3 = placement("Echo", 1000.0, 150, 20)
        cls.pl5 = placement("Gamma", 1000.0, 100, 5, 400.0, 2)

    def assess(self, user=None, **vals):
        vals.setdefault("min_history", 3)
        return (
            self.env["b2b.collection.assessment"]
            .with_user(user or self.manager)
            .create(vals)
        )

    def band(self, assessment, code):
        return assessment.line_ids.filtered(lambda line: line.band == code)

    def test_fixture_is_as_described(self):
        self.assertEqual(
            (self.pl1 | self.pl4 | self.pl2 | self.pl3 | self.pl5).mapped(
                lambda p: (p.debt_age, p.commission_rate, p.recovered_amount)
            ),
            [
                (50, 15.0, 1000.0),
                (30, 15.0, 0.0),
                (140, 25.0, 600.0),
                (130, 25.0, 0.0),
                (95, 25.0, 400.0),
            ],
        )
        self.assertEqual((self.h1 | self.h4).mapped("amount_residual"), [260.0, 300.0])

    def test_defaults(self):
        assessment = self.assess()
        self.assertRecordValues(
            assessment,
            [
                {
                    "company_id": self.company.id,
                    "date": TODAY,
                    "history_months": 24,
                    "date_from": TODAY.replace(year=2024),
                    "cost_per_hour": 40.0,
                    "default_fixed_fee": 50.0,  # the agencies' average fee
                }
            ],
        )
        self.assertRecordValues(
            assessment.line_ids,
            [
                {
                    "band": "1_90",
                    "hours_per_account": 1.0,
                    "default_inhouse_rate": 85.0,
                    "default_agency_rate": 80.0,
                    "default_commission_rate": 15.0,
                },
                {
                    "band": "91_180",
                    "hours_per_account": 2.0,
                    "default_inhouse_rate": 60.0,
                    "default_agency_rate": 65.0,
                    "default_commission_rate": 20.0,
                },
                {
                    "band": "181_365",
                    "hours_per_account": 3.0,
                    "default_inhouse_rate": 35.0,
                    "default_agency_rate": 50.0,
                    "default_commission_rate": 25.0,
                },
                {
                    "band": "over_365",
                    "hours_per_account": 4.0,
                    "default_inhouse_rate": 15.0,
                    "default_agency_rate": 30.0,
                    "default_commission_rate": 35.0,
                },
            ],
        )

    def test_history_and_figures(self):
        assessment = self.assess()
        expected = [
            {
                "band": "1_90",
                "account_count": 2,
                "invoice_count": 2,
                "amount": 2100.0,
                "inhouse_cases": 6,
                "inhouse_owed": 6700.0,
                "inhouse_recovered": 1340.0,
                "inhouse_history_rate": 20.0,
                "inhouse_rate": 20.0,
                "inhouse_is_default": False,
                "inhouse_cost": 80.0,  # 2 accounts x 1 h x 40
                "net_inhouse": 340.0,  # 2,100 x 20% - 80
                "agency_cases": 2,
                "agency_placed": 3000.0,
                "agency_recovered": 1000.0,
                "agency_history_rate": 33.33,
                "agency_is_default": True,  # 2 placements < 3
                "agency_rate": 80.0,
                "commission_rate": 15.0,
                "fixed_fee": 50.0,
                "agency_fees": 100.0,
                "net_agency": 1328.0,  # 2,100 x 80% x 85% - 2 x 50
                # the agency's figures are defaults: no recommendation, the
                # band counts as kept in-house
                "recommendation": "thin",
                "difference": 0.0,
                "net_best": 340.0,
            },
            {
                "band": "91_180",
                "account_count": 1,
                "invoice_count": 1,
                "amount": 300.0,
                "inhouse_cases": 3,
                "inhouse_owed": 3400.0,
                "inhouse_recovered": 340.0,
                "inhouse_rate": 10.0,
                "inhouse_is_default": False,
                "inhouse_cost": 80.0,  # 1 x 2 h x 40
                "net_inhouse": -50.0,  # 30 - 80
                "agency_cases": 3,
                "agency_placed": 5000.0,
                "agency_recovered": 1000.0,
                "agency_rate": 20.0,
                "commission_rate": 25.0,  # 250 / 1,000
                "fixed_fee": 50.0,
                "agency_fees": 50.0,
                "agency_is_default": False,
                "net_agency": -5.0,  # 300 x 20% x 75% - 50
                "recommendation": "place",
                "difference": 45.0,
                "net_best": -5.0,
            },
            {
                "band": "181_365",
                "account_count": 1,
                "amount": 260.0,
                "inhouse_cases": 2,
                "inhouse_owed": 2760.0,
                "inhouse_recovered": 0.0,
                "inhouse_is_default": True,
                "inhouse_rate": 35.0,
                "inhouse_cost": 120.0,
                "net_inhouse": -29.0,  # 91 - 120
                "agency_cases": 0,
                "agency_is_default": True,
                "agency_rate": 50.0,
                "commission_rate": 25.0,
                "net_agency": 47.5,  # 260 x 50% x 75% - 50
                "recommendation": "thin",
                "difference": 0.0,
                "net_best": -29.0,
            },
            {
                "band": "over_365",
                "account_count": 1,
                "amount": 2500.0,
                "inhouse_cases": 1,
                "inhouse_owed": 2500.0,
                "inhouse_is_default": True,
                "inhouse_rate": 15.0,
                "inhouse_cost": 160.0,
                "net_inhouse": 215.0,  # 375 - 160
                "agency_is_default": True,
                "net_agency": 437.5,  # 2,500 x 30% x 65% - 50
                "recommendation": "thin",
                "difference": 0.0,
                "net_best": 215.0,
            },
        ]
        for line, values in zip(assessment.line_ids, expected, strict=True):
            with self.subTest(band=values["band"]):
                self.assertRecordValues(line, [values])
        self.assertEqual(assessment.amount_total, 5160.0)
        # only 91-180 days has enough history on both sides: placing it
        self.assertEqual(assessment.net_best_total, 340.0 - 5.0 - 29.0 + 215.0)
        self.assertTrue(assessment.uses_defaults)

    def test_assumptions_drive_the_recommendation(self):
        assessment = self.assess(cost_per_hour=100.0)
        band_1 = self.band(assessment, "1_90")
        self.assertEqual((band_1.inhouse_cost, band_1.net_inhouse), (200.0, 220.0))
        band_1.default_agency_rate = 20.0
        # 2,100 x 20% x 85% - 100 = 257 > 220, but on the agency's defaults:
        # figures shown, no recommendation
        self.assertRecordValues(
            band_1,
            [{"net_agency": 257.0, "recommendation": "thin", "difference": 0.0}],
        )
        # enough history everywhere: the measured rates, no note, a decision
        assessment.write({"min_history": 1, "cost_per_hour": 40.0})
        self.assertRecordValues(
            band_1,
            [
                {
                    "agency_is_default": False,
                    "agency_rate": 33.33,
                    "commission_rate": 15.0,  # 150 / 1,000
                    # 2,100 x 33.33% x 85% - 100 = 494.94 > 340 in-house
                    "net_agency": 494.94,
                    "note": False,
                    "recommendation": "place",
                    "difference": 154.94,
                    "net_best": 494.94,
                }
            ],
        )
        band_2 = self.band(assessment, "91_180")
        band_2.hours_per_account = 0.0
        # in-house 300 x 10% = 30 beats the agency's -5
        self.assertRecordValues(
            band_2, [{"recommendation": "keep", "difference": 35.0, "net_best": 30.0}]
        )

    def test_implausible_history_is_flagged(self):
        """Two cases of 181-365 days and nothing recovered: with a minimum
        of 1 case that is a measured 0 %, which no one should act on."""
        assessment = self.assess(min_history=1)
        band_3 = self.band(assessment, "181_365")
        self.assertRecordValues(
            band_3,
            [
                {
                    "inhouse_is_default": False,
                    "inhouse_rate": 0.0,
                    "recommendation": "check",
                    "difference": 0.0,
                }
            ],
        )
        self.assertIn(
            "In-house: nothing recovered over 2 cases (0%): implausible",
            band_3.note,
        )

    def test_thin_history_says_so(self):
        assessment = self.assess()
        self.assertEqual(
            self.band(assessment, "181_365").note,
            "In-house: thin history: 2 cases, default 35% used.\n"
            "Agency: thin history: 0 placements, defaults 50% recovered, 25% "
            f"commission, {self.currency.format(50.0)} fee used.",
        )
        self.assertFalse(self.band(assessment, "91_180").note)
        self.assertIn(
            "181-365 days: In-house: thin history: 2 cases, default 35% used.\n"
            "181-365 days: Agency: thin history: 0 placements",
            assessment.defaults_note,
        )
        self.assertRegex(
            self.band(assessment, "1_90").note,
            r"^Agency: thin history: 2 placements, defaults 80% recovered, "
            r"15% commission",
        )

    def test_no_history_at_all(self):
        # as of two years ago nothing had happened yet
        assessment = self.assess(date=days_ago(800), default_fixed_fee=0.0)
        for line in assessment.line_ids:
            self.assertRecordValues(
                line,
                [
                    {
                        "account_count": 0,
                        "amount": 0.0,
                        "inhouse_cases": 0,
                        "agency_cases": 0,
                        "inhouse_is_default": True,
                        "agency_is_default": True,
                        "recommendation": "none",
                        "difference": 0.0,
                    }
                ],
            )
            self.assertIn("thin history: 0 cases", line.note)

    def test_as_of_a_past_date(self):
        # on D-60: H4 owed 300 (60 days overdue), and the invoices of PL3
        # (90 days) and PL5 (40 days), not placed yet; H1 owed 600 (140
        # days: its 340 came later); C3 2,500 (340 days). C1 and C2 did not
        # exist yet; PL1 and PL2 (placed that day) were running.
        assessment = self.assess(date=days_ago(60))
        self.assertEqual(
            assessment.line_ids.mapped(lambda line: (line.invoice_count, line.amount)),
            [(3, 2300.0), (1, 600.0), (1, 2500.0), (0, 0.0)],
        )

    def test_bad_input_is_refused(self):
        for vals, message in [
            ({"cost_per_hour": -1.0}, r"Cost per Hour cannot be negative \(got -1\)"),
            ({"history_months": 0}, r"between 1 and 240 \(got 0\)"),
            ({"min_history": -1}, r"Minimum History \(cases\) cannot be negative"),
            ({"default_fixed_fee": -5.0}, "Fixed Fee per Placement cannot be negative"),
        ]:
            with (
                self.subTest(vals=vals),
                self.assertRaisesText(ValidationError, message),
            ):
                self.assess(**vals)
        assessment = self.assess()
        line = self.band(assessment, "91_180")
        for vals, message in [
            (
                {"hours_per_account": -0.5},
                "91-180 days: Hours per Account cannot be negative",
            ),
            ({"default_inhouse_rate": 100.5}, "between 0 and 100"),
            ({"default_agency_rate": -1}, "between 0 and 100"),
            ({"default_commission_rate": 101}, "between 0 and 100"),
        ]:
            with (
                self.subTest(vals=vals),
                self.assertRaisesText(ValidationError, message),
            ):
                line.write(vals)
        self.assertEqual(line.hours_per_account, 2.0)

    def test_pdf(self):
        assessment = self.assess()
        action = assessment.action_print()
        self.assertEqual(
            action["report_name"], "b2b_collections_agency.report_b2b_assessment"
        )
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "b2b_collections_agency.action_report_b2b_assessment", assessment.ids
        )
        tree = lxml_html.fromstring(content)

        def cell(row, name):
            (element,) = tree.xpath(f"//tr[@name='{row}']/td[@name='{name}']")
            return " ".join(element.text_content().split())

        self.assertIn("In-house vs Agency Assessment", content.decode())
        self.assertEqual(cell("band_1_90", "band"), "1-90 days")
        self.assertEqual(cell("band_1_90", "inhouse_rate"), "20.00")
        self.assertEqual(cell("band_1_90", "agency_rate"), "80.00*")
        self.assertIn("1,328.00", cell("band_1_90", "net_agency"))
        self.assertEqual(
            cell("band_1_90", "recommendation"), "None: too little history"
        )
        self.assertEqual(cell("band_91_180", "recommendation"), "Place with an agency")
        self.assertIn("2,500.00", cell("band_over_365", "amount"))
        (note,) = tree.xpath("//li[@name='note_181_365']")
        self.assertIn("thin history: 2 cases, default 35% used", note.text_content())
        self.assertIn("How it is computed", content.decode())

    def test_form(self):
        with Form(
            self.env["b2b.collection.assessment"].with_user(self.manager)
        ) as form:
            form.min_history = 3
            # bands without a recommendation count as kept in-house
            self.assertEqual(form.net_best_total, 340.0 - 5.0 - 29.0 + 215.0)
            with form.line_ids.edit(0) as band_1:
                band_1.hours_per_account = 3.0
            # the form recomputes at once: 2,100 x 20% - 2 x 3 h x 40 = 180
            self.assertEqual(form.net_best_total, 180.0 - 5.0 - 29.0 + 215.0)
        self.assertRecordValues(
            form.record.line_ids[0],
            [{"inhouse_cost": 240.0, "net_inhouse": 180.0, "recommendation": "thin"}],
        )

    def test_company_isolation(self):
        other = self.setup_other_company(name="Other Co")["company"]
        self.env.user.company_ids |= other
        self.invoice(9999.0, due=days_ago(30), company=other)
        assessment = self.assess()
        self.assertEqual(self.band(assessment, "1_90").amount, 2100.0)
        # the other company's own assessment sees only its invoice
        theirs = self.assess(user=self.env.user, company_id=other.id)
        self.assertRecordValues(
            theirs.line_ids[:2],
            [
                {"amount": 9999.0, "inhouse_cases": 1, "agency_cases": 0},
                {"amount": 0.0, "inhouse_cases": 0, "agency_cases": 0},
            ],
        )
        # a manager of this company only cannot assess the other one
        with self.assertRaisesText(UserError, "You cannot assess the debt of Other Co"):
            self.assess(company_id=other.id)

    def test_access(self):
        collector_only = new_test_user(
            self.env,
            login="b2b_collector_2",
            groups="b2b_collections.group_b2b_collection_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.assess(user=collector_only)
        self.assertTrue(
            self.env.ref(
                "b2b_collections_agency.b2b_collection_assessment_menu"
            ).groups_id
            == self.env.ref("b2b_collections.group_b2b_collection_manager")
        )
