from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase


class AgencyCase(B2bCollectionsCase):
    """An agency with three commission tiers and a fixed fee, and helpers to
    place invoices through the wizard as a collector does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency_partner = cls.env["res.partner"].create(
            {
                "name": "Recover Fast GmbH",
                "is_company": True,
                "email": "desk@recover.example.com",
            }
        )
        cls.agency = cls.env["b2b.collection.agency"].create(
            {
                "partner_id": cls.agency_partner.id,
                "fixed_fee": 50.0,
                "contract_start": TODAY - timedelta(days=365),
                "licence_number": "INK-4711",
                "licence_expiry": TODAY + timedelta(days=200),
                "max_debt_age": 365,
                "tier_ids": [
                    Command.create(
                        {"min_age": 0, "max_age": 90, "max_amount": 5000, "rate": 15}
                    ),
                    Command.create(
                        {"min_age": 0, "max_age": 90, "min_amount": 5000, "rate": 10}
                    ),
                    Command.create({"min_age": 91, "rate": 25}),
                ],
            }
        )
        cls.expense = cls.company_data["default_account_expense"]
        cls.company.b2b_agency_commission_account_id = cls.expense
        cls.agency_stage = cls.stage("agency")

    @classmethod
    def place(cls, moves, agency=None, date=None, user=None):
        wizard = (
            cls.env["b2b.collection.placement.wizard"]
            .with_user(user or cls.collector)
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(
                {"agency_id": (agency or cls.agency).id, "date_placed": date or TODAY}
            )
        )
        action = wizard.action_place()
        return cls.env["b2b.collection.placement"].browse(
            action.get("res_id")
        ) or cls.env["b2b.collection.placement"].search(action["domain"])


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyTerms(AgencyCase):
    def test_rate_by_debt_age_and_amount(self):
        rate = self.agency._b2b_commission_rate
        self.assertEqual(rate(0, 100.0), 15)
        self.assertEqual(rate(90, 4999.99), 15)
        self.assertEqual(rate(90, 5000.0), 10)  # the amount band excludes its end
        self.assertEqual(rate(91, 100.0), 25)  # the age band includes its end
        self.assertEqual(rate(1000, 1e9), 25)

    def test_uncovered_debt_is_refused(self):
        self.agency.tier_ids.filtered(lambda t: t.min_age == 91).unlink()
        with self.assertRaisesText(
            UserError, "No commission tier of Recover Fast GmbH covers a debt 120 days"
        ):
            self.agency._b2b_commission_rate(120, 100.0)

    def test_no_tiers_means_fee_only(self):
        self.agency.tier_ids.unlink()
        self.assertEqual(self.agency._b2b_commission_rate(400, 10.0), 0.0)

    def test_overlapping_tiers_are_refused(self):
        with self.assertRaisesText(ValidationError, "overlap"):
            self.agency.tier_ids = [
                Command.create({"min_age": 60, "max_age": 120, "rate": 20})
            ]
        # adjacent bands are fine
        self.agency.tier_ids.filtered(lambda t: t.min_age == 91).max_age = 180
        self.agency.tier_ids = [Command.create({"min_age": 181, "rate": 30})]
        self.assertEqual(self.agency._b2b_commission_rate(181, 1.0), 30)

    def test_bad_terms_are_refused(self):
        for vals, message in [
            ({"min_age": -1, "max_age": 10, "rate": 5}, "negative"),
            ({"min_age": 400, "min_amount": -5, "rate": 5}, "negative"),
            ({"min_age": 400, "rate": 120}, "between 0 and 100"),
            ({"min_age": 400, "rate": -1}, "between 0 and 100"),
            ({"min_age": 500, "max_age": 450, "rate": 5}, "ends"),
            (
                {"min_age": 400, "min_amount": 100, "max_amount": 100, "rate": 5},
                "amount band",
            ),
        ]:
            with (
                self.subTest(vals=vals),
                self.assertRaisesText(ValidationError, message),
            ):
                self.agency.tier_ids = [Command.create(vals)]
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self.agency.fixed_fee = -1
        with self.assertRaisesText(ValidationError, "ends before it starts"):
            self.agency.contract_end = TODAY - timedelta(days=400)
        self.assertEqual(len(self.agency.tier_ids), 3)

    def test_agency_form(self):
        with Form(self.env["b2b.collection.agency"]) as form:
            form.partner_id = self.env["res.partner"].create(
                {"name": "Second Agency", "is_company": True}
            )
            form.fixed_fee = 20
            with form.tier_ids.new() as tier:
                tier.min_age = 0
                tier.rate = 12
        self.assertEqual(form.record._b2b_commission_rate(10, 10.0), 12)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPlacement(AgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 50 and 90 days overdue on the placement day (ten days ago)
        cls.inv_a = cls.invoice(1200.0, due=TODAY - timedelta(days=60))
        cls.inv_b = cls.invoice(800.0, due=TODAY - timedelta(days=100))

    def test_place_fixes_terms_and_stops_reminders(self):
        placement = self.place(self.inv_a | self.inv_b, date=TODAY - timedelta(days=10))
        self.assertRecordValues(
            placement,
            [
                {
                    "state": "placed",
                    "partner_id": self.customer.id,
                    "placed_amount": 2000.0,
                    "debt_age": 90,
                    "commission_rate": 15.0,  # 0-90 days, under 5,000
                    "fixed_fee": 50.0,
                    "recovered_amount": 0.0,
                    "net_recovery": -50.0,
                }
            ],
        )
        self.assertTrue(placement.name.startswith("PLC/"))
        self.assertEqual(
            (self.inv_a | self.inv_b).mapped("b2b_collection_stage_id"),
            self.agency_stage,
        )
        self.assertEqual(sorted(placement.line_ids.mapped("days_overdue")), [50, 90])
        # the agency stage pauses reminders
        run = self.env["b2b.collection.run"]
        actions = run._b2b_plan(self.company, TODAY)
        self.assertTrue(actions)
        self.assertEqual({a["pause"] for a in actions}, {"stage"})
        # later terms changes do not change a running placement
        self.agency.tier_ids.write({"rate": 40})
        self.assertEqual(placement.commission_rate, 15.0)

    def test_placing_puts_the_customer_on_credit_hold_until_released(self):
        """A placement puts the customer on credit hold, naming the agency and
        the placement: not an automatic hold, so it stays once paid, until a
        collections manager releases it."""
        self.company.b2b_credit_auto_release = True
        placement = self.place(self.inv_a)
        self.assertRecordValues(
            self.customer,
            [
                {
                    "b2b_credit_hold": True,
                    "b2b_credit_hold_reason": (
                        f"Placed with Recover Fast GmbH ({placement.name})"
                    ),
                    "b2b_credit_hold_date": TODAY,
                    "b2b_credit_hold_auto": False,
                }
            ],
        )
        draft = self.invoice(100.0, due=TODAY + timedelta(days=30), post=False)
        with self.assertRaisesText(UserError, "Placed with Recover Fast GmbH"):
            draft.action_post()
        # active, then everything paid: the hold stays
        placement.action_activate()
        self.pay(self.inv_a | self.inv_b)
        self.env.cr.precommit.run()
        self.assertTrue(self.customer.b2b_credit_hold)
        # until a manager releases it
        self.customer.with_user(self.manager).b2b_credit_hold = False
        draft.action_post()
        self.assertEqual(draft.state, "posted")

    def test_placing_takes_over_a_reminders_hold_and_keeps_a_managers(self):
        # a reminder's hold (released once paid) becomes the placement's
        self.customer._b2b_put_on_credit_hold("Final notice of 03/01/2026")
        placement = self.place(self.inv_a)
        self.assertEqual(
            self.customer.b2b_credit_hold_reason,
            f"Placed with Recover Fast GmbH ({placement.name})",
        )
        self.assertFalse(self.customer.b2b_credit_hold_auto)
        # a hold a manager set by hand keeps its reason
        other = self.env["res.partner"].create({"name": "Held", "is_company": True})
        invoice = self.invoice(300.0, due=TODAY - timedelta(days=40), partner=other)
        other.with_user(self.manager).write(
            {"b2b_credit_hold": True, "b2b_credit_hold_reason": "Cheque bounced"}
        )
        self.place(invoice)
        self.assertEqual(other.b2b_credit_hold_reason, "Cheque bounced")

    def test_age_tier_follows_the_placement_date(self):
        placement = self.place(self.inv_a | self.inv_b)  # today: 100 days
        self.assertEqual((placement.debt_age, placement.commission_rate), (100, 25.0))

    def test_refusals_leave_nothing(self):
        Placement = self.env["b2b.collection.placement"]
        placed = self.place(self.inv_a)
        before = (Placement.search_count([]), self.inv_b.b2b_collection_stage_id)
        # already placed
        with self.assertRaisesText(UserError, r"already placed \(PLC/"):
            self.place(self.inv_a | self.inv_b)
        # disputed
        self.inv_b.b2b_disputed = True
        with self.assertRaisesText(UserError, "is disputed"):
            self.place(self.inv_b)
        self.inv_b.b2b_disputed = False
        # expired licence, ended or future contract, archived agency
        for vals, message in [
            (
                {"licence_expiry": TODAY - timedelta(days=1)},
                "licence of Recover Fast GmbH expired",
            ),
            (
                {"contract_end": TODAY - timedelta(days=1)},
                "contract with Recover Fast GmbH ended",
            ),
            (
                {"contract_start": TODAY + timedelta(days=1)},
                "contract with Recover Fast GmbH starts",
            ),
            ({"max_debt_age": 30}, "accepts debts up to 30 days overdue"),
        ]:
            saved = {key: self.agency[key] for key in vals}
            self.agency.write(vals)
            with self.subTest(vals=vals), self.assertRaisesText(UserError, message):
                self.place(self.inv_b)
            self.agency.write(saved)
        # nothing to place
        with self.assertRaisesText(UserError, "Choose the invoices"):
            self.place(self.env["account.move"])
        self.assertEqual(
            (Placement.search_count([]), self.inv_b.b2b_collection_stage_id), before
        )
        self.assertEqual(placed.line_ids.move_id, self.inv_a)

    def test_other_company_invoice_is_refused(self):
        company_2 = self.setup_other_company(name="Other Co")["company"]
        foreign = self.invoice(500.0, due=TODAY - timedelta(days=40), company=company_2)
        with self.assertRaisesText(UserError, "belong to another company"):
            self.place(foreign | self.inv_a, user=self.env.user)
        self.assertFalse(self.env["b2b.collection.placement"].search([]))

    def test_paid_invoice_and_empty_placement_are_refused(self):
        Placement = self.env["b2b.collection.placement"]
        draft = Placement.create(
            {
                "agency_id": self.agency.id,
                "partner_id": self.customer.id,
                "line_ids": [Command.create({"move_id": self.inv_a.id})],
            }
        )
        self.pay(self.inv_a)
        with self.assertRaisesText(UserError, "already paid"):
            draft.action_place()
        empty = Placement.create(
            {"agency_id": self.agency.id, "partner_id": self.customer.id}
        )
        with self.assertRaisesText(UserError, "has no invoice to place"):
            empty.action_place()
        self.assertEqual((draft | empty).mapped("state"), ["draft", "draft"])

    def test_database_refuses_a_second_running_placement(self):
        self.place(self.inv_a)
        second = self.env["b2b.collection.placement"].create(
            {
                "agency_id": self.agency.id,
                "partner_id": self.customer.id,
                "line_ids": [Command.create({"move_id": self.inv_a.id})],
            }
        )  # a draft may list it; placing it (bypassing the checks) may not
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            # only the engine writes a state: as superuser, like a bypass
            second.sudo().state = "placed"
            self.env.flush_all()

    def test_place_from_customer(self):
        wizard = (
            self.env["b2b.collection.placement.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"agency_id": self.agency.id})
        )
        self.assertEqual(wizard.move_ids, self.inv_a | self.inv_b)
        self.assertEqual(wizard.amount_total, 2000.0)
        wizard.action_place()
        self.assertEqual(
            self.env["b2b.collection.placement"].search([]).line_ids.move_id,
            self.inv_a | self.inv_b,
        )

    def test_place_from_customer_form(self):
        """The collector's path: the customer form's button, the wizard form."""
        action = self.customer.with_user(self.collector).action_b2b_place_with_agency()
        self.assertEqual(action["res_model"], "b2b.collection.placement.wizard")
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        wizard_form.agency_id = self.agency
        wizard_form.move_ids.remove(id=self.inv_a.id)
        self.assertEqual(wizard_form.amount_total, 800.0)
        result = wizard_form.save().action_place()
        placement = self.env["b2b.collection.placement"].browse(result["res_id"])
        self.assertEqual(placement.line_ids.move_id, self.inv_b)
        self.assertEqual(self.customer.b2b_placement_count, 1)
        self.assertEqual(
            self.customer.action_b2b_open_placements()["domain"],
            [("partner_id", "=", self.customer.id)],
        )

    def test_recall_returns_invoices_and_stops_attribution(self):
        reminded = self.stage("reminded")
        self.inv_a.b2b_collection_stage_id = reminded
        placement = self.place(self.inv_a | self.inv_b, date=TODAY - timedelta(days=10))
        self.pay(self.inv_a, amount=200.0, pay_date=TODAY - timedelta(days=5))
        end = self.env["b2b.collection.placement.end"].with_user(self.collector)
        with self.assertRaisesText(UserError, "reason for the recall"):
            end.create(
                {
                    "placement_id": placement.id,
                    "mode": "recall",
                    "date": TODAY - timedelta(days=3),
                }
            ).action_confirm()
        end.create(
            {
                "placement_id": placement.id,
                "mode": "recall",
                "date": TODAY - timedelta(days=3),
                "reason": "No contact with the debtor in 30 days",
            }
        ).action_confirm()
        self.assertEqual(placement.state, "recalled")
        self.assertEqual(
            placement.recall_reason, "No contact with the debtor in 30 days"
        )
        self.assertEqual(self.inv_a.b2b_collection_stage_id, reminded)
        self.assertEqual(self.inv_b.b2b_collection_stage_id, self.stage("current"))
        # paid after the recall: not the agency's
        self.pay(self.inv_b, amount=300.0, pay_date=TODAY)
        self.assertEqual(placement.recovered_amount, 200.0)
        with self.assertRaisesText(
            UserError, "only a placed or active placement can be recalled"
        ):
            end.create(
                {"placement_id": placement.id, "mode": "recall", "reason": "again"}
            ).action_confirm()
        # reminders resume for the recalled invoices
        pauses = {
            a["pause"]
            for a in self.env["b2b.collection.run"]._b2b_plan(self.company, TODAY)
        }
        self.assertNotIn("stage", pauses)

    def test_close_uncollectible(self):
        placement = self.place(self.inv_a)
        legal = self.stage("legal")
        self.env["b2b.collection.placement.end"].create(
            {
                "placement_id": placement.id,
                "mode": "close",
                "outcome": "closed_uncollectible",
                "next_stage_id": legal.id,
                "reason": "Debtor insolvent",
            }
        ).action_confirm()
        self.assertEqual(placement.state, "closed_uncollectible")
        self.assertEqual(placement.date_end, TODAY)
        self.assertEqual(self.inv_a.b2b_collection_stage_id, legal)
        with self.assertRaisesText(UserError, "no longer open"):
            self.env["b2b.collection.placement.update"].create(
                {"placement_id": placement.id, "kind": "note", "description": "late"}
            )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRecoveries(AgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_a = cls.invoice(1200.0, due=TODAY - timedelta(days=60))
        cls.inv_b = cls.invoice(800.0, due=TODAY - timedelta(days=70))
        # paid before the placement: not the agency's
        cls.pay(cls.inv_a, amount=100.0, pay_date=TODAY - timedelta(days=20))
        cls.placement = cls.place(
            cls.inv_a | cls.inv_b, date=TODAY - timedelta(days=10)
        )

    def test_payments_attributed_with_commission(self):
        self.assertEqual(self.placement.placed_amount, 1900.0)  # 1,100 + 800
        self.assertEqual(self.placement.commission_rate, 15.0)
        self.pay(self.inv_a, amount=500.0, pay_date=TODAY - timedelta(days=4))
        self.pay(self.inv_b, amount=333.33, pay_date=TODAY - timedelta(days=2))
        recoveries = self.placement.recovery_ids.sorted("date")
        self.assertEqual(
            [(r.move_id, r.date, r.amount, r.commission_amount) for r in recoveries],
            [
                (self.inv_a, TODAY - timedelta(days=4), 500.0, 75.0),
                # 15% of 333.33 = 49.9995, rounded per recovery
                (self.inv_b, TODAY - timedelta(days=2), 333.33, 50.0),
            ],
        )
        self.assertRecordValues(
            self.placement,
            [
                {
                    "recovered_amount": 833.33,
                    "commission_amount": 125.0,
                    "net_recovery": 658.33,  # 833.33 - 125.00 - 50.00
                    "date_first_recovery": TODAY - timedelta(days=4),
                }
            ],
        )
        self.assertAlmostEqual(
            self.placement.recovery_rate, 100 * 833.33 / 1900, places=6
        )
        # the cron finds nothing more: attribution is idempotent
        self.assertEqual(self.env["b2b.collection.recovery"]._b2b_attribute(), 0)
        self.assertEqual(len(self.placement.recovery_ids), 2)

    def test_credit_note_is_not_a_recovery(self):
        refund = self.invoice(300.0, due=TODAY, move_type="out_refund")
        (refund | self.inv_b).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        self.assertEqual(self.inv_b.amount_residual, 500.0)
        self.assertFalse(self.placement.recovery_ids)

    def test_full_payment_resolves_and_closes_cleanly(self):
        self.pay(self.inv_a | self.inv_b, pay_date=TODAY)
        self.assertEqual(self.placement.recovered_amount, 1900.0)
        self.assertEqual(self.placement.commission_amount, 285.0)  # 165 + 120
        self.assertEqual(
            (self.inv_a | self.inv_b).mapped("b2b_collection_stage_id"),
            self.stage("resolved"),
        )
        self.env["b2b.collection.placement.end"].create(
            {"placement_id": self.placement.id, "mode": "close"}
        ).action_confirm()
        self.assertEqual(self.placement.state, "closed_recovered")
        self.assertEqual(
            (self.inv_a | self.inv_b).mapped("b2b_collection_stage_id"),
            self.stage("resolved"),
        )

    def test_foreign_currency_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        # placed, the customer is on credit hold: released to be invoiced again
        self.customer.with_user(self.manager).b2b_credit_hold = False
        inv_eur = self.invoice(1000.0, due=TODAY - timedelta(days=30), currency=eur)
        placement = self.place(inv_eur, date=TODAY - timedelta(days=1))
        self.assertEqual(placement.line_ids.placed_amount, 500.0)
        self.assertEqual(placement.line_ids.placed_amount_currency, 1000.0)
        self.pay(inv_eur, amount=400.0, currency=eur)
        self.assertRecordValues(
            placement.recovery_ids, [{"amount": 200.0, "commission_amount": 30.0}]
        )

    def test_unreconciled_payment_is_undone(self):
        payment = self.pay(self.inv_a, amount=500.0, pay_date=TODAY)
        self.assertEqual(self.placement.recovered_amount, 500.0)
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertFalse(self.placement.recovery_ids)
        self.assertEqual(self.placement.recovered_amount, 0.0)

    def test_billing(self):
        Bill = self.env["b2b.collection.commission.bill"]
        self.pay(self.inv_a, amount=500.0, pay_date=TODAY - timedelta(days=4))
        self.pay(self.inv_b, amount=200.0, pay_date=TODAY)
        other_customer = self.env["res.partner"].create(
            {"name": "Bolt Ltd", "is_company": True}
        )
        inv_c = self.invoice(
            5000.0, due=TODAY - timedelta(days=120), partner=other_customer
        )
        placement_c = self.place(inv_c, date=TODAY - timedelta(days=5))  # 115 days: 25%
        self.pay(inv_c, amount=1000.0, pay_date=TODAY - timedelta(days=1))

        # bills up to yesterday: not today's 200 on inv_b
        action = (
            Bill.with_user(self.manager)
            .create({"date_to": TODAY - timedelta(days=1)})
            .action_create_bills()
        )
        bill = self.env["account.move"].browse(action["res_id"])
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.agency_partner.id,
                    "invoice_date": TODAY - timedelta(days=1),
                    "amount_total": 425.0,
                    "state": "draft",
                }
            ],
        )
        # 75.00 (15% of 500) + 250.00 (25% of 1,000) + two fixed fees of 50.00
        self.assertEqual(
            sorted(
                (line.price_unit, line.account_id.id) for line in bill.invoice_line_ids
            ),
            [
                (50.0, self.expense.id),
                (50.0, self.expense.id),
                (75.0, self.expense.id),
                (250.0, self.expense.id),
            ],
        )
        self.assertEqual(
            self.placement.recovery_ids.filtered(
                "bill_line_id"
            ).bill_line_id.price_unit,
            75.0,
        )
        self.assertEqual(placement_c.recovery_ids.bill_id, bill)
        self.assertEqual(placement_c.fee_bill_line_id.move_id, bill)
        # nothing twice
        with self.assertRaisesText(UserError, "Nothing to bill"):
            Bill.create({"date_to": TODAY - timedelta(days=1)}).action_create_bills()
        # later: today's recovery only
        action = Bill.create({"date_to": TODAY}).action_create_bills()
        self.assertEqual(
            self.env["account.move"].browse(action["res_id"]).amount_total, 30.0
        )

        # a billed payment unreconciled later is credited back on the next bill
        bill.action_post()
        payment_c = placement_c.recovery_ids.payment_move_id
        payment_c.line_ids.remove_move_reconcile()
        self.assertEqual(placement_c.recovered_amount, 0.0)
        self.assertEqual(
            sorted(placement_c.recovery_ids.mapped("commission_amount")),
            [-250.0, 250.0],
        )
        action = Bill.create({"date_to": TODAY}).action_create_bills()
        refund = self.env["account.move"].browse(action["res_id"])
        self.assertRecordValues(
            refund, [{"move_type": "in_refund", "amount_total": 250.0}]
        )

    def test_billing_needs_the_account(self):
        self.pay(self.inv_a, amount=500.0, pay_date=TODAY)
        self.company.b2b_agency_commission_account_id = False
        with self.assertRaisesText(UserError, "agency commission account"):
            self.env["b2b.collection.commission.bill"].create(
                {"date_to": TODAY}
            ).action_create_bills()
        self.assertFalse(self.placement.recovery_ids.bill_line_id)

    def test_monthly_billing_cron(self):
        """The scheduled action, as declared, bills last month's commissions
        and fees."""
        self.pay(self.inv_a, amount=500.0, pay_date=TODAY)
        cron = self.env.ref("b2b_collections_agency.ir_cron_b2b_bill_commissions")
        with freeze_time(TODAY + timedelta(days=10)):
            cron.method_direct_trigger()
        bill = self.env["account.move"].search(
            [("partner_id", "=", self.agency_partner.id)]
        )
        # 75.00 (15% of 500) and the fixed fee of 50.00, up to the month's end
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "invoice_date": TODAY,
                    "amount_total": 125.0,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(self.placement.recovery_ids.bill_id, bill)
        self.assertEqual(self.placement.fee_bill_line_id.move_id, bill)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyUpdatesAndAccess(AgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_a = cls.invoice(1200.0, due=TODAY - timedelta(days=60))
        # invoiced before the placement puts the customer on credit hold
        cls.inv_x = cls.invoice(700.0, due=TODAY - timedelta(days=30))
        cls.placement = cls.place(cls.inv_a, date=TODAY - timedelta(days=10))
        cls.agency_contact = cls.env["res.partner"].create(
            {
                "name": "Paula Agent",
                "parent_id": cls.agency_partner.id,
                "email": "paula@recover.example.com",
            }
        )
        cls.agent = new_test_user(
            cls.env,
            login="b2b_agent",
            name="Paula Agent",
            groups="base.group_portal,b2b_collections_agency.group_b2b_collection_agency",
            partner_id=cls.agency_contact.id,
        )
        other_partner = cls.env["res.partner"].create(
            {"name": "Other Agency", "is_company": True}
        )
        cls.other_agency = cls.env["b2b.collection.agency"].create(
            {"partner_id": other_partner.id, "tier_ids": [Command.create({"rate": 20})]}
        )
        cls.other_placement = cls.place(cls.inv_x, agency=cls.other_agency)

    def test_agent_sees_only_own_agency(self):
        Placement = self.env["b2b.collection.placement"].with_user(self.agent)
        self.assertEqual(Placement.search([]), self.placement)
        with self.assertRaises(AccessError):
            self.other_placement.with_user(self.agent).read(["name"])
        with self.assertRaises(AccessError):
            self.placement.with_user(self.agent).write({"note": "hacked"})
        self.assertEqual(
            self.env["b2b.collection.agency"].with_user(self.agent).search([]),
            self.agency,
        )

    def test_agent_update_activates_and_payment_report_waits(self):
        Update = self.env["b2b.collection.placement.update"].with_user(self.agent)
        Update.create(
            {
                "placement_id": self.placement.id,
                "kind": "contact",
                "description": "Called the AP desk",
            }
        )
        self.assertEqual(self.placement.state, "active")
        with self.assertRaisesText(ValidationError, "needs the amount"):
            Update.create(
                {
                    "placement_id": self.placement.id,
                    "kind": "payment",
                    "description": "paid",
                }
            )
        report = Update.create(
            {
                "placement_id": self.placement.id,
                "kind": "payment",
                "description": "Wire received",
                "reported_amount": 400.0,
                "reported_date": TODAY - timedelta(days=1),
            }
        )
        self.assertEqual(report.report_state, "pending")
        self.assertTrue(report.from_agency)
        self.assertEqual(self.placement.pending_report_count, 1)
        with self.assertRaises(AccessError):
            Update.create(
                {
                    "placement_id": self.other_placement.id,
                    "kind": "note",
                    "description": "x",
                }
            )
        with self.assertRaises(AccessError):
            report.action_confirm()  # the agent cannot confirm
        # the accountant confirms, which opens the payment registration prefilled
        action = report.with_user(self.collector).action_confirm()
        self.assertEqual(report.report_state, "confirmed")
        self.assertEqual(action["res_model"], "account.payment.register")
        ctx = action["context"]
        wizard = self.env["account.payment.register"].with_context(**ctx).create({})
        self.assertEqual(wizard.amount, 400.0)
        wizard.payment_difference_handling = "open"
        wizard._create_payments()
        self.assertEqual(self.placement.recovered_amount, 400.0)
        self.assertEqual(self.placement.commission_amount, 60.0)
        with self.assertRaisesText(UserError, "Only a payment report to confirm"):
            report.action_reject()

    def test_agent_never_sees_draft_placements(self):
        # placed, the customer is on credit hold: released to be invoiced again
        self.customer.with_user(self.manager).b2b_credit_hold = False
        inv = self.invoice(300.0, due=TODAY - timedelta(days=20))
        draft = self.env["b2b.collection.placement"].create(
            {
                "agency_id": self.agency.id,
                "partner_id": self.customer.id,
                "line_ids": [Command.create({"move_id": inv.id})],
            }
        )
        Placement = self.env["b2b.collection.placement"].with_user(self.agent)
        self.assertEqual(Placement.search([]), self.placement)
        with self.assertRaises(AccessError):
            draft.with_user(self.agent).read(["name"])
        self.assertFalse(
            self.env["b2b.collection.placement.line"]
            .with_user(self.agent)
            .search([("placement_id", "=", draft.id)])
        )

    def test_other_company_sees_no_agency_data(self):
        company_2 = self.setup_other_company(name="Agency Co 2")["company"]
        outsider = new_test_user(
            self.env,
            login="b2b_collector_2",
            groups="b2b_collections.group_b2b_collection_manager",
            company_id=company_2.id,
            company_ids=[Command.set(company_2.ids)],
        )
        self.pay(self.inv_a, amount=100.0)
        self.env["b2b.collection.placement.update"].create(
            {"placement_id": self.placement.id, "kind": "note", "description": "Called"}
        )
        self.assertTrue(self.placement.recovery_ids)
        for model in (
            "b2b.collection.agency",
            "b2b.collection.placement",
            "b2b.collection.placement.line",
            "b2b.collection.placement.update",
            "b2b.collection.recovery",
        ):
            with self.subTest(model=model):
                self.assertFalse(self.env[model].with_user(outsider).search([]))
                self.assertTrue(self.env[model].search([]))
        with self.assertRaises(AccessError):
            self.placement.with_user(outsider).read(["name"])

    def test_collector_cannot_bill(self):
        with self.assertRaises(AccessError):
            self.env["b2b.collection.commission.bill"].with_user(self.collector).create(
                {"date_to": TODAY}
            )
