from odoo import _, api, fields, models
from odoo.tools import SQL, format_date

# Worklist row ids combine the customer and the company so that they are stable
# from one query to the next: id = partner_id * ID_FACTOR + company_id.
ID_FACTOR = 100000
# Why a customer is in today's worklist, the most urgent first (the order of
# the CASE in the query).
REASONS = [
    ("promise_broken", "Promise broken"),
    ("promise_due", "Promise due"),
    ("call_late", "Call late"),
    ("call_due", "Call due"),
    ("followup_late", "Follow-up late"),
    ("followup_due", "Follow-up due"),
    ("dispute_expiring", "Dispute expiring"),
    ("large_new_debt", "Large new debt"),
    ("newly_overdue", "Newly overdue"),
    ("overdue", "Overdue, nothing planned"),
]
# days: how recent a debt is "new", how soon a dispute expiry is "expiring"
RECENT_DAYS = 7
DISPUTE_WARNING_DAYS = 3


class B2bCollectionWorklist(models.Model):
    """One row per customer and company with open receivables: the figures the
    collectors work from, computed live from the ledger in one SQL query."""

    _name = "b2b.collection.worklist"
    _description = "Collections Worklist"
    _auto = False
    _order = "priority desc, amount_overdue desc, partner_id"
    _rec_name = "partner_id"
    # Fields read by the query: flushed before any search or read.
    _depends = {
        "account.move.line": [
            "partner_id",
            "company_id",
            "move_id",
            "account_id",
            "parent_state",
            "reconciled",
            "amount_residual",
            "date_maturity",
        ],
        "account.account": ["account_type"],
        "res.partner": [
            "commercial_partner_id",
            "b2b_collector_id",
            "b2b_collection_stage_id",
            "b2b_next_action_date",
            "b2b_do_not_contact",
        ],
        "res.company": ["currency_id", "b2b_default_collector_id"],
        "b2b.collection.stage": ["is_agency", "is_legal", "is_closed"],
        "b2b.collection.note": [
            "partner_id",
            "company_id",
            "date",
            "outcome",
            "promise_date",
            "promise_state",
        ],
        "b2b.collection.dispute": ["partner_id", "company_id", "state", "expiry_date"],
        "mail.activity": ["res_model", "res_id", "activity_type_id", "date_deadline"],
        "mail.activity.type": ["category"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    stage_id = fields.Many2one("b2b.collection.stage", string="Stage", readonly=True)
    amount_open = fields.Monetary(string="Open Balance", readonly=True)
    amount_overdue = fields.Monetary(
        string="Overdue (net)",
        readonly=True,
        help="What is past due, net: the overdue invoices minus the credits not "
        "applied yet (never below zero). The same figure on the customer.",
    )
    amount_unapplied = fields.Monetary(
        string="Unapplied Credits",
        readonly=True,
        help="Credit notes and payments received but not applied to an invoice "
        "yet (negative): the aging's column of the same name.",
    )
    overdue_count = fields.Integer(string="Overdue Invoices", readonly=True)
    oldest_overdue_days = fields.Integer(
        string="Oldest (days)", readonly=True, aggregator="max"
    )
    priority = fields.Float(
        readonly=True,
        digits=(16, 0),
        help="Overdue amount weighted by age: the sum over overdue invoices of "
        "residual x (1 + days overdue / 30).",
    )
    next_action_date = fields.Date(string="Next Action", readonly=True)
    last_contact_date = fields.Date(string="Last Contact", readonly=True)
    do_not_contact = fields.Boolean(readonly=True)
    callable = fields.Boolean(
        string="To Call",
        readonly=True,
        help="The collector may call: not with an agency, not in legal or "
        "closed, not marked do-not-contact.",
    )
    needs_action = fields.Boolean(
        readonly=True,
        help="To call, and a reason to call today: something owed with nothing "
        "planned after today, or one of the reasons of the Why Today column.",
    )
    reason = fields.Selection(
        REASONS,
        string="Why Today",
        readonly=True,
        help="The most urgent reason to call this customer today: a promise "
        "broken or due, a call or follow-up due (late first), a dispute that "
        "expires within 3 days, a large new debt (invoices of the last 7 days "
        "make at least half of what the customer owes), a debt that fell due "
        "within the last 7 days, or an overdue debt with nothing planned.",
    )
    next_action_late = fields.Boolean(readonly=True)
    phone = fields.Char(related="partner_id.phone")
    activity_summary = fields.Char(
        string="Activities",
        compute="_compute_activity_summary",
        help="The customer's open activities, the earliest first.",
    )

    @property
    def _table_query(self):
        return self._b2b_query()

    @api.model
    def _b2b_query(self, where=None):
        """The worklist as SQL. ``where`` restricts the receivable lines read."""
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH %(lines)s, %(figures)s, %(signals)s
            SELECT f.partner_id::bigint * %(factor)s + f.company_id AS id,
                   f.partner_id,
                   f.company_id,
                   c.currency_id,
                   COALESCE(p.b2b_collector_id, c.b2b_default_collector_id)
                       AS collector_id,
                   p.b2b_collection_stage_id AS stage_id,
                   f.amount_open,
                   GREATEST(0, COALESCE(f.overdue_gross, 0) - COALESCE(f.credits, 0))
                       AS amount_overdue,
                   -COALESCE(f.credits, 0) AS amount_unapplied,
                   COALESCE(f.overdue_count, 0) AS overdue_count,
                   COALESCE(f.oldest, 0) AS oldest_overdue_days,
                   %(priority)s AS priority,
                   p.b2b_next_action_date AS next_action_date,
                   COALESCE(p.b2b_next_action_date < %(today)s, FALSE)
                       AS next_action_late,
                   s.last_contact_date,
                   COALESCE(p.b2b_do_not_contact, FALSE) AS do_not_contact,
                   s.callable,
                   s.callable AND s.reason IS NOT NULL AS needs_action,
                   s.reason
                   %(row_columns)s
              FROM figures f
              JOIN res_partner p ON p.id = f.partner_id
              JOIN res_company c ON c.id = f.company_id
              JOIN signals s ON s.partner_id = f.partner_id
                            AND s.company_id = f.company_id
            """,
            lines=self._b2b_sql_lines(today, where),
            figures=self._b2b_sql_figures(today),
            signals=self._b2b_sql_signals(today),
            priority=self._b2b_sql_priority(),
            row_columns=self._b2b_sql_row_columns(),
            today=today,
            factor=ID_FACTOR,
        )

    @api.model
    def _b2b_sql_priority(self):
        """The worklist's order, from the ``figures`` (f) and ``signals`` (s)
        of a row."""
        return SQL("ROUND(COALESCE(f.priority, 0), 2)")

    @api.model
    def _b2b_sql_row_columns(self):
        """More columns of a row (each after a comma), from its ``figures``
        (f) and ``signals`` (s)."""
        return SQL()

    @api.model
    def _b2b_sql_priority_sum(self):
        """What ``figures`` sums over the overdue lines as ``priority``: the
        residual weighted by age."""
        return SQL("amount_residual * (1 + days / 30.0)")

    @api.model
    def _b2b_sql_lines(self, today, where=None):
        """CTE ``lines``: the open receivable lines, by commercial customer."""
        return SQL(
            """lines AS (
                SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id,
                       l.company_id,
                       l.move_id,
                       l.amount_residual,
                       l.date,
                       %(today)s - l.date_maturity AS days
                       %(extra_columns)s
                  FROM account_move_line l
                  JOIN res_partner p ON p.id = l.partner_id
                  %(extra_joins)s
                 WHERE %(open_line)s
                   AND l.amount_residual != 0
                   %(where)s
            )""",
            today=today,
            # literal account ids: the planner scans the receivable accounts'
            # items only (see _b2b_receivable_account_ids)
            open_line=self.env["account.move.line"]._b2b_sql_open_receivable(
                "l", literal_accounts=True
            ),
            where=where or SQL(),
            extra_columns=self._b2b_sql_line_columns(),
            extra_joins=self._b2b_sql_line_joins(),
        )

    @api.model
    def _b2b_sql_line_columns(self):
        """More columns of ``lines`` (each after a comma), for the hooks of
        the priority."""
        return SQL()

    @api.model
    def _b2b_sql_line_joins(self):
        """The joins those columns need (``l``: the journal item)."""
        return SQL()

    @api.model
    def _b2b_sql_figures(self, today):
        """CTE ``figures``: the amounts of each customer and company."""
        return SQL(
            """figures AS (
                SELECT partner_id, company_id,
                       SUM(amount_residual) AS amount_open,
                       SUM(amount_residual) FILTER (
                           WHERE amount_residual > 0 AND days > 0) AS overdue_gross,
                       -SUM(amount_residual) FILTER (
                           WHERE amount_residual < 0) AS credits,
                       COUNT(DISTINCT move_id) FILTER (
                           WHERE amount_residual > 0 AND days > 0) AS overdue_count,
                       MAX(days) FILTER (
                           WHERE amount_residual > 0 AND days > 0) AS oldest,
                       SUM(%(priority)s) FILTER (
                           WHERE amount_residual > 0 AND days > 0) AS priority,
                       SUM(amount_residual) FILTER (
                           WHERE amount_residual > 0
                             AND date > %(today)s - %(recent)s) AS new_debt
                  FROM lines
              GROUP BY partner_id, company_id
            )""",
            today=today,
            recent=RECENT_DAYS,
            priority=self._b2b_sql_priority_sum(),
        )

    @api.model
    def _b2b_sql_signals(self, today):
        """CTE ``signals``: whether the customer may be called and why today
        (REASONS, the most urgent first), from the figures, the call notes,
        the open activities and the disputes."""
        return SQL(
            """signals AS (
                SELECT f.partner_id, f.company_id, notes.last_contact_date,
                       NOT (COALESCE(p.b2b_do_not_contact, FALSE)
                            OR COALESCE(st.is_agency OR st.is_legal OR st.is_closed,
                                        FALSE)) AS callable,
                       CASE
                       WHEN notes.broken_after_contact THEN 'promise_broken'
                       WHEN notes.promise_due THEN 'promise_due'
                       WHEN calls.first_deadline < %(today)s THEN 'call_late'
                       WHEN calls.first_deadline = %(today)s THEN 'call_due'
                       WHEN p.b2b_next_action_date < %(today)s
                            AND f.amount_open > 0 THEN 'followup_late'
                       WHEN p.b2b_next_action_date = %(today)s
                            AND f.amount_open > 0 THEN 'followup_due'
                       WHEN disputes.expiring THEN 'dispute_expiring'
                       WHEN p.b2b_next_action_date > %(today)s THEN NULL
                       WHEN %(overdue)s AND f.new_debt >= f.amount_open / 2
                            THEN 'large_new_debt'
                       WHEN %(overdue)s AND f.oldest <= %(recent)s
                            THEN 'newly_overdue'
                       WHEN %(overdue)s THEN 'overdue'
                       END AS reason
                  FROM figures f
                  JOIN res_partner p ON p.id = f.partner_id
             LEFT JOIN b2b_collection_stage st ON st.id = p.b2b_collection_stage_id
             LEFT JOIN LATERAL (
                    SELECT MAX(n.date)::date AS last_contact_date,
                           BOOL_OR(n.outcome = 'promised' AND n.promise_state = 'open'
                                   AND n.promise_date <= %(today)s) AS promise_due,
                           COALESCE(MAX(n.promise_date) FILTER (
                                        WHERE n.promise_state = 'broken')
                                    >= MAX(n.date)::date, FALSE)
                               AS broken_after_contact
                      FROM b2b_collection_note n
                     WHERE n.partner_id = f.partner_id AND n.company_id = f.company_id
                    ) notes ON TRUE
             LEFT JOIN LATERAL (
                    SELECT MIN(a.date_deadline) AS first_deadline
                      FROM mail_activity a
                      JOIN mail_activity_type t ON t.id = a.activity_type_id
                     WHERE a.res_model = 'res.partner' AND a.res_id = f.partner_id
                       AND t.category = 'phonecall'
                    ) calls ON TRUE
             LEFT JOIN LATERAL (
                    SELECT TRUE AS expiring
                      FROM b2b_collection_dispute d
                     WHERE d.partner_id = f.partner_id AND d.company_id = f.company_id
                       AND d.state = 'open'
                       AND d.expiry_date BETWEEN %(today)s
                                             AND %(today)s + %(warning)s
                     LIMIT 1
                    ) disputes ON TRUE
            )""",
            today=today,
            recent=RECENT_DAYS,
            warning=DISPUTE_WARNING_DAYS,
            overdue=SQL("COALESCE(f.overdue_gross, 0) > COALESCE(f.credits, 0)"),
        )

    def _compute_activity_summary(self):
        """The open activities of the rows' customers: one search."""
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.partner_id.ids),
            ],
            order="date_deadline, id",
        )
        by_partner = {}
        for activity in activities:
            label = "%s (%s)" % (
                activity.summary or activity.activity_type_id.name,
                format_date(self.env, activity.date_deadline),
            )
            by_partner.setdefault(activity.res_id, []).append(label)
        for row in self:
            row.activity_summary = ", ".join(by_partner.get(row.partner_id.id, []))

    @api.model
    def _b2b_figures(self, partner_ids, company):
        """Collections figures of ``partner_ids`` (commercial partners) in
        ``company``, as {partner_id: {field: value}}: one query, whatever the
        number of partners."""
        if not partner_ids:
            return {}
        for model in ("account.move.line", "account.move", "res.partner"):
            self.env[model].flush_model()
        where = SQL(
            "AND l.company_id = %s AND l.partner_id IN "
            "(SELECT id FROM res_partner WHERE commercial_partner_id IN %s)",
            company.id,
            tuple(partner_ids),
        )
        rows = self.env.execute_query_dict(
            SQL(
                "SELECT partner_id, amount_open, amount_overdue, amount_unapplied, "
                "overdue_count, "
                "oldest_overdue_days FROM (%s) w",
                self._b2b_query(where),
            )
        )
        return {row["partner_id"]: row for row in rows}

    @api.model
    def action_b2b_open_worklist(self):
        """Today's worklist: a collector's own customers, everyone's for a
        manager (both can change the filters)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections.b2b_collection_worklist_action"
        )
        context = {"search_default_needs_action": 1}
        if not self.env.user.has_group("b2b_collections.group_b2b_collection_manager"):
            context["search_default_my_customers"] = 1
        action["context"] = context
        return action

    def action_b2b_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_b2b_log_call(self):
        self.ensure_one()
        return self.partner_id.with_context(
            default_company_id=self.company_id.id
        ).action_b2b_log_call()

    def action_b2b_open_overdue_invoices(self):
        self.ensure_one()
        action = self.partner_id.action_b2b_open_overdue_invoices()
        action["domain"] += [("company_id", "=", self.company_id.id)]
        action["name"] = _(
            "Overdue invoices of %(customer)s", customer=self.partner_id.display_name
        )
        return action
