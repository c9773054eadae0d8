import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ai_invoicing_review_tour", {
    steps: () => [
        {
            content: "The review queue lists the pending AI-drafted invoice",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=partner_id]:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "The invoice tells why it waits",
            trigger: ".o_form_view .alert-warning:contains(above the review threshold)",
        },
        {
            content: "Open the AI checks",
            trigger: ".o_notebook .nav-link:contains(AI Checks)",
            run: "click",
        },
        {
            content: "Read the finding: a severity badge and a plain message",
            trigger: ".o_notebook .list-group-item:has(.badge.text-bg-warning):contains(discount)",
        },
        {
            content: "Approve it",
            trigger: ".o_form_statusbar button[name=action_ai_approve]",
            run: "click",
        },
        {
            content: "Give a reason",
            trigger: ".modal div[name=reason] textarea",
            run: "edit Checked against the delivery slip",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The invoice is posted and no longer waits",
            trigger: ".o_form_view:not(:has(.modal)) .o_form_statusbar:not(:has(button[name=action_ai_approve]))",
        },
    ],
});
