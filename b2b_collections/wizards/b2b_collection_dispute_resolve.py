from odoo import api, fields, models

from ..models import b2b_collection_validation as validation
from ..models.b2b_collection_dispute import OUTCOMES


class B2bCollectionDisputeResolve(models.TransientModel):
    _name = "b2b.collection.dispute.resolve"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Resolve Dispute"

    dispute_ids = fields.Many2many(
        "b2b.collection.dispute", required=True, b2b_write="user"
    )
    partner_id = fields.Many2one(related="dispute_ids.partner_id")
    outcome = fields.Selection(
        [o for o in OUTCOMES if o[0] != "expired"],
        required=True,
        default="rejected",
        b2b_write="user",
    )
    note = fields.Text(string="Resolution", b2b_write="user")
    credit_note_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_refund')]",
        b2b_write="user",
    )

    @api.constrains("note")
    def _check_values(self):
        validation.check_texts(self, "note")

    def action_resolve(self):
        self.ensure_one()
        self.dispute_ids._b2b_close(
            "resolved", self.outcome, self.note, self.credit_note_id
        )
        return {"type": "ir.actions.act_window_close"}
