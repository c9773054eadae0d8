# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AiInvoiceAgentDrafting(models.AbstractModel):
    """With the payment-terms policy set to apply automatically, the drafting agents put
    the policy's terms on a draft whose order's terms are looser, before the checks run
    (their info finding and the snapshot say so); otherwise the check's warning sends
    the draft to review with the suggested terms."""

    _inherit = "ai.invoice.agent.drafting"

    @api.model
    def _before_checks(self, invoice):
        super()._before_checks(invoice)
        company = invoice.company_id
        if company.ai_payment_terms_policy and company.ai_payment_terms_auto_apply:
            evaluation = self.env["account.move.ai.checks"]._payment_terms_evaluation(invoice)
            if evaluation and evaluation["looser"]:
                invoice._ai_apply_policy_terms(evaluation["rule"].payment_term_id)

    @api.model
    def _changes_before_checks(self, invoices):
        return super()._changes_before_checks(invoices) or any(
            company.ai_payment_terms_policy and company.ai_payment_terms_auto_apply
            for company in invoices.company_id
        )

    @api.model
    def _snapshot(self, run):
        snapshot = super()._snapshot(run)
        invoice = run.invoice
        if invoice.company_id.ai_payment_terms_policy:
            snapshot["payment_terms_policy"] = {
                "terms": invoice.invoice_payment_term_id.display_name or None,
                "applied_by_policy": invoice.ai_payment_term_applied,
                "terms_before": invoice.ai_payment_term_before_id.display_name or None,
            }
        return snapshot
