import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.b2b_collections.tests.common import TODAY
from odoo.addons.b2b_collections_agency.tests.test_agency import AgencyCase

AGENCY_GROUP = "b2b_collections_agency.group_b2b_collection_agency"


class AgencyPortalCase(AgencyCase):
    """Two agencies, each with a portal user and a running placement, an
    ended placement of the first, an invoice placed with nobody, and a plain
    portal customer (a contact of a customer, with portal access).

    Agency A (Recover Fast GmbH, 15 % below 5,000 and 90 days): Acme's
    invoices of 1,200 and 800, 300 paid since (commission 45); Gamma's
    invoice of 500, placed then recalled. Agency B (Debt Hunters Ltd, 20 %):
    Beta's invoice of 2,500, 500 paid since (commission 100)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customer.write(
            {"street": "12 Harbour Road", "city": "Bremen", "phone": "+49 421 555 0101"}
        )
        cls.customer_b = Partner.create(
            {"name": "Beta Hardware", "is_company": True, "street": "3 Mill Lane"}
        )
        cls.customer_g = Partner.create({"name": "Gamma Foods", "is_company": True})

        cls.agent_a = cls._portal_user(
            "b2b_agent_a", "Alice Agent", parent=cls.agency_partner
        )
        cls.agency._b2b_sync_portal_users()
        cls.agency_b_partner = Partner.create(
            {"name": "Debt Hunters Ltd", "is_company": True}
        )
        cls.agent_b = cls._portal_user(
            "b2b_agent_b", "Bob Bailiff", parent=cls.agency_b_partner
        )
        # created after its portal user: the user becomes an agency user
        cls.agency_b = cls.env["b2b.collection.agency"].create(
            {
                "partner_id": cls.agency_b_partner.id,
                "contract_start": TODAY - timedelta(days=365),
                "tier_ids": [Command.create({"min_age": 0, "rate": 20})],
            }
        )
        # a customer's accounts payable contact with ordinary portal access
        cls.portal_customer = new_test_user(
            cls.env,
            login="b2b_portal_customer",
            name="Ann Payable",
            email="ap@acme.example.com",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

        cls.inv_a1 = cls.invoice(1200.0, due=TODAY - timedelta(days=60))
        cls.inv_a2 = cls.invoice(800.0, due=TODAY - timedelta(days=30))
        cls.inv_free = cls.invoice(400.0, due=TODAY - timedelta(days=10))
        cls.inv_b = cls.invoice(
            2500.0, due=TODAY - timedelta(days=45), partner=cls.customer_b
        )
        cls.inv_g = cls.invoice(
            500.0, due=TODAY - timedelta(days=40), partner=cls.customer_g
        )

        cls.placement_a = cls.place(cls.inv_a1 | cls.inv_a2)
        cls.placement_b = cls.place(cls.inv_b, agency=cls.agency_b)
        cls.placement_ended = cls.place(cls.inv_g, date=TODAY - timedelta(days=20))
        cls.placement_ended._b2b_end(
            "recalled", TODAY - timedelta(days=5), recall_reason="No contact"
        )
        cls.pay(cls.inv_a1, amount=300.0, pay_date=TODAY)
        cls.pay(cls.inv_b, amount=500.0, pay_date=TODAY)
        cls.Update = cls.env["b2b.collection.placement.update"]

    @classmethod
    def _portal_user(cls, login, name, parent):
        contact = cls.env["res.partner"].create(
            {"name": name, "parent_id": parent.id, "email": f"{login}@example.com"}
        )
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            email=contact.email,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAgencyPortalRules(AgencyPortalCase):
    """What the record rules let an agency portal user read and create, at
    the ORM level."""

    def test_fixtures(self):
        self.assertRecordValues(
            self.placement_a,
            [{"state": "placed", "commission_rate": 15.0, "placed_amount": 2000.0}],
        )
        self.assertEqual(self.placement_a.recovered_amount, 300.0)
        self.assertEqual(self.placement_a.commission_amount, 45.0)
        self.assertEqual(self.placement_b.commission_amount, 100.0)
        self.assertEqual(self.placement_ended.state, "recalled")

    def test_agency_users_get_the_group(self):
        group = self.env.ref(AGENCY_GROUP)
        self.assertIn(group, self.agent_a.groups_id)
        self.assertIn(
            group, self.agent_b.groups_id, "synced when the agency is created"
        )
        self.assertNotIn(group, self.portal_customer.groups_id)
        self.assertNotIn(group, self.collector.groups_id)

    def test_placements_and_invoices_of_own_agency_only(self):
        env_a = self.env(user=self.agent_a)
        self.assertEqual(
            env_a["b2b.collection.placement"].search([]),
            self.placement_a | self.placement_ended,
        )
        # only the invoices of the running placement, not the recalled one's,
        # nor the customer's invoice placed with nobody, nor agency B's
        self.assertEqual(env_a["account.move"].search([]), self.inv_a1 | self.inv_a2)
        self.assertEqual(
            env_a["account.move.line"].search([]).move_id, self.inv_a1 | self.inv_a2
        )
        for move in self.inv_b | self.inv_free | self.inv_g:
            with self.subTest(move=move.name), self.assertRaises(AccessError):
                move.with_user(self.agent_a).read(["name"])
        with self.assertRaises(AccessError):
            self.inv_b.line_ids.with_user(self.agent_a).read(["balance"])
        self.assertEqual(
            self.env(user=self.agent_b)["account.move"].search([]), self.inv_b
        )

    def test_recoveries_and_updates_of_own_agency_only(self):
        Recovery = self.env["b2b.collection.recovery"]
        self.assertEqual(
            Recovery.with_user(self.agent_a).search([]).mapped("amount"), [300.0]
        )
        self.assertEqual(
            Recovery.with_user(self.agent_b).search([]).mapped("commission_amount"),
            [100.0],
        )
        self.Update.with_user(self.agent_b).create(
            {"placement_id": self.placement_b.id, "description": "Called"}
        )
        self.assertFalse(self.Update.with_user(self.agent_a).search([]))
        with self.assertRaises(AccessError):
            self.placement_b.with_user(self.agent_a).read(["name"])
        with self.assertRaises(AccessError):
            self.agency_b.with_user(self.agent_a).read(["name"])

    def test_customers_of_own_placements_only(self):
        Partner = self.env["res.partner"].with_user(self.agent_a)
        visible = Partner.search([])
        # the customers placed with the agency (running or ended) and their
        # contacts, plus what the portal gives: its own company and contacts
        self.assertIn(self.customer, visible)
        self.assertIn(self.customer_contact, visible)
        self.assertIn(self.customer_g, visible)
        self.assertIn(self.agency_partner, visible)
        self.assertNotIn(self.customer_b, visible)
        self.assertNotIn(self.agency_b_partner, visible)
        self.assertNotIn(self.agent_b.partner_id, visible)
        self.assertEqual(
            visible.commercial_partner_id,
            self.customer | self.customer_g | self.agency_partner,
        )
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.agent_a).read(["street"])
        # a plain portal customer does not get the agency's view of others
        self.assertEqual(
            self.env["res.partner"]
            .with_user(self.portal_customer)
            .search([])
            .commercial_partner_id,
            self.customer,
        )

    def test_updates_created_on_own_running_placements_only(self):
        Update = self.Update.with_user(self.agent_a)
        with self.assertRaises(AccessError):
            Update.create({"placement_id": self.placement_b.id, "description": "x"})
        # an ended placement is out of the agency's rules: no update either
        with self.assertRaises(AccessError):
            Update.create({"placement_id": self.placement_ended.id, "description": "x"})
        with self.assertRaises(AccessError):
            self.Update.with_user(self.portal_customer).create(
                {"placement_id": self.placement_a.id, "description": "x"}
            )
        update = Update.create(
            {
                "placement_id": self.placement_a.id,
                "kind": "payment",
                "description": "Wire received",
                "reported_amount": 250.0,
                "reported_date": TODAY,
            }
        )
        self.assertRecordValues(
            update,
            [
                {
                    "author_id": self.agent_a.id,
                    "from_agency": True,
                    "report_state": "pending",
                    "reported_amount": 250.0,
                }
            ],
        )
        self.assertEqual(self.placement_a.state, "active")
        with self.assertRaises(AccessError):
            update.write({"report_state": "confirmed"})

    def test_grant_portal_access_wizard(self):
        group = self.env.ref(AGENCY_GROUP)
        clerk = self.env["res.partner"].create(
            {
                "name": "Carl Clerk",
                "parent_id": self.agency_b_partner.id,
                "email": "carl.clerk@example.com",
            }
        )
        action = self.agency_b.action_b2b_grant_portal_access()
        wizard = self.env["portal.wizard"].browse(action["res_id"])
        self.assertIn(clerk, wizard.user_ids.partner_id)
        wizard.user_ids.filtered(lambda u: u.partner_id == clerk).action_grant_access()
        user = clerk.user_ids
        self.assertTrue(user._is_portal())
        self.assertIn(group, user.groups_id)
        self.assertEqual(
            self.env["b2b.collection.placement"].with_user(user).search([]),
            self.placement_b,
        )
        # a customer's contact granted access the same way stays a customer
        other = self.env["res.partner"].create(
            {
                "name": "Dora Buyer",
                "parent_id": self.customer_b.id,
                "email": "dora@example.com",
            }
        )
        wizard = self.env["portal.wizard"].with_context(active_ids=other.ids).create({})
        wizard.user_ids.action_grant_access()
        self.assertNotIn(group, other.user_ids.groups_id)
        # revoking the access takes the agency group away too
        wizard = self.env["portal.wizard"].with_context(active_ids=clerk.ids).create({})
        wizard.user_ids.action_revoke_access()
        self.assertNotIn(group, user.groups_id)


@tagged("post_install", "-at_install")
class TestAgencyPortalHttp(AgencyPortalCase, HttpCase):
    """The same isolation through the portal's HTTP routes, as two agency
    users and as a plain portal customer."""

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _get(self, url, status=200):
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, status, url)
        return response

    def _csrf_token(self, placement):
        page = self._get(f"/my/placements/{placement.id}").text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _post(self, url, data, status):
        response = self.url_open(url, data=data, allow_redirects=False)
        self.assertEqual(response.status_code, status, url)
        return response

    def _counts(self):
        return self.Update.search_count([]), self.env["mail.message"].search_count(
            [("model", "=", "b2b.collection.placement")]
        )

    def test_home_counter(self):
        self._login(self.agent_a)
        self.assertIn("/my/placements", self._get("/my").text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["placement_count"]}
        )
        self.assertEqual(counters["placement_count"], 2)
        self._login(self.portal_customer)
        self.assertNotIn("/my/placements", self._get("/my").text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["placement_count"]}
        )
        self.assertEqual(counters["placement_count"], 0)

    def test_placed_invoices_stay_out_of_the_agency_invoice_list(self):
        self._login(self.agent_a)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["invoice_count", "bill_count"]}
        )
        self.assertEqual((counters["invoice_count"], counters["bill_count"]), (0, 0))
        page = self._get("/my/invoices").text
        self.assertNotIn(self.inv_a1.name, page)

    def test_lists_show_own_placements_only(self):
        self._login(self.agent_a)
        running = self._get("/my/placements").text
        self.assertIn(self.placement_a.name, running)
        self.assertIn("Acme Online Retail", running)
        self.assertNotIn(self.placement_ended.name, running)
        self.assertNotIn(self.placement_b.name, running)
        everything = self._get("/my/placements?filterby=all&sortby=amount").text
        self.assertIn(self.placement_a.name, everything)
        self.assertIn(self.placement_ended.name, everything)
        self.assertNotIn(self.placement_b.name, everything)
        self.assertNotIn("Beta Hardware", everything)
        ended = self._get("/my/placements?filterby=ended&sortby=customer").text
        self.assertIn(self.placement_ended.name, ended)
        self.assertNotIn(self.placement_a.name, ended)
        # an ended placement is listed without a link to its page
        self.assertNotIn(f"/my/placements/{self.placement_ended.id}", ended)

        self._login(self.agent_b)
        page = self._get("/my/placements?filterby=all").text
        self.assertIn(self.placement_b.name, page)
        self.assertIn("Beta Hardware", page)
        self.assertNotIn(self.placement_a.name, page)
        self.assertNotIn(self.placement_ended.name, page)
        self.assertNotIn("Acme Online Retail", page)

    def test_own_placement_page(self):
        self._login(self.agent_a)
        page = self._get(f"/my/placements/{self.placement_a.id}").text
        for text in [
            self.placement_a.name,
            "Acme Online Retail",
            "12 Harbour Road",
            "Ann Payable",
            "ap@acme.example.com",
            self.inv_a1.name,
            self.inv_a2.name,
            "1,200.00",  # placed
            "900.00",  # owed now on the first invoice
            "1,700.00",  # owed now on the placement
            "300.00",  # recovered
            "45.00",  # commission
            f"/my/placements/{self.placement_a.id}/invoices/{self.inv_a1.id}",
        ]:
            self.assertIn(text, page)
        for text in [self.inv_free.name, self.inv_b.name, "Beta Hardware", "Gamma"]:
            self.assertNotIn(text, page)

    @mute_logger("odoo.http")
    def test_other_agency_and_ended_placements_are_refused(self):
        self._login(self.agent_a)
        self._get(f"/my/placements/{self.placement_b.id}", 404)
        self._get(f"/my/placements/{self.placement_ended.id}", 403)
        self._get("/my/placements/999999", 404)
        self._login(self.agent_b)
        self._get(f"/my/placements/{self.placement_a.id}", 404)
        self._get(f"/my/placements/{self.placement_b.id}")

    @mute_logger("odoo.http")
    def test_posting_to_another_agency_creates_nothing(self):
        self._login(self.agent_a)
        token = self._csrf_token(self.placement_a)
        before = self._counts()
        self._post(
            f"/my/placements/{self.placement_b.id}/update",
            {"csrf_token": token, "kind": "contact", "description": "Hijack"},
            404,
        )
        self._post(
            f"/my/placements/{self.placement_b.id}/payment",
            {
                "csrf_token": token,
                "amount": "100",
                "payment_date": fields.Date.to_string(TODAY),
            },
            404,
        )
        self._post(
            f"/my/placements/{self.placement_ended.id}/update",
            {"csrf_token": token, "kind": "contact", "description": "Late"},
            403,
        )
        self.assertEqual(self._counts(), before)
        self.assertEqual(self.placement_b.state, "placed")

    @mute_logger("odoo.http")
    def test_post_without_csrf_token_is_refused(self):
        self._login(self.agent_a)
        before = self._counts()
        self._post(
            f"/my/placements/{self.placement_a.id}/update",
            {"kind": "contact", "description": "No token"},
            400,
        )
        self.assertEqual(self._counts(), before)

    def test_post_update_and_payment_report(self):
        self._login(self.agent_a)
        token = self._csrf_token(self.placement_a)
        response = self._post(
            f"/my/placements/{self.placement_a.id}/update",
            {
                "csrf_token": token,
                "kind": "negotiation",
                "description": "Debtor offers two instalments",
            },
            303,
        )
        self.assertTrue(
            response.headers["Location"].endswith(
                f"/my/placements/{self.placement_a.id}?posted=update"
            )
        )
        self._post(
            f"/my/placements/{self.placement_a.id}/payment",
            {
                "csrf_token": token,
                "amount": "250.505",
                "payment_date": fields.Date.to_string(TODAY),
                "description": "",
            },
            303,
        )
        updates = self.Update.search(
            [("placement_id", "=", self.placement_a.id)], order="id"
        )
        self.assertRecordValues(
            updates,
            [
                {
                    "kind": "negotiation",
                    "description": "Debtor offers two instalments",
                    "author_id": self.agent_a.id,
                    "from_agency": True,
                    "report_state": False,
                    "reported_amount": 0.0,
                },
                {
                    "kind": "payment",
                    "description": "Payment received by the agency.",
                    "author_id": self.agent_a.id,
                    "from_agency": True,
                    "report_state": "pending",
                    "reported_amount": 250.51,
                },
            ],
        )
        self.assertEqual(updates[1].reported_date, TODAY)
        self.assertEqual(self.placement_a.state, "active")
        # the recovered figures wait for the accountant's confirmation
        self.assertEqual(self.placement_a.recovered_amount, 300.0)
        page = self._get(f"/my/placements/{self.placement_a.id}?posted=payment").text
        self.assertIn("Payment reported", page)
        self.assertIn("Debtor offers two instalments", page)
        self.assertIn("250.51", page)
        self.assertIn("To confirm", page)

    def test_bad_input_is_refused_with_a_message(self):
        self._login(self.agent_a)
        token = self._csrf_token(self.placement_a)
        tomorrow = fields.Date.to_string(fields.Date.today() + timedelta(days=1))
        update_url = f"/my/placements/{self.placement_a.id}/update"
        payment_url = f"/my/placements/{self.placement_a.id}/payment"
        before = self._counts()
        for url, data, message in [
            (update_url, {"kind": "contact", "description": "  "}, "has no text"),
            (update_url, {"kind": "payment", "description": "x"}, "what kind"),
            (update_url, {"kind": "bogus", "description": "x"}, "what kind"),
            (payment_url, {"amount": "0", "payment_date": "2026-03-01"}, "above 0"),
            (payment_url, {"amount": "-5", "payment_date": "2026-03-01"}, "above 0"),
            (payment_url, {"amount": "0.001", "payment_date": "2026-03-01"}, "above 0"),
            (payment_url, {"amount": "abc", "payment_date": "2026-03-01"}, "a number"),
            (payment_url, {"amount": "nan", "payment_date": "2026-03-01"}, "a number"),
            (payment_url, {"amount": "10", "payment_date": ""}, "Enter the date"),
            (
                payment_url,
                {"amount": "10", "payment_date": "31/02/2026"},
                "is not a date",
            ),
            (payment_url, {"amount": "10", "payment_date": tomorrow}, "in the future"),
        ]:
            with self.subTest(url=url, data=data):
                response = self._post(url, dict(data, csrf_token=token), 400)
                self.assertIn(message, response.text)
        self.assertEqual(self._counts(), before)
        self.assertEqual(self.placement_a.state, "placed")

    def test_invoice_pdf(self):
        self._login(self.agent_a)
        response = self._get(
            f"/my/placements/{self.placement_a.id}/invoices/{self.inv_a1.id}"
        )
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content)
        # invoices of other placements, through any placement
        self._get(f"/my/placements/{self.placement_a.id}/invoices/{self.inv_b.id}", 404)
        self._get(
            f"/my/placements/{self.placement_a.id}/invoices/{self.inv_free.id}", 404
        )
        self._get(f"/my/placements/{self.placement_b.id}/invoices/{self.inv_b.id}", 404)
        self._get(
            f"/my/placements/{self.placement_ended.id}/invoices/{self.inv_g.id}", 403
        )
        # nor through the standard invoice portal (it sends back to /my)
        response = self._get(f"/my/invoices/{self.inv_b.id}", 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        self._login(self.agent_b)
        self._get(f"/my/placements/{self.placement_b.id}/invoices/{self.inv_b.id}")
        self._get(
            f"/my/placements/{self.placement_a.id}/invoices/{self.inv_a1.id}", 404
        )

    @mute_logger("odoo.http")
    def test_portal_customer_is_refused_everywhere(self):
        self._login(self.portal_customer)
        self._get("/my/placements", 404)
        self._get(f"/my/placements/{self.placement_a.id}", 404)
        self._get(
            f"/my/placements/{self.placement_a.id}/invoices/{self.inv_a1.id}", 404
        )
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', self._get("/my/account").text
        ).group(1)
        before = self._counts()
        self._post(
            f"/my/placements/{self.placement_a.id}/update",
            {"csrf_token": token, "kind": "contact", "description": "x"},
            404,
        )
        self._post(
            f"/my/placements/{self.placement_a.id}/payment",
            {"csrf_token": token, "amount": "10", "payment_date": "2026-03-01"},
            404,
        )
        self.assertEqual(self._counts(), before)

    def test_tour_post_an_update(self):
        self.start_tour("/my", "b2b_agency_portal_tour", login=self.agent_a.login)
        update = self.Update.search([("placement_id", "=", self.placement_a.id)])
        self.assertRecordValues(
            update,
            [
                {
                    "kind": "negotiation",
                    "description": "Spoke to Ann Payable: pays half on Friday",
                    "author_id": self.agent_a.id,
                    "from_agency": True,
                }
            ],
        )
        self.assertEqual(self.placement_a.state, "active")
