from odoo import api, fields, models


class B2bCollectionCreditOverride(models.TransientModel):
    """The same dialog confirms a sale order despite the credit hold."""

    _inherit = "b2b.collection.credit.override"

    order_id = fields.Many2one("sale.order", string="Sale Order", b2b_write="user")

    @api.model
    def _b2b_document_fields(self):
        return {**super()._b2b_document_fields(), "sale.order": "order_id"}

    @api.depends("order_id")
    def _compute_document(self):
        return super()._compute_document()
