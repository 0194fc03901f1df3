from collections import Counter

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_is_zero

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

STATES = [
    ("draft", "Draft"),
    ("placed", "Placed"),
    ("active", "Active"),
    ("recalled", "Recalled"),
    ("closed_recovered", "Closed: recovered"),
    ("closed_uncollectible", "Closed: uncollectible"),
]
UPDATE_KINDS = [
    ("contact", "Contact attempt"),
    ("negotiation", "Negotiation"),
    ("obstacle", "Obstacle"),
    ("legal", "Legal step"),
    ("payment", "Payment reported"),
    ("note", "Note"),
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
        the agency stage (reminders stop for them)."""
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


class B2bCollectionPlacementLine(models.Model):
    """One invoice of a placement, with what it owed when placed."""

    _name = "b2b.collection.placement.line"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Placed Invoice"
    _order = "placement_id, id"
    _check_company_auto = True

    placement_id = fields.Many2one(
        "b2b.collection.placement",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="create",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
        b2b_write="draft",
    )
    state = fields.Selection(related="placement_id.state", store=True, index=True)
    agency_id = fields.Many2one(
        related="placement_id.agency_id", store=True, index=True
    )
    company_id = fields.Many2one(
        related="placement_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(related="placement_id.partner_id", store=True)
    currency_id = fields.Many2one(related="placement_id.currency_id")
    invoice_currency_id = fields.Many2one(
        related="move_id.currency_id", string="Invoice Currency"
    )
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
    placed_amount = fields.Monetary(
        help="What the invoice owed (company currency) when it was placed.",
        b2b_write="action",
        readonly=True,
    )
    placed_amount_currency = fields.Monetary(
        currency_field="invoice_currency_id",
        help="What the invoice owed in its own currency when it was placed.",
        b2b_write="action",
        readonly=True,
    )
    days_overdue = fields.Integer(
        string="Days Overdue at Placement", b2b_write="action", readonly=True
    )
    previous_stage_id = fields.Many2one(
        "b2b.collection.stage",
        check_company=True,
        help="The stage the invoice returns to if recalled.",
        b2b_write="action",
        readonly=True,
        groups="base.group_user",
    )
    residual = fields.Monetary(
        related="move_id.amount_residual_signed", string="Owed Now"
    )

    def init(self):
        # An invoice is in at most one running placement, even when two users
        # place it at the same moment.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS b2b_collection_placement_line_running_move_uniq
                ON b2b_collection_placement_line (move_id)
             WHERE state IN ('placed', 'active')
            """
        )

    def _b2b_is_draft(self):
        """A placed invoice changes only while its placement is a draft."""
        return self.placement_id.state == "draft"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not self.env.su:
            lines._b2b_check_draft_placement()
        return lines

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_placement(self):
        # a placed invoice carries the agency's recoveries and commissions
        self._b2b_check_draft_placement()

    def _b2b_check_draft_placement(self):
        placed = self.placement_id.filtered(lambda p: p.state != "draft")
        if placed:
            raise UserError(
                _(
                    "%s is placed: its invoices cannot change. Recall or close it "
                    "instead.",
                    placed[0].display_name,
                )
            )

    def _b2b_check_placeable(self, on_date):
        """Refuse disputed, closed, foreign-company or already placed invoices."""
        errors = []
        for line in self:
            move = line.move_id
            placement = line.placement_id
            if move.company_id != placement.company_id:
                errors.append(
                    _(
                        "%(invoice)s belongs to %(company)s.",
                        invoice=move.name,
                        company=move.company_id.name,
                    )
                )
            elif move.move_type != "out_invoice" or move.state != "posted":
                errors.append(
                    _("%s is not a posted customer invoice.", move.display_name)
                )
            elif move.payment_state not in ("not_paid", "partial"):
                errors.append(_("%s is already paid.", move.name))
            elif (
                move.commercial_partner_id != placement.partner_id.commercial_partner_id
            ):
                errors.append(
                    _(
                        "%(invoice)s is not an invoice of %(customer)s.",
                        invoice=move.name,
                        customer=placement.partner_id.name,
                    )
                )
            elif move.b2b_disputed:
                errors.append(
                    _("%s is disputed: resolve the dispute first.", move.name)
                )
        others = self.search(
            [
                ("move_id", "in", self.move_id.ids),
                ("state", "in", ("placed", "active")),
                ("id", "not in", self.ids),
            ]
        )
        for other in others:
            errors.append(
                _(
                    "%(invoice)s is already placed (%(placement)s, %(agency)s).",
                    invoice=other.move_id.name,
                    placement=other.placement_id.name,
                    agency=other.agency_id.display_name,
                )
            )
        counts = Counter(self.mapped("move_id.id"))
        duplicates = self.move_id.filtered(lambda move: counts[move.id] > 1)
        errors += [_("%s is listed twice.", move.name) for move in duplicates]
        if errors:
            raise UserError(
                _(
                    "These invoices cannot be placed:\n%s",
                    "\n".join(f"- {e}" for e in errors),
                )
            )

    def _b2b_snapshot(self, on_date):
        """Record what each invoice owes and how late it is on ``on_date``."""
        for line in self:
            move = line.move_id
            due = move.invoice_date_due or move.invoice_date
            line._b2b_write_as_action(
                {
                    "placed_amount": move.amount_residual_signed,
                    "placed_amount_currency": move.amount_residual,
                    "days_overdue": max(0, (on_date - due).days) if due else 0,
                }
            )


class B2bCollectionPlacementUpdate(models.Model):
    """A status update on a placement, from staff or from the agency in the
    portal. A reported payment waits for an accountant's confirmation: the
    money counts only once the payment is registered and reconciled."""

    _name = "b2b.collection.placement.update"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Placement Status Update"
    _order = "date desc, id desc"

    placement_id = fields.Many2one(
        "b2b.collection.placement",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="create",
    )
    agency_id = fields.Many2one(
        related="placement_id.agency_id", store=True, index=True
    )
    company_id = fields.Many2one(
        related="placement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="placement_id.currency_id")
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, b2b_write="create"
    )
    kind = fields.Selection(
        UPDATE_KINDS, required=True, default="contact", b2b_write="create"
    )
    description = fields.Text(required=True, b2b_write="create")
    author_id = fields.Many2one(
        "res.users",
        string="Author",
        default=lambda self: self.env.user,
        readonly=True,
        b2b_write="action",
    )
    from_agency = fields.Boolean(
        compute="_compute_from_agency", store=True, string="From the Agency"
    )
    reported_amount = fields.Monetary(string="Amount Reported", b2b_write="create")
    reported_date = fields.Date(string="Payment Date", b2b_write="create")
    report_state = fields.Selection(
        [
            ("pending", "To confirm"),
            ("confirmed", "Confirmed"),
            ("rejected", "Rejected"),
        ],
        string="Report Status",
        readonly=True,
        copy=False,
        b2b_write="action",
    )
    confirmed_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )

    @api.depends("author_id")
    def _compute_from_agency(self):
        for update in self:
            update.from_agency = bool(update.author_id.share)

    @api.constrains("kind", "reported_amount", "reported_date")
    def _check_report(self):
        payments = self.filtered(lambda u: u.kind == "payment")
        for update in payments:
            if (
                float_is_zero(update.reported_amount, precision_digits=2)
                or not update.reported_date
            ):
                raise ValidationError(
                    _(
                        "A payment report needs the amount received (above 0) and its date."
                    )
                )
        validation.check_amounts(payments, "reported_amount", sign=validation.POSITIVE)
        validation.check_amounts(
            self - payments, "reported_amount", sign=validation.NOT_NEGATIVE
        )
        validation.check_dates(self, "reported_date")
        for update in self.filtered("reported_date"):
            if update.reported_date > fields.Date.context_today(update):
                raise ValidationError(
                    _(
                        "The payment date %(date)s is in the future: report a "
                        "payment once it is received.",
                        date=validation.show(update.reported_date),
                    )
                )

    @api.constrains("date", "description")
    def _check_values(self):
        validation.check_dates(self, "date")
        validation.check_texts(self, "description")
        if any(not (update.description or "").strip() for update in self):
            raise ValidationError(_("Write what happened: the update has no text."))

    @api.model_create_multi
    def create(self, vals_list):
        updates = super().create(vals_list)
        # the creation was checked: the report waits for a collections user
        updates.filtered(lambda u: u.kind == "payment").sudo().report_state = "pending"
        for placement in updates.placement_id:
            if placement.state == "placed":
                placement.sudo().state = "active"
            if placement.state not in ("placed", "active"):
                raise UserError(
                    _(
                        "%s is no longer open: it takes no more updates.",
                        placement.display_name,
                    )
                )
        for update in updates:
            kind = dict(UPDATE_KINDS)[update.kind]
            body = Markup("<b>%s</b>: %s") % (kind, escape(update.description))
            if update.kind == "payment":
                body += Markup("<br/>") + escape(
                    _(
                        "%(amount)s received on %(date)s, to confirm.",
                        amount=update.currency_id.format(update.reported_amount),
                        date=update.reported_date,
                    )
                )
            update.placement_id.sudo().message_post(
                body=body,
                author_id=update.author_id.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        return updates

    def _b2b_check_pending(self):
        for update in self:
            if update.report_state != "pending":
                raise UserError(
                    _("Only a payment report to confirm can be confirmed or rejected.")
                )

    def action_confirm(self):
        """Confirm a payment the agency reports, and open the payment
        registration for the placed invoices with its amount and date."""
        self.ensure_one()
        self._b2b_check_pending()
        self._b2b_write_as_action(
            {"report_state": "confirmed", "confirmed_by_id": self.env.user.id}
        )
        moves = self.placement_id.line_ids.move_id.filtered(
            lambda m: m.payment_state in ("not_paid", "partial")
        )
        if not moves:
            return True
        return {
            "type": "ir.actions.act_window",
            "name": _("Register Payment"),
            "res_model": "account.payment.register",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "account.move",
                "active_ids": moves.ids,
                "default_amount": self.reported_amount,
                "default_payment_date": self.reported_date,
                "default_communication": self.placement_id.name,
                "default_group_payment": True,
            },
        }

    def action_reject(self):
        self._b2b_check_pending()
        self._b2b_write_as_action(
            {"report_state": "rejected", "confirmed_by_id": self.env.user.id}
        )


class B2bCollectionRecovery(models.Model):
    """A payment on a placed invoice while the placement runs, with the
    agency's commission on it. Attributed automatically from the
    reconciliations (``_b2b_attribute``): a payment unreconciled later is
    removed, or reversed by a negative recovery if already billed."""

    _name = "b2b.collection.recovery"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Agency Recovery"
    _order = "date desc, id desc"

    placement_id = fields.Many2one(
        "b2b.collection.placement",
        required=True,
        ondelete="restrict",
        index=True,
        b2b_write="action",
        readonly=True,
    )
    line_id = fields.Many2one(
        "b2b.collection.placement.line",
        required=True,
        ondelete="restrict",
        index=True,
        b2b_write="action",
        readonly=True,
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        b2b_write="action",
        readonly=True,
    )
    partial_id = fields.Many2one(
        "account.partial.reconcile",
        ondelete="set null",
        index=True,
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    payment_move_id = fields.Many2one(
        "account.move",
        string="Payment Entry",
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    agency_id = fields.Many2one(
        "b2b.collection.agency",
        required=True,
        index=True,
        b2b_write="action",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, b2b_write="action", readonly=True
    )
    partner_id = fields.Many2one(related="placement_id.partner_id", string="Customer")
    currency_id = fields.Many2one(
        "res.currency", required=True, b2b_write="action", readonly=True
    )
    date = fields.Date(required=True, index=True, b2b_write="action", readonly=True)
    amount = fields.Monetary(
        help="Paid on the invoice, in company currency.",
        b2b_write="action",
        readonly=True,
    )
    commission_rate = fields.Float(
        string="Commission (%)", digits=(5, 2), b2b_write="action", readonly=True
    )
    commission_amount = fields.Monetary(
        string="Commission", b2b_write="action", readonly=True
    )
    bill_line_id = fields.Many2one(
        "account.move.line",
        string="Bill Line",
        ondelete="set null",
        index=True,
        readonly=True,
        b2b_write="action",
        groups="base.group_user",
    )
    bill_id = fields.Many2one(
        related="bill_line_id.move_id", string="Agency Bill", groups="base.group_user"
    )
    reversal_of_id = fields.Many2one(
        "b2b.collection.recovery",
        string="Reverses",
        readonly=True,
        index=True,
        b2b_write="action",
    )
    reversed = fields.Boolean(readonly=True, b2b_write="action")

    _sql_constraints = [
        (
            "partial_line_uniq",
            "UNIQUE(partial_id, line_id)",
            "A payment is attributed once to a placed invoice.",
        ),
    ]

    def init(self):
        # the recoveries whose reconciliation was removed and not yet undone:
        # normally none, so undoing costs nothing however long the history
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS b2b_collection_recovery_unreconciled_idx
                ON b2b_collection_recovery (id)
             WHERE partial_id IS NULL AND reversal_of_id IS NULL AND NOT reversed
            """
        )

    @api.model
    def _b2b_attribute(self, placements=None, partials=None, undo=True):
        """Attribute to their placements the payments reconciled on placed
        invoices, in two statements whatever the number of placements and
        payments: insert the new ones (the money received,
        ``account.move._b2b_sql_money_received``: payments and bank statement
        lines at their cash value, not credit notes, write-offs or exchange
        differences, dated within the placement's window), then undo
        those whose reconciliation was removed (delete when not billed yet,
        reverse with a negative recovery when billed).

        ``placements`` / ``partials`` narrow the work; by default all
        running and ended placements are looked at. ``undo=False`` skips the
        second statement (nothing was unreconciled).
        """
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move"]._b2b_flush_money_received()
        self.env["b2b.collection.placement"].flush_model()
        self.env["b2b.collection.placement.line"].flush_model()
        self.flush_model()
        scope = SQL("TRUE")
        if placements is not None:
            scope = SQL("pl.placement_id = ANY(%s)", list(placements.ids))
        if partials is not None:
            scope = SQL("%s AND apr.id = ANY(%s)", scope, list(partials.ids))
        uid = self.env.uid
        inserted = 0
        if partials is None or partials:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO b2b_collection_recovery (
                        placement_id, line_id, move_id, partial_id, payment_move_id,
                        agency_id, company_id, currency_id, date, amount,
                        commission_rate, commission_amount, reversed,
                        create_uid, create_date, write_uid, write_date)
                    SELECT p.id, pl.id, pl.move_id, apr.id, cl.move_id,
                           p.agency_id, p.company_id, c.currency_id, apr.max_date,
                           received.amount, p.commission_rate,
                           ROUND(received.amount * p.commission_rate / 100,
                                 cur.decimal_places),
                           FALSE,
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM b2b_collection_placement_line pl
                      JOIN b2b_collection_placement p ON p.id = pl.placement_id
                      JOIN res_company c ON c.id = p.company_id
                      JOIN res_currency cur ON cur.id = c.currency_id
                      JOIN account_move_line il
                        ON il.move_id = pl.move_id AND il.display_type = 'payment_term'
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = il.id
                      JOIN account_move_line cl ON cl.id = apr.credit_move_id
                      JOIN account_move cm ON cm.id = cl.move_id
                     CROSS JOIN LATERAL (
                        -- OFFSET 0: computed once, used twice
                        SELECT %(received)s AS amount OFFSET 0) received
                     WHERE p.state != 'draft'
                       AND %(scope)s
                       AND %(is_payment)s
                       AND apr.max_date >= p.date_placed
                       AND (p.date_end IS NULL OR apr.max_date <= p.date_end)
                       AND NOT EXISTS (
                            SELECT 1 FROM b2b_collection_recovery r
                             WHERE r.partial_id = apr.id AND r.line_id = pl.id)
                    ON CONFLICT (partial_id, line_id) DO NOTHING
                    """,
                    uid=uid,
                    scope=scope,
                    is_payment=self.env["account.move"]._b2b_sql_is_payment("cm"),
                    received=self.env["account.move"]._b2b_sql_money_received(
                        "apr", "cl", "cm"
                    ),
                )
            )
            inserted = self.env.cr.rowcount
        if undo:
            # reconciliations removed since: unbilled recoveries go, billed ones
            # are reversed (the next bill credits the commission back)
            self.env.cr.execute(
                SQL(
                    """
                    WITH gone AS (
                        SELECT r.id, r.bill_line_id
                          FROM b2b_collection_recovery r
                         WHERE r.partial_id IS NULL
                           AND r.reversal_of_id IS NULL
                           AND NOT r.reversed
                           FOR UPDATE
                    ), deleted AS (
                        DELETE FROM b2b_collection_recovery r
                         USING gone
                         WHERE r.id = gone.id AND gone.bill_line_id IS NULL
                    ), reversal AS (
                        INSERT INTO b2b_collection_recovery (
                            placement_id, line_id, move_id, payment_move_id,
                            agency_id, company_id, currency_id, date, amount,
                            commission_rate, commission_amount, reversal_of_id, reversed,
                            create_uid, create_date, write_uid, write_date)
                        SELECT r.placement_id, r.line_id, r.move_id, r.payment_move_id,
                               r.agency_id, r.company_id, r.currency_id,
                               %(today)s, -r.amount,
                               r.commission_rate, -r.commission_amount, r.id, FALSE,
                               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                          FROM b2b_collection_recovery r
                          JOIN gone ON gone.id = r.id AND gone.bill_line_id IS NOT NULL
                    )
                    UPDATE b2b_collection_recovery r
                       SET reversed = TRUE
                      FROM gone
                     WHERE r.id = gone.id AND gone.bill_line_id IS NOT NULL
                    """,
                    uid=uid,
                    today=fields.Date.context_today(self),
                )
            )
        self.invalidate_model()
        self.env["b2b.collection.placement"].invalidate_model(
            [
                "recovered_amount",
                "commission_amount",
                "net_recovery",
                "recovery_rate",
                "date_first_recovery",
                "recovery_ids",
            ]
        )
        return inserted

    @api.model
    def _cron_b2b_attribute_recoveries(self):
        self._b2b_attribute()
