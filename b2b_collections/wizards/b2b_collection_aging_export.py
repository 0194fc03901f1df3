from odoo import api, fields, models

from ..models import b2b_collection_validation as validation
from ..models.b2b_collection_aging import CURRENCY_MODES, GROUPINGS


class B2bCollectionAgingExport(models.TransientModel):
    """Options of the Aged Receivables exports (spreadsheet and PDF). Both are
    written from the same data: ``b2b.collection.aging._b2b_aging_report_data``."""

    _name = "b2b.collection.aging.export"
    _inherit = ["b2b.collection.guard.mixin"]
    _description = "Export Aged Receivables"

    as_of = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="The receivables as they stood at the end of this day.",
        b2b_write="user",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        b2b_write="user",
    )
    bucket_1 = fields.Integer(
        string="Bucket 1 (days)",
        required=True,
        default=lambda self: self.env.company.b2b_aging_bucket_1,
        b2b_write="user",
    )
    bucket_2 = fields.Integer(
        string="Bucket 2 (days)",
        required=True,
        default=lambda self: self.env.company.b2b_aging_bucket_2,
        b2b_write="user",
    )
    bucket_3 = fields.Integer(
        string="Bucket 3 (days)",
        required=True,
        default=lambda self: self.env.company.b2b_aging_bucket_3,
        b2b_write="user",
    )
    bucket_4 = fields.Integer(
        string="Bucket 4 (days)",
        required=True,
        default=lambda self: self.env.company.b2b_aging_bucket_4,
        b2b_write="user",
    )
    grouping = fields.Selection(
        GROUPINGS,
        string="Group by",
        required=True,
        default="customer",
        b2b_write="user",
    )
    currency_mode = fields.Selection(
        CURRENCY_MODES,
        string="Currencies",
        required=True,
        default="company",
        help="Company currency only: every amount in the currency of the "
        "company. Also per currency: adds the open amounts in the currency of "
        "each document (a table by currency, and a column in the open items).",
        b2b_write="user",
    )
    include_detail = fields.Boolean(
        string="Include open items",
        help="List every open invoice instalment, credit note and payment "
        "under its group, after the summary.",
        b2b_write="user",
    )

    @api.constrains("bucket_1", "bucket_2", "bucket_3", "bucket_4")
    def _check_buckets(self):
        for wizard in self:
            self.env["b2b.collection.aging"]._b2b_check_bounds(wizard._b2b_bounds())

    @api.constrains("as_of")
    def _check_values(self):
        validation.check_dates(self, "as_of")

    def _b2b_bounds(self):
        self.ensure_one()
        return (self.bucket_1, self.bucket_2, self.bucket_3, self.bucket_4)

    def _b2b_options(self):
        """The arguments of ``_b2b_aging_report_data``, as JSON-friendly values
        (a PDF report action carries them to the printing request)."""
        self.ensure_one()
        return {
            "as_of": fields.Date.to_string(self.as_of),
            "company_ids": self.company_ids.ids,
            "grouping": self.grouping,
            "bounds": list(self._b2b_bounds()),
            "currency_mode": self.currency_mode,
            "detail": self.include_detail,
        }

    def _b2b_report_data(self):
        return self.env["b2b.collection.aging"]._b2b_aging_report_data(
            **self._b2b_options()
        )

    def action_export_xlsx(self):
        self.ensure_one()
        aging = self._b2b_report_data()
        writer = self.env["report.b2b_collections.report_b2b_aged_receivables_xlsx"]
        attachment = self.env["ir.attachment"].create(
            {
                "name": writer._b2b_file_name(aging),
                "raw": writer._b2b_xlsx(aging),
                "mimetype": "application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref(
            "b2b_collections.action_report_b2b_aged_receivables"
        ).report_action(self, data={"options": self._b2b_options()})
