import io
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .test_reminders import B2bRemindersCase


def pdf_pages(attachment):
    """The text of each page of a PDF attachment."""
    reader = PdfFileReader(io.BytesIO(attachment.raw))
    return [reader.getPage(i).extractText() for i in range(reader.numPages)]


@tagged("post_install", "-at_install")
class TestLetters(B2bRemindersCase, HttpCase):
    """The letters of a run are real PDFs (wkhtmltopdf, served the report's CSS
    by this test's HTTP server), rendered in one call per batch and split per
    letter, a long letter on several pages included; each is kept on its
    reminder and reprinted as sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.final = cls.levels["Final"]
        # three customers at the final notice (a letter): one with enough
        # invoices for a letter of several pages
        cls.customers = cls.customer
        for name in ("Beta Wholesale", "Gamma Logistics"):
            cls.customers |= cls.env["res.partner"].create(
                {"name": name, "is_company": True, "email": f"ap@{name[:4]}.example"}
            )
        with freeze_time(TODAY):
            for customer in cls.customers:
                for days in range(46, 75) if customer == cls.customer else [50]:
                    cls.invoice(
                        100.0, due=TODAY - timedelta(days=days), partner=customer
                    )

    def run_letters(self):
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        calls = []
        original = IrActionsReport._run_wkhtmltopdf

        def counting(report_self, bodies, *args, **kwargs):
            calls.append(len(bodies))
            return original(report_self, bodies, *args, **kwargs)

        with (
            freeze_time(TODAY),
            patch.object(IrActionsReport, "_run_wkhtmltopdf", counting),
        ):
            run = self.Run.with_context(force_report_rendering=True).create(
                {"company_id": self.company.id, "date": TODAY, "trigger": "manual"}
            )
            run._b2b_execute()
        return run, calls

    def test_one_call_renders_the_batch_and_each_letter_is_kept(self):
        run, calls = self.run_letters()
        contacts = run.contact_ids
        self.assertEqual(contacts.partner_id, self.customers)
        self.assertEqual(set(contacts.level_id.mapped("name")), {"Final"})
        self.assertEqual(len(calls), 1, "one wkhtmltopdf call for the three letters")
        for contact in contacts:
            letter = contact.letter_attachment_id
            self.assertEqual(letter.mimetype, "application/pdf")
            self.assertEqual(letter.res_model, "b2b.collection.contact")
            self.assertEqual(letter.res_id, contact.id)
            pages = pdf_pages(letter)
            names = contact.line_ids.move_id.mapped("name")
            long_letter = contact.partner_id == self.customer
            self.assertEqual(len(names), 29 if long_letter else 1)
            # each letter has its own pages: the long one several
            if long_letter:
                self.assertGreater(len(pages), 1, "29 invoices: several pages")
            else:
                self.assertEqual(len(pages), 1)
            text = " ".join(pages)
            if text.strip():  # (wkhtmltopdf on an unpatched Qt draws no text)
                self.assertIn(contact.partner_id.name, text)
                for other in self.customers - contact.partner_id:
                    self.assertNotIn(other.name, text)
                for name in names:
                    self.assertIn(name, text)
            # the mark the batch was split on is gone
            self.assertNotIn(b"b2b-collections.invalid", letter.raw)
        self.assertFalse(run.issue_ids)
        # printed again from the reminder: the letter as sent, not a new one
        contact = contacts[0]
        with patch.object(IrActionsReport, "_run_wkhtmltopdf") as wkhtmltopdf:
            content, _type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(
                    "b2b_collections_reminder.action_report_b2b_letter", contact.ids
                )
            )
        wkhtmltopdf.assert_not_called()
        self.assertEqual(content, contact.letter_attachment_id.raw)

    def test_a_letter_that_fails_does_not_hold_the_reminder(self):
        def broken(report_self, bodies, *args, **kwargs):
            raise OSError("wkhtmltopdf crashed")

        with patch.object(IrActionsReport, "_run_wkhtmltopdf", broken):
            run, _calls = self.run_letters()
        contacts = run.contact_ids
        self.assertEqual(contacts.partner_id, self.customers)
        # the emails and calls went; the letters are noted, to print later
        self.assertTrue(all(contact.message_id for contact in contacts))
        self.assertTrue(all(contact.activity_id for contact in contacts))
        self.assertFalse(contacts.letter_attachment_id)
        self.assertTrue(all(contacts.mapped("letter_failed")))
        issues = run.issue_ids
        self.assertEqual(issues.partner_id, self.customers)
        self.assertEqual(set(issues.mapped("kind")), {"info"})
        self.assertIn("wkhtmltopdf crashed", issues[0].message)
        # the invoices are at the final notice: nothing is sent twice
        self.assertEqual(
            set(contacts.line_ids.move_id.mapped("b2b_reminder_level_id.name")),
            {"Final"},
        )

    def test_letters_left_by_a_crash_are_rendered_by_the_scheduled_run(self):
        # a run killed once its reminders were out, before its letters
        with patch.object(
            type(self.Run), "_b2b_render_letter_step", lambda *args, **kwargs: 0
        ):
            run, calls = self.run_letters()
        self.assertEqual(calls, [])
        contacts = run.contact_ids
        self.assertEqual(len(contacts), 3)
        self.assertFalse(contacts.letter_attachment_id)
        self.assertEqual(run.state, "done")
        # the next scheduled call renders them (the reminders are not sent again)
        with freeze_time(TODAY):
            self.Run.with_context(force_report_rendering=True)._cron_b2b_send_reminders(
                company_ids=self.company.ids
            )
        self.assertEqual(
            self.env["b2b.collection.contact"].search_count(
                [("partner_id", "in", self.customers.ids)]
            ),
            3,
        )
        self.assertEqual(len(contacts.letter_attachment_id), 3)
        self.assertTrue(all(contacts.mapped("letter_attachment_id.raw")))
