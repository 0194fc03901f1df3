from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import TODAY, B2bCollectionsCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSecurity(B2bCollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Second Co")["company"]
        cls.invoice(500.0, due=TODAY - timedelta(days=20))
        cls.invoice(700.0, due=TODAY - timedelta(days=20), company=cls.company_2)
        cls.note_1 = cls.env["b2b.collection.note"].create(
            {"partner_id": cls.customer.id, "outcome": "reached"}
        )
        cls.note_2 = (
            cls.env["b2b.collection.note"]
            .with_company(cls.company_2)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "outcome": "reached",
                    "company_id": cls.company_2.id,
                }
            )
        )
        cls.stage_2 = cls.env["b2b.collection.stage"].create(
            {"name": "Second Co stage", "company_id": cls.company_2.id}
        )
        cls.plain_user = new_test_user(
            cls.env,
            login="b2b_plain",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.collector_2 = new_test_user(
            cls.env,
            login="b2b_collector_2",
            groups="b2b_collections.group_b2b_collection_user",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.root_menu = cls.env.ref("b2b_collections.b2b_collections_menu_root")
        cls.config_menu = cls.env.ref("b2b_collections.b2b_collections_menu_config")

    def _visible_menus(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_every_model_has_access_rows(self):
        for model in (
            "b2b.collection.stage",
            "b2b.collection.note",
            "b2b.collection.worklist",
        ):
            access = self.env["ir.model.access"].search(
                [("model_id.model", "=", model)]
            )
            self.assertTrue(access, model)

    def test_collector_works_notes_but_cannot_configure_or_delete(self):
        Note = self.env["b2b.collection.note"].with_user(self.collector)
        note = Note.create(
            {
                "partner_id": self.customer.id,
                "outcome": "no_answer",
                "summary": "Voicemail full",
            }
        )
        # once saved, a note is evidence: only a manager corrects it
        with self.assertRaises(AccessError):
            note.summary = "Reached"
        self.assertTrue(
            self.env["b2b.collection.worklist"].with_user(self.collector).search([])
        )
        with self.assertRaises(AccessError):
            note.unlink()
        Stage = self.env["b2b.collection.stage"].with_user(self.collector)
        self.assertTrue(Stage.search([]))
        with self.assertRaises(AccessError):
            Stage.create({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.stage("reminded").with_user(self.collector).name = "Chased"
        # customers' collection fields are editable by collectors
        self.customer.with_user(self.collector).write(
            {"b2b_do_not_contact": True, "b2b_do_not_contact_reason": "Administration"}
        )
        self.assertIn(self.root_menu.id, self._visible_menus(self.collector))
        self.assertNotIn(self.config_menu.id, self._visible_menus(self.collector))

    def test_manager_configures_and_deletes(self):
        stage = (
            self.env["b2b.collection.stage"]
            .with_user(self.manager)
            .create({"name": "Skip trace"})
        )
        stage.unlink()
        # call notes are evidence: not even a manager deletes them
        with self.assertRaises(AccessError):
            self.note_1.with_user(self.manager).unlink()
        self.assertTrue(self.note_1.exists())
        self.assertIn(self.config_menu.id, self._visible_menus(self.manager))

    def test_user_without_collections_group_sees_nothing(self):
        for model in ("b2b.collection.note", "b2b.collection.worklist"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.plain_user).search([])
        self.assertNotIn(self.root_menu.id, self._visible_menus(self.plain_user))

    def test_each_company_sees_its_own_collections(self):
        Note = self.env["b2b.collection.note"].with_user(self.collector)
        self.assertEqual(
            Note.search([("partner_id", "=", self.customer.id)]), self.note_1
        )
        with self.assertRaises(AccessError):
            self.note_2.with_user(self.collector).read(["summary"])
        rows = (
            self.env["b2b.collection.worklist"]
            .with_user(self.collector)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(rows.company_id, self.company)
        self.assertEqual(rows.amount_overdue, 500.0)
        Note_2 = self.env["b2b.collection.note"].with_user(self.collector_2)
        self.assertEqual(
            Note_2.search([("partner_id", "=", self.customer.id)]), self.note_2
        )
        rows_2 = (
            self.env["b2b.collection.worklist"]
            .with_user(self.collector_2)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(rows_2.company_id, self.company_2)
        self.assertEqual(rows_2.amount_overdue, 700.0)
        # shared stages for everyone, company stages for their company only
        stages = self.env["b2b.collection.stage"].with_user(self.collector).search([])
        self.assertIn(self.stage("current"), stages)
        self.assertNotIn(self.stage_2, stages)
        stages_2 = (
            self.env["b2b.collection.stage"].with_user(self.collector_2).search([])
        )
        self.assertIn(self.stage_2, stages_2)
