from collections import Counter

from odoo import _, api, fields, models
from odoo.exceptions import UserError


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
