from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_is_zero

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

UPDATE_KINDS = [
    ("contact", "Contact attempt"),
    ("negotiation", "Negotiation"),
    ("obstacle", "Obstacle"),
    ("legal", "Legal step"),
    ("payment", "Payment reported"),
    ("note", "Note"),
]


class B2bCollectionPlacementUpdate(models.Model):
    """A status update on a placement, from staff or from the agency in the
    portal. A reported payment waits for an accountant's confirmation: the
    money counts only once the payment is registered and reconciled."""

    _name = "b2b.collection.placement.update"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Placement Status Update"
    _order = "date desc, id desc"

    placement_id = fields.Many2one(
        "b2b.collection.placement",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="create",
    )
    agency_id = fields.Many2one(
        related="placement_id.agency_id", store=True, index=True
    )
    company_id = fields.Many2one(
        related="placement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="placement_id.currency_id")
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, b2b_write="create"
    )
    kind = fields.Selection(
        UPDATE_KINDS, required=True, default="contact", b2b_write="create"
    )
    description = fields.Text(required=True, b2b_write="create")
    author_id = fields.Many2one(
        "res.users",
        string="Author",
        default=lambda self: self.env.user,
        readonly=True,
        b2b_write="action",
    )
    from_agency = fields.Boolean(
        compute="_compute_from_agency", store=True, string="From the Agency"
    )
    reported_amount = fields.Monetary(string="Amount Reported", b2b_write="create")
    reported_date = fields.Date(string="Payment Date", b2b_write="create")
    report_state = fields.Selection(
        [
            ("pending", "To confirm"),
            ("confirmed", "Confirmed"),
            ("rejected", "Rejected"),
        ],
        string="Report Status",
        readonly=True,
        copy=False,
        b2b_write="action",
    )
    confirmed_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )

    @api.depends("author_id")
    def _compute_from_agency(self):
        for update in self:
            update.from_agency = bool(update.author_id.share)

    @api.constrains("kind", "reported_amount", "reported_date")
    def _check_report(self):
        payments = self.filtered(lambda u: u.kind == "payment")
        for update in payments:
            if (
                float_is_zero(update.reported_amount, precision_digits=2)
                or not update.reported_date
            ):
                raise ValidationError(
                    _(
                        "A payment report needs the amount received (above 0) and its date."
                    )
                )
        validation.check_amounts(payments, "reported_amount", sign=validation.POSITIVE)
        validation.check_amounts(
            self - payments, "reported_amount", sign=validation.NOT_NEGATIVE
        )
        validation.check_dates(self, "reported_date")
        for update in self.filtered("reported_date"):
            if update.reported_date > fields.Date.context_today(update):
                raise ValidationError(
                    _(
                        "The payment date %(date)s is in the future: report a "
                        "payment once it is received.",
                        date=validation.show(update.reported_date),
                    )
                )

    @api.constrains("date", "description")
    def _check_values(self):
        validation.check_dates(self, "date")
        validation.check_texts(self, "description")
        if any(not (update.description or "").strip() for update in self):
            raise ValidationError(_("Write what happened: the update has no text."))

    @api.model_create_multi
    def create(self, vals_list):
        updates = super().create(vals_list)
        # the creation was checked: the report waits for a collections user
        updates.filtered(lambda u: u.kind == "payment").sudo().report_state = "pending"
        for placement in updates.placement_id:
            if placement.state == "placed":
                placement.sudo().state = "active"
            if placement.state not in ("placed", "active"):
                raise UserError(
                    _(
                        "%s is no longer open: it takes no more updates.",
                        placement.display_name,
                    )
                )
        for update in updates:
            kind = dict(UPDATE_KINDS)[update.kind]
            body = Markup("<b>%s</b>: %s") % (kind, escape(update.description))
            if update.kind == "payment":
                body += Markup("<br/>") + escape(
                    _(
                        "%(amount)s received on %(date)s, to confirm.",
                        amount=update.currency_id.format(update.reported_amount),
                        date=update.reported_date,
                    )
                )
            update.placement_id.sudo().message_post(
                body=body,
                author_id=update.author_id.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        return updates

    def _b2b_check_pending(self):
        for update in self:
            if update.report_state != "pending":
                raise UserError(
                    _("Only a payment report to confirm can be confirmed or rejected.")
                )

    def action_confirm(self):
        """Confirm a payment the agency reports, and open the payment
        registration for the placed invoices with its amount and date."""
        self.ensure_one()
        self._b2b_check_pending()
        self._b2b_write_as_action(
            {"report_state": "confirmed", "confirmed_by_id": self.env.user.id}
        )
        moves = self.placement_id.line_ids.move_id.filtered(
            lambda m: m.payment_state in ("not_paid", "partial")
        )
        if not moves:
            return True
        return {
            "type": "ir.actions.act_window",
            "name": _("Register Payment"),
            "res_model": "account.payment.register",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "account.move",
                "active_ids": moves.ids,
                "default_amount": self.reported_amount,
                "default_payment_date": self.reported_date,
                "default_communication": self.placement_id.name,
                "default_group_payment": True,
            },
        }

    def action_reject(self):
        self._b2b_check_pending()
        self._b2b_write_as_action(
            {"report_state": "rejected", "confirmed_by_id": self.env.user.id}
        )
