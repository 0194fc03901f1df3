from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation


class B2bCollectionPlacementWizard(models.TransientModel):
    """Place invoices with an agency: one placement per customer."""

    _name = "b2b.collection.placement.wizard"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Place with Agency"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        b2b_write="user",
    )
    agency_id = fields.Many2one(
        "b2b.collection.agency",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
        b2b_write="user",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="The customers the dialog was opened for: their invoices old "
        "enough for the agency are pre-selected.",
        b2b_write="user",
    )
    min_debt_age = fields.Integer(
        string="Pre-selected From (days overdue)",
        compute="_compute_min_debt_age",
        help="The agency's minimum debt age, or the company's setting.",
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial'))]",
        b2b_write="user",
    )
    date_placed = fields.Date(
        string="Placement Date",
        required=True,
        default=fields.Date.context_today,
        b2b_write="user",
    )
    note = fields.Text(string="Instructions to the Agency", b2b_write="user")
    amount_total = fields.Monetary(
        compute="_compute_amount_total", string="Amount to Place"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.constrains("date_placed", "note")
    def _check_values(self):
        validation.check_dates(self, "date_placed")
        validation.check_texts(self, "note")

    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        if not isinstance(ids, list | tuple) or any(
            not isinstance(i, int) or isinstance(i, bool) for i in ids
        ):
            raise UserError(
                _(
                    "The invoices or customers to place must be given by their ids "
                    "(got %(ids)s).",
                    ids=validation.show(ids),
                )
            )
        moves = self.env["account.move"]
        if model == "account.move":
            moves = moves.browse(ids)
        elif model == "res.partner":
            partners = self.env["res.partner"].browse(ids).commercial_partner_id
            agency = self.env["b2b.collection.agency"].browse(
                vals.get("agency_id") or []
            )
            moves = self._b2b_placeable(partners, agency)
            if "partner_ids" in fields_list:
                vals["partner_ids"] = [Command.set(partners.ids)]
        if moves and "move_ids" in fields_list:
            vals["move_ids"] = [Command.set(moves.ids)]
        return vals

    @api.model
    def _b2b_placeable(self, partners, agency):
        """The invoices of ``partners`` to pre-select for ``agency``: overdue
        for at least its minimum debt age (the company's setting without an
        agency) and no longer than its maximum, not disputed, not placed."""
        company = self.env.company
        today = fields.Date.context_today(self)
        min_age = agency._b2b_min_debt_age(company)
        domain = [
            ("commercial_partner_id", "in", partners.ids),
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("invoice_date_due", "<=", today - timedelta(days=max(min_age, 1))),
            ("b2b_disputed", "=", False),
        ]
        if agency.max_debt_age:
            domain.append(
                ("invoice_date_due", ">=", today - timedelta(days=agency.max_debt_age))
            )
        moves = self.env["account.move"].search(domain)
        running = self.env["b2b.collection.placement.line"].search(
            [("move_id", "in", moves.ids), ("state", "in", ("placed", "active"))]
        )
        return moves - running.move_id

    @api.model_create_multi
    def create(self, vals_list):
        """Created for customers with the agency given and no invoices chosen
        (a client that skips the form): pre-selected for that agency."""
        wizards = super().create(vals_list)
        for wizard, vals in zip(wizards, vals_list, strict=True):
            if wizard.partner_ids and wizard.agency_id and "move_ids" not in vals:
                wizard.move_ids = self._b2b_placeable(
                    wizard.partner_ids, wizard.agency_id
                )
        return wizards

    @api.onchange("agency_id")
    def _onchange_agency_id(self):
        """Opened for customers: pre-select again for the agency chosen."""
        if self.partner_ids:
            self.move_ids = self._b2b_placeable(
                self.partner_ids._origin, self.agency_id._origin
            )

    @api.depends("agency_id", "company_id")
    def _compute_min_debt_age(self):
        for wizard in self:
            wizard.min_debt_age = wizard.agency_id._b2b_min_debt_age(
                wizard.company_id or self.env.company
            )

    @api.depends("move_ids")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.move_ids.mapped("amount_residual_signed"))

    def action_place(self):
        """Create and place one placement per customer; nothing is created
        when any invoice or the agency is refused."""
        self.ensure_one()
        if not self.move_ids:
            raise UserError(_("Choose the invoices to place."))
        foreign = self.move_ids.filtered(lambda m: m.company_id != self.company_id)
        if foreign:
            raise UserError(
                _(
                    "These invoices belong to another company than %(company)s: %(invoices)s.",
                    company=self.company_id.name,
                    invoices=", ".join(foreign.mapped("name")),
                )
            )
        if self.agency_id.company_id != self.company_id:
            raise UserError(_("The agency works for another company."))
        by_customer = defaultdict(lambda: self.env["account.move"])
        for move in self.move_ids:
            by_customer[move.commercial_partner_id] |= move
        placements = self.env["b2b.collection.placement"].create(
            [
                {
                    "company_id": self.company_id.id,
                    "agency_id": self.agency_id.id,
                    "partner_id": customer.id,
                    "date_placed": self.date_placed,
                    "note": self.note,
                    "line_ids": [Command.create({"move_id": m.id}) for m in moves],
                }
                for customer, moves in by_customer.items()
            ]
        )
        placements.action_place()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_agency.b2b_collection_placement_action"
        )
        if len(placements) == 1:
            action.update(
                view_mode="form", views=[(False, "form")], res_id=placements.id
            )
        else:
            action["domain"] = [("id", "in", placements.ids)]
        return action


class B2bCollectionPlacementEnd(models.TransientModel):
    """Recall a placement (with a reason) or close it with its outcome."""

    _name = "b2b.collection.placement.end"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Recall or Close a Placement"

    placement_id = fields.Many2one(
        "b2b.collection.placement", required=True, b2b_write="user"
    )
    mode = fields.Selection(
        [("recall", "Recall"), ("close", "Close")], required=True, b2b_write="user"
    )
    date = fields.Date(
        required=True, default=fields.Date.context_today, b2b_write="user"
    )
    reason = fields.Text(b2b_write="user")
    outcome = fields.Selection(
        [("closed_recovered", "Recovered"), ("closed_uncollectible", "Uncollectible")],
        default="closed_recovered",
        b2b_write="user",
    )
    next_stage_id = fields.Many2one(
        "b2b.collection.stage",
        string="Open Invoices Go To",
        help="Stage of the invoices still open. Empty: the stage they had before "
        "the placement.",
        b2b_write="user",
    )

    @api.constrains("date", "reason")
    def _check_values(self):
        validation.check_dates(self, "date")
        validation.check_texts(self, "reason")

    def action_confirm(self):
        self.ensure_one()
        placement = self.placement_id
        if self.mode == "recall":
            if not (self.reason or "").strip():
                raise UserError(_("Give the reason for the recall."))
            placement._b2b_end(
                "recalled", self.date, self.next_stage_id, recall_reason=self.reason
            )
            placement.message_post(
                body=_(
                    "Recalled from %(agency)s: %(reason)s",
                    agency=placement.agency_id.display_name,
                    reason=self.reason,
                )
            )
        else:
            if not self.outcome:
                raise UserError(_("Choose the outcome of the placement."))
            placement._b2b_end(
                self.outcome, self.date, self.next_stage_id, close_note=self.reason
            )
        return {"type": "ir.actions.act_window_close"}


class B2bCollectionCommissionBill(models.TransientModel):
    """Bill the agencies' commissions and fees of a period: one vendor bill
    per agency, one line per placement, each line linked to its recoveries."""

    _name = "b2b.collection.commission.bill"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Bill Agency Commissions"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        b2b_write="user",
    )
    agency_ids = fields.Many2many(
        "b2b.collection.agency",
        string="Agencies",
        domain="[('company_id', '=', company_id)]",
        help="Empty: every agency with something to bill.",
        b2b_write="user",
    )
    date_to = fields.Date(
        string="Up To",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1)
        - timedelta(days=1),
        help="Recoveries and placements up to this day; the bill is dated on it.",
        b2b_write="user",
    )

    @api.constrains("date_to")
    def _check_values(self):
        validation.check_dates(self, "date_to")

    def action_create_bills(self):
        self.ensure_one()
        bills = self.env["b2b.collection.recovery"]._b2b_create_bills(
            self.company_id, self.date_to, self.agency_ids or None
        )
        if not bills:
            raise UserError(_("Nothing to bill up to this date."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_in_invoice_type"
        )
        action["domain"] = [("id", "in", bills.ids)]
        if len(bills) == 1:
            action.update(views=[(False, "form")], res_id=bills.id)
        return action
