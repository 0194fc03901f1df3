from datetime import date, datetime

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.b2b_collections_agency.tests.test_agency import AgencyCase

JAN_16, FEB_15 = date(2026, 1, 16), date(2026, 2, 15)
MAR = date(2026, 3, 1)
CALL = datetime(2026, 3, 2, 10, 0)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestMoneyReceived(AgencyCase):
    """One definition of money received, read the same way everywhere.

    Acme owes INV 1,500 (invoiced 2026-01-16, due 2026-02-15, USD). Globex owes
    the same invoice, placed with the agency on 03-03 (15 %). Each invoice is
    then settled by four entries:

      03-05  bank statement line                  300   money received
      03-09  netting against a vendor bill of 100 100   not money (no cash)
      03-10  write-off entry (bad debt)           200   not money
      03-12  payment of 400 registered with "Mark as fully paid": the payment
             entry writes off the other 500 and settles 900   400 received

    Money received on each: 300 + 400 = 700, of 1,500 settled. Acme promised
    1,000 by 03-20 on a call of 03-02, and agreed on 03-03 a settlement of
    1,000: both see 700.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expense = cls.company_data["default_account_expense"]
        cls.misc = cls.company_data["default_journal_misc"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.company.write(
            {
                "b2b_bad_debt_account_id": cls.expense.id,
                "b2b_writeoff_journal_id": cls.misc.id,
            }
        )
        cls.globex = cls.env["res.partner"].create(
            {"name": "Globex Wholesale", "is_company": True}
        )
        cls.inv = cls.invoice(1500.0, due=FEB_15, invoice_date=JAN_16)
        cls.inv_globex = cls.invoice(
            1500.0, due=FEB_15, invoice_date=JAN_16, partner=cls.globex
        )
        with freeze_time(CALL):
            cls.note = cls.env["b2b.collection.note"].create(
                {
                    "partner_id": cls.customer.id,
                    "outcome": "promised",
                    "promise_amount": 1000.0,
                    "promise_date": date(2026, 3, 20),
                    "invoice_ids": [Command.set(cls.inv.ids)],
                }
            )
        cls.settlement = (
            cls.env["b2b.collection.settlement"]
            .with_user(cls.collector)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "settled_amount": 1000.0,
                    "agreement_date": date(2026, 3, 3),
                }
            )
        )
        cls.settlement.action_propose()
        cls.placement = cls.place(cls.inv_globex, date=date(2026, 3, 3))
        for move in cls.inv | cls.inv_globex:
            cls.settle_four_ways(move)

    # ------------------------------------------------------------------ ledger

    @classmethod
    def receivable(cls, move):
        return move.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )

    @classmethod
    def bank_receipt(cls, move, amount, day):
        """A bank statement line of ``amount`` matched with ``move``."""
        st_line = cls.env["account.bank.statement.line"].create(
            {
                "journal_id": cls.bank_journal.id,
                "partner_id": move.commercial_partner_id.id,
                "payment_ref": f"Transfer {move.name}",
                "amount": amount,
                "date": day,
            }
        )
        _liquidity, suspense, _other = st_line.with_context(
            skip_account_move_synchronization=True
        )._seek_for_lines()
        suspense.account_id = cls.receivable(move).account_id
        (suspense | cls.receivable(move)).reconcile()
        return st_line

    @classmethod
    def entry(cls, move, amount, day, account, ref):
        """A journal entry crediting ``move``'s receivable with ``amount``
        against ``account``, reconciled with it."""
        partner = move.commercial_partner_id
        receivable = cls.receivable(move)
        entry = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": cls.misc.id,
                "date": day,
                "ref": ref,
                "line_ids": [
                    Command.create(
                        {
                            "name": ref,
                            "account_id": account.id,
                            "partner_id": partner.id,
                            "balance": amount,
                        }
                    ),
                    Command.create(
                        {
                            "name": ref,
                            "account_id": receivable.account_id.id,
                            "partner_id": partner.id,
                            "balance": -amount,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        (
            receivable
            | entry.line_ids.filtered(
                lambda line: line.account_id == receivable.account_id
            )
        ).reconcile()
        return entry

    @classmethod
    def settle_four_ways(cls, move):
        """The four entries, each made on its day."""
        partner = move.commercial_partner_id
        with freeze_time(date(2026, 3, 5)):
            cls.bank_receipt(move, 300.0, date(2026, 3, 5))
        bill = cls.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": partner.id,
                "invoice_date": date(2026, 3, 1),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Services bought",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        payable = bill.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
        )
        with freeze_time(date(2026, 3, 9)):
            netting = cls.entry(
                move, 100.0, date(2026, 3, 9), payable.account_id, "Netting"
            )
            (
                payable
                | netting.line_ids.filtered(
                    lambda line: line.account_id == payable.account_id
                )
            ).reconcile()
        with freeze_time(date(2026, 3, 10)):
            cls.entry(move, 200.0, date(2026, 3, 10), cls.expense, "Bad debt")
        with freeze_time(date(2026, 3, 12)):
            cls.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids
            ).create(
                {
                    "payment_date": date(2026, 3, 12),
                    "amount": 400.0,
                    "payment_difference_handling": "reconcile",
                    "writeoff_account_id": cls.expense.id,
                    "writeoff_label": "Discount granted",
                }
            )._create_payments()

    # ----------------------------------------------------------------- helpers

    def kpi(self, partner, model="b2b.collection.kpi", field="partner_id"):
        """(cash collected, average days to pay) of ``partner`` in March."""
        rows = self.env[model]._read_group(
            [(field, "=", partner.id), ("date", "=", MAR)],
            [field],
            ["cash_collected:sum", "avg_days_to_pay:sum"],
        )
        self.assertEqual(len(rows), 1)
        return rows[0][1:]

    def statement(self, partner, **kwargs):
        report = self.env["report.b2b_collections_reminder.report_b2b_statement"]
        return report._b2b_statement_data(partner, self.company, **kwargs)[partner.id]

    def fmt(self, amount):
        return format_amount(self.env, amount, self.currency).replace("\xa0", " ")

    def evaluate(self, day):
        with freeze_time(day):
            self.env["b2b.collection.note"]._b2b_evaluate_promises()

    # ------------------------------------------------------------------- tests

    def test_fixture_is_settled_in_full(self):
        for move in self.inv | self.inv_globex:
            self.assertEqual(move.payment_state, "paid")
            partials = move.line_ids.matched_credit_ids
            self.assertEqual(
                sorted(partials.mapped("amount")), [100.0, 200.0, 300.0, 900.0]
            )

    def test_write_offs_and_netting_keep_no_promise(self):
        self.evaluate(date(2026, 3, 21))
        # 300 (bank) + 400 (the payment's cash, not its 500 write-off) < 990
        self.assertRecordValues(
            self.note, [{"promise_state": "broken", "promise_paid": 700.0}]
        )

    def test_same_amount_in_the_kpis(self):
        cash, days = self.kpi(self.customer)
        self.assertEqual(cash, 700.0)  # not 1,300 (300 + the payment's 1,000)
        # (300 x 48 days (01-16 -> 03-05) + 400 x 55 days (01-16 -> 03-12)) / 700
        self.assertAlmostEqual(days, 36400 / 700, places=6)
        collector_cash, _days = self.kpi(
            self.collector, model="b2b.collection.collector.kpi", field="collector_id"
        )
        self.assertEqual(collector_cash, 700.0)

    def test_same_amount_on_the_statement(self):
        self.assertEqual(self.statement(self.customer)["received"], 700.0)
        # the window is on the reconciliation date: from 03-11, only the payment
        self.assertEqual(
            self.statement(self.customer, received_since=date(2026, 3, 11))["received"],
            400.0,
        )
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "b2b_collections_reminder.action_report_b2b_statement", self.customer.ids
        )
        tree = lxml_html.fromstring(content)
        (cell,) = tree.xpath("//*[@name='received']")
        self.assertEqual(
            " ".join(cell.text_content().replace("\xa0", " ").split()),
            self.fmt(700.0),
        )

    def test_same_amount_in_settlements_and_plans(self):
        payments = self.env["b2b.collection.settlement"]._b2b_payment_rows(
            self.settlement
        )
        self.assertEqual(
            payments[self.settlement.id],
            [(date(2026, 3, 5), 300.0), (date(2026, 3, 12), 400.0)],
        )
        self.settlement._b2b_update_from_payments()
        self.assertEqual(self.settlement.paid_amount, 700.0)

    def test_same_amount_attributed_to_the_agency(self):
        recoveries = self.placement.recovery_ids.sorted("date")
        self.assertEqual(
            recoveries.mapped(lambda r: (r.date, r.amount, r.commission_amount)),
            [
                (date(2026, 3, 5), 300.0, 45.0),  # 15 %
                (date(2026, 3, 12), 400.0, 60.0),
            ],
        )
        self.assertEqual(self.placement.recovered_amount, 700.0)

    def test_bank_line_netting_a_credit_note_receives_its_amount(self):
        """A bank statement line of 800 matched at once with an invoice of
        1,000 and a credit note of 200 (as the bank reconciliation does):
        800 received, the credit note's 200 is not money."""
        partner = self.env["res.partner"].create(
            {"name": "Initech", "is_company": True}
        )
        inv = self.invoice(1000.0, due=FEB_15, invoice_date=JAN_16, partner=partner)
        refund = self.invoice(
            200.0,
            due=FEB_15,
            invoice_date=JAN_16,
            partner=partner,
            move_type="out_refund",
        )
        with freeze_time(date(2026, 3, 6)):
            st_line = self.env["account.bank.statement.line"].create(
                {
                    "journal_id": self.bank_journal.id,
                    "partner_id": partner.id,
                    "payment_ref": "Net of the credit note",
                    "amount": 800.0,
                    "date": date(2026, 3, 6),
                }
            )
            st_move = st_line.move_id.with_context(
                skip_account_move_synchronization=True
            )
            _liquidity, suspense, _other = st_line.with_context(
                skip_account_move_synchronization=True
            )._seek_for_lines()
            receivable = self.receivable(inv).account_id
            st_move.button_draft()
            st_move.write(
                {
                    "line_ids": [
                        Command.update(
                            suspense.id,
                            {
                                "account_id": receivable.id,
                                "balance": -1000.0,
                                "amount_currency": -1000.0,
                            },
                        ),
                        Command.create(
                            {
                                "name": "Credit note",
                                "account_id": receivable.id,
                                "partner_id": partner.id,
                                "balance": 200.0,
                                "amount_currency": 200.0,
                            }
                        ),
                    ]
                }
            )
            st_move.action_post()
            lines = st_move.line_ids.filtered(lambda ln: ln.account_id == receivable)
            (
                lines.filtered(lambda ln: ln.balance < 0) | self.receivable(inv)
            ).reconcile()
            (
                lines.filtered(lambda ln: ln.balance > 0) | self.receivable(refund)
            ).reconcile()
        self.assertEqual((inv | refund).mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(st_move.amount_total_signed, 1000.0)  # 800 bank + 200
        rows = self.env["b2b.collection.kpi"]._read_group(
            [("partner_id", "=", partner.id), ("date", "=", MAR)],
            [],
            ["cash_collected:sum"],
        )
        # the invoice's 1,000 x 800 / 1,000 (the credit note's side is the
        # bank line's own debit: not money received on a receivable)
        self.assertEqual(rows[0][0], 800.0)
        self.assertEqual(self.statement(partner)["received"], 800.0)

    def test_same_amount_in_the_assessment(self):
        assessment = (
            self.env["b2b.collection.assessment"]
            .with_user(self.manager)
            .create({"min_history": 1})
        )
        # Acme's invoice entered 1-90 days on 02-16 owing 1,500; 700 received
        # since (Globex's invoice was placed: not an in-house case)
        self.assertEqual(
            assessment._b2b_inhouse_history()["1_90"],
            {"cases": 1, "owed": 1500.0, "recovered": 700.0},
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestMoneyReceivedInCurrency(AgencyCase):
    """EUR at 2.0 per USD, 2.5 from 03-01, 2.0 again from 03-16. Odoo books
    the difference between the rate of an invoice and the rate of its
    payment in a separate exchange difference entry."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency(
            "EUR",
            rates=[("2016-01-01", 2.0), ("2026-03-01", 2.5), ("2026-03-16", 2.0)],
        )

    def promise(self, partner, amount, by, invoice):
        with freeze_time(CALL):
            return self.env["b2b.collection.note"].create(
                {
                    "partner_id": partner.id,
                    "outcome": "promised",
                    "promise_amount": amount,
                    "promise_date": by,
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )

    def exchange_amounts(self, partner):
        """The amounts of the reconciliations of ``partner``'s exchange
        difference entries."""
        lines = self.env["account.move.line"].search(
            [
                ("journal_id", "=", self.company.currency_exchange_journal_id.id),
                ("partner_id", "=", partner.id),
                ("account_type", "=", "asset_receivable"),
            ]
        )
        return (lines.matched_debit_ids | lines.matched_credit_ids).mapped("amount")

    def cash_in_march(self, partner):
        rows = self.env["b2b.collection.kpi"]._read_group(
            [("partner_id", "=", partner.id), ("date", "=", MAR)],
            [],
            ["cash_collected:sum"],
        )
        return rows[0][0]

    def received_on_statement(self, partner):
        report = self.env["report.b2b_collections_reminder.report_b2b_statement"]
        return report._b2b_statement_data(partner, self.company)[partner.id]

    def test_exchange_loss_keeps_no_promise(self):
        partner = self.env["res.partner"].create(
            {"name": "Euro Parts SA", "is_company": True}
        )
        # EUR 2,400 invoiced at 2.0: USD 1,200
        inv = self.invoice(
            2400.0, due=FEB_15, invoice_date=JAN_16, partner=partner, currency=self.eur
        )
        note = self.promise(partner, 1000.0, date(2026, 3, 20), inv)
        # EUR 2,000 paid at 2.5: USD 800 received; they had been booked at
        # 1,000, so Odoo reconciles an exchange loss of 200 with the invoice
        with freeze_time(date(2026, 3, 5)):
            self.pay(inv, amount=2000.0, pay_date=date(2026, 3, 5))
        self.assertEqual(self.exchange_amounts(partner), [200.0])
        self.assertEqual(inv.amount_residual, 400.0)  # EUR, = USD 200
        with freeze_time(date(2026, 3, 21)):
            self.env["b2b.collection.note"]._b2b_evaluate_promises()
        # 800 < 990: broken (the payment and the exchange entry made 1,000)
        self.assertRecordValues(
            note, [{"promise_state": "broken", "promise_paid": 800.0}]
        )
        self.assertEqual(self.cash_in_march(partner), 800.0)
        statement = self.received_on_statement(partner)
        self.assertEqual(statement["received"], 800.0)
        self.assertEqual(
            [
                (item["residual"], item["residual_company"])
                for item in statement["lines"]
            ],
            [(400.0, 200.0)],
        )

    def test_exchange_gain_is_part_of_the_cash(self):
        partner = self.env["res.partner"].create(
            {"name": "Franc Goods SARL", "is_company": True}
        )
        # EUR 1,000 invoiced on 03-02 at 2.5: USD 400
        inv = self.invoice(
            1000.0,
            due=date(2026, 3, 20),
            invoice_date=date(2026, 3, 2),
            partner=partner,
            currency=self.eur,
        )
        note = self.promise(partner, 500.0, date(2026, 3, 25), inv)
        # paid in full on 03-20 at 2.0: USD 500 received for a debt booked at
        # 400; the exchange gain of 100 is matched with the payment
        with freeze_time(date(2026, 3, 20)):
            self.pay(inv, pay_date=date(2026, 3, 20))
        self.assertEqual(self.exchange_amounts(partner), [100.0])
        with freeze_time(date(2026, 3, 26)):
            self.env["b2b.collection.note"]._b2b_evaluate_promises()
        # the cash, 500, at the payment's rate, not the 400 of the invoice's
        self.assertRecordValues(
            note, [{"promise_state": "kept", "promise_paid": 500.0}]
        )
        self.assertEqual(self.cash_in_march(partner), 500.0)
        self.assertEqual(self.received_on_statement(partner)["received"], 500.0)
