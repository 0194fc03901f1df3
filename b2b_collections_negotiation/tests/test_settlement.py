from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase


class B2bSettlementCase(B2bCollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bad_debt = cls.company_data["default_account_expense"]
        cls.misc_journal = cls.company_data["default_journal_misc"]
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.company.write(
            {
                "b2b_bad_debt_account_id": cls.bad_debt.id,
                "b2b_writeoff_journal_id": cls.misc_journal.id,
            }
        )
        cls.Settlement = cls.env["b2b.collection.settlement"]
        cls.inv_a = cls.invoice(700.0, due=date(2026, 1, 31))
        cls.inv_b = cls.invoice(300.0, due=date(2026, 2, 28))

    def settle(self, amount, user=None, **vals):
        return self.Settlement.with_user(user or self.collector).create(
            {"partner_id": self.customer.id, "settled_amount": amount, **vals}
        )

    def counts(self):
        """What a refused step must not leave behind."""
        return (
            self.Settlement.search_count([]),
            self.env["account.move"].search_count([]),
            self.env["account.partial.reconcile"].search_count([]),
            tuple((self.inv_a | self.inv_b).mapped("b2b_collection_stage_id").ids),
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSettlement(B2bSettlementCase):
    def test_prefilled_from_the_customer_form(self):
        form_view = self.env.ref(
            "b2b_collections_negotiation.res_partner_view_form_plans"
        )
        action = self.env.ref(
            "b2b_collections_negotiation.b2b_collection_settlement_action_new"
        )
        self.assertIn(f'name="{action.id}"', form_view.arch_db)
        with Form(
            self.Settlement.with_user(self.collector).with_context(
                default_partner_id=self.customer.id
            )
        ) as form:
            self.assertEqual(form.move_ids[:], self.inv_a | self.inv_b)
            self.assertEqual(form.debt_amount, 1000.0)
            form.settled_amount = 650.0
            self.assertEqual(form.writeoff_amount, 350.0)
        self.assertRegex(form.record.name, r"^ST/2026/\d{4}$")

    def test_write_off_entry_lines_are_exact(self):
        settlement = self.settle(600.0, due_date=date(2026, 4, 30))
        settlement.action_propose()
        self.assertRecordValues(
            settlement,
            [
                {
                    "state": "proposed",
                    "debt_amount": 1000.0,
                    "settled_amount": 600.0,
                    "writeoff_amount": 400.0,
                }
            ],
        )
        settlement.with_user(self.manager).action_approve()
        self.assertRecordValues(
            settlement,
            [
                {
                    "state": "approved",
                    "approved_by_id": self.manager.id,
                    "paid_amount": 0,
                }
            ],
        )
        # paid on the oldest invoice: 100.00 of it and all of the other stay open
        self.pay(self.inv_a, amount=600.0)
        # a credit note is not a payment toward the settlement
        self.Settlement._cron_b2b_update_settlements()
        self.assertRecordValues(settlement, [{"state": "paid", "paid_amount": 600.0}])

        # writing off is a manager's (test_access_rules: a collector is refused)
        settlement.with_user(self.manager).action_write_off()
        entry = settlement.writeoff_move_id
        self.assertRecordValues(
            entry,
            [{"state": "posted", "journal_id": self.misc_journal.id, "date": TODAY}],
        )
        self.assertRecordValues(
            entry.line_ids.sorted("id"),
            [
                {
                    "account_id": self.bad_debt.id,
                    "partner_id": self.customer.id,
                    "debit": 400.0,
                    "credit": 0.0,
                },
                {
                    "account_id": self.receivable.id,
                    "partner_id": self.customer.id,
                    "debit": 0.0,
                    "credit": 100.0,
                },
                {
                    "account_id": self.receivable.id,
                    "partner_id": self.customer.id,
                    "debit": 0.0,
                    "credit": 300.0,
                },
            ],
        )
        self.assertRecordValues(
            self.inv_a | self.inv_b,
            [
                {
                    "amount_residual": 0.0,
                    "b2b_collection_stage_id": self.stage("written_off").id,
                },
                {
                    "amount_residual": 0.0,
                    "b2b_collection_stage_id": self.stage("written_off").id,
                },
            ],
        )
        self.assertEqual(settlement.state, "written_off")
        self.assertTrue(entry.line_ids[1:].mapped("reconciled"))
        with self.assertRaisesText(UserError, "cannot be cancelled"):
            settlement.action_cancel()

    def test_agreed_settlement_pauses_reminders_until_cancelled(self):
        reminded = self.stage("reminded")
        self.inv_a.b2b_collection_stage_id = reminded
        settlement = self.settle(650.0)
        settlement.action_propose()
        self.assertEqual(
            (self.inv_a | self.inv_b).mapped("b2b_collection_stage_id"),
            self.stage("settlement"),
        )
        pauses = {
            a["pause"]
            for a in self.env["b2b.collection.run"]._b2b_plan(self.company, TODAY)
        }
        self.assertEqual(pauses, {"stage"})
        settlement.action_cancel()
        self.assertEqual(self.inv_a.b2b_collection_stage_id, reminded)
        self.assertEqual(self.inv_b.b2b_collection_stage_id, self.stage("current"))

    def test_credit_note_is_not_a_payment(self):
        settlement = self.settle(500.0)
        settlement.action_propose()
        settlement.with_user(self.manager).action_approve()
        refund = self.invoice(200.0, due=TODAY, move_type="out_refund")
        (refund | self.inv_b).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self.pay(self.inv_a, amount=400.0)
        settlement.action_update_from_payments()
        self.assertRecordValues(
            settlement, [{"state": "approved", "paid_amount": 400.0}]
        )
        before = self.counts()
        with self.assertRaisesText(UserError, "not paid yet"):
            settlement.with_user(self.manager).action_write_off()
        self.assertEqual(self.counts(), before)

    def test_foreign_currency_invoice_is_left_fully_reconciled(self):
        """1,000.00 EUR invoiced at 2 EUR per unit (500.00), 600.00 EUR paid
        at 2.5 (240.00): 400.00 EUR stay open, worth 200.00 at the invoice
        rate; the write-off credits exactly that and closes the invoice."""
        eur = self.setup_other_currency(
            "EUR", rates=[("2026-01-01", 2.0), ("2026-03-01", 2.5)]
        )
        customer = self.env["res.partner"].create({"name": "Euro Buyer SA"})
        inv = self.invoice(
            1000.0,
            due=date(2026, 1, 15),
            partner=customer,
            currency=eur,
        )
        self.assertEqual(inv.amount_residual_signed, 500.0)
        settlement = self.Settlement.create(
            {"partner_id": customer.id, "settled_amount": 240.0}
        )
        self.assertEqual(settlement.debt_amount, 500.0)
        settlement.action_propose()
        settlement.action_approve()
        self.pay(inv, amount=600.0, currency=eur)
        self.assertEqual(inv.amount_residual, 400.0)
        settlement.action_update_from_payments()
        self.assertEqual(settlement.state, "paid")
        residual = sum(
            inv.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            ).mapped("amount_residual")
        )
        self.assertEqual(residual, 200.0)

        settlement.with_user(self.manager).action_write_off()
        credit = settlement.writeoff_move_id.line_ids.filtered(
            lambda line: line.account_id == self.receivable
        )
        self.assertRecordValues(
            credit,
            [
                {
                    "currency_id": eur.id,
                    "amount_currency": -400.0,
                    "credit": 200.0,
                    "reconciled": True,
                }
            ],
        )
        debit = settlement.writeoff_move_id.line_ids - credit
        self.assertRecordValues(
            debit, [{"account_id": self.bad_debt.id, "debit": 200.0}]
        )
        receivable_lines = inv.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertTrue(all(receivable_lines.mapped("reconciled")))
        self.assertRecordValues(
            inv,
            [
                {
                    "amount_residual": 0.0,
                    "b2b_collection_stage_id": self.stage("written_off").id,
                }
            ],
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSettlementBadInput(B2bSettlementCase):
    def test_settled_amount_must_be_below_the_debt_and_positive(self):
        before = self.counts()
        with self.assertRaisesText(ValidationError, "must be lower than the debt"):
            self.settle(1000.01)
        with self.assertRaisesText(ValidationError, "must be lower than the debt"):
            self.settle(1000.0)
        with self.assertRaisesText(ValidationError, "must be positive"):
            self.settle(0.0)
        with self.assertRaisesText(ValidationError, "must be positive"):
            self.settle(-5.0)
        self.assertEqual(self.counts(), before)
        settlement = self.settle(800.0)
        # paid down below the settled amount before the agreement is proposed
        self.pay(self.inv_a, amount=300.0, pay_date=date(2026, 3, 1))
        with self.assertRaisesText(ValidationError, "must be lower than the debt"):
            settlement.action_propose()
        self.assertEqual(settlement.state, "draft")

    def test_write_off_steps_are_guarded(self):
        settlement = self.settle(600.0)
        with self.assertRaisesText(UserError, "must be approved"):
            settlement.with_user(self.manager).action_write_off()
        settlement.action_propose()
        before = self.counts()
        with self.assertRaisesText(AccessError, "Only a collections manager"):
            settlement.with_user(self.collector).action_approve()
        self.assertEqual(settlement.state, "proposed")
        with self.assertRaisesText(UserError, "must be approved"):
            settlement.with_user(self.manager).action_write_off()
        settlement.with_user(self.manager).action_approve()
        self.pay(self.inv_a, amount=599.99)
        before = self.counts()
        with self.assertRaisesText(UserError, "not paid yet"):
            settlement.with_user(self.manager).action_write_off()
        self.assertEqual(self.counts(), before)
        self.pay(self.inv_a, amount=0.01)

        self.company.b2b_bad_debt_account_id = False
        before = self.counts()
        with self.assertRaisesText(UserError, "Set the bad debt account"):
            settlement.with_user(self.manager).action_write_off()
        self.assertEqual(self.counts(), before)
        self.assertFalse(settlement.writeoff_move_id)

        self.company.write(
            {
                "b2b_bad_debt_account_id": self.bad_debt.id,
                "b2b_writeoff_journal_id": False,
            }
        )
        with self.assertRaisesText(UserError, "write-off journal"):
            settlement.with_user(self.manager).action_write_off()
        self.assertEqual(self.counts(), before)

        self.company.b2b_writeoff_journal_id = self.misc_journal
        settlement.with_user(self.manager).action_write_off()
        self.assertEqual(settlement.state, "written_off")
        self.assertEqual(settlement.writeoff_move_id.amount_total, 400.0)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSettlementAccess(B2bSettlementCase):
    def test_user_manager_and_company_rights(self):
        settlement = self.settle(500.0)
        with self.assertRaises(AccessError):
            settlement.with_user(self.collector).unlink()
        settlement.with_user(self.manager).unlink()
        self.assertFalse(settlement.exists())

        company_2 = self.setup_other_company(name="Settle Co 2")["company"]
        customer_2 = self.env["res.partner"].create({"name": "Distant Debtor"})
        self.invoice(400.0, due=date(2026, 2, 1), partner=customer_2, company=company_2)
        settlement_2 = self.Settlement.with_company(company_2).create(
            {
                "partner_id": customer_2.id,
                "company_id": company_2.id,
                "settled_amount": 100.0,
            }
        )
        self.assertEqual(settlement_2.debt_amount, 400.0)
        self.assertFalse(
            self.Settlement.with_user(self.manager).search(
                [("id", "=", settlement_2.id)]
            )
        )
        with self.assertRaises(AccessError):
            settlement_2.with_user(self.manager).read(["name"])
