from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.tools.misc import format_date

from .b2b_collection_agency_audit import AUDIT_RESULTS

# Alert this many days before a licence or a contract ends.
ALERT_DAYS = 30


class B2bCollectionAgency(models.Model):
    """Compliance of an agency: its audits, the feedback on its placements,
    and the daily alerts on licence and contract expiry and overdue audits."""

    _inherit = "b2b.collection.agency"

    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        domain="[('share', '=', False)]",
        help="Gets the compliance alerts of the agency; empty: a collections "
        "manager of the company.",
        b2b_write="user",
        groups="base.group_user",
    )
    audit_ids = fields.One2many(
        "b2b.collection.agency.audit",
        "agency_id",
        b2b_write="action",
        readonly=True,
        groups="base.group_user",
    )
    audit_count = fields.Integer(
        compute="_compute_audit_count", groups="base.group_user"
    )
    last_audit_id = fields.Many2one(
        "b2b.collection.agency.audit",
        compute="_compute_last_audit",
        store=True,
        string="Last Audit",
        groups="base.group_user",
    )
    last_audit_date = fields.Date(
        compute="_compute_last_audit", store=True, groups="base.group_user"
    )
    last_audit_result = fields.Selection(
        AUDIT_RESULTS,
        compute="_compute_last_audit",
        store=True,
        groups="base.group_user",
    )
    next_audit_date = fields.Date(
        compute="_compute_last_audit",
        store=True,
        string="Next Audit Due",
        help="From the last completed audit.",
        groups="base.group_user",
    )
    feedback_count = fields.Integer(
        compute="_compute_feedback_summary", groups="base.group_user"
    )
    feedback_avg_rating = fields.Float(
        string="Average Rating",
        compute="_compute_feedback_summary",
        digits=(16, 2),
        groups="base.group_user",
    )
    complaint_count = fields.Integer(
        string="Complaints",
        compute="_compute_feedback_summary",
        groups="base.group_user",
    )
    # what the alerts were last sent about, so that they are sent once
    alert_licence_expiry = fields.Date(
        readonly=True, copy=False, b2b_write="action", groups="base.group_user"
    )
    alert_contract_end = fields.Date(
        readonly=True, copy=False, b2b_write="action", groups="base.group_user"
    )
    alert_audit_date = fields.Date(
        readonly=True, copy=False, b2b_write="action", groups="base.group_user"
    )

    def _compute_audit_count(self):
        counts = dict(
            self.env["b2b.collection.agency.audit"]._read_group(
                [("agency_id", "in", self.ids)], ["agency_id"], ["__count"]
            )
        )
        for agency in self:
            agency.audit_count = counts.get(agency, 0)

    @api.depends(
        "audit_ids.state",
        "audit_ids.date",
        "audit_ids.result",
        "audit_ids.next_audit_date",
    )
    def _compute_last_audit(self):
        for agency in self:
            done = agency.audit_ids.filtered(lambda a: a.state == "done")
            last = done.sorted(lambda a: (a.date, a.id), reverse=True)[:1]
            agency.last_audit_id = last
            agency.last_audit_date = last.date
            agency.last_audit_result = last.result
            agency.next_audit_date = last.next_audit_date

    def _compute_feedback_summary(self):
        summary = self.env["b2b.collection.placement.feedback"]._b2b_summary(self)
        for agency in self:
            figures = summary[agency]
            agency.feedback_count = figures["count"]
            agency.feedback_avg_rating = figures["avg_rating"] or 0.0
            agency.complaint_count = figures["complaints"]

    # ---------------------------------------------------------------- actions

    def action_open_audits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_agency.b2b_collection_agency_audit_action"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        action["context"] = {
            "default_agency_id": self.id,
            "default_company_id": self.company_id.id,
        }
        return action

    def action_open_feedback(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_agency.b2b_collection_placement_feedback_action"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        return action

    # ----------------------------------------------------------------- alerts

    @api.model
    def _cron_b2b_agency_alerts(self):
        """Schedule one compliance activity per agency when its licence or
        its contract ends within 30 days, or its audit is overdue.

        Each alert is sent once per date (remembered in ``alert_*``): running
        again the same day, or the next days, adds nothing; a renewed licence
        or contract, or a new audit date, alerts again when its turn comes.
        New reasons for an agency that already has an open compliance activity
        are added to its note instead of a second activity."""
        today = fields.Date.context_today(self)
        soon = today + timedelta(days=ALERT_DAYS)
        agencies = self.search(
            [
                "|",
                "|",
                "&",
                ("licence_expiry", ">=", today),
                ("licence_expiry", "<=", soon),
                "&",
                ("contract_end", ">=", today),
                ("contract_end", "<=", soon),
                ("next_audit_date", "<", today),
            ]
        )
        if not agencies:
            return 0
        activity_type = self.env.ref(
            "b2b_collections_agency.mail_activity_type_agency_compliance"
        )
        Activity = self.env["mail.activity"]
        open_activities = {
            activity.res_id: activity
            for activity in Activity.search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", agencies.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        }
        managers = self.env.ref(
            "b2b_collections.group_b2b_collection_manager"
        ).users.filtered(lambda user: user.active and not user.share)
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for agency in agencies:
            reasons, marks, deadlines = agency._b2b_alert_reasons(today, soon)
            if not reasons:
                continue
            agency._b2b_write_as_action(marks)
            note = Markup("<br/>").join(escape(reason) for reason in reasons)
            activity = open_activities.get(agency.id)
            if activity:
                activity.note = Markup("%s<br/>%s") % (activity.note or "", note)
                continue
            user = (
                agency.user_id
                or managers.filtered(
                    lambda u, company=agency.company_id: company in u.company_ids
                ).sorted("id")[:1]
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": agency.id,
                    "activity_type_id": activity_type.id,
                    "summary": _("Agency compliance: %s", agency.name),
                    "note": note,
                    "date_deadline": min(deadlines),
                    "user_id": (user or self.env.user).id,
                }
            )
        Activity.create(vals_list)
        return len(vals_list)

    def _b2b_alert_reasons(self, today, soon):
        """The alerts due for this agency: (reasons, the ``alert_*`` values
        that record them as sent, their deadlines)."""
        self.ensure_one()
        reasons, marks, deadlines = [], {}, []
        checks = [
            (
                "licence_expiry",
                "alert_licence_expiry",
                today <= (self.licence_expiry or today - timedelta(days=1)) <= soon,
                _(
                    "The licence %(number)s expires on %(date)s.",
                    number=self.licence_number or "",
                    date=format_date(self.env, self.licence_expiry),
                ),
            ),
            (
                "contract_end",
                "alert_contract_end",
                today <= (self.contract_end or today - timedelta(days=1)) <= soon,
                _(
                    "The contract ends on %(date)s.",
                    date=format_date(self.env, self.contract_end),
                ),
            ),
            (
                "next_audit_date",
                "alert_audit_date",
                bool(self.next_audit_date) and self.next_audit_date < today,
                _(
                    "The audit was due on %(date)s.",
                    date=format_date(self.env, self.next_audit_date),
                ),
            ),
        ]
        for fname, mark, due, reason in checks:
            if due and self[mark] != self[fname]:
                reasons.append(reason)
                marks[mark] = self[fname]
                deadlines.append(max(self[fname], today))
        return reasons, marks, deadlines


class B2bCollectionPlacement(models.Model):
    _inherit = "b2b.collection.placement"

    feedback_ids = fields.One2many(
        "b2b.collection.placement.feedback",
        "placement_id",
        string="Feedback",
        b2b_write="action",
        readonly=True,
        groups="base.group_user",
    )
