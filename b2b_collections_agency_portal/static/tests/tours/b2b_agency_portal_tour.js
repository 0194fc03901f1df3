/** @odoo-module **/

import { registry } from "@web/core/registry";

// An agency's portal user: My Account > Placements > the running placement >
// post a status update, which shows in the placement's history.
// Data: b2b_collections/tests/test_agency_portal.py (TestAgencyPortalHttp).
registry.category("web_tour.tours").add("b2b_agency_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home shows the agency's placements",
            trigger: ".o_portal_index_card a[href='/my/placements']",
            run: "click",
        },
        {
            content: "Open the running placement",
            trigger: "tr.o_b2b_placement_row:contains('Acme Online Retail') a",
            run: "click",
        },
        {
            content: "The placement shows the customer and its invoices",
            trigger: "#placement_customer:contains('12 Harbour Road')",
        },
        {
            content: "Say what happened",
            trigger: ".o_b2b_update_form select[name='kind']",
            run: "select negotiation",
        },
        {
            content: "Write the details",
            trigger: ".o_b2b_update_form textarea[name='description']",
            run: "edit Spoke to Ann Payable: pays half on Friday",
        },
        {
            content: "Post the update",
            trigger: ".o_b2b_update_form button[type='submit']",
            run: "click",
        },
        {
            content: "The update is posted",
            trigger: ".alert-success:contains('Your update is posted')",
        },
        {
            content: "and shows in the history",
            trigger: "tr.o_b2b_placement_update:contains('pays half on Friday'):contains('Negotiation')",
        },
    ],
});
