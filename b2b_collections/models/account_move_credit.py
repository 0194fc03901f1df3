"""The credit hold, enforced: a customer on hold gets no new invoice posted.

The check is in ``_post``, the one door of every posting (the form's button,
JSON-RPC, imports, the scheduled auto-post), so no client can go round it. A
collections manager may let one invoice through (the *Post Despite Credit
Hold* dialog): who, when and why are kept on the invoice and in its chatter,
and the permission is spent by that posting: the same invoice reset to draft
and posted again needs a new one."""

from odoo import _, api, fields, models


class AccountMoveCredit(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    b2b_credit_block = fields.Char(
        string="Why Not Posted",
        compute="_compute_b2b_credit_block",
        help="Why this invoice cannot be posted: the customer's credit hold, or "
        "its credit limit (when the company blocks invoices over it).",
        groups="base.group_user",
    )
    b2b_credit_override_user_id = fields.Many2one(string="Posted Despite Hold By")
    b2b_credit_override_reason = fields.Char(string="Why Posted Despite Hold")

    def action_b2b_post_despite_hold(self):
        """The dialog in which a collections manager posts this invoice despite
        the customer's credit hold."""
        return self._b2b_credit_override_action(_("Post Despite Credit Hold"))

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
        hold = self.commercial_partner_id._b2b_credit_hold_message()
        if hold:
            return hold
        if self.company_id.b2b_block_over_credit_limit:
            move = self.with_company(self.company_id)
            move.invalidate_recordset(["partner_credit_warning"])
            return move.partner_credit_warning or ""
        return ""

    def _b2b_credit_refusal(self, reason):
        return _(
            "%(reason)s\nNo new invoice can be posted for it. A collections "
            "manager can release the hold on the customer, or post this invoice "
            "despite it (Post Despite Credit Hold).",
            reason=reason,
        )

    def _b2b_credit_override_note(self):
        return _("Posted despite the credit hold or limit")

    def _b2b_go_through(self):
        return self.action_post()
