from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.b2b_collections.tests.common import TODAY

from .test_agency import AgencyCase

AGES = (1, 8, 14, 45, 100, 200)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestPlacementPreselection(AgencyCase):
    """Place with Agency, opened on a customer, pre-selects only the debt old
    enough for the agency: its minimum debt age, else the company's setting
    (60 days), and no older than its maximum."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.by_age = {
            age: cls.invoice(100.0 * age, due=TODAY - timedelta(days=age))
            for age in AGES
        }

    def open_form(self, **context):
        action = self.customer.with_user(self.collector).action_b2b_place_with_agency()
        return Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"], **context)
        )

    def ages(self, moves):
        return sorted(age for age, move in self.by_age.items() if move in moves)

    def test_company_setting_without_agency(self):
        form = self.open_form()
        self.assertEqual(form.min_debt_age, 60)
        shown = [form.move_ids[i] for i in range(len(form.move_ids))]
        self.assertEqual(self.ages(shown), [100, 200])

    def test_the_agency_minimum_and_maximum(self):
        self.agency.write({"min_debt_age": 30, "max_debt_age": 150})
        form = self.open_form()
        form.agency_id = self.agency
        self.assertEqual(form.min_debt_age, 30)
        wizard = form.save()
        self.assertEqual(self.ages(wizard.move_ids), [45, 100])
        wizard.action_place()
        self.assertEqual(self.customer.b2b_placement_count, 1)

    def test_company_setting_changes_the_preselection(self):
        self.company.b2b_agency_min_debt_age = 10
        form = self.open_form()
        form.agency_id = self.agency  # no minimum of its own: the company's
        self.assertEqual(self.ages(form.save().move_ids), [14, 45, 100, 200])

    def test_over_rpc_with_the_agency_given(self):
        """A client creating the dialog with the agency gets the same
        pre-selection as the form."""
        self.agency.min_debt_age = 150
        wizard = (
            self.env["b2b.collection.placement.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"agency_id": self.agency.id})
        )
        self.assertEqual(self.ages(wizard.move_ids), [200])

    def test_minimum_is_a_number_of_days(self):
        with self.assertRaises(ValidationError):
            self.agency.min_debt_age = -5
        with self.assertRaises(ValidationError):
            self.company.b2b_agency_min_debt_age = 10**9
