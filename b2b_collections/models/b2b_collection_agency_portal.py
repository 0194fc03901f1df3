from odoo import api, models
from odoo.fields import Command

AGENCY_GROUP = "b2b_collections.group_b2b_collection_agency"


class B2bCollectionAgency(models.Model):
    """Agency portal access: the portal users of an agency's company (the
    company itself and its contacts) are agency portal users."""

    _inherit = "b2b.collection.agency"

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
