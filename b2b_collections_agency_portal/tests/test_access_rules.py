"""The findings of the trust review, each replayed as the user who tried it:
state, approval, money, rate, date and author fields change only through the
actions that check the role, evidence is never rewritten or deleted, and
portal users read nothing internal. The same rules are tried for every model
and role over JSON-RPC by tests/test_e2e_access.py."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.b2b_collections_agency.tests.test_agency import AgencyCase


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
            groups="base.group_portal,b2b_collections_agency.group_b2b_collection_agency",
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
