# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.fields import Command


def post_init_hook(env):
    """Let the agent work in every company and give each one its AI journal."""
    agent = env.ref("ai_invoicing.user_ai_agent")
    companies = env["res.company"].search([])
    agent.company_ids = [Command.set(companies.ids)]
    for company in companies:
        company._ai_get_invoice_journal()
