"""The PDFs of a reminder run: the letters, rendered in batches once the
run's emails and calls are out (they do not wait for wkhtmltopdf), and the
statement attached to the emails of the customers who ask for it.

wkhtmltopdf costs about a second per call whatever it renders, so a batch of
letters is rendered in one call and split per letter. wkhtmltopdf built on its
patched Qt (the build Odoo recommends) takes the letters as separate documents
and Odoo splits them by outline (the letter's subject is its only heading): Odoo's
own way of printing many records. The distributions' builds take one document
only, and draw no outline: the letters are joined into one, each from a new
page and marked by an invisible link on its first page. Odoo keeps each letter
as its contact's attachment (the report's ``attachment``) and reprints that
copy: the letter as it was sent. A letter still to render after a crash is
rendered by the next scheduled call."""

import functools
import io
import logging
import subprocess

from lxml import etree
from lxml import html as lxml_html

from odoo import _, models
from odoo.tools import config
from odoo.tools.pdf import ArrayObject, NameObject, PdfFileReader, PdfFileWriter
from odoo.tools.safe_eval import safe_eval, time

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

LETTER_REPORT = "b2b_collections_reminder.action_report_b2b_letter"
# the mark of the first page of each letter of a batch (join_documents)
MARKER = "https://b2b-collections.invalid/document/"


@functools.cache
def wkhtmltopdf_takes_many_documents():
    """Whether this wkhtmltopdf renders several input documents in one call
    (built on the patched Qt); asked once per process."""
    try:
        out = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return b"patched qt" in out.lower()


def join_documents(bodies):
    """One HTML document holding the body of each of ``bodies`` (documents of
    the same report layout), each from a new page and opening with an
    invisible link to ``MARKER``<its index>: the mark of its first page in the
    PDF (wkhtmltopdf keeps links as annotations, even where it draws no outline
    and no text)."""
    root = lxml_html.fromstring(bodies[0])
    body = root.find("body")
    for index, document in enumerate(bodies):
        nodes = list(
            body if index == 0 else lxml_html.fromstring(document).find("body")
        )
        if not nodes:
            continue
        marker = etree.Element(
            "a",
            href=f"{MARKER}{index}",
            style="position: absolute; font-size: 1px; color: transparent;",
        )
        marker.text = "."
        nodes[0].insert(0, marker)
        if index:
            style = nodes[0].get("style", "")
            nodes[0].set("style", f"page-break-before: always; {style}".strip())
            body.extend(nodes)
    return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def _marker_index(annotation):
    uri = (annotation.get_object().get("/A") or {}).get("/URI") or ""
    return int(uri[len(MARKER) :]) if uri.startswith(MARKER) else None


def split_by_marker(pdf, count):
    """The PDF of ``count`` joined documents (``join_documents``) cut into
    them, without their marks; None unless each mark is found once, in order,
    the first on the first page."""
    reader = PdfFileReader(io.BytesIO(pdf))
    starts = []
    for number in range(reader.numPages):
        page = reader.getPage(number)
        annotations = page.get("/Annots")
        kept = ArrayObject()
        for annotation in annotations.get_object() if annotations else []:
            index = _marker_index(annotation)
            if index is None:
                kept.append(annotation)
            else:
                starts.append((index, number))
        if annotations:
            page[NameObject("/Annots")] = kept
    if [index for index, _page in starts] != list(range(count)) or (
        starts and starts[0][1] != 0
    ):
        return None
    pages = [number for _index, number in starts]
    parts = []
    for first, end in zip(pages, pages[1:] + [reader.numPages], strict=True):
        if end <= first:
            return None
        writer = PdfFileWriter()
        for number in range(first, end):
            writer.addPage(reader.getPage(number))
        stream = io.BytesIO()
        writer.write(stream)
        parts.append(stream.getvalue())
    return parts


class B2bCollectionRunPdf(models.Model):
    _inherit = "b2b.collection.run"  # pylint: disable=consider-merging-classes-inherited

    def _b2b_pdf_skipped(self):
        """No PDF at all: the demo data (rendering needs Odoo's HTTP server
        running for the report's CSS) and the benchmark's mode without PDFs."""
        return bool(self.env.context.get("b2b_collections_no_pdf"))

    def _b2b_pending_letters(self, sweep=False):
        """Reminders of this run whose letter is still to render; with
        ``sweep``, also those of the company's runs that stopped (a run
        interrupted by a crash leaves its letters to the scheduled run)."""
        self.ensure_one()
        Contact = self.env["b2b.collection.contact"]
        report = self.env.ref(LETTER_REPORT, raise_if_not_found=False)
        if not report or self._b2b_pdf_skipped() or not self._b2b_real_pdf():
            return Contact
        runs = [("run_id", "=", self.id)]
        if sweep:
            runs = [
                "|",
                *runs,
                "&",
                ("run_id.company_id", "=", self.company_id.id),
                ("run_id.state", "=", "done"),
            ]
        return Contact.search(
            [
                *runs,
                ("channel_letter", "=", True),
                ("letter_attachment_id", "=", False),
                ("letter_failed", "=", False),
            ],
            order="id",
        )

    def _b2b_render_letter_step(self, batch_size, sweep=False):
        """Render the next ``batch_size`` letters to render; returns how many
        are left."""
        pending = self._b2b_pending_letters(sweep)
        self._b2b_render_letters(pending[:batch_size])
        return max(0, len(pending) - batch_size)

    def _b2b_render_letters(self, contacts):
        """Render the letters of ``contacts`` (reminders this run sent) and
        keep each on its contact. One wkhtmltopdf call for all of them; the
        letters it could not split are rendered one by one. A letter that
        cannot be rendered at all is marked and noted in the run's issues: the
        reminder went through its other channels, and the letter can be
        printed from it."""
        self.ensure_one()
        report = self.env.ref(LETTER_REPORT, raise_if_not_found=False)
        if not contacts or not report:
            return
        if len(contacts) > 1:
            self._b2b_all_together(
                contacts,
                lambda batch: self._b2b_render_letter_batch(report, batch),
                "letters",
            )
        missing = self._b2b_keep_letters(report, contacts)
        failures = self._b2b_each_alone(
            missing,
            lambda contact: self.env["ir.actions.report"]._render_qweb_pdf(
                report, contact.ids
            ),
            "letter",
        )
        for contact in self._b2b_keep_letters(report, missing):
            self._b2b_note_letter_failure(contact, failures.get(contact))

    def _b2b_real_pdf(self):
        """Whether reports render as PDF (Odoo's tests render them as HTML,
        unless asked with ``force_report_rendering``)."""
        return not (
            (config["test_enable"] or config["test_file"])
            and not self.env.context.get("force_report_rendering")
        )

    def _b2b_render_letter_batch(self, report, contacts):
        """The letters of ``contacts`` in one wkhtmltopdf call, each stored as
        its contact's attachment. Those it could not tell apart are left
        without one."""
        Report = self.env["ir.actions.report"].with_context(debug=False)
        if wkhtmltopdf_takes_many_documents():
            Report._render_qweb_pdf(report, contacts.ids)
            return
        html = Report._render_qweb_html(
            report, contacts.ids, data={"report_type": "pdf"}
        )[0]
        bodies, html_ids, header, footer, paper = report.with_context(
            debug=False
        )._prepare_html(html, report_model=report.model)
        if html_ids != contacts.ids:
            return
        pdf = Report._run_wkhtmltopdf(
            [join_documents(bodies)],
            report_ref=report,
            header=header,
            footer=footer,
            specific_paperformat_args=paper,
        )
        parts = split_by_marker(pdf, len(contacts))
        if not parts:
            _logger.info("Collections run %s: the letters could not be split", self.id)
            return
        self.env["ir.attachment"].create(
            [
                {
                    "name": safe_eval(
                        report.attachment, {"object": contact, "time": time}
                    ),
                    "raw": part,
                    "mimetype": "application/pdf",
                    "res_model": contact._name,
                    "res_id": contact.id,
                }
                for contact, part in zip(contacts, parts, strict=True)
            ]
        )

    def _b2b_keep_letters(self, report, contacts):
        """Link each contact to its stored letter; returns those without one."""
        missing = self.env["b2b.collection.contact"]
        for contact in contacts:
            attachment = report.retrieve_attachment(contact)
            if attachment:
                contact.letter_attachment_id = attachment
            else:
                missing |= contact
        return missing

    def _b2b_note_letter_failure(self, contact, error):
        contact.letter_failed = True
        self.env["b2b.collection.run.issue"].create(
            {
                "run_id": self.id,
                "partner_id": contact.partner_id.id,
                "kind": "info",
                "message": _(
                    "The letter could not be rendered (%(error)s). The reminder "
                    "was sent through its other channels; print the letter from "
                    "the reminder.",
                    error=error or _("no PDF came out"),
                ),
            }
        )

    def _b2b_render_statement(self, partner, contact):
        """The statement PDF of ``partner``, as an attachment of ``contact``
        (for the email), or nothing when PDFs are skipped."""
        report = self.env.ref(
            "b2b_collections_reminder.action_report_b2b_statement",
            raise_if_not_found=False,
        )
        if not report or self._b2b_pdf_skipped():
            return self.env["ir.attachment"]
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            report, partner.ids
        )
        name = f"{report.name} - {partner.display_name}.pdf".replace("/", "-")
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": contact._name,
                "res_id": contact.id,
            }
        )
