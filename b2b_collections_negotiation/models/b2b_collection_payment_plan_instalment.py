from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_amount

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

PERIODS_PER_YEAR = {"monthly": 12, "weekly": 52}


class B2bCollectionPaymentPlanInstalment(models.Model):
    """One instalment of a payment plan: computed by ``_b2b_schedule``, paid
    by the payments allocated to it (``_b2b_allocate``)."""

    _name = "b2b.collection.payment.plan.instalment"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Payment Plan Instalment"
    _order = "plan_id, due_date, sequence, id"

    plan_id = fields.Many2one(
        "b2b.collection.payment.plan",
        string="Payment Plan",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="create",
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(string="No.", default=1, b2b_write="draft")
    due_date = fields.Date(required=True, b2b_write="draft")
    principal_amount = fields.Monetary(string="Principal", b2b_write="draft")
    interest_amount = fields.Monetary(string="Interest", b2b_write="draft")
    amount = fields.Monetary(required=True, b2b_write="draft")
    paid_amount = fields.Monetary(
        string="Paid", readonly=True, copy=False, b2b_write="action"
    )
    state = fields.Selection(
        [
            ("due", "Due"),
            ("partial", "Partially paid"),
            ("paid", "Paid"),
            ("late", "Late"),
        ],
        string="Status",
        default="due",
        required=True,
        readonly=True,
        copy=False,
        b2b_write="action",
    )
    date_paid = fields.Date(
        string="Paid On", readonly=True, copy=False, b2b_write="action"
    )

    @api.constrains("amount", "principal_amount", "interest_amount", "due_date")
    def _check_amount(self):
        validation.check_amounts(self, "amount")
        validation.check_amounts(
            self, "principal_amount", "interest_amount", sign=validation.NOT_NEGATIVE
        )
        validation.check_dates(self, "due_date")
        for inst in self:
            if inst.currency_id.compare_amounts(inst.amount, 0.0) <= 0:
                raise ValidationError(
                    _("Every instalment must have a positive amount.")
                )

    def _b2b_is_draft(self):
        """An instalment changes only while its plan is a draft."""
        return self.plan_id.state == "draft"

    @api.model_create_multi
    def create(self, vals_list):
        instalments = super().create(vals_list)
        if not self.env.su:
            instalments.plan_id._b2b_check_schedule_editable()
        return instalments

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_plan(self):
        self.plan_id._b2b_check_schedule_editable()

    # ------------------------------------------------------- schedule, payments

    @api.model
    def _b2b_schedule(self, principal, count, first_date, interval, rate, currency):
        """Instalments of ``principal`` in ``count`` parts from ``first_date``
        every month or week.

        Principal: equal parts rounded to the currency, the last one taking
        the rounding remainder (1,000.00 in 3: 333.33, 333.33, 333.34).
        Interest: simple interest on the declining balance, one period per
        instalment: the principal still owed before instalment k times
        ``rate`` % / 12 (monthly) or / 52 (weekly), rounded per instalment.
        Returns a list of dicts (due_date, principal_amount, interest_amount,
        amount)."""
        if count <= 0:
            raise UserError(_("A payment plan needs at least one instalment."))
        if not first_date:
            raise UserError(_("Set the due date of the first instalment."))
        if currency.compare_amounts(principal, 0.0) <= 0:
            raise UserError(
                _("There is nothing to schedule: the invoices have no open amount.")
            )
        part = currency.round(principal / count)
        step = (
            relativedelta(months=1) if interval == "monthly" else relativedelta(weeks=1)
        )
        periods = PERIODS_PER_YEAR[interval]
        schedule = []
        outstanding = currency.round(principal)
        for index in range(count):
            principal_k = part if index < count - 1 else currency.round(outstanding)
            interest_k = currency.round(outstanding * rate / 100.0 / periods)
            schedule.append(
                {
                    "sequence": index + 1,
                    "due_date": first_date + step * index,
                    "principal_amount": principal_k,
                    "interest_amount": interest_k,
                    "amount": currency.round(principal_k + interest_k),
                }
            )
            outstanding = currency.round(outstanding - principal_k)
        if any(
            currency.compare_amounts(i["principal_amount"], 0.0) <= 0 for i in schedule
        ):
            raise UserError(
                _(
                    "%(amount)s cannot be split into %(count)s instalments.",
                    amount=format_amount(self.env, principal, currency),
                    count=count,
                )
            )
        return schedule

    def _b2b_allocate(self, total_paid, rows, today):
        """Allocate ``total_paid``, the payments ``rows`` [(date, amount), ...]
        in date order of one plan, to these instalments of it, oldest due
        first: each one's paid amount, state and the day it was paid in full.
        Returns whether one is still unpaid beyond the company's tolerance."""
        if not self:
            return False
        plan = self.plan_id.ensure_one()
        currency = plan.currency_id
        tolerance = relativedelta(days=plan.company_id.b2b_plan_tolerance_days)
        cumulative_target = 0.0
        left = total_paid
        missed = False
        for inst in self.sorted(lambda i: (i.due_date, i.sequence, i.id)):
            paid = currency.round(min(max(left, 0.0), inst.amount))
            left = currency.round(left - paid)
            cumulative_target = currency.round(cumulative_target + inst.amount)
            fully = currency.compare_amounts(paid, inst.amount) >= 0
            date_paid = False
            if fully:
                date_paid = self._b2b_day_reaching(rows, cumulative_target, currency)
                state = "paid"
            elif inst.due_date < today:
                state = "late"
            elif not currency.is_zero(paid):
                state = "partial"
            else:
                state = "due"
            vals = {"paid_amount": paid, "state": state, "date_paid": date_paid}
            if any(inst[key] != value for key, value in vals.items()):
                inst._b2b_write_as_action(vals)
            if not fully and inst.due_date + tolerance < today:
                missed = True
        return missed

    @api.model
    def _b2b_day_reaching(self, rows, target, currency):
        """The first day the payments ``rows`` add up to ``target``, or False."""
        running = 0.0
        for day, amount in rows:
            running = currency.round(running + amount)
            if currency.compare_amounts(running, target) >= 0:
                return day
        return False
