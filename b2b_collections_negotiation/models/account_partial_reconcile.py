from odoo import api, models

PRECOMMIT_KEY = "b2b_collections_negotiation.plans_to_update"


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """A reconciliation on an invoice of an active payment plan updates the
        plan's instalments once, just before the transaction commits (one
        search here; the update itself is one query for all the plans)."""
        partials = super().create(vals_list)
        moves = partials.debit_move_id.move_id.filtered(
            lambda m: m.move_type == "out_invoice"
        )
        if moves:
            plans = (
                self.env["b2b.collection.payment.plan"]
                .sudo()
                .search([("state", "=", "active"), ("move_ids", "in", moves.ids)])
            )
            if plans:
                precommit = self.env.cr.precommit
                todo = precommit.data.setdefault(PRECOMMIT_KEY, set())
                if not todo:
                    precommit.add(self._b2b_update_plans_before_commit)
                todo.update(plans.ids)
        return partials

    def _b2b_update_plans_before_commit(self):
        plan_ids = self.env.cr.precommit.data.pop(PRECOMMIT_KEY, set())
        plans = self.env["b2b.collection.payment.plan"].sudo().browse(plan_ids).exists()
        plans._b2b_update_from_payments()
        self.env.flush_all()
