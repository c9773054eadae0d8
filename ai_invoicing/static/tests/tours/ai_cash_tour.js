import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ai_invoicing_cash_tour", {
    steps: () => [
        {
            content: "The waiting payment shows its invoice with the due date",
            trigger: ".o_data_row:contains(Tour Payment One) .o_data_cell[name=invoice_summary]:contains(due)",
        },
        {
            content: "Accept the first suggestion",
            trigger: ".o_data_row:contains(Tour Payment One) button[name=action_accept]",
            run: "click",
        },
        {
            content: "Confirm the reconciliation",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The accepted transaction leaves the list",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Payment One)))",
        },
        {
            content: "Reject the second suggestion",
            trigger: ".o_data_row:contains(Tour Payment Two) button[name=action_reject_ask]",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal div[name=reason] textarea",
            run: "edit Paid for another customer",
        },
        {
            content: "Reject",
            trigger: ".modal button[name=action_reject]",
            run: "click",
        },
        {
            content: "The rejected suggestion leaves the list",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Payment Two)))",
        },
    ],
});

registry.category("web_tour.tours").add("ai_invoicing_cash_manual_tour", {
    steps: () => [
        {
            content: "A transaction without suggestion says why",
            trigger: ".o_data_row:contains(Tour Wire Three) .o_data_cell[name=ai_cash_note]:contains(No open customer item fits)",
        },
        {
            content: "Match it by hand",
            trigger: ".o_data_row:contains(Tour Wire Three) button[name=action_ai_cash_manual_match]",
            run: "click",
        },
        {
            content: "Add an open item",
            trigger: ".modal .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Search the invoice of any customer",
            trigger: ".modal .o_data_row .o_field_widget[name=move_line_id] input",
            run: "edit TOURINV",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains(TOURINV)",
            run: "click",
        },
        {
            content: "The amount to apply is proposed",
            trigger: ".modal .o_data_row .o_field_widget[name=amount] input:value(247.00)",
        },
        {
            content: "The preview shows the entry and what stays open",
            trigger: ".modal div[name=preview]:contains(left to pay after this match)",
        },
        {
            content: "Apply",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The result stays on screen",
            trigger: ".o_notification:contains(1 transaction(s) reconciled)",
        },
    ],
});
