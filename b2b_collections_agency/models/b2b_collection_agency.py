from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import float_compare
from odoo.tools.misc import format_date

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

AGENCY_GROUP = "b2b_collections_agency.group_b2b_collection_agency"


class B2bCollectionAgency(models.Model):
    """An outside collection agency and its contract with the company: the
    commission tiers, fixed fees, licence and what debt it accepts."""

    _name = "b2b.collection.agency"
    _inherit = ["mail.thread", "mail.activity.mixin", "b2b.collection.guard.mixin"]
    _description = "Collection Agency"
    _order = "name, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Agency",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="The agency's company. Its contacts with a portal user see the "
        "placements in the agency portal.",
        b2b_write="user",
    )
    name = fields.Char(related="partner_id.name", store=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        b2b_write="user",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True, b2b_write="user")
    tier_ids = fields.One2many(
        "b2b.collection.agency.tier",
        "agency_id",
        string="Commission Tiers",
        copy=True,
        b2b_write="user",
        groups="base.group_user",
    )
    fixed_fee = fields.Monetary(
        string="Fixed Fee per Placement",
        tracking=True,
        help="Charged once per placement, recovered or not, on the agency's bill.",
        b2b_write="user",
    )
    contract_start = fields.Date(tracking=True, b2b_write="user")
    contract_end = fields.Date(
        tracking=True,
        help="No placement after this day; empty: open-ended.",
        b2b_write="user",
    )
    jurisdictions = fields.Char(
        help="Where the agency may collect, e.g. 'DE, AT, CH' or 'EU'.",
        b2b_write="user",
    )
    licence_number = fields.Char(tracking=True, b2b_write="user")
    licence_expiry = fields.Date(
        tracking=True,
        help="No placement once the licence has expired.",
        b2b_write="user",
    )
    min_debt_age = fields.Integer(
        string="Minimum Debt Age (days)",
        help="The agency is given debts overdue for at least this long: Place "
        "with Agency pre-selects only those. 0: the company's setting.",
        b2b_write="user",
    )
    max_debt_age = fields.Integer(
        string="Maximum Debt Age (days)",
        help="The agency refuses debts overdue for longer. 0: no limit.",
        b2b_write="user",
    )
    target_recovery_rate = fields.Float(
        string="Target Recovery Rate (%)",
        help="Share of the placed amount the agency is expected to recover.",
        b2b_write="user",
    )
    target_days_to_recover = fields.Integer(
        string="Target Days to First Recovery",
        help="Expected days between placement and the first recovered payment.",
        b2b_write="user",
    )
    placement_ids = fields.One2many(
        "b2b.collection.placement", "agency_id", b2b_write="action", readonly=True
    )
    placement_count = fields.Integer(compute="_compute_placement_stats")
    open_placed_amount = fields.Monetary(compute="_compute_placement_stats")
    note = fields.Html(
        string="Contract Notes", b2b_write="user", groups="base.group_user"
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "An agency has one contract per company.",
        ),
    ]

    @api.constrains("contract_start", "contract_end")
    def _check_contract_dates(self):
        for agency in self:
            if (
                agency.contract_start
                and agency.contract_end
                and agency.contract_end < agency.contract_start
            ):
                raise ValidationError(
                    _(
                        "The contract of %(agency)s ends before it starts.",
                        agency=agency.display_name,
                    )
                )

    def _b2b_min_debt_age(self, company):
        """Days overdue from which a debt goes to this agency (or to any
        agency of ``company`` when there is none)."""
        return self.min_debt_age or company.b2b_agency_min_debt_age

    @api.constrains(
        "fixed_fee",
        "min_debt_age",
        "max_debt_age",
        "target_recovery_rate",
        "target_days_to_recover",
        "contract_start",
        "contract_end",
        "licence_expiry",
        "jurisdictions",
        "licence_number",
    )
    def _check_values(self):
        validation.check_amounts(self, "fixed_fee", sign=validation.NOT_NEGATIVE)
        validation.check_days(
            self, "min_debt_age", "max_debt_age", "target_days_to_recover"
        )
        validation.check_percentages(self, "target_recovery_rate")
        validation.check_dates(self, "contract_start", "contract_end", "licence_expiry")
        validation.check_texts(
            self, "jurisdictions", "licence_number", max_length=validation.CHAR_MAX
        )

    def _compute_placement_stats(self):
        open_states = ("draft", "placed", "active")
        groups = self.env["b2b.collection.placement.line"]._read_group(
            [("placement_id.agency_id", "in", self.ids)],
            ["agency_id", "state"],
            ["placement_id:count_distinct", "placed_amount:sum"],
        )
        stats = {agency: [0, 0.0] for agency in self}
        for agency, state, count, amount in groups:
            stats[agency][0] += count
            if state in open_states:
                stats[agency][1] += amount
        for agency in self:
            agency.placement_count, agency.open_placed_amount = stats[agency]

    # ----------------------------------------------------------------- checks

    def _b2b_check_can_place(self, on_date):
        """Refuse a placement on ``on_date`` with an expired licence, outside
        the contract, or an archived agency."""
        self.ensure_one()
        if not self.active:
            raise UserError(_("The agency %s is archived.", self.display_name))
        if self.licence_expiry and self.licence_expiry < on_date:
            raise UserError(
                _(
                    "The licence of %(agency)s expired on %(date)s: no placement "
                    "until it is renewed.",
                    agency=self.display_name,
                    date=format_date(self.env, self.licence_expiry),
                )
            )
        if self.contract_start and self.contract_start > on_date:
            raise UserError(
                _(
                    "The contract with %(agency)s starts on %(date)s.",
                    agency=self.display_name,
                    date=format_date(self.env, self.contract_start),
                )
            )
        if self.contract_end and self.contract_end < on_date:
            raise UserError(
                _(
                    "The contract with %(agency)s ended on %(date)s.",
                    agency=self.display_name,
                    date=format_date(self.env, self.contract_end),
                )
            )

    def _b2b_commission_rate(self, debt_age, amount):
        """The commission rate (%) of a placement of ``amount`` (company
        currency) whose oldest invoice is ``debt_age`` days overdue. An agency
        without tiers charges no commission (fixed fee only)."""
        self.ensure_one()
        if not self.tier_ids:
            return 0.0
        tier = self.tier_ids.filtered(lambda t: t._b2b_matches(debt_age, amount))[:1]
        if not tier:
            raise UserError(
                _(
                    "No commission tier of %(agency)s covers a debt %(age)s days "
                    "overdue of %(amount)s. Add a tier to the agency's terms.",
                    agency=self.display_name,
                    age=debt_age,
                    amount=self.currency_id.format(amount),
                )
            )
        return tier.rate

    # ---------------------------------------------------------------- actions

    def action_open_placements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_agency.b2b_collection_placement_action"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        action["context"] = {"default_agency_id": self.id}
        return action

    # ------------------------------------------------------------ portal access

    @api.model_create_multi
    def create(self, vals_list):
        agencies = super().create(vals_list)
        agencies._b2b_sync_portal_users()
        return agencies

    def write(self, vals):
        res = super().write(vals)
        if "partner_id" in vals:
            self._b2b_sync_portal_users()
        return res

    def _b2b_portal_users(self):
        """The active portal users of the agencies' companies and contacts."""
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "in", self.partner_id.ids),
                    ("share", "=", True),
                ]
            )
        )
        return users.filtered(lambda user: user._is_portal())

    def _b2b_sync_portal_users(self):
        """Put the portal users of the agencies in the agency portal group
        (internal users never: the agency rules would narrow what they see)."""
        users = self._b2b_portal_users()
        group = self.env.ref(AGENCY_GROUP)
        missing = users.filtered(lambda user: group not in user.groups_id)
        if missing:
            missing.write({"groups_id": [Command.link(group.id)]})
        return users

    def action_b2b_grant_portal_access(self):
        """Open the standard portal access wizard on the agency's company and
        its contacts; granting access there makes them agency portal users."""
        self.ensure_one()
        return (
            self.env["portal.wizard"]
            .with_context(active_model="res.partner", active_ids=self.partner_id.ids)
            .action_open_wizard()
        )


class B2bCollectionAgencyTier(models.Model):
    """A contingency commission rate for debts of an age band (days overdue
    at placement, both ends included) and an amount band (from the minimum
    included to the maximum excluded). 0 as a maximum means no limit. Tiers
    of an agency never overlap, so a placement has exactly one rate."""

    _name = "b2b.collection.agency.tier"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Agency Commission Tier"
    _order = "agency_id, min_age, min_amount, id"

    agency_id = fields.Many2one(
        "b2b.collection.agency",
        required=True,
        ondelete="cascade",
        index=True,
        b2b_write="user",
    )
    company_id = fields.Many2one(related="agency_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="agency_id.currency_id")
    min_age = fields.Integer(string="From Days Overdue", b2b_write="user")
    max_age = fields.Integer(
        string="To Days Overdue", help="0: no limit.", b2b_write="user"
    )
    min_amount = fields.Monetary(string="From Amount", b2b_write="user")
    max_amount = fields.Monetary(
        string="To Amount (excl.)", help="0: no limit.", b2b_write="user"
    )
    rate = fields.Float(
        string="Commission (%)", required=True, digits=(5, 2), b2b_write="user"
    )

    def _age_range(self):
        return self.min_age, self.max_age or float("inf")

    def _amount_range(self):
        return self.min_amount, self.max_amount or float("inf")

    def _b2b_matches(self, debt_age, amount):
        low, high = self._age_range()
        return (
            low <= debt_age <= high
            and float_compare(amount, self.min_amount, precision_digits=2) >= 0
            and (
                not self.max_amount
                or float_compare(amount, self.max_amount, precision_digits=2) < 0
            )
        )

    @api.constrains("min_age", "max_age", "min_amount", "max_amount", "rate")
    def _check_tiers(self):
        validation.check_days(self, "min_age", "max_age")
        validation.check_amounts(
            self, "min_amount", "max_amount", sign=validation.NOT_NEGATIVE
        )
        validation.check_percentages(self, "rate")
        for tier in self:
            if tier.max_age and tier.max_age < tier.min_age:
                raise ValidationError(
                    _(
                        "A commission tier's age band ends (%(max)s days) before it "
                        "starts (%(min)s days).",
                        max=tier.max_age,
                        min=tier.min_age,
                    )
                )
            if tier.max_amount and tier.max_amount <= tier.min_amount:
                raise ValidationError(
                    _("A commission tier's amount band must end above where it starts.")
                )
        for agency in self.agency_id:
            tiers = agency.tier_ids.sorted(lambda t: (t.min_age, t.min_amount, t.id))
            for i, tier in enumerate(tiers):
                for other in tiers[i + 1 :]:
                    if tier._b2b_overlaps(other):
                        raise ValidationError(
                            _(
                                "The commission tiers of %(agency)s overlap: "
                                "%(first)s and %(second)s. A debt must fall in "
                                "exactly one tier.",
                                agency=agency.display_name,
                                first=tier._b2b_label(),
                                second=other._b2b_label(),
                            )
                        )

    def _b2b_overlaps(self, other):
        low, high = self._age_range()
        other_low, other_high = other._age_range()
        amount_low, amount_high = self._amount_range()
        other_amount_low, other_amount_high = other._amount_range()
        return (
            low <= other_high
            and other_low <= high
            and amount_low < other_amount_high
            and other_amount_low < amount_high
        )

    def _b2b_label(self):
        """E.g. '91-180 days overdue, under $ 5,000.00: 18%'."""
        age = (
            f"{self.min_age}-{self.max_age} days overdue"
            if self.max_age
            else f"{self.min_age}+ days overdue"
        )
        fmt = self.currency_id.format
        if self.min_amount and self.max_amount:
            amount = f"{fmt(self.min_amount)} to under {fmt(self.max_amount)}"
        elif self.max_amount:
            amount = f"under {fmt(self.max_amount)}"
        elif self.min_amount:
            amount = f"{fmt(self.min_amount)} and more"
        else:
            amount = "any amount"
        return f"{age}, {amount}: {self.rate:g}%"

    @api.depends("min_age", "max_age", "min_amount", "max_amount", "rate")
    def _compute_display_name(self):
        for tier in self:
            tier.display_name = tier._b2b_label()
