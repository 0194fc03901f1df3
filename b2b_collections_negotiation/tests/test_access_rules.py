"""The findings of the trust review, each replayed as the user who tried it:
state, approval, money, rate, date and author fields change only through the
actions that check the role, evidence is never rewritten or deleted, and
portal users read nothing internal. The same rules are tried for every model
and role over JSON-RPC by tests/test_e2e_access.py."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.b2b_collections.tests.common import TODAY

from .test_settlement import B2bSettlementCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSettlementGuards(B2bSettlementCase):
    def test_collector_cannot_approve_her_own_settlement(self):
        settlement = self.settle(650.0)
        settlement.with_user(self.collector).action_propose()
        as_collector = settlement.with_user(self.collector)
        with self.assertRaisesText(AccessError, "set by the record's actions"):
            as_collector.write({"state": "approved", "approved_by_id": self.manager.id})
        with self.assertRaisesText(AccessError, "Only a collections manager"):
            as_collector.action_approve()
        self.assertEqual(settlement.state, "proposed")
        self.assertFalse(settlement.approved_by_id)

    def test_approval_is_a_managers_and_freezes_the_terms(self):
        settlement = self.settle(650.0)
        settlement.with_user(self.collector).action_propose()
        settlement.with_user(self.manager).action_approve()
        self.assertEqual(settlement.approved_by_id, self.manager)
        # the collector cannot lower what the customer pays after approval
        with self.assertRaisesText(AccessError, "only be changed while the record"):
            settlement.with_user(self.collector).settled_amount = 1.0
        with self.assertRaisesText(AccessError, "only be changed while the record"):
            settlement.with_user(self.manager).settled_amount = 1.0
        self.assertEqual(settlement.settled_amount, 650.0)

    def test_collector_cannot_write_off(self):
        settlement = self.settle(650.0)
        settlement.with_user(self.collector).action_propose()
        settlement.with_user(self.manager).action_approve()
        self.pay(self.inv_a, amount=650.0)
        before = self.counts()
        with self.assertRaisesText(AccessError, "write off"):
            settlement.with_user(self.collector).action_write_off()
        self.assertEqual(self.counts(), before)
        settlement.with_user(self.manager).action_write_off()
        self.assertEqual(settlement.state, "written_off")

    def test_collector_cannot_cancel_an_approved_settlement(self):
        settlement = self.settle(650.0)
        settlement.with_user(self.collector).action_propose()
        settlement.with_user(self.manager).action_approve()
        with self.assertRaisesText(AccessError, "cancel an approved"):
            settlement.with_user(self.collector).action_cancel()
        settlement.with_user(self.manager).action_cancel()
        self.assertEqual(settlement.state, "cancelled")
        # cancelled after an approval: kept as evidence
        with self.assertRaisesText(UserError, "Only draft settlements"):
            settlement.with_user(self.manager).unlink()

    def test_a_context_default_sets_no_action_field(self):
        with self.assertRaisesText(AccessError, "Status"):
            self.Settlement.with_user(self.collector).with_context(
                default_state="approved"
            ).create({"partner_id": self.customer.id, "settled_amount": 10.0})
        with self.assertRaisesText(AccessError, "Approved By"):
            self.Settlement.with_user(self.collector).create(
                {
                    "partner_id": self.customer.id,
                    "settled_amount": 10.0,
                    "approved_by_id": self.manager.id,
                }
            )

    def test_the_reference_comes_from_the_sequence(self):
        settlement = self.Settlement.with_user(self.collector).create(
            {"partner_id": self.customer.id, "settled_amount": 10.0}
        )
        self.assertRegex(settlement.name, r"^ST/2026/\d{4}$")
        with self.assertRaisesText(AccessError, "Reference"):
            settlement.with_user(self.manager).name = "ST/2026/9999"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPaymentPlanGuards(B2bSettlementCase):
    def test_plan_is_activated_only_by_its_action(self):
        plan = (
            self.env["b2b.collection.payment.plan"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "instalment_ids": [
                        Command.create({"due_date": TODAY, "amount": 1.0})
                    ],
                }
            )
        )
        with self.assertRaisesText(AccessError, "Status"):
            plan.write({"state": "active"})
        # through the action, the instalments must add up to the debt
        with self.assertRaises(UserError):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")

    def test_running_plan_schedule_is_frozen(self):
        plan = (
            self.env["b2b.collection.payment.plan"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "instalment_count": 2,
                    "first_due_date": TODAY + timedelta(days=10),
                }
            )
        )
        plan.action_compute_schedule()
        plan.action_activate()
        instalment = plan.instalment_ids[0]
        with self.assertRaisesText(AccessError, "only be changed while"):
            instalment.with_user(self.collector).amount = 1.0
        with self.assertRaisesText(AccessError, "set by the record's actions"):
            instalment.with_user(self.collector).write({"state": "paid"})
        with self.assertRaisesText(UserError, "the plan has started"):
            self.env["b2b.collection.payment.plan.instalment"].with_user(
                self.collector
            ).create({"plan_id": plan.id, "due_date": TODAY, "amount": 5.0})
        with self.assertRaisesText(UserError, "the plan has started"):
            instalment.with_user(self.collector).unlink()
        self.assertEqual(len(plan.instalment_ids), 2)
