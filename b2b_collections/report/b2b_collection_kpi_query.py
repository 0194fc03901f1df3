import pytz

from odoo import api, fields, models
from odoo.tools import SQL

# Row ids: ((customer * ID_FACTOR) + company) * ID_FACTOR + months since 1900,
# stable from one query to the next (the web client re-reads rows by id).
ID_FACTOR = 10000
# Receivables more than this many days past due count as "over 90".
OVER_DAYS = 90
# The measures of a (customer, company, month), in the order of the columns of
# the CTE ``measures`` (after partner_id, company_id, month).
KPI_MEASURES = (
    "ar_end",
    "overdue_end",
    "over_90_end",
    "ar_start",
    "overdue_start",
    "credit_sales",
    "cash_collected",
    "days_to_pay_weighted",
    "promises_made",
    "promises_kept",
    "promises_broken",
    "calls_made",
    "reminders_sent",
    "disputes_opened",
    "disputes_resolved",
    "dispute_days",
)


def measure_columns(names, **values):
    """SQL: the columns of a row of measures ``names``, in their order: the
    SQL expression given for each of ``values``, 0 for the others. Rows of
    one source of measures, put together with the others by UNION ALL."""
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"Unknown measures: {', '.join(sorted(unknown))}")
    return SQL(", ").join(
        SQL("%s AS %s", values.get(name, SQL("0")), SQL.identifier(name))
        for name in names
    )


class B2bCollectionKpi(models.Model):
    """The SQL of the KPIs: CTEs (``_b2b_kpi_ctes``, shared with the
    collector performance) that end with one row per (customer, company,
    month) and its measures, and the query of the rows with their ratios
    (``_b2b_kpi_query``)."""

    _inherit = "b2b.collection.kpi"

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

    # ------------------------------------------------------------------ CTEs

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
        return SQL(
            """
            rl AS (%(receivables)s),
            months AS MATERIALIZED (%(months)s),
            residuals AS (%(residuals)s),
            stock AS (%(stock)s),
            sales AS (%(sales)s),
            cash AS (%(cash)s),
            measures AS (%(measures)s),
            kpi AS (%(kpi)s)
            """,
            receivables=self._b2b_sql_kpi_receivables(company_ids, today),
            months=self._b2b_sql_kpi_months(today),
            residuals=self._b2b_sql_kpi_residuals(company_ids, today),
            stock=self._b2b_sql_kpi_stock(),
            sales=self._b2b_sql_kpi_sales(),
            cash=self._b2b_sql_kpi_cash(company_ids, today),
            measures=self._b2b_sql_kpi_measures(company_ids, today),
            kpi=self._b2b_sql_kpi_totals(today),
        )

    @api.model
    def _b2b_sql_kpi_receivables(self, company_ids, today):
        """CTE ``rl``: the receivable lines (``_b2b_sql_receivable``) of
        ``company_ids`` up to ``today``, company currency, with the day they
        were fully reconciled."""
        return SQL(
            """
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
            """,
            receivable=self.env["account.move.line"]._b2b_sql_receivable("l"),
            company_ids=company_ids,
            today=today,
        )

    @api.model
    def _b2b_sql_kpi_months(self, today):
        """CTE ``months``: the months of each company, from its first
        receivable (``rl``) to ``today``, with the day their balances are
        taken (``asof``: the month's last day, or today)."""
        return SQL(
            """
            SELECT f.company_id, gs::date AS month,
                   LEAST((gs + INTERVAL '1 month' - INTERVAL '1 day')::date,
                         %(today)s) AS asof
              FROM (SELECT company_id, MIN(date) AS first_date
                      FROM rl GROUP BY company_id) f,
                   generate_series(date_trunc('month', f.first_date),
                                   date_trunc('month', %(today)s::date),
                                   INTERVAL '1 month') gs
            """,
            today=today,
        )

    @api.model
    def _b2b_sql_kpi_residuals(self, company_ids, today):
        """CTE ``residuals``: each line of ``rl`` at each month end where it
        is open (from its month to the month before it was fully reconciled)
        with its residual then: its balance plus the running sum of its
        reconciliations (debit side -, credit side +) up to that month."""
        return SQL(
            """
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
            """,
            company_ids=company_ids,
            today=today,
        )

    @api.model
    def _b2b_sql_kpi_stock(self):
        """CTE ``stock``: the balances of each customer at each month end
        (``residuals``); unapplied credits reduce the overdue amounts as if
        applied to the oldest debt."""
        return SQL(
            """
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
            """,
            over_days=OVER_DAYS,
        )

    @api.model
    def _b2b_sql_kpi_sales(self):
        """CTE ``sales``: invoices minus credit notes (``rl``), what they
        added to the receivables, by month."""
        return SQL(
            """
            SELECT partner_id, company_id,
                   date_trunc('month', date)::date AS month,
                   SUM(balance) AS credit_sales
              FROM rl
             WHERE move_type IN ('out_invoice', 'out_refund')
          GROUP BY 1, 2, 3
            """
        )

    @api.model
    def _b2b_sql_kpi_cash(self, company_ids, today):
        """CTE ``cash``: the money received (payments and bank statement
        lines at their cash value: ``account.move._b2b_sql_receipts``)
        applied to receivables, dated by the reconciliation, by month."""
        return SQL(
            """
            SELECT partner_id, company_id,
                   date_trunc('month', date)::date AS month,
                   SUM(amount) AS cash_collected,
                   SUM(amount * GREATEST(0, payment_date - debit_date))
                       AS days_to_pay_weighted
              FROM (%(receipts)s) receipt
          GROUP BY 1, 2, 3
            """,
            receipts=self.env["account.move"]._b2b_sql_receipts(company_ids, today),
        )

    @api.model
    def _b2b_sql_kpi_measures(self, company_ids, today):
        """CTE ``measures``: every measure (``KPI_MEASURES``) of every
        (customer, company, month), one source after the other, added up in
        ``kpi``: the balances, the sales and cash, the call notes, the
        reminders (``_b2b_sql_reminder_measures``) and the disputes."""
        return SQL(
            """
            SELECT partner_id, company_id, month, %(stock_end)s
              FROM stock
         UNION ALL
            -- the balances at a month end open the next month
            SELECT partner_id, company_id, (month + INTERVAL '1 month')::date,
                   %(stock_start)s
              FROM stock
             WHERE month < date_trunc('month', %(today)s::date)
         UNION ALL
            SELECT partner_id, company_id, month, %(sales)s
              FROM sales
         UNION ALL
            SELECT partner_id, company_id, month, %(cash)s
              FROM cash
            %(notes)s
            %(reminders)s
            %(disputes)s
            """,
            stock_end=measure_columns(
                KPI_MEASURES,
                ar_end=SQL("ar"),
                overdue_end=SQL("overdue"),
                over_90_end=SQL("over_90"),
            ),
            stock_start=measure_columns(
                KPI_MEASURES, ar_start=SQL("ar"), overdue_start=SQL("overdue")
            ),
            sales=measure_columns(KPI_MEASURES, credit_sales=SQL("credit_sales")),
            cash=measure_columns(
                KPI_MEASURES,
                cash_collected=SQL("cash_collected"),
                days_to_pay_weighted=SQL("days_to_pay_weighted"),
            ),
            today=today,
            notes=self._b2b_sql_note_measures(company_ids, today),
            reminders=self._b2b_sql_reminder_measures(company_ids),
            disputes=self._b2b_sql_dispute_measures(company_ids, today),
        )

    @api.model
    def _b2b_sql_note_measures(self, company_ids, today):
        """``UNION ALL`` rows of the measures of the call notes: promises by
        promised date, outbound contacts logged."""
        return SQL(
            """
         UNION ALL
            SELECT n.partner_id, n.company_id,
                   date_trunc('month', n.promise_date)::date, %(promises)s
              FROM b2b_collection_note n
             WHERE n.outcome = 'promised'
               AND n.promise_date < date_trunc('month', %(today)s::date)
                                    + INTERVAL '1 month'
               AND n.company_id IN %(company_ids)s
         UNION ALL
            SELECT n.partner_id, n.company_id, %(note_month)s, %(calls)s
              FROM b2b_collection_note n
             WHERE n.direction = 'outbound' AND n.company_id IN %(company_ids)s
               AND n.date <= %(now)s
            """,
            promises=measure_columns(
                KPI_MEASURES,
                promises_made=SQL("1"),
                promises_kept=SQL(
                    "CASE WHEN n.promise_state = 'kept' THEN 1 ELSE 0 END"
                ),
                promises_broken=SQL(
                    "CASE WHEN n.promise_state = 'broken' THEN 1 ELSE 0 END"
                ),
            ),
            calls=measure_columns(KPI_MEASURES, calls_made=SQL("1")),
            note_month=self._b2b_month_of(SQL("n.date")),
            today=today,
            now=fields.Datetime.now(),
            company_ids=company_ids,
        )

    @api.model
    def _b2b_sql_reminder_measures(self, company_ids):
        """Hook: ``UNION ALL`` rows of the measures of the reminders sent to
        the customers of ``company_ids`` (the reminder addon adds them):
        partner, company, month, then ``measure_columns(KPI_MEASURES, ...)``."""
        return SQL()

    @api.model
    def _b2b_sql_dispute_measures(self, company_ids, today):
        """``UNION ALL`` rows of the measures of the disputes: opened by the
        day opened, resolved (and their days) by the day resolved."""
        return SQL(
            """
         UNION ALL
            SELECT COALESCE(p.commercial_partner_id, d.partner_id), d.company_id,
                   date_trunc('month', d.date_open)::date, %(opened)s
              FROM b2b_collection_dispute d
              JOIN res_partner p ON p.id = d.partner_id
             WHERE d.company_id IN %(company_ids)s AND d.date_open <= %(today)s
         UNION ALL
            SELECT COALESCE(p.commercial_partner_id, d.partner_id), d.company_id,
                   date_trunc('month', d.date_resolved)::date, %(resolved)s
              FROM b2b_collection_dispute d
              JOIN res_partner p ON p.id = d.partner_id
             WHERE d.company_id IN %(company_ids)s AND d.state = 'resolved'
               AND d.date_resolved <= %(today)s
            """,
            opened=measure_columns(KPI_MEASURES, disputes_opened=SQL("1")),
            resolved=measure_columns(
                KPI_MEASURES,
                disputes_resolved=SQL("1"),
                dispute_days=SQL("d.date_resolved - d.date_open"),
            ),
            company_ids=company_ids,
            today=today,
        )

    @api.model
    def _b2b_sql_kpi_totals(self, today):
        """CTE ``kpi``: the measures of each (customer, company, month) added
        up, with the day its balances are taken (``asof``)."""
        return SQL(
            """
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
            """,
            today=today,
        )

    # ----------------------------------------------------------------- query

    @api.model
    def _b2b_kpi_query(self):
        """The rows of the KPIs: the measures of ``kpi`` (``_b2b_kpi_ctes``)
        with their customer's history (``kpi_rows``), their collector, and
        their ratios (``_b2b_sql_kpi_ratios``)."""
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
                   %(ratios)s,
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
            ratios=self._b2b_sql_kpi_ratios(),
        )

    @api.model
    def _b2b_sql_kpi_ratios(self):
        """SQL: the ratio columns of a row ``r`` of ``kpi_rows``, the formulas
        of ``_b2b_compute_ratios`` (which computes them for any group)."""
        return SQL(
            """
            CASE WHEN r.credit_sales > 0
                 THEN r.ar_end / r.credit_sales * (r.asof - r.month + 1) END AS dso,
            %(countback)s AS dso_countback,
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
                AS avg_days_to_resolve
            """,
            countback=self._b2b_sql_kpi_countback(),
        )

    @api.model
    def _b2b_sql_kpi_countback(self):
        """SQL: the countback DSO of a row ``r`` of ``kpi_rows``: walk back
        month by month through its customer's sales until they make up the
        AR end (``_b2b_countback`` in Python)."""
        return SQL(
            """
            CASE WHEN r.ar_end <= 0 THEN 0 ELSE COALESCE((
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
                 LIMIT 1), r.asof - r.first_month + 1) END
            """,
            today=fields.Date.context_today(self),
        )
