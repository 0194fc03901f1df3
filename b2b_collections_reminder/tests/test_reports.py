from datetime import timedelta

from freezegun import freeze_time
from lxml import html as lxml_html
from markupsafe import escape

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from odoo.addons.b2b_collections.tests.common import TODAY, B2bCollectionsCase

TEMPLATES = ("courtesy", "first", "second", "final", "pre_agency")
# Wording that sets the tone of each level, in the emails and in the letters.
TONE = {
    "courtesy": ["fall due soon"],
    "first": ["past their due date", "earliest convenience"],
    "second": ["remain unpaid", "within the next 7 days"],
    "final": ["final notice", "late-payment interest", "credit hold"],
    "pre_agency": ["within 10 days", "collection agency"],
}
LETTER_TONE = {
    "courtesy": ["fall due shortly"],
    "first": ["passed their due date", "earliest convenience"],
    "second": ["recently reminded you", "within 7 days"],
    "final": [
        "This letter is our final notice",
        "late-payment interest",
        "credit hold",
    ],
    "pre_agency": ["collection agency", "within 10 days"],
}
# Escalation wording that must not appear in a gentler reminder.
HARSH = ["credit hold", "collection agency", "final notice"]


def _text(html):
    """Visible text of an HTML document, with blanks collapsed."""
    if isinstance(html, bytes):
        html = html.decode()
    text = lxml_html.fromstring(html).text_content()
    return " ".join(text.replace("\ufeff", "").replace("\xa0", " ").split())


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestReports(B2bCollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "http://b2b.example.com"
        )
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        cls.customer.write(
            {"street": "1 Commerce Way", "city": "Springfield", "ref": "ACME-7"}
        )
        days = timedelta(days=1)
        # 1000 due 45 days ago, 400 paid: 600 in 31-60
        cls.inv_old = cls.invoice(
            1000.0, due=TODAY - 45 * days, invoice_date=TODAY - 75 * days
        )
        cls.pay(cls.inv_old, amount=400.0)
        # 300 EUR (150 USD at 2.0) due 100 days ago: 91-120
        cls.inv_eur = cls.invoice(300.0, due=TODAY - 100 * days, currency=cls.eur)
        # 500 due in 10 days: not due
        cls.inv_soon = cls.invoice(
            500.0, due=TODAY + 10 * days, invoice_date=TODAY - 20 * days
        )
        # an unapplied credit note of 100, dated 5 days ago: -100 in the
        # Unapplied credits column (never netted into an age bucket)
        cls.refund = cls.invoice(100.0, due=TODAY - 5 * days, move_type="out_refund")
        # not on the statement: paid, draft, another customer, another company
        cls.inv_paid = cls.invoice(250.0, due=TODAY - 60 * days)
        cls.pay(cls.inv_paid)
        cls.invoice(777.0, due=TODAY - 60 * days, post=False)
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Globex Wholesale", "is_company": True}
        )
        cls.inv_other = cls.invoice(
            888.0, due=TODAY - 60 * days, partner=cls.other_customer
        )
        cls.company_2 = cls.setup_other_company()["company"]
        cls.inv_company_2 = cls.invoice(
            999.0, due=TODAY - 60 * days, company=cls.company_2
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": "BE71 0961 2345 6769",
                "partner_id": cls.company.partner_id.id,
            }
        )
        cls.policy = cls.env.ref(
            "b2b_collections_reminder.b2b_collection_policy_standard"
        )
        cls.levels = {
            code: cls.env.ref(
                f"b2b_collections_reminder.b2b_collection_policy_level_{code}"
            )
            for code in TEMPLATES
        }
        cls.templates = {
            code: cls.env.ref(
                f"b2b_collections_reminder.mail_template_b2b_reminder_{code}"
            )
            for code in TEMPLATES
        }

    # ------------------------------------------------------------------ helpers

    def fmt(self, amount, currency=None):
        return " ".join(
            format_amount(self.env, amount, currency or self.currency)
            .replace("\ufeff", "")
            .replace("\xa0", " ")
            .split()
        )

    def make_contact(self, code, moves):
        """The contact log of a reminder of level ``code`` on ``moves``, as the
        run writes it."""
        level = self.levels[code]
        return (
            self.env["b2b.collection.contact"]
            .sudo()
            .create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "recipient_id": self.customer_contact.id,
                    "collector_id": self.collector.id,
                    "policy_id": level.policy_id.id,
                    "level_id": level.id,
                    "template_id": level.mail_template_id.id,
                    "channel_email": level.channel_email,
                    "channel_letter": level.channel_letter,
                    "channel_call": level.channel_call,
                    "amount_total": sum(moves.mapped("amount_residual_signed")),
                    "line_ids": [
                        Command.create(
                            {
                                "move_id": move.id,
                                "level_id": level.id,
                                "currency_id": move.currency_id.id,
                                "amount_residual": move.amount_residual,
                                "amount_residual_company": move.amount_residual_signed,
                                "days_overdue": (TODAY - move.invoice_date_due).days,
                                "date_due": move.invoice_date_due,
                            }
                        )
                        for move in moves
                    ],
                }
            )
        )

    def render_report(self, xmlid, records):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            xmlid, records.ids
        )
        return content.decode()

    def cell(self, tree, name):
        cells = tree.xpath(f"//*[@name='{name}']")
        self.assertEqual(len(cells), 1, f"one cell named {name}")
        return _text(lxml_html.tostring(cells[0]))

    # -------------------------------------------------------------------- data

    def test_standard_policy(self):
        stage = self.stage
        self.assertEqual(self.policy.name, "Standard B2B ladder")
        self.assertFalse(self.policy.company_id)
        self.assertRecordValues(
            self.policy.level_ids,
            [
                {
                    "sequence": 10,
                    "trigger_days": -3,
                    "channel_email": True,
                    "channel_letter": False,
                    "channel_call": False,
                    "mail_template_id": self.templates["courtesy"].id,
                    "stage_id": False,
                    "credit_hold": False,
                    "propose_agency": False,
                },
                {
                    "sequence": 20,
                    "trigger_days": 7,
                    "channel_email": True,
                    "channel_letter": False,
                    "channel_call": False,
                    "mail_template_id": self.templates["first"].id,
                    "stage_id": stage("reminded").id,
                    "credit_hold": False,
                    "propose_agency": False,
                },
                {
                    "sequence": 30,
                    "trigger_days": 21,
                    "channel_email": True,
                    "channel_letter": False,
                    "channel_call": True,
                    "mail_template_id": self.templates["second"].id,
                    "stage_id": stage("reminded").id,
                    "credit_hold": False,
                    "propose_agency": False,
                },
                {
                    "sequence": 40,
                    "trigger_days": 45,
                    "channel_email": True,
                    "channel_letter": True,
                    "channel_call": True,
                    "mail_template_id": self.templates["final"].id,
                    "stage_id": stage("final_notice").id,
                    "credit_hold": True,
                    "propose_agency": False,
                },
                {
                    "sequence": 50,
                    "trigger_days": 75,
                    "channel_email": True,
                    "channel_letter": True,
                    "channel_call": False,
                    "mail_template_id": self.templates["pre_agency"].id,
                    "stage_id": stage("final_notice").id,
                    "credit_hold": False,
                    "propose_agency": True,
                },
            ],
        )
        self.assertFalse(
            any(level._b2b_has_charges() for level in self.policy.level_ids)
        )
        self.assertEqual(
            set(self.policy.level_ids.mail_template_id.mapped("model")),
            {"b2b.collection.contact"},
        )

    # ------------------------------------------------------------------ emails

    def test_email_templates(self):
        moves = self.inv_old + self.inv_eur
        for code in TEMPLATES:
            with self.subTest(template=code):
                template = self.templates[code]
                contact = self.make_contact(code, moves)
                body = template._render_field("body_html", contact.ids)[contact.id]
                text = _text(body)
                self.assertIn("Dear Ann Payable,", text)
                for move in moves:
                    self.assertIn(move.name, text)
                    # the pay-now link of each invoice, with its access token
                    url = contact._b2b_portal_url(move)
                    self.assertTrue(move.access_token)
                    self.assertIn(f"access_token={move.access_token}", url)
                    self.assertIn(f'href="{escape(url)}"', body)
                # each invoice in its own currency, never converted
                self.assertIn(self.fmt(600.0), text)
                self.assertIn(self.fmt(300.0, self.eur), text)
                self.assertIn("€", self.fmt(300.0, self.eur))
                self.assertNotIn(self.fmt(150.0), text)
                self.assertIn("45 days", text)
                self.assertIn("100 days", text)
                # two currencies: no total that would add euros to dollars
                self.assertNotIn("Total due", text)
                self.assertIn("statement of your account", text)
                self.assertIn("Colin Collector", text)
                for phrase in TONE[code]:
                    self.assertIn(phrase, text)
                if code in ("courtesy", "first", "second"):
                    for phrase in HARSH:
                        self.assertNotIn(phrase, text.lower())

                subject = template._render_field("subject", contact.ids)[contact.id]
                self.assertIn("Acme Online Retail", subject)
                self.assertIn(self.company.name, subject)
                self.assertEqual(
                    template._render_field("partner_to", contact.ids)[contact.id],
                    str(self.customer_contact.id),
                )
                self.assertEqual(
                    template._render_field("email_from", contact.ids)[contact.id],
                    self.collector.email_formatted,
                )
                self.assertFalse(template.auto_delete)

    def test_email_single_currency_total_and_courtesy_days(self):
        contact = self.make_contact("courtesy", self.inv_old + self.inv_soon)
        text = _text(
            self.templates["courtesy"]._render_field("body_html", contact.ids)[
                contact.id
            ]
        )
        self.assertIn(f"Total due {self.fmt(1100.0)}", text)
        self.assertIn("due in 10 days", text)
        self.assertIn(
            "a friendly reminder that the following invoices fall due soon", text
        )

    def test_email_statement_sentence_follows_the_run(self):
        contact = self.make_contact("first", self.inv_old)
        contact.run_id = (
            self.env["b2b.collection.run"]
            .sudo()
            .create(
                {
                    "company_id": self.company.id,
                    "date": TODAY,
                    "trigger": "manual",
                    "with_statement": False,
                }
            )
        )
        text = _text(
            self.templates["first"]._render_field("body_html", contact.ids)[contact.id]
        )
        # without the PDF: a link to the statement, nothing said attached
        self.assertNotIn("attached", text)
        self.assertIn("is one click away: your statement", text)
        self.assertIn(self.inv_old.name, text)
        contact.sudo().statement_attached = True
        text = _text(
            self.templates["first"]._render_field("body_html", contact.ids)[contact.id]
        )
        self.assertIn("You will find attached a statement", text)
        self.assertNotIn("one click away", text)

    # ------------------------------------------------------------------ letter

    def test_letter(self):
        contact = self.make_contact("final", self.inv_old + self.inv_eur)
        text = _text(
            self.render_report(
                "b2b_collections_reminder.action_report_b2b_letter", contact
            )
        )
        self.assertIn("Ann Payable", text)
        self.assertIn("1 Commerce Way", text)
        self.assertIn("Subject: Final notice", text)
        self.assertIn("Dear Ann Payable,", text)
        self.assertIn(f"{self.inv_old.name} ", text)
        self.assertIn(f"{self.inv_eur.name} ", text)
        self.assertIn(self.fmt(600.0), text)
        self.assertIn(self.fmt(300.0, self.eur), text)
        self.assertNotIn(self.fmt(150.0), text)
        self.assertIn(f"Total due, equivalent in USD {self.fmt(750.0)}", text)
        self.assertIn("BE71 0961 2345 6769", text)
        self.assertIn("colin@example.com", text)
        self.assertIn("Colin Collector", text)
        for phrase in LETTER_TONE["final"]:
            self.assertIn(phrase, text)

    def test_letter_tone_follows_the_level(self):
        for code in TEMPLATES:
            with self.subTest(level=code):
                contact = self.make_contact(code, self.inv_old)
                text = _text(
                    self.render_report(
                        "b2b_collections_reminder.action_report_b2b_letter", contact
                    )
                )
                self.assertIn(f"Subject: {self.levels[code].name}", text)
                self.assertIn(f"Total due {self.fmt(600.0)}", text)
                for phrase in LETTER_TONE[code]:
                    self.assertIn(phrase, text)
                for other, phrases in LETTER_TONE.items():
                    if other != code:
                        self.assertNotIn(phrases[0], text)

    # --------------------------------------------------------------- statement

    def test_statement(self):
        content = self.render_report(
            "b2b_collections_reminder.action_report_b2b_statement", self.customer
        )
        tree = lxml_html.fromstring(content)
        text = _text(content)
        self.assertIn("Customer Statement", text)
        self.assertIn("1 Commerce Way", text)
        self.assertIn("ACME-7", text)
        # open items, in their own currency
        rows = {
            row.xpath("string(td[2]/span)"): _text(lxml_html.tostring(row))
            for row in tree.xpath("//table[@name='open_items']/tbody/tr")
        }
        self.assertEqual(
            set(rows),
            {
                self.inv_old.name,
                self.inv_eur.name,
                self.inv_soon.name,
                self.refund.name,
            },
        )
        self.assertIn(
            f"45 {self.fmt(1000.0)} {self.fmt(600.0)} Pay now", rows[self.inv_old.name]
        )
        self.assertIn(
            f"100 {self.fmt(300.0, self.eur)} {self.fmt(300.0, self.eur)} Pay now",
            rows[self.inv_eur.name],
        )
        self.assertIn(
            f"{self.fmt(500.0)} {self.fmt(500.0)} Pay now", rows[self.inv_soon.name]
        )
        self.assertIn("Credit note", rows[self.refund.name])
        # a credit is not "overdue": no days shown, just its amounts
        self.assertTrue(
            rows[self.refund.name].endswith(
                f"{self.refund.invoice_date_due.strftime('%m/%d/%Y')} "
                f"{self.fmt(-100.0)} {self.fmt(-100.0)}"
            ),
            rows[self.refund.name],
        )
        self.assertNotIn("Pay now", rows[self.refund.name])
        # (the other company numbers its invoices on its own: look for its amount)
        for absent in (self.inv_paid.name, self.inv_other.name):
            self.assertNotIn(absent, text)
        for amount in (777.0, 888.0, 999.0, 250.0):
            self.assertNotIn(self.fmt(amount), text)
        # one pay-now link per open invoice
        links = {a.get("href") for a in tree.xpath("//a[text()='Pay now']")}
        contact_model = self.env["b2b.collection.contact"]
        self.assertEqual(
            links,
            {
                contact_model._b2b_portal_url(move)
                for move in self.inv_old + self.inv_eur + self.inv_soon
            },
        )
        self.assertTrue(all("/mail/view?model=account.move" in link for link in links))
        # aging in company currency
        expected = {
            "aging_not_due": 500.0,
            "aging_b1": 0.0,
            "aging_b2": 600.0,
            "aging_b3": 0.0,
            "aging_b4": 150.0,
            "aging_b5": 0.0,
            "aging_unapplied": -100.0,
            # 500 + 600 + 150 - 100
            "aging_total": 1150.0,
            "open_balance": 1150.0,
            # gross: 600 (45 days) + 150 (100 days), before the credit
            "overdue": 750.0,
            "open_balance_EUR": 300.0,
        }
        for name, amount in expected.items():
            currency = self.eur if name == "open_balance_EUR" else self.currency
            self.assertEqual(self.cell(tree, name), self.fmt(amount, currency), name)
        self.assertEqual(self.cell(tree, "open_balance_USD"), self.fmt(1000.0))
        headers = [
            _text(lxml_html.tostring(th))
            for th in tree.xpath("//table[@name='aging']/thead/tr/th")
        ]
        self.assertEqual(
            headers,
            [
                "Not due",
                "1-30 days",
                "31-60 days",
                "61-90 days",
                "91-120 days",
                "121+ days",
                "Unapplied credits",
                "Total",
            ],
        )

    def test_statement_follows_company_bounds_and_commercial_partner(self):
        # each item exactly on the upper boundary of its bucket
        self.company.write(
            {
                "b2b_aging_bucket_1": 5,
                "b2b_aging_bucket_2": 45,
                "b2b_aging_bucket_3": 99,
                "b2b_aging_bucket_4": 100,
            }
        )
        # printed from the AP contact: the statement of the whole customer
        content = self.render_report(
            "b2b_collections_reminder.action_report_b2b_statement",
            self.customer_contact,
        )
        tree = lxml_html.fromstring(content)
        expected = {
            "aging_not_due": 500.0,
            "aging_b1": 0.0,
            "aging_b2": 600.0,
            "aging_b3": 0.0,
            "aging_b4": 150.0,
            "aging_b5": 0.0,
            "aging_unapplied": -100.0,
            "open_balance": 1150.0,
        }
        for name, amount in expected.items():
            self.assertEqual(self.cell(tree, name), self.fmt(amount), name)
        self.assertIn("46-99 days", _text(content))
        self.assertIn(self.inv_old.name, _text(content))

    def test_statement_in_the_current_company(self):
        content = self.render_report(
            "b2b_collections_reminder.action_report_b2b_statement", self.customer
        )
        self.assertNotIn(self.fmt(999.0), _text(content))
        self.assertNotIn(f"res_id={self.inv_company_2.id}&", content)
        report = self.env["ir.actions.report"].with_company(self.company_2)
        content, _type = report._render_qweb_html(
            "b2b_collections_reminder.action_report_b2b_statement", self.customer.ids
        )
        content = content.decode()
        text = _text(content)
        self.assertIn(self.company_2.name, text)
        due = (TODAY - timedelta(days=60)).strftime("%m/%d/%Y")
        self.assertIn(f"{self.inv_company_2.name} {due} 60 {self.fmt(999.0)}", text)
        self.assertIn(f"res_id={self.inv_company_2.id}&", content)
        self.assertIn(
            f"Open balance {self.fmt(999.0, self.company_2.currency_id)}", text
        )
        self.assertNotIn(self.fmt(600.0), text)
        self.assertNotIn(f"res_id={self.inv_old.id}&", content)

    def test_statement_without_open_items(self):
        partner = self.env["res.partner"].create(
            {"name": "Paid Up Ltd", "is_company": True}
        )
        text = _text(
            self.render_report(
                "b2b_collections_reminder.action_report_b2b_statement", partner
            )
        )
        self.assertIn("There are no open items on your account", text)
        self.assertNotIn("Open balance", text)

    def test_statement_data_is_set_based(self):
        report = self.env["report.b2b_collections_reminder.report_b2b_statement"]
        partners = self.customer + self.customer_contact + self.other_customer

        def count_queries():
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            data = report._b2b_statement_data(partners, self.company)
            return self.cr.sql_log_count - start, data

        count_queries()  # portal tokens are created once
        queries, data = count_queries()
        self.assertEqual(set(data), set(partners.ids))
        self.assertEqual(data[self.customer_contact.id]["partner"], self.customer)
        self.assertEqual(len(data[self.customer.id]["lines"]), 4)
        self.assertEqual(data[self.customer.id]["total"], 1150.0)
        self.assertEqual(data[self.other_customer.id]["total"], 888.0)
        # more invoices, same number of queries
        extra = self.env["account.move"]
        for amount in (10.0, 20.0, 30.0):
            extra |= self.invoice(amount, due=TODAY, partner=self.other_customer)
        count_queries()
        more_queries, data = count_queries()
        self.assertEqual(data[self.other_customer.id]["total"], 948.0)
        self.assertEqual(more_queries, queries)
