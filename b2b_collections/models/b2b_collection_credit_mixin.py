"""A document that gives a customer new credit, refused while it is blocked.

The customer invoice (this addon) and the sale order (``b2b_collections_sale``)
are such documents. Each says why it is blocked (``_b2b_credit_block_reason``:
the customer's credit hold, whose wording is ``res.partner``'s
``_b2b_credit_hold_message``), calls ``_b2b_check_credit_hold`` from the one
method every path goes through (posting, confirming) and words its refusal
(``_b2b_credit_refusal``). A collections manager may let one document through
(``_b2b_allow_despite_credit_hold``, from the *credit override* dialog): who,
when and why are kept on the document and in its chatter, and the permission
is spent by the next posting or confirmation."""

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from .b2b_collection_guard import MANAGER_GROUP


class B2bCollectionCreditMixin(models.AbstractModel):
    _name = "b2b.collection.credit.mixin"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collections: Document Blocked by a Credit Hold"

    b2b_credit_override_user_id = fields.Many2one(
        "res.users",
        string="Allowed Despite Hold By",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_override_reason = fields.Char(
        string="Why Allowed Despite Hold",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_override_date = fields.Datetime(
        string="Allowed On",
        readonly=True,
        copy=False,
        b2b_write="action",
        groups="base.group_user",
    )
    b2b_credit_override_pending = fields.Boolean(
        readonly=True,
        copy=False,
        help="A manager allowed this document despite the credit hold; spent "
        "by its next posting or confirmation.",
        b2b_write="action",
        groups="base.group_user",
    )

    # ------------------------------------------------ what each document says

    def _b2b_credit_block_reason(self):
        """Why this document may not go through (post, confirm), or ""."""
        self.ensure_one()
        return ""

    def _b2b_credit_refusal(self, reason):
        """The error when this document, blocked for ``reason``, is refused."""
        self.ensure_one()
        return reason

    def _b2b_credit_override_note(self):
        """The title of the chatter note of a manager's permission."""
        return _("Allowed despite the credit hold")

    def _b2b_go_through(self):
        """What the document does once a manager allowed it (post, confirm)."""
        raise NotImplementedError

    # ------------------------------------------------------------ the rule

    def _b2b_check_credit_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _(
                    "Only a collections manager may let %(document)s through "
                    "despite the customer's credit hold.",
                    document=", ".join(self.mapped("display_name")),
                )
            )

    def _b2b_check_credit_hold(self):
        """Refuse the documents blocked by the customer's credit hold (or
        limit), unless a manager allowed them; a permission is spent here."""
        blocked = {record: record._b2b_credit_block_reason() for record in self}
        blocked = {record: reason for record, reason in blocked.items() if reason}
        allowed = self.browse(
            [record.id for record in blocked if record.b2b_credit_override_pending]
        )
        for record, reason in blocked.items():
            if record not in allowed:
                raise UserError(record._b2b_credit_refusal(reason))
        # the permission is spent by this posting or confirmation
        allowed.sudo().b2b_credit_override_pending = False

    def _b2b_allow_despite_credit_hold(self, reason):
        """Record that the current user (a collections manager, checked by the
        caller) lets these documents through once despite the hold."""
        self.sudo().write(
            {
                "b2b_credit_override_user_id": self.env.user.id,
                "b2b_credit_override_reason": reason,
                "b2b_credit_override_date": fields.Datetime.now(),
                "b2b_credit_override_pending": True,
            }
        )
        for record in self:
            record.message_post(
                body=Markup("<b>%s</b><br/>%s")
                % (
                    record._b2b_credit_override_note(),
                    _(
                        "%(block)s Allowed by %(user)s: %(reason)s",
                        block=record._b2b_credit_block_reason(),
                        user=self.env.user.name,
                        reason=reason,
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _b2b_credit_override_action(self, name):
        """The dialog in which a collections manager lets this document
        through, saying why (``name``: the dialog's title)."""
        self.ensure_one()
        self._b2b_check_credit_manager()
        wizard = self.env["b2b.collection.credit.override"]
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": wizard._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {f"default_{wizard._b2b_document_field(self)}": self.id},
        }
