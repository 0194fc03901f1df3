from collections import OrderedDict

from werkzeug.exceptions import Forbidden, NotFound

from odoo import _, fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.account.controllers.portal import PortalAccount
from odoo.addons.b2b_collections.models import b2b_collection_validation as validation
from odoo.addons.b2b_collections_agency.models.b2b_collection_placement_update import (
    UPDATE_KINDS,
)
from odoo.addons.portal.controllers.portal import pager as portal_pager

AGENCY_GROUP = "b2b_collections_agency.group_b2b_collection_agency"
RUNNING = ("placed", "active")
ENDED = ("recalled", "closed_recovered", "closed_uncollectible")
PLACEMENT = "b2b.collection.placement"


class AgencyPortal(PortalAccount):
    """The agency portal: an agency's portal users list their agency's
    placements, open the running ones (customer, invoices, updates,
    recoveries), post status updates and report payments received.

    Who sees what is decided by the record rules of the agency portal group:
    records are read and updates created as the portal user. ``sudo`` serves
    only to read, after the access check, what the rules already allow
    (the author of an update, the invoice PDF)."""

    # ------------------------------------------------------------ helpers

    def _b2b_is_agency_user(self):
        return request.env.user.has_group(AGENCY_GROUP)

    def _b2b_placement_filters(self):
        return {
            "running": {"label": _("Running"), "domain": [("state", "in", RUNNING)]},
            "ended": {"label": _("Ended"), "domain": [("state", "in", ENDED)]},
            "all": {"label": _("All"), "domain": [("state", "!=", "draft")]},
        }

    def _b2b_placement_sortings(self):
        return {
            "date": {"label": _("Placed on"), "order": "date_placed desc, id desc"},
            "customer": {"label": _("Customer"), "order": "partner_id, id desc"},
            "amount": {"label": _("Placed Amount"), "order": "placed_amount desc, id"},
        }

    def _b2b_placement_check_access(self, placement_id):
        """The placement ``placement_id`` in the portal user's environment.

        404 for anyone but an agency portal user, for a placement the rules
        hide (another agency's) and for a draft; 403 for an ended placement
        of the user's own agency (its invoices are no longer the agency's).
        """
        if not self._b2b_is_agency_user():
            raise NotFound()
        try:
            placement_sudo = self._document_check_access(PLACEMENT, placement_id)
        except (AccessError, MissingError):
            raise NotFound() from None
        if placement_sudo.state == "draft":
            raise NotFound()
        if placement_sudo.state not in RUNNING:
            raise Forbidden(
                _("This placement has ended: it is no longer yours to work.")
            )
        return request.env[PLACEMENT].browse(placement_id)

    # --------------------------------------------------------------- home

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "placement_count" in counters:
            values["placement_count"] = (
                request.env[PLACEMENT].search_count(
                    self._b2b_placement_filters()["all"]["domain"]
                )
                if self._b2b_is_agency_user()
                else 0
            )
        return values

    def _get_invoices_domain(self, m_type=None):
        """The standard "Invoices" pages list the portal user's own documents:
        an agency user reads its placed invoices in the placements, not as if
        they were addressed to the agency."""
        domain = super()._get_invoices_domain(m_type)
        if self._b2b_is_agency_user():
            commercial_partner = request.env.user.commercial_partner_id
            domain = [
                *domain,
                ("message_partner_ids", "child_of", commercial_partner.ids),
            ]
        return domain

    # --------------------------------------------------------------- list

    @http.route(
        ["/my/placements", "/my/placements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_placements(self, page=1, sortby=None, filterby=None, **kw):
        if not self._b2b_is_agency_user():
            raise NotFound()
        Placement = request.env[PLACEMENT]
        sortings = self._b2b_placement_sortings()
        filters = self._b2b_placement_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "running"
        domain = filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/placements",
            url_args={"sortby": sortby, "filterby": filterby},
            total=Placement.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        placements = Placement.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "placements",
                "placements": placements,
                "running_states": RUNNING,
                "pager": pager,
                "default_url": "/my/placements",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": OrderedDict(filters.items()),
                "filterby": filterby,
            }
        )
        return request.render(
            "b2b_collections_agency_portal.portal_my_placements", values
        )

    # ------------------------------------------------------------- detail

    def _b2b_placement_values(self, placement, **kw):
        values = self._prepare_portal_layout_values()
        updates = placement.update_ids
        values.update(
            {
                "page_name": "placement",
                "placement": placement,
                "customer": placement.partner_id,
                "contacts": placement.partner_id.child_ids,
                "lines": placement.line_ids,
                "updates": updates,
                # the author of a staff update is an internal user, which a
                # portal user may not read: only the name, of updates they see
                "authors": {u.id: u.sudo().author_id.name for u in updates},
                "recoveries": placement.recovery_ids,
                "update_kinds": [k for k in UPDATE_KINDS if k[0] != "payment"],
                "today": fields.Date.context_today(placement),
                "errors": kw.get("errors") or [],
                "form": kw.get("form"),
                "form_values": kw.get("form_values") or {},
                "posted": kw.get("posted"),
            }
        )
        return values

    def _b2b_render_placement(self, placement, status=200, **kw):
        return request.render(
            "b2b_collections_agency_portal.portal_my_placement",
            self._b2b_placement_values(placement, **kw),
            status=status,
        )

    @http.route(
        "/my/placements/<int:placement_id>", type="http", auth="user", website=True
    )
    def portal_my_placement(self, placement_id, posted=None, **kw):
        placement = self._b2b_placement_check_access(placement_id)
        return self._b2b_render_placement(
            placement, posted=posted if posted in ("update", "payment") else None
        )

    @http.route(
        "/my/placements/<int:placement_id>/invoices/<int:move_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_placement_invoice(self, placement_id, move_id, **kw):
        """The PDF of an invoice of the placement."""
        placement = self._b2b_placement_check_access(placement_id)
        if move_id not in placement.line_ids.move_id.ids:
            raise NotFound()
        try:
            move_sudo = self._document_check_access("account.move", move_id)
        except (AccessError, MissingError):
            raise NotFound() from None
        return self._show_report(
            model=move_sudo,
            report_type="pdf",
            report_ref="account.account_invoices",
            download=True,
        )

    # ------------------------------------------------------------- posting

    def _b2b_create_update(self, placement, vals, form, form_values):
        """Create the update as the portal user (the rules decide), or show
        the page again with the reason it was refused."""
        try:
            with request.env.cr.savepoint():
                request.env["b2b.collection.placement.update"].create(
                    dict(vals, placement_id=placement.id)
                )
        except AccessError:
            raise Forbidden() from None
        except UserError as error:
            return self._b2b_render_placement(
                placement,
                status=400,
                errors=[error.args[0]],
                form=form,
                form_values=form_values,
            )
        return request.redirect(f"/my/placements/{placement.id}?posted={form}")

    @http.route(
        "/my/placements/<int:placement_id>/update",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_placement_post_update(
        self, placement_id, kind=None, description=None, **kw
    ):
        placement = self._b2b_placement_check_access(placement_id)
        description = (description or "").strip()
        form_values = {"kind": kind, "description": description}
        # the form offers every kind but the payment report (its own form);
        # the rest of the rules are the model's
        if kind not in dict(UPDATE_KINDS) or kind == "payment":
            return self._b2b_render_placement(
                placement,
                status=400,
                errors=[_("Choose what kind of update this is.")],
                form="update",
                form_values=form_values,
            )
        return self._b2b_create_update(placement, form_values, "update", form_values)

    @http.route(
        "/my/placements/<int:placement_id>/payment",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_placement_report_payment(
        self, placement_id, amount=None, payment_date=None, description=None, **kw
    ):
        """Parse the amount and the date typed in the form; the model decides
        whether they are acceptable (above 0, not in the future...)."""
        placement = self._b2b_placement_check_access(placement_id)
        description = (description or "").strip()
        form_values = {
            "amount": amount,
            "payment_date": payment_date,
            "description": description,
        }
        errors = []
        value = validation.parse_number(amount)
        if value is None:
            errors.append(
                _("Enter the amount received as a number, for example 1250.00.")
            )
        day = None
        if not (payment_date or "").strip():
            errors.append(_("Enter the date the payment was received."))
        else:
            try:
                day = validation.parse_date(
                    request.env, payment_date, _("Payment date")
                )
            except UserError as error:
                errors.append(error.args[0])
        if errors:
            return self._b2b_render_placement(
                placement,
                status=400,
                errors=errors,
                form="payment",
                form_values=form_values,
            )
        vals = {
            "kind": "payment",
            "reported_amount": value,
            "reported_date": day,
            "description": description or _("Payment received by the agency."),
        }
        return self._b2b_create_update(placement, vals, "payment", form_values)
