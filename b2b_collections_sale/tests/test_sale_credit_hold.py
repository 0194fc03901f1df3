from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSaleCreditHold(B2bCollectionsCase):
    """A customer on credit hold gets no sale order confirmed, whoever
    confirms it and however (the check is where the order becomes a sale
    order); a collections manager may confirm one order, once, saying why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="b2b_salesman",
            name="Sam Sales",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer.with_user(cls.manager).write(
            {"b2b_credit_hold": True, "b2b_credit_hold_reason": "Cheque bounced"}
        )

    def quotation(self, partner=None, user=None):
        return (
            self.env["sale.order"]
            .with_user(user or self.salesman)
            .create(
                {
                    "partner_id": (partner or self.customer).id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_a.id,
                                "product_uom_qty": 2,
                                "price_unit": 100.0,
                            }
                        )
                    ],
                }
            )
        )

    def override(self, order, reason="Prepaid by bank transfer", user=None):
        action = order.with_user(user or self.manager).action_b2b_confirm_despite_hold()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(user or self.manager)
            .with_context(**action["context"])
        )
        wizard.reason = reason
        return wizard.save()

    def test_a_customer_on_hold_gets_no_order_confirmed(self):
        order = self.quotation()
        self.assertIn("Cheque bounced", order.b2b_credit_block)
        with self.assertRaisesText(UserError, "No sale order can be confirmed") as err:
            order.action_confirm()
        message = str(err.exception)
        # the customer, the reason, the day it was put on hold, who may lift it
        self.assertIn("Acme Online Retail is on credit hold since 03/31/2026", message)
        self.assertIn("Cheque bounced", message)
        self.assertIn("collections manager", message)
        self.assertEqual(order.state, "draft")
        # sent by email first, or confirmed by any user, or by other code
        order.action_quotation_sent()
        self.assertEqual(order.state, "sent")
        for user in (self.salesman, self.collector, self.manager):
            with self.assertRaises(UserError):
                order.with_user(user).action_confirm()
        with self.assertRaises(UserError):
            order.sudo().action_confirm()
        # the state written directly, or an order created confirmed
        with self.assertRaises(UserError):
            order.write({"state": "sale"})
        with self.assertRaisesText(UserError, "Cheque bounced"):
            self.env["sale.order"].create(
                {"partner_id": self.customer.id, "state": "sale"}
            )
        self.assertEqual(order.state, "sent")

    def test_the_hold_and_the_invoice_say_the_same(self):
        """One wording of the hold for the order and the invoice."""
        order = self.quotation()
        move = self.invoice(100.0, due=TODAY, post=False)
        hold = self.customer._b2b_credit_hold_message()
        self.assertEqual(order.b2b_credit_block, hold)
        self.assertEqual(move.b2b_credit_block, hold)
        self.assertEqual(
            hold,
            "Acme Online Retail is on credit hold since 03/31/2026: Cheque bounced.",
        )

    def test_a_quotation_to_a_contact_of_a_held_company_is_blocked(self):
        order = self.quotation(partner=self.customer_contact)
        self.assertIn("Acme Online Retail", order.b2b_credit_block)
        with self.assertRaises(UserError):
            order.action_confirm()
        # invoiced to the held company, for another customer: blocked too
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        order = self.quotation(partner=other)
        order.partner_invoice_id = self.customer_contact
        with self.assertRaisesText(UserError, "Acme Online Retail"):
            order.action_confirm()

    def test_a_customer_not_on_hold_is_not_concerned(self):
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        order = self.quotation(partner=other)
        self.assertFalse(order.b2b_credit_block)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.b2b_credit_override_user_id)
        # released, the customer gets its orders confirmed again
        self.customer.with_user(self.manager).b2b_credit_hold = False
        order = self.quotation()
        self.assertFalse(order.b2b_credit_block)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_a_manager_confirms_one_order_despite_the_hold_once(self):
        order = self.quotation()
        other = self.quotation()
        wizard = self.override(order)
        self.assertEqual(wizard.partner_id, self.customer)
        self.assertIn("Cheque bounced", wizard.block_reason)
        wizard.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            order,
            [
                {
                    "b2b_credit_override_user_id": self.manager.id,
                    "b2b_credit_override_reason": "Prepaid by bank transfer",
                    "b2b_credit_override_pending": False,
                    "b2b_credit_block": "",
                }
            ],
        )
        self.assertTrue(order.b2b_credit_override_date)
        note = order.message_ids.filtered(
            lambda m: "Confirmed despite the credit hold" in (m.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertIn("Prepaid by bank transfer", note.body)
        self.assertIn("Mia Manager", note.body)
        # the hold stays: for the other orders...
        self.assertTrue(self.customer.b2b_credit_hold)
        with self.assertRaises(UserError):
            other.action_confirm()
        # ... and for this one, cancelled and confirmed again
        order.with_context(disable_cancel_warning=True).action_cancel()
        order.action_draft()
        with self.assertRaises(UserError):
            order.action_confirm()
        # a reason is required
        with self.assertRaisesText(ValidationError, "Say why"):
            self.env["b2b.collection.credit.override"].with_user(self.manager).create(
                {"order_id": order.id, "reason": " "}
            )

    def test_only_a_collections_manager_confirms_despite_the_hold(self):
        order = self.quotation()
        Wizard = self.env["b2b.collection.credit.override"]
        for user in (self.salesman, self.collector):
            with self.assertRaises(AccessError):
                order.with_user(user).action_b2b_confirm_despite_hold()
            with self.assertRaises(AccessError):
                Wizard.with_user(user).create({"order_id": order.id, "reason": "Me"})
            for vals in (
                {"b2b_credit_override_pending": True},
                {"b2b_credit_override_reason": "Me"},
                {"b2b_credit_override_user_id": user.id},
            ):
                with self.assertRaises(AccessError):
                    order.with_user(user).write(vals)
        # not even when creating the order
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {"partner_id": self.customer.id, "b2b_credit_override_pending": True}
            )
        # a salesman who is no collections manager cannot run the dialog's action
        wizard = Wizard.with_user(self.manager).create(
            {"order_id": order.id, "reason": "Prepaid"}
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.b2b_credit_override_pending)

    def test_a_document_at_a_time(self):
        order = self.quotation()
        move = self.invoice(100.0, due=TODAY, post=False)
        Wizard = self.env["b2b.collection.credit.override"].with_user(self.manager)
        with self.assertRaisesText(ValidationError, "one document"):
            Wizard.create({"order_id": order.id, "move_id": move.id, "reason": "x"})
        with self.assertRaisesText(ValidationError, "one document"):
            Wizard.create({"reason": "x"})
        # the invoice's dialog is the same, and posts
        Wizard.create({"move_id": move.id, "reason": "Prepaid"}).action_confirm()
        self.assertEqual(move.state, "posted")
        self.assertEqual(order.state, "draft")
