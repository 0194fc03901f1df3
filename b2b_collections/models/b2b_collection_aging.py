from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from . import b2b_collection_validation as validation
from .account_move import AGING_BUCKETS

# Credits not applied yet (credit notes, payments on account) are a column of
# their own, after the buckets: never netted into "Not due".
UNAPPLIED = "unapplied"
AGING_COLUMNS = (*AGING_BUCKETS, UNAPPLIED)

KINDS = [
    ("invoice", "Invoice"),
    ("credit_note", "Credit Note"),
    ("payment", "Payment"),
    ("other", "Other Entry"),
]
GROUPINGS = [
    ("customer", "Customer"),
    ("collector", "Collector"),
    ("stage", "Stage"),
]
# grouping -> column of the aging rows
GROUP_COLUMNS = {
    "customer": "partner_id",
    "collector": "collector_id",
    "stage": "stage_id",
}
# the columns of res.partner its display name is computed from
PARTNER_NAME_FIELDS = [
    "name",
    "type",
    "is_company",
    "parent_id",
    "company_name",
    "commercial_company_name",
]
CURRENCY_MODES = [
    ("company", "Company currency only"),
    ("per_currency", "Also per currency"),
]


class B2bCollectionAging(models.Model):
    """One row per open receivable journal item (invoice instalment, credit
    note, unapplied payment or entry), with its age and bucket, **as of** a date.

    The date is today, or the ``b2b_as_of`` context key (a date string). Each
    line's residual is rebuilt at that date from the ledger:

        residual = balance
                   - Σ amount of its partial reconciliations (debit side)
                   + Σ amount of its partial reconciliations (credit side)

    over the partials with ``max_date <= as of`` only, for lines dated on or
    before that date; lines whose residual is zero in both currencies at that
    date are left out. Today uses the same formula.

    The rows depend on the context: code that reads the same rows as of two
    dates in one transaction must invalidate the model's cache in between (the
    web client does one request per view, so it never sees stale rows).

    The Aged Receivables report is built from these rows in
    report/b2b_collection_aging_data.py."""

    _name = "b2b.collection.aging"
    _description = "Receivables Aging"
    _auto = False
    _order = "date_maturity, move_line_id"
    _rec_name = "move_id"
    # Fields read by the query: flushed before any search or read.
    _depends = {
        "account.move.line": [
            "move_id",
            "partner_id",
            "company_id",
            "currency_id",
            "company_currency_id",
            "account_id",
            "parent_state",
            "date",
            "date_maturity",
            "balance",
            "amount_currency",
            "amount_residual",
            "amount_residual_currency",
            "reconciled",
        ],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "debit_amount_currency",
            "credit_amount_currency",
            "max_date",
        ],
        "account.account": ["account_type"],
        "account.move": [
            "name",
            "move_type",
            "origin_payment_id",
            "statement_line_id",
        ],
        "res.partner": [
            "name",
            "commercial_partner_id",
            "b2b_collector_id",
            "b2b_collection_stage_id",
        ],
        "res.company": [
            "b2b_default_collector_id",
            "b2b_aging_bucket_1",
            "b2b_aging_bucket_2",
            "b2b_aging_bucket_3",
            "b2b_aging_bucket_4",
        ],
    }

    move_line_id = fields.Many2one(
        "account.move.line", string="Journal Item", readonly=True
    )
    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    kind = fields.Selection(KINDS, string="Type", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    company_currency_id = fields.Many2one(
        "res.currency", string="Company Currency", readonly=True
    )
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Days past the due date as of the aging date; 0 when not due yet. "
        "Credit notes and payments are aged from their own date.",
    )
    bucket = fields.Selection(
        selection="_selection_bucket", string="Aging Bucket", readonly=True
    )
    amount_residual = fields.Monetary(
        string="Open Amount",
        currency_field="company_currency_id",
        readonly=True,
        help="Residual as of the aging date in company currency: positive for "
        "what the customer owes, negative for credits not applied yet.",
    )
    amount_residual_currency = fields.Monetary(
        string="Open Amount in Currency",
        currency_field="currency_id",
        readonly=True,
        help="Residual as of the aging date in the currency of the document.",
    )
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    stage_id = fields.Many2one("b2b.collection.stage", string="Stage", readonly=True)

    def init(self):
        # the partials dated after an aging date, found without reading them
        # all: none as of today, a few thousand a quarter back
        create_index(
            self.env.cr,
            "b2b_account_partial_reconcile_max_date_idx",
            "account_partial_reconcile",
            ["max_date"],
        )

    # ------------------------------------------------------------------ helpers

    def _selection_bucket(self):
        return [
            *self.env["account.move"]._selection_b2b_aging_bucket(),
            (UNAPPLIED, _("Unapplied credits")),
        ]

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        # buckets in aging order (not due, 1-30, ... 121+), not alphabetical:
        # the pivot and the graph show their columns in the order read_group
        # returns them
        if "bucket" in groupby_terms:
            groupby_terms = dict(
                groupby_terms,
                bucket=SQL(
                    "array_position(%s, %s::text)",
                    list(AGING_COLUMNS),
                    groupby_terms["bucket"],
                ),
            )
        return super()._read_group_orderby(order, groupby_terms, query)

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        rows = super()._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )
        # read_group (the pivot) then shows the display name of every customer
        # of the groups: fetch the few columns it is made of, for all of them
        # in one query, instead of every column of res.partner
        if "partner_id" in groupby and rows:
            i = list(groupby).index("partner_id")
            partners = self.env["res.partner"].union(*(row[i] for row in rows))
            partners.sudo().fetch(PARTNER_NAME_FIELDS)
        return rows

    @api.model
    def _read_group_format_result(self, rows_dict, lazy_groupby):
        # read_group labels each group with ``value.sudo().display_name`` of
        # its many2one values (the pivot: one per customer x bucket cell).
        # Bind them to one superuser environment first: sudo() is then a no-op
        # instead of a new environment per group.
        su_env = self.env(su=True)
        for group in lazy_groupby:
            field = self._fields[group.split(":")[0].split(".")[0]]
            if field.type == "many2one":
                for row in rows_dict:
                    if row[group]:
                        row[group] = row[group].with_env(su_env)
        return super()._read_group_format_result(rows_dict, lazy_groupby)

    @api.model
    def _b2b_as_of(self):
        """The aging date: the ``b2b_as_of`` context key, or today. A key that
        is not a date is refused with a UserError."""
        as_of = validation.parse_date(
            self.env, self.env.context.get("b2b_as_of"), self.env._("As of")
        )
        return as_of or fields.Date.context_today(self)

    @api.model
    def _b2b_check_bounds(self, bounds):
        """Refuse bucket boundaries that are not four positive, strictly
        increasing numbers of days (at most DAYS_AGE's ten years)."""
        bounds = tuple(bounds or ())
        if (
            len(bounds) != 4
            or any(
                not isinstance(b, int)
                or isinstance(b, bool)
                or not 0 < b <= validation.DAYS_AGE[1]
                for b in bounds
            )
            or any(a >= b for a, b in zip(bounds, bounds[1:]))
        ):
            raise ValidationError(
                _(
                    "The aging bucket boundaries must be four positive numbers of "
                    "days in strictly increasing order, up to %(max)s days, such as "
                    "30 / 60 / 90 / 120 (got %(bounds)s).",
                    max=validation.DAYS_AGE[1],
                    bounds=" / ".join(validation.show(b) for b in bounds) or _("none"),
                )
            )
        return bounds

    @api.model
    def _b2b_column_for(self, days, residual, bounds):
        """Column of an open item ``days`` past its due date with ``residual``
        (company currency) for ``bounds``: Unapplied credits for a credit,
        else its age bucket (``account.move._b2b_bucket_for``). Python twin of
        the query's column (``_b2b_sql_columns``); the customer statement
        uses it."""
        if residual < 0:
            return UNAPPLIED
        return self.env["account.move"]._b2b_bucket_for(days, bounds)

    @api.model
    def _b2b_bucket_columns(self, bounds):
        """[(bucket key, label)] for ``bounds``, in aging order."""
        b1, b2, b3, b4 = bounds
        labels = [
            _("Not due"),
            f"1-{b1}",
            f"{b1 + 1}-{b2}",
            f"{b2 + 1}-{b3}",
            f"{b3 + 1}-{b4}",
            f"{b4 + 1}+",
            _("Unapplied credits"),
        ]
        return list(zip(AGING_COLUMNS, labels, strict=True))

    # ------------------------------------------------------------------- query

    @property
    def _table_query(self):
        return self._b2b_lines_query(self._b2b_as_of())

    @api.model
    def _b2b_lines_query(self, as_of, company_ids=None, bounds=None):
        """The open receivable items as of ``as_of``, one row per journal item,
        with the columns of this model. ``bounds`` overrides the companies'
        bucket boundaries; ``company_ids`` restricts the companies read.

        Odoo stores each item's residual today: its balance minus all its
        partial reconciliations. The residual as of ``as_of`` is that stored
        residual plus what the partials dated after ``as_of`` took off
        (``_b2b_sql_later``). Only two kinds of items can be open at
        ``as_of`` (``_b2b_sql_items``). The columns: ``_b2b_sql_columns``."""
        return SQL(
            """
            WITH later AS (%(later)s), item AS (%(items)s)
            SELECT %(columns)s
              FROM item
              JOIN res_company c ON c.id = item.company_id
         LEFT JOIN account_move m ON m.id = item.move_id
         LEFT JOIN res_partner lp ON lp.id = item.partner_id
         LEFT JOIN res_partner cp ON cp.id = COALESCE(lp.commercial_partner_id, lp.id)
             WHERE item.amount_residual != 0 OR item.amount_residual_currency != 0
            """,
            later=self._b2b_sql_later(as_of),
            items=self._b2b_sql_items(as_of, company_ids),
            columns=self._b2b_sql_columns(as_of, bounds),
        )

    @api.model
    def _b2b_sql_later(self, as_of):
        """SQL query: per journal item, what its partial reconciliations dated
        after ``as_of`` took off its residual (added back on the debit side,
        taken back on the credit side), in company currency and in the
        item's currency. As of today it is empty (one probe of the
        ``max_date`` index)."""
        return SQL(
            """
            SELECT p.line_id, SUM(p.amount) AS amount,
                   SUM(p.amount_currency) AS amount_currency
              FROM (SELECT pr.debit_move_id AS line_id, pr.amount,
                           pr.debit_amount_currency AS amount_currency
                      FROM account_partial_reconcile pr
                     WHERE pr.max_date > %(as_of)s
                     UNION ALL
                    SELECT pr.credit_move_id, -pr.amount,
                           -pr.credit_amount_currency
                      FROM account_partial_reconcile pr
                     WHERE pr.max_date > %(as_of)s) p
          GROUP BY p.line_id
            """,
            as_of=as_of,
        )

    @api.model
    def _b2b_sql_items(self, as_of, company_ids=None):
        """SQL query: the receivable items of ``company_ids`` dated up to
        ``as_of`` that can be open then, with their residual as of ``as_of``
        (reading the CTE ``later``, ``_b2b_sql_later``). Only two kinds can:
        the open receivable lines of today (through Odoo's partial index of
        unreconciled items: ``_b2b_sql_open_receivable``), and the receivable
        lines reconciled today that have a partial dated after ``as_of`` (read
        from ``later``). The two sets are disjoint: no item is read twice and
        no residual is rebuilt from all its partials."""
        line_model = self.env["account.move.line"]
        line_filter = SQL(
            "l.date <= %s%s",
            as_of,
            SQL(" AND l.company_id IN %s", tuple(company_ids))
            if company_ids
            else SQL(),
        )
        item_columns = SQL(
            """l.id, l.move_id, l.partner_id, l.company_id, l.currency_id,
               l.company_currency_id, l.date, l.date_maturity,
               l.amount_residual + COALESCE(later.amount, 0) AS amount_residual,
               l.amount_residual_currency + COALESCE(later.amount_currency, 0)
                   AS amount_residual_currency"""
        )
        return SQL(
            """
            SELECT %(item_columns)s
              FROM account_move_line l
         LEFT JOIN later ON later.line_id = l.id
             WHERE %(open_line)s
               AND %(line_filter)s
         UNION ALL
            SELECT %(item_columns)s
              FROM later
              JOIN account_move_line l ON l.id = later.line_id
             WHERE l.reconciled
               AND %(receivable_line)s
               AND %(line_filter)s
            """,
            item_columns=item_columns,
            # literal account ids: the planner uses the account indexes instead
            # of scanning every unreconciled journal item
            open_line=line_model._b2b_sql_open_receivable("l", literal_accounts=True),
            receivable_line=line_model._b2b_sql_receivable("l"),
            line_filter=line_filter,
        )

    @api.model
    def _b2b_sql_columns(self, as_of, bounds=None):
        """SQL: the columns of this model, from the CTE ``item``
        (``_b2b_sql_items``) joined to its company ``c``, its journal entry
        ``m``, its partner ``lp`` and commercial partner ``cp``: the kind of
        document, the age (``account.move._b2b_sql_days_overdue``) and the
        bucket (``account.move._b2b_sql_bucket_for``) as of ``as_of``, with
        ``bounds`` or the company's boundaries."""
        move_model = self.env["account.move"]
        if bounds:
            bounds = self._b2b_check_bounds(bounds)
        else:
            bounds = self.env["res.company"]._b2b_sql_aging_bounds("c")
        days = move_model._b2b_sql_days_overdue(
            as_of, SQL("COALESCE(item.date_maturity, item.date)")
        )
        return SQL(
            """
            item.id,
            item.id AS move_line_id,
            item.move_id,
            CASE WHEN m.move_type IN ('out_invoice', 'out_receipt') THEN 'invoice'
                 WHEN m.move_type = 'out_refund' THEN 'credit_note'
                 WHEN %(is_payment)s THEN 'payment'
                 ELSE 'other' END AS kind,
            COALESCE(lp.commercial_partner_id, lp.id) AS partner_id,
            item.company_id,
            item.currency_id,
            item.company_currency_id,
            item.date,
            item.date_maturity,
            %(days)s AS days_overdue,
            CASE WHEN item.amount_residual < 0 THEN %(unapplied)s
                 ELSE %(bucket)s END AS bucket,
            item.amount_residual,
            item.amount_residual_currency,
            COALESCE(cp.b2b_collector_id, c.b2b_default_collector_id) AS collector_id,
            cp.b2b_collection_stage_id AS stage_id
            """,
            days=days,
            bucket=move_model._b2b_sql_bucket_for(days, bounds),
            unapplied=UNAPPLIED,
            is_payment=move_model._b2b_sql_is_payment("m"),
        )

    @api.model
    def _b2b_flush(self):
        for model_name, field_names in self._depends.items():
            self.env[model_name].flush_model(field_names)
