from datetime import timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAging(B2bCollectionsCase):
    def test_days_overdue_and_bucket_at_each_boundary(self):
        # days overdue -> bucket with the default boundaries 30/60/90/120
        expected = {
            -5: "not_due",
            0: "not_due",
            1: "b1",
            30: "b1",
            31: "b2",
            60: "b2",
            61: "b3",
            90: "b3",
            91: "b4",
            120: "b4",
            121: "b5",
            400: "b5",
        }
        moves = self.env["account.move"]
        for days in expected:
            moves |= self.invoice(100.0, due=TODAY - timedelta(days=days))
        self.assertRecordValues(
            moves,
            [
                {"b2b_days_overdue": max(days, 0), "b2b_aging_bucket": bucket}
                for days, bucket in expected.items()
            ],
        )

    def test_partial_payment_keeps_age_full_payment_clears_it(self):
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=45))
        self.pay(invoice, amount=400.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertRecordValues(
            invoice,
            [
                {
                    "amount_residual": 600.0,
                    "b2b_days_overdue": 45,
                    "b2b_aging_bucket": "b2",
                }
            ],
        )
        self.pay(invoice)
        self.assertRecordValues(
            invoice, [{"b2b_days_overdue": 0, "b2b_aging_bucket": False}]
        )

    def test_oldest_unpaid_instalment_drives_the_age(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 30}
                    ),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": TODAY - timedelta(days=40),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
                            "price_unit": 1000.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        # first instalment due 40 days ago, second 10 days ago
        self.assertEqual(invoice.b2b_days_overdue, 40)
        # paying 500 reconciles the oldest instalment first
        self.pay(invoice, amount=500.0)
        self.assertEqual(invoice.b2b_days_overdue, 10)
        self.assertEqual(invoice.b2b_aging_bucket, "b1")

    def test_credit_notes_and_drafts_have_no_age(self):
        refund = self.invoice(
            200.0, due=TODAY - timedelta(days=50), move_type="out_refund"
        )
        draft = self.invoice(300.0, due=TODAY - timedelta(days=50), post=False)
        self.assertRecordValues(
            refund | draft,
            [
                {"b2b_days_overdue": 0, "b2b_aging_bucket": False},
                {"b2b_days_overdue": 0, "b2b_aging_bucket": False},
            ],
        )

    def test_nightly_refresh_moves_invoices_with_the_calendar(self):
        fresh = self.invoice(100.0, due=TODAY)
        old = self.invoice(100.0, due=TODAY - timedelta(days=100))
        paid = self.invoice(100.0, due=TODAY - timedelta(days=100))
        self.pay(paid)
        with freeze_time(TODAY + timedelta(days=45)):
            changed = self.env["account.move"]._b2b_refresh_aging()
            self.assertGreaterEqual(changed, 2)
            self.assertRecordValues(
                fresh | old | paid,
                [
                    {"b2b_days_overdue": 45, "b2b_aging_bucket": "b2"},
                    {"b2b_days_overdue": 145, "b2b_aging_bucket": "b5"},
                    {"b2b_days_overdue": 0, "b2b_aging_bucket": False},
                ],
            )
            # The SQL refresh and the ORM compute agree.
            fresh.sudo()._compute_b2b_aging()  # computed fields: the engine's
            self.assertEqual(fresh.b2b_days_overdue, 45)
            # Nothing left to change: a re-run writes nothing.
            self.assertEqual(self.env["account.move"]._b2b_refresh_aging(), 0)

    def test_cron_refreshes(self):
        invoice = self.invoice(100.0, due=TODAY)
        cron = self.env.ref("b2b_collections.ir_cron_b2b_refresh_aging")
        with freeze_time(TODAY + timedelta(days=3)):
            cron.method_direct_trigger()
            self.assertEqual(invoice.b2b_days_overdue, 3)
            self.assertEqual(invoice.b2b_aging_bucket, "b1")

    def test_bucket_labels_follow_the_company_boundaries(self):
        self.company.write(
            {
                "b2b_aging_bucket_1": 15,
                "b2b_aging_bucket_2": 45,
                "b2b_aging_bucket_3": 75,
                "b2b_aging_bucket_4": 180,
            }
        )
        labels = dict(self.env["account.move"]._selection_b2b_aging_bucket())
        self.assertEqual(
            labels,
            {
                "not_due": "Not due",
                "b1": "1-15",
                "b2": "16-45",
                "b3": "46-75",
                "b4": "76-180",
                "b5": "181+",
            },
        )

    def test_sql_and_python_buckets_agree_at_each_boundary(self):
        """``_b2b_sql_bucket_for`` (the refresh, the aging analysis) and its
        Python twin ``_b2b_bucket_for`` (the statement, the ORM compute) give
        the same bucket on each side of every boundary, with the boundaries
        read from the company row as well as given as numbers."""
        move_model = self.env["account.move"]
        self.company.write(
            {
                "b2b_aging_bucket_1": 15,
                "b2b_aging_bucket_2": 45,
                "b2b_aging_bucket_3": 75,
                "b2b_aging_bucket_4": 180,
            }
        )
        self.company.flush_recordset()
        for bounds in ((30, 60, 90, 120), self.company._b2b_aging_bounds()):
            days = [-1, 0, 1, *(d + i for d in bounds for i in (0, 1)), 3650]
            expected = [move_model._b2b_bucket_for(d, bounds) for d in days]
            column = SQL("d.days")
            rows = self.env.execute_query(
                SQL(
                    "SELECT %s, %s FROM unnest(%s::int[]) WITH ORDINALITY AS d(days, n)"
                    " JOIN res_company c ON c.id = %s ORDER BY d.n",
                    move_model._b2b_sql_bucket_for(column, bounds),
                    move_model._b2b_sql_bucket_for(
                        column, self.env["res.company"]._b2b_sql_aging_bounds("c")
                    ),
                    days,
                    self.company.id,
                )
            )
            self.assertEqual([row[0] for row in rows], expected, bounds)
            if bounds == self.company._b2b_aging_bounds():
                self.assertEqual([row[1] for row in rows], expected, bounds)
        self.assertEqual(
            [move_model._b2b_bucket_for(d, (15, 45, 75, 180)) for d in (15, 16, 181)],
            ["b1", "b2", "b5"],
        )
