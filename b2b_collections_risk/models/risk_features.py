"""The risk features, set-based: one query per table, then numpy.

Every customer invoice of a company is one row. Its features describe the
customer as it was known *at a reference time* ``t``: the invoice date for the
history the model learns from (nothing paid later may leak in), today for the
open invoices it scores and for the customer's own grade. The customer's past
is kept as arrays sorted by (customer, date) with cumulative sums, so that the
figures of any (customer, t) are two binary searches and a subtraction,
whatever the number of rows.

Known simplification: an invoice counts as paid on the date of the
reconciliation that settled it in full; until then it counts as open for its
whole amount (partial payments are not spread).
"""

from collections import namedtuple

import numpy as np

from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

DAY_SPAN = 1 << 20  # days in a (customer, day) key: more than any date ordinal
RECENT_DAYS = 180  # the trend compares the last six months with before
VERY_LATE = 30  # "very late": paid more than 30 days after the due date
PRIOR_WEIGHT = 2.0  # pseudo-invoices of the company's average for thin histories

# name, how the feature reads in words (the factors shown to collectors)
FEATURES = (
    ("avg_days_late", _lt("Pays %(value).0f days late on average")),
    ("share_late", _lt("%(pct).0f %% of its invoices paid late")),
    (
        "share_very_late",
        _lt("%(pct).0f %% of its invoices paid more than 30 days late"),
    ),
    ("trend", _lt("Pays %(value).0f days later than before (last 6 months)")),
    ("late_last_time", _lt("Its last invoice was paid more than 30 days late")),
    ("history", _lt("Few paid invoices to judge from")),
    ("broken_promises", _lt("%(count).0f broken promise(s) to pay")),
    ("disputes", _lt("%(count).0f dispute(s) raised")),
    ("bounced", _lt("%(count).0f reminder(s) bounced")),
    ("overdue_share", _lt("%(pct).0f %% of what it owes is overdue")),
    ("credit_use", _lt("Uses %(pct).0f %% of its credit limit")),
    ("age", _lt("Customer for %(count).0f days only")),
    ("size", _lt("Invoice %(ratio).1f times its usual size")),
    ("term", _lt("Long payment term (%(count).0f days)")),
    ("month_end", _lt("Due at the end of a month")),
)
FEATURE_NAMES = tuple(name for name, _words in FEATURES)
# the features' names on the model's form
FEATURE_LABELS = {
    "avg_days_late": _lt("Average days late"),
    "share_late": _lt("Share paid late"),
    "share_very_late": _lt("Share paid more than 30 days late"),
    "trend": _lt("Trend of the last 6 months"),
    "late_last_time": _lt("Last invoice paid very late"),
    "history": _lt("Few paid invoices"),
    "broken_promises": _lt("Broken promises"),
    "disputes": _lt("Disputes"),
    "bounced": _lt("Bounced reminders"),
    "overdue_share": _lt("Share of the balance overdue"),
    "credit_use": _lt("Credit limit use"),
    "age": _lt("New customer"),
    "size": _lt("Invoice size against the usual"),
    "term": _lt("Payment term"),
    "month_end": _lt("Due at a month's end"),
}

History = namedtuple(
    "History",
    "move_id partner company_partner date due amount residual paid days_late "
    "partners credit_limit events today",
)


def date_ordinals(values):
    """datetime.date (or None) list -> int days since 1970 (None -> -1)."""
    array = np.array(values, dtype="datetime64[D]")
    out = array.astype("int64")
    out[np.isnat(array)] = -1
    return out


def load_history(env, company, today):
    """Every posted customer invoice of ``company`` (one row per invoice, its
    receivable lines summed, in company currency) and the customers' events,
    in one query per table."""
    rows = env.execute_query(
        SQL(
            """
            SELECT m.id,
                   m.commercial_partner_id,
                   m.invoice_date,
                   MAX(l.date_maturity),
                   SUM(l.balance),
                   SUM(l.amount_residual),
                   CASE WHEN BOOL_AND(l.reconciled) THEN (
                        SELECT MAX(apr.max_date) FROM account_partial_reconcile apr
                         WHERE apr.debit_move_id = ANY(ARRAY_AGG(l.id)))
                   END
              FROM account_move m
              JOIN account_move_line l ON l.move_id = m.id
                                      AND l.display_type = 'payment_term'
             WHERE m.company_id = %(company)s
               AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.invoice_date <= %(today)s
          GROUP BY m.id
            HAVING SUM(l.balance) > 0
          ORDER BY m.id
            """,
            company=company.id,
            today=today,
        )
    )
    today_ord = int(np.datetime64(today, "D").astype("int64"))
    if not rows:
        empty = np.zeros(0, dtype="int64")
        return History(
            empty,
            empty,
            empty,
            empty,
            empty,
            empty.astype(float),
            empty.astype(float),
            empty,
            empty,
            {},
            {},
            {},
            today_ord,
        )
    move_id, partner, date, due, amount, residual, paid = zip(*rows, strict=True)
    partners = sorted(set(partner))
    index = {pid: i for i, pid in enumerate(partners)}
    partner_idx = np.array([index[p] for p in partner], dtype="int64")
    date = date_ordinals(date)
    due = date_ordinals(due)
    due = np.where(due < 0, date, due)
    paid = date_ordinals(paid)
    days_late = np.where(paid >= 0, paid - due, -(10**6))
    credit_limit = _credit_limits(env, company, partners)
    return History(
        move_id=np.array(move_id, dtype="int64"),
        partner=partner_idx,
        company_partner=np.array(partners, dtype="int64"),
        date=date,
        due=due,
        amount=np.array(amount, dtype=float),
        residual=np.array(residual, dtype=float),
        paid=paid,
        days_late=days_late,
        partners=index,
        credit_limit=credit_limit,
        events=_load_events(env, company, index),
        today=today_ord,
    )


def _credit_limits(env, company, partner_ids):
    """{partner index: credit limit} where the company uses credit limits."""
    if not company.account_use_credit_limit:
        return {}
    partners = env["res.partner"].sudo().with_company(company).browse(partner_ids)
    return {i: p.credit_limit for i, p in enumerate(partners) if p.credit_limit > 0}


def _load_events(env, company, index):
    """The dated events that weigh on a customer: broken promises, disputes
    and bounced reminders, as {kind: (partner index array, day array)}."""
    queries = {
        "broken_promises": SQL(
            """SELECT p.commercial_partner_id, n.promise_date
                 FROM b2b_collection_note n JOIN res_partner p ON p.id = n.partner_id
                WHERE n.company_id = %s AND n.promise_state = 'broken'""",
            company.id,
        ),
        "disputes": SQL(
            """SELECT p.commercial_partner_id, d.date_open
                 FROM b2b_collection_dispute d JOIN res_partner p ON p.id = d.partner_id
                WHERE d.company_id = %s""",
            company.id,
        ),
    }
    if "b2b.collection.contact" in env:  # the reminders addon's contact log
        queries["bounced"] = SQL(
            """SELECT p.commercial_partner_id, c.date::date
                 FROM b2b_collection_contact c JOIN res_partner p ON p.id = c.partner_id
                WHERE c.company_id = %s AND c.delivery_state = 'bounced'""",
            company.id,
        )
    events = {}
    for kind, query in queries.items():
        pairs = [(index[p], d) for p, d in env.execute_query(query) if p in index and d]
        if pairs:
            who, when = zip(*pairs, strict=True)
            events[kind] = _sorted_keys(np.array(who), date_ordinals(when))
        else:
            events[kind] = np.zeros(0, dtype="int64")
    return events


def _sorted_keys(partner, day):
    return np.sort(partner.astype("int64") * DAY_SPAN + day)


def _count_before(keys, partner, t):
    """How many of the sorted (customer, day) ``keys`` are of ``partner``
    before day ``t`` (element-wise)."""
    return np.searchsorted(keys, partner * DAY_SPAN + t, "left") - np.searchsorted(
        keys, partner * DAY_SPAN, "left"
    )


class _Prefix:
    """Cumulative sums of values sorted by (customer, day): the sum over a
    customer's rows in [start, t) for many (customer, t) at once."""

    def __init__(self, partner, day, **values):
        order = np.lexsort((day, partner))
        self.keys = partner[order] * DAY_SPAN + day[order]
        self.values = {
            name: np.concatenate(([0.0], np.cumsum(np.asarray(v, float)[order])))
            for name, v in values.items()
        }
        self.sorted = {name: np.asarray(v)[order] for name, v in values.items()}

    def index(self, partner, t):
        return np.searchsorted(self.keys, partner * DAY_SPAN + t, "left")

    def start(self, partner):
        return np.searchsorted(self.keys, partner * DAY_SPAN, "left")

    def sums(self, partner, t, since=None):
        end = self.index(partner, t)
        begin = self.start(partner) if since is None else self.index(partner, since)
        return {name: cs[end] - cs[begin] for name, cs in self.values.items()}, end


def features(history, rows, t, amount=None, due=None, date=None):
    """The feature matrix (len(rows) x len(FEATURES)) of invoices ``rows``
    (indexes into ``history``) with the customer as known on day(s) ``t``;
    ``amount``, ``due`` and ``date`` override the invoices' own (the grade
    scores a typical new invoice). Also returns the raw figures behind the
    factors' words."""
    h = history
    partner = h.partner[rows]
    t = np.broadcast_to(np.asarray(t, dtype="int64"), partner.shape)
    amount = h.amount[rows] if amount is None else amount
    due = h.due[rows] if due is None else due
    date = h.date[rows] if date is None else date

    paid_mask = h.paid >= 0
    late = np.clip(h.days_late[paid_mask], -60, 365).astype(float)
    weight = h.amount[paid_mask]
    paid = _Prefix(
        h.partner[paid_mask],
        h.paid[paid_mask],
        n=np.ones(late.shape),
        w=weight,
        wlate=weight * late,
        late=late > 0,
        vlate=late > VERY_LATE,
    )
    past, end = paid.sums(partner, t)
    recent, _end = paid.sums(partner, t, since=t - RECENT_DAYS)
    n = past["n"]
    prior_late = float(np.average(late, weights=weight)) if late.size else 0.0
    prior_share = float(np.mean(late > 0)) if late.size else 0.0
    prior_vshare = float(np.mean(late > VERY_LATE)) if late.size else 0.0
    avg_late = np.where(
        past["w"] > 0, past["wlate"] / np.maximum(past["w"], 1e-9), prior_late
    )
    avg_late_shrunk = (avg_late * n + prior_late * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT)
    share_late = (past["late"] + prior_share * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT)
    share_vlate = (past["vlate"] + prior_vshare * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT)
    older = {k: past[k] - recent[k] for k in ("w", "wlate")}
    trend = np.where(
        (recent["w"] > 0) & (older["w"] > 0),
        recent["wlate"] / np.maximum(recent["w"], 1e-9)
        - older["wlate"] / np.maximum(older["w"], 1e-9),
        0.0,
    )
    has_last = end > paid.start(partner)
    last_vlate = np.where(
        has_last, paid.sorted["vlate"][np.maximum(end - 1, 0)].astype(float), 0.0
    )

    issued = _Prefix(h.partner, h.date, amount=h.amount, n=np.ones(h.amount.shape))
    before, _end = issued.sums(partner, t)
    due_sorted = _Prefix(h.partner, h.due, amount=h.amount)
    due_before, _x = due_sorted.sums(partner, t)
    open_t = np.maximum(before["amount"] - past["w"], 0.0)
    overdue_t = np.maximum(due_before["amount"] - past["w"], 0.0)
    overdue_share = np.where(
        open_t > 0, np.minimum(overdue_t / np.maximum(open_t, 1e-9), 1.0), 0.0
    )
    limits = np.array([history.credit_limit.get(int(p), 0.0) for p in partner])
    credit_use = np.where(
        limits > 0, np.minimum(open_t / np.maximum(limits, 1e-9), 3.0), 0.0
    )
    first_day = np.where(
        before["n"] > 0,
        issued.keys[np.minimum(issued.start(partner), len(issued.keys) - 1)] % DAY_SPAN,
        t,
    )
    age = np.maximum(t - first_day, 0)
    mean_amount = np.where(
        before["n"] > 0, before["amount"] / np.maximum(before["n"], 1), amount
    )
    size = np.log(np.maximum(amount, 1e-2) / np.maximum(mean_amount, 1e-2))
    term = np.maximum(due - date, 0)
    due_dates = (np.asarray(due, dtype="int64")).astype("datetime64[D]")
    month_end = (
        (due_dates + 5).astype("datetime64[M]") != due_dates.astype("datetime64[M]")
    ).astype(float)

    counts = {
        kind: _count_before(keys, partner, t).astype(float)
        for kind, keys in history.events.items()
    }
    zero = np.zeros(partner.shape)
    matrix = np.column_stack(
        [
            avg_late_shrunk,
            share_late,
            share_vlate,
            trend,
            last_vlate,
            1.0 / np.sqrt(1.0 + n),
            np.log1p(counts.get("broken_promises", zero)),
            np.log1p(counts.get("disputes", zero)),
            np.log1p(counts.get("bounced", zero)),
            overdue_share,
            credit_use,
            1.0 / np.sqrt(1.0 + age / 30.0),
            size,
            term / 30.0,
            month_end,
        ]
    )
    raw = {
        "avg_days_late": avg_late_shrunk,
        "n_paid": n,
        "share_late": share_late,
        "share_very_late": share_vlate,
        "trend": trend,
        "broken_promises": counts.get("broken_promises", zero),
        "disputes": counts.get("disputes", zero),
        "bounced": counts.get("bounced", zero),
        "overdue_share": overdue_share,
        "credit_use": credit_use,
        "age": age.astype(float),
        "size": np.exp(size),
        "term": term.astype(float),
        "last_late": last_vlate,
    }
    return matrix, raw


def factor_figures(name, raw, i):
    """The figures the words of factor ``name`` need, for row ``i``."""
    figures = {
        "avg_days_late": {"value": raw["avg_days_late"][i]},
        "share_late": {"pct": 100 * raw["share_late"][i]},
        "share_very_late": {"pct": 100 * raw["share_very_late"][i]},
        "trend": {"value": raw["trend"][i]},
        "broken_promises": {"count": raw["broken_promises"][i]},
        "disputes": {"count": raw["disputes"][i]},
        "bounced": {"count": raw["bounced"][i]},
        "overdue_share": {"pct": 100 * raw["overdue_share"][i]},
        "credit_use": {"pct": 100 * raw["credit_use"][i]},
        "age": {"count": raw["age"][i]},
        "size": {"ratio": raw["size"][i]},
        "term": {"count": raw["term"][i]},
    }.get(name, {})
    return {key: round(float(value), 2) for key, value in figures.items()}


def factor_words(env, name, figures):
    """A factor in words, in the language of ``env``."""
    words = dict(FEATURES).get(name)
    return env._(words) % figures if words else name
