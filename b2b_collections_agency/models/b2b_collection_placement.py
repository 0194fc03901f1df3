from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

STATES = [
    ("draft", "Draft"),
    ("placed", "Placed"),
    ("active", "Active"),
    ("recalled", "Recalled"),
    ("closed_recovered", "Closed: recovered"),
    ("closed_uncollectible", "Closed: uncollectible"),
]


class B2bCollectionPlacement(models.Model):
    """Invoices of one customer placed with an outside collection agency.

    draft -> placed (invoices move to the agency stage: reminders stop) ->
    active (the agency works it) -> recalled / closed (recovered or
    uncollectible). Payments reconciled on the placed invoices while the
    placement runs are attributed to it as recoveries
    (``b2b.collection.recovery``), on which the agency earns its commission.
    """

    _name = "b2b.collection.placement"
    _inherit = ["mail.thread", "mail.activity.mixin", "b2b.collection.guard.mixin"]
    _description = "Agency Placement"
    _order = "date_placed desc, id desc"
    _check_company_auto = True
    _b2b_sequence_code = "b2b.collection.placement"

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        default="/",
        b2b_write="action",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        b2b_write="create",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    agency_id = fields.Many2one(
        "b2b.collection.agency",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        b2b_write="draft",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        b2b_write="draft",
    )
    collector_id = fields.Many2one(
        "res.users",
        related="partner_id.b2b_collector_id",
        string="Collector",
        groups="base.group_user",
    )
    line_ids = fields.One2many(
        "b2b.collection.placement.line",
        "placement_id",
        string="Placed Invoices",
        b2b_write="draft",
    )
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Invoices"
    )
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
        b2b_write="action",
        readonly=True,
    )
    date_placed = fields.Date(
        string="Placed on",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        b2b_write="draft",
    )
    date_end = fields.Date(
        string="Ended on",
        readonly=True,
        copy=False,
        help="Recall or closing date: later payments are no longer the agency's.",
        b2b_write="action",
    )
    debt_age = fields.Integer(
        string="Debt Age at Placement (days)",
        readonly=True,
        help="Days overdue of the oldest placed invoice on the placement date.",
        b2b_write="action",
    )
    commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        readonly=True,
        help="From the agency's tiers on the placement date: it does not change "
        "when the terms do.",
        b2b_write="action",
    )
    fixed_fee = fields.Monetary(readonly=True, b2b_write="action")
    fee_bill_line_id = fields.Many2one(
        "account.move.line",
        string="Fee Bill Line",
        readonly=True,
        copy=False,
        ondelete="set null",
        check_company=True,
        help="The agency bill line charging the fixed fee.",
        b2b_write="action",
        groups="base.group_user",
    )
    placed_amount = fields.Monetary(compute="_compute_placed_amount", store=True)
    recovery_ids = fields.One2many(
        "b2b.collection.recovery", "placement_id", b2b_write="action", readonly=True
    )
    recovered_amount = fields.Monetary(compute="_compute_recovery_figures")
    commission_amount = fields.Monetary(compute="_compute_recovery_figures")
    net_recovery = fields.Monetary(
        compute="_compute_recovery_figures",
        help="Recovered amount minus the commission and the fixed fee.",
    )
    recovery_rate = fields.Float(
        string="Recovery Rate (%)", compute="_compute_recovery_figures"
    )
    date_first_recovery = fields.Date(
        string="First Recovery", compute="_compute_recovery_figures"
    )
    open_amount = fields.Monetary(
        string="Owed Now",
        compute="_compute_open_amount",
        help="What the placed invoices still owe today.",
    )
    update_ids = fields.One2many(
        "b2b.collection.placement.update",
        "placement_id",
        string="Status Updates",
        b2b_write="user",
    )
    pending_report_count = fields.Integer(compute="_compute_pending_report_count")
    recall_reason = fields.Text(
        readonly=True,
        copy=False,
        tracking=True,
        b2b_write="action",
        groups="base.group_user",
    )
    close_note = fields.Text(
        readonly=True, copy=False, b2b_write="action", groups="base.group_user"
    )
    note = fields.Text(string="Instructions to the Agency", b2b_write="user")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "Placement references are unique per company.",
        ),
    ]

    @api.constrains(
        "date_placed",
        "date_end",
        "commission_rate",
        "fixed_fee",
        "debt_age",
        "note",
        "recall_reason",
        "close_note",
    )
    def _check_values(self):
        validation.check_dates(self, "date_placed", "date_end")
        validation.check_percentages(self, "commission_rate")
        validation.check_amounts(self, "fixed_fee", sign=validation.NOT_NEGATIVE)
        validation.check_ranges(self, "debt_age", low=0, high=validation.INTEGER_MAX)
        validation.check_texts(self, "note", "recall_reason", "close_note")

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for placement in self:
            placement.move_ids = placement.line_ids.move_id

    @api.depends("line_ids.placed_amount")
    def _compute_placed_amount(self):
        for placement in self:
            placement.placed_amount = sum(placement.line_ids.mapped("placed_amount"))

    def _compute_recovery_figures(self):
        groups = self.env["b2b.collection.recovery"]._read_group(
            [("placement_id", "in", self.ids)],
            ["placement_id"],
            ["amount:sum", "commission_amount:sum", "date:min"],
        )
        figures = {
            placement: (amount, commission, first)
            for placement, amount, commission, first in groups
        }
        for placement in self:
            amount, commission, first = figures.get(placement, (0.0, 0.0, False))
            placement.recovered_amount = amount
            placement.commission_amount = commission
            placement.date_first_recovery = first
            fee = placement.fixed_fee if placement.state != "draft" else 0.0
            placement.net_recovery = placement.currency_id.round(
                amount - commission - fee
            )
            placement.recovery_rate = (
                100.0 * amount / placement.placed_amount
                if placement.placed_amount
                else 0.0
            )

    def _compute_open_amount(self):
        for placement in self:
            placement.open_amount = sum(
                placement.line_ids.move_id.mapped("amount_residual_signed")
            )

    @api.depends("update_ids.report_state")
    def _compute_pending_report_count(self):
        for placement in self:
            placement.pending_report_count = len(
                placement.update_ids.filtered(lambda u: u.report_state == "pending")
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(placement.state != "draft" for placement in self):
            raise UserError(
                _("Only draft placements can be deleted: recall or close the others.")
            )

    # -------------------------------------------------------------- workflow

    def action_place(self):
        """Hand the invoices to the agency: check the agency and the
        invoices, fix the commission rate and the fee, move the invoices to
        the agency stage (reminders stop for them), put the customer on
        credit hold (not an automatic one: it stays once paid, until a
        collections manager releases it)."""
        agency_stage = self.env["b2b.collection.stage"]._b2b_stage("agency")
        for placement in self:
            if placement.state != "draft":
                raise UserError(_("%s is already placed.", placement.display_name))
            if not placement.line_ids:
                raise UserError(
                    _("%s has no invoice to place.", placement.display_name)
                )
            placement.agency_id._b2b_check_can_place(placement.date_placed)
            placement.line_ids._b2b_check_placeable(placement.date_placed)
            placement.line_ids._b2b_snapshot(placement.date_placed)
            if float_is_zero(
                placement.placed_amount,
                precision_rounding=placement.currency_id.rounding,
            ):
                raise UserError(
                    _(
                        "%s has nothing to collect: the placed amount is 0.",
                        placement.display_name,
                    )
                )
            debt_age = max(placement.line_ids.mapped("days_overdue"))
            agency = placement.agency_id
            if agency.max_debt_age and debt_age > agency.max_debt_age:
                raise UserError(
                    _(
                        "%(agency)s accepts debts up to %(max)s days overdue; the "
                        "oldest invoice of %(placement)s is %(age)s days overdue.",
                        agency=agency.display_name,
                        max=agency.max_debt_age,
                        placement=placement.display_name,
                        age=debt_age,
                    )
                )
            placement._b2b_write_as_action(
                {
                    "state": "placed",
                    "debt_age": debt_age,
                    "commission_rate": agency._b2b_commission_rate(
                        debt_age, placement.placed_amount
                    ),
                    "fixed_fee": agency.fixed_fee,
                }
            )
            for line in placement.line_ids:
                line._b2b_write_as_action(
                    {"previous_stage_id": line.move_id.b2b_collection_stage_id.id}
                )
            if agency_stage:
                placement.line_ids.move_id.b2b_collection_stage_id = agency_stage
            placement.line_ids.move_id._message_log_batch(
                bodies={
                    move.id: self.env._(
                        "Placed with %(agency)s (%(placement)s).",
                        agency=agency.display_name,
                        placement=placement.name,
                    )
                    for move in placement.line_ids.move_id
                }
            )
            placement.message_subscribe(agency.partner_id.ids)
            placement.partner_id._b2b_put_on_credit_hold(
                self.env._(
                    "Placed with %(agency)s (%(placement)s)",
                    agency=agency.display_name,
                    placement=placement.name,
                ),
                auto=False,
            )
        # payments already reconciled on the placement day count
        self.env["b2b.collection.recovery"]._b2b_attribute(placements=self)
        return True

    def action_activate(self):
        for placement in self:
            if placement.state != "placed":
                raise UserError(
                    _(
                        "Only a placed placement can become active (%s).",
                        placement.display_name,
                    )
                )
        self._b2b_write_as_action({"state": "active"})

    def _b2b_end(self, state, end_date, next_stage=None, **vals):
        """Close or recall: the invoices still open leave the agency stage
        (to ``next_stage``, else the stage they had before the placement)."""
        for placement in self:
            if placement.state not in ("placed", "active"):
                raise UserError(
                    _(
                        "%(placement)s is %(state)s: only a placed or active "
                        "placement can be recalled or closed.",
                        placement=placement.display_name,
                        state=dict(STATES)[placement.state],
                    )
                )
            if end_date < placement.date_placed:
                raise UserError(
                    _("%s cannot end before it was placed.", placement.display_name)
                )
        # attribute what was paid up to now before the window closes
        self.env["b2b.collection.recovery"]._b2b_attribute(placements=self)
        fallback = self.env["b2b.collection.stage"]._b2b_stage("reminded")
        for placement in self:
            placement._b2b_write_as_action(dict(vals, state=state, date_end=end_date))
            for line in placement.line_ids:
                move = line.move_id
                if (
                    move.b2b_collection_stage_id.is_agency
                    and not move.b2b_collection_stage_id.is_closed
                ):
                    if move.payment_state in ("paid", "in_payment", "reversed"):
                        move.b2b_collection_stage_id = (
                            self.env["b2b.collection.stage"]._b2b_stage("resolved")
                            or move.b2b_collection_stage_id
                        )
                    else:
                        move.b2b_collection_stage_id = (
                            next_stage or line.previous_stage_id or fallback
                        )

    def action_open_recall_wizard(self):
        return self._b2b_open_end_wizard("recall")

    def action_open_close_wizard(self):
        return self._b2b_open_end_wizard("close")

    def _b2b_open_end_wizard(self, mode):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Recall Placement") if mode == "recall" else _("Close Placement"),
            "res_model": "b2b.collection.placement.end",
            "view_mode": "form",
            "target": "new",
            "context": {"default_placement_id": self.id, "default_mode": mode},
        }

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            domain=[("id", "in", self.line_ids.move_id.ids)], context={"create": False}
        )
        return action

    def action_open_recoveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_agency.b2b_collection_recovery_action"
        )
        action["domain"] = [("placement_id", "=", self.id)]
        return action
