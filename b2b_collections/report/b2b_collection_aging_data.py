from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_round

from ..models import b2b_collection_validation as validation
from ..models.b2b_collection_aging import GROUP_COLUMNS, PARTNER_NAME_FIELDS


class B2bCollectionAging(models.Model):
    """The data of the Aged Receivables report: one plain dict, built from
    the rows of the aging (``_b2b_lines_query``), that the PDF and the
    spreadsheet are both written from, so that their figures cannot
    disagree."""

    _inherit = "b2b.collection.aging"

    @api.model
    def _b2b_aging_report_data(
        self,
        as_of,
        company_ids=None,
        grouping="customer",
        bounds=None,
        currency_mode="company",
        detail=False,
    ):
        """The aged receivables as of ``as_of`` for ``company_ids``, as a plain
        dict shared by the PDF and the spreadsheet: the bucket columns of
        ``bounds`` (default: the first company's), one group per customer,
        collector or stage (``grouping``) with its amount per bucket in company
        currency, the totals and the share of each bucket; with
        ``currency_mode='per_currency'`` the residuals per document currency;
        with ``detail`` the open items of each group.

        One query (the aggregate, or with ``detail`` the open items, summed
        here) plus one per model for the names of the groups, whatever the
        number of customers."""
        self.check_access("read")
        as_of = validation.parse_date(
            self.env, as_of, self.env._("As of")
        ) or fields.Date.context_today(self)
        if grouping not in GROUP_COLUMNS:
            raise UserError(_("Unknown grouping: %(grouping)s", grouping=grouping))
        companies = self._b2b_report_companies(company_ids)
        bounds = self._b2b_check_bounds(bounds or companies[:1]._b2b_aging_bounds())
        columns = self._b2b_bucket_columns(bounds)
        rows, lines_by_group = self._b2b_report_rows(
            self._b2b_lines_query(as_of, companies.ids, bounds),
            SQL.identifier("lines", GROUP_COLUMNS[grouping]),
            columns,
            detail,
        )
        sums = self._b2b_report_sums(rows, columns)
        company_currency = companies.currency_id
        currencies = self._b2b_report_currencies(
            company_currency, sums["currency"], lines_by_group
        )
        groups = self._b2b_report_groups(
            grouping, sums["group"], lines_by_group, company_currency
        )
        totals = [
            float_round(
                sum(group["amounts"][i] for group in groups),
                precision_rounding=company_currency.rounding,
            )
            for i in range(len(columns))
        ]
        total = company_currency.round(sum(totals))
        return {
            "as_of": as_of,
            "company_ids": companies.ids,
            "company_names": ", ".join(companies.mapped("name")),
            "currency_id": company_currency.id,
            "currency_name": company_currency.name,
            "grouping": grouping,
            "grouping_label": self._b2b_grouping_labels()[grouping],
            "bounds": list(bounds),
            "currency_mode": currency_mode,
            "detail": bool(detail),
            "columns": [{"key": key, "label": label} for key, label in columns],
            "groups": groups,
            "totals": totals,
            "total": total,
            "percents": [
                round(amount / total * 100.0, 2) if total else 0.0 for amount in totals
            ],
            "currencies": (
                self._b2b_report_per_currency(sums, currencies, company_currency)
                if currency_mode == "per_currency"
                else []
            ),
            "line_count": sum(len(lines) for lines in lines_by_group.values()),
        }

    @api.model
    def _b2b_report_companies(self, company_ids):
        """The companies to report on: ``company_ids`` (a list of ids, default
        the current company), among those the user selected, keeping their
        books in one currency; a UserError or AccessError otherwise."""
        if not isinstance(company_ids, list | tuple | type(None)) or any(
            not isinstance(cid, int) or isinstance(cid, bool)
            for cid in company_ids or ()
        ):
            raise UserError(
                _(
                    "The companies to report on must be a list of company ids (got "
                    "%(value)s).",
                    value=validation.show(company_ids),
                )
            )
        companies = self.env["res.company"].browse(company_ids or self.env.company.ids)
        if not self.env.su and companies - self.env.companies:
            raise AccessError(
                _(
                    "You can only report on the companies selected in the company "
                    "switcher (%(companies)s).",
                    companies=", ".join(self.env.companies.mapped("name")),
                )
            )
        if len(companies.currency_id) > 1:
            raise UserError(
                _(
                    "%(companies)s keep their books in different currencies: "
                    "export them one at a time.",
                    companies=", ".join(companies.mapped("name")),
                )
            )
        return companies

    @api.model
    def _b2b_report_rows(self, lines_query, group_column, columns, detail):
        """``(rows, lines_by_group)``, in one query: without ``detail`` the
        aggregate of the aging rows ``lines_query`` by group (``group_column``),
        currency and bucket; with it the open items themselves, also listed by
        group (``_b2b_report_line``). Each row has ``group_id``,
        ``currency_id``, ``bucket``, ``amount`` and ``amount_currency``."""
        self._b2b_flush()
        lines_by_group = defaultdict(list)
        if not detail:
            rows = self.env.execute_query_dict(
                SQL(
                    """
                    SELECT %(group)s AS group_id,
                           lines.currency_id,
                           lines.bucket,
                           SUM(lines.amount_residual) AS amount,
                           SUM(lines.amount_residual_currency) AS amount_currency
                      FROM (%(lines)s) lines
                  GROUP BY 1, 2, 3
                    """,
                    group=group_column,
                    lines=lines_query,
                )
            )
            return rows, lines_by_group
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT %(group)s AS group_id, lines.*, m.name AS move_name,
                       p.name AS partner_name,
                       lines.amount_residual AS amount,
                       lines.amount_residual_currency AS amount_currency
                  FROM (%(lines)s) lines
                  JOIN account_move m ON m.id = lines.move_id
             LEFT JOIN res_partner p ON p.id = lines.partner_id
              ORDER BY p.name, lines.partner_id, lines.date_maturity,
                       m.name, lines.id
                """,
                group=group_column,
                lines=lines_query,
            )
        )
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        labels = dict(columns)
        for row in rows:
            lines_by_group[row["group_id"]].append(
                self._b2b_report_line(row, kinds, labels)
            )
        return rows, lines_by_group

    @api.model
    def _b2b_report_line(self, row, kinds, labels):
        """One open item of the detail, from its aging ``row``."""
        return {
            "move_line_id": row["move_line_id"],
            "move_id": row["move_id"],
            "move_name": row["move_name"],
            "partner_id": row["partner_id"],
            "partner_name": row["partner_name"] or "",
            "kind": row["kind"],
            "kind_label": kinds[row["kind"]],
            "date": row["date"],
            "date_maturity": row["date_maturity"] or row["date"],
            "days_overdue": row["days_overdue"],
            "bucket": row["bucket"],
            "bucket_label": labels[row["bucket"]],
            "currency_id": row["currency_id"],
            "amount_residual_currency": row["amount_residual_currency"],
            "amount_residual": row["amount_residual"],
        }

    @api.model
    def _b2b_report_sums(self, rows, columns):
        """The amounts of ``rows`` per bucket (in the order of ``columns``):
        ``group`` {group id: company currency amounts}, ``currency``
        {currency id: amounts in that currency} and ``currency_company``
        {currency id: total in company currency}."""
        index = {key: i for i, (key, _label) in enumerate(columns)}
        width = len(columns)
        sums = {
            "group": defaultdict(lambda: [0.0] * width),
            "currency": defaultdict(lambda: [0.0] * width),
            "currency_company": defaultdict(float),
        }
        for row in rows:
            i = index[row["bucket"]]
            sums["group"][row["group_id"]][i] += row["amount"]
            sums["currency"][row["currency_id"]][i] += row["amount_currency"]
            sums["currency_company"][row["currency_id"]] += row["amount"]
        return sums

    @api.model
    def _b2b_report_currencies(self, company_currency, currency_amounts, lines):
        """{currency id: currency} of the report, in one read; names the
        currency of each open item of ``lines`` (by group)."""
        currency_ids = set(currency_amounts) | {company_currency.id}
        currencies = {
            currency.id: currency
            for currency in self.env["res.currency"].browse(currency_ids)
        }
        for group_lines in lines.values():
            for line in group_lines:
                line["currency_name"] = currencies[line["currency_id"]].name
        return currencies

    @api.model
    def _b2b_report_groups(self, grouping, group_amounts, lines, company_currency):
        """The groups of the report, named (one read per model, whatever the
        number of groups), their amounts rounded, in alphabetical order with
        the group without a customer/collector/stage last."""
        names = self._b2b_group_names(grouping, list(group_amounts))
        # company_currency.round, with the rounding read once (not per amount)
        rounding = company_currency.rounding
        groups = [
            {
                "id": group_id or False,
                "name": names[group_id],
                "amounts": [
                    float_round(a, precision_rounding=rounding) for a in amounts
                ],
                "total": float_round(sum(amounts), precision_rounding=rounding),
                "lines": lines.get(group_id, []),
            }
            for group_id, amounts in group_amounts.items()
        ]
        groups.sort(key=lambda g: (not g["id"], g["name"].lower(), g["id"] or 0))
        return groups

    @api.model
    def _b2b_report_per_currency(self, sums, currencies, company_currency):
        """The residuals per document currency, by currency name: amounts per
        bucket and total in the currency, and total in company currency."""
        per_currency = []
        for currency_id, amounts in sorted(
            sums["currency"].items(), key=lambda item: currencies[item[0]].name
        ):
            currency = currencies[currency_id]
            per_currency.append(
                {
                    "id": currency_id,
                    "name": currency.name,
                    "amounts": [currency.round(amount) for amount in amounts],
                    "total": currency.round(sum(amounts)),
                    "total_company": company_currency.round(
                        sums["currency_company"][currency_id]
                    ),
                }
            )
        return per_currency

    @api.model
    def _b2b_grouping_labels(self):
        return {
            "customer": _("Customer"),
            "collector": _("Collector"),
            "stage": _("Stage"),
        }

    @api.model
    def _b2b_group_names(self, grouping, group_ids):
        """{group id: display name}: one read for all the groups."""
        empty = {
            "customer": _("No customer"),
            "collector": _("No collector"),
            "stage": _("No stage"),
        }[grouping]
        model = {
            "customer": "res.partner",
            "collector": "res.users",
            "stage": "b2b.collection.stage",
        }[grouping]
        ids = [group_id for group_id in group_ids if group_id]
        records = self.env[model].with_context(active_test=False).browse(ids)
        if model == "res.partner":
            records.fetch(PARTNER_NAME_FIELDS)
        names = dict(zip(ids, records.mapped("display_name")))
        names[None] = empty
        return names
