from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .b2b_collection_risk_model import FORECAST_WEEKS

# weeks whose collected amount is still refreshed (the forecast's 13 and one)
ACTUAL_WEEKS = FORECAST_WEEKS + 1


class B2bCollectionCashinForecast(models.Model):
    """Expected cash-in of a company by week, as forecast on a day, and what
    was then settled in that week on the invoices open on that day."""

    _name = "b2b.collection.cashin.forecast"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Cash-in Forecast"
    _order = "date_made desc, week_start"
    _rec_name = "week_start"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, b2b_write="action"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_made = fields.Date(
        string="Forecast On",
        required=True,
        readonly=True,
        index=True,
        b2b_write="action",
    )
    is_latest = fields.Boolean(
        string="Latest Forecast", readonly=True, index=True, b2b_write="action"
    )
    week_start = fields.Date(
        string="Week", required=True, readonly=True, b2b_write="action"
    )
    horizon = fields.Integer(
        string="Weeks Ahead",
        readonly=True,
        b2b_write="action",
        help="0: the week the forecast was made in, 12: the last of the 13.",
    )
    amount_forecast = fields.Monetary(
        string="Expected",
        readonly=True,
        b2b_write="action",
        help="The open invoices' amounts expected to be paid in the week (the "
        "first week also takes those expected earlier).",
    )
    amount_actual = fields.Monetary(
        string="Settled",
        readonly=True,
        b2b_write="action",
        help="What was settled in the week (payments and credit notes) on the "
        "invoices that were open when the forecast was made; empty for weeks to come.",
    )

    _sql_constraints = [
        (
            "week_unique",
            "UNIQUE (company_id, date_made, week_start)",
            "One forecast per company, day and week.",
        )
    ]

    @api.model
    def _b2b_snapshot(self, company, today):
        """This week's forecast (the first refresh of a week makes it, so that
        each week keeps a forecast to compare with what happens), then the
        settled amounts of the weeks still open to change."""
        monday = today - timedelta(days=today.weekday())
        made = self.sudo().search(
            [("company_id", "=", company.id), ("date_made", ">=", monday)], limit=1
        )
        if not made:
            self._b2b_make(company, today, monday)
        self._b2b_fill_actuals(company, today)

    def _b2b_make(self, company, today, monday):
        rows = self.env.execute_query(
            SQL(
                """
                SELECT GREATEST(%(monday)s::date,
                                date_trunc('week', expected_date)::date) AS week,
                       SUM(amount_residual)
                  FROM b2b_collection_risk_invoice
                 WHERE company_id = %(company)s
                   AND expected_date < %(monday)s::date + %(days)s
              GROUP BY 1
                """,
                monday=monday,
                company=company.id,
                days=7 * FORECAST_WEEKS,
            )
        )
        amounts = dict(rows)
        forecasts = self.sudo()
        forecasts.search(
            [("company_id", "=", company.id), ("is_latest", "=", True)]
        ).write({"is_latest": False})
        forecasts.create(
            [
                {
                    "company_id": company.id,
                    "date_made": today,
                    "is_latest": True,
                    "week_start": monday + timedelta(weeks=week),
                    "horizon": week,
                    "amount_forecast": amounts.get(monday + timedelta(weeks=week), 0.0),
                }
                for week in range(FORECAST_WEEKS)
            ]
        )

    def _b2b_fill_actuals(self, company, today):
        """Settled amounts of the weeks begun, in one statement."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE b2b_collection_cashin_forecast f
                   SET amount_actual = COALESCE(a.total, 0)
                  FROM b2b_collection_cashin_forecast f2
             LEFT JOIN LATERAL (
                    SELECT SUM(apr.amount) AS total
                      FROM account_partial_reconcile apr
                      JOIN account_move_line l ON l.id = apr.debit_move_id
                      JOIN account_move m ON m.id = l.move_id
                     WHERE apr.company_id = f2.company_id
                       AND apr.max_date >= GREATEST(f2.week_start, f2.date_made)
                       AND apr.max_date < f2.week_start + 7
                       AND apr.max_date <= %(today)s
                       AND m.move_type = 'out_invoice'
                       AND m.invoice_date <= f2.date_made
                    ) a ON TRUE
                 WHERE f.id = f2.id
                   AND f2.company_id = %(company)s
                   AND f2.week_start <= %(today)s
                   AND f2.week_start > %(today)s::date - %(days)s
                """,
                company=company.id,
                today=today,
                days=7 * ACTUAL_WEEKS,
            )
        )
        self.invalidate_model(["amount_actual"])


class B2bCollectionCashinReport(models.Model):
    """The forecasts and the settled amounts as rows of one measure, so that
    a graph shows them side by side."""

    _name = "b2b.collection.cashin.report"
    _description = "Cash-in: Forecast vs Settled"
    _auto = False
    _order = "week_start, kind"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_made = fields.Date(string="Forecast On", readonly=True)
    is_latest = fields.Boolean(string="Latest Forecast", readonly=True)
    week_start = fields.Date(string="Week", readonly=True)
    horizon = fields.Integer(string="Weeks Ahead", readonly=True)
    kind = fields.Selection(
        [("forecast", "Expected"), ("actual", "Settled")], readonly=True
    )
    amount = fields.Monetary(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT f.id * 2 AS id, f.company_id, f.date_made, f.is_latest,
                   f.week_start, f.horizon, 'forecast' AS kind,
                   f.amount_forecast AS amount
              FROM b2b_collection_cashin_forecast f
             UNION ALL
            SELECT f.id * 2 + 1, f.company_id, f.date_made, f.is_latest,
                   f.week_start, f.horizon, 'actual', f.amount_actual
              FROM b2b_collection_cashin_forecast f
             WHERE f.amount_actual IS NOT NULL
            """
        )
