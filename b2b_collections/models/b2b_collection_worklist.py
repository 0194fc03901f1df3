from odoo import _, api, fields, models
from odoo.tools import SQL

# Worklist row ids combine the customer and the company so that they are stable
# from one query to the next: id = partner_id * ID_FACTOR + company_id.
ID_FACTOR = 100000


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
        "b2b.collection.note": ["partner_id", "company_id", "date"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    stage_id = fields.Many2one("b2b.collection.stage", string="Stage", readonly=True)
    amount_open = fields.Monetary(string="Open Balance", readonly=True)
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
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
    needs_action = fields.Boolean(
        readonly=True,
        help="Overdue and no next action planned after today.",
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
            WITH lines AS (
                SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id,
                       l.company_id,
                       l.move_id,
                       l.amount_residual,
                       %(today)s - l.date_maturity AS days
                  FROM account_move_line l
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE %(open_line)s
                   AND l.amount_residual != 0
                   %(where)s
            ), figures AS (
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
                       SUM(amount_residual * (1 + days / 30.0)) FILTER (
                           WHERE amount_residual > 0 AND days > 0) AS priority
                  FROM lines
              GROUP BY partner_id, company_id
            )
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
                   COALESCE(f.overdue_count, 0) AS overdue_count,
                   COALESCE(f.oldest, 0) AS oldest_overdue_days,
                   ROUND(COALESCE(f.priority, 0), 2) AS priority,
                   p.b2b_next_action_date AS next_action_date,
                   (SELECT MAX(n.date)::date FROM b2b_collection_note n
                     WHERE n.partner_id = f.partner_id
                       AND n.company_id = f.company_id) AS last_contact_date,
                   COALESCE(p.b2b_do_not_contact, FALSE) AS do_not_contact,
                   (COALESCE(f.overdue_gross, 0) > COALESCE(f.credits, 0)
                    AND (p.b2b_next_action_date IS NULL
                         OR p.b2b_next_action_date <= %(today)s)) AS needs_action
              FROM figures f
              JOIN res_partner p ON p.id = f.partner_id
              JOIN res_company c ON c.id = f.company_id
            """,
            today=today,
            # literal account ids: the planner scans the receivable accounts'
            # items only (see _b2b_receivable_account_ids)
            open_line=self.env["account.move.line"]._b2b_sql_open_receivable(
                "l", literal_accounts=True
            ),
            where=where or SQL(),
            factor=ID_FACTOR,
        )

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
                "SELECT partner_id, amount_open, amount_overdue, overdue_count, "
                "oldest_overdue_days FROM (%s) w",
                self._b2b_query(where),
            )
        )
        return {row["partner_id"]: row for row in rows}

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
