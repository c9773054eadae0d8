import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ai_invoicing_followup_send_tour", {
    steps: () => [
        {
            content: "Open the overdue customer",
            trigger: ".o_data_row:contains(Tour Brasserie) .o_data_cell[name=display_name]",
            run: "click",
        },
        {
            content: "Its Follow-up tab",
            trigger: ".o_notebook .nav-link:contains(Follow-up)",
            run: "click",
        },
        {
            content: "Send & Print",
            trigger: ".o_notebook button[name=action_ai_followup_send]",
            run: "click",
        },
        {
            content: "The preview lays the invoices out in a table with a Pay Now button",
            trigger: ".modal div[name=preview] table:contains(Amount Due)",
        },
        {
            content: "The preview has the Pay Now button",
            trigger: ".modal div[name=preview] a:contains(Pay Now)",
        },
        {
            content: "Edit the subject",
            trigger: ".modal div[name=subject] input",
            run: "edit Tour reminder subject",
        },
        {
            content: "Leave the field",
            trigger: ".modal div[name=send_email] input",
            run: "click",
        },
        {
            content: "Back to e-mail",
            trigger: ".modal div[name=send_email] input:not(:checked)",
            run: "click",
        },
        {
            content: "The preview follows",
            trigger: ".modal div[name=preview]:contains(Tour reminder subject)",
        },
        {
            content: "Send it",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The result stays on screen",
            trigger: ".o_notification:contains(1 reminder(s) sent)",
        },
    ],
});
