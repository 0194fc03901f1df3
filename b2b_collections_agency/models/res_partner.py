from odoo import _, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_placement_ids = fields.One2many(
        "b2b.collection.placement",
        "partner_id",
        string="Agency Placements",
        help="Placements of this customer's invoices with collection agencies. "
        "Agency portal users read the customers (and their contacts) of their "
        "agency's placements through it.",
        b2b_write="action",
        readonly=True,
        groups="b2b_collections.group_b2b_collection_user",
    )
    b2b_placement_count = fields.Integer(
        string="Agency Placements Count",
        compute="_compute_b2b_placement_count",
        groups="b2b_collections.group_b2b_collection_user",
    )

    def _compute_b2b_placement_count(self):
        counts = dict(
            self.env["b2b.collection.placement"]._read_group(
                [("partner_id", "in", self._origin.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.b2b_placement_count = counts.get(partner._origin, 0)

    # -------------------------------------------------------------- constraints

    def action_b2b_open_placements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_collections_agency.b2b_collection_placement_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_b2b_place_with_agency(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Place with Agency"),
            "res_model": "b2b.collection.placement.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": self.commercial_partner_id.ids,
            },
        }
