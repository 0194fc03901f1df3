from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools.misc import format_amount, format_date

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation

SETTLEMENT_STATES = [
    ("draft", "Draft"),
    ("proposed", "To Approve"),
    ("approved", "Approved"),
    ("paid", "Paid"),
    ("written_off", "Written Off"),
    ("cancelled", "Cancelled"),
]
MANAGER_GROUP = "b2b_collections.group_b2b_collection_manager"


class B2bCollectionSettlement(models.Model):
    """The customer pays an agreed reduced amount; once it is paid, and a
    collections manager has approved it, the remainder of the invoices is
    written off to the company's bad debt account with one journal entry
    reconciled with each invoice."""

    _name = "b2b.collection.settlement"
    _inherit = ["b2b.collection.payment.mixin"]
    _description = "Collections Settlement"
    _order = "agreement_date desc, id desc"
    _check_company_auto = True
    _b2b_payments_since = "agreement_date"
    _b2b_sequence_code = "b2b.collection.settlement"
    _b2b_sequence_date_field = "agreement_date"

    move_ids = fields.Many2many(
        relation="b2b_collection_settlement_account_move_rel",
        column1="settlement_id",
        column2="move_id",
    )
    settled_amount = fields.Monetary(
        tracking=True,
        help="What the customer pays to settle the debt.",
        b2b_write="draft",
    )
    writeoff_amount = fields.Monetary(
        string="Remainder",
        compute="_compute_writeoff_amount",
        store=True,
        help="Debt minus the settled amount: written off once the settled "
        "amount is paid.",
    )
    agreement_date = fields.Date(
        string="Agreed On",
        required=True,
        default=fields.Date.context_today,
        help="Payments dated from this day on count toward the settlement.",
        b2b_write="draft",
    )
    due_date = fields.Date(string="Pay By", tracking=True, b2b_write="draft")
    state = fields.Selection(
        SETTLEMENT_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        b2b_write="action",
    )
    approved_by_id = fields.Many2one(
        "res.users",
        string="Approved By",
        readonly=True,
        copy=False,
        b2b_write="action",
        tracking=True,
    )
    approval_date = fields.Date(
        string="Approved On",
        readonly=True,
        copy=False,
        b2b_write="action",
        tracking=True,
    )
    writeoff_move_id = fields.Many2one(
        "account.move",
        string="Write-off Entry",
        readonly=True,
        copy=False,
        check_company=True,
        b2b_write="action",
    )

    # ----------------------------------------------------------------- computes

    @api.depends("debt_amount", "settled_amount")
    def _compute_writeoff_amount(self):
        for settlement in self:
            settlement.writeoff_amount = settlement.currency_id.round(
                settlement.debt_amount - settlement.settled_amount
            )

    # -------------------------------------------------------------- constraints

    @api.constrains("settled_amount", "debt_amount")
    def _check_settled_amount(self):
        validation.check_amounts(self, "settled_amount")
        for settlement in self:
            currency = settlement.currency_id
            if currency.compare_amounts(settlement.settled_amount, 0.0) <= 0:
                raise ValidationError(
                    _(
                        "The settled amount must be positive (got %(amount)s).",
                        amount=format_amount(
                            self.env, settlement.settled_amount, currency
                        ),
                    )
                )
            if (
                currency.compare_amounts(
                    settlement.settled_amount, settlement.debt_amount
                )
                >= 0
            ):
                raise ValidationError(
                    _(
                        "The settled amount %(settled)s must be lower than the "
                        "debt %(debt)s: a settlement gives up part of the debt.",
                        settled=format_amount(
                            self.env, settlement.settled_amount, currency
                        ),
                        debt=format_amount(self.env, settlement.debt_amount, currency),
                    )
                )

    def _b2b_contact_refusal(self, customer, contact):
        return _(
            "Settle with the customer %(customer)s, not with its "
            "contact %(contact)s.",
            customer=customer,
            contact=contact,
        )

    @api.constrains("agreement_date", "due_date", "note")
    def _check_values(self):
        validation.check_dates(self, "agreement_date", "due_date")
        validation.check_texts(self, "note")

    # ------------------------------------------------------------------- CRUD

    def _b2b_was_agreed(self):
        # a settlement that was proposed is evidence of the negotiation
        return super()._b2b_was_agreed() or bool(self.approved_by_id)

    def _b2b_unlink_refusal(self):
        return _(
            "Only draft settlements can be deleted; cancel the others "
            "(they stay on record)."
        )

    # ---------------------------------------------------------------- actions

    def action_propose(self):
        for settlement in self:
            if settlement.state != "draft":
                raise UserError(_("Only a draft settlement can be submitted."))
            if not settlement.move_ids:
                raise UserError(_("Choose the invoices the settlement covers."))
            closed = settlement.move_ids.filtered(
                lambda m: not m._b2b_is_open_invoice()
            )
            if closed:
                raise UserError(
                    _(
                        "Invoices %(invoices)s are not open posted customer invoices.",
                        invoices=", ".join(closed.mapped("display_name")),
                    )
                )
        settlement_stage = self.env["b2b.collection.stage"]._b2b_stage("settlement")
        for settlement in self:
            # the debt is the residual at the agreement; the constraint checks
            # the settled amount against it before anything is kept
            settlement._b2b_write_as_action(
                {
                    "state": "proposed",
                    "debt_amount": settlement._b2b_open_residual(),
                    "previous_stages": settlement._b2b_stages_of(settlement.move_ids),
                }
            )
            # reminders wait while the settlement is negotiated and paid
            settlement._b2b_park_invoices(settlement.move_ids, settlement_stage)
            settlement.message_post(
                body=_(
                    "Settlement proposed: %(settled)s for a debt of %(debt)s; "
                    "%(remainder)s to write off once paid.",
                    settled=format_amount(
                        self.env, settlement.settled_amount, settlement.currency_id
                    ),
                    debt=format_amount(
                        self.env, settlement.debt_amount, settlement.currency_id
                    ),
                    remainder=format_amount(
                        self.env, settlement.writeoff_amount, settlement.currency_id
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_approve(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only a collections manager can approve a settlement's write-off.")
            )
        if any(s.state != "proposed" for s in self):
            raise UserError(_("Only a proposed settlement can be approved."))
        self._b2b_write_as_action(
            {
                "state": "approved",
                "approved_by_id": self.env.user.id,
                "approval_date": fields.Date.context_today(self),
            }
        )
        for settlement in self:
            settlement.message_post(
                body=_(
                    "Write-off of %(remainder)s approved.",
                    remainder=format_amount(
                        self.env, settlement.writeoff_amount, settlement.currency_id
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._b2b_update_from_payments()
        return True

    def action_update_from_payments(self):
        running = self.filtered(lambda s: s.state in ("proposed", "approved", "paid"))
        if not running:
            raise UserError(_("Only agreed settlements follow payments."))
        running._b2b_update_from_payments()
        return True

    def _b2b_update_from_payments(self):
        """Payments since each agreement, in one query; an approved settlement
        whose settled amount is paid becomes Paid."""
        running = self.filtered(lambda s: s.state in ("proposed", "approved", "paid"))
        if not running:
            return running
        payments = self._b2b_payment_rows(running)
        for settlement in running:
            currency = settlement.currency_id
            paid = currency.round(
                sum(amount for __, amount in payments.get(settlement.id, []))
            )
            vals = {}
            if currency.compare_amounts(paid, settlement.paid_amount) != 0:
                vals["paid_amount"] = paid
            if (
                settlement.state == "approved"
                and currency.compare_amounts(paid, settlement.settled_amount) >= 0
            ):
                vals["state"] = "paid"
            if vals:
                settlement._b2b_write_as_action(vals)
        return running

    def action_cancel(self):
        if any(s.state in ("written_off", "cancelled") for s in self):
            raise UserError(
                _("A written-off or cancelled settlement cannot be cancelled.")
            )
        if any(s.state in ("approved", "paid") for s in self) and not (
            self.env.user.has_group(MANAGER_GROUP)
        ):
            raise AccessError(
                _("Only a collections manager can cancel an approved settlement.")
            )
        settlement_stage = self.env["b2b.collection.stage"]._b2b_stage("settlement")
        for settlement in self:
            was_agreed = settlement.state != "draft"
            settlement._b2b_write_as_action({"state": "cancelled"})
            if was_agreed and settlement_stage:
                settlement._b2b_unpark_invoices(settlement_stage)
        return True

    def action_draft(self):
        if any(s.state != "cancelled" for s in self):
            raise UserError(_("Only a cancelled settlement can be set back to draft."))
        # the earlier approval stays in the chatter (tracked); a new one is needed
        self._b2b_write_as_action(
            {
                "state": "draft",
                "approved_by_id": False,
                "approval_date": False,
                "paid_amount": 0.0,
            }
        )
        return True

    def action_open_writeoff_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "res_id": self.writeoff_move_id.id,
        }

    # -------------------------------------------------------------- write-off

    def _b2b_check_write_off(self):
        """Every reason the remainder cannot be written off, before anything
        is written."""
        for settlement in self:
            company = settlement.company_id
            currency = settlement.currency_id
            if settlement.state not in ("approved", "paid"):
                raise UserError(
                    _(
                        "Settlement %(name)s must be approved by a collections "
                        "manager before its remainder is written off.",
                        name=settlement.name,
                    )
                )
            if (
                currency.compare_amounts(
                    settlement.paid_amount, settlement.settled_amount
                )
                < 0
            ):
                raise UserError(
                    _(
                        "The settled amount is not paid yet: %(paid)s of "
                        "%(settled)s received since %(date)s.",
                        paid=format_amount(self.env, settlement.paid_amount, currency),
                        settled=format_amount(
                            self.env, settlement.settled_amount, currency
                        ),
                        date=format_date(self.env, settlement.agreement_date),
                    )
                )
            account = company.b2b_bad_debt_account_id
            journal = company.b2b_writeoff_journal_id
            if not account or not journal:
                raise UserError(
                    _(
                        "Set the bad debt account and the write-off journal of "
                        "%(company)s in the Collections settings before writing "
                        "off a settlement.",
                        company=company.name,
                    )
                )
            if journal.company_id != company or (
                company.root_id not in account.company_ids
                and company not in account.company_ids
            ):
                raise UserError(
                    _(
                        "The bad debt account and the write-off journal must "
                        "belong to %(company)s.",
                        company=company.name,
                    )
                )
            if not settlement._b2b_open_receivable_lines():
                raise UserError(
                    _(
                        "The invoices of %(name)s are paid in full: nothing is "
                        "left to write off.",
                        name=settlement.name,
                    )
                )

    def _b2b_open_receivable_lines(self):
        self.ensure_one()
        return self.move_ids.line_ids._b2b_open_receivable()

    def action_write_off(self):
        """One entry per settlement in the write-off journal: the bad debt
        account is debited with the total, the receivable of each invoice is
        credited with its open residual (in the invoice's currency, so that a
        foreign-currency invoice is left fully reconciled), then each credit is
        reconciled with its invoice."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only a collections manager can write off a settlement's remainder.")
            )
        self._b2b_update_from_payments()
        self._b2b_check_write_off()
        written_off = self.env["b2b.collection.stage"]._b2b_stage("written_off")
        for settlement in self:
            open_lines = settlement._b2b_open_receivable_lines()
            groups = defaultdict(lambda: self.env["account.move.line"])
            for line in open_lines:
                groups[(line.move_id, line.account_id, line.currency_id)] |= line
            entry, total = settlement._b2b_post_write_off_entry(groups)
            # lines are created in order: the debit, then one credit per group
            credit_lines = entry.line_ids.sorted("id")[1:]
            for lines, counterpart in zip(groups.values(), credit_lines, strict=True):
                (lines | counterpart).reconcile()
            if written_off:
                open_lines.move_id.b2b_collection_stage_id = written_off
            settlement._b2b_write_as_action(
                {"state": "written_off", "writeoff_move_id": entry.id}
            )
            settlement._b2b_post_written_off(entry, total)
        return True

    def _b2b_post_write_off_entry(self, groups):
        """The posted write-off entry of the open receivable lines ``groups``
        ({(invoice, account, currency): lines}), and its total: first the bad
        debt debit, then one credit per group, in the order of ``groups``."""
        self.ensure_one()
        company = self.company_id
        line_vals = [
            self._b2b_write_off_credit(move, account, currency, lines)
            for (move, account, currency), lines in groups.items()
        ]
        total = company.currency_id.round(sum(-vals["balance"] for vals in line_vals))
        line_vals.insert(
            0,
            {
                "name": _(
                    "Settlement %(name)s: bad debt of %(customer)s",
                    name=self.name,
                    customer=self.partner_id.display_name,
                ),
                "account_id": company.b2b_bad_debt_account_id.id,
                "partner_id": self.partner_id.id,
                "currency_id": company.currency_id.id,
                "amount_currency": total,
                "balance": total,
            },
        )
        entry = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company.b2b_writeoff_journal_id.id,
                    "date": fields.Date.context_today(self),
                    "ref": _("Write-off of settlement %(name)s", name=self.name),
                    "line_ids": [Command.create(vals) for vals in line_vals],
                }
            )
        )
        entry.action_post()
        return entry, total

    def _b2b_write_off_credit(self, move, account, currency, lines):
        """The credit clearing the open receivable ``lines`` of ``move``."""
        company_currency = self.company_id.currency_id
        balance = company_currency.round(sum(lines.mapped("amount_residual")))
        amount_currency = currency.round(sum(lines.mapped("amount_residual_currency")))
        return {
            "name": _(
                "Settlement %(name)s: write-off of %(invoice)s",
                name=self.name,
                invoice=move.name,
            ),
            "account_id": account.id,
            "partner_id": move.commercial_partner_id.id,
            "currency_id": currency.id,
            "amount_currency": -amount_currency,
            "balance": -balance,
        }

    def _b2b_post_written_off(self, entry, total):
        """Tell the chatter that ``entry`` wrote ``total`` off."""
        company = self.company_id
        self.message_post(
            body=_(
                "Remainder of %(amount)s written off to %(account)s (%(entry)s).",
                amount=format_amount(self.env, total, company.currency_id),
                account=company.b2b_bad_debt_account_id.display_name,
                entry=entry.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _cron_b2b_update_settlements(self):
        settlements = self.search([("state", "in", ("proposed", "approved"))])
        settlements._b2b_update_from_payments()
        self.env["ir.cron"]._notify_progress(done=len(settlements), remaining=0)
