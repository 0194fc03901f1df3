from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

from ..report.b2b_collection_agency_kpi import COHORTS

# The measures of the scorecard, read from b2b.collection.agency.kpi with the
# same _read_group as its pivot.
SCORECARD_FIELDS = (
    "placement_count",
    "placed_amount",
    "recovered_amount",
    "commission_amount",
    "fee_amount",
    "net_recovery",
    "open_count",
    "closed_count",
    "recalled_count",
    "ended_count",
    "recovered_count",
    "recovery_rate",
    "avg_days_to_first_recovery",
    "avg_days_to_close",
    "cost_per_unit",
    "recall_rate",
    "target_recovery_rate",
    "target_days_to_recover",
    "recovery_rate_gap",
    "days_to_recover_gap",
)


class B2bCollectionAgencyScorecardWizard(models.TransientModel):
    """Collects the period and the agencies of the agency scorecard PDF."""

    _name = "b2b.collection.agency.scorecard.wizard"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Agency Scorecard"

    def _default_date_from(self):
        today = fields.Date.context_today(self)
        return today.replace(day=1) - relativedelta(months=11)

    date_from = fields.Date(
        string="From", required=True, default=_default_date_from, b2b_write="user"
    )
    date_to = fields.Date(
        string="To", required=True, default=fields.Date.context_today, b2b_write="user"
    )
    agency_ids = fields.Many2many(
        "b2b.collection.agency",
        "b2b_agency_scorecard_wizard_rel",
        "wizard_id",
        "agency_id",
        string="Agencies",
        help="Empty: every active agency of the selected companies.",
        b2b_write="user",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        validation.check_dates(self, "date_from", "date_to")
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period must start before it ends."))

    def _b2b_agencies(self):
        self.ensure_one()
        return self.agency_ids or self.env["b2b.collection.agency"].search(
            [("company_id", "in", self.env.companies.ids)]
        )

    def action_print(self):
        self.ensure_one()
        if not self._b2b_agencies():
            raise UserError(_("There is no agency to report on."))
        return self.env.ref(
            "b2b_collections_agency.action_report_b2b_agency_scorecard"
        ).report_action(self)


class ReportB2bAgencyScorecard(models.AbstractModel):
    """Data of the agency scorecard PDF: per agency, the placements of the
    period with what they recovered so far (``b2b.collection.agency.kpi``,
    read as the pivot reads it: the figures agree), by cohort, with the last
    audit and the customer feedback of the period."""

    _name = "report.b2b_collections_agency.report_b2b_agency_scorecard"
    _description = "Agency Scorecard"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["b2b.collection.agency.scorecard.wizard"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "b2b.collection.agency.scorecard.wizard",
            "docs": wizards,
            "cohort_labels": dict(COHORTS),
            "scorecards": {
                wizard.id: self._b2b_scorecards(
                    wizard.date_from, wizard.date_to, wizard._b2b_agencies()
                )
                for wizard in wizards
            },
        }

    @api.model
    def _b2b_scorecards(self, date_from, date_to, agencies):
        """One dict per agency (by name): ``totals`` and ``cohorts`` (field ->
        value, None when undefined), ``audit`` (the last audit completed by
        ``date_to``), ``findings`` (its failed items) and ``feedback`` (of the
        period). A fixed number of queries whatever the number of agencies
        and placements."""
        kpi = self.env["b2b.collection.agency.kpi"]
        domain = [
            ("date", ">=", date_from),
            ("date", "<=", date_to),
            ("agency_id", "in", agencies.ids),
        ]
        totals, cohorts = kpi._b2b_figures_by(
            domain,
            "agency_id",
            "cohort",
            SCORECARD_FIELDS,
            "cohort",
            order="agency_id, cohort",
        )
        audits = {}
        for audit in self.env["b2b.collection.agency.audit"].search(
            [
                ("agency_id", "in", agencies.ids),
                ("state", "=", "done"),
                ("date", "<=", date_to),
            ],
            order="date desc, id desc",
        ):
            audits.setdefault(audit.agency_id, audit)
        feedback = self.env["b2b.collection.placement.feedback"]._b2b_summary(
            agencies, date_from, date_to
        )
        empty = dict.fromkeys(SCORECARD_FIELDS)
        empty.update(
            {
                fname: 0
                for fname in SCORECARD_FIELDS
                if fname.endswith(("_count", "_amount")) or fname == "net_recovery"
            }
        )
        scorecards = []
        for agency in agencies.sorted(lambda a: (a.name or "", a.id)):
            audit = audits.get(agency, self.env["b2b.collection.agency.audit"])
            agency_totals = totals.get(agency, empty)
            scorecards.append(
                {
                    "agency": agency,
                    "currency": agency.currency_id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "totals": agency_totals,
                    "targets": self._b2b_target_rows(agency, agency_totals),
                    "cohorts": cohorts.get(agency, []),
                    "audit": audit,
                    "findings": audit.line_ids.filtered(
                        lambda line: line.result == "fail"
                    ),
                    "feedback": feedback[agency],
                }
            )
        return scorecards

    @api.model
    def _b2b_target_rows(self, agency, totals):
        """Actual against target: the recovery rate (higher is better) and
        the days to first recovery (lower is better)."""
        rows = []
        for label, actual, target, lower in (
            (
                _("Recovery rate (%)"),
                "recovery_rate",
                "target_recovery_rate",
                False,
            ),
            (
                _("Days to first recovery"),
                "avg_days_to_first_recovery",
                "target_days_to_recover",
                True,
            ),
        ):
            value = totals.get(actual)
            goal = totals.get(target) or (
                agency.target_recovery_rate
                if target == "target_recovery_rate"
                else agency.target_days_to_recover
            )
            met = None
            if value is not None and goal:
                met = value <= goal if lower else value >= goal
            rows.append(
                {
                    "name": actual,
                    "label": label,
                    "actual": value,
                    "target": goal or None,
                    "met": met,
                    "lower_is_better": lower,
                }
            )
        return rows
