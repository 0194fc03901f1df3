from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from odoo.addons.b2b_collections.tests.common import TODAY

from .test_agency import AgencyCase

D = timedelta(days=1)

# The measures read in the tests, as "field:sum" (the ratios are computed from
# the sums of each group whatever the aggregate asked).
KPI_FIELDS = (
    "placed_amount",
    "recovered_amount",
    "commission_amount",
    "fee_amount",
    "net_recovery",
    "placement_count",
    "open_count",
    "closed_count",
    "recalled_count",
    "ended_count",
    "recovered_count",
    "days_to_first_recovery",
    "days_to_close",
    "recovery_rate",
    "avg_days_to_first_recovery",
    "avg_days_to_close",
    "cost_per_unit",
    "recall_rate",
    "target_recovery_rate",
    "target_days_to_recover",
    "recovery_rate_gap",
    "days_to_recover_gap",
)

# Hand-computed figures of the scenario of MonitoringCase (see its docstring).
AGENCY_A = {
    "placed_amount": 3500.0,  # 1,000 + 2,000 + 500
    "recovered_amount": 2400.0,  # 400 + 1,000 + 1,000
    "commission_amount": 560.0,  # 15% of 400 + 25% of 2,000
    "fee_amount": 150.0,  # 3 x 50
    "net_recovery": 1690.0,  # 2,400 - 560 - 150
    "placement_count": 3,
    "open_count": 1,
    "closed_count": 1,
    "recalled_count": 1,
    "ended_count": 2,
    "recovered_count": 2,
    "days_to_first_recovery": 15,  # 10 + 5
    "days_to_close": 20,
    "recovery_rate": 2400 / 3500 * 100,  # 68.571...
    "avg_days_to_first_recovery": 7.5,  # 15 / 2
    "avg_days_to_close": 20.0,
    "cost_per_unit": (560 + 150) / 2400,  # 0.29583...
    "recall_rate": 50.0,  # 1 recalled of 2 ended
    "target_recovery_rate": 50.0,
    "target_days_to_recover": 10.0,
    "recovery_rate_gap": 2400 / 3500 * 100 - 50,  # +18.57 points
    "days_to_recover_gap": -2.5,  # 7.5 - 10
}
AGENCY_B = {
    "placed_amount": 4500.0,  # 3,000 + 1,500
    "recovered_amount": 900.0,  # 600 + 300
    "commission_amount": 180.0,  # 20% of 900
    "fee_amount": 60.0,  # 2 x 30
    "net_recovery": 660.0,
    "placement_count": 2,
    "open_count": 1,
    "closed_count": 1,
    "recalled_count": 0,
    "ended_count": 1,
    "recovered_count": 2,
    "days_to_first_recovery": 22,  # 12 + 10
    "days_to_close": 18,
    "recovery_rate": 20.0,
    "avg_days_to_first_recovery": 11.0,
    "avg_days_to_close": 18.0,
    "cost_per_unit": 240 / 900,  # 0.2666...
    "recall_rate": 0.0,
    "target_recovery_rate": 40.0,
    "target_days_to_recover": 20.0,
    "recovery_rate_gap": -20.0,
    "days_to_recover_gap": -9.0,
}
COHORT_0_90 = {  # A1 and B1: two agencies, no target
    "placed_amount": 4000.0,
    "recovered_amount": 1000.0,
    "commission_amount": 180.0,  # 60 + 120
    "fee_amount": 80.0,  # 50 + 30
    "net_recovery": 740.0,
    "placement_count": 2,
    "recovery_rate": 25.0,
    "avg_days_to_first_recovery": 11.0,  # (10 + 12) / 2
    "avg_days_to_close": 18.0,
    "cost_per_unit": 0.26,  # 260 / 1,000
    "recall_rate": 0.0,
    "target_recovery_rate": None,
    "recovery_rate_gap": None,
    "days_to_recover_gap": None,
}
COHORT_91_180 = {  # A2, A3 and B2
    "placed_amount": 4000.0,
    "recovered_amount": 2300.0,
    "commission_amount": 560.0,  # 500 + 60
    "fee_amount": 130.0,  # 50 + 50 + 30
    "net_recovery": 1610.0,
    "placement_count": 3,
    "recovery_rate": 57.5,
    "avg_days_to_first_recovery": 7.5,  # (5 + 10) / 2
    "avg_days_to_close": 20.0,
    "cost_per_unit": 0.3,  # 690 / 2,300
    "recall_rate": 50.0,
    "target_recovery_rate": None,
}


class MonitoringCase(AgencyCase):
    """Two agencies, five placements, two debt-age cohorts.

    Agency A (Recover Fast: 15% up to 90 days under 5,000, 25% over 90 days,
    fee 50; targets 50% and 10 days), placed 30 days ago:
      A1 1,000, 30 days overdue (0-90), 400 paid 10 days later; active.
      A2 2,000, 120 days overdue (91-180), 1,000 paid after 5 days and 1,000
         after 15 days; closed recovered after 20 days.
      A3 500 of another customer, 100 days overdue (91-180), nothing paid;
         recalled 25 days after.
    Agency B (Debt Hunters: 20% flat, fee 30; targets 40% and 20 days), placed
    20 days ago:
      B1 3,000, 60 days overdue (0-90), 600 paid after 12 days; closed
         uncollectible after 18 days.
      B2 1,500, 180 days overdue (91-180: the band includes its end), 300 paid
         after 10 days; still placed.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency.write({"target_recovery_rate": 50, "target_days_to_recover": 10})
        cls.agency_b = cls.env["b2b.collection.agency"].create(
            {
                "partner_id": cls.env["res.partner"]
                .create({"name": "Debt Hunters Ltd", "is_company": True})
                .id,
                "fixed_fee": 30.0,
                "tier_ids": [Command.create({"rate": 20})],
                "target_recovery_rate": 40,
                "target_days_to_recover": 20,
            }
        )
        cls.customer_2 = cls.env["res.partner"].create(
            {"name": "Bolt Ltd", "is_company": True}
        )
        day_a, day_b = TODAY - 30 * D, TODAY - 20 * D
        cls.inv_a1 = cls.invoice(1000.0, due=day_a - 30 * D)
        cls.inv_a2 = cls.invoice(2000.0, due=day_a - 120 * D)
        cls.inv_a3 = cls.invoice(500.0, due=day_a - 100 * D, partner=cls.customer_2)
        cls.inv_b1 = cls.invoice(3000.0, due=day_b - 60 * D)
        cls.inv_b2 = cls.invoice(1500.0, due=day_b - 180 * D)
        cls.a1 = cls.place(cls.inv_a1, date=day_a)
        cls.a2 = cls.place(cls.inv_a2, date=day_a)
        cls.a3 = cls.place(cls.inv_a3, date=day_a)
        cls.b1 = cls.place(cls.inv_b1, agency=cls.agency_b, date=day_b)
        cls.b2 = cls.place(cls.inv_b2, agency=cls.agency_b, date=day_b)
        cls.pay(cls.inv_a1, amount=400.0, pay_date=day_a + 10 * D)
        cls.pay(cls.inv_a2, amount=1000.0, pay_date=day_a + 5 * D)
        cls.pay(cls.inv_a2, amount=1000.0, pay_date=day_a + 15 * D)
        cls.pay(cls.inv_b1, amount=600.0, pay_date=day_b + 12 * D)
        cls.pay(cls.inv_b2, amount=300.0, pay_date=day_b + 10 * D)
        cls.a1.action_activate()
        cls.end(cls.a2, "close", day_a + 20 * D, outcome="closed_recovered")
        cls.end(cls.a3, "recall", day_a + 25 * D, reason="No contact")
        cls.end(cls.b1, "close", day_b + 18 * D, outcome="closed_uncollectible")
        cls.kpi = cls.env["b2b.collection.agency.kpi"]

    @classmethod
    def end(cls, placement, mode, date, **vals):
        cls.env["b2b.collection.placement.end"].create(
            dict(vals, placement_id=placement.id, mode=mode, date=date)
        ).action_confirm()

    def read_kpis(self, groupby, domain=None, model=None):
        """{group key: {field: value}} from ``_read_group``, as the pivot,
        the graph and the scorecard read them."""
        model = self.kpi if model is None else model
        aggregates = [f"{fname}:sum" for fname in KPI_FIELDS]
        return {
            tuple(row[: len(groupby)]): dict(
                zip(KPI_FIELDS, row[len(groupby) :], strict=True)
            )
            for row in model._read_group(domain or [], groupby, aggregates)
        }

    def assertFigures(self, actual, expected, label=""):
        for fname, value in expected.items():
            with self.subTest(group=label, field=fname):
                if value is None:  # undefined: the ORM's empty aggregate
                    self.assertIs(actual[fname], False)
                else:
                    self.assertAlmostEqual(actual[fname], value, places=6)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyKpi(MonitoringCase):
    def test_scenario_as_placed(self):
        """The placements hold the terms the figures below are computed from."""
        self.assertEqual(
            [
                (p.debt_age, p.commission_rate, p.fixed_fee, p.state)
                for p in self.a1 | self.a2 | self.a3 | self.b1 | self.b2
            ],
            [
                (30, 15.0, 50.0, "active"),
                (120, 25.0, 50.0, "closed_recovered"),
                (100, 25.0, 50.0, "recalled"),
                (60, 20.0, 30.0, "closed_uncollectible"),
                (180, 20.0, 30.0, "placed"),
            ],
        )

    def test_one_row_per_placement(self):
        rows = self.kpi.search([]).sorted(lambda r: r.placement_id.id)
        self.assertRecordValues(
            rows,
            [
                {
                    "placement_id": self.a1.id,
                    "agency_id": self.agency.id,
                    "partner_id": self.customer.id,
                    "cohort": "1_0_90",
                    "placed_amount": 1000.0,
                    "recovered_amount": 400.0,
                    "commission_amount": 60.0,
                    "fee_amount": 50.0,
                    "net_recovery": 290.0,
                    "recovery_rate": 40.0,
                    "avg_days_to_first_recovery": 10.0,
                    "open_count": 1,
                    "days_to_close": 0,
                },
                {
                    "placement_id": self.a2.id,
                    "agency_id": self.agency.id,
                    "partner_id": self.customer.id,
                    "cohort": "2_91_180",
                    "placed_amount": 2000.0,
                    "recovered_amount": 2000.0,
                    "commission_amount": 500.0,
                    "fee_amount": 50.0,
                    "net_recovery": 1450.0,
                    "recovery_rate": 100.0,
                    "avg_days_to_first_recovery": 5.0,
                    "open_count": 0,
                    "days_to_close": 20,
                },
                {
                    "placement_id": self.a3.id,
                    "agency_id": self.agency.id,
                    "partner_id": self.customer_2.id,
                    "cohort": "2_91_180",
                    "placed_amount": 500.0,
                    "recovered_amount": 0.0,
                    "commission_amount": 0.0,
                    "fee_amount": 50.0,
                    "net_recovery": -50.0,
                    "recovery_rate": 0.0,
                    "avg_days_to_first_recovery": 0.0,  # none: no recovery
                    "open_count": 0,
                    "days_to_close": 0,  # recalled, not closed
                },
                {
                    "placement_id": self.b1.id,
                    "agency_id": self.agency_b.id,
                    "partner_id": self.customer.id,
                    "cohort": "1_0_90",
                    "placed_amount": 3000.0,
                    "recovered_amount": 600.0,
                    "commission_amount": 120.0,
                    "fee_amount": 30.0,
                    "net_recovery": 450.0,
                    "recovery_rate": 20.0,
                    "avg_days_to_first_recovery": 12.0,
                    "open_count": 0,
                    "days_to_close": 18,
                },
                {
                    "placement_id": self.b2.id,
                    "agency_id": self.agency_b.id,
                    "partner_id": self.customer.id,
                    "cohort": "2_91_180",
                    "placed_amount": 1500.0,
                    "recovered_amount": 300.0,
                    "commission_amount": 60.0,
                    "fee_amount": 30.0,
                    "net_recovery": 210.0,
                    "recovery_rate": 20.0,
                    "avg_days_to_first_recovery": 10.0,
                    "open_count": 1,
                    "days_to_close": 0,
                },
            ],
        )
        # the same figures as the placement itself
        for row in rows:
            placement = row.placement_id
            self.assertEqual(row.recovered_amount, placement.recovered_amount)
            self.assertEqual(row.net_recovery, placement.net_recovery)
            self.assertAlmostEqual(row.recovery_rate, placement.recovery_rate)

    def test_by_agency(self):
        figures = self.read_kpis(["agency_id"])
        self.assertEqual(set(figures), {(self.agency,), (self.agency_b,)})
        self.assertFigures(figures[self.agency,], AGENCY_A, "A")
        self.assertFigures(figures[self.agency_b,], AGENCY_B, "B")

    def test_by_cohort_is_a_ratio_of_sums(self):
        figures = self.read_kpis(["cohort"])
        self.assertEqual(list(figures), [("1_0_90",), ("2_91_180",)])
        self.assertFigures(figures["1_0_90",], COHORT_0_90, "0-90")
        self.assertFigures(figures["2_91_180",], COHORT_91_180, "91-180")
        (total,) = self.read_kpis([]).values()
        self.assertAlmostEqual(total["recovery_rate"], 41.25)  # 3,300 / 8,000
        self.assertAlmostEqual(total["cost_per_unit"], 950 / 3300)
        self.assertAlmostEqual(total["avg_days_to_first_recovery"], 37 / 4)
        self.assertAlmostEqual(total["recall_rate"], 100 / 3)  # 1 of 3 ended
        # not the average of the rows' ratios (40, 100, 0, 20, 20 -> 36)
        self.assertNotAlmostEqual(total["recovery_rate"], 36.0, places=1)

    def test_agency_by_cohort_with_targets(self):
        figures = self.read_kpis(["agency_id", "cohort"])
        expected = {
            (self.agency, "1_0_90"): (40.0, -10.0, 10.0, 0.0),
            (self.agency, "2_91_180"): (80.0, 30.0, 5.0, -5.0),
            (self.agency_b, "1_0_90"): (20.0, -20.0, 12.0, -8.0),
            (self.agency_b, "2_91_180"): (20.0, -20.0, 10.0, -10.0),
        }
        self.assertEqual(set(figures), set(expected))
        for key, (rate, gap, days, days_gap) in expected.items():
            self.assertFigures(
                figures[key],
                {
                    "recovery_rate": rate,
                    "recovery_rate_gap": gap,
                    "avg_days_to_first_recovery": days,
                    "days_to_recover_gap": days_gap,
                },
                key,
            )

    def test_web_client_read_group(self):
        """The pivot's and the grouped list's read_group give the same ratios."""
        groups = self.kpi.read_group(
            [],
            ["recovery_rate:avg", "cost_per_unit:avg", "placed_amount:sum"],
            ["agency_id"],
            lazy=False,
        )
        by_agency = {group["agency_id"][0]: group for group in groups}
        self.assertAlmostEqual(by_agency[self.agency.id]["recovery_rate"], 2400 / 35)
        self.assertAlmostEqual(by_agency[self.agency_b.id]["cost_per_unit"], 240 / 900)
        self.assertEqual(by_agency[self.agency.id]["placed_amount"], 3500.0)
        # ordered by an aggregate and limited: read the groups first, same ratios
        (top,) = self.kpi._read_group(
            [],
            ["agency_id"],
            ["recovery_rate:avg"],
            order="placed_amount:sum desc",
            limit=1,
        )
        self.assertEqual(top, (self.agency_b, 20.0))

    def test_period_is_a_placement_cohort(self):
        """Placed in the period; what they recovered counts up to today."""
        figures = self.read_kpis(["agency_id"], [("date", ">=", TODAY - 25 * D)])
        self.assertEqual(list(figures), [(self.agency_b,)])
        self.assertFigures(figures[self.agency_b,], AGENCY_B, "B")

    def test_recoveries_count_when_attributed(self):
        self.pay(self.inv_a1, amount=100.0, pay_date=TODAY)
        figures = self.read_kpis(["agency_id"])[self.agency,]
        self.assertEqual(figures["recovered_amount"], 2500.0)
        self.assertEqual(figures["commission_amount"], 575.0)  # + 15% of 100
        self.assertEqual(figures["days_to_first_recovery"], 15)  # unchanged

    def test_company_isolation(self):
        company_2 = self.setup_other_company(name="Other Co")["company"]
        agency_2 = self.env["b2b.collection.agency"].create(
            {
                "partner_id": self.agency_partner.id,
                "company_id": company_2.id,
                "fixed_fee": 10.0,
            }
        )
        # placed in the first company, the customer is on credit hold (a hold
        # is the customer's, in every company): released to be invoiced again
        self.customer.with_user(self.manager).b2b_credit_hold = False
        inv = self.invoice(700.0, due=TODAY - 40 * D, company=company_2)
        placement = (
            self.env["b2b.collection.placement"]
            .with_company(company_2)
            .create(
                {
                    "agency_id": agency_2.id,
                    "company_id": company_2.id,
                    "partner_id": self.customer.id,
                    "line_ids": [Command.create({"move_id": inv.id})],
                }
            )
        )
        placement.with_company(company_2).action_place()
        both = self.kpi.with_context(allowed_company_ids=(self.company | company_2).ids)
        self.assertEqual(both.search_count([]), 6)
        self.assertEqual(
            self.read_kpis(["company_id"], model=both)[company_2,]["placed_amount"],
            700.0,
        )
        collector_kpi = self.kpi.with_user(self.collector)
        self.assertEqual(collector_kpi.search_count([]), 5)
        self.assertNotIn(
            company_2, {row[0] for row in collector_kpi._read_group([], ["company_id"])}
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyScorecard(MonitoringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Feedback = cls.env["b2b.collection.placement.feedback"]
        Feedback.create(
            [
                {"placement_id": cls.a1.id, "rating": 4, "date": TODAY - 5 * D},
                {
                    "placement_id": cls.a2.id,
                    "rating": 2,
                    "complaint": True,
                    "comment": "Rude call to our AP desk",
                    "date": TODAY - 12 * D,
                },
                {"placement_id": cls.b1.id, "rating": 5, "source": "staff"},
                # before the period: in the agency's summary, not the scorecard
                {"placement_id": cls.a3.id, "rating": 1, "date": TODAY - 90 * D},
            ]
        )
        cls.audit = cls.env["b2b.collection.agency.audit"].create(
            {"agency_id": cls.agency.id, "date": TODAY - 60 * D}
        )
        for line in cls.audit.line_ids:
            line.result = "pass"
        complaints = cls.audit.line_ids.filtered(
            lambda line: line.item_id
            == cls.env.ref("b2b_collections_agency.audit_item_complaints")
        )
        complaints.write({"result": "fail", "comment": "No complaint log"})
        cls.audit.action_done()

    def scorecards(self, date_from=None, date_to=TODAY, agencies=None):
        report = self.env["report.b2b_collections_agency.report_b2b_agency_scorecard"]
        return {
            card["agency"]: card
            for card in report._b2b_scorecards(
                date_from or TODAY - 40 * D,
                date_to,
                agencies or (self.agency | self.agency_b),
            )
        }

    def test_scorecard_figures(self):
        cards = self.scorecards()
        self.assertEqual(list(cards), [self.agency_b, self.agency])  # by name
        for agency, expected in ((self.agency, AGENCY_A), (self.agency_b, AGENCY_B)):
            totals = cards[agency]["totals"]
            self.assertFigures(
                totals, {k: v for k, v in expected.items() if k in totals}, agency
            )
        self.assertEqual(
            [
                (c["cohort"], c["placement_count"], c["recovery_rate"])
                for c in cards[self.agency]["cohorts"]
            ],
            [("1_0_90", 1, 40.0), ("2_91_180", 2, 80.0)],
        )
        self.assertEqual(
            [
                (t["name"], round(t["actual"], 4), t["target"], t["met"])
                for t in cards[self.agency]["targets"]
            ],
            [
                ("recovery_rate", 68.5714, 50.0, True),
                ("avg_days_to_first_recovery", 7.5, 10.0, True),
            ],
        )
        self.assertEqual(
            [
                (t["actual"], t["target"], t["met"])
                for t in cards[self.agency_b]["targets"]
            ],
            [(20.0, 40.0, False), (11.0, 20.0, True)],
        )

    def test_scorecard_agrees_with_the_pivot(self):
        """One source: the scorecard reads the pivot's model the same way."""
        pivot = self.read_kpis(
            ["agency_id"], [("date", ">=", TODAY - 40 * D), ("date", "<=", TODAY)]
        )
        for agency, card in self.scorecards().items():
            for fname, value in card["totals"].items():
                self.assertEqual(
                    value,
                    None if pivot[agency,][fname] is False else pivot[agency,][fname],
                )

    def test_scorecard_compliance_and_feedback(self):
        cards = self.scorecards()
        card_a = cards[self.agency]
        self.assertEqual(card_a["audit"], self.audit)
        self.assertEqual(self.audit.result, "findings")  # 5 of 6 passed
        self.assertEqual(card_a["findings"].mapped("comment"), ["No complaint log"])
        # the period's feedback: 4 and 2, one complaint
        self.assertEqual(
            card_a["feedback"], {"count": 2, "avg_rating": 3.0, "complaints": 1}
        )
        self.assertEqual(
            cards[self.agency_b]["feedback"],
            {"count": 1, "avg_rating": 5.0, "complaints": 0},
        )
        self.assertFalse(cards[self.agency_b]["audit"])
        # the agency's summary counts every rating: (4 + 2 + 1) / 3
        self.assertRecordValues(
            self.agency,
            [
                {
                    "feedback_count": 3,
                    "feedback_avg_rating": 7 / 3,
                    "complaint_count": 1,
                    "last_audit_id": self.audit.id,
                    "last_audit_result": "findings",
                    "next_audit_date": TODAY - 60 * D + timedelta(days=365),
                }
            ],
        )

    def test_period_without_placements(self):
        card = self.scorecards(date_from=TODAY - 25 * D)[self.agency]
        self.assertEqual(card["totals"]["placement_count"], 0)
        self.assertEqual(card["totals"]["placed_amount"], 0)
        self.assertIsNone(card["totals"]["recovery_rate"])
        self.assertEqual(card["cohorts"], [])
        self.assertEqual(card["targets"][0]["target"], 50.0)
        self.assertIsNone(card["targets"][0]["met"])

    def test_scorecard_pdf_content(self):
        wizard = (
            self.env["b2b.collection.agency.scorecard.wizard"]
            .with_user(self.collector)
            .create({"date_from": TODAY - 40 * D, "date_to": TODAY})
        )
        action = wizard.action_print()
        self.assertEqual(
            action["report_name"], "b2b_collections_agency.report_b2b_agency_scorecard"
        )
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "b2b_collections_agency.report_b2b_agency_scorecard", wizard.ids
        )
        html = html.decode()
        for text in (
            "Recover Fast GmbH",
            "Debt Hunters Ltd",
            "68.6",  # A's recovery rate
            "0.2958",  # A's cost per unit recovered
            "Off target",  # B's recovery rate
            "No complaint log",
            "3.00",  # A's average rating
            "91-180 days",
        ):
            self.assertIn(text, html)
        with self.assertRaisesText(ValidationError, "start before it ends"):
            wizard.date_from = TODAY + D


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyAudit(AgencyCase):
    def new_audit(self, results, agency=None):
        """An audit answering the checklist items in order with ``results``."""
        audit = self.env["b2b.collection.agency.audit"].create(
            {"agency_id": (agency or self.agency).id}
        )
        for line, result in zip(audit.line_ids, results, strict=True):
            line.result = result
        return audit

    def test_prefilled_from_the_active_checklist(self):
        items = self.env["b2b.collection.audit.item"].search([])
        self.assertEqual(len(items), 6)
        self.assertEqual(
            items.filtered("critical"),
            self.env.ref("b2b_collections_agency.audit_item_licence")
            | self.env.ref("b2b_collections_agency.audit_item_data_protection"),
        )
        audit = self.env["b2b.collection.agency.audit"].create(
            {"agency_id": self.agency.id}
        )
        self.assertEqual(audit.line_ids.item_id, items)
        self.assertEqual(audit.company_id, self.agency.company_id)
        self.env.ref("b2b_collections_agency.audit_item_fair_practice").active = False
        with Form(self.env["b2b.collection.agency.audit"]) as form:
            form.agency_id = self.agency
        self.assertEqual(len(form.record.line_ids), 5)
        self.assertEqual(len(audit.line_ids), 6)  # earlier audits keep theirs

    def test_result_rules(self):
        # items: licence*, data protection*, complaints, contact hours,
        # remittance, fair practice (* critical)
        for results, score, result, findings in [
            (["pass"] * 6, 100.0, "passed", 0),
            # 4 of 5 answered (N/A left out): 80%, no critical failure
            (["pass", "pass", "fail", "na", "pass", "pass"], 80.0, "findings", 1),
            # 4 of 6: under 80%
            (["pass", "pass", "fail", "fail", "pass", "pass"], 400 / 6, "failed", 2),
            # a critical item failed: fails whatever the score (5 of 6)
            (["fail", "pass", "pass", "pass", "pass", "pass"], 500 / 6, "failed", 1),
            (["na"] * 6, 0.0, False, 0),
        ]:
            with self.subTest(results=results):
                audit = self.new_audit(results)
                self.assertAlmostEqual(audit.score, round(score, 1))  # stored: 0.1
                self.assertEqual(audit.result, result)
                self.assertEqual(audit.finding_count, findings)

    def test_completion(self):
        audit = self.env["b2b.collection.agency.audit"].create(
            {"agency_id": self.agency.id, "date": TODAY - 10 * D}
        )
        audit.line_ids[:5].result = "pass"
        with self.assertRaisesText(UserError, "Answer every item.*Fair-practice"):
            audit.action_done()
        self.assertEqual(audit.state, "draft")
        self.assertFalse(self.agency.last_audit_id)  # only completed audits count
        audit.line_ids[5].result = "pass"
        audit.action_done()
        self.assertRecordValues(
            self.agency,
            [
                {
                    "audit_count": 1,
                    "last_audit_id": audit.id,
                    "last_audit_date": TODAY - 10 * D,
                    "last_audit_result": "passed",
                    "next_audit_date": TODAY - 10 * D + timedelta(days=365),
                }
            ],
        )
        # the agency list shows the last result
        (row,) = self.env["b2b.collection.agency"].search_read(
            [("id", "=", self.agency.id)], ["last_audit_result"]
        )
        self.assertEqual(row["last_audit_result"], "passed")
        with self.assertRaisesText(UserError, "cannot be deleted"):
            audit.unlink()
        with self.assertRaisesText(ValidationError, "must come after"):
            audit.next_audit_date = TODAY - 20 * D
        action = self.agency.action_open_audits()
        self.assertEqual(
            self.env["b2b.collection.agency.audit"].search(action["domain"]), audit
        )

    def test_access(self):
        audit = self.new_audit(["pass"] * 6)
        self.assertEqual(audit.with_user(self.collector).result, "passed")
        with self.assertRaises(AccessError):
            audit.with_user(self.collector).write({"note": "x"})
        with self.assertRaises(AccessError):
            self.env["b2b.collection.audit.item"].with_user(self.collector).create(
                {"name": "New item"}
            )
        company_2 = self.setup_other_company(name="Other Co")["company"]
        agency_2 = self.env["b2b.collection.agency"].create(
            {"partner_id": self.agency_partner.id, "company_id": company_2.id}
        )
        audit_2 = self.env["b2b.collection.agency.audit"].create(
            {"agency_id": agency_2.id}
        )
        Audit = self.env["b2b.collection.agency.audit"].with_user(self.manager)
        self.assertEqual(Audit.search([]), audit)
        with self.assertRaises(AccessError):
            audit_2.with_user(self.manager).read(["score"])


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPlacementFeedback(AgencyCase):
    def test_rating_and_complaint_rules(self):
        placement = self.place(self.invoice(900.0, due=TODAY - 40 * D))
        Feedback = self.env["b2b.collection.placement.feedback"].with_user(
            self.collector
        )
        for rating in (0, 6):
            with self.assertRaisesText(ValidationError, "from 1 to 5"):
                Feedback.create({"placement_id": placement.id, "rating": rating})
        with self.assertRaisesText(ValidationError, "what the complaint is about"):
            Feedback.create(
                {"placement_id": placement.id, "rating": 1, "complaint": True}
            )
        feedback = Feedback.create(
            {
                "placement_id": placement.id,
                "rating": 2,
                "complaint": True,
                "comment": "Called at 10 pm",
            }
        )
        self.assertRecordValues(
            feedback,
            [
                {
                    "agency_id": self.agency.id,
                    "partner_id": self.customer.id,
                    "source": "customer",
                    "user_id": self.collector.id,
                    "date": TODAY,
                }
            ],
        )
        self.assertEqual(placement.feedback_ids, feedback)
        self.assertRecordValues(
            self.agency,
            [{"feedback_count": 1, "feedback_avg_rating": 2.0, "complaint_count": 1}],
        )
        action = self.agency.action_open_feedback()
        self.assertEqual(
            self.env["b2b.collection.placement.feedback"].search(action["domain"]),
            feedback,
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyAlerts(AgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.activity_type = cls.env.ref(
            "b2b_collections_agency.mail_activity_type_agency_compliance"
        )
        cls.agency_b = cls.env["b2b.collection.agency"].create(
            {
                "partner_id": cls.env["res.partner"]
                .create({"name": "Debt Hunters Ltd", "is_company": True})
                .id,
                "contract_end": TODAY + 30 * D,  # within 30 days (included)
                "licence_expiry": TODAY + 31 * D,  # not yet
            }
        )
        # the last audit, a year and 35 days ago: due 35 days ago
        audit = cls.env["b2b.collection.agency.audit"].create(
            {"agency_id": cls.agency_b.id, "date": TODAY - (365 + 35) * D}
        )
        audit.line_ids.result = "pass"
        audit.action_done()
        cls.agency.write({"licence_expiry": TODAY + 20 * D, "user_id": cls.manager.id})
        cls.Agency = cls.env["b2b.collection.agency"]

    def activities(self, agency):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "b2b.collection.agency"),
                ("res_id", "=", agency.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_one_activity_and_never_twice(self):
        self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 2)
        activity_a, activity_b = (
            self.activities(self.agency),
            self.activities(self.agency_b),
        )
        self.assertRecordValues(
            activity_a,
            [{"user_id": self.manager.id, "date_deadline": TODAY + 20 * D}],
        )
        self.assertIn("INK-4711 expires on 04/20/2026", str(activity_a.note))
        # one activity with both reasons, for a collections manager
        self.assertEqual(len(activity_b), 1)
        self.assertIn("contract ends on 04/30/2026", str(activity_b.note))
        self.assertIn("audit was due on 02/24/2026", str(activity_b.note))
        self.assertNotIn("licence", str(activity_b.note))
        self.assertTrue(
            activity_b.user_id.has_group("b2b_collections.group_b2b_collection_manager")
        )
        self.assertEqual(activity_b.date_deadline, TODAY)
        # again, the same day and the next day: nothing new
        self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 0)
        with freeze_time(TODAY + D):
            self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 0)
        self.assertEqual(len(self.activities(self.agency)), 1)
        self.assertEqual(len(self.activities(self.agency_b)), 1)
        # done: not rescheduled for the same licence
        activity_a.action_feedback(feedback="Renewal requested")
        self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 0)
        self.assertFalse(self.activities(self.agency))
        # a renewed licence that expires soon again alerts again
        self.agency.licence_expiry = TODAY + 25 * D
        self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 1)
        self.assertEqual(len(self.activities(self.agency)), 1)

    def test_new_reason_joins_the_open_activity(self):
        self.Agency._cron_b2b_agency_alerts()
        with freeze_time(TODAY + D):  # B's licence now ends within 30 days
            self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 0)
        activity_b = self.activities(self.agency_b)
        self.assertEqual(len(activity_b), 1)
        self.assertIn("expires on 05/01/2026", str(activity_b.note))
        self.assertIn("contract ends", str(activity_b.note))

    def test_no_alert_out_of_range(self):
        self.agency.licence_expiry = TODAY - D  # expired: placements refused already
        self.agency_b.write({"contract_end": False, "licence_expiry": False})
        self.agency_b.last_audit_id.next_audit_date = TODAY
        self.assertEqual(self.Agency._cron_b2b_agency_alerts(), 0)
        self.assertFalse(
            self.env["mail.activity"].search(
                [("activity_type_id", "=", self.activity_type.id)]
            )
        )
