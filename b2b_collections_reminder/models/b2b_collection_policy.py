from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

INTEREST_MODES = [
    ("none", "No interest"),
    ("annual", "Annual rate, pro rata per day"),
    ("eu_statutory", "EU statutory (compensation + reference rate + margin)"),
]


class B2bCollectionPolicy(models.Model):
    """A reminder ladder: ordered levels, each with its trigger, channels,
    stage, fees and escalation."""

    _name = "b2b.collection.policy"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collection Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, b2b_write="user")
    sequence = fields.Integer(default=10, b2b_write="user")
    active = fields.Boolean(default=True, b2b_write="user")
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the policy between companies.",
        b2b_write="user",
    )
    level_ids = fields.One2many(
        "b2b.collection.policy.level",
        "policy_id",
        string="Levels",
        copy=True,
        b2b_write="user",
    )
    level_count = fields.Integer(compute="_compute_level_count")
    description = fields.Text(translate=True, b2b_write="user")

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.constrains("name", "description")
    def _check_values(self):
        validation.check_texts(self, "name", max_length=validation.CHAR_MAX)
        validation.check_texts(self, "description")

    @api.constrains("level_ids")
    def _check_level_order(self):
        for policy in self:
            policy.level_ids._check_order_within_policy()


class B2bCollectionPolicyLevel(models.Model):
    """One step of a ladder. ``trigger_days`` counts from the due date of the
    invoice's oldest unpaid instalment; negative values send a courtesy reminder
    before the due date."""

    _name = "b2b.collection.policy.level"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collection Policy Level"
    _order = "policy_id, sequence, trigger_days, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "b2b.collection.policy",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="user",
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    sequence = fields.Integer(default=10, b2b_write="user")
    name = fields.Char(required=True, translate=True, b2b_write="user")
    trigger_days = fields.Integer(
        string="Days After Due Date",
        required=True,
        help="Days after the due date from which the level is sent; negative for "
        "a courtesy reminder before the due date.",
        b2b_write="user",
    )
    min_amount = fields.Float(
        string="Minimum Amount",
        digits="Account",
        help="Tolerance: no reminder at this level when the customer owes less "
        "than this (company currency) on the invoices concerned.",
        b2b_write="user",
    )
    channel_email = fields.Boolean(string="Email", default=True, b2b_write="user")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "b2b.collection.contact")],
        b2b_write="user",
    )
    channel_letter = fields.Boolean(string="Letter", b2b_write="user")
    channel_call = fields.Boolean(string="Phone Call", b2b_write="user")
    stage_id = fields.Many2one(
        "b2b.collection.stage",
        string="Set Stage",
        check_company=True,
        help="Stage the invoices move to when this level is sent.",
        b2b_write="user",
    )
    fee_fixed = fields.Float(string="Fixed Fee", digits="Account", b2b_write="user")
    fee_percent = fields.Float(
        string="Fee (% of Overdue)", digits=(16, 2), b2b_write="user"
    )
    interest_mode = fields.Selection(
        INTEREST_MODES,
        string="Interest",
        default="none",
        required=True,
        b2b_write="user",
    )
    interest_rate = fields.Float(
        string="Annual Interest (%)",
        digits=(16, 4),
        help="Yearly rate of 'Annual rate' interest, pro rata per day (365 days a "
        "year).",
        b2b_write="user",
    )
    reference_currency_id = fields.Many2one(
        "res.currency",
        string="Reference Rate Of",
        default=lambda self: self.env.ref("base.EUR", raise_if_not_found=False),
        help="EU statutory rule: the central bank whose reference rate applies, by "
        "its currency (EUR: the ECB main refinancing rate). The rates are kept in "
        "Collections > Configuration > Reference Rates; the rate in force on 1 "
        "January or 1 July applies to the whole half-year.",
        b2b_write="user",
    )
    interest_margin = fields.Float(
        string="Margin (%)",
        digits=(16, 4),
        default=8.0,
        help="EU statutory rule: points added to the reference rate (8 in the "
        "Late Payment Directive).",
        b2b_write="user",
    )
    compensation_fixed = fields.Float(
        string="Fixed Compensation per Invoice",
        digits="Account",
        default=40.0,
        help="EU statutory rule: flat recovery cost per invoice (EUR 40 in the "
        "Late Payment Directive), charged once per invoice, converted into the "
        "company currency at the rate of the day it is charged.",
        b2b_write="user",
    )
    compensation_currency_id = fields.Many2one(
        "res.currency",
        string="Compensation Currency",
        default=lambda self: self.env.ref("base.EUR", raise_if_not_found=False),
        help="Currency of the fixed compensation (EUR in the Late Payment "
        "Directive).",
        b2b_write="user",
    )
    credit_hold = fields.Boolean(
        help="Put the customer on credit hold when this level is sent.",
        b2b_write="user",
    )
    propose_agency = fields.Boolean(
        help="Propose placing the debt with a collection agency when this level "
        "is sent.",
        b2b_write="user",
    )

    @api.constrains(
        "name",
        "min_amount",
        "fee_fixed",
        "compensation_fixed",
        "fee_percent",
        "interest_rate",
        "interest_margin",
    )
    def _check_values(self):
        validation.check_texts(self, "name", max_length=validation.CHAR_MAX)
        validation.check_amounts(
            self,
            "min_amount",
            "fee_fixed",
            "compensation_fixed",
            sign=validation.NOT_NEGATIVE,
        )
        validation.check_percentages(
            self, "fee_percent", "interest_rate", "interest_margin"
        )

    @api.constrains(
        "interest_mode",
        "reference_currency_id",
        "compensation_fixed",
        "compensation_currency_id",
    )
    def _check_statutory(self):
        for level in self.filtered(lambda lv: lv.interest_mode == "eu_statutory"):
            if not level.reference_currency_id:
                raise ValidationError(
                    _(
                        "Level %(level)s follows the EU statutory rule: choose the "
                        "currency of its reference rate (EUR for the ECB rate).",
                        level=level.name,
                    )
                )
            if level.compensation_fixed and not level.compensation_currency_id:
                raise ValidationError(
                    _(
                        "Level %(level)s charges a fixed compensation: choose its "
                        "currency.",
                        level=level.name,
                    )
                )

    @api.constrains(
        "channel_email", "channel_letter", "channel_call", "mail_template_id"
    )
    def _check_channels(self):
        for level in self:
            if not (level.channel_email or level.channel_letter or level.channel_call):
                raise ValidationError(
                    _("Level %(level)s needs at least one channel.", level=level.name)
                )
            if level.channel_email and not level.mail_template_id:
                raise ValidationError(
                    _(
                        "Level %(level)s sends emails: choose its email template.",
                        level=level.name,
                    )
                )

    @api.constrains(
        "fee_fixed", "fee_percent", "interest_mode", "company_id", "policy_id"
    )
    def _check_fee_account(self):
        for level in self.filtered(lambda lv: lv._b2b_has_charges()):
            companies = level.company_id or self.env["res.company"].search([])
            missing = companies.filtered(lambda c: not c.b2b_fee_account_id)
            if missing:
                raise ValidationError(
                    _(
                        "Level %(level)s charges fees or interest: set the late fee "
                        "income account of %(companies)s in the Collections settings "
                        "first.",
                        level=level.name,
                        companies=", ".join(missing.mapped("name")),
                    )
                )

    @api.constrains("trigger_days", "sequence", "policy_id")
    def _check_order(self):
        # a level out of range is refused as such, not as out of order
        validation.check_days(self, "trigger_days", bounds=validation.DAYS_TRIGGER)
        self.policy_id.level_ids._check_order_within_policy()

    def _check_order_within_policy(self):
        for policy in self.policy_id:
            levels = policy.level_ids.sorted(lambda lv: (lv.sequence, lv.id))
            days = levels.mapped("trigger_days")
            if len(set(days)) != len(days):
                raise ValidationError(
                    _(
                        "Two levels of %(policy)s have the same number of days.",
                        policy=policy.name,
                    )
                )
            if days != sorted(days):
                raise ValidationError(
                    _(
                        "The levels of %(policy)s are out of order: each level must "
                        "come more days after the due date than the one before "
                        "(%(days)s).",
                        policy=policy.name,
                        days=", ".join(str(d) for d in days),
                    )
                )

    def _b2b_has_charges(self):
        self.ensure_one()
        return bool(self.fee_fixed or self.fee_percent or self.interest_mode != "none")
