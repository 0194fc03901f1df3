import io

import xlsxwriter

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.b2b_collection_aging import CURRENCY_MODES

# the arguments of b2b.collection.aging._b2b_aging_report_data
REPORT_OPTIONS = (
    "as_of",
    "company_ids",
    "grouping",
    "bounds",
    "currency_mode",
    "detail",
)


class ReportB2bAgedReceivables(models.AbstractModel):
    """The Aged Receivables PDF: the data of
    ``b2b.collection.aging._b2b_aging_report_data``, the same the spreadsheet
    is written from, for the options of the export wizard (``data['options']``,
    or the wizard records printed)."""

    _name = "report.b2b_collections.report_b2b_aged_receivables"
    _description = "Aged Receivables"

    @api.model
    def _get_report_values(self, docids, data=None):
        options = (data or {}).get("options")
        wizards = self.env["b2b.collection.aging.export"].browse(docids)
        if options and (
            not isinstance(options, dict)
            or "as_of" not in options
            or set(options) - set(REPORT_OPTIONS)
        ):
            raise UserError(
                _(
                    "The report options are not understood: expected a dictionary of "
                    "%(keys)s (as_of required).",
                    keys=", ".join(REPORT_OPTIONS),
                )
            )
        if not options:
            wizards.ensure_one()
            options = wizards._b2b_options()
        aging = self.env["b2b.collection.aging"]._b2b_aging_report_data(**options)
        companies = self.env["res.company"].browse(aging["company_ids"])
        company = self.env.company if self.env.company in companies else companies[0]
        currency_ids = [aging["currency_id"]] + [c["id"] for c in aging["currencies"]]
        for group in aging["groups"]:
            currency_ids += [line["currency_id"] for line in group["lines"]]
        return {
            "doc_ids": docids,
            "doc_model": "b2b.collection.aging.export",
            "docs": wizards,
            "aging": aging,
            "company": company,
            "currency": self.env["res.currency"].browse(aging["currency_id"]),
            "currencies": {
                currency.id: currency
                for currency in self.env["res.currency"].browse(set(currency_ids))
            },
        }


class ReportB2bAgedReceivablesXlsx(models.AbstractModel):
    """The Aged Receivables spreadsheet, written from the same data as the PDF.

    Written in xlsxwriter's ``constant_memory`` mode (rows go to disk as they
    are written, in order) so that a ledger of any size fits in memory. Every
    cell holds a value, never a formula: the totals read back are the
    figures of the report."""

    _name = "report.b2b_collections.report_b2b_aged_receivables_xlsx"
    _description = "Aged Receivables (spreadsheet)"

    @api.model
    def _b2b_xlsx(self, aging):
        """The workbook of ``aging`` (a dict of ``_b2b_aging_report_data``)
        as bytes."""
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
        styles = self._b2b_styles(workbook, aging)
        self._b2b_write_summary(workbook, styles, aging)
        if aging["detail"]:
            self._b2b_write_detail(workbook, styles, aging)
        workbook.close()
        return buffer.getvalue()

    # ------------------------------------------------------------------ styles

    @api.model
    def _b2b_money_format(self, currency):
        """An Excel number format showing ``currency``'s symbol where Odoo
        shows it, with its decimal places; zero as a dash."""
        decimals = (
            "." + "0" * currency.decimal_places if currency.decimal_places else ""
        )
        symbol = '"%s"' % (currency.symbol or currency.name).replace('"', "")
        number = f"#,##0{decimals}"
        if currency.position == "before":
            positive = f"{symbol} {number}"
        else:
            positive = f"{number} {symbol}"
        # zero shows as a dash: the eye goes to the buckets that hold money
        return f'{positive};-{positive};"-"'

    @api.model
    def _b2b_styles(self, workbook, aging):
        currency_model = self.env["res.currency"]
        currency_ids = {aging["currency_id"]} | {c["id"] for c in aging["currencies"]}
        for group in aging["groups"]:
            currency_ids |= {line["currency_id"] for line in group["lines"]}
        base = {"font_size": 10, "valign": "vcenter"}

        def fmt(**kwargs):
            return workbook.add_format({**base, **kwargs})

        styles = {
            "title": fmt(bold=True, font_size=16),
            "label": fmt(bold=True, font_color="#555555"),
            "text": fmt(),
            "date": fmt(num_format="yyyy-mm-dd", align="left"),
            "date_cell": fmt(num_format="yyyy-mm-dd"),
            "note": fmt(italic=True, font_color="#777777"),
            "header": fmt(
                bold=True, bg_color="#E9ECEF", bottom=1, text_wrap=True, align="left"
            ),
            "header_num": fmt(
                bold=True, bg_color="#E9ECEF", bottom=1, text_wrap=True, align="right"
            ),
            "total_label": fmt(bold=True, top=1),
            "percent_label": fmt(italic=True, font_color="#555555"),
            "percent": fmt(italic=True, font_color="#555555", num_format="0.0%"),
            "integer": fmt(num_format="0"),
            "money": {},
            "money_total": {},
        }
        for currency in currency_model.browse(currency_ids):
            money = self._b2b_money_format(currency)
            styles["money"][currency.id] = fmt(num_format=money)
            styles["money_total"][currency.id] = fmt(num_format=money, bold=True, top=1)
        return styles

    @api.model
    def _b2b_write_header(self, sheet, styles, aging, title):
        """Title, as-of date, companies, currency: rows 0 to 4."""
        sheet.write(0, 0, title, styles["title"])
        sheet.write(1, 0, _("As of"), styles["label"])
        sheet.write_datetime(
            1, 1, fields.Datetime.to_datetime(aging["as_of"]), styles["date"]
        )
        sheet.write(2, 0, _("Company"), styles["label"])
        sheet.write(2, 1, aging["company_names"], styles["text"])
        sheet.write(3, 0, _("Currency"), styles["label"])
        sheet.write(
            3,
            1,
            _(
                "%(currency)s (company currency); buckets in days past the due date",
                currency=aging["currency_name"],
            ),
            styles["text"],
        )
        return 5

    # ----------------------------------------------------------------- summary

    @api.model
    def _b2b_write_summary(self, workbook, styles, aging):
        """The summary sheet: one row per group and its amounts per bucket,
        the totals and shares, the amounts per document currency, a note."""
        sheet = workbook.add_worksheet(_("Aged Receivables"))
        width = len(aging["columns"])
        sheet.set_column(0, 0, 38)
        sheet.set_column(1, width + 2, 15)
        row = self._b2b_write_header(
            sheet,
            styles,
            aging,
            _("Aged Receivables by %(grouping)s", grouping=aging["grouping_label"]),
        )
        row = self._b2b_write_groups(sheet, styles, aging, row)
        row = self._b2b_write_totals(sheet, styles, aging, row)
        if aging["currencies"]:
            row = self._b2b_write_currencies(sheet, styles, aging, row)
        mode = dict(CURRENCY_MODES)[aging["currency_mode"]]
        sheet.write(
            row,
            0,
            _(
                "Buckets: %(bounds)s days. Credit notes and payments not applied "
                "yet are in their own column, Unapplied credits (negative). "
                "Currency: %(mode)s.",
                bounds=" / ".join(str(b) for b in aging["bounds"]),
                mode=mode,
            ),
            styles["note"],
        )

    @api.model
    def _b2b_write_bucket_header(self, sheet, styles, aging, row, first_label):
        """A header row: ``first_label``, the buckets, the total."""
        columns = aging["columns"]
        sheet.write(row, 0, first_label, styles["header"])
        for col, column in enumerate(columns, start=1):
            sheet.write(row, col, column["label"], styles["header_num"])
        sheet.write(row, len(columns) + 1, _("Total"), styles["header_num"])

    @api.model
    def _b2b_write_groups(self, sheet, styles, aging, row):
        """The header and one row per group from ``row``, frozen and
        filtered; returns the next row."""
        width = len(aging["columns"])
        money = styles["money"][aging["currency_id"]]
        header_row = row
        sheet.set_row(header_row, 30)
        self._b2b_write_bucket_header(
            sheet, styles, aging, row, aging["grouping_label"]
        )
        row += 1
        for group in aging["groups"]:
            sheet.write(row, 0, group["name"], styles["text"])
            for col, amount in enumerate(group["amounts"], start=1):
                sheet.write_number(row, col, amount, money)
            sheet.write_number(row, width + 1, group["total"], money)
            row += 1
        last_group_row = row - 1
        sheet.freeze_panes(header_row + 1, 1)
        sheet.autofilter(header_row, 0, max(last_group_row, header_row), width + 1)
        return row

    @api.model
    def _b2b_write_totals(self, sheet, styles, aging, row):
        """The totals per bucket and their shares; returns the next row,
        after a blank one."""
        width = len(aging["columns"])
        money_total = styles["money_total"][aging["currency_id"]]
        sheet.write(row, 0, _("Total"), styles["total_label"])
        for col, amount in enumerate(aging["totals"], start=1):
            sheet.write_number(row, col, amount, money_total)
        sheet.write_number(row, width + 1, aging["total"], money_total)
        row += 1
        sheet.write(row, 0, _("% of total"), styles["percent_label"])
        for col, percent in enumerate(aging["percents"], start=1):
            sheet.write_number(row, col, percent / 100.0, styles["percent"])
        sheet.write_number(
            row, width + 1, 1.0 if aging["total"] else 0.0, styles["percent"]
        )
        return row + 2

    @api.model
    def _b2b_write_currencies(self, sheet, styles, aging, row):
        """The open amounts by document currency; returns the next row,
        after a blank one."""
        width = len(aging["columns"])
        money = styles["money"][aging["currency_id"]]
        sheet.write(row, 0, _("Open amounts by document currency"), styles["label"])
        row += 1
        self._b2b_write_bucket_header(sheet, styles, aging, row, _("Currency"))
        sheet.write(
            row,
            width + 2,
            _("Total in %(currency)s", currency=aging["currency_name"]),
            styles["header_num"],
        )
        row += 1
        for currency in aging["currencies"]:
            style = styles["money"][currency["id"]]
            sheet.write(row, 0, currency["name"], styles["text"])
            for col, amount in enumerate(currency["amounts"], start=1):
                sheet.write_number(row, col, amount, style)
            sheet.write_number(row, width + 1, currency["total"], style)
            sheet.write_number(row, width + 2, currency["total_company"], money)
            row += 1
        return row + 1

    # ------------------------------------------------------------------ detail

    @api.model
    def _b2b_write_detail(self, workbook, styles, aging):
        sheet = workbook.add_worksheet(_("Open Items"))
        currency_id = aging["currency_id"]
        money = styles["money"][currency_id]
        money_total = styles["money_total"][currency_id]
        headers = [
            (aging["grouping_label"], 28, False),
            (_("Customer"), 28, False),
            (_("Document"), 20, False),
            (_("Type"), 12, False),
            (_("Date"), 11, False),
            (_("Due Date"), 11, False),
            (_("Days Overdue"), 9, True),
            (_("Bucket"), 9, False),
            (_("Currency"), 9, False),
            (_("Open Amount in Currency"), 16, True),
            (
                _("Open Amount (%(currency)s)", currency=aging["currency_name"]),
                16,
                True,
            ),
        ]
        for col, (_label, col_width, _num) in enumerate(headers):
            sheet.set_column(col, col, col_width)
        row = self._b2b_write_header(sheet, styles, aging, _("Open Items"))
        header_row = row
        sheet.set_row(header_row, 30)
        for col, (label, _width, numeric) in enumerate(headers):
            sheet.write(row, col, label, styles["header_num" if numeric else "header"])
        row += 1
        for group in aging["groups"]:
            for line in group["lines"]:
                sheet.write(row, 0, group["name"], styles["text"])
                sheet.write(row, 1, line["partner_name"], styles["text"])
                sheet.write(row, 2, line["move_name"], styles["text"])
                sheet.write(row, 3, line["kind_label"], styles["text"])
                sheet.write_datetime(
                    row,
                    4,
                    fields.Datetime.to_datetime(line["date"]),
                    styles["date_cell"],
                )
                sheet.write_datetime(
                    row,
                    5,
                    fields.Datetime.to_datetime(line["date_maturity"]),
                    styles["date_cell"],
                )
                sheet.write_number(row, 6, line["days_overdue"], styles["integer"])
                sheet.write(row, 7, line["bucket_label"], styles["text"])
                sheet.write(row, 8, line["currency_name"], styles["text"])
                sheet.write_number(
                    row,
                    9,
                    line["amount_residual_currency"],
                    styles["money"][line["currency_id"]],
                )
                sheet.write_number(row, 10, line["amount_residual"], money)
                row += 1
        last_row = row - 1
        sheet.freeze_panes(header_row + 1, 3)
        sheet.autofilter(header_row, 0, max(last_row, header_row), len(headers) - 1)
        sheet.write(row, 0, _("Total"), styles["total_label"])
        for col in range(1, len(headers) - 1):
            sheet.write_blank(row, col, None, styles["total_label"])
        sheet.write_number(row, len(headers) - 1, aging["total"], money_total)

    @api.model
    def _b2b_file_name(self, aging):
        return _("Aged Receivables %(date)s.xlsx", date=aging["as_of"].isoformat())
