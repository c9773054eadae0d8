# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AiInvoiceAgent(models.AbstractModel):
    """Every drafting agent's log names its rollout scope (from the routing), and an
    invoice the agent posted counts as right first time until someone corrects it."""

    _inherit = "ai.invoice.agent"

    @api.model
    def _done(self, log, vals):
        rollout = ((vals.get("source_data") or {}).get("routing") or {}).get("rollout") or {}
        if rollout.get("scope_id"):
            vals = dict(vals, rollout_scope_id=rollout["scope_id"])
        result = super()._done(log, vals)
        if rollout.get("scope_id") and vals.get("decision") == "posted":
            log._ai_set_outcome("posted")
        return result
