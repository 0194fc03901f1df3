from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from . import b2b_collection_validation as validation

OUTCOMES = [
    ("credit_note", "Credit note issued"),
    ("rejected", "Rejected: the customer owes it"),
    ("partial", "Partially accepted"),
    ("expired", "Expired"),
]


class B2bCollectionDispute(models.Model):
    """A customer contests invoices: reminders stop for them until the dispute
    is resolved (with an outcome) or expires."""

    _name = "b2b.collection.dispute"
    _inherit = ["mail.thread", "b2b.collection.guard.mixin"]
    _description = "Collections Dispute"
    _order = "date_open desc, id desc"
    _check_company_auto = True
    # the reason and the expiry date may change while the dispute is open
    _b2b_draft_states = ("open",)

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        b2b_write="create",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        b2b_write="create",
    )
    move_ids = fields.Many2many(
        "account.move",
        "b2b_collection_dispute_account_move_rel",
        "dispute_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted')]",
        b2b_write="create",
    )
    reason = fields.Text(required=True, tracking=True, b2b_write="draft")
    date_open = fields.Date(
        string="Opened",
        required=True,
        default=fields.Date.context_today,
        b2b_write="create",
    )
    expiry_date = fields.Date(
        string="Expires",
        tracking=True,
        help="Reminders resume by themselves on this day if the dispute is still open.",
        b2b_write="draft",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Opened by",
        default=lambda self: self.env.user,
        b2b_write="action",
        readonly=True,
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("expired", "Expired")],
        string="Status",
        default="open",
        required=True,
        tracking=True,
        index=True,
        b2b_write="action",
        readonly=True,
    )
    outcome = fields.Selection(
        OUTCOMES, tracking=True, b2b_write="action", readonly=True
    )
    resolution_note = fields.Text(b2b_write="action", readonly=True)
    date_resolved = fields.Date(string="Resolved", readonly=True, b2b_write="action")
    credit_note_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_refund')]",
        b2b_write="action",
        readonly=True,
    )
    days_to_resolve = fields.Integer(
        string="Days to Resolve",
        compute="_compute_days_to_resolve",
        store=True,
        aggregator="avg",
    )

    @api.depends("date_open", "date_resolved")
    def _compute_days_to_resolve(self):
        for dispute in self:
            dispute.days_to_resolve = (
                (dispute.date_resolved - dispute.date_open).days
                if dispute.date_resolved and dispute.date_open
                else 0
            )

    @api.depends("partner_id", "date_open")
    def _compute_display_name(self):
        for dispute in self:
            dispute.display_name = _(
                "Dispute of %(customer)s (%(date)s)",
                customer=dispute.partner_id.display_name or "",
                date=format_date(self.env, dispute.date_open),
            )

    @api.constrains("move_ids", "partner_id")
    def _check_invoices(self):
        validation.check_customer_invoices(self, "partner_id", "move_ids")

    @api.constrains("expiry_date", "date_open")
    def _check_expiry(self):
        validation.check_dates(self, "date_open", "expiry_date")
        for dispute in self:
            if dispute.expiry_date and dispute.expiry_date < dispute.date_open:
                raise ValidationError(
                    _("A dispute cannot expire before it was opened.")
                )

    @api.constrains("reason", "resolution_note")
    def _check_values(self):
        validation.check_texts(self, "reason", "resolution_note")

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for dispute in disputes:
            dispute.move_ids.write(
                {
                    "b2b_disputed": True,
                    "b2b_dispute_reason": dispute.reason,
                    "b2b_dispute_date": dispute.date_open,
                    "b2b_dispute_expiry": dispute.expiry_date,
                }
            )
            body = Markup("%s<br/>%s") % (
                _(
                    "Dispute opened on %(invoices)s",
                    invoices=", ".join(dispute.move_ids.mapped("name")),
                ),
                dispute.reason,
            )
            for move in dispute.move_ids:
                move.message_post(body=body, subtype_xmlid="mail.mt_note")
        return disputes

    def _b2b_close(self, state, outcome, note=False, credit_note=False):
        """Close the disputes; their invoices resume the ladder unless another
        open dispute still covers them."""
        if self.filtered(lambda d: d.state != "open"):
            raise UserError(_("Only open disputes can be resolved."))
        today = fields.Date.context_today(self)
        self._b2b_write_as_action(
            {
                "state": state,
                "outcome": outcome,
                "resolution_note": note,
                "date_resolved": today,
                "credit_note_id": credit_note and credit_note.id,
            }
        )
        still_open = self.search(
            [("state", "=", "open"), ("move_ids", "in", self.move_ids.ids)]
        ).move_ids
        outcomes = dict(OUTCOMES)
        for dispute in self:
            resumed = dispute.move_ids - still_open
            resumed.write({"b2b_disputed": False, "b2b_dispute_expiry": False})
            body = escape(
                _(
                    "Dispute closed: %(outcome)s. %(note)s",
                    outcome=outcomes[outcome],
                    note=note or "",
                )
            )
            for move in dispute.move_ids:
                move.message_post(body=body, subtype_xmlid="mail.mt_note")

    def action_resolve(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Resolve Dispute"),
            "res_model": "b2b.collection.dispute.resolve",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_dispute_ids": self.ids},
        }

    @api.model
    def _b2b_expire(self, today=None):
        today = today or fields.Date.context_today(self)
        expired = self.search([("state", "=", "open"), ("expiry_date", "<", today)])
        if expired:
            expired._b2b_close("expired", "expired", _("Expired without resolution."))
        return expired
