from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from odoo.addons.b2b_collections.tests.common import TODAY

from .test_reminders import B2bRemindersCase


@tagged("post_install", "-at_install")
class TestStatementLink(B2bRemindersCase, HttpCase):
    """Reminder emails link to the statement, rendered when opened; the PDF is
    attached only for the customers who ask for it (or all, by setting)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the standard wording, which says attached or links
        cls.levels["First"].mail_template_id = cls.env.ref(
            "b2b_collections_reminder.mail_template_b2b_reminder_first"
        )
        cls.levels["Second"].mail_template_id = cls.env.ref(
            "b2b_collections_reminder.mail_template_b2b_reminder_second"
        )
        with freeze_time(TODAY):
            cls.invoice(100.0, due=TODAY - timedelta(days=10))
            run = cls.Run.create(
                {"company_id": cls.company.id, "date": TODAY, "trigger": "manual"}
            )
            run.with_statement = cls.company.b2b_attach_statement
            run._b2b_execute()
        cls.contact = run.contact_ids

    def test_the_email_links_the_statement_instead_of_attaching_it(self):
        self.assertFalse(self.company.b2b_attach_statement, "the default")
        contact = self.contact
        self.assertFalse(contact.statement_attached)
        self.assertFalse(contact.message_id.attachment_ids)
        url = contact._b2b_statement_url()
        self.assertIn(f"/b2b/statement/{contact.id}?access_token=", url)
        self.assertIn(url.split("/b2b/")[1], contact.message_id.body)
        self.assertIn("your statement", contact.message_id.body)

    def test_the_link_opens_the_statement_and_nothing_else(self):
        contact = self.contact
        token = contact.access_token
        response = self.url_open(f"/b2b/statement/{contact.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        # (tests render reports as HTML instead of calling wkhtmltopdf)
        self.assertIn(self.customer.name.encode(), response.content)
        for path in (
            f"/b2b/statement/{contact.id}?access_token={token[:-1]}x",
            f"/b2b/statement/{contact.id}",
            f"/b2b/statement/{contact.id + 10**6}?access_token={token}",
            f"/b2b/statement/{contact.id}?access_token=",
        ):
            self.assertEqual(self.url_open(path).status_code, 404, path)

    def test_customers_who_ask_get_the_pdf(self):
        self.customer.b2b_statement_attachment = True
        with freeze_time(TODAY + timedelta(days=20)):
            run = self.Run.create(
                {
                    "company_id": self.company.id,
                    "date": TODAY + timedelta(days=20),
                    "trigger": "manual",
                    "with_statement": False,
                }
            )
            run._b2b_execute()
        contact = run.contact_ids
        self.assertEqual(len(contact), 1)
        self.assertTrue(contact.statement_attached)
        self.assertEqual(len(contact.message_id.attachment_ids), 1)
        self.assertIn("You will find attached", contact.message_id.body)
