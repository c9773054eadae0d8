# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AccountPartialReconcile(models.Model):
    """A customer invoice reconciled or unreconciled makes its customer's stored payment
    behaviour stale (refreshed by the scheduled run, or at the customer's next draft)."""

    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._ai_mark_payment_behaviour_stale()
        return partials

    def unlink(self):
        self._ai_mark_payment_behaviour_stale()
        return super().unlink()

    def _ai_mark_payment_behaviour_stale(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id.filtered(
            lambda move: move.move_type == "out_invoice"
        )
        if moves:
            self.env["ai.payment.behaviour"]._mark_stale(
                {(move.company_id.id, move.commercial_partner_id.id) for move in moves}
            )
