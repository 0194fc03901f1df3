from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero, float_round

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

from .b2b_collection_assessment import (
    BAND_SELECTION,
    MAX_HOURS_PER_ACCOUNT,
    RECOMMENDATIONS,
)


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
        """Fill the band's figures from ``figures`` (see
        ``b2b.collection.assessment._b2b_figures``) and its assumptions."""
        currency = assessment.currency_id or self.env.company.currency_id
        overdue = figures["overdue"].get(self.band, {})
        accounts = overdue.get("accounts", 0)
        amount = currency.round(overdue.get("amount", 0.0))
        inhouse, inhouse_note = self._b2b_inhouse_figures(
            assessment, figures["inhouse"].get(self.band, {}), accounts, amount
        )
        agency, agency_note = self._b2b_agency_figures(
            assessment, figures["agency"].get(self.band, {}), accounts, amount
        )
        implausible = self._b2b_implausible(inhouse, agency)
        decision = self._b2b_decision(
            accounts, inhouse["net_inhouse"], agency["net_agency"], currency
        )
        if accounts and implausible:
            decision = self._b2b_no_decision("check", inhouse["net_inhouse"])
        elif accounts and (
            inhouse["inhouse_is_default"] or agency["agency_is_default"]
        ):
            decision = self._b2b_no_decision("thin", inhouse["net_inhouse"])
        notes = [note for note in (inhouse_note, agency_note, *implausible) if note]
        self.update(
            {
                "account_count": accounts,
                "invoice_count": overdue.get("invoices", 0),
                "amount": amount,
                **inhouse,
                **agency,
                **decision,
                "note": "\n".join(notes) or False,
            }
        )

    def _b2b_inhouse_figures(self, assessment, history, accounts, amount):
        """The in-house option: the recovery rate of the ``history`` (the
        default when it is thin) on ``amount``, less the collectors' time on
        ``accounts``. Returns the values and the note on the default used."""
        currency = assessment.currency_id or self.env.company.currency_id
        round_ = currency.round
        cases = history.get("cases", 0)
        owed = round_(history.get("owed", 0.0))
        recovered = round_(history.get("recovered", 0.0))
        history_rate = float_round(100.0 * recovered / owed, 2) if owed else 0.0
        is_default = cases < assessment.min_history or not owed
        rate = self.default_inhouse_rate if is_default else history_rate
        note = False
        if is_default:
            note = _(
                "In-house: thin history: %(cases)s cases, default %(rate)s%% used.",
                cases=cases,
                rate=_format_rate(self.default_inhouse_rate),
            )
        cost = round_(accounts * self.hours_per_account * assessment.cost_per_hour)
        return {
            "inhouse_cases": cases,
            "inhouse_owed": owed,
            "inhouse_recovered": recovered,
            "inhouse_history_rate": history_rate,
            "inhouse_rate": rate,
            "inhouse_is_default": is_default,
            "inhouse_cost": cost,
            "net_inhouse": round_(amount * rate / 100.0 - cost),
        }, note

    def _b2b_agency_figures(self, assessment, history, accounts, amount):
        """The agency option: the recovery rate, commission and fixed fee of
        the placement ``history`` (the defaults when it is thin) applied to
        ``amount`` and ``accounts``. Returns the values and the note on the
        defaults used."""
        currency = assessment.currency_id or self.env.company.currency_id
        round_ = currency.round
        placements = history.get("cases", 0)
        placed = round_(history.get("placed", 0.0))
        recovered = round_(history.get("recovered", 0.0))
        history_rate = float_round(100.0 * recovered / placed, 2) if placed else 0.0
        is_default = placements < assessment.min_history or not placed
        note = False
        if is_default:
            rate = self.default_agency_rate
            commission_rate = self.default_commission_rate
            fee = assessment.default_fixed_fee
            note = _(
                "Agency: thin history: %(cases)s placements, defaults "
                "%(rate)s%% recovered, %(commission)s%% commission, %(fee)s "
                "fee used.",
                cases=placements,
                rate=_format_rate(self.default_agency_rate),
                commission=_format_rate(self.default_commission_rate),
                fee=currency.format(fee),
            )
        else:
            rate = history_rate
            if float_is_zero(recovered, precision_rounding=currency.rounding):
                commission_rate = history["weighted_commission"] / history["placed"]
            else:
                commission_rate = 100.0 * history["commission"] / history["recovered"]
            commission_rate = float_round(commission_rate, 2)
            fee = round_(history["fees"] / placements)
        fees = round_(fee * accounts)
        return {
            "agency_cases": placements,
            "agency_placed": placed,
            "agency_recovered": recovered,
            "agency_history_rate": history_rate,
            "agency_rate": rate,
            "commission_rate": commission_rate,
            "fixed_fee": fee,
            "agency_fees": fees,
            "agency_is_default": is_default,
            "net_agency": round_(
                amount * rate / 100.0 * (1 - commission_rate / 100.0) - fees
            ),
        }, note

    def _b2b_implausible(self, inhouse, agency):
        """What in the measured history is not to be believed without a look:
        nothing at all recovered over enough cases (payments not recorded,
        say). One sentence each."""
        notes = []
        if not inhouse["inhouse_is_default"] and not inhouse["inhouse_recovered"]:
            notes.append(
                _(
                    "In-house: nothing recovered over %(cases)s cases (0%%): "
                    "implausible; check that the payments are recorded.",
                    cases=inhouse["inhouse_cases"],
                )
            )
        if not agency["agency_is_default"] and not agency["agency_recovered"]:
            notes.append(
                _(
                    "Agency: nothing recovered over %(cases)s placements (0%%): "
                    "implausible; check the agencies' reported payments.",
                    cases=agency["agency_cases"],
                )
            )
        return notes

    @api.model
    def _b2b_no_decision(self, why, net_inhouse):
        """No recommendation (``why``: thin or implausible history): the
        band counts as kept in-house, as it is."""
        return {"recommendation": why, "difference": 0.0, "net_best": net_inhouse}

    @api.model
    def _b2b_decision(self, accounts, net_inhouse, net_agency, currency):
        """The option expected to bring more, by how much, and its net."""
        if not accounts:
            return {"recommendation": "none", "difference": 0.0, "net_best": 0.0}
        if (
            float_compare(net_agency, net_inhouse, precision_rounding=currency.rounding)
            > 0
        ):
            return {
                "recommendation": "place",
                "difference": currency.round(net_agency - net_inhouse),
                "net_best": net_agency,
            }
        return {
            "recommendation": "keep",
            "difference": currency.round(net_inhouse - net_agency),
            "net_best": net_inhouse,
        }


def _format_rate(rate):
    """45.0 -> '45', 37.5 -> '37.5'."""
    return f"{rate:.2f}".rstrip("0").rstrip(".")
