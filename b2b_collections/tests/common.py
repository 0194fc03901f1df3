from contextlib import contextmanager
from datetime import date

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# Every test runs on this day (freeze_time), so that days overdue are exact.
TODAY = date(2026, 3, 31)


class B2bCollectionsCase(AccountTestInvoicingCommon):
    """Fixtures: a B2B customer with its AP contact, a collector and a manager,
    and helpers to post invoices with an exact due date and pay them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.stage_model = cls.env["b2b.collection.stage"]
        cls.collector = new_test_user(
            cls.env,
            login="b2b_collector",
            name="Colin Collector",
            email="colin@example.com",
            groups="b2b_collections.group_b2b_collection_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="b2b_manager",
            name="Mia Manager",
            email="mia@example.com",
            groups="b2b_collections.group_b2b_collection_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Acme Online Retail",
                "is_company": True,
                "email": "billing@acme.example.com",
                "b2b_collector_id": cls.collector.id,
                "child_ids": [
                    Command.create(
                        {"name": "Ann Payable", "email": "ap@acme.example.com"}
                    )
                ],
            }
        )
        cls.customer_contact = cls.customer.child_ids

    @classmethod
    def get_default_groups(cls):
        groups = super().get_default_groups()
        return groups | cls.env.ref("b2b_collections.group_b2b_collection_manager")

    @contextmanager
    def assertRaisesText(self, exception, pattern):
        """assertRaises (which rolls back to a savepoint, as a failed RPC call
        rolls back its transaction) plus a check of the message."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertRegex(str(catcher.exception), pattern)

    @classmethod
    def stage(cls, code):
        return cls.stage_model._b2b_stage(code)

    @classmethod
    def invoice(
        cls,
        amount,
        due,
        partner=None,
        invoice_date=None,
        move_type="out_invoice",
        currency=None,
        company=None,
        post=True,
    ):
        """A customer invoice (or credit note) of ``amount``, without tax,
        due on ``due``."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": invoice_date or due,
                    "invoice_date_due": due,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def pay(cls, moves, amount=None, pay_date=None, currency=None):
        """Register a payment on ``moves`` through the standard wizard;
        ``amount`` leaves the rest open (partial payment)."""
        vals = {"payment_date": pay_date or TODAY}
        if amount is not None:
            vals.update(amount=amount, payment_difference_handling="open")
        if currency:
            vals["currency_id"] = currency.id
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(vals)
            ._create_payments()
        )

    @classmethod
    def unapplied_payment(cls, amount, partner=None, pay_date=None):
        """A posted customer payment left unreconciled (money on account)."""
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or cls.customer).id,
                "amount": amount,
                "date": pay_date or TODAY,
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment
