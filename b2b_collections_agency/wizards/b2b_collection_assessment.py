from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL, float_compare, float_is_zero, float_round

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
        help="Sum over the bands of the better of the two options.",
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
            WITH invoice AS (
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
            ), entry AS (
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
            company=self.company_id.id,
            as_of=self.date,
            date_from=self._b2b_date_from(),
            received=self.env["account.move"]._b2b_sql_money_received(
                "apr", "cl", "cm"
            ),
            max_lo=max(lo for _code, _label, lo, _hi in BANDS),
            bands=_bands_sql(),
        )
        return {
            code: {"cases": cases, "owed": owed, "recovered": recovered}
            for code, cases, owed, recovered in self.env.execute_query(query)
        }

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


class B2bCollectionAssessmentLine(models.TransientModel):
    """One band of days overdue of an assessment: its assumptions (editable)
    and the figures of both options."""

    _name = "b2b.collection.assessment.line"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "In-house vs Agency Assessment Band"
    _order = "sequence, id"

    assessment_id = fields.Many2one(
        "b2b.collection.assessment",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="user",
    )
    currency_id = fields.Many2one(related="assessment_id.currency_id")
    sequence = fields.Integer(b2b_write="user")
    band = fields.Selection(
        BAND_SELECTION,
        required=True,
        help="Days overdue on the as-of date.",
        b2b_write="user",
    )
    # assumptions
    hours_per_account = fields.Float(
        string="Hours per Account",
        digits=(6, 2),
        help="Collector time one account of this band takes until it is settled.",
        b2b_write="user",
    )
    default_inhouse_rate = fields.Float(
        string="Default In-house Rate (%)", digits=(5, 2), b2b_write="user"
    )
    default_agency_rate = fields.Float(
        string="Default Agency Rate (%)", digits=(5, 2), b2b_write="user"
    )
    default_commission_rate = fields.Float(
        string="Default Commission (%)", digits=(5, 2), b2b_write="user"
    )
    # today's debt
    account_count = fields.Integer(
        string="Accounts", compute="_compute_figures", store=True
    )
    invoice_count = fields.Integer(
        string="Invoices", compute="_compute_figures", store=True
    )
    amount = fields.Monetary(string="Value", compute="_compute_figures", store=True)
    # in-house
    inhouse_cases = fields.Integer(
        string="In-house Cases", compute="_compute_figures", store=True
    )
    inhouse_owed = fields.Monetary(
        string="Owed on Entering", compute="_compute_figures", store=True
    )
    inhouse_recovered = fields.Monetary(
        string="Recovered In-house", compute="_compute_figures", store=True
    )
    inhouse_history_rate = fields.Float(
        string="Historical In-house Rate (%)",
        digits=(5, 2),
        compute="_compute_figures",
        store=True,
    )
    inhouse_rate = fields.Float(
        string="In-house Rate (%)",
        digits=(5, 2),
        compute="_compute_figures",
        store=True,
        help="The historical rate, or the default when the history is thin.",
    )
    inhouse_is_default = fields.Boolean(
        string="In-house Default Used", compute="_compute_figures", store=True
    )
    inhouse_cost = fields.Monetary(
        string="In-house Cost", compute="_compute_figures", store=True
    )
    net_inhouse = fields.Monetary(
        string="Net In-house", compute="_compute_figures", store=True
    )
    # agency
    agency_cases = fields.Integer(
        string="Placements", compute="_compute_figures", store=True
    )
    agency_placed = fields.Monetary(
        string="Placed", compute="_compute_figures", store=True
    )
    agency_recovered = fields.Monetary(
        string="Recovered by Agencies", compute="_compute_figures", store=True
    )
    agency_history_rate = fields.Float(
        string="Historical Agency Rate (%)",
        digits=(5, 2),
        compute="_compute_figures",
        store=True,
    )
    agency_rate = fields.Float(
        string="Agency Rate (%)",
        digits=(5, 2),
        compute="_compute_figures",
        store=True,
        help="The historical rate, or the default when the history is thin.",
    )
    commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        compute="_compute_figures",
        store=True,
        help="Commission charged per amount recovered (or, before any "
        "recovery, the placed-amount weighted contract rate); the default "
        "when the history is thin.",
    )
    fixed_fee = fields.Monetary(
        string="Fee per Account",
        compute="_compute_figures",
        store=True,
        help="Average fixed fee per placement, or the default fee.",
    )
    agency_fees = fields.Monetary(
        string="Fixed Fees", compute="_compute_figures", store=True
    )
    agency_is_default = fields.Boolean(
        string="Agency Defaults Used", compute="_compute_figures", store=True
    )
    net_agency = fields.Monetary(compute="_compute_figures", store=True)
    # decision
    recommendation = fields.Selection(
        RECOMMENDATIONS, compute="_compute_figures", store=True
    )
    difference = fields.Monetary(
        compute="_compute_figures",
        store=True,
        help="How much more the recommended option is expected to bring.",
    )
    net_best = fields.Monetary(compute="_compute_figures", store=True)
    note = fields.Text(compute="_compute_figures", store=True)

    def _b2b_refresh_figures(self):
        """Recompute the figures from the ledger as it is now."""
        figures = [f for f in self._fields.values() if f.compute == "_compute_figures"]
        for field in figures:
            self.env.add_to_compute(field, self)
        self.flush_recordset([field.name for field in figures])

    @api.constrains(
        "hours_per_account",
        "default_inhouse_rate",
        "default_agency_rate",
        "default_commission_rate",
    )
    def _check_assumptions(self):
        for line in self:
            try:
                validation.check_ranges(
                    line, "hours_per_account", low=0, high=MAX_HOURS_PER_ACCOUNT
                )
                validation.check_percentages(
                    line,
                    "default_inhouse_rate",
                    "default_agency_rate",
                    "default_commission_rate",
                )
            except ValidationError as error:
                # say which band: the four lines have the same fields
                band = dict(BAND_SELECTION)[line.band]
                raise ValidationError(f"{band}: {error.args[0]}") from None

    @api.depends(
        "band",
        "hours_per_account",
        "default_inhouse_rate",
        "default_agency_rate",
        "default_commission_rate",
        "assessment_id.company_id",
        "assessment_id.date",
        "assessment_id.history_months",
        "assessment_id.cost_per_hour",
        "assessment_id.min_history",
        "assessment_id.default_fixed_fee",
    )
    def _compute_figures(self):
        for assessment, lines in self.grouped("assessment_id").items():
            figures = (
                assessment._b2b_figures()
                if assessment.company_id and assessment.date
                else {"overdue": {}, "inhouse": {}, "agency": {}}
            )
            for line in lines:
                line._b2b_set_figures(assessment, figures)

    def _b2b_set_figures(self, assessment, figures):
        currency = assessment.currency_id or self.env.company.currency_id
        round_ = currency.round
        overdue = figures["overdue"].get(self.band, {})
        accounts = overdue.get("accounts", 0)
        amount = round_(overdue.get("amount", 0.0))
        notes = []
        threshold = assessment.min_history

        # in-house
        inhouse = figures["inhouse"].get(self.band, {})
        cases = inhouse.get("cases", 0)
        owed = round_(inhouse.get("owed", 0.0))
        recovered = round_(inhouse.get("recovered", 0.0))
        history_rate = float_round(100.0 * recovered / owed, 2) if owed else 0.0
        inhouse_default = cases < threshold or not owed
        inhouse_rate = self.default_inhouse_rate if inhouse_default else history_rate
        if inhouse_default:
            notes.append(
                _(
                    "In-house: thin history: %(cases)s cases, default %(rate)s%% used.",
                    cases=cases,
                    rate=_format_rate(self.default_inhouse_rate),
                )
            )
        cost = round_(accounts * self.hours_per_account * assessment.cost_per_hour)
        net_inhouse = round_(amount * inhouse_rate / 100.0 - cost)

        # agency
        agency = figures["agency"].get(self.band, {})
        placements = agency.get("cases", 0)
        placed = round_(agency.get("placed", 0.0))
        agency_recovered = round_(agency.get("recovered", 0.0))
        agency_history_rate = (
            float_round(100.0 * agency_recovered / placed, 2) if placed else 0.0
        )
        agency_default = placements < threshold or not placed
        if agency_default:
            agency_rate = self.default_agency_rate
            commission_rate = self.default_commission_rate
            fee = assessment.default_fixed_fee
            notes.append(
                _(
                    "Agency: thin history: %(cases)s placements, defaults "
                    "%(rate)s%% recovered, %(commission)s%% commission, %(fee)s "
                    "fee used.",
                    cases=placements,
                    rate=_format_rate(self.default_agency_rate),
                    commission=_format_rate(self.default_commission_rate),
                    fee=currency.format(fee),
                )
            )
        else:
            agency_rate = agency_history_rate
            if float_is_zero(agency_recovered, precision_rounding=currency.rounding):
                commission_rate = agency["weighted_commission"] / agency["placed"]
            else:
                commission_rate = 100.0 * agency["commission"] / agency["recovered"]
            commission_rate = float_round(commission_rate, 2)
            fee = round_(agency["fees"] / placements)
        fees = round_(fee * accounts)
        net_agency = round_(
            amount * agency_rate / 100.0 * (1 - commission_rate / 100.0) - fees
        )

        # decision
        if not accounts:
            recommendation, difference, best = "none", 0.0, 0.0
        elif (
            float_compare(net_agency, net_inhouse, precision_rounding=currency.rounding)
            > 0
        ):
            recommendation = "place"
            difference, best = round_(net_agency - net_inhouse), net_agency
        else:
            recommendation = "keep"
            difference, best = round_(net_inhouse - net_agency), net_inhouse
        self.update(
            {
                "account_count": accounts,
                "invoice_count": overdue.get("invoices", 0),
                "amount": amount,
                "inhouse_cases": cases,
                "inhouse_owed": owed,
                "inhouse_recovered": recovered,
                "inhouse_history_rate": history_rate,
                "inhouse_rate": inhouse_rate,
                "inhouse_is_default": inhouse_default,
                "inhouse_cost": cost,
                "net_inhouse": net_inhouse,
                "agency_cases": placements,
                "agency_placed": placed,
                "agency_recovered": agency_recovered,
                "agency_history_rate": agency_history_rate,
                "agency_rate": agency_rate,
                "commission_rate": commission_rate,
                "fixed_fee": fee,
                "agency_fees": fees,
                "agency_is_default": agency_default,
                "net_agency": net_agency,
                "recommendation": recommendation,
                "difference": difference,
                "net_best": best,
                "note": "\n".join(notes) or False,
            }
        )


def _format_rate(rate):
    """45.0 -> '45', 37.5 -> '37.5'."""
    return f"{rate:.2f}".rstrip("0").rstrip(".")
