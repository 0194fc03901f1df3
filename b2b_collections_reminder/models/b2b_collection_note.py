from odoo import models


class B2bCollectionNote(models.Model):
    _inherit = "b2b.collection.note"

    def _b2b_on_promise_broken(self, invoices):
        """A broken promise escalates: the next run sends the next level at once."""
        invoices = super()._b2b_on_promise_broken(invoices)
        invoices._b2b_write_as_action({"b2b_escalate": True})
        return invoices
