from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..models import b2b_collection_validation as validation


class B2bCollectionCreditOverride(models.TransientModel):
    """A collections manager posts an invoice of a customer on credit hold,
    once, saying why."""

    _name = "b2b.collection.credit.override"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Post Despite Credit Hold"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, b2b_write="user"
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer"
    )
    block_reason = fields.Char(related="move_id.b2b_credit_block")
    reason = fields.Char(string="Why", required=True, b2b_write="user")

    @api.constrains("reason")
    def _check_values(self):
        validation.check_texts(self, "reason")
        if any(not (wizard.reason or "").strip() for wizard in self):
            raise ValidationError(
                _("Say why this invoice is posted despite the credit hold.")
            )

    def action_confirm(self):
        self.ensure_one()
        self.move_id._b2b_check_credit_manager()
        self.move_id._b2b_allow_despite_credit_hold(self.reason)
        self.move_id.action_post()
        return {"type": "ir.actions.act_window_close"}
