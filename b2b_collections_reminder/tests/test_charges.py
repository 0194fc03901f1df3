from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.b2b_collections.tests.common import TODAY

from .test_reminders import B2bRemindersCase


class ChargesCase(B2bRemindersCase):
    """The reminder ladder of B2bRemindersCase (First 7, Second 21, Final 45,
    Pre-agency 75 days), no reference rate but those a test records, EUR at
    0.8 per USD from TODAY (2.0 before)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Charge = cls.env["b2b.collection.charge"]
        cls.Rate = cls.env["b2b.collection.reference.rate"]
        cls.Rate.search([]).unlink()  # the demo's ECB rates
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[("2016-01-01", 2.0), (TODAY, 0.8)]
        )
        cls.Run = cls.Run.with_context(b2b_collections_no_pdf=True)

    def run_on(self, day=TODAY):
        with freeze_time(day):
            run = self.Run.create(
                {
                    "company_id": self.company.id,
                    "date": day,
                    "trigger": "manual",
                    "with_statement": False,
                }
            )
            run._b2b_execute()
        return run

    def charge_at_payment(self, day):
        with freeze_time(day):
            # the scheduled action runs as superuser
            return self.Charge.sudo()._cron_b2b_charge_at_payment()

    def statutory(self, level, compensation=0.0, currency=None):
        level.write(
            {
                "interest_mode": "eu_statutory",
                "interest_margin": 8.0,
                "compensation_fixed": compensation,
                "compensation_currency_id": (currency or self.eur).id,
                "reference_currency_id": self.eur.id,
            }
        )

    def annual(self, level, rate, **values):
        level.write({"interest_mode": "annual", "interest_rate": rate, **values})

    def prices(self, move):
        return sorted(move.invoice_line_ids.mapped("price_unit"))


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestReminderCharges(ChargesCase):
    def test_fee_and_interest_on_the_overdue_instalment_only(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 60 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 60}
                    ),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": TODAY - timedelta(days=32),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
                            "quantity": 1,
                            "price_unit": 2000.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.annual(
            self.levels["Second"], 9.5, fee_fixed=15.0, fee_percent=2.5
        )  # 32 days overdue: Second (21 days) is due
        run = self.run_on()
        fee = run.contact_ids.fee_move_id
        # 1,000 due 32 days ago, 1,000 due in 28 days (not overdue):
        # fee 15 + 2.5 % x 1,000 = 40.00 (not 15 + 2.5 % x 2,000 = 65.00)
        # interest 1,000 x 9.5 % x 32 / 365 = 8.3288 -> 8.33 (not 16.66)
        self.assertEqual(self.prices(fee), [8.33, 40.0])
        self.assertTrue(fee.b2b_is_charge_invoice)
        self.assertRecordValues(
            invoice.b2b_charge_ids,
            [
                {
                    "kind": "reminder",
                    "state": "charged",
                    "date_from": TODAY - timedelta(days=31),
                    "date_to": TODAY,
                    "interest_days": 32,
                    "interest_amount": 8.33,
                    "compensation_amount": 0.0,
                    "rates": "9.50 %",
                    "charge_move_id": fee.id,
                    "contact_id": run.contact_ids.id,
                }
            ],
        )
        self.assertRecordValues(
            run.contact_ids.line_ids,
            [{"interest_amount": 8.33, "interest_days": 32}],
        )

    def test_partial_payment_lowers_only_the_days_after_it(self):
        invoice = self.invoice(2000.0, due=TODAY - timedelta(days=32))
        # day 20 of the delay
        self.pay(invoice, amount=1200.0, pay_date=TODAY - timedelta(days=12))
        self.annual(self.levels["Second"], 9.5)
        run = self.run_on()
        # days 1-20 on 2,000: 2,000 x 9.5 % x 20 / 365 = 10.4110
        # days 21-32 on 800:    800 x 9.5 % x 12 / 365 =  2.4986
        # 12.9096 -> 12.91 (the residual of today on every day gave 6.66)
        self.assertEqual(self.prices(run.contact_ids.fee_move_id), [12.91])

    def test_credit_note_stops_interest_like_a_payment(self):
        invoice = self.invoice(2000.0, due=TODAY - timedelta(days=32))
        refund = self.invoice(
            1200.0,
            due=TODAY - timedelta(days=12),
            move_type="out_refund",
        )
        (invoice | refund).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self.annual(self.levels["Second"], 9.5)
        run = self.run_on()
        # the credit note dated day 20 counts as the payment above: 12.91
        self.assertEqual(self.prices(run.contact_ids.fee_move_id), [12.91])

    def test_eur_invoice_in_usd_company(self):
        self.Rate.create(
            {"currency_id": self.eur.id, "date_from": date(2026, 1, 1), "rate": 4.0}
        )
        invoice = self.invoice(
            1000.0, due=TODAY - timedelta(days=50), currency=self.eur
        )
        self.statutory(self.levels["Final"], compensation=40.0)
        run = self.run_on()
        fee = run.contact_ids.fee_move_id
        # compensation EUR 40 at 0.8 EUR per USD on the charge date = USD 50.00
        # interest EUR 1,000 x (4 % + 8 %) x 50 / 365 = EUR 16.4384
        #          = USD 16.4384 / 0.8 = 20.548 -> 20.55
        self.assertEqual(fee.currency_id, self.currency)
        self.assertEqual(self.prices(fee), [20.55, 50.0])
        self.assertRecordValues(
            invoice.b2b_charge_ids,
            [
                {
                    "interest_amount_currency": 16.44,
                    "interest_amount": 20.55,
                    "compensation_amount": 50.0,
                    "rates": "12.00 %",
                    "move_currency_id": self.eur.id,
                }
            ],
        )
        # the compensation comes once per invoice
        self.statutory(self.levels["Pre-agency"], compensation=40.0)
        later = self.run_on(TODAY + timedelta(days=30))
        self.assertEqual(later.contact_ids.level_id, self.levels["Pre-agency"])
        self.assertFalse(later.contact_ids.charge_ids.compensation_amount)

    def test_compensation_needs_an_exchange_rate(self):
        gbp = self.setup_other_currency("GBP", rates=[])
        self.Rate.create(
            {"currency_id": self.eur.id, "date_from": date(2026, 1, 1), "rate": 4.0}
        )
        self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.statutory(self.levels["Final"], compensation=40.0, currency=gbp)
        run = self.run_on()
        self.assertFalse(run.contact_ids)
        self.assertRegex(
            run.issue_ids.message, "No exchange rate of GBP on or before 03/31/2026"
        )

    def test_half_year_boundary_uses_each_half_years_rate(self):
        self.Rate.create(
            [
                # in force on 1 July 2025: the rate of the second half of 2025
                {
                    "currency_id": self.eur.id,
                    "date_from": date(2025, 6, 11),
                    "rate": 2.15,
                },
                # decided in December: applies from 1 January 2026 only
                {
                    "currency_id": self.eur.id,
                    "date_from": date(2025, 12, 20),
                    "rate": 3.0,
                },
            ]
        )
        invoice = self.invoice(1000.0, due=date(2025, 12, 11))  # 110 days overdue
        self.statutory(self.levels["Pre-agency"])
        run = self.run_on()
        # 12 Dec - 31 Dec 2025: 20 days at 2.15 + 8 = 10.15 %:
        #   1,000 x 10.15 % x 20 / 365 =  5.5616
        # 1 Jan - 31 Mar 2026: 90 days at 3.00 + 8 = 11.00 %:
        #   1,000 x 11.00 % x 90 / 365 = 27.1233
        # 32.6849 -> 32.68
        self.assertRecordValues(
            invoice.b2b_charge_ids,
            [
                {
                    "date_from": date(2025, 12, 12),
                    "date_to": TODAY,
                    "interest_days": 110,
                    "interest_amount": 32.68,
                    "rates": "10.15 % from 12/12/2025, 11.00 % from 01/01/2026",
                }
            ],
        )
        self.assertEqual(self.prices(run.contact_ids.fee_move_id), [32.68])

    def test_missing_reference_rate_is_a_clear_issue(self):
        self.Rate.create(
            {"currency_id": self.eur.id, "date_from": date(2026, 1, 1), "rate": 3.0}
        )
        invoice = self.invoice(1000.0, due=date(2025, 12, 11))
        self.statutory(self.levels["Pre-agency"])
        run = self.run_on()
        # nothing is sent rather than a reminder with a wrong interest
        self.assertFalse(run.contact_ids)
        self.assertFalse(invoice.b2b_charge_ids)
        self.assertRegex(
            run.issue_ids.message,
            r"No reference rate of EUR is known on 07/01/2025.*Reference Rates",
        )

    def test_charges_invoices_are_never_charged(self):
        self.company.b2b_fee_auto_post = True
        self.levels["Final"].fee_fixed = 40.0
        original = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        first = self.run_on()
        charges_invoice = first.contact_ids.fee_move_id
        self.assertRecordValues(
            charges_invoice,
            [{"state": "posted", "amount_total": 40.0, "b2b_is_charge_invoice": True}],
        )
        # (paid: else its pre-agency notice would be the customer's one
        # reminder, at that level's charges)
        self.pay(original)
        # paid: the manager releases the hold the final notice put on
        self.customer.with_user(self.manager).b2b_credit_hold = False
        other = self.invoice(1000.0, due=TODAY)
        self.annual(self.levels["Second"], 9.5, fee_fixed=15.0, fee_percent=2.5)
        later = self.run_on(TODAY + timedelta(days=30))
        # 30 days later the charges invoice and the other invoice get Second in one
        # reminder: fee 15 + 2.5 % x 1,000 = 40.00 (the 40.00 of the charges invoice
        # is not a base); interest 1,000 x 9.5 % x 30 / 365 = 7.8082 -> 7.81 on the
        # other invoice only
        second = later.contact_ids.filtered(
            lambda c: c.level_id == self.levels["Second"]
        )
        self.assertEqual(second.line_ids.move_id, other | charges_invoice)
        self.assertEqual(self.prices(second.fee_move_id), [7.81, 40.0])
        self.assertEqual(second.charge_ids.move_id, other)
        self.assertFalse(self.Charge.search([("move_id", "=", charges_invoice.id)]))

    def test_reminder_with_only_charges_invoices_charges_nothing(self):
        self.company.b2b_fee_auto_post = True
        self.levels["Final"].fee_fixed = 40.0
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        charges_invoice = self.run_on().contact_ids.fee_move_id
        self.pay(invoice)
        self.annual(self.levels["Second"], 9.5, fee_fixed=15.0)
        later = self.run_on(TODAY + timedelta(days=30))
        # the charges invoice is reminded (it is owed) but never charged a fee
        self.assertEqual(later.contact_ids.line_ids.move_id, charges_invoice)
        self.assertFalse(later.contact_ids.fee_move_id)

    def test_levels_and_reruns_charge_each_day_once(self):
        self.annual(self.levels["Final"], 10.0)
        self.annual(self.levels["Pre-agency"], 10.0)
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.run_on()
        self.run_on()  # same day again: nothing more
        self.run_on(TODAY + timedelta(days=30))
        self.run_on(TODAY + timedelta(days=30))
        # Final: days 1-50, 1,000 x 10 % x 50 / 365 = 13.70
        # Pre-agency: days 51-80, 1,000 x 10 % x 30 / 365 = 8.22
        self.assertRecordValues(
            invoice.b2b_charge_ids.sorted("date_from"),
            [
                {
                    "date_from": TODAY - timedelta(days=49),
                    "interest_days": 50,
                    "interest_amount": 13.70,
                },
                {
                    "date_from": TODAY + timedelta(days=1),
                    "interest_days": 30,
                    "interest_amount": 8.22,
                },
            ],
        )

    def test_queries_do_not_grow_with_the_invoices_of_a_reminder(self):
        self.Rate.create(
            {"currency_id": self.eur.id, "date_from": date(2026, 1, 1), "rate": 4.0}
        )
        level = self.levels["Final"]
        self.statutory(level, compensation=40.0)
        partners = self.env["res.partner"].create(
            [{"name": f"Shop {i}", "is_company": True} for i in range(3)]
        )

        def charge(partner, count):
            moves = self.env["account.move"]
            for _i in range(count):
                moves |= self.invoice(
                    100.0, due=TODAY - timedelta(days=50), partner=partner
                )
            contact = (
                self.env["b2b.collection.contact"]
                .sudo()
                .create(
                    {
                        "company_id": self.company.id,
                        "partner_id": partner.id,
                        "level_id": level.id,
                    }
                )
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            overdue = self.env["b2b.collection.interest"]._b2b_overdue_amounts(
                moves, TODAY
            )
            charges = self.Charge._b2b_charge_reminder(
                contact, level, moves, TODAY, overdue
            )
            self.env.flush_all()
            return self.env.cr.sql_log_count - before, charges

        charge(partners[0], 1)  # warms the caches
        queries_1, charges_1 = charge(partners[1], 1)
        queries_6, charges_6 = charge(partners[2], 6)
        self.assertEqual(queries_1, queries_6)
        # each: 100 x 12 % x 50 / 365 = 1.64, plus EUR 40 / 0.8 = USD 50.00
        self.assertEqual(charges_6.mapped("amount_total"), [51.64] * 6)
        self.assertEqual(charges_1.amount_total, 51.64)

    @mute_logger("odoo.sql_db")
    def test_a_day_cannot_be_charged_twice(self):
        self.annual(self.levels["Final"], 10.0)
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.run_on()
        charge = invoice.b2b_charge_ids
        with self.assertRaises(IntegrityError):
            charge.sudo().copy()


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestInterestAtPayment(ChargesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels["Final"].write({"interest_mode": "annual", "interest_rate": 10.0})

    def test_days_until_payment_charged_once(self):
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.run_on()  # days 1-50 charged: 13.70
        self.pay(invoice, amount=400.0, pay_date=TODAY + timedelta(days=4))
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=5)), 0)
        self.pay(invoice, amount=600.0, pay_date=TODAY + timedelta(days=10))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=12)), 1)
        final = invoice.b2b_charge_ids.filtered(lambda c: c.kind == "payment")
        # days 51-54 on 1,000: 1,000 x 10 % x 4 / 365 = 1.0959
        # days 55-60 on   600:   600 x 10 % x 6 / 365 = 0.9863
        # 2.0822 -> 2.08, on a final charges invoice of the day
        self.assertRecordValues(
            final,
            [
                {
                    "state": "charged",
                    "date": TODAY + timedelta(days=12),
                    "date_from": TODAY + timedelta(days=1),
                    "date_to": TODAY + timedelta(days=10),
                    "interest_days": 10,
                    "interest_amount": 2.08,
                    "level_id": self.levels["Final"].id,
                }
            ],
        )
        self.assertRecordValues(
            final.charge_move_id,
            [
                {
                    "partner_id": self.customer.id,
                    "amount_total": 2.08,
                    "b2b_is_charge_invoice": True,
                    "invoice_date": TODAY + timedelta(days=12),
                }
            ],
        )
        # re-runs charge nothing more
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=12)), 0)
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=40)), 0)
        self.assertEqual(len(invoice.b2b_charge_ids), 2)

    def test_invoice_paid_before_its_last_charge_gets_nothing_more(self):
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.run_on()
        self.pay(invoice, pay_date=TODAY)
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=1)), 0)

    def test_agreements_replace_late_interest(self):
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.run_on()
        plan = self.env["b2b.collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "instalment_count": 1,
                "first_due_date": TODAY + timedelta(days=10),
            }
        )
        plan.action_compute_schedule()
        plan.action_activate()
        self.pay(invoice, pay_date=TODAY + timedelta(days=10))
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=11)), 0)

    def test_offered_for_waiver_then_charged_or_waived(self):
        self.company.b2b_interest_at_payment = "offer"
        a = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        b = self.invoice(500.0, due=TODAY - timedelta(days=50))
        self.run_on()
        self.pay(a | b, pay_date=TODAY + timedelta(days=10))
        self.charge_at_payment(TODAY + timedelta(days=11))
        offered = self.Charge.search([("kind", "=", "payment")])
        # a: 1,000 x 10 % x 10 / 365 = 2.7397 -> 2.74; b: 500 x ... = 1.3699 -> 1.37
        self.assertRecordValues(
            offered.sorted("interest_amount"),
            [
                {
                    "move_id": b.id,
                    "state": "to_decide",
                    "interest_amount": 1.37,
                    "charge_move_id": False,
                },
                {
                    "move_id": a.id,
                    "state": "to_decide",
                    "interest_amount": 2.74,
                    "charge_move_id": False,
                },
            ],
        )
        self.assertEqual(offered.activity_ids.user_id, self.collector)
        offer_a = offered.filtered(lambda c: c.move_id == a)
        offer_b = offered - offer_a
        with self.assertRaises(AccessError):
            offer_a.with_user(self.collector).action_charge()
        with self.assertRaises(AccessError):
            offer_a.with_user(self.collector).write({"interest_amount": 0.0})
        offer_a.with_user(self.manager).action_charge()
        offer_b.with_user(self.manager).action_waive()
        self.assertRecordValues(
            offer_a | offer_b,
            [
                {"state": "charged", "decided_by_id": self.manager.id},
                {"state": "waived", "decided_by_id": self.manager.id},
            ],
        )
        self.assertEqual(offer_a.charge_move_id.amount_total, 2.74)
        self.assertFalse(offer_b.charge_move_id)
        self.assertFalse(offered.activity_ids)
        with self.assertRaisesText(UserError, "waiting for a decision"):
            offer_b.with_user(self.manager).action_charge()
        # the waived days are never offered again
        self.assertEqual(self.charge_at_payment(TODAY + timedelta(days=20)), 0)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestChargesConfiguration(ChargesCase):
    def test_reference_rates_are_checked(self):
        with self.assertRaisesText(ValidationError, r"between -10.0 % and 100.0 %"):
            self.Rate.create(
                {"currency_id": self.eur.id, "date_from": TODAY, "rate": 150.0}
            )
        with self.assertRaisesText(ValidationError, "outside the dates the books"):
            self.Rate.create(
                {"currency_id": self.eur.id, "date_from": date(1, 1, 1), "rate": 2.0}
            )
        with self.assertRaisesText(ValidationError, "outside the dates the books"):
            self.Rate.create(
                {
                    "currency_id": self.eur.id,
                    "date_from": date(9999, 12, 31),
                    "rate": 2.0,
                }
            )
        self.Rate.create({"currency_id": self.eur.id, "date_from": TODAY, "rate": 2.0})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.Rate.create(
                {"currency_id": self.eur.id, "date_from": TODAY, "rate": 2.5}
            )
            self.Rate.flush_model()

    def test_level_rates_are_checked(self):
        level = self.levels["Final"]
        for values, message in (
            (
                {"fee_percent": 150.0},
                "Fee \\(% of Overdue\\) is a percentage between 0 and 100",
            ),
            ({"interest_mode": "annual", "interest_rate": 101.0}, "Annual Interest"),
            ({"interest_margin": -1.0}, "is a percentage between 0 and 100"),
            (
                {"interest_mode": "eu_statutory", "reference_currency_id": False},
                "choose the currency of its reference rate",
            ),
            (
                {
                    "interest_mode": "eu_statutory",
                    "compensation_fixed": 40.0,
                    "compensation_currency_id": False,
                },
                "fixed compensation: choose its currency",
            ),
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesText(ValidationError, message),
            ):
                level.write(values)

    def test_access(self):
        self.annual(self.levels["Final"], 10.0)
        invoice = self.invoice(1000.0, due=TODAY - timedelta(days=50))
        self.run_on()
        charge = invoice.b2b_charge_ids
        as_collector = charge.with_user(self.collector)
        self.assertEqual(as_collector.interest_amount, 13.70)
        for user in (self.collector, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                charge.with_user(user).write({"interest_amount": 0.0})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Charge.with_user(user).create(
                    {
                        "company_id": self.company.id,
                        "partner_id": self.customer.id,
                        "move_id": invoice.id,
                        "kind": "reminder",
                        "date": TODAY,
                    }
                )
        with self.assertRaises(AccessError):
            self.Rate.with_user(self.collector).create(
                {"currency_id": self.eur.id, "date_from": TODAY, "rate": 2.0}
            )
        self.Rate.with_user(self.manager).create(
            {"currency_id": self.eur.id, "date_from": TODAY, "rate": 2.0}
        )
        # another company's user sees none of this company's charges
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = self.env["res.users"].create(
            {
                "name": "Olga Outsider",
                "login": "b2b_outsider",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [
                    Command.set(
                        self.env.ref("b2b_collections.group_b2b_collection_user").ids
                    )
                ],
            }
        )
        self.assertFalse(self.Charge.with_user(outsider).search([]))
