/** @odoo-module **/

import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The collector's main path: Collections app > Worklist (their own customers,
// each with why it is there) > a promise in three clicks: "Log a Call" on the
// customer's row, "Promised to pay", Save (the amount and the date are
// proposed) > the customer's chatter shows the call note and the check planned
// for the promised day. Data: b2b_collections/tests/test_tour.py.
const CUSTOMER = "Tour Test Retail";

registry.category("web_tour.tours").add("b2b_collections_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Collections app",
            trigger: ".o_app[data-menu-xmlid='b2b_collections.b2b_collections_menu_root']",
            run: "click",
        },
        {
            content: "The Worklist opens on the collector's customers that need action today",
            trigger:
                ".o_list_view:has(.o_last_breadcrumb_item:contains('Worklist')) .o_searchview_facet:contains('Needs Action Today') ~ .o_searchview_facet:contains('My Customers')",
        },
        {
            content: "The row says why: a call is due today",
            trigger: `.o_list_view .o_data_row:contains('${CUSTOMER}') .o_field_widget[name='reason']:contains('Call due')`,
        },
        {
            content: "Look the customer up",
            trigger: ".o_searchview_input",
            run: `edit ${CUSTOMER}`,
        },
        {
            content: "Search on the Customer field",
            trigger: ".o_searchview_autocomplete .o_menu_item:contains('Search Customer for')",
            run: "click",
        },
        {
            content: "Click 1: log a call from the customer's row",
            trigger: `.o_list_view .o_data_row:contains('${CUSTOMER}') button[name='action_b2b_log_call']`,
            run: "click",
        },
        {
            content: "The call note form opens in a dialog, on that customer",
            trigger: `.modal .o_form_view .o_field_widget[name='partner_id'] input:value('${CUSTOMER}')`,
        },
        {
            content: "Channel: phone (a call is logged)",
            trigger: ".modal .o_field_widget[name='channel'] select:has(option:selected:contains('Phone'))",
        },
        {
            content: "Click 2: the customer promised to pay",
            trigger: ".modal .o_field_widget[name='outcome'] .o_radio_item:contains('Promised to pay') input",
            run: "click",
        },
        {
            content: "The promise proposes the overdue amount...",
            trigger: ".modal .o_field_widget[name='promise_amount'] input:value('3,000.00')",
        },
        {
            content: "... by the company's promise term",
            trigger: `.modal .o_field_widget[name='promise_date'] input:value('${formatDate(luxon.DateTime.local().plus({ days: 7 }))}')`,
        },
        {
            content: "Click 3: save",
            trigger: ".modal button[name='action_b2b_save_call']",
            run: "click",
        },
        {
            content: "A confirmation says what was recorded",
            trigger: ".o_notification:contains('Call logged'):contains('Promise of')",
        },
        {
            content: "The dialog closes and the customer leaves today's worklist",
            trigger: "body:not(:has(.modal)) .o_view_nocontent:contains('Nothing to chase today')",
        },
        {
            content: "Open Collections > Customers",
            trigger: ".o_main_navbar [data-menu-xmlid='b2b_collections.res_partner_collections_menu']",
            run: "click",
        },
        {
            content: "The customers in collection open",
            trigger: ".o_kanban_view:has(.o_last_breadcrumb_item:contains('Customers in Collection'))",
        },
        {
            content: "Look the customer up",
            trigger: ".o_kanban_view .o_searchview_input",
            run: `edit ${CUSTOMER}`,
        },
        {
            content: "Search its name",
            trigger: `.o_searchview_autocomplete .o_menu_item:contains('${CUSTOMER}'):first`,
            run: "click",
        },
        {
            content: "Open the customer",
            trigger: `.o_kanban_record:contains('${CUSTOMER}')`,
            run: "click",
        },
        {
            content: "The customer's form is open",
            trigger: `.o_form_view .o_field_widget[name='name'] input:value('${CUSTOMER}')`,
        },
        {
            content: "The chatter shows the call note with the promise",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Promised to pay'):contains('Promised ')",
        },
        {
            content: "The chatter lists the planned follow-up activity",
            trigger: ".o-mail-Chatter .o-mail-Activity:contains('Check payment of'):contains('promised by')",
        },
    ],
});
