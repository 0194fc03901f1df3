from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _b2b_load_agency_demo(self, company=None):
        """Demo story, the agencies (told once)."""
        company = company or self.env.company
        env, journal, bank, partners = self._b2b_demo_context(company)
        if not partners or env["b2b.collection.agency"].search_count(
            [("company_id", "in", (company.id, False))], limit=1
        ):
            return
        self.with_env(env)._b2b_demo_agencies(company, partners, journal, bank)

    @api.model
    def _b2b_demo_agencies(self, company, partners, journal, bank):
        """Two agencies with six months of placements: recovered, recalled,
        uncollectible and running ones, status updates, a payment report to
        confirm, a portal user each and last month's commission bill."""
        agencies, agents = self._b2b_demo_agency_firms(company)
        placements = self._b2b_demo_placements(
            company, partners, journal, bank, agencies, agents
        )
        self._b2b_demo_agency_audits(agencies)
        self._b2b_demo_agency_feedback(placements, partners)
        self.env["b2b.collection.agency"]._cron_b2b_agency_alerts()
        self._b2b_demo_agency_bills(company)

    @api.model
    def _b2b_demo_agency_firms(self, company):
        """Chapter: Northbridge and Keystone, their terms and an agent each
        (a portal user); the company's commission account. Returns the two
        agencies and {agency: agent}."""
        today = fields.Date.context_today(self)
        env = self.env
        agencies, agents = [], {}
        for name, slug, fee, tiers, licence_days, targets in [
            (
                "Northbridge Recovery Partners",
                "northbridge",
                35.0,
                [(0, 90, 12.0), (91, 180, 18.0), (181, 0, 25.0)],
                20,  # the licence expires soon: the managers are alerted
                (55.0, 45),
            ),
            (
                "Keystone Credit Services",
                "keystone",
                0.0,
                [(0, 180, 20.0), (181, 0, 30.0)],
                400,
                (50.0, 60),
            ),
        ]:
            partner = env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "email": f"desk@{slug}.example.com",
                    "phone": "+1 555 0300" if slug == "northbridge" else "+1 555 0400",
                    "city": "Chicago" if slug == "northbridge" else "Denver",
                }
            )
            agent = self._b2b_demo_agency_agent(company, partner, slug)
            agencies.append(
                env["b2b.collection.agency"].create(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "fixed_fee": fee,
                        "contract_start": today - timedelta(days=400),
                        "licence_number": f"CA-{slug[:3].upper()}-2291",
                        "licence_expiry": today + timedelta(days=licence_days),
                        "jurisdictions": "US",
                        "max_debt_age": 540,
                        "target_recovery_rate": targets[0],
                        "target_days_to_recover": targets[1],
                        "tier_ids": [
                            Command.create(
                                {"min_age": low, "max_age": high, "rate": rate}
                            )
                            for low, high, rate in tiers
                        ],
                    }
                )
            )
            agents[agencies[-1]] = agent
        if not company.b2b_agency_commission_account_id:
            company.b2b_agency_commission_account_id = self._b2b_demo_expense_account(
                company, "626100", "Collection Agency Commissions"
            )
        return agencies, agents

    @api.model
    def _b2b_demo_agency_agent(self, company, partner, slug):
        """The agency's account manager, a portal user of the agency group
        (login and password: ``slug``)."""
        env = self.env
        contact = env["res.partner"].create(
            {
                "name": "Nora Bridge" if slug == "northbridge" else "Ken Stone",
                "parent_id": partner.id,
                "email": f"agent@{slug}.example.com",
                "function": "Account manager",
            }
        )
        return (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": slug,
                    "password": slug,
                    "partner_id": contact.id,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.set(
                            [
                                env.ref("base.group_portal").id,
                                env.ref(
                                    "b2b_collections_agency.group_b2b_collection_agency"
                                ).id,
                            ]
                        )
                    ],
                }
            )
        )

    @api.model
    def _b2b_demo_placements(self, company, partners, journal, bank, agencies, agents):
        """Chapter: nine placements of customers' invoices over six months,
        paid, updated by the agents, recalled or closed. Returns them."""
        today = fields.Date.context_today(self)
        legal = self.env["b2b.collection.stage"]._b2b_stage("legal")
        north, key = agencies
        # (agency, customer, invoice amounts, placed days ago, days overdue when
        #  placed, payments (days after placement, share; None: the rest), end)
        stories = [
            (
                north,
                29,
                [3100, 1850],
                170,
                75,
                [(20, 0.5), (45, None)],
                ("closed_recovered", 50, "Paid in full after two calls."),
            ),
            (
                north,
                30,
                [4750],
                140,
                100,
                [(30, 0.6), (70, None)],
                ("closed_recovered", 75, "Settled through the agency."),
            ),
            (north, 31, [6200], 120, 130, [(40, 0.3)], None),
            (north, 32, [2400, 780], 60, 95, [(25, 0.5)], None),
            (north, 33, [1200], 20, 60, [], None),
            (
                key,
                21,
                [4750],
                140,
                185,
                [(60, 0.25)],
                (
                    "recalled",
                    100,
                    "No progress for 40 days; the debtor asked to deal "
                    "with us directly.",
                ),
            ),
            (
                key,
                22,
                [3100, 2400],
                150,
                120,
                [(50, 0.4), (90, 0.2)],
                ("closed_uncollectible", 120, "Debtor filed for insolvency."),
            ),
            (key, 23, [6200], 90, 150, [(35, 0.5)], None),
            (key, 24, [1850], 45, 220, [], None),
        ]
        placements = self.env["b2b.collection.placement"]
        for agency, index, amounts, ago, overdue, pays, end in stories:
            placed_on = today - timedelta(days=ago)
            due = placed_on - timedelta(days=overdue)
            moves = self._b2b_demo_overdue_invoices(
                company, journal, partners[index], amounts, due
            )
            placement = self._b2b_demo_place(agency, moves, placed_on, pays, bank)
            self._b2b_demo_placement_updates(placement, agents[agency], index)
            if end:
                state, days_after, note = end
                placement._b2b_end(
                    state,
                    placed_on + timedelta(days=days_after),
                    legal if state == "closed_uncollectible" else None,
                    **{"recall_reason" if state == "recalled" else "close_note": note},
                )
            placements |= placement
        return placements

    @api.model
    def _b2b_demo_overdue_invoices(self, company, journal, customer, amounts, due):
        """Posted invoices of ``customer`` for ``amounts``, due on ``due``."""
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Wholesale stock order",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for amount in amounts
            ]
        )
        moves.action_post()
        return moves

    @api.model
    def _b2b_demo_place(self, agency, moves, placed_on, pays, bank):
        """The invoices ``moves`` placed with ``agency`` on ``placed_on``, then
        paid as ``pays`` says: (days after placement, share of each invoice;
        None: the rest)."""
        placement = self.env["b2b.collection.placement"].create(
            {
                "company_id": moves.company_id.id,
                "agency_id": agency.id,
                "partner_id": moves.partner_id.id,
                "date_placed": placed_on,
                "line_ids": [Command.create({"move_id": m.id}) for m in moves],
            }
        )
        placement.action_place()
        placement.action_activate()
        for days_after, share in pays:
            pay_date = placed_on + timedelta(days=days_after)
            self._b2b_demo_pay(
                [
                    (
                        move,
                        pay_date,
                        None if share is None else round(move.amount_total * share, 2),
                    )
                    for move in moves
                    if move.amount_residual
                ],
                bank,
            )
        return placement

    @api.model
    def _b2b_demo_placement_updates(self, placement, agent, index):
        """Chapter: the status updates ``agent`` posts on the placement of
        demo customer ``index``, and a payment reported to confirm."""
        today = fields.Date.context_today(self)
        placed_on = placement.date_placed
        updates = {
            31: [
                ("contact", "Reached the CFO; promised a proposal next week."),
                ("negotiation", "Proposal: 3 monthly instalments, under review."),
            ],
            32: [("contact", "Letter sent and two calls to accounts payable.")],
            33: [("contact", "First contact: the debtor acknowledges the debt.")],
            23: [
                (
                    "negotiation",
                    "Half paid; the remainder expected after their " "quarter close.",
                )
            ],
            24: [
                ("obstacle", "Phone disconnected; tracing a new address."),
                ("legal", "Skip-trace ordered; demand letter drafted."),
            ],
        }
        agent_updates = self.env["b2b.collection.placement.update"].with_user(agent)
        for step, (kind, text) in enumerate(updates.get(index, []), start=1):
            agent_updates.create(
                {
                    "placement_id": placement.id,
                    "kind": kind,
                    "description": text,
                    "date": fields.Datetime.to_datetime(
                        min(today, placed_on + timedelta(days=7 * step))
                    )
                    + timedelta(hours=10),
                }
            )
        if index == 33:
            agent_updates.create(
                {
                    "placement_id": placement.id,
                    "kind": "payment",
                    "description": "Wire received on our client account; "
                    "remitting with this month's statement.",
                    "reported_amount": 600.0,
                    "reported_date": today - timedelta(days=2),
                }
            )

    @api.model
    def _b2b_demo_agency_audits(self, agencies):
        """Chapter: a clean audit of Northbridge, an overdue one of Keystone
        with a finding."""
        today = fields.Date.context_today(self)
        north, key = agencies
        for agency, days_ago, failing in [
            (north, 200, None),
            (key, 380, "Contact hours"),
        ]:
            audit = self.env["b2b.collection.agency.audit"].create(
                {"agency_id": agency.id, "date": today - timedelta(days=days_ago)}
            )
            for line in audit.line_ids:
                failed = bool(failing) and failing.lower() in line.item_id.name.lower()
                line.write(
                    {
                        "result": "fail" if failed else "pass",
                        "comment": "Two calls after 8 pm logged in March."
                        if failed
                        else False,
                    }
                )
            audit.action_done()

    @api.model
    def _b2b_demo_agency_feedback(self, placements, partners):
        """Chapter: the debtors' feedback on both agencies, two complaints."""
        feedback = {
            29: (5, False, "Polite and clear about the amounts."),
            30: (4, False, "Agreed a schedule quickly."),
            31: (4, False, False),
            21: (2, True, "Aggressive calls outside business hours."),
            22: (3, False, False),
            23: (2, True, "Called our CEO's mobile number."),
        }
        for placement in placements:
            index = partners.ids.index(placement.partner_id.id)
            if index in feedback:
                rating, complaint, comment = feedback[index]
                self.env["b2b.collection.placement.feedback"].create(
                    {
                        "placement_id": placement.id,
                        "date": placement.date_placed + timedelta(days=30),
                        "rating": rating,
                        "complaint": complaint,
                        "comment": comment,
                    }
                )

    @api.model
    def _b2b_demo_agency_bills(self, company):
        """Chapter: last month's commission bills."""
        if company.b2b_agency_commission_account_id:
            today = fields.Date.context_today(self)
            self.env["b2b.collection.recovery"]._b2b_create_bills(
                company, today.replace(day=1) - timedelta(days=1)
            )
