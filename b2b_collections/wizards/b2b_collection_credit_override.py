from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..models import b2b_collection_validation as validation


class B2bCollectionCreditOverride(models.TransientModel):
    """A collections manager lets one document of a customer on credit hold
    through (posts the invoice; confirms the sale order with
    ``b2b_collections_sale``), once, saying why."""

    _name = "b2b.collection.credit.override"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Let Through Despite Credit Hold"

    move_id = fields.Many2one("account.move", string="Invoice", b2b_write="user")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_document"
    )
    block_reason = fields.Char(compute="_compute_document")
    reason = fields.Char(string="Why", required=True, b2b_write="user")

    @api.model
    def _b2b_document_fields(self):
        """{model: field of this dialog} of the documents it lets through."""
        return {"account.move": "move_id"}

    @api.model
    def _b2b_document_field(self, document):
        return self._b2b_document_fields()[document._name]

    def _b2b_document(self):
        """The document (invoice, sale order) this dialog lets through."""
        self.ensure_one()
        for fname in self._b2b_document_fields().values():
            if self[fname]:
                return self[fname]
        return self.env["b2b.collection.credit.mixin"]

    @api.depends("move_id")
    def _compute_document(self):
        for wizard in self:
            document = wizard._b2b_document()
            wizard.partner_id = (
                document.partner_id.commercial_partner_id if document else False
            )
            wizard.block_reason = document.b2b_credit_block if document else False

    @api.constrains("reason")
    def _check_values(self):
        validation.check_texts(self, "reason")
        if any(not (wizard.reason or "").strip() for wizard in self):
            raise ValidationError(
                _("Say why this goes through despite the credit hold.")
            )
        for wizard in self:
            documents = [
                wizard[fname]
                for fname in self._b2b_document_fields().values()
                if wizard[fname]
            ]
            if len(documents) != 1:
                raise ValidationError(
                    _("Choose the one document to let through despite the hold.")
                )

    def action_confirm(self):
        self.ensure_one()
        document = self._b2b_document()
        document._b2b_check_credit_manager()
        document._b2b_allow_despite_credit_hold(self.reason)
        document._b2b_go_through()
        return {"type": "ir.actions.act_window_close"}
