# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AiInvoiceAgentBilling(models.AbstractModel):
    _inherit = "ai.invoice.agent.billing"

    @api.model
    def _period_orders(self, company):
        """Orders of projects with their own AI invoicing period wait for it.

        Consolidated billing would otherwise invoice their timesheets without the
        period's dates, ahead of the project's draft.
        """
        orders = super()._period_orders(company)
        if not orders:
            return orders
        # sudo: project.project - which orders the project agent drafts, whoever runs
        projects = (
            self.env["project.project"]
            .sudo()
            .search([("ai_invoice_period", "!=", "none"), ("allow_billable", "=", True)])
        )
        if not projects:
            return orders
        return orders - projects._fetch_sale_order_items().order_id.sudo(False)
