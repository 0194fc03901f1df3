from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import float_compare

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

# An audit with a failed critical item, or with a score under this, fails.
PASS_SCORE = 80.0
AUDIT_RESULTS = [
    ("passed", "Passed"),
    ("findings", "Passed with findings"),
    ("failed", "Failed"),
]
LINE_RESULTS = [("pass", "Pass"), ("fail", "Fail"), ("na", "N/A")]


class B2bCollectionAuditItem(models.Model):
    """One point of the agency audit checklist. New audits list the active
    items; archiving an item leaves the audits that checked it as they are."""

    _name = "b2b.collection.audit.item"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Agency Audit Checklist Item"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, b2b_write="user")
    description = fields.Text(
        translate=True,
        help="What the auditor checks and what evidence counts.",
        b2b_write="user",
    )
    sequence = fields.Integer(default=10, b2b_write="user")
    active = fields.Boolean(default=True, b2b_write="user")
    critical = fields.Boolean(
        help="A failed critical item fails the whole audit, whatever the score.",
        b2b_write="user",
    )

    @api.constrains("name", "description")
    def _check_values(self):
        validation.check_texts(self, "name", max_length=validation.CHAR_MAX)
        validation.check_texts(self, "description")


class B2bCollectionAgencyAudit(models.Model):
    """A periodic compliance audit of a collection agency against the
    checklist.

    Score: items passed / items answered pass or fail (N/A left out) x 100.
    Result: *failed* when a critical item failed or the score is under 80%;
    *passed with findings* when some item failed otherwise; *passed* when none
    failed. See docs/agencies.md.
    """

    _name = "b2b.collection.agency.audit"
    _inherit = ["mail.thread", "mail.activity.mixin", "b2b.collection.guard.mixin"]
    _description = "Agency Audit"
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    agency_id = fields.Many2one(
        "b2b.collection.agency",
        required=True,
        index=True,
        tracking=True,
        ondelete="cascade",
        b2b_write="draft",
    )
    company_id = fields.Many2one(
        related="agency_id.company_id", store=True, index=True, precompute=True
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        b2b_write="draft",
    )
    auditor_id = fields.Many2one(
        "res.users",
        string="Auditor",
        default=lambda self: self.env.user,
        tracking=True,
        b2b_write="draft",
    )
    line_ids = fields.One2many(
        "b2b.collection.agency.audit.line",
        "audit_id",
        string="Checklist",
        copy=True,
        default=lambda self: self._default_line_ids(),
        b2b_write="draft",
    )
    state = fields.Selection(
        [("draft", "In progress"), ("done", "Done")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        b2b_write="action",
        readonly=True,
    )
    score = fields.Float(
        string="Score (%)",
        compute="_compute_result",
        store=True,
        digits=(16, 1),
        help="Items passed / items answered pass or fail x 100.",
    )
    result = fields.Selection(
        AUDIT_RESULTS, compute="_compute_result", store=True, tracking=True
    )
    finding_count = fields.Integer(
        string="Findings", compute="_compute_result", store=True
    )
    next_audit_date = fields.Date(
        compute="_compute_next_audit_date",
        store=True,
        readonly=False,
        tracking=True,
        help="When the agency is to be audited again; by default a year after "
        "this audit.",
        b2b_write="user",
    )
    note = fields.Html(string="Summary", b2b_write="draft")

    @api.depends("agency_id", "date")
    def _compute_name(self):
        for audit in self:
            audit.name = _(
                "Audit of %(agency)s, %(date)s",
                agency=audit.agency_id.name or "",
                date=audit.date or "",
            )

    @api.model
    def _default_line_ids(self):
        items = self.env["b2b.collection.audit.item"].search([])
        return [Command.create({"item_id": item.id}) for item in items]

    @api.depends("line_ids.result", "line_ids.item_id.critical")
    def _compute_result(self):
        for audit in self:
            answered = audit.line_ids.filtered(
                lambda line: line.result in ("pass", "fail")
            )
            failed = answered.filtered(lambda line: line.result == "fail")
            score = (
                100.0 * (len(answered) - len(failed)) / len(answered)
                if answered
                else 0.0
            )
            audit.finding_count = len(failed)
            audit.score = score
            if not answered:
                audit.result = False
            elif (
                any(line.item_id.critical for line in failed)
                or float_compare(score, PASS_SCORE, precision_digits=6) < 0
            ):
                audit.result = "failed"
            elif failed:
                audit.result = "findings"
            else:
                audit.result = "passed"

    @api.depends("date")
    def _compute_next_audit_date(self):
        for audit in self:
            audit.next_audit_date = audit.date and audit.date + relativedelta(years=1)

    @api.constrains("date", "next_audit_date")
    def _check_next_audit_date(self):
        validation.check_dates(self, "date", "next_audit_date")
        for audit in self:
            if audit.next_audit_date and audit.next_audit_date <= audit.date:
                raise ValidationError(
                    _("The next audit must come after this one (%s).", audit.date)
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(audit.state == "done" for audit in self):
            raise UserError(_("A completed audit cannot be deleted."))

    def action_done(self):
        for audit in self:
            if not audit.line_ids:
                raise UserError(_("%s has no checklist item.", audit.display_name))
            missing = audit.line_ids.filtered(lambda line: not line.result)
            if missing:
                raise UserError(
                    _(
                        "Answer every item of %(audit)s first: %(items)s.",
                        audit=audit.display_name,
                        items=", ".join(missing.item_id.mapped("name")),
                    )
                )
        self._b2b_write_as_action({"state": "done"})

    def action_draft(self):
        self._b2b_write_as_action({"state": "draft"})


class B2bCollectionAgencyAuditLine(models.Model):
    _name = "b2b.collection.agency.audit.line"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Agency Audit Checklist Answer"
    _order = "sequence, id"

    audit_id = fields.Many2one(
        "b2b.collection.agency.audit",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="create",
    )
    company_id = fields.Many2one(related="audit_id.company_id", store=True)
    item_id = fields.Many2one(
        "b2b.collection.audit.item",
        string="Item",
        required=True,
        ondelete="restrict",
        b2b_write="draft",
    )
    sequence = fields.Integer(related="item_id.sequence", store=True)
    critical = fields.Boolean(related="item_id.critical")
    description = fields.Text(related="item_id.description")
    result = fields.Selection(LINE_RESULTS, b2b_write="draft")
    comment = fields.Char(b2b_write="draft")

    def _b2b_is_draft(self):
        """An answer changes only while its audit is a draft."""
        return self.audit_id.state == "draft"

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_audit(self):
        if any(line.audit_id.state == "done" for line in self):
            raise UserError(_("The answers of a completed audit cannot be deleted."))

    _sql_constraints = [
        (
            "audit_item_uniq",
            "UNIQUE(audit_id, item_id)",
            "An audit checks each item once.",
        ),
    ]

    @api.constrains("comment")
    def _check_values(self):
        validation.check_texts(self, "comment", max_length=validation.CHAR_MAX)
