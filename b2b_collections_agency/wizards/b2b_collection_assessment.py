from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

# Bands of days overdue, both ends included; None: no upper end.
# (code, label, first day, last day)
# The history window: up to 20 years; the thin-history threshold: a number of
# cases; the collector time one account takes: 1,000 hours is half a year.
MAX_HISTORY_MONTHS = 240
MAX_MIN_HISTORY = 1000000
MAX_HOURS_PER_ACCOUNT = 1000

BANDS = (
    ("1_90", "1-90 days", 1, 90),
    ("91_180", "91-180 days", 91, 180),
    ("181_365", "181-365 days", 181, 365),
    ("over_365", "Over 365 days", 366, None),
)
BAND_SELECTION = [(code, label) for code, label, _lo, _hi in BANDS]

# The stated defaults used when the history is too thin, per band: collector
# hours per account, in-house recovery rate %, agency recovery rate %, agency
# commission %. The older the debt, the more work per account, the less the
# company recovers itself, and the more an agency charges for what it gets.
BAND_DEFAULTS = {
    "1_90": (1.0, 85.0, 80.0, 15.0),
    "91_180": (2.0, 60.0, 65.0, 20.0),
    "181_365": (3.0, 35.0, 50.0, 25.0),
    "over_365": (4.0, 15.0, 30.0, 35.0),
}

RECOMMENDATIONS = [
    ("place", "Place"),
    ("keep", "Keep in-house"),
    ("thin", "None: too little history"),
    ("check", "None: implausible history"),
    ("none", "None"),
]


def _bands_sql():
    """The bands as an SQL VALUES list: (code, lo, hi), hi NULL for no end."""
    return SQL(
        "(VALUES %s) AS band(code, lo, hi)",
        SQL(", ").join(
            SQL("(%s, %s, %s::int)", code, lo, hi) for code, _label, lo, hi in BANDS
        ),
    )


class B2bCollectionAssessment(models.TransientModel):
    """In-house vs agency: per band of days overdue, what the overdue debt
    not yet placed is worth if the collectors keep working it, and if it is
    placed with an agency, from the company's own history (falling back to
    the stated defaults where the history is thin).

    See docs/agencies.md, "In-house vs agency assessment", for the exact
    definitions and a worked example.
    """

    _name = "b2b.collection.assessment"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "In-house vs Agency Assessment"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
        b2b_write="user",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="The overdue debt as it stands at the end of this day; the history "
        "window ends on it.",
        b2b_write="user",
    )
    history_months = fields.Integer(
        string="History Window (months)",
        required=True,
        default=24,
        help="The history measured: invoices that entered a band, and "
        "placements made, in these months before the as-of date.",
        b2b_write="user",
    )
    date_from = fields.Date(
        string="History From", compute="_compute_date_from", help="Excluded."
    )
    cost_per_hour = fields.Monetary(
        string="Collector Cost per Hour",
        required=True,
        default=40.0,
        help="Fully loaded cost of one hour of a collector's time.",
        b2b_write="user",
    )
    min_history = fields.Integer(
        string="Minimum History (cases)",
        required=True,
        default=10,
        help="Below this number of cases in a band (invoices for the in-house "
        "rate, placements for the agency figures), the stated defaults are used "
        "instead of the history.",
        b2b_write="user",
    )
    default_fixed_fee = fields.Monetary(
        string="Default Fixed Fee per Placement",
        default=lambda self: self._default_fixed_fee(),
        help="Used with the default agency rates when the placement history is "
        "thin. Defaults to the average fixed fee of the company's agencies.",
        b2b_write="user",
    )
    line_ids = fields.One2many(
        "b2b.collection.assessment.line",
        "assessment_id",
        string="Bands",
        default=lambda self: self._default_lines(),
        b2b_write="user",
    )
    uses_defaults = fields.Boolean(compute="_compute_totals")
    defaults_note = fields.Text(
        string="Defaults Used",
        compute="_compute_totals",
        help="The bands whose history is too thin, and the defaults used instead.",
    )
    amount_total = fields.Monetary(string="Overdue Value", compute="_compute_totals")
    net_best_total = fields.Monetary(
        string="Expected Net Recovery (recommended)",
        compute="_compute_totals",
        help="Sum over the bands of the better of the two options; a band "
        "without a recommendation (too little or implausible history) counts "
        "as kept in-house.",
    )

    @api.model
    def _default_fixed_fee(self):
        company = self.env.company
        fees = (
            self.env["b2b.collection.agency"]
            .search([("company_id", "=", company.id)])
            .mapped("fixed_fee")
        )
        return company.currency_id.round(sum(fees) / len(fees)) if fees else 0.0

    @api.model
    def _default_lines(self):
        return [
            Command.create(
                {
                    "band": code,
                    "sequence": sequence,
                    "hours_per_account": hours,
                    "default_inhouse_rate": inhouse,
                    "default_agency_rate": agency,
                    "default_commission_rate": commission,
                }
            )
            for sequence, (code, (hours, inhouse, agency, commission)) in enumerate(
                BAND_DEFAULTS.items()
            )
        ]

    @api.depends("date", "history_months")
    def _compute_date_from(self):
        for assessment in self:
            assessment.date_from = assessment._b2b_date_from()

    def _b2b_date_from(self):
        """The start of the history window (excluded)."""
        self.ensure_one()
        if not self.date:
            return False
        return self.date - relativedelta(months=max(self.history_months, 0))

    @api.depends("line_ids.amount", "line_ids.net_best", "line_ids.note")
    def _compute_totals(self):
        for assessment in self:
            lines = assessment.line_ids
            assessment.amount_total = sum(lines.mapped("amount"))
            assessment.net_best_total = sum(lines.mapped("net_best"))
            assessment.uses_defaults = any(
                line.inhouse_is_default or line.agency_is_default for line in lines
            )
            band_names = dict(BAND_SELECTION)
            assessment.defaults_note = (
                "\n".join(
                    f"{band_names[line.band]}: {note}"
                    for line in lines.filtered("note")
                    for note in line.note.splitlines()
                )
                or False
            )

    @api.constrains(
        "date", "history_months", "cost_per_hour", "min_history", "default_fixed_fee"
    )
    def _check_inputs(self):
        validation.check_dates(self, "date")
        validation.check_ranges(self, "history_months", low=1, high=MAX_HISTORY_MONTHS)
        validation.check_amounts(
            self, "cost_per_hour", "default_fixed_fee", sign=validation.NOT_NEGATIVE
        )
        validation.check_ranges(self, "min_history", low=0, high=MAX_MIN_HISTORY)

    @api.constrains("company_id")
    def _check_company_allowed(self):
        for assessment in self:
            assessment._b2b_check_company()

    # ------------------------------------------------------------- figures

    def _b2b_check_company(self):
        self.ensure_one()
        if self.company_id not in self.env.user.company_ids and not self.env.su:
            raise UserError(
                _("You cannot assess the debt of %s.", self.company_id.name)
            )

    def _b2b_overdue(self):
        """Per band: customers, invoices and value (company currency) of the
        customer invoices overdue and open at the end of the as-of day, and
        not in a placement running on that day. One query.

        Open as of the day: the receivable balance minus what was matched on
        it (payments, credit notes) up to that day, as in the aging."""
        self.ensure_one()
        query = SQL(
            """
            WITH open_invoice AS (
                SELECT m.id, m.commercial_partner_id AS partner_id,
                       %(as_of)s - m.invoice_date_due AS days,
                       SUM(il.balance) - COALESCE(SUM(matched.amount), 0) AS residual
                  FROM account_move m
                  JOIN account_move_line il
                    ON il.move_id = m.id AND il.display_type = 'payment_term'
                  LEFT JOIN LATERAL (
                        SELECT SUM(apr.amount) AS amount
                          FROM account_partial_reconcile apr
                         WHERE apr.debit_move_id = il.id AND apr.max_date <= %(as_of)s
                  ) matched ON TRUE
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.date <= %(as_of)s
                   AND m.invoice_date_due < %(as_of)s
                   AND NOT EXISTS (
                        SELECT 1
                          FROM b2b_collection_placement_line pl
                          JOIN b2b_collection_placement p ON p.id = pl.placement_id
                         WHERE pl.move_id = m.id
                           AND p.state != 'draft'
                           AND p.date_placed <= %(as_of)s
                           AND (p.date_end IS NULL OR p.date_end > %(as_of)s)
                   )
                 GROUP BY m.id
            )
            SELECT band.code, COUNT(DISTINCT o.partner_id), COUNT(*), SUM(o.residual)
              FROM open_invoice o
              JOIN %(bands)s
                ON o.days >= band.lo AND (band.hi IS NULL OR o.days <= band.hi)
             WHERE o.residual > 0
             GROUP BY band.code
            """,
            as_of=self.date,
            company=self.company_id.id,
            bands=_bands_sql(),
        )
        return {
            code: {"accounts": accounts, "invoices": invoices, "amount": amount}
            for code, accounts, invoices, amount in self.env.execute_query(query)
        }

    def _b2b_inhouse_history(self):
        """Per band: cases, amount owed on entering the band, and amount
        recovered in-house after, from the invoices never placed. One query.

        A case is a customer invoice, never placed with an agency, that
        entered the band (became ``lo`` days overdue) within the window
        (after ``date_from``, up to the as-of date) still owing something.
        Owed: its receivable balance minus what was matched on it before
        that day. Recovered: the money received on it from that day to the
        as-of date (``account.move._b2b_sql_money_received``: payments and
        bank statement lines at their cash value, not credit notes,
        write-offs or exchange differences). The rate is recovered / owed,
        both summed over the cases.
        """
        self.ensure_one()
        query = SQL(
            """
            WITH %(ledger)s, entry AS (
                SELECT band.code, invoice.id, receivable.balance,
                       invoice.due + band.lo AS entered
                  FROM invoice
                  JOIN receivable ON receivable.move_id = invoice.id
                 CROSS JOIN %(bands)s
                 WHERE invoice.due + band.lo > %(date_from)s
                   AND invoice.due + band.lo <= %(as_of)s
            ), cases AS (
                SELECT entry.code,
                       entry.balance - COALESCE(
                           SUM(matched.amount) FILTER (WHERE matched.max_date < entry.entered),
                           0) AS owed,
                       COALESCE(
                           SUM(matched.received) FILTER (
                               WHERE matched.max_date >= entry.entered),
                           0) AS recovered
                  FROM entry
                  LEFT JOIN matched ON matched.move_id = entry.id
                 GROUP BY entry.code, entry.id, entry.balance
            )
            SELECT code, COUNT(*), SUM(owed), SUM(LEAST(recovered, owed))
              FROM cases
             WHERE owed > 0
             GROUP BY code
            """,
            ledger=self._b2b_inhouse_ledger(),
            as_of=self.date,
            date_from=self._b2b_date_from(),
            bands=_bands_sql(),
        )
        return {
            code: {"cases": cases, "owed": owed, "recovered": recovered}
            for code, cases, owed, recovered in self.env.execute_query(query)
        }

    def _b2b_inhouse_ledger(self):
        """The common table expressions of the in-house history's ledger:
        ``invoice`` (the customer invoices never placed that may enter a band
        in the window, with their due date), ``receivable`` (their receivable
        balance) and ``matched`` (what was matched on them up to the as-of
        date, with the money received of each match)."""
        self.ensure_one()
        return SQL(
            """
            invoice AS (
                SELECT m.id, m.invoice_date_due AS due
                  FROM account_move m
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.invoice_date_due < %(as_of)s
                   AND m.invoice_date_due >= %(date_from)s - %(max_lo)s
                   AND NOT EXISTS (
                        SELECT 1
                          FROM b2b_collection_placement_line pl
                          JOIN b2b_collection_placement p ON p.id = pl.placement_id
                         WHERE pl.move_id = m.id AND p.state != 'draft'
                   )
            ), receivable AS (
                SELECT il.move_id, SUM(il.balance) AS balance
                  FROM account_move_line il
                  JOIN invoice ON invoice.id = il.move_id
                 WHERE il.display_type = 'payment_term'
                 GROUP BY il.move_id
            ), matched AS (
                SELECT il.move_id, apr.max_date, apr.amount,
                       %(received)s AS received
                  FROM account_move_line il
                  JOIN invoice ON invoice.id = il.move_id
                  JOIN account_partial_reconcile apr ON apr.debit_move_id = il.id
                  JOIN account_move_line cl ON cl.id = apr.credit_move_id
                  JOIN account_move cm ON cm.id = cl.move_id
                 WHERE il.display_type = 'payment_term'
                   AND apr.max_date <= %(as_of)s
            )
            """,
            company=self.company_id.id,
            as_of=self.date,
            date_from=self._b2b_date_from(),
            received=self.env["account.move"]._b2b_sql_money_received(
                "apr", "cl", "cm"
            ),
            max_lo=max(lo for _code, _label, lo, _hi in BANDS),
        )

    def _b2b_agency_history(self):
        """Per band of debt age at placement: the placements made in the
        window (placed after ``date_from``, up to the as-of date, whatever
        their state now), what was placed, the fixed fees, the placed-amount
        weighted contract commission, and what they recovered up to the as-of
        date with the commission on it. One query."""
        self.ensure_one()
        self.env["b2b.collection.placement"].flush_model()
        self.env["b2b.collection.recovery"].flush_model()
        query = SQL(
            """
            SELECT band.code, COUNT(*), SUM(p.placed_amount), SUM(p.fixed_fee),
                   SUM(p.placed_amount * p.commission_rate),
                   COALESCE(SUM(r.amount), 0), COALESCE(SUM(r.commission), 0)
              FROM b2b_collection_placement p
              JOIN %(bands)s
                ON GREATEST(p.debt_age, 1) >= band.lo
               AND (band.hi IS NULL OR GREATEST(p.debt_age, 1) <= band.hi)
              LEFT JOIN (
                    SELECT placement_id, SUM(amount) AS amount,
                           SUM(commission_amount) AS commission
                      FROM b2b_collection_recovery
                     WHERE date <= %(as_of)s
                     GROUP BY placement_id
              ) r ON r.placement_id = p.id
             WHERE p.company_id = %(company)s
               AND p.state != 'draft'
               AND p.date_placed > %(date_from)s
               AND p.date_placed <= %(as_of)s
             GROUP BY band.code
            """,
            company=self.company_id.id,
            as_of=self.date,
            date_from=self._b2b_date_from(),
            bands=_bands_sql(),
        )
        return {
            code: {
                "cases": cases,
                "placed": placed,
                "fees": fees,
                "weighted_commission": weighted,
                "recovered": recovered,
                "commission": commission,
            }
            for code, cases, placed, fees, weighted, recovered, commission in (
                self.env.execute_query(query)
            )
        }

    def _b2b_figures(self):
        """Everything the bands need, in three queries."""
        self.ensure_one()
        self._b2b_check_company()
        self.env["account.move"].flush_model()
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move"]._b2b_flush_money_received()
        self.env["b2b.collection.placement.line"].flush_model()
        return {
            "overdue": self._b2b_overdue(),
            "inhouse": self._b2b_inhouse_history(),
            "agency": self._b2b_agency_history(),
        }

    # ------------------------------------------------------------- actions

    def action_refresh(self):
        """Recompute from the ledger as it is now (the form recomputes when
        an input changes; this re-reads new payments and placements)."""
        self.line_ids._b2b_refresh_figures()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    def action_print(self):
        self.ensure_one()
        self.line_ids._b2b_refresh_figures()
        return self.env.ref(
            "b2b_collections_agency.action_report_b2b_assessment"
        ).report_action(self)
