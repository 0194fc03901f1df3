import logging
import time

import numpy as np
from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from . import risk_features as rf
from . import risk_learning as rl
from .risk_store import store_predictions

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "b2b_collections.group_b2b_collection_manager"
METHODS = [("model", "Learned model"), ("scorecard", "Scorecard")]
DATE_METHODS = [
    ("model", "Learned model"),
    ("baseline", "Due date + the customer's average days late"),
]
REFUSALS = [
    ("thin_history", "Too few paid invoices to learn from"),
    ("thin_validation", "Too few recent invoices with a known outcome to validate on"),
    ("auc", "The model does not rank late payers better than the baseline"),
    ("mae", "The model's payment dates are not closer than the baseline's"),
]
CONFIDENCES = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
FORECAST_WEEKS = 13
# the validation figures, stored on the model record under the same names
METRICS = (
    "auc",
    "auc_base",
    "top_precision",
    "top_precision_base",
    "brier",
    "brier_base",
    "mae",
    "mae_base",
    "base_rate",
)


class B2bCollectionRiskModel(models.Model):
    """One refresh of the risk predictions of a company: how the late-payment
    model was validated against the naive baselines, whether it is used or
    the scorecard instead, and what was scored."""

    _name = "b2b.collection.risk.model"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections Risk Model"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, b2b_write="action", index=True
    )
    date = fields.Datetime(
        readonly=True, b2b_write="action", default=fields.Datetime.now
    )
    is_current = fields.Boolean(
        string="In Use", readonly=True, b2b_write="action", index=True
    )
    method = fields.Selection(METHODS, readonly=True, b2b_write="action")
    date_method = fields.Selection(
        DATE_METHODS,
        string="Payment Dates By",
        readonly=True,
        b2b_write="action",
        help="The learned model's dates are used only when their error is 5 % "
        "below the baseline's (due date + the customer's average days late).",
    )
    refusal = fields.Selection(
        REFUSALS,
        string="Why the Scorecard",
        readonly=True,
        b2b_write="action",
        help="Why the learned model is not used.",
    )
    invoice_count = fields.Integer(string="Invoices", readonly=True, b2b_write="action")
    train_count = fields.Integer(
        string="Learned From", readonly=True, b2b_write="action"
    )
    train_paid_count = fields.Integer(
        string="Paid Invoices Learned From", readonly=True, b2b_write="action"
    )
    valid_count = fields.Integer(
        string="Validated On", readonly=True, b2b_write="action"
    )
    valid_from = fields.Date(
        string="Validated on Invoices Due From",
        readonly=True,
        b2b_write="action",
    )
    valid_to = fields.Date(string="To", readonly=True, b2b_write="action")
    base_rate = fields.Float(
        string="Very Late (share)",
        readonly=True,
        digits=(4, 3),
        b2b_write="action",
        help="Share of the validation invoices paid more than 30 days late.",
    )
    auc = fields.Float(string="AUC", readonly=True, digits=(4, 3), b2b_write="action")
    auc_base = fields.Float(
        string="AUC (baseline)", readonly=True, digits=(4, 3), b2b_write="action"
    )
    top_precision = fields.Float(
        string="Top-Decile Precision", readonly=True, digits=(4, 3), b2b_write="action"
    )
    top_precision_base = fields.Float(
        string="Top-Decile Precision (baseline)",
        readonly=True,
        digits=(4, 3),
        b2b_write="action",
    )
    brier = fields.Float(
        string="Brier Score", readonly=True, digits=(4, 3), b2b_write="action"
    )
    brier_base = fields.Float(
        string="Brier Score (baseline)",
        readonly=True,
        digits=(4, 3),
        b2b_write="action",
    )
    mae = fields.Float(
        string="Date Error (days)", readonly=True, digits=(6, 1), b2b_write="action"
    )
    mae_base = fields.Float(
        string="Date Error (baseline)", readonly=True, digits=(6, 1), b2b_write="action"
    )
    calibration_html = fields.Html(
        string="Calibration", readonly=True, sanitize=True, b2b_write="action"
    )
    weights_html = fields.Html(
        string="What Weighs", readonly=True, sanitize=True, b2b_write="action"
    )
    customer_count = fields.Integer(
        string="Customers Graded", readonly=True, b2b_write="action"
    )
    open_count = fields.Integer(
        string="Open Invoices Scored", readonly=True, b2b_write="action"
    )
    duration = fields.Float(
        string="Seconds", readonly=True, digits=(6, 1), b2b_write="action"
    )

    # ------------------------------------------------------------------ actions

    def action_b2b_refresh(self):
        """Refresh now (collections managers): the companies of the user."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only a collections manager may refresh the risk model.")
            )
        for company in self.env.companies:
            self.sudo()._b2b_refresh(company)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_risk.b2b_collection_risk_model_action"
        )
        return action

    @api.model
    def _cron_b2b_refresh(self):
        for company in self.env["res.company"].search([]):
            self._b2b_refresh(company)

    # ------------------------------------------------------------------ engine

    @api.model
    def _b2b_refresh(self, company, today=None):
        """Features, fit, validation and scoring of ``company``'s customers
        and open invoices; the grades' credit holds; the week's cash-in
        forecast. Returns the new model record."""
        started = time.perf_counter()
        today = today or fields.Date.context_today(self.with_company(company))
        self.env.flush_all()
        history = rf.load_history(self.env, company, today)
        result = _fit_and_score(history, today, company.b2b_risk_min_paid)
        model = self.sudo().create(_model_values(self.env, company, result))
        self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("id", "!=", model.id),
                ("is_current", "=", True),
            ]
        ).write({"is_current": False})
        store_predictions(self.env, company, model, history, result)
        self.env["b2b.collection.cashin.forecast"]._b2b_snapshot(company, today)
        self.env["b2b.collection.risk.score"]._b2b_hold_by_grade(company, model)
        model.duration = time.perf_counter() - started
        _logger.info(
            "risk refresh of %s: %s, %d customers, %d open invoices, %.1f s",
            company.name,
            model.method,
            model.customer_count,
            model.open_count,
            model.duration,
        )
        return model


def _fit_and_score(history, today, min_paid):
    """Everything the refresh computes, without the ORM."""
    h = history
    today = int(np.datetime64(today, "D").astype("int64"))
    n = len(h.move_id)
    out = {
        "n": n,
        "metrics": {},
        "refusal": "thin_history",
        "date_refusal": "thin_history",
        "train": 0,
        "train_paid": 0,
        "valid": 0,
        "valid_range": (None, None),
        "learner": None,
    }
    rows = np.arange(n)
    X, raw = rf.features(h, rows, h.date)
    train, valid = rl.split(h, today)
    y_tr, days_tr = rl.labels(h, train)
    y_va, days_va = rl.labels(h, valid)
    paid_tr = ~np.isnan(days_tr)
    out.update(train=len(train), train_paid=int(paid_tr.sum()), valid=len(valid))
    if len(valid):
        out["valid_range"] = (int(h.due[valid].min()), int(h.due[valid].max()))
    raw_va = {k: v[valid] for k, v in raw.items()}
    base = (raw_va["last_late"], rl.baseline_days(raw_va))
    learner = None
    # thin history: refused before fitting anything (the figures shown are
    # then the scorecard's, the grades in use)
    if paid_tr.sum() >= max(min_paid, 20) and 0 < y_tr.sum() < len(y_tr):
        learner = rl.Learner(X[train], y_tr, X[train][paid_tr], days_tr[paid_tr])
    if learner is not None and len(valid):
        out["metrics"] = rl.evaluate(
            y_va, days_va, learner.probability(X[valid]), learner.days(X[valid]), *base
        )
        out["refusal"], out["date_refusal"] = rl.verdict(
            out["metrics"], int(paid_tr.sum()), len(valid), int(y_va.sum()), min_paid
        )
    elif learner is not None:
        out["refusal"] = out["date_refusal"] = "thin_validation"
    elif len(valid):
        out["metrics"] = rl.evaluate(
            y_va, days_va, rl.scorecard_probability(raw_va), base[1], *base
        )
    known = np.concatenate((train, valid))
    y_known, days_known = rl.labels(h, known)
    learner = None
    if out["refusal"] is None or out["date_refusal"] is None:
        paid_known = ~np.isnan(days_known)
        learner = rl.Learner(
            X[known],
            y_known,
            X[known][paid_known],
            days_known[paid_known],
            probability=out["refusal"] is None,
            dates=out["date_refusal"] is None,
        )
        out["learner"] = learner
    # the features of the known invoices at their dates: already computed
    known_probability = _predict_from(
        X[known], {k: v[known] for k, v in raw.items()}, learner
    )[0]
    tail = rl.conditional_tail(days_known, known_probability)
    out["open"] = _score_open(h, today, learner, tail)
    out["customers"] = _grade_customers(h, today, learner)
    return out


def _predict(h, rows, t, learner, **overrides):
    """Probability, days late, raw figures and each feature's push, of the
    model where it was accepted, else of the scorecard and the baseline."""
    X, raw = rf.features(h, rows, t, **overrides)
    return _predict_from(X, raw, learner)


def _predict_from(X, raw, learner):
    """``_predict`` of a feature matrix ``X`` and its ``raw`` figures."""
    if learner is not None and learner.use_probability:
        probability = learner.probability(X)
        contributions = learner.contributions(X)
    else:
        probability = rl.scorecard_probability(raw)
        contributions = np.zeros((len(X), len(rf.FEATURE_NAMES)))
        for name, points in rl.scorecard_points(raw).items():
            contributions[:, rf.FEATURE_NAMES.index(name)] = points
    if learner is not None and learner.use_dates:
        days = learner.days(X)
    else:
        days = rl.baseline_days(raw)
    return probability, days, raw, contributions


def _confidence(raw, learner):
    n = raw["n_paid"]
    level = np.where(n >= 12, 0, np.where(n >= 4, 1, 2))
    if learner is None or not learner.use_probability:
        level = np.minimum(level + 1, 2)
    return np.array(["high", "medium", "low"])[level]


def _score_open(h, today, learner, tail):
    """Probability of being paid very late and expected payment date of each
    open invoice, knowing how late it already is."""
    rows = np.flatnonzero(h.residual > 0.005)
    if not len(rows):
        return {"rows": rows}
    probability, days, raw, _c = _predict(h, rows, today, learner)
    overdue = today - h.due[rows]
    late = overdue > 0
    if late.any():
        p_tail, d_tail = tail(probability[late], overdue[late])
        probability = probability.copy()
        days = days.copy()
        probability[late] = np.where(overdue[late] > rf.VERY_LATE, 1.0, p_tail)
        days[late] = np.maximum(days[late], d_tail)
    expected = np.maximum(h.due[rows] + np.round(days).astype("int64"), today)
    return {
        "rows": rows,
        "probability": np.clip(probability, 0, 1),
        "days": days,
        "expected": expected,
        "confidence": _confidence(raw, learner),
    }


def _grade_customers(h, today, learner):
    """Each customer's grade: the probability that a new invoice of its usual
    size and term, issued today, is paid very late; with its three factors."""
    if not len(h.move_id):
        return {"partners": np.zeros(0, int)}
    order = np.lexsort((h.date, h.partner))
    last = order[np.r_[np.flatnonzero(np.diff(h.partner[order])), len(order) - 1]]
    partners = h.partner[last]
    counts = np.bincount(h.partner, minlength=len(h.company_partner))
    mean_amount = np.bincount(
        h.partner, weights=h.amount, minlength=len(counts)
    ) / np.maximum(counts, 1)
    term = h.due[last] - h.date[last]
    probability, days, raw, contributions = _predict(
        h,
        last,
        today,
        learner,
        amount=mean_amount[partners],
        due=today + term,
        date=np.full(len(last), today),
    )
    top = np.argsort(-contributions, axis=1, kind="stable")[:, :3]
    factors = [
        [
            (rf.FEATURE_NAMES[j], rf.factor_figures(rf.FEATURE_NAMES[j], raw, i))
            for j in top[i]
            if contributions[i, j] > 1e-6 and rf.FEATURE_NAMES[j] not in ("size",)
        ]
        for i in range(len(last))
    ]
    return {
        "partners": partners,
        "probability": np.clip(probability, 0, 1),
        "days": days,
        "raw": raw,
        "factors": factors,
        "confidence": _confidence(raw, learner),
    }


def _model_values(env, company, result):
    metrics = result["metrics"]
    first, last = result["valid_range"]

    def day(ordinal):
        return None if ordinal is None else str(np.datetime64(ordinal, "D"))

    def num(key):
        value = metrics.get(key)
        return 0.0 if value is None or value != value else value

    values = {
        "company_id": company.id,
        "is_current": True,
        "method": "model" if result["refusal"] is None else "scorecard",
        "refusal": result["refusal"],
        "date_method": "model" if result["date_refusal"] is None else "baseline",
        "invoice_count": result["n"],
        "train_count": result["train"],
        "train_paid_count": result["train_paid"],
        "valid_count": result["valid"],
        "valid_from": day(first),
        "valid_to": day(last),
        "customer_count": len(result["customers"]["partners"]),
        "open_count": len(result["open"]["rows"]),
        "calibration_html": _calibration_html(env, metrics.get("calibration", [])),
        "weights_html": _weights_html(env, result["learner"]),
    }
    for key in METRICS:
        values[key] = num(key)
    return values


def _calibration_html(env, rows):
    if not rows:
        return False
    cells = "".join(
        f"<tr><td>{low:.0%}-{high:.0%}</td><td>{n}</td><td>{predicted:.1%}</td>"
        f"<td>{observed:.1%}</td></tr>"
        for low, high, n, predicted, observed in rows
    )
    return (
        "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th></tr></thead><tbody>%s</tbody></table>"
    ) % (
        env._("Predicted"),
        env._("Invoices"),
        env._("Mean predicted"),
        env._("Observed"),
        cells,
    )


def _weights_html(env, learner):
    """The scorecard's points, or the model's weights (on standardised
    features: comparable), the largest first."""
    if learner is None or not learner.use_probability:
        rows = [(name, f"{weight:.0%}") for name, weight in rl.SCORECARD]
    else:
        weights = sorted(learner.weights().items(), key=lambda item: -abs(item[1]))
        rows = [(name, f"{weight:+.2f}") for name, weight in weights]
    cells = "".join(
        f"<tr><td>{escape(env._(rf.FEATURE_LABELS[name]))}</td><td>{value}</td></tr>"
        for name, value in rows
    )
    return f"<table class='table table-sm'><tbody>{cells}</tbody></table>"
