from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

# Central bank rates have been slightly negative (e.g. in Sweden); above 100 % is
# certainly a typing error.
MIN_RATE, MAX_RATE = -10.0, 100.0
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def half_year_start(day):
    """1 January or 1 July: the first day of the half-year of ``day``."""
    return day.replace(month=1 if day.month <= 6 else 7, day=1)


class B2bCollectionReferenceRate(models.Model):
    """A central bank's reference rate from a day on: one row per decision
    (e.g. the ECB main refinancing operations rate). Under the EU statutory rule
    (Late Payment Directive 2011/7/EU, art. 2(12)), the rate in force on the first
    calendar day of a half-year (1 January, 1 July) applies to the whole
    half-year, so a decision taken in March counts from 1 July."""

    _name = "b2b.collection.reference.rate"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Late Payment Reference Rate"
    _order = "currency_id, date_from desc, id desc"

    currency_id = fields.Many2one(
        "res.currency",
        string="Currency",
        required=True,
        default=lambda self: self.env.ref("base.EUR", raise_if_not_found=False),
        help="Currency of the central bank whose rate this is (EUR: the European "
        "Central Bank). A reminder level under the EU statutory rule names the "
        "series it uses.",
        b2b_write="user",
    )
    date_from = fields.Date(
        string="In Force From",
        required=True,
        help="The day the central bank's decision takes effect.",
        b2b_write="user",
    )
    rate = fields.Float(
        string="Rate (%)", digits=(16, 4), required=True, b2b_write="user"
    )
    source = fields.Char(
        help="e.g. ECB main refinancing operations, decision of...", b2b_write="user"
    )

    _sql_constraints = [
        (
            "currency_date_unique",
            "UNIQUE(currency_id, date_from)",
            "There is already a reference rate of this currency from this day.",
        ),
    ]

    @api.depends("currency_id", "date_from", "rate")
    def _compute_display_name(self):
        for rate in self:
            rate.display_name = _(
                "%(currency)s %(rate)s %% from %(date)s",
                currency=rate.currency_id.name or "",
                rate=f"{rate.rate:.2f}",
                date=format_date(self.env, rate.date_from),
            )

    @api.constrains("rate", "date_from")
    def _check_rate(self):
        for rate in self:
            if not MIN_RATE <= rate.rate <= MAX_RATE:
                raise ValidationError(
                    _(
                        "A reference rate must be between %(min)s %% and %(max)s %% "
                        "(got %(rate)s %%).",
                        min=MIN_RATE,
                        max=MAX_RATE,
                        rate=rate.rate,
                    )
                )
            if not FIRST_DAY <= rate.date_from <= LAST_DAY:
                raise ValidationError(
                    _(
                        "The date of a reference rate must be between %(first)s and "
                        "%(last)s (got %(date)s).",
                        first=format_date(self.env, FIRST_DAY),
                        last=format_date(self.env, LAST_DAY),
                        date=format_date(self.env, rate.date_from),
                    )
                )
