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

from .test_agency import AgencyCase


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
