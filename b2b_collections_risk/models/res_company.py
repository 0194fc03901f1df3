from odoo import fields, models

from .risk_learning import GRADES


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    b2b_risk_min_paid = fields.Integer(
        string="Paid Invoices to Learn From",
        default=500,
        b2b_write="user",
        groups="base.group_user",
        help="Below this number of paid invoices in the history, the risk "
        "grades come from the scorecard, not from a learned model.",
    )
    b2b_risk_hold_grade = fields.Selection(
        GRADES,
        string="Credit Hold From Grade",
        b2b_write="user",
        groups="base.group_user",
        help="Customers graded this or worse who owe something overdue are put "
        "on credit hold by the nightly risk refresh (released like the holds "
        "of reminders once nothing is overdue). Empty: the grade holds no one.",
    )
