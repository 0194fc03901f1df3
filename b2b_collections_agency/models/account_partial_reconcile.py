from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """A payment reconciled on a placed invoice is the agency's recovery
        at once (one statement for the whole reconciliation)."""
        partials = super().create(vals_list)
        self.env["b2b.collection.recovery"].sudo()._b2b_attribute(
            partials=partials, undo=False
        )
        return partials

    def unlink(self):
        """An unreconciled payment is no longer a recovery: undone at once."""
        result = super().unlink()
        recovery = self.env["b2b.collection.recovery"].sudo()
        recovery._b2b_attribute(partials=self.browse())
        return result
