# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class AiInvoiceReviewWizard(models.TransientModel):
    _name = "ai.invoice.review.wizard"
    _description = "Approve or Reject AI-Drafted Invoices"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    decision = fields.Selection(
        [("approve", "Approve"), ("reject", "Reject")], required=True, default="approve"
    )
    reason = fields.Text(help="Required when rejecting; kept in the log and the chatter.")
    move_count = fields.Integer(compute="_compute_move_count")
    pending_reasons = fields.Text(compute="_compute_move_count")

    @api.depends("move_ids")
    def _compute_move_count(self):
        for wizard in self:
            wizard.move_count = len(wizard.move_ids)
            wizard.pending_reasons = "\n".join(
                f"{move.display_name}: {move.ai_review_reason or ''}" for move in wizard.move_ids
            )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "move_ids" in fields_list and not values.get("move_ids"):
            active_ids = self.env.context.get("active_ids") or []
            if self.env.context.get("active_model") == "account.move" and active_ids:
                values["move_ids"] = [fields.Command.set(active_ids)]
        return values

    def action_confirm(self):
        self.ensure_one()
        moves = self.move_ids
        if self.decision == "approve":
            moves._ai_approve(self.reason)
        else:
            moves._ai_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
