from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _b2b_load_reminder_demo(self, company=None):
        """Demo story, the reminders: this morning's reminder run, so that the
        contact log has a story: emails to the AP contacts, letters and calls
        for the late payers. Told once."""
        company = company or self.env.company
        env, _journal, _bank, partners = self._b2b_demo_context(company)
        if not partners or env["b2b.collection.run"].search_count(
            [("company_id", "=", company.id)], limit=1
        ):
            return
        if not company.b2b_policy_id:
            company.b2b_policy_id = env.ref(
                "b2b_collections_reminder.b2b_collection_policy_standard",
                raise_if_not_found=False,
            )
        if not company.b2b_policy_id:
            return
        run = env["b2b.collection.run"].create(
            {
                "company_id": company.id,
                "date": fields.Date.context_today(self),
                "trigger": "cron",
                "with_statement": False,
            }
        )
        run.with_context(b2b_collections_no_pdf=True)._b2b_execute()
