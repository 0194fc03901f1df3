"""The credit hold on sale orders: a customer on hold gets no order confirmed.

The check is in ``write``, where a quotation becomes a sale order
(``state`` = ``sale``): ``action_confirm`` (the form's button, JSON-RPC, the
code of other addons) and a direct write of the state all go through it, and
so does ``create`` for an order created confirmed. A collections manager may
let one order through (*Confirm Despite Credit Hold*): who, when and why are
kept on the order and in its chatter, and the permission is spent by that
confirmation: the same order cancelled, set back to quotation and confirmed
again needs a new one."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "b2b.collection.credit.mixin"]

    b2b_credit_block = fields.Char(
        string="Why Not Confirmed",
        compute="_compute_b2b_credit_block",
        help="Why this quotation cannot be confirmed: the customer's credit hold.",
        groups="base.group_user",
    )
    b2b_credit_override_user_id = fields.Many2one(string="Confirmed Despite Hold By")
    b2b_credit_override_reason = fields.Char(string="Why Confirmed Despite Hold")

    @api.depends(
        "state",
        "partner_id.commercial_partner_id.b2b_credit_hold",
        "partner_invoice_id.commercial_partner_id.b2b_credit_hold",
    )
    def _compute_b2b_credit_block(self):
        for order in self:
            order.b2b_credit_block = order._b2b_credit_block_reason()

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # created confirmed (an import, a client of the API): no permission
        # can have been given yet
        for order in orders.filtered(lambda o: o.state == "sale"):
            hold = order._b2b_customer_hold_message()
            if hold:
                raise UserError(order._b2b_credit_refusal(hold))
        return orders

    def write(self, vals):
        if vals.get("state") == "sale":
            self._b2b_check_credit_hold()
        return super().write(vals)

    def action_b2b_confirm_despite_hold(self):
        """The dialog in which a collections manager confirms this order
        despite the customer's credit hold."""
        return self._b2b_credit_override_action(_("Confirm Despite Credit Hold"))

    def _b2b_customer_hold_message(self):
        """Why the customer of this order, or the one it is invoiced to, gets
        no new credit, or ""."""
        self.ensure_one()
        for partner in self.partner_id | self.partner_invoice_id:
            hold = partner._b2b_credit_hold_message()
            if hold:
                return hold
        return ""

    def _b2b_credit_block_reason(self):
        """Why this quotation may not be confirmed, or "": its customer (or
        the one it is invoiced to) is on credit hold."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            return ""
        return self._b2b_customer_hold_message()

    def _b2b_credit_refusal(self, reason):
        return _(
            "%(reason)s\nNo sale order can be confirmed for it. A collections "
            "manager can release the hold on the customer, or confirm this order "
            "despite it (Confirm Despite Credit Hold).",
            reason=reason,
        )

    def _b2b_credit_override_note(self):
        return _("Confirmed despite the credit hold")

    def _b2b_go_through(self):
        return self.action_confirm()
