"""The findings of the trust review, each replayed as the user who tried it:
state, approval, money, rate, date and author fields change only through the
actions that check the role, evidence is never rewritten or deleted, and
portal users read nothing internal. The same rules are tried for every model
and role over JSON-RPC by tests/test_e2e_access.py."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import TODAY
from .test_agency import AgencyCase
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


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPlacementGuards(AgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_a = cls.invoice(1200.0, due=TODAY - timedelta(days=60))
        cls.placement = cls.place(cls.inv_a, date=TODAY - timedelta(days=10))
        cls.pay(cls.inv_a, amount=500.0, pay_date=TODAY - timedelta(days=2))

    def test_collector_cannot_change_the_terms_of_a_running_placement(self):
        as_collector = self.placement.with_user(self.collector)
        for vals in (
            {"commission_rate": 99.0},
            {"fixed_fee": 0.0},
            {"state": "closed_recovered"},
        ):
            with self.assertRaisesText(AccessError, "set by the record's actions"):
                as_collector.write(vals)
        with self.assertRaisesText(AccessError, "only be changed while"):
            as_collector.date_placed = TODAY - timedelta(days=100)
        self.assertRecordValues(
            self.placement,
            [{"commission_rate": 15.0, "fixed_fee": 50.0, "state": "placed"}],
        )

    def test_a_billed_recovery_is_never_deleted_with_its_line(self):
        recovery = self.placement.recovery_ids
        self.assertEqual(recovery.amount, 500.0)
        with self.assertRaisesText(UserError, "is placed"):
            self.placement.line_ids.with_user(self.collector).unlink()
        with self.assertRaisesText(AccessError, "only be changed while"):
            self.placement.with_user(self.collector).write(
                {"line_ids": [Command.unlink(self.placement.line_ids.id)]}
            )
        self.assertTrue(recovery.exists())

    def test_payment_report_is_confirmed_by_its_action_only(self):
        update = self.env["b2b.collection.placement.update"].create(
            {
                "placement_id": self.placement.id,
                "kind": "payment",
                "description": "Paid by wire",
                "reported_amount": 200.0,
                "reported_date": TODAY,
            }
        )
        self.assertEqual(update.report_state, "pending")
        with self.assertRaisesText(AccessError, "set by the record's actions"):
            update.with_user(self.collector).write(
                {"report_state": "confirmed", "confirmed_by_id": self.manager.id}
            )
        with self.assertRaisesText(AccessError, "cannot be changed once"):
            update.with_user(self.collector).reported_amount = 2000.0
        update.with_user(self.collector).action_confirm()
        self.assertRecordValues(
            update,
            [{"report_state": "confirmed", "confirmed_by_id": self.collector.id}],
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestEvidenceAndPortal(AgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_a = cls.invoice(1200.0, due=TODAY - timedelta(days=60))
        cls.other_collector = new_test_user(
            cls.env,
            login="b2b_collector_other",
            groups="b2b_collections.group_b2b_collection_user",
        )
        cls.note = (
            cls.env["b2b.collection.note"]
            .with_user(cls.collector)
            .create({"partner_id": cls.customer.id, "outcome": "reached"})
        )
        cls.customer.b2b_do_not_contact_reason = "Handled by our lawyers"

    def test_another_collector_cannot_rewrite_a_call_note(self):
        as_other = self.note.with_user(self.other_collector)
        with self.assertRaisesText(AccessError, "Author"):
            as_other.user_id = self.other_collector
        with self.assertRaisesText(AccessError, "cannot be changed once"):
            as_other.date = TODAY - timedelta(days=30)
        with self.assertRaisesText(AccessError, "Only a collections manager"):
            as_other.summary = "Customer agreed to pay everything"
        # its own author neither: a correction is a manager's, tracked
        with self.assertRaisesText(AccessError, "Only a collections manager"):
            self.note.with_user(self.collector).summary = "Rewritten"
        with self.assertRaisesText(AccessError, "delete"):
            self.note.with_user(self.manager).unlink()

    def test_manager_correction_is_tracked(self):
        note = self.note.with_user(self.manager).with_context(
            tracking_disable=False, mail_notrack=False
        )
        # the note was created in this transaction, which discards its tracking
        # (a real correction happens in a later one)
        self.env.cr.precommit.data.pop("mail.tracking.b2b.collection.note", None)
        note.summary = "Spoke with the AP clerk"
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written before the commit
        note.invalidate_recordset(["message_ids"])
        tracked = note.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "summary"
        )
        self.assertEqual(tracked.new_value_text, "Spoke with the AP clerk")
        # its author: tests/test_e2e_jsonrpc.py, one transaction per request

    def test_portal_users_read_no_internal_field(self):
        portal = new_test_user(
            self.env,
            login="b2b_customer_portal",
            groups="base.group_portal",
            partner_id=self.customer_contact.id,
        )
        agency_user = new_test_user(
            self.env,
            login="b2b_agency_portal",
            groups="base.group_portal,b2b_collections.group_b2b_collection_agency",
            partner_id=self.agency_partner.id,
        )
        placement = self.place(self.inv_a, date=TODAY - timedelta(days=10))
        for user in (portal, agency_user):
            for field in (
                "b2b_do_not_contact_reason",
                "b2b_collector_id",
                "b2b_amount_overdue",
                "b2b_next_action_date",
            ):
                with self.assertRaises(AccessError, msg=f"{user.login} {field}"):
                    self.customer.with_user(user).read([field])
            with self.assertRaises(AccessError):
                self.inv_a.with_user(user).read(["b2b_collection_stage_id"])
            # reading what a portal user may read leaves the internal fields out
            names = self.customer.with_user(user).fields_get(attributes=["type"])
            self.assertFalse([name for name in names if name.startswith("b2b_")])
        # the agency reads its running placement, not the lines of an ended one
        self.assertTrue(placement.line_ids.with_user(agency_user).read(["move_id"]))
        placement._b2b_end("closed_recovered", TODAY)
        with self.assertRaises(AccessError):
            placement.line_ids.with_user(agency_user).read(["move_id"])
        with self.assertRaises(AccessError):
            placement.with_user(agency_user).read(["close_note"])
