from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.tools import consteq

STATEMENT_REPORT = "b2b_collections_reminder.action_report_b2b_statement"


class StatementController(http.Controller):
    @http.route(
        "/b2b/statement/<int:contact_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=False,
        readonly=True,
    )
    def b2b_statement(self, contact_id, access_token=None, **kw):
        """The statement of the customer a reminder went to, rendered now (its
        open items as of today): opened from the reminder's link, with the
        reminder's token. Anything else is a 404, whatever the reason."""
        contact = (
            request.env["b2b.collection.contact"].sudo().browse(contact_id).exists()
        )
        if (
            not contact
            or not access_token
            or not contact.access_token
            or not consteq(contact.access_token, str(access_token))
        ):
            raise NotFound()
        partner = contact.partner_id.with_company(contact.company_id)
        content, _type = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(contact.company_id)
            ._render_qweb_pdf(STATEMENT_REPORT, partner.ids)
        )
        name = f"Statement - {partner.commercial_partner_id.name}.pdf".replace('"', "")
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", f'inline; filename="{name}"'),
                ("X-Robots-Tag", "noindex"),
            ],
        )
