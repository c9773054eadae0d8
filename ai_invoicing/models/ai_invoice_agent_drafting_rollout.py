# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services import rollout

REASON_PILOT = "pilot"
REASON_CUSTOMER_WATCH = "customer_watch"
REASON_OUT_OF_SCOPE = "out_of_scope"


class AiInvoiceAgentDrafting(models.AbstractModel):
    """The rollout's two steps in drafting: a gate each drafting agent asks before Odoo's
    engine (documents outside every scope, or in a scope switched off, are not
    processed) and one step in routing (which scope, which autonomy level, which pilot
    number)."""

    _inherit = "ai.invoice.agent.drafting"

    @api.model
    def _ai_rollout_skip_reason(self, order, picking=None):
        """Why the agents leave this order alone (None: a scope takes it)."""
        sale_lines = picking.move_ids.sale_line_id if picking else None
        return self._ai_rollout_skip_reason_lines(order, sale_lines or None)

    @api.model
    def _ai_rollout_skip_reason_lines(self, order, sale_lines=None):
        """The same for given order lines (None: what the order has left to invoice)."""
        return self.env["ai.rollout.scope"]._ai_for_order(order, sale_lines)[1]

    @api.model
    def _route(self, run):
        return self._ai_rollout_route(run.invoice, super()._route(run))

    @api.model
    def _ai_rollout_route(self, invoice, routing):
        """Which scope, which autonomy level, which pilot number: the rollout's step.

        Adds the pilot / customer-watch reasons in front of the others, and decides
        ``auto_post`` from the scope's level (not from the company switch).
        """
        scope, outside = self.env["ai.rollout.scope"]._ai_for_invoice(invoice)
        routing["auto_post"] = False
        if outside or not scope:
            # the gate let the order in, but the draft's lines fall outside: a person decides
            routing.update(review_required=True)
            routing["reasons"].insert(0, outside)
            routing["codes"].append(REASON_OUT_OF_SCOPE)
            routing["rollout"] = {"scope_id": scope.id or False, "level": scope.level or False}
            return routing
        number = scope._ai_next_draft()
        reasons, codes = [], []
        if scope.pilot_size and number <= scope.pilot_size:
            reasons.append(
                self.env._(
                    "pilot: %(number)s of %(size)s for scope %(scope)s",
                    number=number,
                    size=scope.pilot_size,
                    scope=scope.name,
                )
            )
        elif scope.level == "pilot":
            reasons.append(
                self.env._(
                    "pilot: scope %(scope)s is in pilot (draft %(number)s): every draft goes to "
                    "review until a manager raises its level",
                    scope=scope.name,
                    number=number,
                )
            )
        if reasons:
            codes.append(REASON_PILOT)
        watched = self._ai_customer_watch(invoice)
        if watched:
            reasons.append(watched)
            codes.append(REASON_CUSTOMER_WATCH)
        if reasons:
            routing["review_required"] = True
            routing["reasons"] = reasons + routing["reasons"]
            routing["codes"] = codes + routing["codes"]
        routing["auto_post"] = scope.level in rollout.POSTING_LEVELS
        routing["rollout"] = {
            "scope_id": scope.id,
            "scope": scope.name,
            "level": scope.level,
            "draft_number": number,
            "pilot_size": scope.pilot_size,
            "fingerprint": invoice._ai_fingerprint(),
        }
        invoice._ai_write({"ai_rollout_scope_id": scope.id})
        return routing

    @api.model
    def _ai_customer_watch(self, invoice):
        """A customer whose auto-posted invoice was marked wrong: back in review (counted)."""
        # sudo: res.partner - the agent counts down the customer's drafts back in review
        partner = invoice.commercial_partner_id.with_company(invoice.company_id).sudo()
        left = partner.ai_rollout_review_left
        if left <= 0:
            return None
        partner.ai_rollout_review_left = left - 1
        return self.env._(
            "customer back in review: an auto-posted invoice of %(partner)s was marked wrong "
            "(%(left)s more draft(s) after this one)",
            partner=partner.name,
            left=left - 1,
        )
