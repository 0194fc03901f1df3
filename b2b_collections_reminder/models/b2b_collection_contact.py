from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

DELIVERY_STATES = [
    ("none", "No email"),
    ("outgoing", "Outgoing"),
    ("sent", "Sent"),
    ("bounced", "Bounced"),
    ("exception", "Failed"),
    ("canceled", "Canceled"),
]
# mail.notification status -> delivery state
NOTIFICATION_STATES = {
    "ready": "outgoing",
    "process": "outgoing",
    "pending": "outgoing",
    "sent": "sent",
    "bounce": "bounced",
    "exception": "exception",
    "canceled": "canceled",
}


class B2bCollectionContact(models.Model):
    """The audit record of one reminder: one customer, one level, the channels
    used, the contact reached, the invoices and amounts. Written in the same
    transaction as the reminder itself, so one exists exactly when the reminder
    was sent."""

    _name = "b2b.collection.contact"
    _inherit = ["mail.thread", "portal.mixin", "b2b.collection.guard.mixin"]
    _description = "Collections Contact Log"
    _order = "date desc, id desc"
    _check_company_auto = True

    date = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        index=True,
        readonly=True,
        b2b_write="action",
    )
    run_id = fields.Many2one(
        "b2b.collection.run",
        readonly=True,
        index=True,
        ondelete="set null",
        check_company=True,
        b2b_write="action",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Sent by",
        default=lambda self: self.env.user,
        readonly=True,
        b2b_write="action",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, b2b_write="action"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        b2b_write="action",
    )
    recipient_id = fields.Many2one(
        "res.partner",
        string="Contact",
        readonly=True,
        b2b_write="action",
        check_company=True,
    )
    collector_id = fields.Many2one(
        "res.users", string="Collector", readonly=True, b2b_write="action"
    )
    policy_id = fields.Many2one(
        "b2b.collection.policy", readonly=True, b2b_write="action", check_company=True
    )
    level_id = fields.Many2one(
        "b2b.collection.policy.level",
        readonly=True,
        index=True,
        b2b_write="action",
        check_company=True,
    )
    template_id = fields.Many2one("mail.template", readonly=True, b2b_write="action")
    channel_email = fields.Boolean(string="Email", readonly=True, b2b_write="action")
    channel_letter = fields.Boolean(string="Letter", readonly=True, b2b_write="action")
    channel_call = fields.Boolean(string="Call", readonly=True, b2b_write="action")
    channels = fields.Char(compute="_compute_channels")
    note = fields.Text(
        readonly=True,
        help="What the run had to adapt, e.g. no email address: letter and call.",
        b2b_write="action",
    )
    line_ids = fields.One2many(
        "b2b.collection.contact.line", "contact_id", readonly=True, b2b_write="action"
    )
    amount_total = fields.Monetary(
        string="Amount Due",
        readonly=True,
        help="Residual of the invoices, company currency.",
        b2b_write="action",
    )
    message_id = fields.Many2one(
        "mail.message", string="Email Message", readonly=True, b2b_write="action"
    )
    letter_attachment_id = fields.Many2one(
        "ir.attachment", string="Letter PDF", readonly=True, b2b_write="action"
    )
    letter_failed = fields.Boolean(
        readonly=True,
        copy=False,
        help="The run could not render the letter (see the run's issues): print "
        "it from the reminder.",
        b2b_write="action",
    )
    activity_id = fields.Many2one(
        "mail.activity", string="Call Activity", readonly=True, b2b_write="action"
    )
    fee_move_id = fields.Many2one(
        "account.move",
        string="Fee Invoice",
        readonly=True,
        b2b_write="action",
        check_company=True,
    )
    charge_ids = fields.One2many(
        "b2b.collection.charge",
        "contact_id",
        string="Late Charges",
        readonly=True,
        help="Interest and compensation charged with this reminder, per invoice.",
        b2b_write="action",
    )
    delivery_state = fields.Selection(
        DELIVERY_STATES,
        string="Delivery",
        compute="_compute_delivery_state",
        store=True,
        index=True,
        help="Delivery of the email, from Odoo's mail notifications: bounces "
        "show up here.",
    )

    statement_attached = fields.Boolean(
        readonly=True,
        copy=False,
        help="The email carried the statement PDF; otherwise a link to it.",
        b2b_write="action",
    )
    delivery_reported = fields.Boolean(
        readonly=True,
        copy=False,
        help="The outcome of the email (sent, or failed) was reported on the "
        "customer's chatter.",
        b2b_write="action",
    )
    failure_activity_id = fields.Many2one(
        "mail.activity",
        readonly=True,
        copy=False,
        help="What the collector was asked to do about an email that failed.",
        b2b_write="action",
    )

    @api.depends("channel_email", "channel_letter", "channel_call")
    def _compute_channels(self):
        labels = (
            ("channel_email", _("Email")),
            ("channel_letter", _("Letter")),
            ("channel_call", _("Call")),
        )
        for contact in self:
            contact.channels = ", ".join(
                label for fname, label in labels if contact[fname]
            )

    @api.depends("message_id.notification_ids.notification_status", "channel_email")
    def _compute_delivery_state(self):
        for contact in self:
            statuses = contact.message_id.notification_ids.filtered(
                lambda n: n.notification_type == "email"
            ).mapped("notification_status")
            if not contact.channel_email or not statuses:
                contact.delivery_state = (
                    "none" if not contact.channel_email else "outgoing"
                )
                continue
            states = {
                NOTIFICATION_STATES.get(status, "outgoing") for status in statuses
            }
            for state in ("bounced", "exception", "canceled", "outgoing", "sent"):
                if state in states:
                    contact.delivery_state = state
                    break

    @api.depends("partner_id", "level_id", "date")
    def _compute_display_name(self):
        for contact in self:
            contact.display_name = _(
                "%(level)s to %(customer)s",
                level=contact.level_id.name or _("Reminder"),
                customer=contact.partner_id.display_name,
            )

    @api.model
    def _cron_b2b_follow_deliveries(self, limit=500):
        """Scheduled action (hourly): report the outcome of the reminder emails
        the mail server handled since the last pass."""
        self.search(
            [
                ("channel_email", "=", True),
                ("delivery_reported", "=", False),
                ("delivery_state", "in", ("sent", "bounced", "exception", "canceled")),
            ],
            limit=limit,
            order="id",
        )._b2b_follow_deliveries()

    def _b2b_follow_deliveries(self):
        """On the customer's chatter, a delivered email says so; a bounced,
        failed or canceled one says why and plans an activity for the
        collector (a call, or a correct address). Each contact once."""
        self.mapped("message_id.notification_ids.failure_reason")  # prefetch
        for contact in self.filtered(lambda c: not c.delivery_reported):
            partner = contact.partner_id
            level = contact.level_id.name or _("Reminder")
            recipient = contact.recipient_id.display_name
            if contact.delivery_state == "sent":
                body = _(
                    "%(level)s: the email to %(contact)s was sent.",
                    level=level,
                    contact=recipient,
                )
                values = {"delivery_reported": True}
            else:
                reasons = contact.message_id.notification_ids.filtered(
                    "failure_reason"
                ).mapped("failure_reason")
                states = dict(self._fields["delivery_state"].selection)
                body = _(
                    "%(level)s: the email to %(contact)s was not delivered "
                    "(%(state)s). %(reason)s",
                    level=level,
                    contact=recipient,
                    state=states[contact.delivery_state].lower(),
                    reason="; ".join(reasons),
                )
                activity = partner.activity_schedule(
                    "mail.mail_activity_data_call",
                    date_deadline=fields.Date.context_today(self),
                    summary=_(
                        "Reminder email not delivered: %(level)s to %(contact)s",
                        level=level,
                        contact=recipient,
                    ),
                    note=_(
                        "Call the customer about the reminder and check the "
                        "address of %(contact)s.",
                        contact=recipient,
                    ),
                    user_id=(contact.collector_id or self.env.user).id,
                )
                values = {"delivery_reported": True, "failure_activity_id": activity.id}
            partner.message_post(body=body, subtype_xmlid="mail.mt_note")
            # the engine's bookkeeping: no user writes the contact log
            contact.sudo()._b2b_write_as_action(values)

    @api.model
    def _b2b_recent_counts(self, company, today, partner_ids):
        """Contacts per customer in the 7 days up to ``today``: reminders sent
        and outbound calls logged."""
        if not partner_ids:
            return {}
        since = fields.Datetime.to_datetime(today) - timedelta(days=6)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner_id, COUNT(*) FROM (
                SELECT partner_id FROM b2b_collection_contact
                 WHERE company_id = %(company)s AND date >= %(since)s
                   AND partner_id IN %(partners)s
                 UNION ALL
                SELECT partner_id FROM b2b_collection_note
                 WHERE company_id = %(company)s AND date >= %(since)s
                   AND direction = 'outbound' AND partner_id IN %(partners)s
            ) contacts GROUP BY partner_id
            """,
                company=company.id,
                since=since,
                partners=tuple(partner_ids),
            )
        )
        return dict(rows)

    def _b2b_statement_url(self):
        """The customer's statement of account, rendered when opened (the
        reminder's access token opens it: no login, nothing else)."""
        self.ensure_one()
        self.sudo()._portal_ensure_token()
        return f"{self.get_base_url()}/b2b/statement/{self.id}?access_token={self.sudo().access_token}"

    def _compute_access_url(self):
        # (portal.mixin's own is a placeholder: no call to it)
        for contact in self:
            contact.access_url = f"/b2b/statement/{contact.id}"

    def _b2b_invoice_rows(self):
        """Lines for the email and letter templates, oldest first."""
        self.ensure_one()
        return self.line_ids.sorted(
            lambda line: (-line.days_overdue, line.move_id.name or "")
        )

    def _b2b_portal_url(self, move):
        """Pay-now link of an invoice on the customer portal."""
        return move.get_base_url() + move._get_share_url(redirect=True)


class B2bCollectionContactLine(models.Model):
    """An invoice in a reminder. The unique (invoice, level) constraint is the
    last guard against sending the same level twice for an invoice: not after a
    crash, not when two runs overlap."""

    _name = "b2b.collection.contact.line"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections Contact Line"
    _order = "contact_id, days_overdue desc, id"
    _check_company_auto = True

    contact_id = fields.Many2one(
        "b2b.collection.contact",
        required=True,
        ondelete="cascade",
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
        check_company=True,
    )
    level_id = fields.Many2one(
        "b2b.collection.policy.level",
        required=True,
        ondelete="restrict",
        check_company=True,
        b2b_write="action",
        readonly=True,
    )
    partner_id = fields.Many2one(related="contact_id.partner_id", store=True)
    company_id = fields.Many2one(related="contact_id.company_id", store=True)
    currency_id = fields.Many2one(
        "res.currency", required=True, b2b_write="action", readonly=True
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    amount_residual = fields.Monetary(
        string="Amount Due",
        currency_field="currency_id",
        b2b_write="action",
        readonly=True,
    )
    amount_residual_company = fields.Monetary(
        string="Amount Due (Company Currency)",
        currency_field="company_currency_id",
        b2b_write="action",
        readonly=True,
    )
    days_overdue = fields.Integer(b2b_write="action", readonly=True)
    date_due = fields.Date(string="Due Date", b2b_write="action", readonly=True)
    # What this reminder charged on the invoice, read from its late charge.
    interest_amount = fields.Monetary(
        string="Interest Charged",
        currency_field="company_currency_id",
        compute="_compute_charge",
    )
    interest_days = fields.Integer(
        compute="_compute_charge",
        help="Days of interest charged with this reminder on the invoice.",
    )
    compensation_charged = fields.Boolean(
        compute="_compute_charge",
        help="The fixed recovery compensation was charged with this reminder.",
    )

    _sql_constraints = [
        (
            "move_level_unique",
            "UNIQUE(move_id, level_id)",
            "This reminder level was already sent for this invoice.",
        ),
    ]

    @api.depends("contact_id.charge_ids", "move_id")
    def _compute_charge(self):
        charges = {
            (charge.contact_id.id, charge.move_id.id): charge
            for charge in self.contact_id.charge_ids
        }
        for line in self:
            charge = charges.get((line.contact_id.id, line.move_id.id))
            line.interest_amount = charge.interest_amount if charge else 0.0
            line.interest_days = charge.interest_days if charge else 0
            line.compensation_charged = bool(charge and charge.compensation_amount)

    @api.constrains("move_id", "contact_id")
    def _check_invoice(self):
        validation.check_customer_invoices(self, "partner_id", "move_id")
