# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AiInvoiceAgentProject(models.AbstractModel):
    """The rollout's gate for project invoicing: an order outside every rollout scope, or
    in a scope switched off, is not processed (routing then applies the scope's level)."""

    _inherit = "ai.invoice.agent.project"

    @api.model
    def _run(self, log):
        order = log.milestone_id.sale_line_id.order_id or log.sale_order_id
        if order:
            lines = log.milestone_id.sale_line_id or None
            reason = self._ai_rollout_skip_reason_lines(order, lines)
            if reason:
                return self._skip(log, reason)
        return super()._run(log)
