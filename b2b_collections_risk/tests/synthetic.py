"""Synthetic payment histories with known answers, built as the features
module's ``History`` (no ledger needed: the learning is tested alone)."""

from datetime import date

import numpy as np

from odoo.addons.b2b_collections_risk.models.risk_features import History

TODAY = date(2026, 11, 1)
TODAY_ORD = int(np.datetime64(TODAY, "D").astype("int64"))


def build(profiles, seed=7, months=24, term=30, open_last=2):
    """A history of monthly invoices per customer over ``months`` months.

    ``profiles``: a list of callables ``late(rng, months_ago) -> days late``,
    one per customer. The last ``open_last`` invoices of each customer are
    still open (not yet due or barely due); the others are paid, the
    payment dated due + late (those that would be paid after today stay open).
    """
    rng = np.random.default_rng(seed)
    rows = {
        k: [] for k in ("move", "partner", "date", "due", "amount", "residual", "paid")
    }
    move = 1
    for customer, late_of in enumerate(profiles):
        scale = float(rng.lognormal(7, 0.4))
        for month in range(months, 0, -1):
            issued = TODAY_ORD - 30 * month + int(rng.integers(0, 5))
            due = issued + term
            amount = round(scale * float(rng.lognormal(0, 0.3)), 2)
            late = int(round(late_of(rng, month)))
            paid = due + late
            is_open = month <= open_last or paid >= TODAY_ORD
            rows["move"].append(move)
            rows["partner"].append(customer)
            rows["date"].append(issued)
            rows["due"].append(due)
            rows["amount"].append(amount)
            rows["residual"].append(amount if is_open else 0.0)
            rows["paid"].append(-1 if is_open else paid)
            move += 1
    paid = np.array(rows["paid"], dtype="int64")
    due = np.array(rows["due"], dtype="int64")
    return History(
        move_id=np.array(rows["move"], dtype="int64"),
        partner=np.array(rows["partner"], dtype="int64"),
        company_partner=np.arange(len(profiles), dtype="int64") + 1000,
        date=np.array(rows["date"], dtype="int64"),
        due=due,
        amount=np.array(rows["amount"]),
        residual=np.array(rows["residual"]),
        paid=paid,
        days_late=np.where(paid >= 0, paid - due, -(10**6)),
        partners={},
        credit_limit={},
        events={},
        today=TODAY_ORD,
    )


def steady(mean, spread=4.0):
    """Always ``mean`` days late, give or take ``spread``."""
    return lambda rng, _months_ago: rng.normal(mean, spread)


def changed(before, after, since_months=6):
    """``before`` days late until ``since_months`` ago, then ``after``."""
    return lambda rng, months_ago: rng.normal(
        after if months_ago <= since_months else before, 4.0
    )


def population(n, seed=3, spread=8.0):
    """``n`` customers spread from punctual to very late; one in three
    changed its habits at some point of the last year (none when ``spread``,
    the chance in each invoice's lateness, is given: steady habits only)."""
    rng = np.random.default_rng(seed)
    customers = []
    for _i in range(n):
        before, after = (float(x) for x in rng.uniform(-5, 75, 2))
        if spread != 8.0:
            customers.append(steady(before, spread))
        elif rng.random() < 1 / 3:
            customers.append(changed(before, after, int(rng.integers(3, 12))))
        else:
            customers.append(steady(before, spread))
    return customers


def noise(n):
    """``n`` customers alike: whether an invoice is paid late is chance."""
    return [
        lambda rng, _m: rng.choice([0.0, 60.0]) + rng.normal(0, 3) for _i in range(n)
    ]
