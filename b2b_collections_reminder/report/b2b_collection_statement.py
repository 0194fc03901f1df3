from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

# The statement thanks the customer for the money received in these last days.
RECEIVED_DAYS = 90


class ReportB2bStatement(models.AbstractModel):
    """Data of the customer statement: the open receivable items of each
    customer in the current company, their aging and balances, and the money
    received lately. One search over the journal items and one query of the
    money received, whatever the number of customers printed."""

    _name = "report.b2b_collections_reminder.report_b2b_statement"
    _description = "Customer Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        company = self.env.company
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "statements": self._b2b_statement_data(partners, company),
        }

    @api.model
    def _b2b_statement_data(self, partners, company, today=None, received_since=None):
        """Statement of each partner of ``partners`` (keyed by its id), for its
        commercial entity in ``company``: open items, aging (company currency),
        balances, and the money received and applied to its receivables from
        ``received_since`` (default: the last ``RECEIVED_DAYS`` days) to
        ``today``."""
        today = today or fields.Date.context_today(self)
        received_since = received_since or today - timedelta(days=RECEIVED_DAYS)
        commercials = partners.commercial_partner_id
        received = self._b2b_received(commercials, company, received_since, today)
        items = self._b2b_open_items(commercials, company, today)
        # the aging's columns: the age buckets, then the unapplied credits
        buckets = self.env["b2b.collection.aging"]._selection_bucket()
        company_currency = company.currency_id
        statements = {}
        for partner in partners:
            commercial = partner.commercial_partner_id
            open_items = items.get(commercial.id, [])
            aging = dict.fromkeys((key for key, _label in buckets), 0.0)
            by_currency = defaultdict(float)
            for item in open_items:
                aging[item["bucket"]] += item["residual_company"]
                by_currency[item["currency"]] += item["residual"]
            currencies = list(by_currency)
            statements[partner.id] = {
                "partner": commercial,
                "company": company,
                "currency": company_currency,
                "date": today,
                "lines": open_items,
                "aging": [
                    {"key": key, "label": label, "amount": aging[key]}
                    for key, label in buckets
                ],
                "total": sum(aging.values()),
                "received": received.get(commercial.id, 0.0),
                "received_since": received_since,
                # gross: the overdue debts, before the unapplied credits
                "overdue": sum(
                    amount
                    for key, amount in aging.items()
                    if key not in ("not_due", "unapplied")
                ),
                "currency_totals": (
                    [
                        {"currency": cur, "amount": by_currency[cur]}
                        for cur in currencies
                    ]
                    if currencies and currencies != [company_currency]
                    else []
                ),
            }
        return statements

    @api.model
    def _b2b_open_items(self, commercials, company, today):
        """{commercial partner id: [open item]}: the open receivable lines of
        ``commercials`` in ``company`` (one search), with their age and
        bucket on ``today``; lines open in neither currency are left out."""
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                *self.env["account.move.line"]._b2b_open_receivable_domain(),
                ("partner_id", "child_of", commercials.ids),
            ],
            order="date_maturity, date, move_name, id",
        )
        bounds = company._b2b_aging_bounds()
        company_currency = company.currency_id
        items = defaultdict(list)
        for line in lines:
            currency = line.currency_id or company_currency
            if currency.is_zero(
                line.amount_residual_currency
            ) and company_currency.is_zero(line.amount_residual):
                continue
            items[line.partner_id.commercial_partner_id.id].append(
                self._b2b_open_item(line, currency, today, bounds)
            )
        return items

    @api.model
    def _b2b_open_item(self, line, currency, today, bounds):
        """One open item of the statement: the receivable ``line`` (in
        ``currency``), its age on ``today`` and its column of the aging for
        ``bounds`` (``b2b.collection.aging._b2b_column_for``: a credit in
        Unapplied credits), and a link to pay an invoice."""
        move = line.move_id
        due = line.date_maturity or line.date
        days = (today - due).days
        return {
            "line": line,
            "move": move,
            "date": line.date,
            "name": move.name,
            "ref": move.ref or (line.name if line.name != move.name else ""),
            "kind": self._b2b_item_kind(move),
            "date_due": due,
            # a credit (credit note, payment on account) is never overdue
            "days_overdue": max(days, 0) if line.amount_residual > 0 else 0,
            "currency": currency,
            "amount": line.amount_currency,
            "residual": line.amount_residual_currency,
            "residual_company": line.amount_residual,
            "bucket": self.env["b2b.collection.aging"]._b2b_column_for(
                days, line.amount_residual, bounds
            ),
            "pay_url": (
                self.env["b2b.collection.contact"]._b2b_portal_url(move)
                if move.move_type == "out_invoice" and line.amount_residual > 0
                else False
            ),
        }

    @api.model
    def _b2b_received(self, commercials, company, date_from, date_to):
        """{commercial partner id: money received} applied to their
        receivables in ``company`` between the two dates (reconciliation
        date), in company currency: the rows the KPIs count as cash
        collected (``account.move._b2b_sql_receipts``). One query."""
        if not commercials:
            return {}
        move_model = self.env["account.move"]
        move_model._b2b_flush_money_received()
        for model in ("account.move", "account.move.line", "account.partial.reconcile"):
            self.env[model].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT receipt.partner_id, SUM(receipt.amount)
                  FROM (%(receipts)s) receipt
                 WHERE receipt.partner_id IN %(partners)s
              GROUP BY receipt.partner_id
                """,
                receipts=move_model._b2b_sql_receipts(company.ids, date_to, date_from),
                partners=tuple(commercials.ids),
            )
        )
        return dict(rows)

    @api.model
    def _b2b_item_kind(self, move):
        if move.move_type == "out_invoice":
            return _("Invoice")
        if move.move_type == "out_refund":
            return _("Credit note")
        if move._b2b_is_payment():
            return _("Payment")
        return _("Entry")
