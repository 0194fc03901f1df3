from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase


class B2bPlanCase(B2bCollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.b2b_fee_account_id = cls.company_data["default_account_revenue"]
        cls.Plan = cls.env["b2b.collection.payment.plan"]
        # the engine runs as superuser, like the scheduled action
        cls.Run = cls.env["b2b.collection.run"].sudo()

    def make_plan(self, moves, count=3, first=None, interval="monthly", rate=0.0, **kw):
        plan = self.Plan.create(
            {
                "partner_id": moves.commercial_partner_id.id,
                "move_ids": [Command.set(moves.ids)],
                "instalment_count": count,
                "first_due_date": first or TODAY + timedelta(days=15),
                "interval": interval,
                "interest_rate": rate,
                **kw,
            }
        )
        plan.action_compute_schedule()
        return plan

    def schedule(self, plan):
        return [
            (i.sequence, i.due_date, i.amount)
            for i in plan.instalment_ids.sorted("sequence")
        ]

    def state_of(self, plan):
        return [
            (i.sequence, i.paid_amount, i.state, i.date_paid)
            for i in plan.instalment_ids.sorted("sequence")
        ]


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPaymentPlanSchedule(B2bPlanCase):
    def test_prefilled_from_the_customer_form(self):
        a = self.invoice(600.0, due=TODAY - timedelta(days=30))
        b = self.invoice(400.0, due=TODAY - timedelta(days=10))
        disputed = self.invoice(50.0, due=TODAY - timedelta(days=10))
        disputed.b2b_disputed = True
        self.invoice(80.0, due=TODAY - timedelta(days=10)).button_draft()
        refund = self.invoice(30.0, due=TODAY, move_type="out_refund")
        self.assertTrue(refund)
        form_view = self.env.ref(
            "b2b_collections_negotiation.res_partner_view_form_plans"
        )
        action = self.env.ref(
            "b2b_collections_negotiation.b2b_collection_payment_plan_action_new"
        )
        self.assertIn(f'name="{action.id}"', form_view.arch_db)
        with Form(
            self.Plan.with_user(self.collector).with_context(
                default_partner_id=self.customer.id
            )
        ) as form:
            self.assertEqual(form.move_ids[:], a | b)
            self.assertEqual(form.debt_amount, 1000.0)
            self.assertEqual(form.collector_id, self.collector)
            form.first_due_date = date(2026, 4, 15)
        plan = form.record
        self.assertRegex(plan.name, r"^PP/2026/\d{4}$")
        plan.with_user(self.collector).action_compute_schedule()
        self.assertEqual(
            self.schedule(plan),
            [
                (1, date(2026, 4, 15), 333.33),
                (2, date(2026, 5, 15), 333.33),
                (3, date(2026, 6, 15), 333.34),
            ],
        )
        self.assertRecordValues(
            plan,
            [{"debt_amount": 1000.0, "interest_amount": 0.0, "total_amount": 1000.0}],
        )

    def test_interest_on_the_declining_balance(self):
        """1,000.00 at 6 % a year in 3 monthly instalments: principal
        333.33 / 333.33 / 333.34; interest 0.5 % of what is still owed:
        1,000.00 -> 5.00, 666.67 -> 3.33, 333.34 -> 1.67; total 10.00."""
        inv = self.invoice(1000.0, due=TODAY - timedelta(days=20))
        plan = self.make_plan(inv, first=date(2026, 4, 30), rate=6.0)
        self.assertRecordValues(
            plan.instalment_ids.sorted("sequence"),
            [
                {"principal_amount": 333.33, "interest_amount": 5.0, "amount": 338.33},
                {"principal_amount": 333.33, "interest_amount": 3.33, "amount": 336.66},
                {"principal_amount": 333.34, "interest_amount": 1.67, "amount": 335.01},
            ],
        )
        self.assertEqual(
            [i.due_date for i in plan.instalment_ids.sorted("sequence")],
            [date(2026, 4, 30), date(2026, 5, 30), date(2026, 6, 30)],
        )
        self.assertRecordValues(
            plan, [{"interest_amount": 10.0, "total_amount": 1010.0}]
        )
        plan.action_activate()
        # the interest is invoiced so that the customer's payments settle it
        interest = plan.interest_move_id
        self.assertRecordValues(
            interest,
            [
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "amount_total": 10.0,
                    "invoice_date_due": date(2026, 6, 30),
                }
            ],
        )
        self.assertEqual(
            interest.invoice_line_ids.account_id,
            self.company_data["default_account_revenue"],
        )
        self.assertEqual(plan.move_ids, inv | interest)
        self.assertEqual(
            plan.move_ids.mapped("b2b_collection_stage_id"), self.stage("payment_plan")
        )

    def test_weekly_schedule_with_interest(self):
        """1,040.00 at 5.2 % in 2 weekly instalments: 0.1 % a week;
        520.00 + 1.04 and 520.00 + 0.52."""
        inv = self.invoice(1040.0, due=TODAY - timedelta(days=20))
        plan = self.make_plan(
            inv, count=2, first=date(2026, 4, 3), interval="weekly", rate=5.2
        )
        self.assertEqual(
            self.schedule(plan),
            [(1, date(2026, 4, 3), 521.04), (2, date(2026, 4, 10), 520.52)],
        )
        self.assertEqual(plan.total_amount, 1041.56)

    def test_schedule_bad_input(self):
        inv = self.invoice(0.02, due=TODAY - timedelta(days=20))
        with self.assertRaisesText(UserError, "cannot be split into 3"):
            self.make_plan(inv)
        with self.assertRaisesText(UserError, "at least one instalment"):
            self.make_plan(inv, count=0)
        with self.assertRaisesText(ValidationError, "percentage between 0 and 100"):
            self.make_plan(inv, rate=-1.0)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPaymentPlanTracking(B2bPlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_a = cls.invoice(600.0, due=date(2026, 1, 31))
        cls.inv_b = cls.invoice(400.0, due=date(2026, 2, 28))

    def test_fifo_allocation_with_a_partial_payment(self):
        moves = self.inv_a | self.inv_b
        # paid before the plan: not a plan payment
        self.pay(self.inv_a, amount=50.0, pay_date=date(2026, 2, 20))
        plan = self.make_plan(
            moves, first=date(2026, 3, 30), start_date=date(2026, 3, 1)
        )
        self.assertEqual(plan.debt_amount, 950.0)
        self.assertEqual(
            self.schedule(plan),
            [
                (1, date(2026, 3, 30), 316.67),
                (2, date(2026, 4, 30), 316.67),
                (3, date(2026, 5, 30), 316.66),
            ],
        )
        plan.action_activate()
        self.pay(self.inv_a, amount=316.67, pay_date=date(2026, 3, 10))
        self.pay(self.inv_b, amount=100.0, pay_date=date(2026, 3, 29))
        # a credit note is not a payment
        refund = self.invoice(40.0, due=date(2026, 3, 20), move_type="out_refund")
        (refund | self.inv_b).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self.inv_b.amount_residual, 260.0)
        plan.action_update_from_payments()
        self.assertEqual(
            self.state_of(plan),
            [
                (1, 316.67, "paid", date(2026, 3, 10)),
                (2, 100.0, "partial", False),
                (3, 0.0, "due", False),
            ],
        )
        self.assertRecordValues(
            plan,
            [
                {
                    "state": "active",
                    "paid_amount": 416.67,
                    "remaining_amount": 533.33,
                    "on_track": True,
                    "next_due_date": date(2026, 4, 30),
                    "next_due_amount": 216.67,
                }
            ],
        )

    def test_a_reconciliation_updates_the_plan_before_commit(self):
        plan = self.make_plan(self.inv_a | self.inv_b, count=2, first=date(2026, 4, 30))
        plan.action_activate()
        self.pay(self.inv_b, amount=120.0)
        self.assertEqual(plan.paid_amount, 0.0)  # not yet: at commit
        self.env.cr.precommit.run()
        self.assertEqual(
            self.state_of(plan),
            [(1, 120.0, "partial", False), (2, 0.0, "due", False)],
        )
        self.assertEqual(plan.paid_amount, 120.0)

    def test_late_within_tolerance_then_broken_once(self):
        moves = self.inv_a | self.inv_b
        with freeze_time("2026-03-01"):
            plan = self.make_plan(
                moves, count=2, first=date(2026, 3, 15), start_date=date(2026, 3, 1)
            )
            plan.action_activate()
            self.assertEqual(plan.state, "active")
        self.pay(self.inv_a, amount=200.0, pay_date=date(2026, 3, 14))
        # 2 days late, tolerance 3 days: late but not broken
        with freeze_time("2026-03-17"):
            self.Plan._cron_b2b_update_plans()
        self.assertRecordValues(plan, [{"state": "active", "on_track": False}])
        self.assertEqual(self.state_of(plan)[0], (1, 200.0, "late", False))
        self.assertFalse(plan.activity_ids)
        # 4 days late: broken, the collector is told once, reminders resume
        with freeze_time("2026-03-19"):
            self.Plan._cron_b2b_update_plans()
            self.Plan._cron_b2b_update_plans()
        self.assertRecordValues(
            plan, [{"state": "broken", "date_broken": date(2026, 3, 19)}]
        )
        self.assertEqual(len(plan.activity_ids), 1)
        self.assertEqual(plan.activity_ids.user_id, self.collector)
        self.assertEqual(plan.activity_ids.date_deadline, date(2026, 3, 19))
        broken_notes = plan.message_ids.filtered(
            lambda m: "Payment plan broken" in (m.body or "")
        )
        self.assertEqual(len(broken_notes), 1)
        self.assertIn("instalment 1 of", broken_notes.body)
        self.assertEqual(
            moves.mapped("b2b_collection_stage_id"), self.stage("reminded")
        )
        self.Plan._cron_b2b_update_plans()
        self.assertEqual(len(plan.activity_ids), 1)

    def test_on_track_plan_pauses_reminders_broken_plan_resumes(self):
        def pauses():
            return {
                move_id: action["pause"]
                for action in self.Run._b2b_plan(self.company, TODAY)
                for move_id in action["move_ids"]
            }

        moves = self.inv_a | self.inv_b
        self.assertEqual(pauses(), {self.inv_a.id: None, self.inv_b.id: None})
        plan = self.make_plan(moves, first=TODAY + timedelta(days=10))
        plan.action_activate()
        self.assertTrue(plan.on_track)
        self.assertEqual(pauses(), {self.inv_a.id: "stage", self.inv_b.id: "stage"})
        # the first instalment is missed
        later = TODAY + timedelta(days=14)
        with freeze_time(later):
            self.Plan._cron_b2b_update_plans()
        self.assertEqual(plan.state, "broken")
        actions = self.Run._b2b_plan(self.company, later)
        self.assertEqual(
            {a["pause"] for a in actions if self.inv_a.id in a["move_ids"]}, {None}
        )

    def test_all_paid_completes_and_resolves(self):
        moves = self.inv_a | self.inv_b
        plan = self.make_plan(moves, count=2, first=TODAY + timedelta(days=10))
        plan.action_activate()
        self.pay(self.inv_a)
        plan.action_update_from_payments()
        self.assertEqual(
            self.state_of(plan),
            [(1, 500.0, "paid", TODAY), (2, 100.0, "partial", False)],
        )
        self.pay(self.inv_b)
        self.Plan._cron_b2b_update_plans()
        self.assertRecordValues(plan, [{"state": "completed", "paid_amount": 1000.0}])
        self.assertEqual(
            moves.mapped("b2b_collection_stage_id"), self.stage("resolved")
        )

    def test_cancel_returns_invoices_to_their_stage(self):
        self.inv_a.b2b_collection_stage_id = self.stage("final_notice")
        moves = self.inv_a | self.inv_b
        plan = self.make_plan(moves, rate=12.0)
        plan.action_activate()
        interest = plan.interest_move_id
        self.assertEqual(interest.amount_total, 20.0)  # 10.00 + 6.67 + 3.33
        plan.action_cancel()
        self.assertEqual(plan.state, "cancelled")
        self.assertEqual(self.inv_a.b2b_collection_stage_id, self.stage("final_notice"))
        self.assertEqual(self.inv_b.b2b_collection_stage_id, self.stage("current"))
        self.assertEqual(interest.payment_state, "reversed")


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPaymentPlanBadInput(B2bPlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv = cls.invoice(900.0, due=date(2026, 2, 28))

    def counts(self, plan):
        return (
            plan.state,
            self.env["account.move"].search_count([]),
            tuple(plan.move_ids.mapped("b2b_collection_stage_id").ids),
            self.env["mail.message"].search_count([]),
        )

    def test_activation_errors_write_nothing(self):
        plan = self.make_plan(self.inv)
        before = self.counts(plan)
        first = plan.instalment_ids.sorted("sequence")[0]

        first.amount = 299.0
        with self.assertRaisesText(UserError, "add up to"):
            plan.action_activate()
        self.assertEqual(self.counts(plan), before)
        first.amount = 300.0

        first.due_date = date(2026, 6, 1)
        with self.assertRaisesText(UserError, "later than the one"):
            plan.action_activate()
        first.due_date = date(2026, 4, 15)

        with self.assertRaisesText(ValidationError, "positive amount"):
            first.amount = 0.0

        self.inv.b2b_disputed = True
        with self.assertRaisesText(UserError, "disputed"):
            plan.action_activate()
        self.inv.b2b_disputed = False

        other = self.make_plan(self.inv)
        other.action_activate()
        with self.assertRaisesText(UserError, "another active"):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")
        other.action_cancel()

        self.pay(self.inv)
        with self.assertRaisesText(UserError, "not open posted"):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")

    def test_interest_needs_a_fee_account(self):
        plan = self.make_plan(self.inv, rate=10.0)
        self.company.b2b_fee_account_id = False
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaisesText(UserError, "late fee income account"):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self.inv.b2b_collection_stage_id, self.stage("current"))

    def test_started_schedule_is_locked(self):
        plan = self.make_plan(self.inv)
        plan.action_activate()
        with self.assertRaisesText(AccessError, "only be changed while"):
            plan.instalment_ids[0].amount = 100.0
        with self.assertRaisesText(UserError, "draft payment plan can be activated"):
            plan.action_activate()
        with self.assertRaisesText(UserError, "Only draft payment plans"):
            plan.unlink()


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPaymentPlanAccess(B2bPlanCase):
    def test_collector_works_plans_of_own_companies_only(self):
        inv = self.invoice(300.0, due=date(2026, 2, 28))
        Plan = self.Plan.with_user(self.collector)
        plan = Plan.create(
            {
                "partner_id": self.customer.id,
                "instalment_count": 2,
                "first_due_date": date(2026, 4, 30),
            }
        )
        self.assertEqual(plan.move_ids, inv)
        plan.action_compute_schedule()
        plan.action_activate()
        self.assertEqual(plan.state, "active")
        plan.action_cancel()
        with self.assertRaises(AccessError):
            plan.unlink()
        # a plan that ran is evidence of the agreement: kept, even for a manager
        with self.assertRaisesText(UserError, "Only draft payment plans"):
            plan.with_user(self.manager).unlink()

        company_2 = self.setup_other_company(name="Plan Co 2")["company"]
        customer_2 = self.env["res.partner"].create({"name": "Far Away Ltd"})
        inv_2 = self.invoice(
            200.0, due=date(2026, 2, 28), partner=customer_2, company=company_2
        )
        plan_2 = self.Plan.with_company(company_2).create(
            {"partner_id": customer_2.id, "company_id": company_2.id}
        )
        self.assertEqual(plan_2.move_ids, inv_2)
        self.assertFalse(Plan.search([("id", "=", plan_2.id)]))
        with self.assertRaises(AccessError):
            plan_2.with_user(self.collector).read(["name"])
        other_user = new_test_user(
            self.env,
            login="b2b_plan_other",
            groups="base.group_user",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self.Plan.with_user(other_user).search([])
