"""Value sanity: one definition per rule for the amounts, percentages, numbers
of days, dates and texts the addon stores (see docs/security.md, Validation).

Two layers use the rules below, so a value is refused with the same message
whatever the way in (form, JSON-RPC, import, portal):

* The **input guard** (``create``/``write`` of every model, for the fields of
  the b2b_collections modules only) checks each value *before* the ORM
  converts it: a number must be finite and at most ``AMOUNT_MAX`` (``inf``,
  ``nan`` and ``1e308`` otherwise crash Odoo's rounding with an OverflowError,
  or end up stored), a whole number must fit PostgreSQL's ``integer`` (2**31
  is a database error), a date must parse and lie between ``DATE_MIN`` and
  ``DATE_MAX``, a text may not hold a NUL character (PostgreSQL refuses it), a
  selection value must be one of its choices. This bounds every number and
  date of the addon, including those only the code writes.
* The ``@api.constrains`` of each model apply the field's own rule (a sign, a
  percentage, a range of days, a length) with the ``check_*`` functions; they
  also hold for computed fields and values set by code.

Dates read from a context or a URL go through ``parse_date``, which raises a
UserError on garbage instead of a ValueError.
"""

import math
from datetime import date, datetime

from odoo import fields
from odoo.exceptions import UserError, ValidationError

# Amounts (and any other number of the addon) stay within ±10^12: above any
# B2B invoice, fee or promise, and far below 2^53 cents, where a float stops
# holding every cent exactly.
AMOUNT_MAX = 1e12
# Dates from 1900 to 2199: no debt of the books is older, and a later date is
# a typing error (20266 for 2026); Python and PostgreSQL accept years 1 to
# 9999, which then break date arithmetic (a year after 9999-12-31).
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
# PostgreSQL's ``integer``, the column of Odoo's Integer fields.
INTEGER_MIN = -(2**31)
INTEGER_MAX = 2**31 - 1
# One-line texts (names, references) and free texts (notes, summaries,
# reasons, portal updates): 10,000 characters is about three printed pages.
CHAR_MAX = 256
TEXT_MAX = 10000
PERCENT_MAX = 100.0
# Numbers of days (see docs/security.md for the reasons):
DAYS_TRIGGER = (-365, 3650)  # a policy level: a year before due to ten years after
DAYS_AGE = (0, 3650)  # the age of a debt: ten years, the longest limitation period
DAYS_TOLERANCE = (0, 365)  # grace periods and targets

# sign rules of check_amounts
ANY = "any"
NOT_NEGATIVE = "not_negative"
POSITIVE = "positive"

ADDON_PREFIX = "b2b_collections"
GUARDED_TYPES = frozenset(
    (
        "integer",
        "float",
        "monetary",
        "date",
        "datetime",
        "char",
        "text",
        "html",
        "selection",
    )
)


# --------------------------------------------------------------- formatting


def show(value):
    """``value`` as a message shows it: numbers with thousands separators,
    huge or non-finite numbers in exponent form, texts cut at 40 characters."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return format(value, ",.15g") if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return format(value, ",") if abs(value) < 10**16 else f"{value:.3g}"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "...")


class _Label:
    """A field's label, looked up (translated) only when a message shows it:
    the rules run on every value written, and most values are fine."""

    __slots__ = ("env", "field")

    def __init__(self, env, field):
        self.env = env
        self.field = field

    def __str__(self):
        return self.field._description_string(self.env)


# ------------------------------------------------------ rules (messages)
# Each rule returns the message refusing ``value``, or None when it is fine.


def amount_error(env, label, value, sign=ANY, maximum=AMOUNT_MAX):
    """A finite number with ``|value| <= maximum``, of the ``sign`` asked."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return env._(
            "%(field)s: %(value)s is not a number.", field=label, value=show(value)
        )
    if not math.isfinite(value) or abs(value) > maximum:
        return env._(
            "%(field)s: %(value)s is out of range: enter a number between "
            "-%(max)s and %(max)s.",
            field=label,
            value=show(value),
            max=show(maximum),
        )
    if sign == POSITIVE and value <= 0:
        return env._(
            "%(field)s must be above 0 (got %(value)s).", field=label, value=show(value)
        )
    if sign == NOT_NEGATIVE and value < 0:
        return env._(
            "%(field)s cannot be negative (got %(value)s).",
            field=label,
            value=show(value),
        )
    return None


def range_error(env, label, value, low, high, unit=""):
    """A finite number from ``low`` to ``high`` (both included)."""
    error = amount_error(env, label, value)
    if error:
        return error
    if low == 0 and value < 0:
        return env._(
            "%(field)s cannot be negative (got %(value)s).",
            field=label,
            value=show(value),
        )
    if not low <= value <= high:
        return env._(
            "%(field)s must be between %(low)s and %(high)s%(unit)s (got %(value)s).",
            field=label,
            low=show(low),
            high=show(high),
            unit=unit,
            value=show(value),
        )
    return None


def percentage_error(env, label, value, high=PERCENT_MAX):
    """A percentage: from 0 to ``high`` (100 unless stated)."""
    error = amount_error(env, label, value)
    if error:
        return error
    if not 0 <= value <= high:
        return env._(
            "%(field)s is a percentage between 0 and %(high)s (got %(value)s).",
            field=label,
            high=show(high),
            value=show(value),
        )
    return None


def days_error(env, label, value, bounds=DAYS_AGE):
    """A number of days within ``bounds`` (low, high)."""
    return range_error(env, label, value, bounds[0], bounds[1], env._(" days"))


def date_error(env, label, value):
    """A date (or datetime) from DATE_MIN to DATE_MAX."""
    day = value.date() if isinstance(value, datetime) else value
    if not isinstance(day, date):
        return env._(
            "%(field)s: %(value)s is not a date (expected YYYY-MM-DD).",
            field=label,
            value=show(value),
        )
    if not DATE_MIN <= day <= DATE_MAX:
        return env._(
            "%(field)s: %(value)s is outside the dates the books accept "
            "(%(min)s to %(max)s).",
            field=label,
            value=show(day),
            min=show(DATE_MIN),
            max=show(DATE_MAX),
        )
    return None


def text_error(env, label, value, max_length=TEXT_MAX):
    """A text of at most ``max_length`` characters, without NUL character."""
    if "\x00" in value:
        return env._(
            "%(field)s contains a NUL character, which cannot be stored.", field=label
        )
    if len(value) > max_length:
        return env._(
            "%(field)s is too long: %(length)s characters, at most %(max)s.",
            field=label,
            length=show(len(value)),
            max=show(max_length),
        )
    return None


# --------------------------------------------------- checks of records
# For @api.constrains: raise a ValidationError naming the field and the value.


def _check(records, fnames, rule, **kwargs):
    for record in records:
        for fname in fnames:
            value = record[fname]
            if value is False or value is None:
                continue
            label = _Label(records.env, records._fields[fname])
            message = rule(records.env, label, value, **kwargs)
            if message:
                raise ValidationError(message)


def check_amounts(records, *fnames, sign=ANY):
    _check(records, fnames, amount_error, sign=sign)


def check_percentages(records, *fnames, high=PERCENT_MAX):
    _check(records, fnames, percentage_error, high=high)


def check_days(records, *fnames, bounds=DAYS_AGE):
    _check(records, fnames, days_error, bounds=bounds)


def check_ranges(records, *fnames, low, high, unit=""):
    """Counts, hours, months: a number from ``low`` to ``high``."""
    _check(records, fnames, range_error, low=low, high=high, unit=unit)


def check_dates(records, *fnames):
    _check(records, fnames, date_error)


def check_texts(records, *fnames, max_length=TEXT_MAX):
    _check(records, fnames, text_error, max_length=max_length)


def check_customer_invoices(records, partner_field, moves_field, company_field=None):
    """The customer's own invoices: the invoices ``moves_field`` (a path, such
    as ``move_ids`` or ``line_ids.move_id``) of each record belong to its
    customer ``partner_field`` (the same commercial partner) and, with
    ``company_field``, to its company. Models whose invoices field has
    ``check_company=True`` leave the company to Odoo's check. Raises one
    ValidationError naming the invoices that do not belong."""
    for record in records:
        partner = record[partner_field]
        company = record[company_field] if company_field else None
        foreign = record.mapped(moves_field).filtered(
            lambda move, customer=partner.commercial_partner_id, company=company: (
                move.commercial_partner_id != customer
                or (company is not None and move.company_id != company)
            )
        )
        if foreign:
            customer = partner.display_name
            if company is not None:
                customer = records.env._(
                    "%(customer)s in %(company)s",
                    customer=customer,
                    company=company.display_name,
                )
            raise ValidationError(
                records.env._(
                    "Invoices %(invoices)s are not invoices of %(customer)s.",
                    invoices=", ".join(foreign.mapped("name")),
                    customer=customer,
                )
            )


# ----------------------------------------------------------- parsing


def parse_date(env, value, label=None):
    """``value`` (a date, or a text ``YYYY-MM-DD`` from a context, a URL or
    report options) as a date, None when empty. Garbage and dates outside
    DATE_MIN..DATE_MAX raise a UserError saying so (never a ValueError)."""
    label = label or env._("Date")
    if value is None or value is False or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.strptime(value.strip(), "%Y-%m-%d").date()
        except ValueError:
            raise UserError(
                env._(
                    "%(field)s: %(value)s is not a date (expected YYYY-MM-DD).",
                    field=label,
                    value=show(value),
                )
            ) from None
    message = date_error(env, label, value)
    if message:
        raise UserError(message)
    return value.date() if isinstance(value, datetime) else value


def parse_number(value):
    """A number typed in a form (``'1250.00'``) as a float, or None when it
    is not a finite number."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# ------------------------------------------------------------ input guard


def _convertible(field, value):
    """``value`` as the ORM would convert it for ``field``, or raise
    TypeError/ValueError/OverflowError when it cannot."""
    if field.type == "integer":
        number = int(value)
        if not INTEGER_MIN <= number <= INTEGER_MAX:
            raise OverflowError(value)
        return number
    if field.type in ("float", "monetary"):
        return float(value)
    if field.type == "date":
        if not isinstance(value, str | date):
            raise TypeError(value)
        return fields.Date.to_date(value)
    if not isinstance(value, str | date):
        raise TypeError(value)
    return fields.Datetime.to_datetime(value)


def input_error(env, field, value):
    """Why the ORM must not be given ``value`` for ``field``, or None."""
    if value is None or value is False or isinstance(value, bool):
        return None
    label = _Label(env, field)
    if field.type in ("char", "text", "html"):
        if isinstance(value, str) and "\x00" in value:
            return text_error(env, label, value)
        return None
    if field.type == "selection":
        if value not in field.get_values(env):
            return env._(
                "%(field)s: %(value)s is not one of the choices (%(choices)s).",
                field=label,
                value=show(value),
                choices=", ".join(str(v) for v in field.get_values(env)),
            )
        return None
    try:
        converted = _convertible(field, value)
    except OverflowError:
        if field.type == "integer":
            return env._(
                "%(field)s must be a whole number between %(min)s and %(max)s "
                "(got %(value)s).",
                field=label,
                min=show(INTEGER_MIN),
                max=show(INTEGER_MAX),
                value=show(value),
            )
        return amount_error(env, label, math.inf)
    except (TypeError, ValueError):
        if field.type in ("date", "datetime"):
            return date_error(env, label, value)
        return env._(
            "%(field)s: %(value)s is not a number.", field=label, value=show(value)
        )
    if field.type in ("float", "monetary"):
        return amount_error(env, label, converted)
    if field.type in ("date", "datetime"):
        return date_error(env, label, converted)
    return None
