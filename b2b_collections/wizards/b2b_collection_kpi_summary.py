from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models import b2b_collection_validation as validation

# The measures of the summary, read in one _read_group per grouping.
SUMMARY_FIELDS = (
    "credit_sales",
    "cash_collected",
    "ar_start",
    "ar_end",
    "ar_overdue_end",
    "ar_over_90_end",
    "ar_current_end",
    "days_in_period",
    "dso",
    "dso_countback",
    "bpdso",
    "avg_days_delinquent",
    "cei",
    "pct_overdue",
    "pct_over_90",
    "collection_rate",
    "avg_days_to_pay",
    "promises_made",
    "promises_kept",
    "promises_broken",
    "promise_kept_rate",
    "reminders_sent",
    "calls_made",
    "disputes_opened",
    "disputes_resolved",
    "avg_days_to_resolve",
    "delinquent_resolved",
    "target_dso",
    "target_cei",
    "target_pct_overdue",
    "target_pct_over_90",
)
# (actual, target, lower is better)
TARGETS = (
    ("dso", "target_dso", True),
    ("cei", "target_cei", False),
    ("pct_overdue", "target_pct_overdue", True),
    ("pct_over_90", "target_pct_over_90", True),
)


class B2bCollectionKpiSummaryWizard(models.TransientModel):
    """Collects the period and the companies of the KPI summary PDF."""

    _name = "b2b.collection.kpi.summary.wizard"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections KPI Summary"

    def _default_date_from(self):
        today = fields.Date.context_today(self)
        return today.replace(day=1) - relativedelta(months=11)

    date_from = fields.Date(
        string="From", required=True, default=_default_date_from, b2b_write="user"
    )
    date_to = fields.Date(
        string="To", required=True, default=fields.Date.context_today, b2b_write="user"
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
        b2b_write="user",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        validation.check_dates(self, "date_from", "date_to")
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period must start before it ends."))

    def action_print(self):
        self.ensure_one()
        return self.env.ref(
            "b2b_collections.action_report_b2b_kpi_summary"
        ).report_action(self)


class ReportB2bKpiSummary(models.AbstractModel):
    """Data of the KPI summary PDF: per company, the period's KPIs against the
    targets and the monthly trend. Read from ``b2b.collection.kpi`` with the
    same ``_read_group`` as the pivot and the graph, so the figures agree."""

    _name = "report.b2b_collections.report_b2b_kpi_summary"
    _description = "Collections KPI Summary"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["b2b.collection.kpi.summary.wizard"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "b2b.collection.kpi.summary.wizard",
            "docs": wizards,
            "summaries": {
                wizard.id: self._b2b_summary(
                    wizard.date_from, wizard.date_to, wizard.company_ids
                )
                for wizard in wizards
            },
        }

    @api.model
    def _b2b_summary(self, date_from, date_to, companies):
        """For each company: its KPIs over the whole months from ``date_from``
        to ``date_to``, targets, and one line per month. Two reads of the KPI
        model whatever the number of companies, customers and months."""
        not_allowed = companies - self.env.user.company_ids
        if not_allowed:
            raise UserError(
                _(
                    "You cannot report on %(companies)s.",
                    companies=", ".join(not_allowed.mapped("name")),
                )
            )
        kpi = self.env["b2b.collection.kpi"].with_context(
            allowed_company_ids=companies.ids
        )
        domain = [
            ("date", ">=", date_from.replace(day=1)),
            ("date", "<=", date_to),
            ("company_id", "in", companies.ids),
        ]
        totals, months = kpi._b2b_figures_by(
            domain,
            "company_id",
            "date:month",
            SUMMARY_FIELDS,
            "month",
            order="date:month",
        )
        summaries = []
        for company in companies.sorted("name"):
            company_totals = totals.get(company, dict.fromkeys(SUMMARY_FIELDS))
            summaries.append(
                {
                    "company": company,
                    "currency": company.currency_id,
                    "date_from": date_from.replace(day=1),
                    "date_to": date_to,
                    "totals": company_totals,
                    "targets": [
                        self._b2b_target_row(kpi, company_totals, actual, target, lower)
                        for actual, target, lower in TARGETS
                    ],
                    "months": months.get(company, []),
                }
            )
        return summaries

    @api.model
    def _b2b_target_row(self, kpi, figures, actual, target, lower_is_better):
        value, goal = figures.get(actual), figures.get(target)
        met = None
        if value is not None and goal:
            met = value <= goal if lower_is_better else value >= goal
        return {
            "name": actual,
            "label": kpi._fields[actual].string,
            "actual": value,
            "target": goal,
            "met": met,
            "lower_is_better": lower_is_better,
        }
