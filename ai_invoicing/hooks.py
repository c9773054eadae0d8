# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import fields
from odoo.fields import Command

DEMO_ORDERS = (
    "ai_invoicing.demo_order_review",
    "ai_invoicing.demo_order_sent",
    "ai_invoicing.demo_order_failed",
)


def post_init_hook(env):
    """Let the agent work in every company and give each one its AI journal."""
    agent = env.ref("ai_invoicing.user_ai_agent")
    companies = env["res.company"].search([])
    agent.company_ids = [Command.set(companies.ids)]
    for company in companies:
        company._ai_get_invoice_journal()
    companies._ai_ensure_default_rollout_scope()
    _run_demo(env)
    _demo_rollout_history(env)


def _run_demo(env):
    """With demo data: validate the demo deliveries and run the agents at once."""
    orders = [env.ref(xmlid, raise_if_not_found=False) for xmlid in DEMO_ORDERS]
    if not all(orders):
        return
    regular = env.ref("ai_invoicing.demo_partner_regular")
    crate = env.ref("ai_invoicing.demo_product_crate")
    # the regular customer has a posted invoice: not a new customer any more
    env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": regular.id,
            "invoice_line_ids": [
                Command.create({"product_id": crate.id, "quantity": 5, "price_unit": 36.0})
            ],
        }
    ).action_post()
    for order in orders:
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        # the jobs run inline here, as the queue would run them
        picking.with_context(queue_job__no_delay=True).button_validate()


def _demo_rollout_history(env):
    """With demo data: what the reviewers of the pilot scope decided on its first drafts."""
    scope = env.ref("ai_invoicing.demo_scope_kegs", raise_if_not_found=False)
    if not scope:
        return
    now = fields.Datetime.now()
    outcomes = ["unchanged"] * 33 + ["changed"] * 2 + ["rejected"]
    env["ai.invoice.log"]._system_create(
        [
            {
                "agent": "invoice_draft",
                "trigger": "picking_done",
                "company_id": scope.company_id.id,
                "state": "rejected" if outcome == "rejected" else "approved",
                "decision": "held_for_review",
                "review_required": True,
                "review_reason": f"pilot: {index} of 100 for scope {scope.name}",
                "rationale": "Demo: a pilot draft of the Beer kegs scope.",
                "rollout_scope_id": scope.id,
                "rollout_outcome": outcome,
                "rollout_outcome_date": now - timedelta(days=len(outcomes) - index),
            }
            for index, outcome in enumerate(outcomes, start=1)
        ]
    )
