# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services.checks import Finding


class AccountMoveAiChecks(models.AbstractModel):
    """The payment-terms policy check: the draft's terms against the rule its customer's
    payment behaviour meets (``ai.payment.term.rule``). Looser terms are a warning with
    the figures and the suggested terms; terms the policy already put on the draft are
    noted (info)."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        return super()._check_functions(move, batch) + [
            (
                move.company_id.ai_payment_terms_policy,
                lambda: self._findings_payment_terms_policy(move, batch),
            )
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        batch["payment_terms"] = self._prefetch_payment_terms(
            moves.filtered(
                lambda m: m.company_id.ai_payment_terms_policy and m.move_type == "out_invoice"
            )
        )
        return batch

    @api.model
    def _prefetch_payment_terms(self, moves, refresh=True):
        """The policy's rules per company (one search) and the customers' payment behaviour
        (refreshed only for customers without a fresh row, unless ``refresh`` is false)."""
        if not moves:
            return {"rules": {}, "rows": {}}
        return {
            "rules": self.env["ai.payment.term.rule"]._rules_by_company(moves.company_id),
            "rows": self.env["ai.payment.behaviour"]._get_for(
                {(move.company_id.id, move.commercial_partner_id.id) for move in moves},
                refresh=refresh,
            ),
        }

    @api.model
    def _payment_terms_evaluation(self, move, batch=None):
        data = (batch or {}).get("payment_terms") or self._prefetch_payment_terms(move)
        row = data["rows"].get((move.company_id.id, move.commercial_partner_id.id))
        rules = data["rules"].get(move.company_id.id)
        return self.env["ai.payment.term.rule"]._evaluate(move, row, rules)

    @api.model
    def _findings_payment_terms_policy(self, move, batch):
        evaluation = self._payment_terms_evaluation(move, batch)
        if not evaluation:
            return []
        Rule = self.env["ai.payment.term.rule"]
        rule = evaluation["rule"]
        why = Rule._why_text(evaluation, move.commercial_partner_id)
        if evaluation["looser"]:
            message = self.env._(
                "%(why)s: the invoice's terms %(terms)s give %(days)s day(s), the policy at "
                "most %(max)s. Suggested terms: %(suggested)s.",
                why=why,
                terms=evaluation["term"].display_name or self.env._("(none)"),
                days=evaluation["current_days"],
                max=evaluation["max_days"],
                suggested=rule.payment_term_id.display_name,
            )
            return [Finding("payment_terms_policy", "warning", message, "payment_terms")]
        if move.ai_payment_term_applied and move.invoice_payment_term_id == rule.payment_term_id:
            before = move.ai_payment_term_before_id
            message = self.env._(
                "%(why)s: payment terms set to %(terms)s by the policy (they were %(before)s).",
                why=why,
                terms=rule.payment_term_id.display_name,
                before=before.display_name or self.env._("(none)"),
            )
            return [Finding("payment_terms_applied", "info", message, "payment_terms")]
        return []
