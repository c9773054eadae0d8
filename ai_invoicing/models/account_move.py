# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import formatLang, html2plaintext

from ..services.checks import Finding
from ..services.invoice_narrative import narrate_invoice
from ..services.review_routing import decide_review

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    ai_log_ids = fields.One2many("ai.invoice.log", "move_id", string="AI Logs")
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")
    ai_review_state = fields.Selection(
        [
            ("none", "Not Required"),
            ("pending", "Pending Review"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        string="AI Review",
        default="none",
        copy=False,
        tracking=True,
        index=True,
    )
    ai_review_reason = fields.Text(string="AI Review Reason", copy=False, readonly=True)

    def _compute_ai_log_count(self):
        counts = dict(
            self.env["ai.invoice.log"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.ai_log_count = counts.get(move, 0)

    def action_view_ai_logs(self):
        self.ensure_one()
        return self.env["ai.invoice.log"]._ai_action_for([("move_id", "=", self.id)])

    # ------------------------------------------------------------------
    # Human review
    # ------------------------------------------------------------------
    def _post(self, soft=True):
        pending = self.filtered(lambda m: m.ai_review_state == "pending")
        if pending:
            raise UserError(
                self.env._(
                    "%(invoices)s cannot be posted yet: the AI agent routed it to review "
                    "(%(reason)s). An AI Invoicing reviewer must approve it first.",
                    invoices=", ".join(pending.mapped("display_name")),
                    reason=pending[0].ai_review_reason or self.env._("no reason given"),
                )
            )
        return super()._post(soft=soft)

    def action_ai_review(self):
        """Open the approve/reject wizard for the selected pending drafts."""
        decision = self.env.context.get("ai_review_decision", "approve")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve") if decision == "approve" else self.env._("Reject"),
            "res_model": "ai.invoice.review.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids, "default_decision": decision},
        }

    def _ai_check_reviewer(self):
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can approve or reject AI-drafted invoices.")
            )
        not_pending = self.filtered(lambda m: m.ai_review_state != "pending")
        if not_pending:
            raise UserError(
                self.env._(
                    "These invoices are not waiting for review: %(invoices)s",
                    invoices=", ".join(not_pending.mapped("display_name")),
                )
            )

    def _ai_approve(self, reason=False):
        """Approve pending drafts; post them when the company auto-posts."""
        self._ai_check_reviewer()
        self.write({"ai_review_state": "approved"})
        to_post = self.filtered(lambda m: m.company_id.ai_auto_post)
        if to_post:
            to_post.action_post()
        self._ai_close_review(
            "approved", reason, self.env._("Approved by %(user)s.", user=self.env.user.name)
        )

    def _ai_reject(self, reason):
        """Reject pending drafts: they are cancelled and kept for audit."""
        if not reason:
            raise UserError(self.env._("Please give a reason for the rejection."))
        self._ai_check_reviewer()
        self.write({"ai_review_state": "rejected"})
        self.button_cancel()
        self._ai_close_review(
            "rejected", reason, self.env._("Rejected by %(user)s.", user=self.env.user.name)
        )

    def _ai_close_review(self, state, reason, summary):
        now = fields.Datetime.now()
        # sudo: ai.invoice.log - reviewers record their decision in the audit
        # log, which they may not create directly.
        self.env["ai.invoice.log"].sudo().create(
            [move._prepare_ai_review_log_vals(state, reason, now) for move in self]
        )
        feedback = Markup("%s<br/>%s") % (summary, reason or "") if reason else summary
        self.activity_feedback(["ai_invoicing.mail_activity_type_ai_review"], feedback=feedback)
        for move in self:
            move.message_post(body=feedback, subtype_xmlid="mail.mt_note")

    def _prepare_ai_review_log_vals(self, state, reason, when):
        self.ensure_one()
        draft_log = self.ai_log_ids.filtered(lambda log: log.agent == "invoice_draft")[:1]
        return {
            "agent": "review",
            "trigger": "manual",
            "state": state,
            "decision": state,
            "company_id": self.company_id.id,
            "move_id": self.id,
            "sale_order_id": draft_log.sale_order_id.id,
            "picking_id": draft_log.picking_id.id,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_total": self.amount_total,
            "reviewer_id": self.env.user.id,
            "review_date": when,
            "review_reason": self.ai_review_reason,
            "rationale": reason or False,
            "source_data": {"invoice": self.name, "review_reason": self.ai_review_reason},
        }

    # ------------------------------------------------------------------
    # Narrative (LLM or template; never numbers)
    # ------------------------------------------------------------------
    def _ai_narrative_facts(self, log):
        """Company-owned, already final facts the narrative may mention."""
        self.ensure_one()
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        return {
            "order_name": log.sale_order_id.name,
            "partner_name": self.partner_id.commercial_partner_id.name,
            "amount_total": formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            "currency": self.currency_id.name,
            "picking_names": log.picking_id.mapped("name"),
            "line_count": len(lines),
            "trigger": log.trigger,
            "invoice_date_due": str(self.invoice_date_due or ""),
            "payment_term": self.invoice_payment_term_id.name or "",
            "products": lines.mapped("product_id.display_name"),
        }

    def _ai_narrative_untrusted(self, log):
        """Customer-written text: sent only as quoted data, never as instructions."""
        order = log.sale_order_id
        return {
            "partner_name": self.partner_id.name or "",
            "client_order_ref": order.client_order_ref or "",
            "order_note": html2plaintext(order.note or ""),
        }

    def _ai_allowed_amounts(self):
        """Every figure the narrative may legitimately quote."""
        self.ensure_one()
        amounts = {self.amount_total, self.amount_untaxed, self.amount_tax}
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        amounts |= set(lines.mapped("price_subtotal")) | set(lines.mapped("price_total"))
        amounts |= set(lines.mapped("price_unit")) | set(lines.mapped("quantity"))
        amounts.discard(0.0)  # "0.00" is never a figure worth quoting; often a smuggled one
        return {f"{amount:,.2f}" for amount in amounts} | {f"{amount:.2f}" for amount in amounts}

    def _ai_write_narrative(self, log):
        """Write the customer note on the invoice; return the log values."""
        self.ensure_one()
        company = self.company_id
        outcome = narrate_invoice(
            company._ai_llm_gateway(),
            self._ai_narrative_facts(log),
            self._ai_narrative_untrusted(log),
            self._ai_allowed_amounts(),
            budget=company._ai_llm_budget() if company.ai_llm_enabled else None,
            allow_contact=company.ai_llm_share_contact,
        )
        note = outcome.narrative.customer_note
        if note:
            self.narration = Markup("<p>%s</p>%s") % (note, self.narration or "")
        return {
            "rationale": outcome.narrative.rationale,
            "flags": [flag.model_dump() for flag in outcome.flags],
            "llm_vals": self._ai_llm_log_vals(outcome),
        }

    def _ai_llm_log_vals(self, outcome):
        llm = outcome.llm
        vals = {
            "llm_called": bool(llm and llm.attempts),
            "llm_fallback": outcome.fallback_used,
            "llm_error": outcome.fallback_reason or False,
        }
        if llm:
            vals.update(
                llm_model=llm.model,
                prompt_version=llm.prompt_version,
                prompt_tokens=llm.prompt_tokens,
                completion_tokens=llm.completion_tokens,
                latency_ms=llm.latency_ms,
            )
        return vals

    # ------------------------------------------------------------------
    # Review routing
    # ------------------------------------------------------------------
    def _ai_is_new_customer(self):
        self.ensure_one()
        return not self.search_count(
            [
                ("id", "!=", self.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
            ],
            limit=1,
        )

    def _ai_route_review(self, flags):
        """Decide whether a human must look at this draft, and why."""
        self.ensure_one()
        company = self.company_id
        findings = [
            Finding(
                code=flag["code"],
                severity=flag["severity"],
                message=flag["message"],
                check="ai_flag",
            )
            for flag in flags
        ]
        decision = decide_review(
            amount_company=abs(self.amount_total_signed),
            threshold=company.ai_review_threshold,
            is_new_customer=company.ai_review_new_customers and self._ai_is_new_customer(),
            review_new_customers=company.ai_review_new_customers,
            findings=findings,
            currency_symbol=company.currency_id.symbol or "",
        )
        return {
            "review_required": decision.review_required,
            "reasons": list(decision.reasons),
            "threshold": company.ai_review_threshold,
            "amount_company": abs(self.amount_total_signed),
            "auto_post": company.ai_auto_post,
        }

    def _ai_post_or_hold(self, log, routing):
        """Hold the draft for review, post it when allowed, or leave it draft."""
        self.ensure_one()
        if routing["review_required"]:
            return self._ai_hold_for_review("\n".join(routing["reasons"]))
        if not self.company_id.ai_auto_post:
            return None
        try:
            with self.env.cr.savepoint():
                self.action_post()
        except (UserError, ValidationError) as exc:
            reason = self.env._(
                "Automatic posting failed: %(error)s", error=exc.args[0] if exc.args else exc
            )
            log.write(
                {
                    "state": "needs_review",
                    "decision": "held_for_review",
                    "review_required": True,
                    "review_reason": reason,
                }
            )
            return self._ai_hold_for_review(reason)
        log.decision = "posted"
        return None

    def _ai_hold_for_review(self, reason):
        self.write({"ai_review_state": "pending", "ai_review_reason": reason})
        self.activity_schedule(
            "ai_invoicing.mail_activity_type_ai_review",
            summary=self.env._("Review AI-drafted invoice"),
            note=Markup("<p>%s</p>") % escape(reason).replace("\n", Markup("<br/>")),
            user_id=self.company_id._ai_responsible_user(self).id,
        )
