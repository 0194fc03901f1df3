from odoo import _, api, fields, models
from odoo.exceptions import UserError

from . import b2b_collection_validation as validation


class B2bCollectionStage(models.Model):
    _name = "b2b.collection.stage"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Collection Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, b2b_write="user")
    sequence = fields.Integer(
        default=10,
        help="Order of escalation: the higher, the more advanced. The stage of a "
        "customer is the most advanced stage of its open invoices.",
        b2b_write="user",
    )
    active = fields.Boolean(default=True, b2b_write="user")
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the stage between all companies.",
        b2b_write="user",
    )
    description = fields.Text(translate=True, b2b_write="user")
    fold = fields.Boolean(string="Folded in Kanban", b2b_write="user")
    pause_reminders = fields.Boolean(
        help="Invoices in this stage receive no automatic reminder.", b2b_write="user"
    )
    is_agency = fields.Boolean(
        string="Agency",
        help="The debt is placed with a collection agency.",
        b2b_write="user",
    )
    is_legal = fields.Boolean(
        string="Legal", help="The debt is in legal proceedings.", b2b_write="user"
    )
    is_closed = fields.Boolean(
        string="Closed",
        help="Collection work on the debt is finished.",
        b2b_write="user",
    )

    @api.constrains("name", "description")
    def _check_values(self):
        validation.check_texts(self, "name", max_length=validation.CHAR_MAX)
        validation.check_texts(self, "description")

    @api.model
    def _b2b_stage(self, code):
        """The default stage ``code`` (current, disputed, promise, resolved...),
        or an empty recordset when it was deleted."""
        stage = self.env.ref(
            f"b2b_collections.b2b_collection_stage_{code}", raise_if_not_found=False
        )
        return stage if stage and stage._name == self._name else self.browse()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if not self:
            return
        moves = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("b2b_collection_stage_id", "in", self.ids)],
                ["b2b_collection_stage_id"],
                ["__count"],
            )
        )
        if moves:
            raise UserError(
                _(
                    "You cannot delete a stage that invoices are in (%(stages)s). "
                    "Move the invoices to another stage or archive the stage instead.",
                    stages=", ".join(
                        f"{stage.name}: {count}" for stage, count in moves
                    ),
                )
            )
