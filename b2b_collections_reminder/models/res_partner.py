from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_policy_id = fields.Many2one(
        "b2b.collection.policy",
        string="Collection Policy",
        tracking=True,
        help="Reminder ladder of this customer; the company default when empty.",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_agency_proposed = fields.Boolean(
        string="Agency Proposed",
        tracking=True,
        help="Set by a reminder level: the debt should be placed with an agency.",
        b2b_write="manager",
        groups="base.group_user",
    )
    b2b_statement_attachment = fields.Boolean(
        string="Statement as Attachment",
        help="Reminder emails carry the statement PDF (the customer asked for "
        "it); otherwise a link that shows the statement when opened.",
        b2b_write="collector",
        groups="base.group_user",
    )
    b2b_contact_ids = fields.One2many(
        "b2b.collection.contact",
        "partner_id",
        string="Reminders",
        b2b_write="action",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
    )

    def _b2b_escalated_stages(self):
        """{customer id: the agency and legal stages of its open invoices}, for
        these customers (commercial partners): one
        query. A customer partly placed is worked in house for the rest (its
        own stage says so) but must not be told again of an escalation it
        already went through."""
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", self.ids),
                    *self._b2b_escalated_invoice_domain(),
                ],
                ["commercial_partner_id", "b2b_collection_stage_id"],
            )
        )
        stages = {}
        for partner, stage in groups:
            stages[partner.id] = stages.get(partner.id, stage.browse()) | stage
        return stages
