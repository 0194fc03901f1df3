from odoo import fields, models


class B2bCollectionRunIssue(models.Model):
    _name = "b2b.collection.run.issue"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections Run Issue"
    _order = "id"

    run_id = fields.Many2one(
        "b2b.collection.run",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="action",
        readonly=True,
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", b2b_write="action", readonly=True
    )
    message = fields.Text(required=True, b2b_write="action", readonly=True)
    kind = fields.Selection(
        [("error", "Skipped"), ("retry", "Retried"), ("info", "Note")],
        required=True,
        default="error",
        help="Skipped: the customer was left for the next run. Retried: another "
        "transaction changed it at the same time; it was sent again in a new one.",
        b2b_write="action",
        readonly=True,
    )
