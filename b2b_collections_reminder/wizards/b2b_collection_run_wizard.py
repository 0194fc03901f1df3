from odoo import _, api, fields, models
from odoo.fields import Command

from ..models.b2b_collection_run import PAUSE_REASONS


class B2bCollectionRunWizard(models.TransientModel):
    """Run now: shows, per customer, the reminders due today (invoices, level,
    channels, contact, why) and those paused with the reason; sends on
    confirmation exactly what it showed, unless something changed meanwhile."""

    _name = "b2b.collection.run.wizard"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Run Reminders Now"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        b2b_write="user",
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        readonly=True,
        b2b_write="action",
    )
    with_statement = fields.Boolean(
        string="Attach Statement",
        default=lambda self: self.env.company.b2b_attach_statement,
        b2b_write="user",
    )
    line_ids = fields.One2many(
        "b2b.collection.run.wizard.line", "wizard_id", b2b_write="action", readonly=True
    )
    send_count = fields.Integer(compute="_compute_counts")
    paused_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.pause")
    def _compute_counts(self):
        for wizard in self:
            wizard.send_count = len(
                wizard.line_ids.filtered(lambda line: not line.pause)
            )
            wizard.paused_count = len(wizard.line_ids) - wizard.send_count

    @api.model
    def action_b2b_open(self):
        """Menu entry: settle expired promises and disputes, then preview."""
        self.env["b2b.collection.note"]._b2b_evaluate_promises()
        self.env["account.move"]._b2b_expire_disputes()
        wizard = self.create({})
        wizard._b2b_fill_preview()
        return {
            "type": "ir.actions.act_window",
            "name": _("Run Reminders Now"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def _b2b_fill_preview(self):
        self.ensure_one()
        actions = self.env["b2b.collection.run"]._b2b_plan(self.company_id, self.date)
        lines = [Command.clear()] + [
            Command.create(
                {
                    "partner_id": action["partner_id"],
                    "level_id": action["level_id"],
                    "recipient_id": action["recipient_id"],
                    "move_ids": [Command.set(action["move_ids"])],
                    "amount": action["amount"],
                    "channel_email": action["channel_email"],
                    "channel_letter": action["channel_letter"],
                    "channel_call": action["channel_call"],
                    "reason": "\n".join(
                        filter(None, [action["reason"], action["note"]])
                    ),
                    "pause": action["pause"],
                }
            )
            for action in actions
        ]
        self._b2b_write_as_action({"line_ids": lines})

    def action_refresh(self):
        self._b2b_fill_preview()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_send(self):
        self.ensure_one()
        allowed = {
            (line.partner_id.id, line.level_id.id)
            for line in self.line_ids
            if not line.pause
        }
        # the engine writes the contact log, which no user writes by hand: it
        # runs as the scheduled action does, for the manager who started it
        run = (
            self.env["b2b.collection.run"]
            .sudo()
            .create(
                {
                    "company_id": self.company_id.id,
                    "date": self.date,
                    "trigger": "manual",
                    "with_statement": self.with_statement,
                }
            )
        )
        run._b2b_execute(allowed=allowed)
        return {
            "type": "ir.actions.act_window",
            "res_model": "b2b.collection.run",
            "res_id": run.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }


class B2bCollectionRunWizardLine(models.TransientModel):
    _name = "b2b.collection.run.wizard.line"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Run Reminders Now: Line"
    _order = "pause desc, partner_id, level_id"

    wizard_id = fields.Many2one(
        "b2b.collection.run.wizard",
        required=True,
        ondelete="cascade",
        b2b_write="action",
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, b2b_write="action"
    )
    level_id = fields.Many2one(
        "b2b.collection.policy.level", string="Level", readonly=True, b2b_write="action"
    )
    recipient_id = fields.Many2one(
        "res.partner", string="To", readonly=True, b2b_write="action"
    )
    move_ids = fields.Many2many(
        "account.move",
        "b2b_run_wizard_line_move_rel",
        string="Invoices",
        readonly=True,
        b2b_write="action",
    )
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    amount = fields.Monetary(readonly=True, b2b_write="action")
    channel_email = fields.Boolean(string="Email", readonly=True, b2b_write="action")
    channel_letter = fields.Boolean(string="Letter", readonly=True, b2b_write="action")
    channel_call = fields.Boolean(string="Call", readonly=True, b2b_write="action")
    reason = fields.Text(string="Why", readonly=True, b2b_write="action")
    pause = fields.Selection(
        [(key, label) for key, label in PAUSE_REASONS.items()],
        string="Paused",
        readonly=True,
        b2b_write="action",
    )
