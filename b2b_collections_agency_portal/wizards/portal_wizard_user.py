from odoo import models
from odoo.fields import Command

AGENCY_GROUP = "b2b_collections_agency.group_b2b_collection_agency"


class PortalWizardUser(models.TransientModel):
    """Granting portal access to a contact of a collection agency makes the
    new portal user an agency portal user; revoking it takes that away."""

    _inherit = "portal.wizard.user"

    def _b2b_agencies(self):
        return (
            self.env["b2b.collection.agency"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.partner_id.commercial_partner_id.ids)])
        )

    def action_grant_access(self):
        res = super().action_grant_access()
        self._b2b_agencies()._b2b_sync_portal_users()
        return res

    def action_revoke_access(self):
        users = self.partner_id.with_context(active_test=False).sudo().user_ids
        res = super().action_revoke_access()
        group = self.env.ref(AGENCY_GROUP)
        users = users.filtered(lambda user: group in user.groups_id)
        if users:
            users.write({"groups_id": [Command.unlink(group.id)]})
        return res
