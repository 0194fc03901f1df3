from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.mail.wizard.mail_compose_message import MailComposer

from .test_reminders import B2bRemindersCase


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRunMail(B2bRemindersCase):
    """A batch's emails are rendered together per template; one that cannot
    be rendered does not hold the others, and the collector hears of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "email": f"ap@{name[:5]}.example"}
                for name in ("Alpha Tools", "Broken Toys", "Gamma Foods")
            ]
        )
        for customer in cls.customers:
            cls.invoice(100.0, due=TODAY - timedelta(days=10), partner=customer)
        cls.template.body_html = (
            '<p>Invoices: <t t-foreach="object._b2b_invoice_rows()" t-as="line">'
            '<t t-out="line.move_id.name"/> </t>'
            '<t t-if="object.partner_id.name == \'Broken Toys\'" t-out="1 / 0"/></p>'
        )

    def test_a_batch_renders_its_emails_together(self):
        self.template.body_html = "<p>Dear <t t-out='object.partner_id.name'/></p>"
        original = MailComposer._action_send_mail
        calls = []

        def counting(composer, *args, **kwargs):
            calls.append(len(composer._evaluate_res_ids()))
            return original(composer, *args, **kwargs)

        with patch.object(MailComposer, "_action_send_mail", counting):
            run = self.run_now()
        contacts = run.contact_ids.filtered(lambda c: c.partner_id in self.customers)
        self.assertEqual(len(contacts), 3)
        self.assertEqual(calls, [len(run.contact_ids)], "one composer for the batch")
        for contact in contacts:
            message = contact.message_id
            self.assertEqual(
                (message.model, message.res_id), (contact._name, contact.id)
            )
            self.assertIn(f"Dear {contact.partner_id.name}", message.body)
            self.assertEqual(contact.delivery_state, "outgoing")
            self.assertIn(contact.recipient_id, message.notification_ids.res_partner_id)

    def test_an_email_that_fails_does_not_hold_the_others(self):
        run = self.run_now()
        contacts = run.contact_ids.filtered(lambda c: c.partner_id in self.customers)
        self.assertEqual(len(contacts), 3)
        broken = contacts.filtered(lambda c: c.partner_id.name == "Broken Toys")
        for contact in contacts - broken:
            self.assertTrue(contact.message_id)
            self.assertIn(contact.line_ids.move_id.name, contact.message_id.body)
        self.assertFalse(broken.message_id)
        # the reminder stands (its invoices are at their level); the collector
        # is asked to act, and the run says why
        self.assertEqual(
            broken.line_ids.move_id.b2b_reminder_level_id, self.levels["First"]
        )
        self.assertTrue(broken.delivery_reported)
        self.assertEqual(broken.failure_activity_id.res_id, broken.partner_id.id)
        issue = run.issue_ids.filtered(lambda i: i.partner_id == broken.partner_id)
        self.assertEqual(issue.kind, "info")
        self.assertIn("could not be prepared", issue.message)
        self.assertIn("could not be prepared", broken.partner_id.message_ids[0].body)
