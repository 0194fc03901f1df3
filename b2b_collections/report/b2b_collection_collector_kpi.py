from odoo import api, fields, models
from odoo.tools import SQL

from .b2b_collection_kpi import MONEY
from .b2b_collection_kpi_query import ID_FACTOR, measure_columns

# The measures of a (month, company, collector), in the order of the columns
# of the CTE ``collector_measures`` (after month, company_id, collector_id).
COLLECTOR_MEASURES = (
    "cash_collected",
    "days_to_pay_weighted",
    "accounts_resolved",
    "reminders_sent",
    "calls_made",
    "promises_made",
    "promises_kept",
    "promises_broken",
)


class B2bCollectionCollectorKpi(models.Model):
    """Collector performance: one row per month, company and collector.

    What the collector's customers did (cash collected, delinquent accounts
    resolved) goes to the customer's collector; what the collector did
    (reminders sent for their customers, outbound contacts logged, promises
    obtained) goes to the one who did it. Same sources and definitions as
    ``b2b.collection.kpi``."""

    _name = "b2b.collection.collector.kpi"
    _inherit = ["b2b.collection.kpi.mixin"]
    _description = "Collections Collector Performance"
    _auto = False
    _order = "date desc, company_id, collector_id"
    _rec_name = "collector_id"
    _depends = {
        "b2b.collection.kpi": ["date", "company_id", "collector_id"],
        "b2b.collection.note": [
            "company_id",
            "user_id",
            "date",
            "direction",
            "outcome",
            "promise_date",
            "promise_state",
        ],
    }

    _b2b_needs_period = False
    _b2b_ratio_inputs = (
        "cash_collected",
        "days_to_pay_weighted",
        "promises_kept",
        "promises_broken",
    )
    _b2b_ratio_fields = ("promise_kept_rate", "avg_days_to_pay")

    date = fields.Date(string="Month", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    cash_collected = fields.Monetary(
        string="Amount Collected",
        help="Money received (payments and bank statement lines) applied to the "
        "receivables of the collector's customers.",
        **MONEY,
    )
    days_to_pay_weighted = fields.Float(
        string="Amount x Days to Pay", readonly=True, digits=(16, 0)
    )
    accounts_resolved = fields.Integer(
        readonly=True,
        help="Customers of the collector overdue at the start of a month and "
        "no longer at its end.",
    )
    reminders_sent = fields.Integer(readonly=True)
    calls_made = fields.Integer(
        string="Outbound Contacts", readonly=True, help="Outbound call notes logged."
    )
    contacts_made = fields.Integer(readonly=True, help="Reminders + outbound contacts.")
    promises_made = fields.Integer(
        readonly=True, help="Promises obtained, by promised date."
    )
    promises_kept = fields.Integer(readonly=True)
    promises_broken = fields.Integer(readonly=True)
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Promises kept / (kept + broken) x 100.",
    )
    avg_days_to_pay = fields.Float(
        string="Average Days to Pay",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
    )

    @property
    def _table_query(self):
        return self._b2b_collector_query()

    @api.model
    def _b2b_collector_query(self):
        """The rows: the measures of ``_b2b_sql_collector_measures`` added up
        by month, company and collector, with their ratios."""
        return SQL(
            """
            WITH %(ctes)s,
            collector_measures AS (%(measures)s),
            collector_totals AS (
                SELECT month, company_id, collector_id,
                       SUM(cash_collected) AS cash_collected,
                       SUM(days_to_pay_weighted) AS days_to_pay_weighted,
                       SUM(accounts_resolved)::int AS accounts_resolved,
                       SUM(reminders_sent)::int AS reminders_sent,
                       SUM(calls_made)::int AS calls_made,
                       SUM(promises_made)::int AS promises_made,
                       SUM(promises_kept)::int AS promises_kept,
                       SUM(promises_broken)::int AS promises_broken
                  FROM collector_measures
              GROUP BY month, company_id, collector_id
            )
            SELECT ((t.collector_id::bigint * %(factor)s + t.company_id) * %(factor)s
                    + (EXTRACT(YEAR FROM t.month)::int - 1900) * 12
                    + EXTRACT(MONTH FROM t.month)::int - 1) AS id,
                   t.month AS date,
                   t.company_id,
                   c.currency_id,
                   NULLIF(t.collector_id, 0) AS collector_id,
                   t.cash_collected, t.days_to_pay_weighted, t.accounts_resolved,
                   t.reminders_sent, t.calls_made,
                   t.reminders_sent + t.calls_made AS contacts_made,
                   t.promises_made, t.promises_kept, t.promises_broken,
                   CASE WHEN t.promises_kept + t.promises_broken > 0
                        THEN t.promises_kept * 100.0
                             / (t.promises_kept + t.promises_broken) END
                       AS promise_kept_rate,
                   CASE WHEN t.cash_collected > 0
                        THEN t.days_to_pay_weighted / t.cash_collected END
                       AS avg_days_to_pay
              FROM collector_totals t
              JOIN res_company c ON c.id = t.company_id
            """,
            ctes=self.env["b2b.collection.kpi"]._b2b_kpi_ctes(),
            measures=self._b2b_sql_collector_measures(),
            factor=ID_FACTOR,
        )

    @api.model
    def _b2b_sql_collector_measures(self):
        """CTE ``collector_measures``: every measure (``COLLECTOR_MEASURES``)
        by month, company and collector. What the collector's customers did
        (from ``kpi``) goes to their collector; what the collector did
        (reminders for their customers, outbound contacts, promises obtained)
        to the one who did it."""
        kpi_model = self.env["b2b.collection.kpi"]
        today = fields.Date.context_today(self)
        company_ids = tuple(self.env.companies.ids) or (0,)
        return SQL(
            """
            SELECT k.month, k.company_id,
                   COALESCE(p.b2b_collector_id, c.b2b_default_collector_id, 0)
                       AS collector_id,
                   %(customers)s
              FROM kpi k
              JOIN res_company c ON c.id = k.company_id
         LEFT JOIN res_partner p ON p.id = k.partner_id
             WHERE k.cash_collected != 0 OR k.delinquent_resolved != 0
            -- reminders for their customers (the reminder addon)
            %(reminder_measures)s
         UNION ALL
            SELECT %(note_month)s, n.company_id, n.user_id, %(calls)s
              FROM b2b_collection_note n
             WHERE n.direction = 'outbound' AND n.company_id IN %(company_ids)s
               AND n.date <= %(now)s
         UNION ALL
            -- promises obtained, by promised date
            SELECT date_trunc('month', n.promise_date)::date, n.company_id,
                   n.user_id, %(promises)s
              FROM b2b_collection_note n
             WHERE n.outcome = 'promised' AND n.company_id IN %(company_ids)s
               AND n.promise_date < date_trunc('month', %(today)s::date)
                                    + INTERVAL '1 month'
            """,
            customers=measure_columns(
                COLLECTOR_MEASURES,
                cash_collected=SQL("k.cash_collected"),
                days_to_pay_weighted=SQL("k.days_to_pay_weighted"),
                accounts_resolved=SQL("k.delinquent_resolved"),
            ),
            calls=measure_columns(COLLECTOR_MEASURES, calls_made=SQL("1")),
            promises=measure_columns(
                COLLECTOR_MEASURES,
                promises_made=SQL("1"),
                promises_kept=SQL(
                    "CASE WHEN n.promise_state = 'kept' THEN 1 ELSE 0 END"
                ),
                promises_broken=SQL(
                    "CASE WHEN n.promise_state = 'broken' THEN 1 ELSE 0 END"
                ),
            ),
            note_month=kpi_model._b2b_month_of(SQL("n.date")),
            reminder_measures=self._b2b_sql_reminder_measures(company_ids),
            company_ids=company_ids,
            today=today,
            now=fields.Datetime.now(),
        )

    @api.model
    def _b2b_sql_reminder_measures(self, company_ids):
        """Hook: ``UNION ALL`` rows of the reminders sent by each collector for
        the customers of ``company_ids`` (the reminder addon adds them):
        month, company, collector, then
        ``measure_columns(COLLECTOR_MEASURES, ...)``."""
        return SQL()

    @api.model
    def _b2b_compute_ratios(self, values):
        kept, broken = values["promises_kept"], values["promises_broken"]
        cash = values["cash_collected"]
        return {
            "promise_kept_rate": kept * 100.0 / (kept + broken)
            if kept + broken
            else None,
            "avg_days_to_pay": values["days_to_pay_weighted"] / cash
            if cash > 0
            else None,
        }
