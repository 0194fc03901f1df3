from datetime import timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestWorklist(B2bCollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # big but recent, small but old, and one that is not overdue
        cls.big_recent = Partner.create({"name": "Big Recent", "is_company": True})
        cls.small_old = Partner.create(
            {
                "name": "Small Old",
                "is_company": True,
                "b2b_collector_id": cls.collector.id,
            }
        )
        cls.not_due = Partner.create({"name": "Not Due Yet", "is_company": True})
        cls.invoice(3000.0, due=TODAY - timedelta(days=3), partner=cls.big_recent)
        cls.invoice(1000.0, due=TODAY - timedelta(days=150), partner=cls.small_old)
        cls.invoice(5000.0, due=TODAY + timedelta(days=10), partner=cls.not_due)
        cls.partners = cls.big_recent | cls.small_old | cls.not_due
        cls.Worklist = cls.env["b2b.collection.worklist"]

    def _rows(self, domain=()):
        return self.Worklist.search([("partner_id", "in", self.partners.ids), *domain])

    def test_priority_weights_amount_by_age(self):
        if "b2b.collection.risk.invoice" in self.env:
            # run with the base alone by make test
            self.skipTest("the risk addon orders the worklist by expected loss")
        rows = self._rows()
        # 1000 x (1 + 150/30) = 6000 ; 3000 x (1 + 3/30) = 3300 ; not due = 0
        self.assertEqual(
            rows.mapped("partner_id"), self.small_old | self.big_recent | self.not_due
        )
        self.assertEqual(rows.mapped("priority"), [6000.0, 3300.0, 0.0])

    def test_needs_action_and_my_customers_filters(self):
        self.assertEqual(
            self._rows([("needs_action", "=", True)]).partner_id,
            self.small_old | self.big_recent,
        )
        self.big_recent.b2b_next_action_date = TODAY + timedelta(days=1)
        self.assertEqual(
            self._rows([("needs_action", "=", True)]).partner_id, self.small_old
        )
        self.big_recent.b2b_next_action_date = TODAY
        self.assertEqual(len(self._rows([("needs_action", "=", True)])), 2)
        mine = self.Worklist.with_user(self.collector).search(
            [
                ("partner_id", "in", self.partners.ids),
                ("collector_id", "=", self.collector.id),
            ]
        )
        self.assertEqual(mine.partner_id, self.small_old)

    def test_menu_opens_my_customers_for_a_collector_everyone_for_a_manager(self):
        menu = self.env.ref("b2b_collections.b2b_collection_worklist_menu")
        self.assertEqual(
            menu.action,
            self.env.ref("b2b_collections.b2b_collection_worklist_action_open"),
        )
        as_collector = menu.action.with_user(self.collector).run()
        self.assertEqual(as_collector["res_model"], "b2b.collection.worklist")
        self.assertEqual(
            as_collector["context"],
            {"search_default_needs_action": 1, "search_default_my_customers": 1},
        )
        as_manager = menu.action.with_user(self.manager).run()
        self.assertEqual(as_manager["context"], {"search_default_needs_action": 1})
        self.assertEqual(self.Worklist._order.split(",")[0], "priority desc")

    def test_row_buttons(self):
        row = self._rows([("partner_id", "=", self.small_old.id)])
        action = row.action_b2b_log_call()
        self.assertEqual(action["res_model"], "b2b.collection.note")
        self.assertEqual(action["context"]["default_partner_id"], self.small_old.id)
        self.assertEqual(action["context"]["default_company_id"], self.company.id)
        action = row.action_b2b_open_overdue_invoices()
        invoices = self.env["account.move"].search(action["domain"])
        self.assertEqual(invoices.partner_id, self.small_old)
        self.assertEqual(invoices.amount_residual, 1000.0)
        action = row.action_b2b_open_customer()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", self.small_old.id)
        )

    def test_grouping_by_collector_and_stage(self):
        groups = self.Worklist._read_group(
            [("partner_id", "in", self.partners.ids)],
            ["collector_id"],
            ["amount_overdue:sum"],
        )
        self.assertEqual(
            dict(groups), {self.collector: 1000.0, self.env["res.users"]: 3000.0}
        )

    def test_customer_kanban_shows_every_stage_column(self):
        Partner = self.env["res.partner"].with_context(active_test=True)
        groups = Partner.web_read_group(
            [("b2b_collection_stage_id", "!=", False)],
            ["b2b_collection_stage_id"],
            ["b2b_collection_stage_id"],
        )["groups"]
        names = [g["b2b_collection_stage_id"][1] for g in groups]
        self.assertEqual(names[:3], ["Current", "Reminded", "Final notice"])
        self.assertIn("Resolved", names)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestWorklistReasons(B2bCollectionsCase):
    """Why each customer is (or is not) in today's worklist: one customer per
    reason, built by hand, the most urgent reason winning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Worklist = cls.env["b2b.collection.worklist"]
        cls.Note = cls.env["b2b.collection.note"]
        cls.customers = cls.env["res.partner"]

    @classmethod
    def new_customer(cls, name, **vals):
        partner = cls.env["res.partner"].create(
            {"name": name, "is_company": True, "phone": "+1 555 0100", **vals}
        )
        cls.customers |= partner
        return partner

    def row(self, partner):
        # a row keeps its id from one query to the next: read it afresh, as
        # the next request of the web client would
        self.Worklist.invalidate_model()
        return self.Worklist.search([("partner_id", "=", partner.id)])

    def note(self, partner, date, **vals):
        return self.Note.create(
            {"partner_id": partner.id, "outcome": "reached", "date": date, **vals}
        )

    def test_overdue_with_nothing_planned(self):
        old = self.new_customer("Old Debt")
        self.invoice(800.0, due=TODAY - timedelta(days=40), partner=old)
        row = self.row(old)
        self.assertEqual(
            (row.reason, row.needs_action, row.callable), ("overdue", True, True)
        )
        self.assertEqual(row.phone, "+1 555 0100")

    def test_newly_overdue_and_large_new_debt(self):
        fresh = self.new_customer("Fresh Debt")
        self.invoice(
            800.0,
            due=TODAY - timedelta(days=5),
            partner=fresh,
            invoice_date=TODAY - timedelta(days=35),
        )
        self.assertEqual(self.row(fresh).reason, "newly_overdue")
        big = self.new_customer("Big New Debt")
        # 400 overdue for 40 days, then an invoice of 600 posted 3 days ago:
        # the new debt is 600 / 1,000 owed, more than half
        self.invoice(
            400.0,
            due=TODAY - timedelta(days=40),
            partner=big,
            invoice_date=TODAY - timedelta(days=70),
        )
        self.invoice(
            600.0,
            due=TODAY + timedelta(days=27),
            partner=big,
            invoice_date=TODAY - timedelta(days=3),
        )
        self.assertEqual(self.row(big).reason, "large_new_debt")
        # not due at all: not in today's list
        calm = self.new_customer("Not Due")
        self.invoice(
            600.0,
            due=TODAY + timedelta(days=27),
            partner=calm,
            invoice_date=TODAY - timedelta(days=3),
        )
        self.assertEqual(
            (self.row(calm).reason, self.row(calm).needs_action), (False, False)
        )

    def test_follow_up_due_late_or_planned(self):
        late = self.new_customer(
            "Late Follow-up", b2b_next_action_date=TODAY - timedelta(days=30)
        )
        self.invoice(500.0, due=TODAY - timedelta(days=60), partner=late)
        row = self.row(late)
        self.assertEqual((row.reason, row.next_action_late), ("followup_late", True))
        due = self.new_customer("Follow-up Today", b2b_next_action_date=TODAY)
        self.invoice(500.0, due=TODAY - timedelta(days=60), partner=due)
        self.assertEqual(self.row(due).reason, "followup_due")
        planned = self.new_customer(
            "Planned", b2b_next_action_date=TODAY + timedelta(days=2)
        )
        self.invoice(500.0, due=TODAY - timedelta(days=60), partner=planned)
        row = self.row(planned)
        self.assertEqual(
            (row.reason, row.needs_action, row.next_action_late), (False, False, False)
        )

    def test_promises_broken_and_due(self):
        broken = self.new_customer("Broke A Promise")
        self.invoice(700.0, due=TODAY - timedelta(days=50), partner=broken)
        promise = self.note(
            broken,
            "2026-03-20 10:00:00",
            outcome="promised",
            promise_amount=700.0,
            promise_date=TODAY - timedelta(days=4),
        )
        promise.sudo().promise_state = "broken"
        # a follow-up planned later does not hide a broken promise
        broken.b2b_next_action_date = TODAY + timedelta(days=5)
        self.assertEqual(self.row(broken).reason, "promise_broken")
        # once called after the promised day, the broken promise is handled,
        # and so is the check planned for the promised day (the call answers it)
        self.assertEqual(promise.activity_id.date_deadline, TODAY - timedelta(days=4))
        self.note(broken, "2026-03-30 09:00:00")
        self.assertEqual(self.row(broken).reason, False)
        self.assertFalse(promise.activity_id.exists())
        due = self.new_customer("Promised For Today")
        self.invoice(700.0, due=TODAY - timedelta(days=50), partner=due)
        self.note(
            due,
            "2026-03-25 10:00:00",
            outcome="promised",
            promise_amount=700.0,
            promise_date=TODAY,
        )
        self.assertEqual(self.row(due).reason, "promise_due")

    def test_calls_planned_by_activity(self):
        call = self.new_customer("Call Me")
        self.invoice(300.0, due=TODAY - timedelta(days=20), partner=call)
        call.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=TODAY,
            summary="Reminder call",
            user_id=self.collector.id,
        )
        row = self.row(call)
        self.assertEqual(row.reason, "call_due")
        self.assertIn("Reminder call", row.activity_summary)
        call.activity_ids.date_deadline = TODAY - timedelta(days=2)
        self.assertEqual(self.row(call).reason, "call_late")
        call.activity_ids.action_feedback(feedback="Called")
        self.assertEqual(self.row(call).reason, "overdue")

    def test_dispute_expiring(self):
        disputed = self.new_customer("Disputing")
        invoice = self.invoice(900.0, due=TODAY - timedelta(days=30), partner=disputed)
        self.env["b2b.collection.dispute"].create(
            {
                "partner_id": disputed.id,
                "move_ids": [Command.set(invoice.ids)],
                "reason": "Damaged goods",
                "expiry_date": TODAY + timedelta(days=2),
            }
        )
        disputed.b2b_next_action_date = TODAY + timedelta(days=10)
        self.assertEqual(self.row(disputed).reason, "dispute_expiring")

    def test_who_is_not_to_be_called(self):
        """With an agency, in legal, closed or do-not-contact: out of today's
        list, findable under the Not To Call filter."""
        stages = {code: self.stage(code) for code in ("agency", "legal")}
        quiet = self.new_customer(
            "Do Not Call",
            b2b_do_not_contact=True,
            b2b_do_not_contact_reason="Lawyer handles it",
        )
        self.invoice(1000.0, due=TODAY - timedelta(days=100), partner=quiet)
        rows = {}
        for code, stage in stages.items():
            partner = self.new_customer(f"In {code}")
            move = self.invoice(
                1000.0, due=TODAY - timedelta(days=100), partner=partner
            )
            move.b2b_collection_stage_id = stage
            rows[code] = partner
        for partner in (quiet, *rows.values()):
            row = self.row(partner)
            self.assertEqual(
                (row.callable, row.needs_action), (False, False), partner.name
            )
            self.assertTrue(row.reason)  # still says why, if someone looks
        not_to_call = self.Worklist.search(
            [("callable", "=", False), ("partner_id", "in", self.customers.ids)]
        )
        self.assertEqual(not_to_call.partner_id, quiet | rows["agency"] | rows["legal"])
        today = self.Worklist.search(
            [("needs_action", "=", True), ("partner_id", "in", self.customers.ids)]
        )
        self.assertFalse(today)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCustomersInCollection(B2bCollectionsCase):
    """The customers kanban: a customer partly with an agency is worked in
    house for the rest; only customers with something overdue by default."""

    def test_partial_placement_reads_as_partial(self):
        kept = self.invoice(26980.0, due=TODAY - timedelta(days=40))
        kept.b2b_collection_stage_id = self.stage("reminded")
        placed = self.invoice(1590.0, due=TODAY - timedelta(days=200))
        placed.b2b_collection_stage_id = self.stage("agency")
        # 1,590 of 28,570 placed: the customer is worked in house for the rest
        self.assertEqual(self.customer.b2b_collection_stage_id, self.stage("reminded"))
        self.assertEqual(self.customer.b2b_amount_escalated, 1590.0)
        self.assertEqual(self.customer.b2b_amount_open, 28570.0)
        row = self.env["b2b.collection.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertTrue(row.callable)
        # once everything is placed, the customer is with the agency
        kept.b2b_collection_stage_id = self.stage("agency")
        self.customer.invalidate_recordset(["b2b_amount_escalated"])  # next request
        self.assertEqual(self.customer.b2b_collection_stage_id, self.stage("agency"))
        self.assertEqual(self.customer.b2b_amount_escalated, 28570.0)

    def test_kanban_shows_who_owes_by_default(self):
        owing = self.env["res.partner"].create({"name": "Owing", "is_company": True})
        calm = self.env["res.partner"].create({"name": "Calm", "is_company": True})
        self.invoice(500.0, due=TODAY - timedelta(days=5), partner=owing)
        self.invoice(500.0, due=TODAY + timedelta(days=25), partner=calm)
        action = self.env.ref("b2b_collections.res_partner_action_collections")
        self.assertIn("search_default_b2b_owing", action.context)
        Partner = self.env["res.partner"].with_user(self.collector)
        found = Partner.search(
            [("id", "in", (owing | calm).ids), ("b2b_amount_overdue", ">", 0)]
        )
        self.assertEqual(found, owing)
        # both are customers in collection (open invoices), shown without the filter
        self.assertEqual(
            Partner.search(
                [
                    ("id", "in", (owing | calm).ids),
                    ("b2b_collection_stage_id", "!=", False),
                ]
            ),
            owing | calm,
        )

    def test_kanban_columns_sum_the_cards_overdue(self):
        """Each column of the customers kanban sums its cards' overdue (net)
        figure, in SQL (the figure is not stored)."""
        Partner = self.env["res.partner"]
        big, old, not_due, refunded = (
            Partner.create({"name": name, "is_company": True})
            for name in ("Big", "Old", "Not Due", "Refunded")
        )
        self.invoice(3000.0, due=TODAY - timedelta(days=3), partner=big)
        self.invoice(1000.0, due=TODAY - timedelta(days=150), partner=old)
        self.invoice(5000.0, due=TODAY + timedelta(days=10), partner=not_due)
        self.invoice(800.0, due=TODAY - timedelta(days=40), partner=refunded)
        self.invoice(300.0, due=TODAY, partner=refunded, move_type="out_refund")
        customers = big | old | not_due | refunded
        # a second company's debt is not summed in this one
        self.invoice(
            700.0,
            due=TODAY - timedelta(days=9),
            partner=old,
            company=self.setup_other_company(name="Collections Co 2")["company"],
        )
        Partner = self.env["res.partner"].with_user(self.collector)
        fields_info = Partner.fields_get(["b2b_amount_overdue"], ["aggregator"])
        self.assertEqual(fields_info["b2b_amount_overdue"]["aggregator"], "sum")
        groups = Partner.web_read_group(
            [("id", "in", customers.ids)],
            ["b2b_amount_overdue:sum"],
            ["b2b_collection_stage_id"],
        )["groups"]
        sums = {
            group["b2b_collection_stage_id"][0]: group["b2b_amount_overdue"]
            for group in groups
            if group["b2b_collection_stage_id_count"]  # (every stage is a column)
        }
        # 3,000 + 1,000 overdue, 800 - 300 credit = 500; not due: 0
        stage = customers[0].b2b_collection_stage_id
        self.assertEqual(set(customers.b2b_collection_stage_id), {stage})
        self.assertEqual(sums, {stage.id: 4500.0})
        self.assertEqual(
            sum(customers.with_user(self.collector).mapped("b2b_amount_overdue")),
            4500.0,
            "the column's sum is the sum of its cards",
        )
