from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    b2b_reminder_level_id = fields.Many2one(
        "b2b.collection.policy.level",
        string="Last Reminder",
        copy=False,
        readonly=True,
        index="btree_not_null",
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_last_reminder_date = fields.Date(
        string="Last Reminder On",
        copy=False,
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_escalate = fields.Boolean(
        copy=False,
        readonly=True,
        help="A promise was broken: the next run sends the next level at once.",
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_charge_ids = fields.One2many(
        "b2b.collection.charge",
        "move_id",
        string="Late Charges",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
        help="Interest and compensation charged on this invoice.",
        b2b_write="action",
    )
