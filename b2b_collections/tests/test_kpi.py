from datetime import date

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import TODAY, B2bCollectionsCase

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)

# Every measure and ratio of the KPI model, read as the pivot reads them.
KPI_FIELDS = (
    "credit_sales",
    "cash_collected",
    "ar_start",
    "ar_end",
    "ar_overdue_end",
    "ar_over_90_end",
    "ar_current_end",
    "days_in_period",
    "dso",
    "dso_countback",
    "bpdso",
    "avg_days_delinquent",
    "cei",
    "pct_overdue",
    "pct_over_90",
    "collection_rate",
    "avg_days_to_pay",
    "promises_made",
    "promises_kept",
    "promises_broken",
    "promise_kept_rate",
    "reminders_sent",
    "calls_made",
    "disputes_opened",
    "disputes_resolved",
    "dispute_days",
    "avg_days_to_resolve",
    "delinquent_resolved",
    "target_dso",
    "target_cei",
)

# Company 1 (USD), hand-computed from the ledger of TestKpi's docstring.
EXPECTED = {
    JAN: {
        "credit_sales": 2000.0,
        "cash_collected": 600.0,
        "ar_start": 1800.0,
        "ar_end": 3200.0,
        "ar_overdue_end": 1200.0,
        "ar_over_90_end": 0.0,
        "ar_current_end": 2000.0,
        "days_in_period": 31,
        "dso": 49.6,
        "dso_countback": 69.5,
        "bpdso": 31.0,
        "avg_days_delinquent": 18.6,
        "cei": 33.3333,
        "pct_overdue": 37.5,
        "pct_over_90": 0.0,
        "collection_rate": 15.7895,
        "avg_days_to_pay": 41.0,
        "promises_made": 1,
        "promises_kept": 0,
        "promises_broken": 1,
        "promise_kept_rate": 0.0,
        "reminders_sent": 2,
        "calls_made": 1,
        "disputes_opened": 1,
        "disputes_resolved": 0,
        "dispute_days": 0,
        "avg_days_to_resolve": None,
        "delinquent_resolved": 0,
    },
    FEB: {
        "credit_sales": 700.0,
        "cash_collected": 400.0,
        "ar_start": 3200.0,
        "ar_end": 3500.0,
        "ar_overdue_end": 2300.0,
        "ar_over_90_end": 0.0,
        "ar_current_end": 1200.0,
        "days_in_period": 28,
        "dso": 140.0,
        "dso_countback": 83.8,
        "bpdso": 48.0,
        "avg_days_delinquent": 92.0,
        "cei": 14.8148,
        "pct_overdue": 65.7143,
        "pct_over_90": 0.0,
        "collection_rate": 10.2564,
        "avg_days_to_pay": 67.0,
        "promises_made": 0,
        "promises_kept": 0,
        "promises_broken": 0,
        "promise_kept_rate": None,
        "reminders_sent": 1,
        "calls_made": 1,
        "disputes_opened": 1,
        "disputes_resolved": 1,
        "dispute_days": 4,
        "avg_days_to_resolve": 4.0,
        "delinquent_resolved": 0,
    },
    MAR: {
        "credit_sales": 500.0,
        "cash_collected": 2900.0,
        "ar_start": 3500.0,
        "ar_end": 800.0,
        "ar_overdue_end": 500.0,
        "ar_over_90_end": 500.0,
        "ar_current_end": 300.0,
        "days_in_period": 31,
        "dso": 49.6,
        "dso_countback": 43.0,
        "bpdso": 18.6,
        "avg_days_delinquent": 31.0,
        "cei": 86.4865,
        "pct_overdue": 62.5,
        "pct_over_90": 62.5,
        "collection_rate": 72.5,
        "avg_days_to_pay": 39.0345,
        "promises_made": 2,
        "promises_kept": 1,
        "promises_broken": 1,
        "promise_kept_rate": 50.0,
        "reminders_sent": 1,
        "calls_made": 1,
        "disputes_opened": 1,
        "disputes_resolved": 1,
        "dispute_days": 40,
        "avg_days_to_resolve": 40.0,
        "delinquent_resolved": 1,
    },
}
EXPECTED_Q1 = {
    "credit_sales": 3200.0,
    "cash_collected": 3900.0,
    "ar_start": 1800.0,
    "ar_end": 800.0,
    "ar_overdue_end": 500.0,
    "ar_over_90_end": 500.0,
    "ar_current_end": 300.0,
    "days_in_period": 90,
    "dso": 22.5,
    "dso_countback": 43.0,
    "bpdso": 8.4375,
    "avg_days_delinquent": 14.0625,
    "cei": 89.3617,
    "pct_overdue": 62.5,
    "pct_over_90": 62.5,
    "collection_rate": 78.0,
    "avg_days_to_pay": 42.2051,
    "promises_made": 3,
    "promises_kept": 1,
    "promises_broken": 2,
    "promise_kept_rate": 33.3333,
    "reminders_sent": 4,
    "calls_made": 3,
    "disputes_opened": 3,
    "disputes_resolved": 2,
    "dispute_days": 44,
    "avg_days_to_resolve": 22.0,
    "delinquent_resolved": 1,
    "target_dso": 45.0,
    "target_cei": 80.0,
}


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestKpi(B2bCollectionsCase):
    """KPIs on a hand-computed ledger, today 2026-03-31 (company currency USD;
    1 USD = 2 EUR). Acme's collector is Colin; Beta has none, so the company's
    default collector, Mia, works it.

    ===== ======== ====================================== ======= ==========
    who   date     item                                   amount  due
    ===== ======== ====================================== ======= ==========
    Beta  11-01-25 INV0 invoice                              800  12-01-25
    Acme  12-10-25 INV1 invoice                             1000  01-09-26
    Acme  01-15-26 INV2 invoice                             2000  02-14-26
    Acme  01-20-26 P1 pays 600 of INV1 (41 days)            -600
    Acme  02-05-26 CN1 credit note applied to INV2          -500
    Beta  02-10-26 INV4 invoice                             1200  03-12-26
    Acme  02-15-26 P2 pays the last 400 of INV1 (67 days)   -400
    Acme  03-02-26 INV5 invoice EUR 1000 = USD 500           500  04-01-26
    Beta  03-05-26 P4 pays INV4 before its due date (23 d) -1200
    Acme  03-10-26 P3 pays the last 1500 of INV2 (54 days) -1500
    Beta  03-20-26 P5 payment left unapplied                -300
    Acme  03-25-26 P6 pays EUR 400 = USD 200 of INV5 (23 d) -200
    ===== ======== ====================================== ======= ==========

    Month-end balances (overdue: due before the month end, less unapplied
    credits; over 90: more than 90 days past due):

    ====== ====== ======= ======= ======= ===== ========== =========
    month  sales  cash    AR end  overdue >90   current    AR start
    ====== ====== ======= ======= ======= ===== ========== =========
    Dec    1000   0       1800    800     0     1000       800
    Jan    2000   600     3200    1200    0     2000       1800
    Feb    700    400     3500    2300    0     1200       3200
    Mar    500    2900    800     500     500   300        3500
    Q1     3200   3900    800     500     500   300        1800
    ====== ====== ======= ======= ======= ===== ========== =========

    Feb: INV0 is 89 days late (not over 90), INV2 has 1500 left, INV4 is not
    due. Mar: INV0 is 120 days late, 800 - 300 unapplied = 500 overdue and
    over 90; INV5 has 300 left, not due.

    ===================== ========== ========== ========== ============
    KPI                   Jan (31 d) Feb (28 d) Mar (31 d) Q1 (90 d)
    ===================== ========== ========== ========== ============
    DSO = AR/sales x d    49.6       140        49.6       22.5
    countback DSO         69.5       83.8       43         43
    BPDSO = cur/sales x d 31         48         18.6       8.4375
    ADD = DSO - BPDSO     18.6       92         31         14.0625
    CEI                   33.33      14.81      86.49      89.36
    % overdue             37.5       65.71      62.5       62.5
    % over 90             0          0          62.5       62.5
    collection rate       15.79      10.26      72.5       78
    avg days to pay       41         67         39.03      42.21
    ===================== ========== ========== ========== ============

    - countback Jan: 2000 of Jan (31 d) + 1000 of Dec (31 d) + 200/800 of Nov
      (30 d) = 69.5; Feb: 700 (28) + 2000 (31) + 800/1000 x 31 = 83.8; Mar
      and Q1: 500 (31) + 300/700 x 28 = 43.
    - CEI Jan = (1800 + 2000 - 3200) / (1800 + 2000 - 2000) = 600/1800; Feb =
      400/2700; Mar = 3200/3700; Q1 = (1800 + 3200 - 800) / (1800 + 3200 -
      300) = 4200/4700.
    - collection rate Q1 = 3900 / (1800 + 3200) = 78 %.
    - days to pay Mar = (1500 x 54 + 1200 x 23 + 200 x 23) / 2900 =
      113200/2900; Q1 = (600 x 41 + 400 x 67 + 113200) / 3900 = 164600/3900.
    - promises (by promised date): Beta Jan 25 broken; Acme Mar 10 kept, Beta
      Mar 15 broken: Jan 0 %, Mar 50 %, Q1 1/3.
    - reminders: Jan Acme + Beta, Feb Beta, Mar Beta; outbound calls: the
      three promise calls (an inbound call of Acme on Mar 3 does not count).
    - disputes: Beta opened Jan 20, resolved Mar 1 (40 days); Acme opened Feb
      1, resolved Feb 5 (4 days); Beta opened Mar 20, open. Q1: 44/2 = 22.
    - delinquent accounts resolved: Acme in March (1500 overdue at the end of
      Feb, 0 at the end of Mar).
    - company 2 (USD): Acme invoice of 700 on 02-01-26, due 03-03-26, unpaid.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.b2b_default_collector_id = cls.manager
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        cls.beta = cls.env["res.partner"].create(
            {"name": "Beta Boutique", "is_company": True}
        )
        acme, beta = cls.customer, cls.beta
        cls.inv0 = cls.invoice(
            800.0, due=date(2025, 12, 1), partner=beta, invoice_date=date(2025, 11, 1)
        )
        cls.inv1 = cls.invoice(
            1000.0, due=date(2026, 1, 9), invoice_date=date(2025, 12, 10)
        )
        cls.inv2 = cls.invoice(
            2000.0, due=date(2026, 2, 14), invoice_date=date(2026, 1, 15)
        )
        cls.pay(cls.inv1, amount=600.0, pay_date=date(2026, 1, 20))
        cls.cn1 = cls.invoice(
            500.0,
            due=date(2026, 2, 5),
            invoice_date=date(2026, 2, 5),
            move_type="out_refund",
        )
        (cls.cn1 | cls.inv2).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        cls.inv4 = cls.invoice(
            1200.0, due=date(2026, 3, 12), partner=beta, invoice_date=date(2026, 2, 10)
        )
        cls.pay(cls.inv1, pay_date=date(2026, 2, 15))
        cls.inv5 = cls.invoice(
            1000.0,
            due=date(2026, 4, 1),
            invoice_date=date(2026, 3, 2),
            currency=cls.eur,
        )
        cls.pay(cls.inv4, pay_date=date(2026, 3, 5))
        cls.pay(cls.inv2, pay_date=date(2026, 3, 10))
        cls.unapplied_payment(300.0, partner=beta, pay_date=date(2026, 3, 20))
        cls.pay(cls.inv5, amount=400.0, pay_date=date(2026, 3, 25), currency=cls.eur)

        # history, as the engine recorded it (authors, dates, promise outcomes)
        note = cls.env["b2b.collection.note"].sudo()
        promises = note.create(
            [
                {
                    "partner_id": beta.id,
                    "user_id": cls.manager.id,
                    "date": "2026-01-10 10:00:00",
                    "outcome": "promised",
                    "promise_date": "2026-01-25",
                    "promise_amount": 800.0,
                },
                {
                    "partner_id": acme.id,
                    "user_id": cls.collector.id,
                    "date": "2026-02-20 10:00:00",
                    "outcome": "promised",
                    "promise_date": "2026-03-10",
                    "promise_amount": 1500.0,
                },
                {
                    "partner_id": beta.id,
                    "user_id": cls.manager.id,
                    "date": "2026-03-01 10:00:00",
                    "outcome": "promised",
                    "promise_date": "2026-03-15",
                    "promise_amount": 1500.0,
                },
            ]
        )
        for promise, state in zip(promises, ("broken", "kept", "broken"), strict=True):
            promise.promise_state = state
        note.create(
            {
                "partner_id": acme.id,
                "user_id": cls.collector.id,
                "date": "2026-03-03 10:00:00",
                "direction": "inbound",
                "outcome": "reached",
            }
        )
        # reminders sent: counted when the reminder addon is installed
        # (assertFigures expects none without it)
        if "b2b.collection.contact" in cls.env:
            cls.env["b2b.collection.contact"].sudo().create(
                [
                    {
                        "company_id": cls.company.id,
                        "partner_id": partner.id,
                        "collector_id": collector.id,
                        "date": day,
                    }
                    for partner, collector, day in (
                        (acme, cls.collector, "2026-01-12 09:00:00"),
                        (beta, cls.manager, "2026-01-12 09:00:00"),
                        (beta, cls.manager, "2026-02-16 09:00:00"),
                        (beta, cls.manager, "2026-03-16 09:00:00"),
                    )
                ]
            )
        dispute = cls.env["b2b.collection.dispute"].sudo()  # history
        d1, d2, _d3 = dispute.create(
            [
                {
                    "partner_id": beta.id,
                    "move_ids": [Command.set(cls.inv0.ids)],
                    "reason": "Wrong quantity",
                    "date_open": "2026-01-20",
                },
                {
                    "partner_id": acme.id,
                    "move_ids": [Command.set(cls.inv2.ids)],
                    "reason": "Damaged goods",
                    "date_open": "2026-02-01",
                },
                {
                    "partner_id": beta.id,
                    "move_ids": [Command.set(cls.inv0.ids)],
                    "reason": "Price",
                    "date_open": "2026-03-20",
                },
            ]
        )
        d1.write({"state": "resolved", "date_resolved": "2026-03-01"})
        d2.write({"state": "resolved", "date_resolved": "2026-02-05"})

        cls.company_2 = cls.setup_other_company(name="KPI Co 2")["company"]
        cls.invoice(
            700.0,
            due=date(2026, 3, 3),
            invoice_date=date(2026, 2, 1),
            company=cls.company_2,
        )
        cls.kpi = cls.env["b2b.collection.kpi"].with_context(
            allowed_company_ids=(cls.company | cls.company_2).ids
        )

    # ------------------------------------------------------------------ helpers

    def read_kpis(self, groupby, domain=None, fields=KPI_FIELDS, model=None):
        """The KPIs of each group, as {group key: {field: value}}."""
        model = self.kpi if model is None else model
        domain = domain or [
            ("company_id", "=", self.company.id),
            ("date", ">=", "2026-01-01"),
        ]
        aggregates = [f"{fname}:sum" for fname in fields]
        return {
            tuple(row[: len(groupby)]): dict(
                zip(fields, row[len(groupby) :], strict=True)
            )
            for row in model._read_group(domain, groupby, aggregates)
        }

    def assertFigures(self, actual, expected, label):
        if "b2b.collection.contact" not in self.env:
            # the base alone sends no reminder: the calls are all the contacts
            expected = dict(expected)
            sent = expected.get("reminders_sent") or 0
            if "contacts_made" in expected:
                expected["contacts_made"] -= sent
            if "reminders_sent" in expected:
                expected["reminders_sent"] = 0
        for fname, value in expected.items():
            with self.subTest(group=label, field=fname):
                if value is None:  # undefined: the ORM's empty aggregate
                    self.assertIs(actual[fname], False)
                else:
                    self.assertAlmostEqual(actual[fname], value, places=3)

    # -------------------------------------------------------------------- tests

    def test_company_by_month(self):
        figures = self.read_kpis(["date:month"])
        self.assertEqual(sorted(figures), [(JAN,), (FEB,), (MAR,)])
        for month, expected in EXPECTED.items():
            self.assertFigures(figures[month,], expected, month)

    def test_quarter_is_a_ratio_of_sums(self):
        (quarter,) = self.read_kpis(["date:quarter"]).values()
        self.assertFigures(quarter, EXPECTED_Q1, "Q1")
        # not the sum nor the average of the monthly ratios
        monthly_dso = [EXPECTED[month]["dso"] for month in (JAN, FEB, MAR)]
        self.assertNotAlmostEqual(quarter["dso"], sum(monthly_dso), places=1)
        self.assertNotAlmostEqual(quarter["dso"], sum(monthly_dso) / 3, places=1)
        # no date grouping: the period is the domain's months, the same as Q1
        (whole,) = self.read_kpis([]).values()
        self.assertFigures(whole, EXPECTED_Q1, "Jan-Mar")

    def test_pivot_reads_the_same_figures(self):
        """The web client's read_group (pivot, graph, grouped list)."""
        groups = self.kpi.read_group(
            [("company_id", "=", self.company.id), ("date", ">=", "2026-01-01")],
            ["dso:avg", "cei:avg", "ar_end:sum", "days_in_period:max"],
            ["date:quarter"],
            lazy=False,
        )
        self.assertEqual(len(groups), 1)
        self.assertAlmostEqual(groups[0]["dso"], 22.5)
        self.assertAlmostEqual(groups[0]["cei"], 89.3617, places=3)
        self.assertEqual(groups[0]["ar_end"], 800.0)
        self.assertEqual(groups[0]["days_in_period"], 90)
        months = self.kpi.read_group(
            [("company_id", "=", self.company.id), ("date", ">=", "2026-01-01")],
            ["dso"],
            ["date:month"],
        )
        self.assertEqual([group["dso"] for group in months], [49.6, 140.0, 49.6])

    def test_every_read_path_gives_the_same_figures(self):
        """Groups read month by month in one query, or (ordered by an
        aggregate, limited) read first then completed by month."""
        domain = [("company_id", "=", self.company.id), ("date", ">=", "2026-01-01")]
        specs = [f"{fname}:sum" for fname in KPI_FIELDS]
        by_month = self.kpi._read_group(domain, ["date:month"], specs)
        ordered = self.kpi._read_group(
            domain, ["date:month"], specs, order="credit_sales:sum desc"
        )
        self.assertEqual([row[0] for row in ordered], [JAN, FEB, MAR])
        self.assertEqual(sorted(ordered), sorted(by_month))
        limited = self.kpi._read_group(domain, ["date:quarter"], specs, limit=1)
        self.assertFigures(
            dict(zip(KPI_FIELDS, limited[0][1:], strict=True)), EXPECTED_Q1, "limit"
        )
        # averages do not combine across months: read the groups first
        (row,) = self.kpi._read_group(
            domain, [], ["dso:sum", "credit_sales:avg", "ar_end:sum"]
        )
        self.assertEqual(row[0], 22.5)
        self.assertEqual(row[2], 800.0)

    def test_rows_per_customer(self):
        rows = self.kpi.search(
            [("company_id", "=", self.company.id), ("date", ">=", "2026-02-01")],
            order="date, partner_id",
        )
        self.assertRecordValues(
            rows.sorted(lambda r: (r.date, r.partner_id.name)),
            [
                {
                    "date": FEB,
                    "partner_id": self.customer.id,
                    "collector_id": self.collector.id,
                    "credit_sales": -500.0,
                    "cash_collected": 400.0,
                    "ar_start": 2400.0,
                    "ar_end": 1500.0,
                    "ar_overdue_end": 1500.0,
                    "ar_current_end": 0.0,
                    "dso": 0.0,  # no sales (a credit note): undefined
                    "delinquent_resolved": 0,
                    "days_in_period": 28,
                },
                {
                    "date": FEB,
                    "partner_id": self.beta.id,
                    "collector_id": self.manager.id,
                    "credit_sales": 1200.0,
                    "cash_collected": 0.0,
                    "ar_start": 800.0,
                    "ar_end": 2000.0,
                    "ar_overdue_end": 800.0,
                    "ar_current_end": 1200.0,
                    "dso": 2000.0 / 1200.0 * 28,
                    "delinquent_resolved": 0,
                    "days_in_period": 28,
                },
                {
                    "date": MAR,
                    "partner_id": self.customer.id,
                    "collector_id": self.collector.id,
                    "credit_sales": 500.0,
                    "cash_collected": 1700.0,
                    "ar_start": 1500.0,
                    "ar_end": 300.0,
                    "ar_overdue_end": 0.0,
                    "ar_current_end": 300.0,
                    "dso": 18.6,
                    "delinquent_resolved": 1,
                    "days_in_period": 31,
                },
                {
                    "date": MAR,
                    "partner_id": self.beta.id,
                    "collector_id": self.manager.id,
                    "credit_sales": 0.0,
                    "cash_collected": 1200.0,
                    "ar_start": 2000.0,
                    "ar_end": 500.0,
                    "ar_overdue_end": 500.0,
                    "ar_current_end": 0.0,
                    "dso": 0.0,
                    "delinquent_resolved": 0,
                    "days_in_period": 31,
                },
            ],
        )

    def test_row_and_group_use_the_same_formulas(self):
        """A group of one row gives the row's own SQL figures, countback
        included."""
        row = self.kpi.search(
            [("partner_id", "=", self.beta.id), ("date", "=", "2026-02-01")]
        )
        figures = self.read_kpis(
            ["partner_id", "date:month"],
            [("partner_id", "=", self.beta.id), ("date", "=", "2026-02-01")],
        )[self.beta, FEB]
        # Beta, Feb: AR 2000 = 1200 of Feb (28 d) + 800/800 of Nov (30 d),
        # through Jan and Dec without sales (31 + 31 d)
        self.assertAlmostEqual(row.dso_countback, 28 + 31 + 31 + 30)
        for fname in ("dso", "dso_countback", "bpdso", "cei", "pct_overdue"):
            self.assertAlmostEqual(figures[fname], row[fname], msg=fname)

    def test_customers_and_collectors(self):
        by_customer = self.read_kpis(["partner_id"])
        acme, beta = by_customer[self.customer,], by_customer[self.beta,]
        self.assertFigures(
            acme,
            {
                "credit_sales": 2000.0,
                "cash_collected": 2700.0,
                "ar_start": 1000.0,
                "ar_end": 300.0,
                "delinquent_resolved": 1,
                "dso": 300 / 2000 * 90,
            },
            "Acme",
        )
        self.assertFigures(
            beta,
            {"credit_sales": 1200.0, "ar_start": 800.0, "ar_end": 500.0},
            "Beta",
        )
        by_collector = self.read_kpis(["collector_id"])
        self.assertEqual(
            by_collector[self.collector,]["cash_collected"], acme["cash_collected"]
        )
        self.assertEqual(by_collector[self.manager,]["ar_end"], 500.0)

    def test_companies_are_kept_apart(self):
        domain = [("date", ">=", "2026-02-01")]
        by_company = self.read_kpis(["company_id", "date:month"], domain)
        self.assertFigures(
            by_company[self.company_2, FEB],
            {
                "credit_sales": 700.0,
                "ar_end": 700.0,
                "ar_overdue_end": 0.0,
                "dso": 28.0,
            },
            "company 2 Feb",
        )
        self.assertFigures(
            by_company[self.company_2, MAR],
            {"ar_start": 700.0, "ar_end": 700.0, "ar_overdue_end": 700.0},
            "company 2 Mar",
        )
        for month in (FEB, MAR):
            self.assertFigures(
                by_company[self.company, month], EXPECTED[month], f"company 1 {month}"
            )
        # a user of company 1 only does not see company 2
        only_1 = self.env["b2b.collection.kpi"].with_context(
            allowed_company_ids=self.company.ids
        )
        self.assertFalse(only_1.search([("company_id", "=", self.company_2.id)]))

    def test_mixed_currencies_leave_ratios_empty(self):
        company_eur = self.setup_other_company(
            name="KPI Co EUR", currency_id=self.eur.id
        )["company"]
        self.invoice(
            900.0,
            due=date(2026, 4, 10),
            invoice_date=date(2026, 3, 10),
            company=company_eur,
        )
        kpi = self.kpi.with_context(
            allowed_company_ids=(self.company | company_eur).ids
        )
        domain = [("date", "=", "2026-03-01")]
        by_company = self.read_kpis(["company_id"], domain, model=kpi)
        self.assertAlmostEqual(by_company[company_eur,]["dso"], 31.0)
        self.assertAlmostEqual(by_company[self.company,]["dso"], 49.6)
        (both,) = self.read_kpis([], domain, model=kpi).values()
        self.assertIs(both["dso"], False)
        self.assertIs(both["cei"], False)
        self.assertIs(both["target_dso"], False)

    def test_targets_from_the_settings(self):
        settings = Form(self.env["res.config.settings"])
        settings.b2b_target_dso = 30.0
        settings.b2b_target_cei = 85.0
        settings.save().execute()
        self.assertRecordValues(
            self.company, [{"b2b_target_dso": 30.0, "b2b_target_cei": 85.0}]
        )
        figures = self.read_kpis(["date:month"])
        self.assertEqual(figures[MAR,]["target_dso"], 30.0)
        self.assertEqual(figures[MAR,]["target_cei"], 85.0)
        # companies with different targets: no common target
        self.company_2.b2b_target_dso = 60.0
        (both,) = self.read_kpis([], [("date", "=", "2026-03-01")]).values()
        self.assertIs(both["target_dso"], False)
        with self.assertRaises(ValidationError):
            self.company.b2b_target_cei = 120.0

    def test_collector_performance(self):
        collector_kpi = self.env["b2b.collection.collector.kpi"].with_context(
            allowed_company_ids=self.company.ids
        )
        measures = (
            "cash_collected",
            "accounts_resolved",
            "reminders_sent",
            "calls_made",
            "contacts_made",
            "promises_made",
            "promise_kept_rate",
            "avg_days_to_pay",
        )
        figures = self.read_kpis(["collector_id"], fields=measures, model=collector_kpi)
        self.assertFigures(
            figures[self.collector,],
            {
                "cash_collected": 2700.0,
                "accounts_resolved": 1,
                "reminders_sent": 1,
                "calls_made": 1,
                "contacts_made": 2,
                "promises_made": 1,
                "promise_kept_rate": 100.0,
                # (600 x 41 + 400 x 67 + 1500 x 54 + 200 x 23) / 2700
                "avg_days_to_pay": 137000 / 2700,
            },
            "Colin",
        )
        self.assertFigures(
            figures[self.manager,],
            {
                "cash_collected": 1200.0,
                "accounts_resolved": 0,
                "reminders_sent": 3,
                "calls_made": 2,
                "contacts_made": 5,
                "promises_made": 2,
                "promise_kept_rate": 0.0,
                "avg_days_to_pay": 23.0,
            },
            "Mia",
        )
        by_month = self.read_kpis(
            ["collector_id", "date:month"], fields=measures, model=collector_kpi
        )
        self.assertEqual(by_month[self.collector, MAR]["cash_collected"], 1700.0)
        self.assertEqual(by_month[self.collector, MAR]["accounts_resolved"], 1)

    def test_access(self):
        """Collectors read the KPIs of their companies; collector performance
        is for managers."""
        as_collector = self.env["b2b.collection.kpi"].with_user(self.collector)
        (quarter,) = self.read_kpis(["date:quarter"], model=as_collector).values()
        self.assertEqual(quarter["dso"], 22.5)
        self.assertFalse(as_collector.search([("company_id", "=", self.company_2.id)]))
        with self.assertRaises(AccessError):
            self.env["b2b.collection.collector.kpi"].with_user(self.collector).search(
                []
            )
        self.assertTrue(
            self.env["b2b.collection.collector.kpi"].with_user(self.manager).search([])
        )

    def test_queries_do_not_grow_with_customers(self):
        def count_queries():
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            self.read_kpis(["date:quarter", "collector_id"])
            return self.env.cr.sql_log_count - before

        count_queries()  # warm the caches (access rules...)
        few = count_queries()
        # one query for the groups month by month, one for the sales history
        # of the countback DSO (the domain restricts the months)
        self.assertEqual(few, 2)
        shops = self.env["res.partner"].create(
            [{"name": f"Shop {i}", "is_company": True} for i in range(10)]
        )
        for shop in shops:
            move = self.invoice(100.0, due=date(2026, 2, 1), partner=shop)
            self.pay(move, pay_date=date(2026, 2, 20))
        self.assertEqual(count_queries(), few)
        (quarter,) = self.read_kpis(["date:quarter"]).values()
        self.assertEqual(quarter["cash_collected"], 3900.0 + 1000.0)

    def test_summary_pdf(self):
        wizard = (
            self.env["b2b.collection.kpi.summary.wizard"]
            .with_context(allowed_company_ids=self.company.ids)
            .create(
                {
                    "date_from": "2026-01-15",
                    "date_to": "2026-03-31",
                    "company_ids": [Command.set(self.company.ids)],
                }
            )
        )
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        action = wizard.action_print()
        self.assertEqual(
            action["report_name"], "b2b_collections.report_b2b_kpi_summary"
        )
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "b2b_collections.action_report_b2b_kpi_summary", wizard.ids
        )
        tree = lxml_html.fromstring(content)

        def cell(name):
            (element,) = tree.xpath(f"//*[@name='{name}']")
            return " ".join(element.text_content().split())

        self.assertEqual(cell("actual_dso"), "22.5")
        self.assertIn("45.0", cell("goal_dso"))
        self.assertEqual(cell("status_dso"), "On target")
        self.assertEqual(cell("actual_cei"), "89.4")
        self.assertEqual(cell("status_cei"), "On target")
        self.assertEqual(cell("actual_pct_overdue"), "62.5")
        self.assertEqual(cell("status_pct_overdue"), "Off target")
        self.assertEqual(cell("collection_rate"), "78.0 %")
        self.assertEqual(cell("promises"), "3 / 1 / 2")
        trend = tree.xpath("//tr[starts-with(@name, 'month_')]")
        self.assertEqual(
            [row.get("name") for row in trend],
            ["month_2026-01", "month_2026-02", "month_2026-03"],
        )
        self.assertEqual(
            " ".join(
                trend[1].xpath(".//td[@name='trend_dso']")[0].text_content().split()
            ),
            "140.0",
        )
        with self.assertRaises(ValidationError):
            wizard.date_from = "2026-04-01"
