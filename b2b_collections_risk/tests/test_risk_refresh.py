from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase

MONDAY = TODAY - timedelta(days=TODAY.weekday())


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRiskRefresh(B2bCollectionsCase):
    """The refresh on a real ledger: a late payer (Acme, always 50 days late)
    and a punctual one, too little history for the model, so the scorecard
    grades them; every figure below is computed by hand in the comments."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prompt = cls.env["res.partner"].create(
            {"name": "Prompt Ltd", "is_company": True}
        )
        for month in range(6):
            issued = TODAY - timedelta(days=300 - 30 * month)
            due = issued + timedelta(days=30)
            late = cls.invoice(1000, due, invoice_date=issued)
            cls.pay(late, pay_date=due + timedelta(days=50))
            punctual = cls.invoice(1000, due, partner=cls.prompt, invoice_date=issued)
            cls.pay(punctual, pay_date=due)
        # Acme: 1,000 overdue by 40 days, 500 due in 10 days; Prompt: 800 in 20
        cls.overdue = cls.invoice(
            1000, TODAY - timedelta(days=40), invoice_date=TODAY - timedelta(days=70)
        )
        cls.not_due = cls.invoice(
            500, TODAY + timedelta(days=10), invoice_date=TODAY - timedelta(days=20)
        )
        cls.prompt_open = cls.invoice(
            800,
            TODAY + timedelta(days=20),
            partner=cls.prompt,
            invoice_date=TODAY - timedelta(days=10),
        )
        cls.risk = cls.env["b2b.collection.risk.model"]

    def refresh(self):
        return self.risk._b2b_refresh(self.company, TODAY)

    def score(self, partner):
        return self.env["b2b.collection.risk.score"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def prediction(self, move):
        return self.env["b2b.collection.risk.invoice"].search(
            [("move_id", "=", move.id)]
        )

    def test_scorecard_on_thin_history(self):
        model = self.refresh()
        self.assertEqual(model.method, "scorecard")
        self.assertEqual(model.refusal, "thin_history")
        self.assertTrue(model.is_current)
        self.assertEqual(model.invoice_count, 15)
        # known outcome: due 31+ days ago (13 invoices); the last 120 days of
        # them validate (2 x 2 paid and the overdue one), the rest train
        self.assertEqual((model.train_count, model.valid_count), (8, 5))
        self.assertEqual(model.train_paid_count, 8)
        self.assertEqual(model.customer_count, 2)
        self.assertEqual(model.open_count, 3)
        second = self.refresh()
        self.assertFalse(model.is_current)
        self.assertTrue(second.is_current)

    def test_grades_by_hand(self):
        """Paid history: Acme 6 x 50 days late, Prompt 6 x 0, all 1,000 each:
        the company's average is 25 days late, half very late.
        Acme: average late (6 x 50 + 2 x 25) / 8 = 43.75, very late
        (6 + 2 x 0.5) / 8 = 0.875, overdue 1,000 of 1,500 open = 2/3:
        0.45 x 0.875 + 0.20 x 43.75/60 + 0.15 x 2/3 = 0.6396 -> 64, D.
        Prompt: average late (0 + 2 x 25) / 8 = 6.25, very late 1/8, nothing
        overdue: 0.45 x 0.125 + 0.20 x 6.25/60 = 0.0771 -> 8, A."""
        self.refresh()
        acme, prompt = self.score(self.customer), self.score(self.prompt)
        self.assertAlmostEqual(acme.probability, 0.6396, places=4)
        self.assertEqual((acme.score, acme.grade), (64, "D"))
        self.assertAlmostEqual(prompt.probability, 0.0771, places=4)
        self.assertEqual((prompt.score, prompt.grade), (8, "A"))
        # 6 paid invoices: medium, one level down for the scorecard
        self.assertEqual(acme.confidence, "low")
        self.assertEqual(
            acme.factors.splitlines(),
            [
                "88 % of its invoices paid more than 30 days late",
                "Pays 44 days late on average",
                "67 % of what it owes is overdue",
            ],
        )
        # on the customer form, for the current company
        self.assertEqual(self.customer.b2b_risk_grade, "D")
        self.assertEqual(self.customer.b2b_risk_method, "scorecard")
        self.assertEqual(
            self.customer.b2b_risk_invoice_ids.move_id, self.overdue | self.not_due
        )
        # the customer and its contacts
        self.assertEqual(
            self.env["res.partner"].search([("b2b_risk_grade", "=", "D")]),
            self.customer | self.customer_contact,
        )

    def test_invoice_predictions(self):
        """Not due yet: due + the customer's average days late (Acme 43.75 ->
        44 days, Prompt 6.25 -> 6), at the customer's probability. More than
        30 days overdue: very late for sure, expected no earlier than today."""
        self.refresh()
        not_due = self.prediction(self.not_due)
        self.assertEqual(not_due.expected_date, TODAY + timedelta(days=10 + 44))
        self.assertAlmostEqual(not_due.probability, 0.6396, places=4)
        prompt = self.prediction(self.prompt_open)
        self.assertEqual(prompt.expected_date, TODAY + timedelta(days=20 + 6))
        overdue = self.prediction(self.overdue)
        self.assertEqual(overdue.probability, 1.0)
        self.assertGreaterEqual(overdue.expected_date, TODAY)
        self.assertEqual(overdue.amount_residual, 1000)

    def test_worklist_priority_is_expected_loss(self):
        """Acme's expected loss: 1,000 overdue x 1.0 (the 500 is not due);
        with a follow-up due today the whole overdue amount is added."""
        self.refresh()
        worklist = self.env["b2b.collection.worklist"]
        row = worklist.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(row.priority, 1000)
        self.assertEqual(row.risk_grade, "D")
        self.assertEqual(row.expected_loss, 1000)
        self.assertEqual(self.score(self.customer).expected_loss, 1000)
        self.customer.b2b_next_action_date = TODAY
        worklist.invalidate_model()
        row = worklist.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(row.reason, "followup_due")
        self.assertEqual(row.priority, 2000)

    def test_expected_loss_net_of_credits(self):
        """500 received and not applied yet: half of the 1,000 overdue is
        covered, so half of its expected loss remains: 1,000 x 1.0 x 500 /
        1,000 = 500, on the worklist and on the customer's grade alike."""
        self.unapplied_payment(500)
        self.refresh()
        row = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(row.amount_overdue, 500)
        self.assertEqual(row.expected_loss, 500)
        self.assertEqual(row.priority, 500)
        self.assertEqual(self.score(self.customer).expected_loss, 500)

    def test_cash_in_forecast(self):
        """13 weeks from this Monday; Prompt's 800 expected on day +26 (week
        3), Acme's 500 on day +54 (week 7), the overdue 1,000 within the
        13 weeks. Paid this week: settled next to the forecast."""
        self.refresh()
        forecasts = self.env["b2b.collection.cashin.forecast"].search(
            [("company_id", "=", self.company.id), ("is_latest", "=", True)]
        )
        self.assertEqual(len(forecasts), 13)
        self.assertEqual(forecasts.mapped("horizon"), list(range(13)))
        self.assertEqual(forecasts[0].week_start, MONDAY)
        by_horizon = {f.horizon: f.amount_forecast for f in forecasts}
        self.assertEqual(by_horizon[3], 800)
        self.assertEqual(by_horizon[7], 500)
        self.assertEqual(sum(by_horizon.values()), 2300)
        self.pay(self.prompt_open, pay_date=TODAY)
        self.refresh()  # same week: the forecast is kept, the settled amount filled
        forecasts.invalidate_recordset()
        self.assertEqual(len(forecasts.exists()), 13)
        self.assertEqual(forecasts[0].amount_actual, 800)
        self.assertFalse(forecasts[1].amount_actual)
        report = self.env["b2b.collection.cashin.report"].search(
            [("week_start", "=", MONDAY), ("date_made", "=", TODAY)]
        )
        self.assertEqual(
            {(r.kind, r.amount) for r in report},
            {("forecast", forecasts[0].amount_forecast), ("actual", 800)},
        )

    def test_credit_hold_from_grade(self):
        """With the threshold at D, Acme (D, something overdue) goes on hold,
        an automatic hold with its reason; Prompt (A) does not."""
        self.company.b2b_risk_hold_grade = "D"
        self.refresh()
        self.assertTrue(self.customer.b2b_credit_hold)
        self.assertTrue(self.customer.b2b_credit_hold_auto)
        self.assertRegex(
            self.customer.b2b_credit_hold_reason,
            r"^Risk grade D \(score 64\) on 2026-03-31: 88 % of its invoices",
        )
        self.assertFalse(self.prompt.b2b_credit_hold)

    def test_no_hold_without_threshold(self):
        self.refresh()
        self.assertFalse(self.customer.b2b_credit_hold)

    def test_companies_apart(self):
        """A company without any invoice is refreshed without error and
        without touching the other company's grades; the grades of one
        company are not read in another."""
        self.refresh()
        other = self.setup_other_company(name="Risk Co 2")["company"]
        model = self.risk._b2b_refresh(other, TODAY)
        self.assertEqual(
            (model.method, model.customer_count, model.open_count),
            ("scorecard", 0, 0),
        )
        self.assertEqual(len(self.score(self.customer)), 1)
        customer = self.customer.with_company(other)
        self.assertFalse(customer.b2b_risk_grade)
        self.assertFalse(customer.b2b_risk_invoice_ids)

    def test_rights(self):
        """A collector reads the grades but cannot refresh; a manager can."""
        self.refresh()
        as_collector = self.customer.with_user(self.collector)
        self.assertEqual(as_collector.b2b_risk_grade, "D")
        with self.assertRaises(AccessError):
            self.risk.with_user(self.collector).action_b2b_refresh()
        with self.assertRaises(AccessError):
            self.score(self.customer).with_user(self.collector).write({"score": 1})
        self.risk.with_user(self.manager).action_b2b_refresh()
        self.assertEqual(
            self.risk.search_count([("company_id", "=", self.company.id)]), 2
        )
