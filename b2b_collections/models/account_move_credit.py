"""The credit hold, enforced: a customer on hold gets no new invoice posted.

The check is in ``_post``, the one door of every posting (the form's button,
JSON-RPC, imports, the scheduled auto-post), so no client can go round it. A
collections manager may let one invoice through (the *Post Despite Credit
Hold* dialog): who, when and why are kept on the invoice and in its chatter,
and the permission is spent by that posting: the same invoice reset to draft
and posted again needs a new one."""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from .b2b_collection_guard import MANAGER_GROUP


class AccountMoveCredit(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    b2b_credit_block = fields.Char(
        string="Why Not Posted",
        compute="_compute_b2b_credit_block",
        help="Why this invoice cannot be posted: the customer's credit hold, or "
        "its credit limit (when the company blocks invoices over it).",
        groups="base.group_user",
    )
    b2b_credit_override_user_id = fields.Many2one(
        "res.users",
        string="Posted Despite Hold By",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_override_reason = fields.Char(
        string="Why Posted Despite Hold",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_override_date = fields.Datetime(
        string="Allowed On",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_override_pending = fields.Boolean(
        readonly=True,
        copy=False,
        help="A manager allowed this invoice despite the credit hold; spent by "
        "its next posting.",
        b2b_write="action",
        groups="base.group_user",
    )

    def action_b2b_post_despite_hold(self):
        """The dialog in which a collections manager posts this invoice despite
        the customer's credit hold."""
        self.ensure_one()
        self._b2b_check_credit_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Post Despite Credit Hold"),
            "res_model": "b2b.collection.credit.override",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _b2b_check_credit_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _(
                    "Only a collections manager may post an invoice despite a "
                    "credit hold."
                )
            )

    def _post(self, soft=True):
        self._b2b_check_credit_hold()
        return super()._post(soft=soft)

    @api.depends(
        "move_type",
        "state",
        "b2b_is_charge_invoice",
        "commercial_partner_id.b2b_credit_hold",
        "partner_credit_warning",
    )
    def _compute_b2b_credit_block(self):
        for move in self:
            move.b2b_credit_block = move._b2b_credit_block_reason()

    def _b2b_credit_block_reason(self):
        """Why this draft customer invoice may not be posted, or "": the
        customer is on credit hold, or it takes the customer over its credit
        limit (Odoo's own rule and message) where the company blocks that.
        Credit notes and the late charges of the debt itself (charges
        invoices) are no new credit: never blocked."""
        self.ensure_one()
        if (
            self.move_type != "out_invoice"
            or self.state != "draft"
            or self.b2b_is_charge_invoice
        ):
            return ""
        customer = self.sudo().commercial_partner_id
        if customer.b2b_credit_hold:
            return _(
                "%(customer)s is on credit hold since %(date)s: %(reason)s.",
                customer=customer.display_name,
                date=format_date(self.env, customer.b2b_credit_hold_date),
                reason=customer.b2b_credit_hold_reason or _("no reason given"),
            )
        if self.company_id.b2b_block_over_credit_limit:
            move = self.with_company(self.company_id)
            move.invalidate_recordset(["partner_credit_warning"])
            return move.partner_credit_warning or ""
        return ""

    def _b2b_check_credit_hold(self):
        """Refuse to post an invoice blocked by the customer's credit hold or
        limit, unless a manager allowed it (once)."""
        blocked = {move: move._b2b_credit_block_reason() for move in self}
        blocked = {move: reason for move, reason in blocked.items() if reason}
        allowed = self.browse(
            [move.id for move in blocked if move.b2b_credit_override_pending]
        )
        for move, reason in blocked.items():
            if move not in allowed:
                raise UserError(
                    _(
                        "%(reason)s\nNo new invoice can be posted for it. A "
                        "collections manager can release the hold on the "
                        "customer, or post this invoice despite it (Post Despite "
                        "Credit Hold).",
                        reason=reason,
                    )
                )
        # the permission is spent by this posting
        allowed.sudo().b2b_credit_override_pending = False

    def _b2b_allow_despite_credit_hold(self, reason):
        """Record that the current user (a collections manager, checked by the
        caller) lets these invoices be posted once despite the hold."""
        self.sudo().write(
            {
                "b2b_credit_override_user_id": self.env.user.id,
                "b2b_credit_override_reason": reason,
                "b2b_credit_override_date": fields.Datetime.now(),
                "b2b_credit_override_pending": True,
            }
        )
        for move in self:
            move.message_post(
                body=Markup("<b>%s</b><br/>%s")
                % (
                    _("Posted despite the credit hold or limit"),
                    _(
                        "%(block)s Allowed by %(user)s: %(reason)s",
                        block=move._b2b_credit_block_reason(),
                        user=self.env.user.name,
                        reason=reason,
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
