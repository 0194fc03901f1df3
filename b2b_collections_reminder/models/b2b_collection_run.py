import logging
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.fields import Command
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

_logger = logging.getLogger(__name__)

PAUSE_REASONS = {
    "do_not_contact": "Customer is do-not-contact",
    "disputed": "Invoice disputed",
    "stage": "Stage pauses reminders",
    "promise": "Promise to pay not yet due",
    "below_minimum": "Below the level's minimum amount",
    "contact_limit": "Contact limit reached for the last 7 days",
    "quiet_day": "Quiet day: no contact today",
    "escalated": "Customer already at this escalation",
}
DEFAULT_BATCH = 50


class B2bCollectionRun(models.Model):
    """A reminder run of a company on a day: its reminders, its issues.

    Planning and sending live here; running in batches (locks, conflicts, the
    scheduled action, crash recovery) in ``b2b_collection_run_batch.py``; the
    late charges of a reminder in ``b2b_collection_charge.py``. The
    unique (invoice, level) key of the contact lines makes a second send of the
    same level impossible."""

    _name = "b2b.collection.run"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections Reminder Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, b2b_write="action"
    )
    date = fields.Date(required=True, readonly=True, index=True, b2b_write="action")
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Manual")],
        required=True,
        readonly=True,
        b2b_write="action",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Started by",
        readonly=True,
        default=lambda self: self.env.user,
        b2b_write="action",
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")],
        string="Status",
        default="running",
        readonly=True,
        b2b_write="action",
    )
    with_statement = fields.Boolean(
        string="Attach Statement",
        readonly=True,
        default=lambda self: self.env.company.b2b_attach_statement,
        help="Attach the statement PDF to every email; without it, the emails "
        "link to the statement and only the customers who ask for the PDF get it.",
        b2b_write="action",
    )
    contact_ids = fields.One2many(
        "b2b.collection.contact", "run_id", readonly=True, b2b_write="action"
    )
    contact_count = fields.Integer(compute="_compute_counts")
    issue_ids = fields.One2many(
        "b2b.collection.run.issue", "run_id", readonly=True, b2b_write="action"
    )
    issue_count = fields.Integer(compute="_compute_counts")

    @api.depends("date", "trigger", "company_id")
    def _compute_name(self):
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            run.name = (
                f"{format_date(self.env, run.date)} {triggers.get(run.trigger, '')}"
            )

    @api.depends("contact_ids", "issue_ids")
    def _compute_counts(self):
        for run in self:
            run.contact_count = len(run.contact_ids)
            run.issue_count = len(run.issue_ids)

    # ------------------------------------------------------------ planning

    @api.model
    def _b2b_due_rows(self, company, today, partner_ids=None):
        """Every open invoice of ``company`` that has a reminder level due on
        ``today``, with the reason it is paused if it is. One query, whatever
        the size of the ledger: the open invoices old enough for a level
        (``_b2b_sql_open_moves``), the level due for each
        (``_b2b_sql_due_levels``), the pause (``_b2b_sql_pause``)."""
        min_trigger = self._b2b_min_trigger(company)
        if min_trigger is None:
            return []
        for model in (
            "account.move",
            "account.move.line",
            "res.partner",
            "b2b.collection.note",
            "b2b.collection.contact.line",
            "b2b.collection.policy",
        ):
            self.env[model].flush_model()
        if partner_ids is not None and not partner_ids:
            return []
        return self.env.execute_query_dict(
            SQL(
                """
            WITH open_moves AS (%(open_moves)s), %(due_levels)s
            SELECT c.partner_id, c.move_id, c.level_id, c.policy_id, c.currency_id,
                   c.amount_residual, c.amount_residual_company, c.days, c.date_due,
                   %(pause)s AS pause
              FROM candidates c
          ORDER BY c.partner_id, c.trigger_days, c.days DESC, c.move_id
                """,
                open_moves=self._b2b_sql_open_moves(
                    company, today, min_trigger, partner_ids
                ),
                due_levels=self._b2b_sql_due_levels(company, today),
                pause=self._b2b_sql_pause(company, today),
            )
        )

    @api.model
    def _b2b_min_trigger(self, company):
        """The fewest days after the due date at which a level of an active
        policy of ``company`` is due (None without any)."""
        self.env["b2b.collection.policy.level"].flush_model()
        return self.env.execute_query(
            SQL(
                """
            SELECT MIN(lv.trigger_days)
              FROM b2b_collection_policy_level lv
              JOIN b2b_collection_policy pol ON pol.id = lv.policy_id
             WHERE pol.active AND (pol.company_id IS NULL OR pol.company_id = %s)
            """,
                company.id,
            )
        )[0][0]

    @api.model
    def _b2b_sql_open_moves(self, company, today, min_trigger, partner_ids=None):
        """CTE ``open_moves``: the open invoices of ``company`` (of
        ``partner_ids``) with their oldest open instalment (an open receivable
        line) due at least ``min_trigger`` days before ``today``, or marked
        for escalation."""
        partner_filter = (
            SQL("AND m.commercial_partner_id IN %s", tuple(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        return SQL(
            """
            SELECT m.id AS move_id,
                   m.commercial_partner_id AS partner_id,
                   m.currency_id,
                   m.amount_residual,
                   m.amount_residual_signed AS amount_residual_company,
                   COALESCE(m.b2b_disputed, FALSE) AS disputed,
                   COALESCE(m.b2b_escalate, FALSE) AS escalate,
                   COALESCE(st.pause_reminders, FALSE) AS stage_paused,
                   MIN(l.date_maturity) AS date_due
              FROM account_move m
              JOIN account_move_line l ON l.move_id = m.id AND %(open_line)s
         LEFT JOIN b2b_collection_stage st ON st.id = m.b2b_collection_stage_id
             WHERE m.company_id = %(company)s
               AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.payment_state IN ('not_paid', 'partial')
               %(partner_filter)s
          GROUP BY m.id, st.pause_reminders
            HAVING %(today)s - MIN(l.date_maturity) >= %(min_trigger)s
                OR BOOL_OR(COALESCE(m.b2b_escalate, FALSE))
            """,
            open_line=self.env["account.move.line"]._b2b_sql_open_receivable("l"),
            company=company.id,
            partner_filter=partner_filter,
            today=today,
            min_trigger=min_trigger,
        )

    @api.model
    def _b2b_sql_due_levels(self, company, today):
        """CTEs ``with_policy``, ``last_sent`` and ``candidates``: for each
        open invoice (``open_moves``), the policy of its customer (or the
        company's), and the highest level of it due on ``today`` and not sent
        yet: the level its age calls for (never the lower ones it skipped), the
        next one only for an invoice marked for escalation, a courtesy level
        (due on or before the due date) only for an invoice not overdue."""
        return SQL(
            """
            with_policy AS (
                SELECT o.*,
                       %(today)s - o.date_due AS days,
                       COALESCE(p.b2b_policy_id, %(default_policy)s) AS policy_id,
                       COALESCE(p.b2b_do_not_contact, FALSE) AS do_not_contact
                  FROM open_moves o
                  JOIN res_partner p ON p.id = o.partner_id
            ), last_sent AS (
                SELECT cl.move_id, MAX(lv.trigger_days) AS last_trigger
                  FROM b2b_collection_contact_line cl
                  JOIN b2b_collection_policy_level lv ON lv.id = cl.level_id
                 WHERE cl.move_id IN (SELECT move_id FROM open_moves)
              GROUP BY cl.move_id
            ), candidates AS (
                SELECT DISTINCT ON (w.move_id)
                       w.*, lv.id AS level_id, lv.trigger_days
                  FROM with_policy w
                  JOIN b2b_collection_policy pol ON pol.id = w.policy_id AND pol.active
                  JOIN b2b_collection_policy_level lv ON lv.policy_id = w.policy_id
             LEFT JOIN last_sent ls ON ls.move_id = w.move_id
                 WHERE lv.trigger_days > COALESCE(ls.last_trigger, -2147483648)
                   -- a courtesy level (before or on the due date) only for an
                   -- invoice not overdue yet
                   AND (lv.trigger_days > 0 OR w.days <= 0)
                   AND (lv.trigger_days <= w.days
                        OR (w.escalate AND lv.trigger_days = (
                            SELECT MIN(lv2.trigger_days)
                              FROM b2b_collection_policy_level lv2
                             WHERE lv2.policy_id = w.policy_id
                               AND lv2.trigger_days > COALESCE(ls.last_trigger, -2147483648))))
              ORDER BY w.move_id, lv.trigger_days DESC
            )
            """,
            today=today,
            default_policy=company.b2b_policy_id.id or None,
        )

    @api.model
    def _b2b_sql_pause(self, company, today):
        """SQL: why the reminder of a candidate ``c`` is paused, or NULL: the
        customer is do-not-contact, the invoice disputed, its stage pauses
        reminders, or the customer promised to pay it (or everything) by a
        day not passed yet."""
        return SQL(
            """
            CASE
                WHEN c.do_not_contact THEN 'do_not_contact'
                WHEN c.disputed THEN 'disputed'
                WHEN c.stage_paused THEN 'stage'
                WHEN EXISTS (
                    SELECT 1
                      FROM b2b_collection_note n
                 LEFT JOIN b2b_collection_note_account_move_rel r
                        ON r.note_id = n.id
                     WHERE n.partner_id = c.partner_id
                       AND n.company_id = %(company)s
                       AND n.outcome = 'promised'
                       AND n.promise_state = 'open'
                       AND n.promise_date >= %(today)s
                       AND (r.move_id = c.move_id OR r.move_id IS NULL))
                THEN 'promise'
            END
            """,
            company=company.id,
            today=today,
        )

    @api.model
    def _b2b_plan(self, company, today=None, partner_ids=None):
        """The reminders due for ``company`` on ``today``: one per customer, at
        the highest level due among its invoices (each invoice listed with its
        own level), with its channels, recipient, and the reason it is paused
        (``pause``) if it is; the paused invoices of a customer in one more
        line per reason. What the preview shows and what the run sends."""
        today = today or fields.Date.context_today(self)
        rows = self._b2b_due_rows(company, today, partner_ids)
        if not rows:
            return []
        partners = self.env["res.partner"].browse({row["partner_id"] for row in rows})
        levels = self.env["b2b.collection.policy.level"].browse(
            {row["level_id"] for row in rows}
        )
        moves = self.env["account.move"].browse([row["move_id"] for row in rows])
        # prefetch what the loop below reads, in a few queries
        partners.mapped("b2b_collection_contact_id.email")
        partners.mapped("b2b_collection_stage_id.sequence")
        levels.mapped("policy_id")
        levels.mapped("stage_id")
        moves.mapped("name")
        recent = self.env["b2b.collection.contact"]._b2b_recent_counts(
            company, today, partners.ids
        )
        escalated = partners._b2b_escalated_stages()
        by_partner = defaultdict(list)
        for row in rows:
            by_partner[row["partner_id"]].append(row)
        actions = []
        for partner_id, partner_rows in by_partner.items():
            partner = partners.browse(partner_id)
            for row in partner_rows:
                if not row["pause"] and self._b2b_already_escalated(
                    escalated.get(partner_id), levels.browse(row["level_id"])
                ):
                    row["pause"] = "escalated"
            active = [row for row in partner_rows if not row["pause"]]
            paused = defaultdict(list)
            for row in partner_rows:
                if row["pause"]:
                    paused[row["pause"]].append(row)
            for pause, paused_rows in paused.items():
                actions.append(
                    self._b2b_action(partner, levels, paused_rows, pause=pause)
                )
            if active:
                action = self._b2b_action(partner, levels, active)
                action["pause"] = self._b2b_customer_pause(
                    company, today, action, recent.get(partner_id, 0)
                )
                actions.append(action)
        return actions

    @api.model
    def _b2b_already_escalated(self, stages, level):
        """Whether ``level`` escalates (to an agency, to legal) a customer that
        is there already, for some of its invoices (``stages``: the agency and
        legal stages of its open invoices): such a notice is never sent."""
        if not stages:
            return False
        if level.stage_id and (level.stage_id.is_agency or level.stage_id.is_legal):
            return any(st.sequence >= level.stage_id.sequence for st in stages)
        return bool(level.propose_agency)

    @api.model
    def _b2b_customer_pause(self, company, today, action, recent_contacts):
        """Why the one reminder of a customer is held today, or None: below the
        level's minimum, a quiet day, or the rolling 7-day contact limit."""
        level = self.env["b2b.collection.policy.level"].browse(action["level_id"])
        if company.currency_id.compare_amounts(action["amount"], level.min_amount) < 0:
            return "below_minimum"
        if company._b2b_is_quiet_day(today):
            return "quiet_day"
        limit = company.b2b_max_contacts_7d
        if limit and recent_contacts >= limit:
            return "contact_limit"
        return None

    @api.model
    def _b2b_action(self, partner, levels, rows, pause=None):
        """One reminder of ``partner``: its invoices ``rows`` (each with the
        level due for it), at the highest of those levels."""
        level = max(
            (levels.browse(row["level_id"]) for row in rows),
            key=lambda lv: (lv.trigger_days, lv.sequence, lv.id),
        )
        recipient = partner.b2b_collection_contact_id or partner
        email = level.channel_email
        letter = level.channel_letter
        call = level.channel_call
        note = False
        if email and not recipient.email:
            email = False
            letter = call = True
            note = _(
                "No email address for %(contact)s: sent as a letter and a phone "
                "call instead of an email.",
                contact=recipient.display_name,
            )
        days = max(row["days"] for row in rows)
        moves = self.env["account.move"].browse([row["move_id"] for row in rows])
        invoices = ", ".join(
            f"{move.name} ({levels.browse(row['level_id']).name})"
            for move, row in zip(moves, rows, strict=True)
        )
        return {
            "partner_id": partner.id,
            "level_id": level.id,
            "policy_id": level.policy_id.id,
            "recipient_id": recipient.id,
            "rows": rows,
            "move_ids": [row["move_id"] for row in rows],
            "amount": sum(row["amount_residual_company"] for row in rows),
            "channel_email": email,
            "channel_letter": letter,
            "channel_call": call,
            "note": note,
            "pause": pause,
            "reason": _(
                "%(level)s: the highest level due among %(count)s invoice(s), "
                "%(trigger)s days after the due date; oldest invoice %(days)s "
                "days overdue. %(invoices)s",
                level=level.name,
                count=len(rows),
                trigger=level.trigger_days,
                days=days,
                invoices=invoices,
            ),
        }

    # ------------------------------------------------------------- sending

    def _b2b_send(self, action):
        """Send the one reminder of a customer (at its highest level, each
        invoice with its own) through its channels and record it."""
        self.ensure_one()
        company = self.company_id
        partner = self.env["res.partner"].browse(action["partner_id"])
        level = self.env["b2b.collection.policy.level"].browse(action["level_id"])
        moves = self.env["account.move"].browse(action["move_ids"])
        collector = partner.b2b_collector_id or company.b2b_default_collector_id
        contact = self._b2b_create_contact(action, level, collector)
        # The unique (invoice, level) key is checked here, before anything leaves.
        contact.line_ids.flush_recordset()
        self._b2b_deliver(contact, action, partner, level, collector)
        by_level = defaultdict(list)
        for row in action["rows"]:
            by_level[row["level_id"]].append(row["move_id"])
        for level_id, move_ids in by_level.items():
            self._b2b_update_invoices(
                moves.browse(move_ids),
                self.env["b2b.collection.policy.level"].browse(level_id),
            )
        if level._b2b_has_charges():
            contact.fee_move_id = self.env[
                "b2b.collection.charge"
            ]._b2b_invoice_reminder(contact, level, self.date)
        self._b2b_escalate(partner, level)
        partner.message_post(
            body=self._b2b_partner_message(contact), subtype_xmlid="mail.mt_note"
        )
        return contact

    def _b2b_create_contact(self, action, level, collector):
        """The record of the reminder ``action`` of this run: its channels,
        recipient and invoices (one line each, with the amounts and age the
        run saw)."""
        Contact = self.env["b2b.collection.contact"].with_context(
            mail_create_nosubscribe=True, mail_create_nolog=True
        )
        return Contact.create(
            {
                "run_id": self.id,
                "company_id": self.company_id.id,
                "partner_id": action["partner_id"],
                "recipient_id": action["recipient_id"],
                "collector_id": collector.id,
                "policy_id": level.policy_id.id,
                "level_id": level.id,
                "template_id": level.mail_template_id.id
                if action["channel_email"]
                else False,
                "channel_email": action["channel_email"],
                "channel_letter": action["channel_letter"],
                "channel_call": action["channel_call"],
                "note": action["note"],
                "amount_total": action["amount"],
                "line_ids": [
                    Command.create(
                        {
                            "move_id": row["move_id"],
                            "level_id": row["level_id"],
                            "currency_id": row["currency_id"],
                            "amount_residual": row["amount_residual"],
                            "amount_residual_company": row["amount_residual_company"],
                            "days_overdue": row["days"],
                            "date_due": row["date_due"],
                        }
                    )
                    for row in action["rows"]
                ],
            }
        )

    def _b2b_deliver(self, contact, action, partner, level, collector):
        """The reminder through its channels: the email with the statement
        attached for the customers who ask for it, and the call (an activity of
        the collector). The other emails are posted with the batch's
        (``_b2b_post_emails``), the letters after the run's reminders
        (``_b2b_render_letters``)."""
        # the PDF for the customers who asked for it (or every customer, by
        # setting), with their email; the others get a link that renders it on
        # demand, in an email posted with the batch's (_b2b_post_emails)
        if action["channel_email"] and (
            self.with_statement or partner.b2b_statement_attachment
        ):
            attachments = self._b2b_render_statement(partner, contact)
            contact.statement_attached = bool(attachments)
            self._b2b_post_email(contact, level.mail_template_id, attachments)
        if action["channel_call"]:
            contact.activity_id = partner.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.date,
                summary=_("Reminder call: %(level)s", level=level.name),
                note=escape(action["note"] or action["reason"]),
                user_id=(collector or self.env.user).id,
            )

    def _b2b_update_invoices(self, moves, level):
        # Bookkeeping fields of this module only: one UPDATE, without the
        # invoice write's line synchronisation and balance checks.
        fnames = ["b2b_reminder_level_id", "b2b_last_reminder_date", "b2b_escalate"]
        moves.flush_recordset(fnames)
        self.env.execute_query(
            SQL(
                "UPDATE account_move SET b2b_reminder_level_id = %s,"
                " b2b_last_reminder_date = %s, b2b_escalate = FALSE WHERE id IN %s",
                level.id,
                self.date,
                tuple(moves.ids),
            )
        )
        moves.invalidate_recordset(fnames)
        if level.stage_id:
            # (a collections field: without the invoice write's line
            # synchronisation and balance check, still tracked)
            moves.filtered(
                lambda m: not (
                    m.b2b_collection_stage_id.pause_reminders
                    or m.b2b_collection_stage_id.is_closed
                    or m.b2b_collection_stage_id.sequence > level.stage_id.sequence
                )
            ).with_context(
                skip_invoice_sync=True, check_move_validity=False
            ).b2b_collection_stage_id = level.stage_id

    def _b2b_escalate(self, partner, level):
        if level.credit_hold:
            partner._b2b_put_on_credit_hold(
                _(
                    "%(level)s of %(date)s",
                    level=level.name,
                    date=format_date(self.env, self.date),
                )
            )
        if level.propose_agency and not partner.b2b_agency_proposed:
            partner.b2b_agency_proposed = True

    def _b2b_partner_message(self, contact):
        channels = contact.channels
        lines = [
            Markup("<b>%s</b>")
            % _(
                "%(level)s (%(channels)s) to %(contact)s",
                level=contact.level_id.name,
                channels=channels,
                contact=contact.recipient_id.display_name,
            ),
            _(
                "Invoices: %(invoices)s (%(amount)s)",
                invoices=", ".join(contact.line_ids.move_id.mapped("name")),
                amount=format_amount(
                    self.env, contact.amount_total, contact.currency_id
                ),
            ),
        ]
        if contact.channel_email:
            # said sent once the mail server took it (b2b.collection.contact.
            # _b2b_follow_deliveries)
            lines.append(_("The email is queued."))
        if contact.note:
            lines.append(contact.note)
        return Markup("<br/>").join(escape(line) for line in lines)
