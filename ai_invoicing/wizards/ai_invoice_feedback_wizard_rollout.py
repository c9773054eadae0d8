# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class AiInvoiceFeedbackWizard(models.TransientModel):
    """Feedback that changes the rules: an auto-posted invoice marked wrong counts against
    its rollout scope, names the check that should have caught it, and puts the customer
    back into review for its next drafts."""

    _inherit = "ai.invoice.feedback.wizard"

    missed_check = fields.Selection(
        selection="_selection_missed_check",
        string="Should Have Been Caught By",
        help="For an invoice the agent posted: which check should have held it for review.",
    )

    @api.model
    def _selection_missed_check(self):
        return self.env["ai.invoice.log"]._selection_missed_check()

    def action_confirm(self):
        res = super().action_confirm()
        if self.feedback == "wrong":
            self._ai_rollout_wrong()
        return res

    def _ai_rollout_wrong(self):
        logs = self.log_ids.exists()
        drafting = logs.filtered(lambda log: log.rollout_scope_id and log.agent != "rollout")
        drafting |= self.env["ai.invoice.log"]._ai_drafting_logs(logs.move_id)
        posted = drafting.filtered(lambda log: log.decision == "posted")
        if not posted:
            return
        posted._ai_set_outcome("wrong", self.missed_check or "other")
        for log in posted:
            scope = log.rollout_scope_id.sudo()  # sudo: ai.rollout.scope - its setting only
            # sudo: res.partner - the customer goes back into review (a system counter)
            partner = log.move_id.commercial_partner_id.with_company(log.company_id).sudo()
            partner.ai_rollout_review_left = max(
                partner.ai_rollout_review_left, scope.customer_review_count
            )
