from odoo import api, models

PRECOMMIT_KEY = "b2b_collections.holds_to_check"


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """A payment of a customer a reminder put on credit hold may end the
        hold (``res.partner._b2b_release_paid_holds``): checked once, just
        before the transaction commits, whatever the number of
        reconciliations."""
        partials = super().create(vals_list)
        moves = partials.debit_move_id.move_id.sudo().filtered(
            lambda m: m.move_type == "out_invoice"
            and m.company_id.b2b_credit_auto_release
            and m.commercial_partner_id.b2b_credit_hold_auto
        )
        if moves:
            precommit = self.env.cr.precommit
            todo = precommit.data.setdefault(PRECOMMIT_KEY, set())
            if not todo:
                precommit.add(self._b2b_check_holds_before_commit)
            todo.update((m.commercial_partner_id.id, m.company_id.id) for m in moves)
        return partials

    def _b2b_check_holds_before_commit(self):
        todo = self.env.cr.precommit.data.pop(PRECOMMIT_KEY, set())
        by_company = {}
        for partner_id, company_id in todo:
            by_company.setdefault(company_id, []).append(partner_id)
        Partner = self.env["res.partner"].sudo()
        for company_id, partner_ids in by_company.items():
            Partner._b2b_release_paid_holds(
                partner_ids, self.env["res.company"].browse(company_id)
            )
        self.env.flush_all()
