from datetime import timedelta

from freezegun import freeze_time

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

    def test_default_filter_of_the_action_is_needs_action(self):
        action = self.env.ref("b2b_collections.b2b_collection_worklist_action")
        self.assertIn("search_default_needs_action", action.context)
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
