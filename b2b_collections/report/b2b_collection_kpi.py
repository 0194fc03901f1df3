from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..models.account_move import MONEY_RECEIVED_DEPENDS
from .b2b_collection_kpi_mixin import month_days


def _merge_depends(*mappings):
    merged = {}
    for mapping in mappings:
        for model, fnames in mapping.items():
            merged.setdefault(model, [])
            merged[model] += [f for f in fnames if f not in merged[model]]
    return merged


# Row ids: ((customer * ID_FACTOR) + company) * ID_FACTOR + months since 1900,
# stable from one query to the next (the web client re-reads rows by id).
ID_FACTOR = 10000
# Receivables more than this many days past due count as "over 90".
OVER_DAYS = 90

MONEY = {"readonly": True, "currency_field": "currency_id"}


class B2bCollectionKpi(models.Model):
    """Collections KPIs: one row per month, company and customer (commercial
    partner), computed live from the ledger, the call notes, the reminders and
    the disputes in one SQL query. All amounts are in the company currency.

    Sales, cash and counts add up over months and customers; receivable
    balances are taken at the first or last month of the period shown; DSO,
    CEI and the other ratios are computed from the sums of each pivot/graph
    cell (see ``b2b.collection.kpi.mixin`` and docs/kpis.md)."""

    _name = "b2b.collection.kpi"
    _inherit = ["b2b.collection.kpi.mixin"]
    _description = "Collections KPIs"
    _auto = False
    _order = "date desc, company_id, partner_id"
    _rec_name = "partner_id"
    _depends = _merge_depends(
        MONEY_RECEIVED_DEPENDS,
        {
            "account.move.line": [
                "partner_id",
                "company_id",
                "move_id",
                "account_id",
                "parent_state",
                "reconciled",
                "balance",
                "date",
                "date_maturity",
            ],
            "account.move": ["move_type", "invoice_date"],
            "account.partial.reconcile": [
                "company_id",
                "debit_move_id",
                "credit_move_id",
                "amount",
                "max_date",
            ],
            "account.account": ["account_type"],
            "res.partner": ["commercial_partner_id", "b2b_collector_id"],
            "res.company": [
                "currency_id",
                "b2b_default_collector_id",
                "b2b_target_dso",
                "b2b_target_cei",
                "b2b_target_overdue_pct",
                "b2b_target_over_90_pct",
            ],
            "b2b.collection.note": [
                "partner_id",
                "company_id",
                "date",
                "direction",
                "outcome",
                "promise_date",
                "promise_state",
            ],
            "b2b.collection.dispute": [
                "partner_id",
                "company_id",
                "date_open",
                "date_resolved",
                "state",
            ],
        },
    )

    _b2b_first_fields = ("ar_start",)
    _b2b_last_fields = (
        "ar_end",
        "ar_overdue_end",
        "ar_over_90_end",
        "ar_current_end",
    )
    _b2b_constant_fields = (
        "target_dso",
        "target_cei",
        "target_pct_overdue",
        "target_pct_over_90",
    )
    _b2b_ratio_inputs = (
        "credit_sales",
        "cash_collected",
        "days_to_pay_weighted",
        "promises_kept",
        "promises_broken",
        "disputes_resolved",
        "dispute_days",
    )
    _b2b_ratio_fields = (
        "dso",
        "dso_countback",
        "bpdso",
        "avg_days_delinquent",
        "cei",
        "pct_overdue",
        "pct_over_90",
        "collection_rate",
        "avg_days_to_pay",
        "promise_kept_rate",
        "avg_days_to_resolve",
    )
    _b2b_history_fields = ("credit_sales",)
    _b2b_history_ratios = ("dso_countback",)

    # ------------------------------------------------------------- dimensions
    date = fields.Date(string="Month", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)

    # ------------------------------------------------------ additive measures
    credit_sales = fields.Monetary(
        help="Customer invoices minus credit notes posted in the period, taxes "
        "included (what they add to the receivables).",
        **MONEY,
    )
    cash_collected = fields.Monetary(
        help="Money received (payments and bank statement lines, at their cash "
        "value) applied to receivables in the period (reconciliation date); "
        "credit notes, write-offs and exchange differences are not cash.",
        **MONEY,
    )
    days_to_pay_weighted = fields.Float(
        string="Amount x Days to Pay",
        readonly=True,
        digits=(16, 0),
        help="Sum of each amount collected times the days from the invoice "
        "date to the payment.",
    )
    promises_made = fields.Integer(readonly=True, help="By promised date.")
    promises_kept = fields.Integer(readonly=True)
    promises_broken = fields.Integer(readonly=True)
    reminders_sent = fields.Integer(readonly=True)
    calls_made = fields.Integer(
        string="Outbound Contacts", readonly=True, help="Outbound call notes."
    )
    disputes_opened = fields.Integer(readonly=True)
    disputes_resolved = fields.Integer(readonly=True)
    dispute_days = fields.Integer(
        string="Days to Resolve (total)",
        readonly=True,
        help="Sum of the days from opening to resolution of the disputes "
        "resolved in the period.",
    )
    delinquent_resolved = fields.Integer(
        string="Delinquent Accounts Resolved",
        readonly=True,
        help="Customers overdue at the start of a month and no longer overdue "
        "at its end (counted once per month).",
    )

    # --------------------------------------------------------- stock measures
    ar_start = fields.Monetary(
        string="AR Start", help="Receivables when the period opens.", **MONEY
    )
    ar_end = fields.Monetary(
        string="AR End", help="Receivables at the end of the period.", **MONEY
    )
    ar_overdue_end = fields.Monetary(
        string="Overdue AR End",
        help="Past-due receivables at the end of the period, less unapplied "
        "credits.",
        **MONEY,
    )
    ar_over_90_end = fields.Monetary(
        string="AR over 90 Days End",
        help="Receivables more than 90 days past due at the end of the period, "
        "less unapplied credits.",
        **MONEY,
    )
    ar_current_end = fields.Monetary(
        string="Current AR End",
        help="Receivables not yet due at the end of the period (AR end minus "
        "overdue AR end).",
        **MONEY,
    )
    days_in_period = fields.Integer(
        string="Days", readonly=True, aggregator="max", help="Days of the period."
    )

    # ----------------------------------------------------------------- ratios
    dso = fields.Float(
        string="DSO",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days sales outstanding: AR end / credit sales x days.",
    )
    dso_countback = fields.Float(
        string="DSO (Countback)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days of the most recent months' sales that make up the AR end.",
    )
    bpdso = fields.Float(
        string="Best Possible DSO",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Current AR end / credit sales x days.",
    )
    avg_days_delinquent = fields.Float(
        string="Average Days Delinquent",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="DSO - best possible DSO.",
    )
    cei = fields.Float(
        string="CEI (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Collection effectiveness index: (AR start + credit sales - AR end) / "
        "(AR start + credit sales - current AR end) x 100.",
    )
    pct_overdue = fields.Float(
        string="Overdue (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Overdue AR end / AR end x 100.",
    )
    pct_over_90 = fields.Float(
        string="Over 90 Days (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="AR over 90 days end / AR end x 100.",
    )
    collection_rate = fields.Float(
        string="Collection Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Cash collected / (AR start + credit sales) x 100.",
    )
    avg_days_to_pay = fields.Float(
        string="Average Days to Pay",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days from invoice date to payment, weighted by the amount paid.",
    )
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Promises kept / (kept + broken) x 100, by promised date.",
    )
    avg_days_to_resolve = fields.Float(
        string="Average Days to Resolve",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Of the disputes resolved in the period.",
    )

    # ---------------------------------------------------------------- targets
    target_dso = fields.Float(
        string="Target DSO", readonly=True, digits=(16, 1), aggregator="max"
    )
    target_cei = fields.Float(
        string="Target CEI (%)", readonly=True, digits=(16, 1), aggregator="max"
    )
    target_pct_overdue = fields.Float(
        string="Target Overdue (%)", readonly=True, digits=(16, 1), aggregator="max"
    )
    target_pct_over_90 = fields.Float(
        string="Target Over 90 (%)", readonly=True, digits=(16, 1), aggregator="max"
    )

    @property
    def _table_query(self):
        return self._b2b_kpi_query()

    # ------------------------------------------------------------------ SQL

    @api.model
    def _b2b_tz(self):
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    @api.model
    def _b2b_month_of(self, column):
        """SQL: first day of the month of a UTC datetime column, in the user's
        time zone."""
        return SQL(
            "date_trunc('month', timezone(%s, timezone('UTC', %s)))::date",
            self._b2b_tz(),
            column,
        )

    @api.model
    def _b2b_kpi_ctes(self):
        """The CTEs of the KPI query, as SQL, ending with ``kpi``: one row per
        (customer, company, month) with its measures. Shared with the
        collector performance model.

        CTEs are only scanned and aggregated, never joined to one another
        (PostgreSQL has no statistics on them and would nest loops over badly
        underestimated rows): joins go to indexed tables, and the measures of
        the different sources are put together by UNION ALL and one GROUP BY."""
        today = fields.Date.context_today(self)
        company_ids = tuple(self.env.companies.ids) or (0,)
        move_model = self.env["account.move"]

        return SQL(
            """
            rl AS (
                -- posted receivable lines, company currency, up to today, with
                -- the day they were fully reconciled
                SELECT l.id, l.company_id, l.date, l.balance,
                       COALESCE(p.commercial_partner_id, l.partner_id, 0) AS partner_id,
                       COALESCE(l.date_maturity, l.date) AS due,
                       m.move_type,
                       CASE WHEN l.reconciled THEN GREATEST(
                           (SELECT MAX(apr.max_date) FROM account_partial_reconcile apr
                             WHERE apr.debit_move_id = l.id),
                           (SELECT MAX(apr.max_date) FROM account_partial_reconcile apr
                             WHERE apr.credit_move_id = l.id)) END AS settled
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
             LEFT JOIN res_partner p ON p.id = l.partner_id
                 WHERE %(receivable)s
                   AND l.company_id IN %(company_ids)s
                   AND l.date <= %(today)s
            ), months AS MATERIALIZED (
                -- the months of each company, from its first receivable to today
                SELECT f.company_id, gs::date AS month,
                       LEAST((gs + INTERVAL '1 month' - INTERVAL '1 day')::date,
                             %(today)s) AS asof
                  FROM (SELECT company_id, MIN(date) AS first_date
                          FROM rl GROUP BY company_id) f,
                       generate_series(date_trunc('month', f.first_date),
                                       date_trunc('month', %(today)s::date),
                                       INTERVAL '1 month') gs
            ), residuals AS (
                -- each line at each month end where it is open (from its month
                -- to the month before it was fully reconciled) with its
                -- residual then: its balance plus the running sum of its
                -- reconciliations (debit side -, credit side +) up to that month
                SELECT partner_id, company_id, due, month, asof, residual
                  FROM (SELECT *, balance + SUM(delta) OVER (
                                      PARTITION BY line_id ORDER BY month) AS residual
                          FROM (SELECT rl.id AS line_id, rl.partner_id, rl.company_id,
                                       rl.due, rl.balance, mo.month, mo.asof,
                                       0 AS delta, TRUE AS is_open
                                  FROM rl
                                  JOIN months mo
                                       ON mo.company_id = rl.company_id
                                      AND mo.month >= date_trunc('month', rl.date)
                                 WHERE rl.settled IS NULL OR rl.settled > mo.asof
                             UNION ALL
                                SELECT apr.debit_move_id, NULL, NULL, NULL, NULL,
                                       date_trunc('month', apr.max_date)::date, NULL,
                                       -apr.amount, FALSE
                                  FROM account_partial_reconcile apr
                                 WHERE apr.company_id IN %(company_ids)s
                                   AND apr.max_date <= %(today)s
                             UNION ALL
                                SELECT apr.credit_move_id, NULL, NULL, NULL, NULL,
                                       date_trunc('month', apr.max_date)::date, NULL,
                                       apr.amount, FALSE
                                  FROM account_partial_reconcile apr
                                 WHERE apr.company_id IN %(company_ids)s
                                   AND apr.max_date <= %(today)s
                               ) line_months
                       ) running
                 WHERE is_open
            ), stock AS (
                -- balances at each month end; unapplied credits reduce the
                -- overdue amounts as if applied to the oldest debt
                SELECT partner_id, company_id, month,
                       SUM(residual) AS ar,
                       GREATEST(0, COALESCE(SUM(residual) FILTER (
                                   WHERE residual > 0 AND due < asof), 0)
                                   + COALESCE(SUM(residual) FILTER (
                                   WHERE residual < 0), 0)) AS overdue,
                       GREATEST(0, COALESCE(SUM(residual) FILTER (
                                   WHERE residual > 0 AND asof - due > %(over_days)s), 0)
                                   + COALESCE(SUM(residual) FILTER (
                                   WHERE residual < 0), 0)) AS over_90
                  FROM residuals
                 WHERE residual != 0
              GROUP BY partner_id, company_id, month
            ), sales AS (
                -- invoices minus credit notes: what they added to the receivables
                SELECT partner_id, company_id,
                       date_trunc('month', date)::date AS month,
                       SUM(balance) AS credit_sales
                  FROM rl
                 WHERE move_type IN ('out_invoice', 'out_refund')
              GROUP BY 1, 2, 3
            ), cash AS (
                -- money received (payments and bank statement lines at their
                -- cash value) applied to receivables, dated by the
                -- reconciliation
                SELECT partner_id, company_id,
                       date_trunc('month', date)::date AS month,
                       SUM(amount) AS cash_collected,
                       SUM(amount * GREATEST(0, payment_date - debit_date))
                           AS days_to_pay_weighted
                  FROM (%(receipts)s) receipt
              GROUP BY 1, 2, 3
            ), measures AS (
                -- every measure of every (customer, company, month), added up
                -- below
                SELECT partner_id, company_id, month, ar AS ar_end, overdue AS overdue_end,
                       over_90 AS over_90_end, 0 AS ar_start, 0 AS overdue_start,
                       0 AS credit_sales, 0 AS cash_collected, 0 AS days_to_pay_weighted,
                       0 AS promises_made, 0 AS promises_kept, 0 AS promises_broken,
                       0 AS calls_made, 0 AS reminders_sent, 0 AS disputes_opened,
                       0 AS disputes_resolved, 0 AS dispute_days
                  FROM stock
             UNION ALL
                -- the balances at a month end open the next month
                SELECT partner_id, company_id, (month + INTERVAL '1 month')::date,
                       0, 0, 0, ar, overdue, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                  FROM stock
                 WHERE month < date_trunc('month', %(today)s::date)
             UNION ALL
                SELECT partner_id, company_id, month,
                       0, 0, 0, 0, 0, credit_sales, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                  FROM sales
             UNION ALL
                SELECT partner_id, company_id, month,
                       0, 0, 0, 0, 0, 0, cash_collected, days_to_pay_weighted,
                       0, 0, 0, 0, 0, 0, 0, 0
                  FROM cash
             UNION ALL
                -- promises, by promised date
                SELECT n.partner_id, n.company_id,
                       date_trunc('month', n.promise_date)::date,
                       0, 0, 0, 0, 0, 0, 0, 0, 1,
                       CASE WHEN n.promise_state = 'kept' THEN 1 ELSE 0 END,
                       CASE WHEN n.promise_state = 'broken' THEN 1 ELSE 0 END,
                       0, 0, 0, 0, 0
                  FROM b2b_collection_note n
                 WHERE n.outcome = 'promised'
                   AND n.promise_date < date_trunc('month', %(today)s::date)
                                        + INTERVAL '1 month'
                   AND n.company_id IN %(company_ids)s
             UNION ALL
                -- outbound contacts logged
                SELECT n.partner_id, n.company_id, %(note_month)s,
                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0
                  FROM b2b_collection_note n
                 WHERE n.direction = 'outbound' AND n.company_id IN %(company_ids)s
                   AND n.date <= %(now)s
                -- reminders sent (the reminder addon)
                %(reminder_measures)s
             UNION ALL
                SELECT COALESCE(p.commercial_partner_id, d.partner_id), d.company_id,
                       date_trunc('month', d.date_open)::date,
                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0
                  FROM b2b_collection_dispute d
                  JOIN res_partner p ON p.id = d.partner_id
                 WHERE d.company_id IN %(company_ids)s AND d.date_open <= %(today)s
             UNION ALL
                SELECT COALESCE(p.commercial_partner_id, d.partner_id), d.company_id,
                       date_trunc('month', d.date_resolved)::date,
                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                       d.date_resolved - d.date_open
                  FROM b2b_collection_dispute d
                  JOIN res_partner p ON p.id = d.partner_id
                 WHERE d.company_id IN %(company_ids)s AND d.state = 'resolved'
                   AND d.date_resolved <= %(today)s
            ), kpi AS (
                SELECT partner_id, company_id, month,
                       LEAST((month + INTERVAL '1 month' - INTERVAL '1 day')::date,
                             %(today)s) AS asof,
                       SUM(credit_sales) AS credit_sales,
                       SUM(cash_collected) AS cash_collected,
                       SUM(days_to_pay_weighted) AS days_to_pay_weighted,
                       SUM(promises_made) AS promises_made,
                       SUM(promises_kept) AS promises_kept,
                       SUM(promises_broken) AS promises_broken,
                       SUM(calls_made) AS calls_made,
                       SUM(reminders_sent) AS reminders_sent,
                       SUM(disputes_opened) AS disputes_opened,
                       SUM(disputes_resolved) AS disputes_resolved,
                       SUM(dispute_days) AS dispute_days,
                       SUM(ar_start) AS ar_start,
                       SUM(ar_end) AS ar_end,
                       SUM(overdue_end) AS ar_overdue_end,
                       SUM(over_90_end) AS ar_over_90_end,
                       SUM(ar_end) - SUM(overdue_end) AS ar_current_end,
                       CASE WHEN SUM(overdue_start) > 0 AND SUM(overdue_end) = 0
                            THEN 1 ELSE 0 END AS delinquent_resolved
                  FROM measures
              GROUP BY partner_id, company_id, month
            )
            """,
            today=today,
            now=fields.Datetime.now(),
            company_ids=company_ids,
            over_days=OVER_DAYS,
            receivable=self.env["account.move.line"]._b2b_sql_receivable("l"),
            receipts=move_model._b2b_sql_receipts(company_ids, today),
            note_month=self._b2b_month_of(SQL("n.date")),
            reminder_measures=self._b2b_sql_reminder_measures(company_ids),
        )

    @api.model
    def _b2b_sql_reminder_measures(self, company_ids):
        """Hook: ``UNION ALL`` rows of the measures of the reminders sent to
        the customers of ``company_ids`` (the reminder addon adds them)."""
        return SQL()

    @api.model
    def _b2b_kpi_query(self):
        return SQL(
            """
            WITH %(ctes)s,
            kpi_rows AS (
                -- each row with its customer's months so far (for the
                -- countback) and its first month
                SELECT kpi.*,
                       MIN(kpi.month) OVER customer AS first_month,
                       array_agg(kpi.month) OVER history AS history_months,
                       array_agg(kpi.credit_sales) OVER history AS history_sales
                  FROM kpi
                WINDOW customer AS (PARTITION BY kpi.partner_id, kpi.company_id),
                       history AS (customer ORDER BY kpi.month)
            )
            SELECT ((r.partner_id::bigint * %(factor)s + r.company_id) * %(factor)s
                    + (EXTRACT(YEAR FROM r.month)::int - 1900) * 12
                    + EXTRACT(MONTH FROM r.month)::int - 1) AS id,
                   r.month AS date,
                   NULLIF(r.partner_id, 0) AS partner_id,
                   r.company_id,
                   c.currency_id,
                   COALESCE(p.b2b_collector_id, c.b2b_default_collector_id) AS collector_id,
                   r.asof - r.month + 1 AS days_in_period,
                   r.credit_sales, r.cash_collected, r.days_to_pay_weighted,
                   r.promises_made::int, r.promises_kept::int, r.promises_broken::int,
                   r.calls_made::int, r.reminders_sent::int,
                   r.disputes_opened::int, r.disputes_resolved::int,
                   r.dispute_days::int, r.delinquent_resolved::int,
                   r.ar_start, r.ar_end, r.ar_overdue_end, r.ar_over_90_end,
                   r.ar_current_end,
                   CASE WHEN r.credit_sales > 0
                        THEN r.ar_end / r.credit_sales * (r.asof - r.month + 1) END AS dso,
                   CASE WHEN r.ar_end <= 0 THEN 0 ELSE COALESCE((
                        -- countback: walk back month by month through the sales
                        -- until they make up the AR end
                        SELECT (r.asof - x.asof)
                               + (r.ar_end - x.cum_before) / x.sales * (x.asof - x.month + 1)
                          FROM (SELECT h.month, h.sales,
                                       LEAST((h.month + INTERVAL '1 month'
                                              - INTERVAL '1 day')::date, %(today)s) AS asof,
                                       SUM(h.sales) OVER (ORDER BY h.month DESC) - h.sales
                                           AS cum_before
                                  FROM unnest(r.history_months, r.history_sales)
                                       AS h(month, sales)) x
                         WHERE x.sales > 0
                           AND x.cum_before < r.ar_end
                           AND x.cum_before + x.sales >= r.ar_end
                      ORDER BY x.month DESC
                         LIMIT 1), r.asof - r.first_month + 1) END AS dso_countback,
                   CASE WHEN r.credit_sales > 0
                        THEN r.ar_current_end / r.credit_sales * (r.asof - r.month + 1)
                   END AS bpdso,
                   CASE WHEN r.credit_sales > 0
                        THEN r.ar_overdue_end / r.credit_sales * (r.asof - r.month + 1)
                   END AS avg_days_delinquent,
                   CASE WHEN r.ar_start + r.credit_sales - r.ar_current_end > 0
                        THEN (r.ar_start + r.credit_sales - r.ar_end)
                             / (r.ar_start + r.credit_sales - r.ar_current_end) * 100
                   END AS cei,
                   CASE WHEN r.ar_end > 0 THEN r.ar_overdue_end / r.ar_end * 100 END
                       AS pct_overdue,
                   CASE WHEN r.ar_end > 0 THEN r.ar_over_90_end / r.ar_end * 100 END
                       AS pct_over_90,
                   CASE WHEN r.ar_start + r.credit_sales > 0
                        THEN r.cash_collected / (r.ar_start + r.credit_sales) * 100
                   END AS collection_rate,
                   CASE WHEN r.cash_collected > 0
                        THEN r.days_to_pay_weighted / r.cash_collected END
                       AS avg_days_to_pay,
                   CASE WHEN r.promises_kept + r.promises_broken > 0
                        THEN r.promises_kept * 100.0
                             / (r.promises_kept + r.promises_broken) END
                       AS promise_kept_rate,
                   CASE WHEN r.disputes_resolved > 0
                        THEN r.dispute_days::numeric / r.disputes_resolved END
                       AS avg_days_to_resolve,
                   NULLIF(c.b2b_target_dso, 0) AS target_dso,
                   NULLIF(c.b2b_target_cei, 0) AS target_cei,
                   NULLIF(c.b2b_target_overdue_pct, 0) AS target_pct_overdue,
                   NULLIF(c.b2b_target_over_90_pct, 0) AS target_pct_over_90
              FROM kpi_rows r
              JOIN res_company c ON c.id = r.company_id
         LEFT JOIN res_partner p ON p.id = r.partner_id
            """,
            ctes=self._b2b_kpi_ctes(),
            factor=ID_FACTOR,
            today=fields.Date.context_today(self),
        )

    # -------------------------------------------------------------- ratios
    @api.model
    def _b2b_compute_ratios(self, values):
        """The ratios of a group, from its sums: the same formulas as the SQL
        of one row (``_b2b_kpi_query``)."""
        sales = values["credit_sales"]
        days = values["days_in_period"]
        ar_start, ar_end = values["ar_start"], values["ar_end"]
        current, overdue = values["ar_current_end"], values["ar_overdue_end"]
        cash = values["cash_collected"]
        kept, broken = values["promises_kept"], values["promises_broken"]
        resolved = values["disputes_resolved"]

        def ratio(numerator, denominator, factor=1.0):
            return numerator / denominator * factor if denominator > 0 else None

        return {
            "dso": ratio(ar_end, sales, days),
            "dso_countback": self._b2b_countback(
                ar_end, values["history"], values["asof"]
            ),
            "bpdso": ratio(current, sales, days),
            "avg_days_delinquent": ratio(overdue, sales, days),
            "cei": ratio(ar_start + sales - ar_end, ar_start + sales - current, 100),
            "pct_overdue": ratio(overdue, ar_end, 100),
            "pct_over_90": ratio(values["ar_over_90_end"], ar_end, 100),
            "collection_rate": ratio(cash, ar_start + sales, 100),
            "avg_days_to_pay": ratio(values["days_to_pay_weighted"], cash),
            "promise_kept_rate": ratio(kept, kept + broken, 100),
            "avg_days_to_resolve": ratio(values["dispute_days"], resolved),
        }

    @api.model
    def _b2b_countback(self, ar_end, history, asof):
        """Countback DSO: the days of the latest months' credit sales that add
        up to ``ar_end``, walking back month by month from the period's last
        month (``history``: month -> {'credit_sales': x}). When the sales of
        the whole history do not make up the AR, all its days."""
        if ar_end <= 0:
            return 0.0
        today = fields.Date.context_today(self)
        month = asof.replace(day=1)
        first = min(history, default=month)
        remaining, days = ar_end, 0.0
        while month >= first:
            month_sales = history.get(month, {}).get("credit_sales", 0.0)
            month_length = month_days(month, today)
            if month_sales > 0 and remaining <= month_sales:
                return days + remaining / month_sales * month_length
            remaining -= month_sales
            days += month_length
            month = (month - timedelta(days=1)).replace(day=1)
        return (asof - first).days + 1
