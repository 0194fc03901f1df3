"""Learning who pays late, and when, from the company's own history.

Two predictions per invoice: the probability of being paid more than 30 days
late (logistic regression on standardised features: its weights explain each
score) and the number of days late (gradient-boosted trees minimising the
absolute error, the error reported in days). Both are validated on the most
recent invoices whose outcome is known, after being fitted on the older ones
(time-based split, never random), against two naive baselines: "late if it was
late last time" and "due date + the customer's average days late". The model
is used only when it beats both by the margins below on enough history;
otherwise a transparent scorecard is used, and the screens say so.
"""

import math

import numpy as np

from .risk_features import FEATURE_NAMES, VERY_LATE

SEED = 0
VALIDATION_DAYS = 120  # the most recent invoices with a known outcome
AUC_MARGIN = 0.02  # the model's AUC must beat the baseline's by this much
MAE_MARGIN = 0.05  # and its error in days be 5 % below the baseline's
MIN_VALIDATION = 100  # invoices, with at least MIN_CLASS of each outcome
MIN_CLASS = 10
CALIBRATION_BINS = 5
LATE_CLIP = (-60, 365)
GRADES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]
# score (0-100) from which a grade applies
GRADE_FROM = (("D", 60), ("C", 35), ("B", 15), ("A", 0))

# The scorecard: points (weights summing to 1) of plain figures, each in [0, 1].
SCORECARD = (
    ("share_very_late", 0.45),
    ("avg_days_late", 0.20),
    ("overdue_share", 0.15),
    ("broken_promises", 0.10),
    ("disputes", 0.05),
    ("credit_use", 0.05),
)


def grade_of(score):
    """A (paid on time) to D (very likely paid very late) of a 0-100 score."""
    return next(grade for grade, low in GRADE_FROM if score >= low)


def scorecard_points(raw):
    """{factor: points array}: the scorecard's share of each factor."""
    scaled = {
        "share_very_late": raw["share_very_late"],
        "avg_days_late": np.clip(raw["avg_days_late"] / 60.0, 0, 1),
        "overdue_share": raw["overdue_share"],
        "broken_promises": np.minimum(raw["broken_promises"], 2) / 2.0,
        "disputes": np.minimum(raw["disputes"], 2) / 2.0,
        "credit_use": np.clip(raw["credit_use"] - 1.0, 0, 1),
    }
    return {name: weight * scaled[name] for name, weight in SCORECARD}


def scorecard_probability(raw):
    return np.clip(sum(scorecard_points(raw).values()), 0.0, 1.0)


def baseline_days(raw):
    """The naive date: due date + the customer's average days late."""
    return raw["avg_days_late"]


def roc_auc(y, score):
    """Area under the ROC curve, ties counted half (Mann-Whitney)."""
    y = np.asarray(y, bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = np.asarray(score)[order]
    # average ranks of ties
    _values, first, counts = np.unique(
        sorted_scores, return_index=True, return_counts=True
    )
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def top_decile_precision(y, score):
    """Share of very late invoices among the 10 % scored highest; ties at the
    cut count in proportion (a yes/no baseline is not favoured by its order)."""
    y = np.asarray(y, float)
    score = np.asarray(score, float)
    k = max(1, math.ceil(len(y) / 10))
    cut = np.sort(score)[::-1][k - 1]
    above = score > cut
    tied = score == cut
    taken_tied = k - int(above.sum())
    positives = y[above].sum() + (y[tied].mean() * taken_tied if taken_tied else 0.0)
    return float(positives / k)


def calibration(y, probability, bins=CALIBRATION_BINS):
    """[(from, to, n, mean predicted, observed rate)] by bands of probability."""
    edges = np.linspace(0, 1, bins + 1)
    band = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = band == b
        if mask.any():
            rows.append(
                (
                    edges[b],
                    edges[b + 1],
                    int(mask.sum()),
                    float(probability[mask].mean()),
                    float(np.mean(y[mask])),
                )
            )
    return rows


def brier(y, probability):
    return float(np.mean((np.asarray(probability, float) - np.asarray(y, float)) ** 2))


class Learner:
    """The two fitted estimators and what the factors need of them."""

    def __init__(self, X, y_late, X_days, y_days, probability=True, dates=True):
        # imported here: the addon's other code (and its tests of the
        # scorecard) do not need scikit-learn loaded
        from sklearn.ensemble import HistGradientBoostingRegressor
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        # one thread: the trees' OpenMP threads are slower than one when the
        # server's other workers share the cores (10x on 2 busy cores), and
        # the results are the same on every machine
        self.one_thread = lambda: threadpool_limits(1)

        # which of its predictions are used (each validated on its own)
        self.use_probability = probability
        self.use_dates = dates
        self.mean = X.mean(axis=0)
        self.std = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
        self.classifier = LogisticRegression(C=1.0, max_iter=1000, random_state=SEED)
        with self.one_thread():
            self.classifier.fit(self._z(X), y_late)
        self.regressor = HistGradientBoostingRegressor(
            loss="absolute_error",
            max_iter=150,
            learning_rate=0.1,
            max_leaf_nodes=31,
            min_samples_leaf=40,
            early_stopping=False,
            random_state=SEED,
        )
        with self.one_thread():
            self.regressor.fit(X_days, np.clip(y_days, *LATE_CLIP))

    def _z(self, X):
        return (X - self.mean) / self.std

    def probability(self, X):
        return self.classifier.predict_proba(self._z(X))[:, 1]

    def days(self, X):
        with self.one_thread():
            return self.regressor.predict(X)

    def contributions(self, X):
        """Each feature's push on the log-odds, from the company average."""
        return self._z(X) * self.classifier.coef_[0]

    def weights(self):
        return dict(zip(FEATURE_NAMES, self.classifier.coef_[0], strict=True))


def split(history, today):
    """Indexes of the invoices with a known outcome, split in time: the
    training rows (due before the validation window) and the validation rows
    (due in the last VALIDATION_DAYS of the known window)."""
    h = history
    known_until = today - VERY_LATE - 1
    known = h.due <= known_until
    valid = known & (h.due > known_until - VALIDATION_DAYS)
    train = known & ~valid
    return np.flatnonzero(train), np.flatnonzero(valid)


def labels(history, rows):
    """Very late (bool) and days late (paid invoices only: NaN otherwise) of
    invoices ``rows`` with a known outcome."""
    h = history
    paid = h.paid[rows] >= 0
    late_days = np.where(paid, h.days_late[rows], h.today - h.due[rows])
    return late_days > VERY_LATE, np.where(paid, h.days_late[rows], np.nan)


def evaluate(y_late, days, probability, predicted_days, base_score, base_days):
    """The validation figures of the model next to the baselines'."""
    paid = ~np.isnan(days)
    return {
        "auc": roc_auc(y_late, probability),
        "auc_base": roc_auc(y_late, base_score),
        "top_precision": top_decile_precision(y_late, probability),
        "top_precision_base": top_decile_precision(y_late, base_score),
        "brier": brier(y_late, probability),
        "brier_base": brier(y_late, base_score),
        "mae": float(np.mean(np.abs(predicted_days[paid] - days[paid])))
        if paid.any()
        else float("nan"),
        "mae_base": float(np.mean(np.abs(base_days[paid] - days[paid])))
        if paid.any()
        else float("nan"),
        "base_rate": float(np.mean(y_late)) if len(y_late) else float("nan"),
        "calibration": calibration(np.asarray(y_late, float), probability),
    }


def verdict(metrics, n_train_paid, n_valid, n_pos, min_paid):
    """Whether each prediction of the model may be used: (why not for the
    probability, why not for the dates), None where it may."""
    if n_train_paid < min_paid:
        return "thin_history", "thin_history"
    if n_valid < MIN_VALIDATION or n_pos < MIN_CLASS or n_valid - n_pos < MIN_CLASS:
        return "thin_validation", "thin_validation"
    refusal = None if metrics["auc"] >= metrics["auc_base"] + AUC_MARGIN else "auc"
    date_refusal = (
        None if metrics["mae"] <= metrics["mae_base"] * (1 - MAE_MARGIN) else "mae"
    )
    return refusal, date_refusal


def conditional_tail(train_days, train_probability, bins=5):
    """For invoices already d days overdue: P(very late | late > d) and the
    expected days late given late > d, learnt from the training invoices in
    the same band of predicted probability."""
    edges = (
        np.quantile(train_probability, np.linspace(0, 1, bins + 1)[1:-1])
        if len(train_probability)
        else np.array([])
    )
    bands = []
    band_of = (
        np.digitize(train_probability, edges)
        if len(edges)
        else np.zeros(len(train_days), int)
    )
    for b in range(bins):
        values = np.sort(train_days[(band_of == b) & ~np.isnan(train_days)])
        suffix = np.concatenate((np.cumsum(values[::-1])[::-1], [0.0]))
        bands.append((values, suffix))

    def tail(probability, overdue):
        band = (
            np.digitize(probability, edges)
            if len(edges)
            else np.zeros(len(probability), int)
        )
        p_out = np.empty(len(probability))
        days_out = np.empty(len(probability))
        for i, (b, d) in enumerate(zip(band, overdue, strict=True)):
            values, suffix = bands[min(b, len(bands) - 1)]
            beyond = len(values) - np.searchsorted(values, d, "right")
            very = len(values) - np.searchsorted(values, max(d, VERY_LATE), "right")
            # one pseudo-invoice very late and far out: a tail with no data is
            # not read as "certainly paid tomorrow"
            p_out[i] = (very + 1.0) / (beyond + 1.0)
            start = len(values) - beyond
            days_out[i] = (
                (suffix[start] + d + 30.0) / (beyond + 1.0) if beyond else d + 30.0
            )
        return p_out, days_out

    return tail
