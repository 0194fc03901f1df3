from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.b2b_collections.report.b2b_collection_collector_kpi import (
    COLLECTOR_MEASURES,
)
from odoo.addons.b2b_collections.report.b2b_collection_kpi_query import (
    KPI_MEASURES,
    measure_columns,
)


class B2bCollectionKpi(models.Model):
    _inherit = "b2b.collection.kpi"
    _depends = {"b2b.collection.contact": ["partner_id", "company_id", "date"]}

    @api.model
    def _b2b_sql_reminder_measures(self, company_ids):
        """Reminders sent, one per contact, by customer and month."""
        return SQL(
            """
             UNION ALL
                SELECT COALESCE(p.commercial_partner_id, c.partner_id), c.company_id,
                       %(contact_month)s, %(measures)s
                  FROM b2b_collection_contact c
                  JOIN res_partner p ON p.id = c.partner_id
                 WHERE c.company_id IN %(company_ids)s AND c.date <= %(now)s
            """,
            contact_month=self._b2b_month_of(SQL("c.date")),
            measures=measure_columns(KPI_MEASURES, reminders_sent=SQL("1")),
            company_ids=company_ids,
            now=fields.Datetime.now(),
        )


class B2bCollectionCollectorKpi(models.Model):
    _inherit = "b2b.collection.collector.kpi"
    _depends = {
        "b2b.collection.contact": ["partner_id", "company_id", "collector_id", "date"]
    }

    @api.model
    def _b2b_sql_reminder_measures(self, company_ids):
        """Reminders sent for each collector's customers, by month."""
        return SQL(
            """
             UNION ALL
                SELECT %(contact_month)s, ct.company_id,
                       COALESCE(ct.collector_id, p.b2b_collector_id,
                                c.b2b_default_collector_id, 0),
                       %(measures)s
                  FROM b2b_collection_contact ct
                  JOIN res_company c ON c.id = ct.company_id
                  JOIN res_partner cp ON cp.id = ct.partner_id
             LEFT JOIN res_partner p ON p.id = cp.commercial_partner_id
                 WHERE ct.company_id IN %(company_ids)s AND ct.date <= %(now)s
            """,
            contact_month=self.env["b2b.collection.kpi"]._b2b_month_of(SQL("ct.date")),
            measures=measure_columns(COLLECTOR_MEASURES, reminders_sent=SQL("1")),
            company_ids=company_ids,
            now=fields.Datetime.now(),
        )
