from odoo import api, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _b2b_load_risk_demo(self, company=None):
        """Demo story, the risk: grade the demo customers from their payment
        history, so that the worklist is ordered by expected loss and the
        customer form shows its grade with its reasons; grade D customers
        who owe something overdue go on credit hold."""
        company = company or self.env.company
        company.sudo().b2b_risk_hold_grade = "D"
        self.env["b2b.collection.risk.model"].sudo()._b2b_refresh(company)
