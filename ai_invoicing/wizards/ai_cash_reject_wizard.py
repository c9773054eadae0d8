# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class AiCashRejectWizard(models.TransientModel):
    """Reject cash suggestions with the reason the clerk gives (kept on the suggestion,
    its log and the bank entry's chatter)."""

    _name = "ai.cash.reject.wizard"
    _description = "Reject AI Cash Suggestions"

    suggestion_ids = fields.Many2many("ai.cash.suggestion", string="Suggestions", readonly=True)
    reason = fields.Text(
        required=True,
        help="Why this match is wrong (another customer, a refund, a loan...): the agent will "
        "not propose it again for this transaction.",
    )

    def action_reject(self):
        self.ensure_one()
        self.suggestion_ids.action_reject(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
