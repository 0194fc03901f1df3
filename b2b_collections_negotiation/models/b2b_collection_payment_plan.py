from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools.misc import format_amount, format_date

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

PLAN_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]
INTERVALS = [("monthly", "Monthly"), ("weekly", "Weekly")]
# ten years of weekly instalments
MAX_INSTALMENTS = 520


class B2bCollectionPaymentPlan(models.Model):
    """A customer pays its overdue debt in agreed instalments.

    While the plan is active its invoices sit in the Payment plan stage, so the
    reminder runs leave them alone. Payments reconciled with the invoices from
    the start date on are allocated to the instalments in due-date order; an
    instalment still not fully paid ``b2b_plan_tolerance_days`` after its due
    date breaks the plan: the collector gets an activity and reminders resume.
    Interest, if any, is simple interest on the declining balance (see
    ``b2b.collection.payment.plan.instalment._b2b_schedule``) and is invoiced when the plan is activated, so that the
    customer's payments can settle it."""

    _name = "b2b.collection.payment.plan"
    _inherit = ["b2b.collection.payment.mixin"]
    _description = "Collections Payment Plan"
    _order = "start_date desc, id desc"
    _check_company_auto = True
    _b2b_payments_since = "start_date"
    _b2b_sequence_code = "b2b.collection.payment.plan"
    _b2b_sequence_date_field = "start_date"

    collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_collector_id",
        store=True,
        readonly=False,
        tracking=True,
        b2b_write="user",
    )
    move_ids = fields.Many2many(
        relation="b2b_collection_payment_plan_account_move_rel",
        column1="plan_id",
        column2="move_id",
    )
    interest_move_id = fields.Many2one(
        "account.move",
        string="Interest Invoice",
        readonly=True,
        copy=False,
        check_company=True,
        b2b_write="action",
    )
    interest_rate = fields.Float(
        string="Interest (% per year)",
        digits=(16, 4),
        help="Simple interest on the declining balance, charged per instalment "
        "period. Leave 0 for an interest-free plan.",
        b2b_write="draft",
    )
    interest_amount = fields.Monetary(
        string="Interest",
        help="Filled by Compute Schedule from the rate; invoiced at activation.",
        b2b_write="action",
        readonly=True,
    )
    total_amount = fields.Monetary(
        string="Total", compute="_compute_total_amount", store=True
    )
    start_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Payments dated from this day on count toward the plan.",
        b2b_write="draft",
    )
    instalment_count = fields.Integer(
        string="Number of Instalments", default=3, b2b_write="draft"
    )
    first_due_date = fields.Date(string="First Instalment", b2b_write="draft")
    interval = fields.Selection(
        INTERVALS, default="monthly", required=True, b2b_write="draft"
    )
    instalment_ids = fields.One2many(
        "b2b.collection.payment.plan.instalment",
        "plan_id",
        string="Instalments",
        copy=True,
        b2b_write="draft",
    )
    state = fields.Selection(
        PLAN_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        b2b_write="action",
    )
    remaining_amount = fields.Monetary(
        string="Remaining", compute="_compute_remaining_amount"
    )
    on_track = fields.Boolean(
        compute="_compute_on_track",
        store=True,
        help="Active, and no instalment is late.",
    )
    next_due_date = fields.Date(
        string="Next Due", compute="_compute_next_due", store=True
    )
    next_due_amount = fields.Monetary(
        string="Next Amount Due", compute="_compute_next_due", store=True
    )
    date_broken = fields.Date(
        string="Broken On", readonly=True, copy=False, b2b_write="action"
    )
    activity_broken_id = fields.Many2one(
        "mail.activity",
        string="Broken Plan Activity",
        readonly=True,
        copy=False,
        b2b_write="action",
    )

    # ----------------------------------------------------------------- computes

    @api.depends("partner_id", "company_id")
    def _compute_collector_id(self):
        for plan in self:
            plan.collector_id = (
                plan.partner_id.commercial_partner_id.b2b_collector_id
                or plan.company_id.b2b_default_collector_id
                or plan.collector_id
            )

    @api.model
    def _b2b_prefill_domain(self):
        # a disputed invoice is not for a plan
        return [("b2b_disputed", "=", False)]

    @api.model
    def _b2b_invoices_taken(self, moves):
        """The invoices of another active plan."""
        return self.search(
            [("state", "=", "active"), ("move_ids", "in", moves.ids)]
        ).move_ids

    @api.depends("debt_amount", "interest_amount")
    def _compute_total_amount(self):
        for plan in self:
            plan.total_amount = plan.currency_id.round(
                plan.debt_amount + plan.interest_amount
            )

    @api.depends("total_amount", "paid_amount")
    def _compute_remaining_amount(self):
        for plan in self:
            plan.remaining_amount = max(
                plan.currency_id.round(plan.total_amount - plan.paid_amount), 0.0
            )

    @api.depends("state", "instalment_ids.state")
    def _compute_on_track(self):
        for plan in self:
            plan.on_track = plan.state == "active" and not any(
                inst.state == "late" for inst in plan.instalment_ids
            )

    @api.depends(
        "instalment_ids.due_date",
        "instalment_ids.amount",
        "instalment_ids.paid_amount",
        "instalment_ids.state",
    )
    def _compute_next_due(self):
        for plan in self:
            open_ones = plan.instalment_ids.filtered(
                lambda i: i.state != "paid"
            ).sorted(lambda i: (i.due_date or fields.Date.today(), i.sequence, i.id))
            first = open_ones[:1]
            plan.next_due_date = first.due_date
            plan.next_due_amount = first.amount - first.paid_amount if first else 0.0

    # -------------------------------------------------------------- constraints

    def _b2b_contact_refusal(self, customer, contact):
        return _(
            "Make the payment plan with the customer %(customer)s, "
            "not with its contact %(contact)s.",
            customer=customer,
            contact=contact,
        )

    @api.constrains(
        "interest_rate",
        "instalment_count",
        "interest_amount",
        "start_date",
        "first_due_date",
        "note",
    )
    def _check_values(self):
        validation.check_percentages(self, "interest_rate")
        validation.check_ranges(self, "instalment_count", low=0, high=MAX_INSTALMENTS)
        validation.check_amounts(self, "interest_amount", sign=validation.NOT_NEGATIVE)
        validation.check_dates(self, "start_date", "first_due_date")
        validation.check_texts(self, "note")

    # ------------------------------------------------------------------- CRUD

    def _b2b_unlink_refusal(self):
        # a plan that was activated is evidence of the agreement
        return _(
            "Only draft payment plans can be deleted; cancel the others "
            "(they stay on record)."
        )

    def _b2b_check_schedule_editable(self):
        started = self.filtered(lambda plan: plan.state != "draft")
        if started:
            raise UserError(
                _(
                    "The instalments of %(plan)s cannot change: the plan has "
                    "started.",
                    plan=started[0].display_name,
                )
            )

    # --------------------------------------------------------------- schedule

    def action_compute_schedule(self):
        instalment_model = self.env["b2b.collection.payment.plan.instalment"]
        for plan in self:
            if plan.state != "draft":
                raise UserError(_("Only the schedule of a draft plan can change."))
            debt = plan._b2b_open_residual()
            schedule = instalment_model._b2b_schedule(
                debt,
                plan.instalment_count,
                plan.first_due_date,
                plan.interval,
                plan.interest_rate,
                plan.currency_id,
            )
            plan._b2b_write_as_action(
                {
                    "debt_amount": debt,
                    "interest_amount": sum(i["interest_amount"] for i in schedule),
                    "instalment_ids": [Command.clear()]
                    + [Command.create(vals) for vals in schedule],
                }
            )
        return True

    # ------------------------------------------------------------- activation

    def _b2b_check_activation(self):
        """Every reason the plans cannot start, before anything is written."""
        others = self.search(
            [
                ("state", "=", "active"),
                ("move_ids", "in", self.move_ids.ids),
                ("id", "not in", self.ids),
            ]
        )
        for plan in self:
            plan._b2b_check_activation_ready()
            plan._b2b_check_activation_invoices(others)
            plan._b2b_check_activation_schedule()

    def _b2b_check_activation_ready(self):
        """A draft, with invoices and a schedule."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(_("Only a draft payment plan can be activated."))
        if not self.move_ids:
            raise UserError(_("Choose the invoices the plan pays."))
        if not self.instalment_ids:
            raise UserError(
                _("The plan has no instalments: compute the schedule first.")
            )

    def _b2b_check_activation_invoices(self, others):
        """Open invoices of the plan's company, neither disputed nor in one
        of the ``others`` active plans."""
        self.ensure_one()
        closed = self.move_ids.filtered(lambda m: not m._b2b_is_open_invoice())
        if closed:
            raise UserError(
                _(
                    "Invoices %(invoices)s are not open posted customer invoices.",
                    invoices=", ".join(closed.mapped("display_name")),
                )
            )
        foreign = self.move_ids.filtered(lambda m: m.company_id != self.company_id)
        if foreign:
            raise UserError(
                _(
                    "Invoices %(invoices)s belong to another company.",
                    invoices=", ".join(foreign.mapped("name")),
                )
            )
        disputed = self.move_ids.filtered("b2b_disputed")
        if disputed:
            raise UserError(
                _(
                    "Invoices %(invoices)s are disputed: resolve the dispute "
                    "before agreeing on a payment plan.",
                    invoices=", ".join(disputed.mapped("name")),
                )
            )
        taken = (
            self.move_ids
            & others.filtered(lambda o: o.company_id == self.company_id).move_ids
        )
        if taken:
            raise UserError(
                _(
                    "Invoices %(invoices)s are already in another active "
                    "payment plan.",
                    invoices=", ".join(taken.mapped("name")),
                )
            )

    def _b2b_check_activation_schedule(self):
        """Positive instalments due one after the other from the start,
        adding up to the debt and the interest, which has an income account."""
        self.ensure_one()
        currency = self.currency_id
        instalments = self.instalment_ids.sorted(lambda i: (i.sequence, i.id))
        if any(currency.compare_amounts(inst.amount, 0.0) <= 0 for inst in instalments):
            raise UserError(_("Every instalment must have a positive amount."))
        dates = instalments.mapped("due_date")
        if not all(dates) or any(a >= b for a, b in zip(dates, dates[1:])):
            raise UserError(
                _(
                    "Every instalment needs a due date, later than the one "
                    "of the instalment before it."
                )
            )
        if dates[0] < self.start_date:
            raise UserError(
                _("The first instalment cannot be due before the plan starts.")
            )
        debt = self._b2b_open_residual()
        total = currency.round(debt + self.interest_amount)
        scheduled = sum(instalments.mapped("amount"))
        if currency.compare_amounts(scheduled, total) != 0:
            raise UserError(
                _(
                    "The instalments add up to %(scheduled)s but the plan "
                    "totals %(total)s (debt %(debt)s + interest %(interest)s). "
                    "Correct the amounts or compute the schedule again.",
                    scheduled=format_amount(self.env, scheduled, currency),
                    total=format_amount(self.env, total, currency),
                    debt=format_amount(self.env, debt, currency),
                    interest=format_amount(self.env, self.interest_amount, currency),
                )
            )
        if (
            currency.compare_amounts(self.interest_amount, 0.0) > 0
            and not self.company_id.b2b_fee_account_id
        ):
            raise UserError(
                _(
                    "Set the late fee income account of %(company)s in the "
                    "Collections settings: the plan's interest is invoiced "
                    "to it.",
                    company=self.company_id.name,
                )
            )

    def action_activate(self):
        self._b2b_check_activation()
        plan_stage = self.env["b2b.collection.stage"]._b2b_stage("payment_plan")
        for plan in self:
            moves = plan.move_ids
            vals = {
                "state": "active",
                "debt_amount": plan._b2b_open_residual(),
                "previous_stages": plan._b2b_stages_of(moves),
            }
            interest_move = plan._b2b_create_interest_invoice()
            if interest_move:
                vals["interest_move_id"] = interest_move.id
                vals["move_ids"] = [Command.link(interest_move.id)]
                moves |= interest_move
            plan._b2b_write_as_action(vals)
            plan._b2b_park_invoices(moves, plan_stage)
            plan.instalment_ids._b2b_write_as_action({"state": "due"})
            body = _(
                "Payment plan %(plan)s agreed: %(total)s in %(count)s instalments "
                "from %(date)s. Reminders pause while it is kept.",
                plan=plan.name,
                total=format_amount(self.env, plan.total_amount, plan.currency_id),
                count=len(plan.instalment_ids),
                date=format_date(self.env, plan.instalment_ids[:1].due_date),
            )
            plan.message_post(body=body, subtype_xmlid="mail.mt_note")
            plan.partner_id.message_post(body=body, subtype_xmlid="mail.mt_note")
            plan.partner_id.b2b_next_action_date = plan.next_due_date
        self._b2b_update_from_payments()
        return True

    def _b2b_create_interest_invoice(self):
        """The plan's interest as a posted customer invoice due with the last
        instalment, so that the customer's payments can be reconciled with it."""
        self.ensure_one()
        if self.currency_id.is_zero(self.interest_amount):
            return self.env["account.move"]
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": self.start_date,
                    "invoice_date_due": self.instalment_ids[-1:].due_date,
                    "ref": _("Interest of payment plan %(plan)s", plan=self.name),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": _(
                                    "Interest of payment plan %(plan)s "
                                    "(%(rate)s%% per year)",
                                    plan=self.name,
                                    rate=self.interest_rate,
                                ),
                                "quantity": 1,
                                "price_unit": self.interest_amount,
                                "account_id": self.company_id.b2b_fee_account_id.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        # never charged late fees or interest itself (set as the engine does)
        move.sudo().b2b_is_charge_invoice = True
        move.action_post()
        return move

    # --------------------------------------------------------------- tracking

    def action_update_from_payments(self):
        active = self.filtered(lambda p: p.state == "active")
        if not active:
            raise UserError(_("Only active payment plans follow payments."))
        active._b2b_update_from_payments()
        return True

    def _b2b_update_from_payments(self, today=None):
        """Allocate the payments received since each plan's start to its
        instalments, oldest due first; then complete the plans paid in full and
        break those with an instalment missed beyond the tolerance. One query
        for all the plans."""
        plans = self.filtered(lambda p: p.state == "active")
        if not plans:
            return plans
        today = today or fields.Date.context_today(self)
        payments = self._b2b_payment_rows(plans)
        plans.instalment_ids.mapped("amount")  # prefetch every instalment at once
        completed = broken = self.browse()
        for plan in plans:
            rows = payments.get(plan.id, [])
            total_paid = plan.currency_id.round(sum(amount for __, amount in rows))
            missed = plan.instalment_ids._b2b_allocate(total_paid, rows, today)
            if plan.currency_id.compare_amounts(plan.paid_amount, total_paid) != 0:
                plan._b2b_write_as_action({"paid_amount": total_paid})
            if all(inst.state == "paid" for inst in plan.instalment_ids):
                completed |= plan
            elif missed:
                broken |= plan
        completed._b2b_complete()
        broken._b2b_break(today)
        return plans

    def _b2b_complete(self):
        if not self:
            return
        self._b2b_write_as_action({"state": "completed"})
        for plan in self:
            plan.message_post(
                body=_(
                    "Payment plan completed: %(amount)s paid.",
                    amount=format_amount(self.env, plan.paid_amount, plan.currency_id),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _b2b_break(self, today):
        """A missed instalment: the plan is broken, the collector gets one
        activity, the invoices go back to Reminded and reminders resume."""
        if not self:
            return
        stage_model = self.env["b2b.collection.stage"]
        plan_stage = stage_model._b2b_stage("payment_plan")
        reminded = stage_model._b2b_stage("reminded") or stage_model._b2b_stage(
            "current"
        )
        self._b2b_write_as_action({"state": "broken", "date_broken": today})
        for plan in self:
            missed = plan.instalment_ids.filtered(lambda i: i.state == "late")[:1]
            message = _(
                "Payment plan broken: instalment %(number)s of %(amount)s due "
                "%(date)s is not paid (%(paid)s received). Reminders resume.",
                number=missed.sequence,
                amount=format_amount(self.env, missed.amount, plan.currency_id),
                date=format_date(self.env, missed.due_date),
                paid=format_amount(self.env, missed.paid_amount, plan.currency_id),
            )
            plan.message_post(body=message, subtype_xmlid="mail.mt_note")
            plan.partner_id.message_post(body=message, subtype_xmlid="mail.mt_note")
            moves = plan.move_ids.filtered(
                lambda m: m.b2b_collection_stage_id == plan_stage
                and m._b2b_is_open_invoice()
            )
            if reminded:
                moves.b2b_collection_stage_id = reminded
            plan.partner_id.b2b_next_action_date = today
            if not plan.activity_broken_id:
                activity_type = plan.company_id.b2b_activity_type_id or self.env.ref(
                    "b2b_collections.mail_activity_type_collection_followup"
                )
                activity = plan.activity_schedule(
                    activity_type_id=activity_type.id,
                    date_deadline=today,
                    summary=_(
                        "Broken payment plan of %(customer)s",
                        customer=plan.partner_id.display_name,
                    ),
                    note=escape(message),
                    user_id=(plan.collector_id or self.env.user).id,
                )
                plan._b2b_write_as_action({"activity_broken_id": activity.id})

    # ------------------------------------------------------------ cancelling

    def action_cancel(self):
        for plan in self:
            if plan.state in ("completed", "cancelled"):
                raise UserError(
                    _("A completed or cancelled payment plan cannot be cancelled.")
                )
        plan_stage = self.env["b2b.collection.stage"]._b2b_stage("payment_plan")
        for plan in self:
            was_running = plan.state in ("active", "broken")
            interest_move = plan.interest_move_id
            plan._b2b_write_as_action({"state": "cancelled"})
            if not was_running:
                continue
            plan._b2b_unpark_invoices(plan_stage)
            if interest_move and interest_move.payment_state == "not_paid":
                interest_move._reverse_moves(
                    [{"ref": _("Payment plan %(plan)s cancelled", plan=plan.name)}],
                    cancel=True,
                )
            plan.message_post(
                body=_("Payment plan cancelled: the invoices return to their stage."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_draft(self):
        if any(plan.state != "cancelled" for plan in self):
            raise UserError(_("Only a cancelled plan can be set back to draft."))
        self._b2b_write_as_action(
            {
                "state": "draft",
                "interest_move_id": False,
                "paid_amount": 0.0,
                "date_broken": False,
                "activity_broken_id": False,
                "previous_stages": False,
            }
        )
        return True

    # ---------------------------------------------------------------- cron

    @api.model
    def _cron_b2b_update_plans(self):
        plans = self.search([("state", "=", "active")])
        plans._b2b_update_from_payments()
        self.env["ir.cron"]._notify_progress(done=len(plans), remaining=0)
