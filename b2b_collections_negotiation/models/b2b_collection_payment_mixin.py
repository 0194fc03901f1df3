from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.b2b_collections.models import b2b_collection_validation as validation


class B2bCollectionPaymentMixin(models.AbstractModel):
    """Agreements on a customer's invoices (``move_ids``): payment plans and
    settlements. They track the payments received on the invoices since a
    date field of the record, and park the invoices in a stage that pauses
    reminders while the agreement runs (``_b2b_park_invoices``), giving them
    back their stage when it is cancelled (``_b2b_unpark_invoices``).

    Payments are the money received on the invoices
    (``account.move._b2b_sql_money_received``): reconciliations of their
    receivable lines with the entry of a payment or of a bank statement line,
    at its cash value; credit notes, write-offs and exchange differences are
    not payments. Amounts are in company currency.

    The models using it give ``move_ids`` its table (``relation``,
    ``column1``, ``column2``), their ``state`` (``draft`` first), their
    sequence (``_b2b_sequence_code``, see the guard mixin) and the messages
    naming them (``_b2b_contact_refusal``, ``_b2b_unlink_refusal``)."""

    _name = "b2b.collection.payment.mixin"
    _inherit = ["mail.thread", "mail.activity.mixin", "b2b.collection.guard.mixin"]
    _description = "Collections Payment Tracking"

    # the date field from which payments count
    _b2b_payments_since = "start_date"

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default="/",
        b2b_write="action",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        readonly=True,
        b2b_write="create",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        b2b_write="draft",
    )
    # each model names its own table (relation, column1, column2)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        compute="_compute_move_ids",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id),"
        " ('company_id', '=', company_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
        b2b_write="draft",
    )
    move_count = fields.Integer(compute="_compute_move_count")
    debt_amount = fields.Monetary(
        string="Debt",
        compute="_compute_debt_amount",
        store=True,
        readonly=True,
        help="Open amount of the invoices when the agreement starts "
        "(company currency).",
    )
    paid_amount = fields.Monetary(
        string="Paid",
        readonly=True,
        copy=False,
        help="Payments received on the invoices since the agreement started.",
        b2b_write="action",
    )
    previous_stages = fields.Json(
        readonly=True,
        copy=False,
        help="Stage of each invoice before the agreement, restored on cancellation.",
        b2b_write="action",
    )
    note = fields.Text(string="Terms", b2b_write="draft")

    # ----------------------------------------------------------------- computes

    @api.depends("partner_id", "company_id")
    def _compute_move_ids(self):
        """Prefill a draft with the customer's open invoices (narrowed by
        ``_b2b_prefill_domain``, less ``_b2b_invoices_taken``)."""
        draft = self.filtered(lambda r: r.state == "draft" and r.partner_id)
        for record in self - draft:
            # without a customer: nothing; started: the invoices stay
            record.move_ids = record.move_ids if record.partner_id else False
        if not draft:
            return
        moves = self.env["account.move"].search(
            [
                (
                    "commercial_partner_id",
                    "in",
                    draft.partner_id.commercial_partner_id.ids,
                ),
                ("company_id", "in", draft.company_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                *self._b2b_prefill_domain(),
            ],
            order="invoice_date_due, id",
        )
        moves -= self._b2b_invoices_taken(moves)
        for record in draft:
            record.move_ids = moves.filtered(
                lambda m, r=record: m.commercial_partner_id
                == r.partner_id.commercial_partner_id
                and m.company_id == r.company_id
            )

    @api.model
    def _b2b_prefill_domain(self):
        """What else an open invoice must satisfy to prefill a draft."""
        return []

    @api.model
    def _b2b_invoices_taken(self, moves):
        """Those of ``moves`` that another agreement holds: not prefilled."""
        return moves.browse()

    def _compute_move_count(self):
        for record in self:
            record.move_count = len(record.move_ids)

    @api.depends("move_ids")
    def _compute_debt_amount(self):
        """Residual of the invoices when they are chosen; frozen again when
        the agreement starts (payments after that are its payments)."""
        for record in self:
            if record.state == "draft":
                record.debt_amount = record._b2b_open_residual()
            else:
                record.debt_amount = record.debt_amount

    def _b2b_open_residual(self):
        """Open amount of the invoices, in company currency."""
        self.ensure_one()
        return self.currency_id.round(
            sum(self.move_ids.mapped("amount_residual_signed"))
        )

    # -------------------------------------------------------------- constraints

    @api.constrains("partner_id", "move_ids")
    def _check_partner(self):
        """Agreed with the customer itself, on its own invoices."""
        for record in self:
            partner = record.partner_id
            if partner != partner.commercial_partner_id:
                raise ValidationError(
                    record._b2b_contact_refusal(
                        partner.commercial_partner_id.display_name,
                        partner.display_name,
                    )
                )
        validation.check_customer_invoices(self, "partner_id", "move_ids")

    def _b2b_contact_refusal(self, customer, contact):
        """The message refusing an agreement with a contact of a customer."""
        raise NotImplementedError()

    # ------------------------------------------------------------------- CRUD

    @api.ondelete(at_uninstall=False)
    def _unlink_except_agreed(self):
        # an agreement that was started is evidence of the negotiation
        if any(record._b2b_was_agreed() for record in self):
            raise UserError(self._b2b_unlink_refusal())

    def _b2b_was_agreed(self):
        """Whether the record left draft (it is then kept, cancelled)."""
        self.ensure_one()
        return self.state != "draft"

    def _b2b_unlink_refusal(self):
        """The message refusing to delete agreements that were started."""
        raise NotImplementedError()

    # ---------------------------------------------------------------- actions

    def action_open_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Invoices of %(agreement)s", agreement=self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.move_ids.ids)],
            "context": {"create": False, "default_move_type": "out_invoice"},
        }

    # ------------------------------------------------------------ invoices

    def _b2b_stages_of(self, moves):
        """The ``previous_stages`` value remembering the stages of ``moves``."""
        return {str(move.id): move.b2b_collection_stage_id.id for move in moves}

    def _b2b_park_invoices(self, moves, stage):
        """Move ``moves`` to ``stage`` (a stage that pauses reminders)."""
        if stage:
            moves.b2b_collection_stage_id = stage

    def _b2b_unpark_invoices(self, stage):
        """The open invoices still in ``stage`` return to the stage they had
        before the agreement (Current if that stage is gone)."""
        stage_model = self.env["b2b.collection.stage"]
        current = stage_model._b2b_stage("current")
        for record in self:
            previous = record.previous_stages or {}
            for move in record.move_ids.filtered(
                lambda m: m.b2b_collection_stage_id == stage
                and m._b2b_is_open_invoice()
            ):
                restored = stage_model.browse(previous.get(str(move.id)) or []).exists()
                move.b2b_collection_stage_id = restored or current

    @api.model
    def _b2b_payment_rows(self, records):
        """{record id: [(payment date, amount), ...] in date order} for
        ``records``, in one query whatever their number."""
        if not records:
            return {}
        field = self._fields["move_ids"]
        for model in (
            "account.move",
            "account.move.line",
            "account.partial.reconcile",
        ):
            self.env[model].flush_model()
        self.env["account.move"]._b2b_flush_money_received()
        self.flush_model(["move_ids", self._b2b_payments_since])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT rec.id, cl.date, SUM(%(received)s)
              FROM %(table)s rec
              JOIN %(relation)s rel ON rel.%(owner)s = rec.id
              JOIN account_move_line dl ON dl.move_id = rel.%(move)s
                                       AND %(receivable)s
              JOIN account_partial_reconcile apr ON apr.debit_move_id = dl.id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
             WHERE rec.id IN %(ids)s
               AND cm.state = 'posted'
               AND %(is_payment)s
               AND cl.date >= rec.%(since)s
          GROUP BY rec.id, cl.date
          ORDER BY rec.id, cl.date
                """,
                table=SQL.identifier(self._table),
                relation=SQL.identifier(field.relation),
                owner=SQL.identifier(field.column1),
                move=SQL.identifier(field.column2),
                since=SQL.identifier(self._b2b_payments_since),
                receivable=self.env["account.move.line"]._b2b_sql_receivable("dl"),
                is_payment=self.env["account.move"]._b2b_sql_is_payment("cm"),
                received=self.env["account.move"]._b2b_sql_money_received(
                    "apr", "cl", "cm"
                ),
                ids=tuple(records.ids),
            )
        )
        result = defaultdict(list)
        for record_id, day, amount in rows:
            result[record_id].append((day, amount))
        return result
