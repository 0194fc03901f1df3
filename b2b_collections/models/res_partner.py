from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from . import b2b_collection_validation as validation

CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("letter", "Letter"),
    ("meeting", "Meeting"),
    ("portal", "Portal"),
    ("sms", "SMS"),
]


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "b2b.collection.guard.mixin"]

    b2b_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        tracking=True,
        help="User who works this customer's overdue debt.",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_collection_contact_id = fields.Many2one(
        "res.partner",
        string="Collections Contact",
        domain="[('parent_id', '=', id), ('type', '!=', 'private')]",
        help="Person at the customer who receives reminders and calls "
        "(usually accounts payable).",
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_do_not_contact = fields.Boolean(
        string="Do Not Contact",
        tracking=True,
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_do_not_contact_reason = fields.Char(
        string="Do-Not-Contact Reason", b2b_write="collector", groups="base.group_user"
    )
    b2b_preferred_channel = fields.Selection(
        CHANNELS,
        string="Preferred Channel",
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_next_action_date = fields.Date(
        string="Next Action",
        tracking=True,
        help="Day the customer comes back into the worklist.",
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_credit_hold = fields.Boolean(
        string="Credit Hold",
        tracking=True,
        help="No more credit for this customer: its new invoices are not posted "
        "(nor, with Sales, its orders confirmed) until a collections manager "
        "releases the hold, or allows one document. Set by hand, by a reminder "
        "level or by an agency placement.",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_credit_hold_reason = fields.Char(
        string="Credit Hold Reason",
        tracking=True,
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_credit_hold_auto = fields.Boolean(
        string="Set by a Reminder",
        readonly=True,
        help="Put on hold by a reminder level, not by hand: released by itself "
        "once nothing is overdue, where the company says so.",
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_hold_date = fields.Date(
        string="On Hold Since",
        compute="_compute_b2b_credit_hold_date",
        store=True,
        tracking=True,
        groups="base.group_user",
    )
    b2b_invoice_ids = fields.One2many(
        "account.move",
        "commercial_partner_id",
        string="Collectable Invoices",
        domain=[("move_type", "=", "out_invoice"), ("state", "=", "posted")],
        b2b_write="action",
        readonly=True,
        groups="base.group_user",
    )
    b2b_note_ids = fields.One2many(
        "b2b.collection.note",
        "partner_id",
        "Call Notes",
        b2b_write="action",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
    )
    b2b_collection_stage_id = fields.Many2one(
        "b2b.collection.stage",
        string="Collection Stage",
        compute="_compute_b2b_collection_stage_id",
        store=True,
        index="btree_not_null",
        group_expand="_read_group_b2b_collection_stage_ids",
        help="Most advanced stage of the customer's open invoices.",
        groups="base.group_user",
    )
    b2b_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_b2b_totals",
        string="Collections Currency",
        groups="base.group_user",
    )
    b2b_amount_open = fields.Monetary(
        string="Open Balance",
        compute="_compute_b2b_totals",
        currency_field="b2b_currency_id",
        help="Open receivable of the current company: unpaid invoices minus "
        "unapplied credit notes and payments.",
        groups="base.group_user",
    )
    b2b_amount_overdue = fields.Monetary(
        string="Overdue (net)",
        compute="_compute_b2b_totals",
        search="_search_b2b_amount_overdue",
        currency_field="b2b_currency_id",
        help="Unpaid amount past due, net of unapplied credit notes and payments "
        "(never below zero): the worklist's figure.",
        # summed per group (the kanban columns) and sortable in SQL:
        # _field_to_sql
        aggregator="sum",
        groups="base.group_user",
    )
    b2b_amount_unapplied = fields.Monetary(
        string="Unapplied Credits",
        compute="_compute_b2b_totals",
        currency_field="b2b_currency_id",
        help="Credit notes and payments not applied to an invoice yet (negative).",
        groups="base.group_user",
    )
    b2b_amount_escalated = fields.Monetary(
        string="With Agency or Legal",
        compute="_compute_b2b_amount_escalated",
        currency_field="b2b_currency_id",
        help="Open amount of the invoices with an agency or in legal in the current "
        "company: the part of the debt not worked in house.",
        groups="base.group_user",
    )
    b2b_oldest_overdue_days = fields.Integer(
        string="Oldest Overdue (days)",
        compute="_compute_b2b_totals",
        aggregator="max",
        groups="base.group_user",
    )
    b2b_overdue_invoice_count = fields.Integer(
        string="Overdue Invoices",
        compute="_compute_b2b_totals",
        groups="base.group_user",
    )
    b2b_note_count = fields.Integer(
        string="Call Notes Count",
        compute="_compute_b2b_note_count",
        groups="b2b_collections.group_b2b_collection_user",
    )

    # ----------------------------------------------------------------- computes

    @api.depends(
        "b2b_invoice_ids.b2b_collection_stage_id",
        "b2b_invoice_ids.payment_state",
    )
    def _compute_b2b_collection_stage_id(self):
        stages = {}
        if self.ids:
            groups = (
                self.env["account.move"]
                .sudo()
                ._read_group(
                    [
                        ("commercial_partner_id", "in", self.ids),
                        *self.env["account.move"]._b2b_open_invoice_domain(),
                        ("b2b_collection_stage_id", "!=", False),
                    ],
                    ["commercial_partner_id", "b2b_collection_stage_id"],
                )
            )
            by_partner = {}
            for partner, stage in groups:
                by_partner.setdefault(partner.id, self.env["b2b.collection.stage"])
                by_partner[partner.id] |= stage
            for partner_id, partner_stages in by_partner.items():
                # a customer partly with an agency or in legal is worked in
                # house for the rest: its stage is the rest's
                in_house = partner_stages.filtered(
                    lambda st: not (st.is_agency or st.is_legal)
                )
                stages[partner_id] = max(
                    in_house or partner_stages, key=lambda st: (st.sequence, st.id)
                )
        for partner in self:
            partner.b2b_collection_stage_id = stages.get(
                partner._origin.id or partner.id
            )

    @api.depends("b2b_credit_hold")
    def _compute_b2b_credit_hold_date(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if not partner.b2b_credit_hold:
                partner.b2b_credit_hold_date = False
            elif not partner.b2b_credit_hold_date:
                partner.b2b_credit_hold_date = today

    @api.constrains("b2b_credit_hold", "b2b_credit_hold_reason")
    def _check_b2b_credit_hold(self):
        validation.check_texts(self, "b2b_credit_hold_reason")
        for partner in self:
            if (
                partner.b2b_credit_hold
                and not (partner.b2b_credit_hold_reason or "").strip()
            ):
                raise ValidationError(
                    _(
                        "Say why %(customer)s is put on credit hold: the reason is "
                        "shown to whoever tries to invoice it.",
                        customer=partner.display_name,
                    )
                )

    def write(self, vals):
        if "b2b_credit_hold" in vals and not vals["b2b_credit_hold"]:
            # released: the next hold says its own reason
            vals = {**vals, "b2b_credit_hold_reason": False}
        result = super().write(vals)
        if "b2b_credit_hold" in vals and "b2b_credit_hold_auto" not in vals:
            # set or lifted by hand: never released by itself
            self.sudo().write({"b2b_credit_hold_auto": False})
        return result

    def _b2b_put_on_credit_hold(self, reason, auto=True):
        """Put these customers on credit hold for ``reason`` (the engine's
        escalations; a manager sets it on the customer form). An automatic
        hold (``auto``, a reminder's) ends by itself once nothing is overdue,
        where the company says so. Another one (``auto=False``, an agency
        placement's) stays until a manager releases it, and takes over an
        automatic hold already there; a hold set by hand is left as it is."""
        self.filtered(lambda p: not p.b2b_credit_hold).sudo().write(
            {
                "b2b_credit_hold": True,
                "b2b_credit_hold_reason": reason,
                "b2b_credit_hold_auto": auto,
            }
        )
        if not auto:
            self.filtered(lambda p: p.b2b_credit_hold_auto).sudo().write(
                {"b2b_credit_hold_reason": reason, "b2b_credit_hold_auto": False}
            )

    def _b2b_credit_hold_message(self):
        """Why this customer (its commercial partner) gets no new credit, or ""
        when it is not on hold: the one wording of the hold, for every document
        it blocks (invoices; sale orders with ``b2b_collections_sale``)."""
        self.ensure_one()
        customer = self.sudo().commercial_partner_id
        if not customer.b2b_credit_hold:
            return ""
        return _(
            "%(customer)s is on credit hold since %(date)s: %(reason)s.",
            customer=customer.display_name,
            date=format_date(self.env, customer.b2b_credit_hold_date),
            reason=customer.b2b_credit_hold_reason or _("no reason given"),
        )

    @api.model
    def _b2b_release_paid_holds(self, partner_ids, company):
        """Release the holds a reminder put on ``partner_ids`` once nothing is
        overdue for them in ``company`` (where ``company`` says so); said in
        their chatter. One query."""
        if not company.b2b_credit_auto_release:
            return self.browse()
        held = (
            self.sudo()
            .browse(partner_ids)
            .filtered(lambda p: p.b2b_credit_hold and p.b2b_credit_hold_auto)
        )
        figures = self.env["b2b.collection.worklist"]._b2b_figures(held.ids, company)
        paid = held.filtered(lambda p: not figures.get(p.id, {}).get("amount_overdue"))
        for partner in paid:
            partner.message_post(
                body=_(
                    "Credit hold released by itself: nothing is overdue any more "
                    "(it was: %(reason)s).",
                    reason=partner.b2b_credit_hold_reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        paid.write({"b2b_credit_hold": False, "b2b_credit_hold_auto": False})
        return paid

    @api.model
    def _read_group_b2b_collection_stage_ids(self, stages, domain):
        return stages.search([])

    @api.depends_context("company")
    def _compute_b2b_totals(self):
        company = self.env.company
        figures = self.env["b2b.collection.worklist"]._b2b_figures(
            self._origin.ids, company
        )
        for partner in self:
            row = figures.get(partner._origin.id, {})
            partner.b2b_currency_id = company.currency_id
            partner.b2b_amount_open = row.get("amount_open", 0.0)
            partner.b2b_amount_overdue = row.get("amount_overdue", 0.0)
            partner.b2b_amount_unapplied = row.get("amount_unapplied", 0.0)
            partner.b2b_oldest_overdue_days = row.get("oldest_overdue_days", 0)
            partner.b2b_overdue_invoice_count = row.get("overdue_count", 0)

    @api.model
    def _b2b_escalated_invoice_domain(self):
        """Open invoices with an agency or in legal: the part of a debt not
        worked in house."""
        return [
            *self.env["account.move"]._b2b_open_invoice_domain(),
            "|",
            ("b2b_collection_stage_id.is_agency", "=", True),
            ("b2b_collection_stage_id.is_legal", "=", True),
        ]

    @api.depends_context("company")
    def _compute_b2b_amount_escalated(self):
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", self._origin.ids),
                    ("company_id", "=", self.env.company.id),
                    *self._b2b_escalated_invoice_domain(),
                ],
                ["commercial_partner_id"],
                ["amount_residual_signed:sum"],
            )
        )
        amounts = {partner.id: amount for partner, amount in groups}
        for partner in self:
            partner.b2b_amount_escalated = amounts.get(partner._origin.id, 0.0)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The overdue amount in SQL, from the worklist query of the current
        company joined once to the customers: for the sums of grouped views
        (the customers kanban's columns) and for sorting by it."""
        if fname != "b2b_amount_overdue" or query is None:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])
        if flush:
            for model in ("account.move.line", "account.move", "res.partner"):
                self.env[model].flush_model()
        worklist = self.env["b2b.collection.worklist"]
        join = query.make_alias(alias, "b2b_overdue")
        query.add_join(
            "LEFT JOIN",
            join,
            SQL(
                "(SELECT w.partner_id, w.amount_overdue FROM (%s) w)",
                worklist._b2b_query(SQL("AND l.company_id = %s", self.env.company.id)),
            ),
            SQL(
                "%s = %s",
                SQL.identifier(join, "partner_id"),
                SQL.identifier(alias, "id"),
            ),
        )
        return SQL("COALESCE(%s, 0)", SQL.identifier(join, "amount_overdue"))

    def _search_b2b_amount_overdue(self, operator, value):
        """Customers by their overdue amount in the current company, from the
        worklist query (one query)."""
        if operator not in (">", ">=", "<", "<=", "=", "!="):
            raise UserError(_("Unsupported search on the overdue amount."))
        # (sudo: only the ids of the customers; their own rules still apply)
        worklist = self.env["b2b.collection.worklist"].sudo()
        rows = worklist.search_fetch(
            [
                ("company_id", "=", self.env.company.id),
                ("amount_overdue", operator, value),
            ],
            ["partner_id"],
        )
        return [("id", "in", rows.partner_id.ids)]

    def _compute_b2b_note_count(self):
        counts = dict(
            self.env["b2b.collection.note"]._read_group(
                [("partner_id", "in", self._origin.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.b2b_note_count = counts.get(partner._origin, 0)

    @api.constrains("b2b_next_action_date", "b2b_do_not_contact_reason")
    def _check_b2b_values(self):
        validation.check_dates(self, "b2b_next_action_date")
        validation.check_texts(
            self, "b2b_do_not_contact_reason", max_length=validation.CHAR_MAX
        )

    # ------------------------------------------------------------------ actions

    def action_b2b_log_call(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        ctx = {
            "default_partner_id": partner.id,
            # the dialog logs a call: the preferred channel is for reminders
            "default_channel": "phone",
            "default_contact_id": partner.b2b_collection_contact_id.id,
            **self.env.context,
        }
        return {
            "type": "ir.actions.act_window",
            "name": _("Log a Call"),
            "res_model": "b2b.collection.note",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": ctx,
        }

    def action_b2b_open_overdue_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections.account_move_action_overdue"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            *self.env["account.move"]._b2b_open_invoice_domain(),
            ("b2b_days_overdue", ">", 0),
        ]
        action["context"] = {"create": False}
        return action

    def action_b2b_open_notes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections.b2b_collection_note_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
