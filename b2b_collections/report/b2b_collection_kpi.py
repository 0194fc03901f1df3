from datetime import timedelta

from odoo import api, fields, models

from ..models.account_move import MONEY_RECEIVED_DEPENDS
from .b2b_collection_kpi_mixin import month_days


def _merge_depends(*mappings):
    merged = {}
    for mapping in mappings:
        for model, fnames in mapping.items():
            merged.setdefault(model, [])
            merged[model] += [f for f in fnames if f not in merged[model]]
    return merged


MONEY = {"readonly": True, "currency_field": "currency_id"}


class B2bCollectionKpi(models.Model):
    """Collections KPIs: one row per month, company and customer (commercial
    partner), computed live from the ledger, the call notes, the reminders and
    the disputes in one SQL query. All amounts are in the company currency.

    Sales, cash and counts add up over months and customers; receivable
    balances are taken at the first or last month of the period shown; DSO,
    CEI and the other ratios are computed from the sums of each pivot/graph
    cell (see ``b2b.collection.kpi.mixin`` and docs/kpis.md). The SQL is in
    b2b_collection_kpi_query.py."""

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
