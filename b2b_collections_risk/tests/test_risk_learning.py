import numpy as np

from odoo.tests import TransactionCase, tagged

from odoo.addons.b2b_collections_risk.models import risk_learning as rl
from odoo.addons.b2b_collections_risk.models.b2b_collection_risk_model import (
    _fit_and_score,
)

from . import synthetic as syn

PUNCTUAL, ALWAYS_45, CHANGED = 0, 1, 2


@tagged("post_install", "-at_install")
class TestRiskLearning(TransactionCase):
    """The learning on synthetic histories whose answers are known."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        profiles = [
            syn.steady(-1, 2),  # pays on time
            syn.steady(45),  # always 45 days late
            syn.changed(before=-1, after=50),  # punctual, late for six months
        ] + syn.population(250)
        cls.history = syn.build(profiles)
        cls.result = _fit_and_score(cls.history, syn.TODAY, min_paid=500)

    def _customer(self, index):
        customers = self.result["customers"]
        i = int(np.flatnonzero(customers["partners"] == index)[0])
        return {
            "probability": customers["probability"][i],
            "factors": [name for name, _figures in customers["factors"][i]],
        }

    def _open_not_due(self, index):
        """(predicted days late, probability) of the customer's open invoice
        that is not due yet."""
        scored = self.result["open"]
        h = self.history
        rows = scored["rows"]
        mask = (h.partner[rows] == index) & (h.due[rows] >= syn.TODAY_ORD)
        i = int(np.flatnonzero(mask)[0])
        return scored["expected"][i] - h.due[rows][i], scored["probability"][i]

    def test_model_used_and_beats_baselines(self):
        metrics = self.result["metrics"]
        self.assertIsNone(self.result["refusal"], metrics)
        self.assertIsNone(self.result["date_refusal"], metrics)
        self.assertTrue(self.result["learner"].use_dates)
        self.assertGreaterEqual(metrics["auc"], metrics["auc_base"] + rl.AUC_MARGIN)
        self.assertLessEqual(metrics["mae"], metrics["mae_base"] * (1 - rl.MAE_MARGIN))
        self.assertGreater(metrics["auc"], 0.85)
        self.assertGreater(metrics["top_precision"], metrics["base_rate"])

    def test_time_based_split(self):
        """Validation invoices are all due after every training invoice, and
        all have a known outcome (due more than 30 days ago)."""
        h = self.history
        train, valid = rl.split(h, syn.TODAY_ORD)
        self.assertTrue(len(train) and len(valid))
        self.assertLess(h.due[train].max(), h.due[valid].min())
        self.assertLessEqual(h.due[valid].max(), syn.TODAY_ORD - 31)

    def test_always_45_days_late(self):
        customer = self._customer(ALWAYS_45)
        self.assertGreater(customer["probability"], 0.6)
        self.assertEqual(rl.grade_of(round(100 * customer["probability"])), "D")
        days, probability = self._open_not_due(ALWAYS_45)
        self.assertGreater(probability, 0.6)
        self.assertAlmostEqual(days, 45, delta=8)

    def test_punctual(self):
        customer = self._customer(PUNCTUAL)
        self.assertLess(customer["probability"], 0.1)
        self.assertEqual(rl.grade_of(round(100 * customer["probability"])), "A")
        days, probability = self._open_not_due(PUNCTUAL)
        self.assertLess(probability, 0.1)
        self.assertAlmostEqual(days, 0, delta=6)

    def test_changed_behaviour_scored_on_the_change(self):
        """Punctual for 18 months, 50 days late for the last 6: scored on the
        change, far above the punctual customer, the trend among its reasons."""
        changed = self._customer(CHANGED)
        punctual = self._customer(PUNCTUAL)
        self.assertGreater(changed["probability"], 0.35)
        self.assertGreater(changed["probability"], 5 * punctual["probability"])
        self.assertTrue(
            {"trend", "late_last_time"} & set(changed["factors"]), changed["factors"]
        )

    def test_overdue_invoice_expected_after_today(self):
        """An invoice already overdue is expected no earlier than today, and
        one more than 30 days overdue is very late for sure."""
        scored = self.result["open"]
        h = self.history
        rows = scored["rows"]
        overdue = syn.TODAY_ORD - h.due[rows]
        self.assertTrue((scored["expected"] >= syn.TODAY_ORD).all())
        self.assertTrue((scored["probability"][overdue > 30] == 1.0).all())
        self.assertTrue(
            ((scored["probability"] >= 0) & (scored["probability"] <= 1)).all()
        )

    def test_deterministic(self):
        again = _fit_and_score(self.history, syn.TODAY, min_paid=500)
        np.testing.assert_array_equal(
            again["customers"]["probability"], self.result["customers"]["probability"]
        )
        np.testing.assert_array_equal(
            again["open"]["expected"], self.result["open"]["expected"]
        )

    def test_refused_on_thin_history(self):
        """Too few paid invoices: the scorecard, and the reason why."""
        result = _fit_and_score(self.history, syn.TODAY, min_paid=10**6)
        self.assertEqual(result["refusal"], "thin_history")
        self.assertIsNone(result["learner"])
        small = syn.build([syn.steady(45), syn.steady(0)], months=6)
        result = _fit_and_score(small, syn.TODAY, min_paid=500)
        self.assertEqual(result["refusal"], "thin_history")
        # the scorecard still grades: the late payer above the punctual one
        customers = result["customers"]
        self.assertGreater(customers["probability"][0], customers["probability"][1])

    def test_refused_when_no_better_than_baseline(self):
        """When lateness is chance, nothing beats "late last time" by the
        margin: the model is refused."""
        history = syn.build(syn.noise(250))
        result = _fit_and_score(history, syn.TODAY, min_paid=500)
        self.assertEqual(result["refusal"], "auc")
        self.assertLess(result["metrics"]["auc"], 0.6)
        # the dates are refused on their own: only the better prediction is
        # used (here none, so no model at all)
        self.assertEqual(result["date_refusal"], "mae")
        self.assertIsNone(result["learner"])

    def test_each_prediction_validated_on_its_own(self):
        """The probability beats its baseline by far, the dates do not beat
        "due date + average days late" (each invoice's lateness is its
        customer's habit plus chance): the model grades, the baseline dates."""
        history = syn.build(syn.population(250, spread=30.0))
        result = _fit_and_score(history, syn.TODAY, min_paid=500)
        self.assertIsNone(result["refusal"], result["metrics"])
        self.assertEqual(result["date_refusal"], "mae", result["metrics"])
        learner = result["learner"]
        self.assertTrue(learner.use_probability)
        self.assertFalse(learner.use_dates)


@tagged("post_install", "-at_install")
class TestRiskMetrics(TransactionCase):
    """The validation figures, on cases computed by hand."""

    def test_auc(self):
        # 2 positives, 2 negatives: pairs (0.9>0.1) (0.9>0.4) (0.3>0.1) (0.3<0.4)
        self.assertAlmostEqual(rl.roc_auc([1, 0, 1, 0], [0.9, 0.1, 0.3, 0.4]), 0.75)
        # ties count half
        self.assertAlmostEqual(rl.roc_auc([1, 0], [0.5, 0.5]), 0.5)
        self.assertTrue(np.isnan(rl.roc_auc([1, 1], [0.2, 0.3])))

    def test_top_decile_precision_counts_ties_in_proportion(self):
        y = [1] * 2 + [0] * 18
        # top 10 % of 20 = 2 rows: both positives scored highest
        self.assertEqual(rl.top_decile_precision(y, list(range(20, 0, -1))), 1.0)
        # a yes/no score: 4 rows tied at 1 (2 positives), 2 taken: 2 x 2/4
        score = [1, 1, 1, 1] + [0] * 16
        y = [1, 1, 0, 0] + [0] * 16
        self.assertAlmostEqual(rl.top_decile_precision(y, score), 0.5)

    def test_calibration_and_brier(self):
        y = np.array([0, 0, 1, 1])
        p = np.array([0.1, 0.1, 0.9, 0.7])
        self.assertAlmostEqual(rl.brier(y, p), (0.01 + 0.01 + 0.01 + 0.09) / 4)
        rows = rl.calibration(y, p)
        self.assertEqual(
            [(r[2], round(r[3], 2), r[4]) for r in rows],
            [(2, 0.1, 0.0), (1, 0.7, 1.0), (1, 0.9, 1.0)],
        )

    def test_grades(self):
        self.assertEqual(
            [rl.grade_of(s) for s in (0, 14, 15, 34, 35, 59, 60, 100)],
            ["A", "A", "B", "B", "C", "C", "D", "D"],
        )
