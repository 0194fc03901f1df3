from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.b2b_collections.report.b2b_collection_kpi import MONEY

# Cohorts by the debt age at placement (days overdue of the oldest placed
# invoice on the placement day), both ends included. The keys sort in the
# order of the cohorts, so that pivots and reports list them young to old.
COHORTS = [
    ("1_0_90", "0-90 days"),
    ("2_91_180", "91-180 days"),
    ("3_181_365", "181-365 days"),
    ("4_over_365", "Over 365 days"),
]
OPEN_STATES = ("placed", "active")
CLOSED_STATES = ("closed_recovered", "closed_uncollectible")
STATES = [
    ("placed", "Placed"),
    ("active", "Active"),
    ("recalled", "Recalled"),
    ("closed_recovered", "Closed: recovered"),
    ("closed_uncollectible", "Closed: uncollectible"),
]


class B2bCollectionAgencyKpi(models.Model):
    """Agency performance: one row per placement (drafts excluded), with what
    was placed, what the agency recovered on it so far, what it cost and how
    long it took. All amounts in the company currency.

    The rows add up in any grouping (agency, debt-age cohort, placement month,
    customer, state); the ratios (recovery rate, average days, cost per unit
    recovered, recall rate) are computed from the sums of each group, never
    averaged over rows (``b2b.collection.kpi.mixin``), and the agency targets
    are given where the group has one agency. See docs/agencies.md.
    """

    _name = "b2b.collection.agency.kpi"
    _inherit = ["b2b.collection.kpi.mixin"]
    _description = "Agency Performance"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "placement_id"
    _depends = {
        "b2b.collection.placement": [
            "agency_id",
            "company_id",
            "partner_id",
            "state",
            "date_placed",
            "date_end",
            "debt_age",
            "fixed_fee",
            "placed_amount",
        ],
        "b2b.collection.recovery": [
            "placement_id",
            "amount",
            "commission_amount",
            "date",
            "reversal_of_id",
            "reversed",
        ],
        "b2b.collection.agency": ["target_recovery_rate", "target_days_to_recover"],
        "res.company": ["currency_id"],
    }

    _b2b_needs_period = False
    _b2b_constant_fields = ("target_recovery_rate", "target_days_to_recover")
    _b2b_ratio_inputs = (
        "placed_amount",
        "recovered_amount",
        "commission_amount",
        "fee_amount",
        "recovered_count",
        "closed_count",
        "recalled_count",
        "ended_count",
        "days_to_first_recovery",
        "days_to_close",
    )
    _b2b_ratio_fields = (
        "recovery_rate",
        "avg_days_to_first_recovery",
        "avg_days_to_close",
        "cost_per_unit",
        "recall_rate",
        "recovery_rate_gap",
        "days_to_recover_gap",
    )

    # ------------------------------------------------------------- dimensions
    placement_id = fields.Many2one(
        "b2b.collection.placement", string="Placement", readonly=True
    )
    date = fields.Date(string="Placed on", readonly=True)
    agency_id = fields.Many2one("b2b.collection.agency", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    state = fields.Selection(STATES, string="Status", readonly=True)
    cohort = fields.Selection(
        COHORTS,
        string="Debt Age Cohort",
        readonly=True,
        help="Days overdue of the oldest placed invoice on the placement day.",
    )
    debt_age = fields.Integer(
        string="Debt Age at Placement", readonly=True, aggregator="max"
    )

    # ------------------------------------------------------ additive measures
    placed_amount = fields.Monetary(string="Placed", **MONEY)
    recovered_amount = fields.Monetary(
        string="Recovered",
        help="Payments attributed to the placements so far (reversals deducted).",
        **MONEY,
    )
    commission_amount = fields.Monetary(string="Commission", **MONEY)
    fee_amount = fields.Monetary(
        string="Fees", help="Fixed fees of the placements.", **MONEY
    )
    net_recovery = fields.Monetary(help="Recovered minus commission and fees.", **MONEY)
    placement_count = fields.Integer(string="Placements", readonly=True)
    open_count = fields.Integer(string="Open", readonly=True)
    closed_count = fields.Integer(string="Closed", readonly=True)
    recalled_count = fields.Integer(string="Recalled", readonly=True)
    ended_count = fields.Integer(
        string="Ended", readonly=True, help="Recalled or closed."
    )
    recovered_count = fields.Integer(
        string="With a Recovery",
        readonly=True,
        help="Placements with at least one payment attributed (and not undone).",
    )
    days_to_first_recovery = fields.Integer(
        string="Days to First Recovery (sum)",
        readonly=True,
        help="Sum over the placements with a recovery of the days from the "
        "placement to the first recovery.",
    )
    days_to_close = fields.Integer(
        string="Days to Close (sum)",
        readonly=True,
        help="Sum over the closed placements of the days from the placement to "
        "the closing.",
    )

    # ------------------------------------------------------------------ ratios
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Recovered / placed x 100.",
    )
    avg_days_to_first_recovery = fields.Float(
        string="Avg Days to First Recovery",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days to first recovery (sum) / placements with a recovery.",
    )
    avg_days_to_close = fields.Float(
        string="Avg Days to Close",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days to close (sum) / closed placements.",
    )
    cost_per_unit = fields.Float(
        string="Cost per Unit Recovered",
        readonly=True,
        digits=(16, 4),
        aggregator="avg",
        help="(Commission + fees) / recovered: what each unit of currency "
        "recovered cost.",
    )
    recall_rate = fields.Float(
        string="Recall Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Recalled / ended (recalled or closed) x 100.",
    )
    # ----------------------------------------------------------------- targets
    target_recovery_rate = fields.Float(
        string="Target Recovery Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="The agency's target; empty for a group of several agencies.",
    )
    target_days_to_recover = fields.Float(
        string="Target Days to First Recovery",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
    )
    recovery_rate_gap = fields.Float(
        string="Recovery Rate vs Target (pts)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Recovery rate minus the target, in percentage points: above 0 "
        "beats the target.",
    )
    days_to_recover_gap = fields.Float(
        string="Days to Recover vs Target",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Average days to first recovery minus the target: below 0 beats "
        "the target.",
    )

    @property
    def _table_query(self):
        return self._b2b_agency_kpi_query()

    @api.model
    def _b2b_agency_kpi_query(self):
        return SQL(
            """
            WITH recoveries AS (
                SELECT r.placement_id,
                       SUM(r.amount) AS recovered,
                       SUM(r.commission_amount) AS commission,
                       -- a payment undone later (reversed) is no first recovery
                       MIN(r.date) FILTER (WHERE r.reversal_of_id IS NULL
                                             AND NOT COALESCE(r.reversed, FALSE))
                           AS first_date
                  FROM b2b_collection_recovery r
              GROUP BY r.placement_id
            ), rows AS (
                SELECT p.id, p.date_placed, p.date_end, p.agency_id, p.company_id,
                       c.currency_id, p.partner_id, p.state,
                       COALESCE(p.debt_age, 0) AS debt_age,
                       COALESCE(p.placed_amount, 0) AS placed,
                       COALESCE(rec.recovered, 0) AS recovered,
                       COALESCE(rec.commission, 0) AS commission,
                       COALESCE(p.fixed_fee, 0) AS fee,
                       (rec.first_date IS NOT NULL)::int AS recovered_count,
                       (p.state IN %(closed)s)::int AS closed_count,
                       (p.state = 'recalled')::int AS recalled_count,
                       COALESCE(rec.first_date - p.date_placed, 0) AS days_first,
                       CASE WHEN p.state IN %(closed)s
                            THEN COALESCE(p.date_end - p.date_placed, 0) ELSE 0 END
                           AS days_close,
                       NULLIF(a.target_recovery_rate, 0) AS target_rate,
                       NULLIF(a.target_days_to_recover, 0) AS target_days
                  FROM b2b_collection_placement p
                  JOIN b2b_collection_agency a ON a.id = p.agency_id
                  JOIN res_company c ON c.id = p.company_id
             LEFT JOIN recoveries rec ON rec.placement_id = p.id
                 WHERE p.state != 'draft'
            )
            SELECT r.id, r.id AS placement_id, r.date_placed AS date,
                   r.agency_id, r.company_id, r.currency_id, r.partner_id, r.state,
                   CASE WHEN r.debt_age <= 90 THEN '1_0_90'
                        WHEN r.debt_age <= 180 THEN '2_91_180'
                        WHEN r.debt_age <= 365 THEN '3_181_365'
                        ELSE '4_over_365' END AS cohort,
                   r.debt_age,
                   r.placed AS placed_amount,
                   r.recovered AS recovered_amount,
                   r.commission AS commission_amount,
                   r.fee AS fee_amount,
                   r.recovered - r.commission - r.fee AS net_recovery,
                   1 AS placement_count,
                   (r.state IN %(open)s)::int AS open_count,
                   r.closed_count,
                   r.recalled_count,
                   r.closed_count + r.recalled_count AS ended_count,
                   r.recovered_count,
                   r.days_first AS days_to_first_recovery,
                   r.days_close AS days_to_close,
                   CASE WHEN r.placed > 0 THEN r.recovered / r.placed * 100 END
                       AS recovery_rate,
                   CASE WHEN r.recovered_count > 0 THEN r.days_first::numeric END
                       AS avg_days_to_first_recovery,
                   CASE WHEN r.closed_count > 0 THEN r.days_close::numeric END
                       AS avg_days_to_close,
                   CASE WHEN r.recovered > 0 THEN (r.commission + r.fee) / r.recovered END
                       AS cost_per_unit,
                   CASE WHEN r.closed_count + r.recalled_count > 0
                        THEN r.recalled_count * 100.0 END AS recall_rate,
                   r.target_rate AS target_recovery_rate,
                   r.target_days AS target_days_to_recover,
                   CASE WHEN r.placed > 0
                        THEN r.recovered / r.placed * 100 - r.target_rate END
                       AS recovery_rate_gap,
                   CASE WHEN r.recovered_count > 0
                        THEN r.days_first - r.target_days END AS days_to_recover_gap
              FROM rows r
            """,
            open=OPEN_STATES,
            closed=CLOSED_STATES,
        )

    # -------------------------------------------------------------- ratios
    @api.model
    def _b2b_compute_ratios(self, values):
        """The ratios of a group from its sums: the same formulas as one row
        of ``_b2b_agency_kpi_query``. The gaps to the targets are set in
        ``_b2b_group_values`` once the targets are known."""

        def ratio(numerator, denominator, factor=1.0):
            return numerator / denominator * factor if denominator > 0 else None

        recovered = values["recovered_amount"]
        return {
            "recovery_rate": ratio(recovered, values["placed_amount"], 100),
            "avg_days_to_first_recovery": ratio(
                values["days_to_first_recovery"], values["recovered_count"]
            ),
            "avg_days_to_close": ratio(values["days_to_close"], values["closed_count"]),
            "cost_per_unit": ratio(
                values["commission_amount"] + values["fee_amount"], recovered
            ),
            "recall_rate": ratio(values["recalled_count"], values["ended_count"], 100),
            "recovery_rate_gap": None,
            "days_to_recover_gap": None,
        }

    @api.model
    def _b2b_group_values(
        self, key, combined, stocks, periods, history, date_positions
    ):
        values = super()._b2b_group_values(
            key, combined, stocks, periods, history, date_positions
        )

        def gap(actual, target):
            if actual is False or not target:
                return False
            return actual - target

        values["recovery_rate_gap"] = gap(
            values["recovery_rate"], values["target_recovery_rate"]
        )
        values["days_to_recover_gap"] = gap(
            values["avg_days_to_first_recovery"], values["target_days_to_recover"]
        )
        return values
