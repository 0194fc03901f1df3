from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCreditHold(B2bCollectionsCase):
    """A customer on credit hold gets no new invoice posted, whoever posts it
    and however (the check is in ``_post``); a collections manager may let
    one invoice through, once, saying why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.with_user(cls.manager).write(
            {"b2b_credit_hold": True, "b2b_credit_hold_reason": "120 days overdue"}
        )

    def draft(self, amount=100.0, move_type="out_invoice", partner=None):
        return self.invoice(
            amount,
            due=TODAY + timedelta(days=30),
            move_type=move_type,
            partner=partner,
            post=False,
        )

    def test_a_customer_on_hold_gets_no_new_invoice(self):
        self.assertEqual(self.customer.b2b_credit_hold_date, TODAY)
        move = self.draft()
        # a collector (who may post invoices) is refused, with the reason
        with self.assertRaisesText(UserError, "on credit hold since .*120 days"):
            move.with_user(self.collector).action_post()
        self.assertEqual(move.state, "draft")
        # the same through the ORM's one door, whatever the caller
        with self.assertRaisesText(UserError, "collections manager"):
            move._post(soft=False)
        # an invoice to its contact is an invoice to the customer
        with self.assertRaises(UserError):
            self.draft(partner=self.customer_contact).action_post()
        # no new credit: credit notes and the charges on the debt go through
        refund = self.draft(move_type="out_refund")
        refund.action_post()
        self.assertEqual(refund.state, "posted")
        charges = self.draft(10.0)
        charges.sudo().b2b_is_charge_invoice = True
        charges.action_post()
        self.assertEqual(charges.state, "posted")
        # another customer is not concerned
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        self.draft(partner=other).action_post()

    def test_a_hold_says_why_and_a_release_forgets_it(self):
        customer = self.env["res.partner"].create({"name": "New", "is_company": True})
        as_manager = customer.with_user(self.manager)
        with self.assertRaisesText(ValidationError, "Say why"):
            as_manager.write({"b2b_credit_hold": True})
        with self.assertRaisesText(ValidationError, "Say why"):
            as_manager.write({"b2b_credit_hold": True, "b2b_credit_hold_reason": " "})
        as_manager.write({"b2b_credit_hold": True, "b2b_credit_hold_reason": "Bounced"})
        self.assertEqual(customer.b2b_credit_hold_date, TODAY)
        as_manager.b2b_credit_hold = False
        self.assertFalse(customer.b2b_credit_hold_reason)
        self.assertFalse(customer.b2b_credit_hold_date)
        self.draft(partner=customer).action_post()

    def test_holds_and_releases_are_tracked(self):
        customer = self.customer.with_user(self.manager).with_context(
            tracking_disable=False, mail_notrack=False
        )
        # (the fixtures' own changes are not tracked: created in this transaction)
        self.env.cr.precommit.data.pop("mail.tracking.res.partner", None)
        customer.b2b_credit_hold = False
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written before the commit
        customer.invalidate_recordset(["message_ids"])
        tracked = customer.sudo().message_ids.tracking_value_ids
        self.assertEqual(
            set(tracked.field_id.mapped("name")),
            {"b2b_credit_hold", "b2b_credit_hold_reason", "b2b_credit_hold_date"},
        )
        reason = tracked.filtered(
            lambda value: value.field_id.name == "b2b_credit_hold_reason"
        )
        self.assertEqual(reason.old_value_char, "120 days overdue")

    def test_only_a_manager_holds_releases_or_lets_an_invoice_through(self):
        move = self.draft()
        as_collector = self.customer.with_user(self.collector)
        with self.assertRaises(AccessError):
            as_collector.write({"b2b_credit_hold": False})
        with self.assertRaises(AccessError):
            as_collector.write({"b2b_credit_hold_reason": "Paid"})
        with self.assertRaises(AccessError):
            move.with_user(self.collector).action_b2b_post_despite_hold()
        with self.assertRaises(AccessError):
            move.with_user(self.collector).write({"b2b_credit_override_pending": True})
        with self.assertRaises(AccessError):
            self.env["b2b.collection.credit.override"].with_user(self.collector).create(
                {"move_id": move.id, "reason": "Trust me"}
            )
        self.assertTrue(self.customer.b2b_credit_hold)
        self.assertEqual(move.state, "draft")

    def test_a_manager_posts_one_invoice_despite_the_hold_once(self):
        move = self.draft()
        other_draft = self.draft(200.0)
        action = move.with_user(self.manager).action_b2b_post_despite_hold()
        self.assertEqual(action["res_model"], "b2b.collection.credit.override")
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
        )
        self.assertIn("120 days overdue", wizard.block_reason)
        wizard.reason = "Prepaid order"
        wizard.save().action_confirm()
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.b2b_credit_override_user_id, self.manager)
        self.assertEqual(move.b2b_credit_override_reason, "Prepaid order")
        self.assertTrue(move.b2b_credit_override_date)
        self.assertFalse(move.b2b_credit_override_pending, "spent")
        self.assertIn("Prepaid order", move.message_ids[0].body)
        # the hold stays: for the other invoices, and for this one reposted
        self.assertTrue(self.customer.b2b_credit_hold)
        with self.assertRaises(UserError):
            other_draft.action_post()
        move.button_draft()
        with self.assertRaises(UserError):
            move.action_post()
        # a reason is required
        with self.assertRaises(ValidationError):
            self.env["b2b.collection.credit.override"].with_user(self.manager).create(
                {"move_id": move.id, "reason": ""}
            )

    def test_an_invoice_over_the_credit_limit_is_blocked_where_the_company_says(self):
        customer = self.env["res.partner"].create(
            {"name": "Limited", "is_company": True}
        )
        self.company.account_use_credit_limit = True
        customer.credit_limit = 1000.0
        self.invoice(800.0, due=TODAY + timedelta(days=30), partner=customer)
        # 800 + 150 = 950: within the limit
        self.draft(150.0, partner=customer).action_post()
        over = self.draft(100.0, partner=customer)
        # Odoo warns only, by default
        self.assertIn("credit limit", over.partner_credit_warning)
        self.assertFalse(over.b2b_credit_block)
        self.company.b2b_block_over_credit_limit = True
        over.invalidate_recordset(["b2b_credit_block"])
        self.assertIn("credit limit", over.b2b_credit_block)
        with self.assertRaisesText(UserError, "reached its credit limit"):
            over.with_user(self.collector).action_post()
        # a manager posts it once, saying why
        wizard = self.env["b2b.collection.credit.override"].with_user(self.manager)
        wizard.create({"move_id": over.id, "reason": "Paid upfront"}).action_confirm()
        self.assertEqual(over.state, "posted")
        self.assertIn("credit limit", over.message_ids[0].body)
        # over the limit, a credit note still goes through: it lowers the debt
        self.draft(50.0, move_type="out_refund", partner=customer).action_post()

    def test_a_hold_a_reminder_set_ends_once_paid_where_the_company_says(self):
        Partner = self.env["res.partner"]
        reminded, by_hand = (
            Partner.create({"name": name, "is_company": True})
            for name in ("Reminded", "By Hand")
        )
        invoices = {
            customer: self.invoice(
                500.0, due=TODAY - timedelta(days=40), partner=customer
            )
            for customer in (reminded, by_hand)
        }
        reminded._b2b_put_on_credit_hold("Final notice of 03/01/2026")
        by_hand.with_user(self.manager).write(
            {"b2b_credit_hold": True, "b2b_credit_hold_reason": "Cheque bounced"}
        )
        self.assertTrue(reminded.b2b_credit_hold_auto)
        self.assertFalse(by_hand.b2b_credit_hold_auto)
        # off by default: paid, the hold stays
        self.pay(invoices[reminded], amount=200.0)
        self.env.cr.precommit.run()
        self.assertTrue(reminded.b2b_credit_hold)
        self.company.b2b_credit_auto_release = True
        # something still overdue: the hold stays
        self.pay(invoices[reminded], amount=100.0)
        self.env.cr.precommit.run()
        self.assertTrue(reminded.b2b_credit_hold)
        # nothing overdue any more: released, and said so
        self.pay(invoices[reminded])
        self.pay(invoices[by_hand])
        self.env.cr.precommit.run()
        self.assertFalse(reminded.b2b_credit_hold)
        self.assertFalse(reminded.b2b_credit_hold_reason)
        self.assertIn("released by itself", reminded.message_ids[0].body)
        self.draft(partner=reminded).action_post()
        # a hold set by hand stays until a manager lifts it
        self.assertTrue(by_hand.b2b_credit_hold)
