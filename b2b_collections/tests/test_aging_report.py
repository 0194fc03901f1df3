import io
from datetime import date, timedelta

import openpyxl
from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from .common import TODAY, B2bCollectionsCase

AS_OF = date(2026, 2, 15)
# the values of the bucket field, in the order of the columns: the age buckets,
# then the credits not applied yet
BUCKETS = ["not_due", "b1", "b2", "b3", "b4", "b5", "unapplied"]
REPORT = "b2b_collections.action_report_b2b_aged_receivables"


def _text(node):
    text = node.text_content() if hasattr(node, "text_content") else node
    return " ".join(text.replace("\ufeff", "").replace("\xa0", " ").split())


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgingReport(B2bCollectionsCase):
    """The ledger of the test company (USD; EUR at 2.0 USD per... 1 USD = 2 EUR),
    buckets 30/60/90/120, today 2026-03-31 and as of 2026-02-15.

    Acme (collector Colin), Globex (no collector):

    ==  =========================================  ==========  ==========  =====
    id  item                                       date        due         stage
    ==  =========================================  ==========  ==========  =====
    A   invoice 1000, paid 400 on 03-01            2026-01-01  2026-01-30  final
    B   invoice 500, paid 200 on 03-10 (early)     2026-02-20  2026-04-20
    C   invoice 800, credit note C' 300 of 03-20   2026-02-14  2026-03-16
        reconciled with it
    D   credit note 150, unapplied                 2026-03-21  2026-03-21
    E   payment 250, unapplied                     2026-03-26  2026-03-26
    F   invoice 1000 EUR = 500 USD                 2025-11-01  2025-12-01
    G   invoice 900, paid in full on 03-05         2026-01-10  2026-02-09
    H   payment 120, unapplied, reversed on 03-15  2026-02-10  2026-02-10
    I   invoice 300, paid in full on 02-05         2026-01-02  2026-02-01
        (payment I'), the payment reversed on
        03-10 (the reversal unmatches I and I')
    J   Globex invoice 200                         2025-09-01  2025-10-01
    K   company 2: invoice 700 due 95 days ago     2025-12-26  2025-12-26
    ==  =========================================  ==========  ==========  =====

    Today, 2026-03-31 (company 1):

    ==  ========  ======  ========  ===============================================
    id  residual  days    bucket    why
    ==  ========  ======  ========  ===============================================
    A     600.00  60      31-60     1000 - 400
    B     300.00  0       not due   500 - 200, due in 20 days
    C     500.00  15      1-30      800 - 300; C' itself is fully used: left out
    D    -150.00  10      unapplied a credit: its own column, whatever its age
    E    -250.00  5       unapplied
    F     500.00  120     91-120    1000 EUR at 2.0
    G    (none)                     paid
    H    (none)                     matched with its reversal (03-15)
    I     300.00  58      31-60     open again; I' matched with its reversal
    J     200.00  181     121+      Globex
    ==  ========  ======  ========  ===============================================

    not due 300 (B) | 1-30 500 (C) | 31-60 600+300 = 900 (A, I) | 61-90 0
    | 91-120 500 (F) | 121+ 200 (J) | unapplied -150-250 = -400 (D, E): the debt
    300+500+900+500+200 = 2400 gross, 2400-400 = 2000 net, the total; shares of
    the total 300/2000 = 15, 500/2000 = 25, 900/2000 = 45, 0, 500/2000 = 25,
    200/2000 = 10, -400/2000 = -20 %. Acme 300 / 500 / 900 / 0 / 500 / 0 / -400
    = 1800 (= 2000 - J), Globex 200 in 121+. By currency: USD 300 / 500 / 900 /
    0 / 0 / 200 / -400 = 1500 USD, EUR 0 / 0 / 0 / 0 / 1000 / 0 / 0 = 1000 EUR
    (500 USD).

    As of 2026-02-15: B, C', D, E are dated later: left out; every partial of
    a later date is not applied yet:

    ==  ========  ======  ========  ===============================================
    id  residual  days    bucket    why
    ==  ========  ======  ========  ===============================================
    A    1000.00  16      1-30      the payment of 03-01 is later
    C     800.00  0       not due   due 03-16
    F     500.00  76      61-90
    G     900.00  6       1-30      paid on 03-05, after the date: fully open
    H    -120.00  5       unapplied its reversal (03-15) is later: it counts
    I     300.00  14      1-30      the reversal deleted the match with I'
    I'   -300.00  10      unapplied matched only with its reversal (03-10)
    J     200.00  137     121+
    ==  ========  ======  ========  ===============================================

    not due 800 (C) | 1-30 1000+900+300 = 2200 (A, G, I) | 31-60 0 | 61-90 500
    (F) | 91-120 0 | 121+ 200 (J) | unapplied -120-300 = -420 (H, I'): 800+2200
    +500+200 = 3700 gross, 3700-420 = 3280 net, the total.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.aging = cls.env["b2b.collection.aging"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        cls.globex = cls.env["res.partner"].create(
            {"name": "Globex Wholesale", "is_company": True}
        )
        d = date
        # A
        cls.inv_a = cls.invoice(1000.0, due=d(2026, 1, 30), invoice_date=d(2026, 1, 1))
        cls.pay(cls.inv_a, amount=400.0, pay_date=d(2026, 3, 1))
        # B: paid in part before its due date
        cls.inv_b = cls.invoice(500.0, due=d(2026, 4, 20), invoice_date=d(2026, 2, 20))
        cls.pay(cls.inv_b, amount=200.0, pay_date=d(2026, 3, 10))
        # C and its credit note C'
        cls.inv_c = cls.invoice(800.0, due=d(2026, 3, 16), invoice_date=d(2026, 2, 14))
        cls.cn_c = cls.invoice(300.0, due=d(2026, 3, 20), move_type="out_refund")
        cls.receivable(cls.inv_c | cls.cn_c).reconcile()
        # D: unapplied credit note
        cls.cn_d = cls.invoice(150.0, due=d(2026, 3, 21), move_type="out_refund")
        # E: unapplied payment
        cls.pay_e = cls.unapplied_payment(250.0, pay_date=d(2026, 3, 26))
        # F: foreign currency
        cls.inv_f = cls.invoice(
            1000.0, due=d(2025, 12, 1), invoice_date=d(2025, 11, 1), currency=cls.eur
        )
        # G: paid in full after AS_OF
        cls.inv_g = cls.invoice(900.0, due=d(2026, 2, 9), invoice_date=d(2026, 1, 10))
        cls.pay(cls.inv_g, pay_date=d(2026, 3, 5))
        # H: unapplied payment, reversed after AS_OF
        cls.pay_h = cls.unapplied_payment(120.0, pay_date=d(2026, 2, 10))
        cls.pay_h.move_id._reverse_moves([{"date": d(2026, 3, 15)}], cancel=True)
        # I: paid in full before AS_OF, the payment reversed after it
        cls.inv_i = cls.invoice(300.0, due=d(2026, 2, 1), invoice_date=d(2026, 1, 2))
        cls.pay_i = cls.pay(cls.inv_i, pay_date=d(2026, 2, 5))
        cls.pay_i.move_id._reverse_moves([{"date": d(2026, 3, 10)}], cancel=True)
        # J: another customer, without collector
        cls.inv_j = cls.invoice(
            200.0, due=d(2025, 10, 1), invoice_date=d(2025, 9, 1), partner=cls.globex
        )
        cls.inv_a.b2b_collection_stage_id = cls.stage("final_notice")
        # K: another company
        cls.company_2 = cls.setup_other_company(name="Collections Co 2")["company"]
        cls.inv_k = cls.invoice(
            700.0, due=TODAY - timedelta(days=95), company=cls.company_2
        )

    # ------------------------------------------------------------------ helpers

    @classmethod
    def receivable(cls, moves):
        return moves.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    def rows(self, as_of=None, companies=None):
        """The aging rows of the test companies, as the pivot reads them."""
        self.env.invalidate_all()
        aging = self.aging
        if as_of:
            aging = aging.with_context(b2b_as_of=str(as_of))
        if companies:
            aging = aging.with_context(allowed_company_ids=companies.ids)
        return aging.search(
            [("company_id", "in", (companies or self.company).ids)],
            order="date_maturity, move_line_id",
        )

    def pivot_totals(self, as_of=None, company=None):
        """{bucket: amount} and the total, from read_group as the pivot does."""
        aging = self.aging
        if as_of:
            aging = aging.with_context(b2b_as_of=str(as_of))
        groups = aging.read_group(
            [("company_id", "=", (company or self.company).id)],
            ["amount_residual:sum"],
            ["bucket"],
        )
        totals = dict.fromkeys(BUCKETS, 0.0)
        totals.update({g["bucket"]: g["amount_residual"] for g in groups})
        return totals

    def data(self, **kwargs):
        options = {
            "as_of": TODAY,
            "company_ids": self.company.ids,
            "grouping": "customer",
        } | kwargs
        return self.aging._b2b_aging_report_data(**options)

    def fmt(self, amount, currency=None):
        return _text(format_amount(self.env, amount, currency or self.currency))

    def export_wizard(self, **vals):
        return self.env["b2b.collection.aging.export"].create(
            {"company_ids": [Command.set(self.company.ids)]} | vals
        )

    # ------------------------------------------------------------ the model

    def test_rows_today_hand_computed(self):
        rows = self.rows()
        self.assertRecordValues(
            rows,
            [
                # F, J are sorted by due date with the others
                {
                    "move_id": self.inv_j.id,
                    "partner_id": self.globex.id,
                    "kind": "invoice",
                    "amount_residual": 200.0,
                    "amount_residual_currency": 200.0,
                    "days_overdue": 181,
                    "bucket": "b5",
                    "collector_id": False,
                },
                {
                    "move_id": self.inv_f.id,
                    "partner_id": self.customer.id,
                    "kind": "invoice",
                    "amount_residual": 500.0,
                    "amount_residual_currency": 1000.0,
                    "days_overdue": 120,
                    "bucket": "b4",
                    "collector_id": self.collector.id,
                },
                {
                    "move_id": self.inv_a.id,
                    "partner_id": self.customer.id,
                    "kind": "invoice",
                    "amount_residual": 600.0,
                    "amount_residual_currency": 600.0,
                    "days_overdue": 60,
                    "bucket": "b2",
                    "collector_id": self.collector.id,
                },
                {
                    "move_id": self.inv_i.id,
                    "partner_id": self.customer.id,
                    "kind": "invoice",
                    "amount_residual": 300.0,
                    "amount_residual_currency": 300.0,
                    "days_overdue": 58,
                    "bucket": "b2",
                    "collector_id": self.collector.id,
                },
                {
                    "move_id": self.inv_c.id,
                    "partner_id": self.customer.id,
                    "kind": "invoice",
                    "amount_residual": 500.0,
                    "amount_residual_currency": 500.0,
                    "days_overdue": 15,
                    "bucket": "b1",
                    "collector_id": self.collector.id,
                },
                {
                    "move_id": self.cn_d.id,
                    "partner_id": self.customer.id,
                    "kind": "credit_note",
                    "amount_residual": -150.0,
                    "amount_residual_currency": -150.0,
                    "days_overdue": 10,
                    "bucket": "unapplied",
                    "collector_id": self.collector.id,
                },
                {
                    "move_id": self.pay_e.move_id.id,
                    "partner_id": self.customer.id,
                    "kind": "payment",
                    "amount_residual": -250.0,
                    "amount_residual_currency": -250.0,
                    "days_overdue": 5,
                    "bucket": "unapplied",
                    "collector_id": self.collector.id,
                },
                {
                    "move_id": self.inv_b.id,
                    "partner_id": self.customer.id,
                    "kind": "invoice",
                    "amount_residual": 300.0,
                    "amount_residual_currency": 300.0,
                    "days_overdue": 0,
                    "bucket": "not_due",
                    "collector_id": self.collector.id,
                },
            ],
        )
        self.assertEqual(rows.currency_id, self.currency | self.eur)
        self.assertEqual(rows.company_currency_id, self.currency)
        self.assertEqual(
            rows.stage_id, self.stage("current") | self.stage("final_notice")
        )
        # 1-30 is C alone (500), D and E are in unapplied: -150 - 250 = -400
        pivot = self.pivot_totals()
        self.assertEqual(
            pivot,
            {
                "not_due": 300,
                "b1": 500,
                "b2": 900,
                "b3": 0,
                "b4": 500,
                "b5": 200,
                "unapplied": -400,
            },
        )
        # the age buckets: the gross debt; with the credits: the net balance
        self.assertEqual(sum(pivot[b] for b in BUCKETS[:-1]), 2400)
        self.assertEqual(sum(pivot.values()), 2000)
        self.assertEqual(sum(rows.mapped("amount_residual")), 2000)

    def test_buckets_come_in_aging_order(self):
        """The pivot's columns: not due first, then older and older."""
        groups = self.aging.read_group(
            [("company_id", "=", self.company.id)],
            ["amount_residual:sum"],
            ["bucket", "partner_id"],
            lazy=False,
        )
        self.assertEqual(
            [(g["bucket"], g["amount_residual"]) for g in groups],
            [
                ("not_due", 300.0),  # B
                ("b1", 500.0),  # C
                ("b2", 900.0),  # A 600 + I 300
                ("b4", 500.0),  # F
                ("b5", 200.0),  # J, Globex
                ("unapplied", -400.0),  # D -150 + E -250, last
            ],
        )
        labels = dict(self.aging._fields["bucket"]._description_selection(self.env))
        self.assertEqual(
            list(labels.values()),
            [
                "Not due",
                "1-30",
                "31-60",
                "61-90",
                "91-120",
                "121+",
                "Unapplied credits",
            ],
        )

    def test_unapplied_credit_is_never_netted_into_not_due(self):
        """Initech owes 32,710 due in 30 days and paid 31,750 on account today,
        not applied to the invoice yet (0 days: as young as the debt). Not due
        is the debt, 32,710; Unapplied credits the payment, -31,750; the total
        what Initech owes net, 32,710 - 31,750 = 960: in the pivot, the report
        data and the spreadsheet alike."""
        initech = self.env["res.partner"].create(
            {"name": "Initech Supplies", "is_company": True}
        )
        invoice = self.invoice(
            32710.0, due=TODAY + timedelta(days=30), invoice_date=TODAY, partner=initech
        )
        payment = self.unapplied_payment(31750.0, partner=initech)
        self.assertRecordValues(
            self.rows().filtered(lambda row: row.partner_id == initech),
            [  # by due date: the payment's is today, the invoice's in 30 days
                {"move_id": payment.move_id.id, "amount_residual": -31750.0, "days_overdue": 0, "bucket": "unapplied"},
                {"move_id": invoice.id, "amount_residual": 32710.0, "days_overdue": 0, "bucket": "not_due"},
            ],
        )  # fmt: skip
        # the pivot
        groups = self.aging.read_group(
            [("partner_id", "=", initech.id)], ["amount_residual:sum"], ["bucket"]
        )
        self.assertEqual(
            [(g["bucket"], g["amount_residual"]) for g in groups],
            [("not_due", 32710.0), ("unapplied", -31750.0)],
        )
        self.assertEqual(sum(g["amount_residual"] for g in groups), 960.0)
        # the report data
        data = self.data()
        (group,) = [g for g in data["groups"] if g["id"] == initech.id]
        self.assertEqual(group["amounts"], [32710.0, 0, 0, 0, 0, 0, -31750.0])
        self.assertEqual(group["total"], 960.0)
        # the report's totals: the fixture's (300 not due, -400 unapplied, 2000
        # in all) and Initech's
        self.assertEqual(data["totals"][0], 300.0 + 32710.0)
        self.assertEqual(data["totals"][6], -400.0 - 31750.0)
        self.assertEqual(data["total"], 2000.0 + 960.0)
        # the spreadsheet
        rows = self.sheet_rows(self.xlsx(self.export_wizard())["Aged Receivables"])
        self.assertEqual(rows["Customer"][0], "Not due")
        self.assertEqual(rows["Customer"][6:8], ("Unapplied credits", "Total"))
        self.assertEqual(
            rows["Initech Supplies"][:8], (32710, 0, 0, 0, 0, 0, -31750, 960)
        )

    def test_today_is_the_default_and_equals_the_stored_residual(self):
        """As of today, the rebuilt residual of every row is the residual Odoo
        stores on the journal item, and the same rows come with or without the
        context key."""
        rows = self.rows()
        self.assertEqual(self.rows(as_of=TODAY), rows)
        for row in rows:
            line = row.move_line_id
            self.assertFalse(line.reconciled)
            self.assertEqual(row.amount_residual, line.amount_residual)
            self.assertEqual(
                row.amount_residual_currency, line.amount_residual_currency
            )
            self.assertEqual(row.date_maturity, line.date_maturity)
        open_lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        self.assertEqual(rows.move_line_id, open_lines)

    def test_rows_as_of_a_past_date_hand_computed(self):
        rows = self.rows(as_of=AS_OF)
        pay_i_line = self.receivable(self.pay_i.move_id)
        self.assertRecordValues(
            rows,
            [
                {"move_id": self.inv_j.id, "amount_residual": 200.0, "days_overdue": 137, "bucket": "b5"},
                {"move_id": self.inv_f.id, "amount_residual": 500.0, "days_overdue": 76, "bucket": "b3"},
                {"move_id": self.inv_a.id, "amount_residual": 1000.0, "days_overdue": 16, "bucket": "b1"},
                {"move_id": self.inv_i.id, "amount_residual": 300.0, "days_overdue": 14, "bucket": "b1"},
                {"move_id": self.pay_i.move_id.id, "amount_residual": -300.0, "days_overdue": 10, "bucket": "unapplied"},
                {"move_id": self.inv_g.id, "amount_residual": 900.0, "days_overdue": 6, "bucket": "b1"},
                {"move_id": self.pay_h.move_id.id, "amount_residual": -120.0, "days_overdue": 5, "bucket": "unapplied"},
                {"move_id": self.inv_c.id, "amount_residual": 800.0, "days_overdue": 0, "bucket": "not_due"},
            ],
        )  # fmt: skip
        # today, I' and G are fully matched: the past is rebuilt from partials
        self.assertTrue(pay_i_line.reconciled)
        self.assertEqual(self.inv_g.payment_state, "paid")
        # 1-30: A 1000 + G 900 + I 300 = 2200; unapplied: H -120 + I' -300 = -420
        pivot = self.pivot_totals(as_of=AS_OF)
        self.assertEqual(
            pivot,
            {
                "not_due": 800,
                "b1": 2200,
                "b2": 0,
                "b3": 500,
                "b4": 0,
                "b5": 200,
                "unapplied": -420,
            },
        )
        # 3700 gross, 3280 net
        self.assertEqual(sum(pivot[b] for b in BUCKETS[:-1]), 3700)
        self.assertEqual(sum(pivot.values()), 3280)

    def reference_residuals(self, as_of):
        """{journal item: (residual, residual in currency)} of the company's
        posted receivable items dated on or before ``as_of``, rebuilt from
        scratch as balance minus the partials dated on or before ``as_of`` (the
        definition; the model adds the later partials to the stored residual);
        items at zero in both currencies left out."""
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", as_of),
            ]
        )
        result = {}
        for line in lines:
            debits = line.matched_credit_ids.filtered(lambda p: p.max_date <= as_of)
            credits = line.matched_debit_ids.filtered(lambda p: p.max_date <= as_of)
            residual = self.currency.round(
                line.balance
                - sum(debits.mapped("amount"))
                + sum(credits.mapped("amount"))
            )
            residual_currency = line.currency_id.round(
                line.amount_currency
                - sum(debits.mapped("debit_amount_currency"))
                + sum(credits.mapped("credit_amount_currency"))
            )
            if residual or residual_currency:
                result[line.id] = (residual, residual_currency)
        return result

    def test_residual_at_every_date_equals_balance_minus_partials(self):
        """The rows as of each day around every event of the ledger (and as of
        today, the fast case where no partial is later) hold exactly the
        residual rebuilt from the balance and the partials of that date."""
        partials = self.env["account.partial.reconcile"].search(
            [("company_id", "=", self.company.id)]
        )
        lines = partials.debit_move_id | partials.credit_move_id
        days = set(partials.mapped("max_date")) | set(lines.mapped("date"))
        dates = {day + timedelta(days=shift) for day in days for shift in (-1, 0)}
        dates |= {TODAY, TODAY + timedelta(days=30), date(2025, 1, 1)}
        self.assertGreater(len(dates), 20)
        for as_of in sorted(dates):
            rows = self.rows(as_of=as_of)
            self.assertEqual(
                {
                    row.move_line_id.id: (row.amount_residual, row.amount_residual_currency)
                    for row in rows
                },
                self.reference_residuals(as_of),
                f"as of {as_of}",
            )  # fmt: skip
        # today the rows are exactly the unreconciled items
        self.assertEqual(
            set(self.reference_residuals(TODAY)),
            set(
                self.rows().move_line_id.filtered(lambda line: not line.reconciled).ids
            ),
        )

    def test_payment_dated_after_today(self):
        """A payment booked today with a later date, matched with an invoice:
        as of today the invoice is fully open (its stored residual is already
        0) and the payment is not there yet; on the payment's date both are
        gone."""
        invoice = self.invoice(700.0, due=TODAY - timedelta(days=40))
        payment = self.pay(invoice, pay_date=TODAY + timedelta(days=10))
        self.assertEqual(invoice.payment_state, "paid")
        line = self.receivable(invoice)
        self.assertTrue(line.reconciled)
        rows = self.rows().filtered(
            lambda row: row.move_id in (invoice | payment.move_id)
        )
        self.assertRecordValues(
            rows,
            [{"move_id": invoice.id, "amount_residual": 700.0, "days_overdue": 40, "bucket": "b2"}],
        )  # fmt: skip
        self.assertEqual(self.pivot_totals()["b2"], 900.0 + 700.0)  # A, I + it
        later = TODAY + timedelta(days=10)
        self.assertFalse(
            self.rows(as_of=later).filtered(
                lambda row: row.move_id in (invoice | payment.move_id)
            )
        )
        data = self.data(detail=True)
        # the totals of today, 31-60 with the 700: 900 + 700 = 1600
        self.assertEqual(
            data["totals"], [300.0, 500.0, 1600.0, 0.0, 500.0, 200.0, -400.0]
        )
        self.assertEqual(data["total"], 2000.0 + 700.0)

    def test_as_of_between_two_reversals(self):
        """On 03-12, I' is reversed (03-10) but H not yet (03-15); B is dated
        02-20 and paid 03-10, A paid in part on 03-01, G paid on 03-05."""
        rows = self.rows(as_of=date(2026, 3, 12))
        by_move = {row.move_id: row.amount_residual for row in rows}
        self.assertEqual(by_move[self.pay_h.move_id], -120.0)
        self.assertNotIn(self.pay_i.move_id, by_move)
        self.assertEqual(by_move[self.inv_i], 300.0)
        self.assertEqual(by_move[self.inv_b], 300.0)
        self.assertEqual(by_move[self.inv_a], 600.0)
        self.assertNotIn(self.inv_g, by_move)
        self.assertNotIn(self.cn_d, by_move)  # dated 03-21

    def test_foreign_currency_row(self):
        row = self.rows().filtered(lambda r: r.move_id == self.inv_f)
        self.assertRecordValues(
            row,
            [
                {
                    "currency_id": self.eur.id,
                    "amount_residual": 500.0,
                    "amount_residual_currency": 1000.0,
                }
            ],
        )
        groups = self.aging.read_group(
            [("company_id", "=", self.company.id)],
            ["amount_residual_currency:sum", "amount_residual:sum"],
            ["currency_id"],
        )
        self.assertEqual(
            {g["currency_id"][0]: g["amount_residual_currency"] for g in groups},
            {self.currency.id: 1500.0, self.eur.id: 1000.0},
        )

    def test_companies_are_kept_apart(self):
        both = self.company | self.company_2
        rows = self.rows(companies=both)
        self.assertEqual(
            rows.filtered(lambda r: r.company_id == self.company_2).mapped(
                lambda r: (r.move_id, r.amount_residual, r.bucket)
            ),
            [(self.inv_k, 700.0, "b4")],
        )
        self.assertNotIn(self.inv_k, self.rows().move_id)
        # the record rule: a collector of company 1 never sees company 2
        as_collector = self.aging.with_user(self.collector).with_context(
            allowed_company_ids=self.company.ids
        )
        self.assertEqual(
            as_collector.search_count([("move_id", "=", self.inv_k.id)]), 0
        )
        self.assertEqual(
            as_collector.search_count([("move_id", "=", self.inv_a.id)]), 1
        )
        in_company_1 = self.aging.with_context(allowed_company_ids=self.company.ids)
        self.assertFalse(
            in_company_1.search_count([("company_id", "=", self.company_2.id)]),
            "company 2 is not among the allowed companies",
        )
        aging_2 = self.aging.with_context(allowed_company_ids=both.ids)
        data = aging_2._b2b_aging_report_data(TODAY, self.company_2.ids)
        # K, 95 days overdue: 91-120; no credit
        self.assertEqual(data["totals"], [0, 0, 0, 0, 700.0, 0, 0])
        self.assertEqual([g["name"] for g in data["groups"]], ["Acme Online Retail"])
        data = aging_2._b2b_aging_report_data(TODAY, both.ids)
        # company 1's totals, 91-120 with K: 500 + 700 = 1200
        self.assertEqual(
            data["totals"], [300.0, 500.0, 900.0, 0, 1200.0, 200.0, -400.0]
        )
        self.assertEqual(data["total"], 2000.0 + 700.0)
        with self.assertRaises(AccessError):
            self.aging.with_user(self.collector).with_context(
                allowed_company_ids=self.company.ids
            )._b2b_aging_report_data(TODAY, self.company_2.ids)

    # ------------------------------------------------------------ report data

    def test_report_data_by_customer_hand_computed(self):
        data = self.data()
        self.assertEqual(
            [(c["key"], c["label"]) for c in data["columns"]],
            [
                ("not_due", "Not due"),
                ("b1", "1-30"),
                ("b2", "31-60"),
                ("b3", "61-90"),
                ("b4", "91-120"),
                ("b5", "121+"),
                ("unapplied", "Unapplied credits"),
            ],
        )
        self.assertEqual(
            [(g["name"], g["amounts"], g["total"]) for g in data["groups"]],
            [
                # B | C | A + I | - | F | - | D + E
                ("Acme Online Retail", [300.0, 500.0, 900.0, 0, 500.0, 0, -400.0], 1800.0),
                ("Globex Wholesale", [0, 0, 0, 0, 0, 200.0, 0], 200.0),
            ],
        )  # fmt: skip
        self.assertEqual(data["totals"], [300.0, 500.0, 900.0, 0, 500.0, 200.0, -400.0])
        # the net balance: 2400 of debt less 400 of credits
        self.assertEqual(data["total"], 2000.0)
        self.assertEqual(data["percents"], [15.0, 25.0, 45.0, 0, 25.0, 10.0, -20.0])
        self.assertEqual(data["currencies"], [])
        self.assertEqual(data["line_count"], 0)
        # the same figures as the pivot
        self.assertEqual(data["totals"], list(self.pivot_totals().values()))

    def test_report_data_as_of_a_past_date(self):
        data = self.data(as_of=AS_OF)
        # C | A + G + I | - | F | - | J | H + I'
        self.assertEqual(data["totals"], [800.0, 2200.0, 0, 500.0, 0, 200.0, -420.0])
        self.assertEqual(data["total"], 3280.0)  # 3700 - 420
        # 800 / 3280, 2200 / 3280, 500 / 3280, 200 / 3280, -420 / 3280
        self.assertEqual(data["percents"], [24.39, 67.07, 0, 15.24, 0, 6.1, -12.8])
        self.assertEqual(data["totals"], list(self.pivot_totals(AS_OF).values()))

    def test_report_data_by_collector_and_stage(self):
        data = self.data(grouping="collector")
        self.assertEqual(
            [(g["id"], g["name"], g["total"]) for g in data["groups"]],
            [
                (self.collector.id, "Colin Collector", 1800.0),
                (False, "No collector", 200.0),
            ],
        )
        data = self.data(grouping="stage")
        self.assertEqual(
            [(g["name"], g["total"]) for g in data["groups"]],
            [("Current", 200.0), ("Final notice", 1800.0)],
        )

    def test_report_data_with_other_boundaries(self):
        """Buckets 10/20/45/150: A 60, I 58 and F 120 days in 46-150; C 15
        days in 11-20; nothing in 1-10 (D 10 and E 5 days are credits: in
        Unapplied credits whatever the boundaries); J 181 days in 151+."""
        data = self.data(bounds=[10, 20, 45, 150])
        self.assertEqual(
            [c["label"] for c in data["columns"]],
            ["Not due", "1-10", "11-20", "21-45", "46-150", "151+", "Unapplied credits"],
        )  # fmt: skip
        # B | - | C | - | A 600 + I 300 + F 500 | J | D -150 + E -250
        self.assertEqual(data["totals"], [300.0, 0, 500.0, 0, 1400.0, 200.0, -400.0])
        self.assertEqual(data["total"], 2000.0)

    def test_report_data_per_currency_with_detail(self):
        data = self.data(currency_mode="per_currency", detail=True)
        self.assertEqual(
            data["currencies"],
            [
                {
                    "id": self.eur.id,
                    "name": "EUR",
                    "amounts": [0, 0, 0, 0, 1000.0, 0, 0],  # F
                    "total": 1000.0,
                    "total_company": 500.0,
                },
                {
                    "id": self.currency.id,
                    "name": "USD",
                    # B | C | A + I | - | - | J | D + E
                    "amounts": [300.0, 500.0, 900.0, 0, 0, 200.0, -400.0],
                    "total": 1500.0,
                    "total_company": 1500.0,
                },
            ],
        )
        acme, globex = data["groups"]
        self.assertEqual(
            [
                (
                    line["move_name"],
                    line["kind"],
                    line["date_maturity"],
                    line["days_overdue"],
                    line["bucket_label"],
                    line["currency_name"],
                    line["amount_residual_currency"],
                    line["amount_residual"],
                )
                for line in acme["lines"]
            ],
            [
                (self.inv_f.name, "invoice", date(2025, 12, 1), 120, "91-120", "EUR", 1000.0, 500.0),
                (self.inv_a.name, "invoice", date(2026, 1, 30), 60, "31-60", "USD", 600.0, 600.0),
                (self.inv_i.name, "invoice", date(2026, 2, 1), 58, "31-60", "USD", 300.0, 300.0),
                (self.inv_c.name, "invoice", date(2026, 3, 16), 15, "1-30", "USD", 500.0, 500.0),
                (self.cn_d.name, "credit_note", date(2026, 3, 21), 10, "Unapplied credits", "USD", -150.0, -150.0),
                (self.pay_e.move_id.name, "payment", date(2026, 3, 26), 5, "Unapplied credits", "USD", -250.0, -250.0),
                (self.inv_b.name, "invoice", date(2026, 4, 20), 0, "Not due", "USD", 300.0, 300.0),
            ],
        )  # fmt: skip
        self.assertEqual(sum(line["amount_residual"] for line in acme["lines"]), 1800.0)
        self.assertEqual(
            [line["move_name"] for line in globex["lines"]], [self.inv_j.name]
        )
        self.assertEqual(data["line_count"], 8)

    def test_report_data_queries_do_not_grow_with_customers(self):
        """One query (the open items, summed in Python) and one read per
        model of names: the same count for 1 or 20 customers."""
        company = self.company_2
        aging = self.aging.with_context(
            allowed_company_ids=(self.company | company).ids
        )

        def count():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            for grouping in ("customer", "collector", "stage"):
                data = aging._b2b_aging_report_data(
                    TODAY, company.ids, grouping, None, "per_currency", True
                )
            return self.env.cr.sql_log_count - before, data

        count()  # warm the caches (access rules, translations)
        one, data = count()
        self.assertEqual(len(data["groups"]), 1)
        partners = self.env["res.partner"].create(
            [
                {"name": f"Shop {i:02d}", "is_company": True, "b2b_collector_id": self.collector.id}
                for i in range(19)
            ]
        )  # fmt: skip
        for partner in partners:
            self.invoice(
                100.0, due=TODAY - timedelta(days=5), partner=partner, company=company
            )
        twenty, data = count()
        self.assertEqual(data["line_count"], 20)
        self.assertEqual(twenty, one)
        self.assertLessEqual(one, 3 * 6)
        data = aging._b2b_aging_report_data(TODAY, company.ids)
        self.assertEqual(len(data["groups"]), 20)
        self.assertEqual(data["total"], 700.0 + 1900.0)

    # ---------------------------------------------------------------- exports

    def test_bad_boundaries_are_refused(self):
        for bounds in (
            (30, 30, 90, 120),
            (0, 30, 60, 90),
            (-5, 30, 60, 90),
            (60, 30, 90, 120),
        ):
            with self.subTest(bounds=bounds):
                with self.assertRaisesText(ValidationError, "strictly increasing"):
                    self.export_wizard(
                        **dict(
                            zip(
                                ("bucket_1", "bucket_2", "bucket_3", "bucket_4"), bounds
                            )
                        )
                    )
                with self.assertRaisesText(ValidationError, "strictly increasing"):
                    self.data(bounds=bounds)
        wizard = self.export_wizard()
        self.assertEqual(wizard._b2b_bounds(), (30, 60, 90, 120))
        with self.assertRaisesText(ValidationError, "30 / 20 / 90 / 120"):
            wizard.bucket_2 = 20
            wizard.flush_recordset()

    def xlsx(self, wizard):
        action = wizard.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertTrue(attachment.name.endswith(".xlsx"))
        return openpyxl.load_workbook(io.BytesIO(attachment.raw))

    @staticmethod
    def sheet_rows(sheet):
        return {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row[0]}

    def test_xlsx_equals_the_pivot(self):
        for as_of in (TODAY, AS_OF):
            with self.subTest(as_of=as_of):
                wizard = self.export_wizard(as_of=as_of)
                book = self.xlsx(wizard)
                self.assertEqual(book.sheetnames, ["Aged Receivables"])
                rows = self.sheet_rows(book["Aged Receivables"])
                pivot = self.pivot_totals(as_of=as_of)
                # the credits' column after the age buckets, its label alone
                # (no "days": it is not an age)
                self.assertEqual(
                    rows["Customer"][:8],
                    (
                        "Not due",
                        "1-30",
                        "31-60",
                        "61-90",
                        "91-120",
                        "121+",
                        "Unapplied credits",
                        "Total",
                    ),
                )
                self.assertEqual(rows["Total"][:7], tuple(pivot.values()))
                self.assertEqual(rows["Total"][7], sum(pivot.values()))
                shares = [round(v / sum(pivot.values()), 4) for v in pivot.values()]
                self.assertEqual([round(v, 4) for v in rows["% of total"][:7]], shares)
                self.assertEqual(rows["As of"][0].date(), as_of)
        # as of 02-15: C | A + G + I | - | F | - | - | H + I' = 3280 - 200 (J)
        self.assertEqual(
            rows["Acme Online Retail"][:8], (800, 2200, 0, 500, 0, 0, -420, 3080)
        )
        self.assertEqual(rows["Globex Wholesale"][:8], (0, 0, 0, 0, 0, 200, 0, 200))
        sheet = book["Aged Receivables"]
        self.assertEqual(sheet.freeze_panes, "B7")
        self.assertEqual(sheet.auto_filter.ref, "A6:I8")  # header + 2 customers
        self.assertEqual(sheet["H6"].value, "Unapplied credits")
        self.assertEqual(sheet["G8"].value, 200)  # Globex, 121+
        self.assertEqual(sheet["G8"].number_format, '"$" #,##0.00;-"$" #,##0.00;"-"')
        self.assertEqual(sheet["H7"].value, -420)  # Acme, Unapplied credits
        self.assertEqual(sheet["H7"].number_format, sheet["G8"].number_format)

    def test_xlsx_detail_and_currencies(self):
        wizard = self.export_wizard(
            currency_mode="per_currency", include_detail=True, grouping="collector"
        )
        book = self.xlsx(wizard)
        self.assertEqual(book.sheetnames, ["Aged Receivables", "Open Items"])
        rows = self.sheet_rows(book["Aged Receivables"])
        # Acme's items (collector Colin): B | C | A + I | - | F | - | D + E
        self.assertEqual(
            rows["Colin Collector"][:8], (300, 500, 900, 0, 500, 0, -400, 1800)
        )
        self.assertEqual(rows["No collector"][:8], (0, 0, 0, 0, 0, 200, 0, 200))
        self.assertEqual(
            rows["Currency"][:9],
            (
                "Not due",
                "1-30",
                "31-60",
                "61-90",
                "91-120",
                "121+",
                "Unapplied credits",
                "Total",
                "Total in USD",
            ),
        )
        self.assertEqual(rows["EUR"][:9], (0, 0, 0, 0, 1000, 0, 0, 1000, 500))
        self.assertEqual(rows["USD"][:9], (300, 500, 900, 0, 0, 200, -400, 1500, 1500))
        detail = list(book["Open Items"].iter_rows(values_only=True))
        header = detail.index(next(r for r in detail if r[0] == "Collector"))
        lines = detail[header + 1 : -1]
        self.assertEqual(len(lines), 8)
        self.assertEqual(
            lines[0][:11],
            (
                "Colin Collector",
                "Acme Online Retail",
                self.inv_f.name,
                "Invoice",
                lines[0][4],
                lines[0][5],
                120,
                "91-120",
                "EUR",
                1000,
                500,
            ),
        )
        self.assertEqual(lines[0][5].date(), date(2025, 12, 1))
        # by customer then due date: F, A, I, C, D, E, B, then Globex's J
        self.assertEqual(
            [(line[2], line[7]) for line in lines],
            [
                (self.inv_f.name, "91-120"),
                (self.inv_a.name, "31-60"),
                (self.inv_i.name, "31-60"),
                (self.inv_c.name, "1-30"),
                (self.cn_d.name, "Unapplied credits"),
                (self.pay_e.move_id.name, "Unapplied credits"),
                (self.inv_b.name, "Not due"),
                (self.inv_j.name, "121+"),
            ],
        )
        self.assertEqual(sum(line[10] for line in lines), 2000)
        self.assertEqual(detail[-1][0], "Total")
        self.assertEqual(detail[-1][10], 2000)
        sheet = book["Open Items"]
        self.assertEqual(sheet.freeze_panes, f"D{header + 2}")
        self.assertEqual(sheet.auto_filter.ref, f"A{header + 1}:K{header + 9}")

    def render_pdf_html(self, wizard):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, wizard.ids, data={"options": wizard._b2b_options()}
        )
        return lxml_html.fromstring(html.decode())

    def test_pdf_has_the_same_totals(self):
        for as_of in (TODAY, AS_OF):
            with self.subTest(as_of=as_of):
                tree = self.render_pdf_html(self.export_wizard(as_of=as_of))
                pivot = self.pivot_totals(as_of=as_of)
                for bucket, amount in pivot.items():
                    (cell,) = tree.xpath(f"//td[@name='total_{bucket}']")
                    self.assertEqual(_text(cell), self.fmt(amount))
                (cell,) = tree.xpath("//td[@name='total_all']")
                self.assertEqual(_text(cell), self.fmt(sum(pivot.values())))
        text = _text(tree)
        self.assertIn("Aged Receivables", text)
        self.assertIn("02/15/2026", text)
        (row,) = tree.xpath(f"//tr[@name='group_{self.customer.id}']")
        # Acme as of 02-15: C | A + G + I | F | H + I' | 3700 - 420 - J
        self.assertEqual(
            _text(row),
            " ".join(
                ["Acme Online Retail"]
                + [self.fmt(a) for a in (800.0, 1000.0 + 900.0 + 300.0, 500.0)]
                + [self.fmt(-120.0 - 300.0), self.fmt(3080.0)]
            ),
        )
        # the credits' column is labelled alone: it is not an age in days
        headers = [_text(th) for th in tree.xpath("//table[@name='summary']//th")]
        self.assertEqual(
            headers,
            [
                "Customer",
                "Not due",
                "1-30 days",
                "31-60 days",
                "61-90 days",
                "91-120 days",
                "121+ days",
                "Unapplied credits",
                "Total",
            ],
        )

    def test_pdf_with_detail_and_currencies(self):
        wizard = self.export_wizard(currency_mode="per_currency", include_detail=True)
        tree = self.render_pdf_html(wizard)
        (eur,) = tree.xpath("//tr[@name='currency_EUR']")
        self.assertIn(self.fmt(1000.0, self.eur), _text(eur))
        self.assertIn(self.fmt(500.0), _text(eur))
        headers = [_text(th) for th in tree.xpath("//table[@name='currencies']//th")]
        self.assertEqual(headers[6:9], ["121+ days", "Unapplied credits", "Total"])
        # USD: B | C | A + I | J | D + E | 1500 USD | 1500 USD
        (usd,) = tree.xpath("//tr[@name='currency_USD']")
        self.assertEqual(
            _text(usd),
            " ".join(
                ["USD"]
                + [self.fmt(a) for a in (300.0, 500.0, 900.0, 200.0, -400.0)]
                + [self.fmt(1500.0), self.fmt(1500.0)]
            ),
        )
        (detail,) = tree.xpath("//table[@name='detail']")
        detail_text = _text(detail)
        for move in (
            self.inv_a,
            self.inv_b,
            self.inv_c,
            self.cn_d,
            self.inv_f,
            self.inv_i,
            self.inv_j,
        ):
            self.assertIn(move.name, detail_text)
        self.assertNotIn(self.inv_g.name, detail_text)
        (row_d,) = detail.xpath(f".//tr[td[1][normalize-space()='{self.cn_d.name}']]")
        self.assertIn("Unapplied credits", _text(row_d))
        (total,) = tree.xpath(f"//tr[@name='detail_total_{self.customer.id}']")
        self.assertIn(self.fmt(1800.0), _text(total))

    def test_pdf_action(self):
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        action = self.export_wizard(as_of=AS_OF).action_print_pdf()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["data"]["options"]["as_of"], "2026-02-15")
        self.assertEqual(action["data"]["options"]["bounds"], [30, 60, 90, 120])

    def test_as_of_wizard_opens_the_aging_at_that_date(self):
        wizard = (
            self.env["b2b.collection.aging.as.of"]
            .with_context(allowed_company_ids=self.company.ids)
            .create({"as_of": AS_OF})
        )
        action = wizard.action_open()
        self.assertEqual(action["res_model"], "b2b.collection.aging")
        self.assertEqual(action["context"], {"b2b_as_of": "2026-02-15"})
        self.assertIn("02/15/2026", action["name"])
        self.assertEqual(action["domain"], [("company_id", "in", self.company.ids)])
        rows = self.aging.with_context(**action["context"]).search(action["domain"])
        self.assertEqual(sum(rows.mapped("amount_residual")), 3280.0)
