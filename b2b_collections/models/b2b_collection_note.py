from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

from . import b2b_collection_validation as validation
from .res_partner import CHANNELS

OUTCOMES = [
    ("reached", "Reached"),
    ("no_answer", "No answer"),
    ("left_message", "Left message"),
    ("promised", "Promised to pay"),
    ("disputed", "Disputed"),
    ("refused", "Refused to pay"),
    ("wrong_contact", "Wrong contact"),
    ("paid", "Says paid"),
]


class B2bCollectionNote(models.Model):
    """A contact with a customer about its debt: a call, an email, a meeting...
    Promises to pay and disputes are recorded here and drive the invoices'
    stages and the collector's follow-up activities."""

    _name = "b2b.collection.note"
    _inherit = ["mail.thread", "b2b.collection.guard.mixin"]
    _description = "Collections Call Note"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
        b2b_write="create",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Spoke With",
        check_company=True,
        domain="[('parent_id', '=', partner_id)]",
        b2b_write="author",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        b2b_write="create",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    invoice_ids = fields.Many2many(
        "account.move",
        "b2b_collection_note_account_move_rel",
        "note_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id),"
        " ('move_type', 'in', ('out_invoice', 'out_refund')),"
        " ('state', '=', 'posted')]",
        b2b_write="author",
        tracking=True,
    )
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True, b2b_write="create"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Author",
        required=True,
        default=lambda self: self.env.user,
        b2b_write="action",
        readonly=True,
    )
    channel = fields.Selection(
        CHANNELS, required=True, default="phone", b2b_write="author", tracking=True
    )
    direction = fields.Selection(
        [("outbound", "Outbound"), ("inbound", "Inbound")],
        required=True,
        default="outbound",
        b2b_write="author",
        tracking=True,
    )
    outcome = fields.Selection(
        OUTCOMES, required=True, b2b_write="author", tracking=True
    )
    summary = fields.Text(b2b_write="author", tracking=True)
    promise_date = fields.Date(
        string="Promised Date", b2b_write="author", tracking=True
    )
    promise_amount = fields.Monetary(
        string="Promised Amount", b2b_write="author", tracking=True
    )
    next_followup_date = fields.Date(
        string="Next Follow-up", b2b_write="author", tracking=True
    )
    duration = fields.Float(
        help="Length of the contact, in hours.", b2b_write="author", tracking=True
    )
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, b2b_write="action"
    )
    promise_state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken")],
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set by the reminder run once the promised date has passed.",
        b2b_write="action",
    )
    promise_paid = fields.Monetary(
        string="Paid on Promise",
        readonly=True,
        copy=False,
        help="Paid on the invoices concerned between the call and the promised date.",
        b2b_write="action",
    )

    can_correct = fields.Boolean(
        compute="_compute_can_correct",
        help="A saved note is evidence: only a collections manager corrects it.",
    )

    # -------------------------------------------------------------- constraints

    @api.constrains("outcome", "promise_date", "promise_amount", "date")
    def _check_promise(self):
        for note in self:
            if note.outcome == "promised" and not (
                note.promise_date and note.promise_amount
            ):
                raise ValidationError(
                    _("A promise to pay needs a promised date and a promised amount.")
                )
            if (
                note.promise_amount
                and note.currency_id.compare_amounts(note.promise_amount, 0.0) <= 0
            ):
                raise ValidationError(
                    _(
                        "The promised amount must be positive (got %(amount)s).",
                        amount=note.promise_amount,
                    )
                )
            if note.promise_date and note.promise_date < note._b2b_call_day():
                raise ValidationError(
                    _(
                        "The promised date %(promise)s is before the call "
                        "(%(call)s): a promise cannot be in the past.",
                        promise=format_date(self.env, note.promise_date),
                        call=format_date(self.env, note._b2b_call_day()),
                    )
                )

    @api.constrains("next_followup_date", "date")
    def _check_next_followup_date(self):
        for note in self:
            if (
                note.next_followup_date
                and note.next_followup_date < note._b2b_call_day()
            ):
                raise ValidationError(
                    _("The next follow-up date cannot be before the call.")
                )

    @api.constrains(
        "date", "promise_date", "next_followup_date", "promise_amount", "duration"
    )
    def _check_values(self):
        validation.check_dates(self, "date", "promise_date", "next_followup_date")
        validation.check_amounts(self, "promise_amount")
        # a contact lasts at most a day (the field is in hours)
        validation.check_ranges(self, "duration", low=0, high=24, unit=_(" hours"))

    @api.constrains("summary")
    def _check_summary(self):
        validation.check_texts(self, "summary")

    @api.constrains("outcome", "invoice_ids")
    def _check_dispute_invoices(self):
        for note in self:
            if note.outcome == "disputed" and not note.invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice"
            ):
                raise ValidationError(_("Choose the invoices the customer disputes."))

    @api.constrains("partner_id", "invoice_ids", "contact_id")
    def _check_partner_consistency(self):
        for note in self:
            if note.partner_id != note.partner_id.commercial_partner_id:
                raise ValidationError(
                    _(
                        "Log the call on the customer %(customer)s, not on its "
                        "contact %(contact)s.",
                        customer=note.partner_id.commercial_partner_id.display_name,
                        contact=note.partner_id.display_name,
                    )
                )
            validation.check_customer_invoices(note, "partner_id", "invoice_ids")
            if (
                note.contact_id
                and note.contact_id.commercial_partner_id != note.partner_id
            ):
                raise ValidationError(
                    _(
                        "%(contact)s does not work for %(customer)s.",
                        contact=note.contact_id.display_name,
                        customer=note.partner_id.display_name,
                    )
                )

    # ----------------------------------------------------------------- computes

    @api.depends_context("uid")
    def _compute_can_correct(self):
        self.can_correct = self._b2b_is_manager()

    @api.depends("partner_id", "outcome", "date")
    def _compute_display_name(self):
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        for note in self:
            note.display_name = _(
                "%(customer)s: %(outcome)s (%(date)s)",
                customer=note.partner_id.display_name or "",
                outcome=outcomes.get(note.outcome, ""),
                date=format_date(self.env, note.date),
            )

    # ------------------------------------------------------------- onchanges

    @api.onchange("outcome", "invoice_ids")
    def _onchange_b2b_promise(self):
        """A promise proposes what is overdue (of the invoices chosen, else of
        the customer in the company, net of its unapplied credits), to be paid
        the company's promise term after the call: most promises are saved as
        proposed."""
        if self.outcome != "promised" or not self.partner_id:
            return
        if not self.promise_amount:
            self.promise_amount = self._b2b_overdue_amount()
        if not self.promise_date:
            self.promise_date = fields.Date.add(
                self._b2b_call_day(), days=self.company_id.b2b_promise_days or 7
            )

    def _b2b_overdue_amount(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        invoices = self.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        if invoices:
            return sum(invoices.mapped("amount_residual_signed"))
        figures = self.env["b2b.collection.worklist"]._b2b_figures(
            self.partner_id.commercial_partner_id.ids, company
        )
        row = figures.get(self.partner_id.commercial_partner_id.id)
        return row["amount_overdue"] if row else 0.0

    # ------------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        # the note itself is the record of the contact: no "created" message
        notes = (
            super(B2bCollectionNote, self.with_context(mail_create_nolog=True))
            .create(vals_list)
            .with_env(self.env)
        )
        # the creation was checked; the run evaluates the promise later
        notes.filtered(lambda n: n.outcome == "promised").sudo().promise_state = "open"
        notes._b2b_apply()
        return notes

    def action_b2b_save_call(self):
        """The dialog's Save: the note is saved (the web client saves a new
        record before calling a button), then a confirmation."""
        self.ensure_one()
        invoices = self._b2b_concerned_invoices()
        if self.outcome == "promised":
            message = _(
                "Promise of %(amount)s by %(date)s recorded on %(count)s invoice(s); "
                "a check is planned for that day.",
                amount=format_amount(self.env, self.promise_amount, self.currency_id),
                date=format_date(self.env, self.promise_date),
                count=len(invoices),
            )
        else:
            message = _(
                "Call recorded on %(customer)s and %(count)s invoice(s).",
                customer=self.partner_id.display_name,
                count=len(invoices),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Call logged"),
                "message": message,
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # --------------------------------------------------------- business methods

    def _b2b_call_day(self):
        self.ensure_one()
        return fields.Date.context_today(self, self.date or fields.Datetime.now())

    def _b2b_collector(self):
        self.ensure_one()
        return (
            self.partner_id.b2b_collector_id
            or self.company_id.b2b_default_collector_id
            or self.user_id
        )

    def _b2b_concerned_invoices(self, overdue_only=True):
        """The invoices the note is about; the customer's open (overdue)
        invoices of the company when none was chosen."""
        self.ensure_one()
        if self.invoice_ids:
            return self.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        domain = [
            ("commercial_partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
            *self.env["account.move"]._b2b_open_invoice_domain(),
        ]
        if overdue_only:
            domain.append(("b2b_days_overdue", ">", 0))
        return self.env["account.move"].search(domain)

    def _b2b_apply(self):
        """Effects of new notes: chatter messages, stages, dispute flags,
        next action dates, the calls it answers done and the collector's
        follow-up activity."""
        self._b2b_close_answered_activities()
        stage_model = self.env["b2b.collection.stage"]
        promise_stage = stage_model._b2b_stage("promise")
        for note in self:
            body = note._b2b_message_body()
            note.partner_id.message_post(body=body, subtype_xmlid="mail.mt_note")
            invoices = note._b2b_concerned_invoices()
            # the contact is on every invoice it concerns: the chosen ones, else
            # every overdue invoice of the customer in the company
            day = note._b2b_call_day()
            for invoice in invoices:
                invoice.message_post(body=body, subtype_xmlid="mail.mt_note")
            invoices.filtered(
                lambda m, d=day: not m.b2b_last_contact_date
                or m.b2b_last_contact_date < d
            )._b2b_write_as_action({"b2b_last_contact_date": day})
            if note.outcome == "promised":
                movable = invoices.filtered(
                    lambda m: not (
                        m.b2b_collection_stage_id.is_agency
                        or m.b2b_collection_stage_id.is_legal
                        or m.b2b_collection_stage_id.is_closed
                        or m.b2b_disputed
                    )
                )
                if promise_stage:
                    movable.b2b_collection_stage_id = promise_stage
            elif note.outcome == "disputed":
                self.env["b2b.collection.dispute"].create(
                    {
                        "partner_id": note.partner_id.id,
                        "company_id": note.company_id.id,
                        "move_ids": [Command.set(invoices.ids)],
                        "reason": note.summary
                        or _(
                            "Disputed on a call of %(date)s", date=note._b2b_call_day()
                        ),
                        "date_open": note._b2b_call_day(),
                    }
                )
            next_action = note.next_followup_date or note.promise_date
            if next_action:
                note.partner_id.b2b_next_action_date = next_action
                invoices.b2b_next_action_date = next_action
                activity = note._b2b_schedule_activity(next_action)
                note.sudo().activity_id = activity

    def _b2b_close_answered_activities(self):
        """A contact answers the calls planned on the customer up to its day
        (a reminder's call, a follow-up): they are marked done, one search for
        all the notes."""
        outbound = self.filtered(lambda n: n.direction == "outbound")
        if not outbound:
            return
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", outbound.partner_id.ids),
                    ("activity_type_id.category", "=", "phonecall"),
                    ("date_deadline", "<=", max(n._b2b_call_day() for n in outbound)),
                ]
            )
        )
        for note in outbound:
            answered = activities.filtered(
                lambda a, n=note: a.res_id == n.partner_id.id
                and a.date_deadline <= n._b2b_call_day()
            )
            answered.action_feedback(
                feedback=_(
                    "Answered by the contact of %(date)s.", date=note._b2b_call_day()
                )
            )
            activities -= answered

    def _b2b_on_promise_broken(self, invoices):
        """Hook: what else a broken promise does to its open ``invoices``
        (the reminder addon escalates them one level)."""
        return invoices

    @api.model
    def _cron_b2b_follow_promises(self):
        """Scheduled action: settle the promises whose date has passed."""
        self._b2b_evaluate_promises()

    @api.model
    def _b2b_evaluate_promises(self, today=None):
        """Mark the promises whose date has passed kept or broken, from the
        money received on the invoices concerned (``_b2b_promises_paid``).
        A kept promise is noted on the customer; a broken one notifies the
        collector and calls ``_b2b_on_promise_broken``."""
        today = today or fields.Date.context_today(self)
        notes = self.search(
            [
                ("outcome", "=", "promised"),
                ("promise_state", "=", "open"),
                ("promise_date", "<", today),
            ]
        )
        if not notes:
            return notes
        paid = notes._b2b_promises_paid()
        current = self.env["b2b.collection.stage"]._b2b_stage("current")
        promise = self.env["b2b.collection.stage"]._b2b_stage("promise")
        for note in notes:
            amount = paid.get(note.id, 0.0)
            tolerance = note.company_id.b2b_promise_tolerance / 100.0
            kept = (
                note.currency_id.compare_amounts(
                    amount, note.promise_amount * (1 - tolerance)
                )
                >= 0
            )
            note._b2b_write_as_action(
                {"promise_state": "kept" if kept else "broken", "promise_paid": amount}
            )
            invoices = note._b2b_concerned_invoices(overdue_only=False).filtered(
                lambda m: m.payment_state in ("not_paid", "partial")
            )
            if promise and current:
                invoices.filtered(
                    lambda m: m.b2b_collection_stage_id == promise
                ).b2b_collection_stage_id = current
            if kept:
                # the check planned for the promised day is done
                note.activity_id.sudo().exists().action_feedback(
                    feedback=_("Promise kept.")
                )
                note.partner_id.message_post(
                    body=_(
                        "Promise of %(date)s kept: %(amount)s paid.",
                        date=format_date(self.env, note.promise_date),
                        amount=format_amount(self.env, amount, note.currency_id),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            else:
                note._b2b_on_promise_broken(invoices)
                note._b2b_notify_broken_promise(amount, today)
        return notes

    def _b2b_promises_paid(self):
        """{note id: money received} on the invoices each promise concerns
        (the customer's invoices when none was chosen) between the call and
        the promised date: payments and bank statement lines only, at their
        cash value (``account.move._b2b_sql_money_received``); credit notes,
        write-offs and exchange differences keep no promise. One query."""
        for model in ("account.move", "account.move.line", "account.partial.reconcile"):
            self.env[model].flush_model()
        self.env["account.move"]._b2b_flush_money_received()
        self.flush_model()
        return dict(
            self.env.execute_query(
                SQL(
                    """
            SELECT n.id, COALESCE(SUM(%(received)s), 0)
              FROM b2b_collection_note n
              JOIN account_move m ON m.commercial_partner_id = n.partner_id
                                 AND m.company_id = n.company_id
                                 AND m.move_type = 'out_invoice'
                                 AND m.state = 'posted'
              JOIN account_move_line dl ON dl.move_id = m.id AND %(receivable)s
              JOIN account_partial_reconcile apr ON apr.debit_move_id = dl.id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
             WHERE n.id IN %(ids)s
               AND %(is_payment)s
               AND apr.max_date >= n.date::date
               AND apr.max_date <= n.promise_date
               AND (NOT EXISTS (SELECT 1 FROM b2b_collection_note_account_move_rel r
                                 WHERE r.note_id = n.id)
                    OR m.id IN (SELECT r.move_id FROM b2b_collection_note_account_move_rel r
                                 WHERE r.note_id = n.id))
          GROUP BY n.id
                    """,
                    ids=tuple(self.ids),
                    receivable=self.env["account.move.line"]._b2b_sql_receivable("dl"),
                    received=self.env["account.move"]._b2b_sql_money_received(
                        "apr", "cl", "cm"
                    ),
                    is_payment=self.env["account.move"]._b2b_sql_is_payment("cm"),
                )
            )
        )

    def _b2b_notify_broken_promise(self, amount, today):
        """Tell the collector that this promise is broken (``amount`` paid):
        a note on the customer and an activity due ``today``; the customer's
        next action is today."""
        self.ensure_one()
        self.partner_id.b2b_next_action_date = today
        message = _(
            "Promise broken: %(promised)s promised by %(date)s, %(paid)s paid.",
            promised=format_amount(self.env, self.promise_amount, self.currency_id),
            date=format_date(self.env, self.promise_date),
            paid=format_amount(self.env, amount, self.currency_id),
        )
        self.partner_id.message_post(body=message, subtype_xmlid="mail.mt_note")
        self.partner_id.activity_schedule(
            activity_type_id=(
                self.company_id.b2b_activity_type_id
                or self.env.ref(
                    "b2b_collections.mail_activity_type_collection_followup"
                )
            ).id,
            date_deadline=today,
            summary=_(
                "Broken promise of %(customer)s", customer=self.partner_id.display_name
            ),
            note=escape(message),
            user_id=self._b2b_collector().id,
        )

    def _b2b_schedule_activity(self, deadline):
        self.ensure_one()
        if self.outcome == "promised" and deadline == self.promise_date:
            summary = _(
                "Check payment of %(amount)s promised by %(customer)s",
                amount=format_amount(self.env, self.promise_amount, self.currency_id),
                customer=self.partner_id.display_name,
            )
        else:
            summary = _(
                "Follow up with %(customer)s", customer=self.partner_id.display_name
            )
        activity_type = self.company_id.b2b_activity_type_id or self.env.ref(
            "b2b_collections.mail_activity_type_collection_followup"
        )
        return self.partner_id.activity_schedule(
            activity_type_id=activity_type.id,
            date_deadline=deadline,
            summary=summary,
            note=escape(self.summary or ""),
            user_id=self._b2b_collector().id,
        )

    def _b2b_message_body(self):
        self.ensure_one()
        channel = dict(CHANNELS)[self.channel]
        outcome = dict(self._fields["outcome"]._description_selection(self.env))[
            self.outcome
        ]
        lines = [
            Markup("<b>%s</b>")
            % _(
                "%(channel)s (%(direction)s) by %(author)s: %(outcome)s",
                channel=channel,
                direction=dict(self._fields["direction"].selection)[
                    self.direction
                ].lower(),
                author=self.user_id.name,
                outcome=outcome,
            )
        ]
        if self.contact_id:
            lines.append(_("Spoke with %(contact)s", contact=self.contact_id.name))
        if self.outcome == "promised":
            lines.append(
                _(
                    "Promised %(amount)s by %(date)s",
                    amount=format_amount(
                        self.env, self.promise_amount, self.currency_id
                    ),
                    date=format_date(self.env, self.promise_date),
                )
            )
        if self.invoice_ids:
            lines.append(
                _(
                    "Invoices: %(names)s",
                    names=", ".join(self.invoice_ids.mapped("name")),
                )
            )
        if self.next_followup_date:
            lines.append(
                _(
                    "Next follow-up: %(date)s",
                    date=format_date(self.env, self.next_followup_date),
                )
            )
        if self.summary:
            lines.append(self.summary)
        return Markup("<br/>").join(escape(line) for line in lines)
