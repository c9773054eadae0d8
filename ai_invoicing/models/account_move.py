# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup, escape

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "ai.log.mixin"]
    _ai_log_field = "move_id"

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
    ai_slip_attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_move_ai_slip_attachment_rel",
        string="Delivery Slips",
        copy=False,
        readonly=True,
    )
    ai_check_findings = fields.Json(string="AI Check Findings", copy=False, readonly=True)
    ai_check_summary = fields.Text(string="AI Checks", compute="_compute_ai_check_summary")

    def _compute_ai_check_summary(self):
        icons = {"error": "[ERROR]", "warning": "[WARNING]", "info": "[info]"}
        for move in self:
            move.ai_check_summary = "\n".join(
                f"{icons.get(f['severity'], '')} {f['message']}"
                for f in move.ai_check_findings or []
            )

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

    def action_ai_approve(self):
        """Open the approve wizard for the selected pending drafts."""
        return self._ai_review_wizard("approve")

    def action_ai_reject(self):
        """Open the reject wizard (a reason is required) for the selected pending drafts."""
        return self._ai_review_wizard("reject")

    def _ai_review_wizard(self, decision):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve") if decision == "approve" else self.env._("Reject"),
            "res_model": "ai.invoice.review.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids, "default_decision": decision},
        }

    def _ai_ensure_reviewer(self):
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
        self._ai_ensure_reviewer()
        self.write({"ai_review_state": "approved"})
        to_post = self.filtered(lambda m: m.company_id.ai_auto_post)
        if to_post:
            to_post.action_post()
            self.env["ai.invoice.agent.delivery"]._enqueue(to_post, "manual")
        self._ai_close_review(
            "approved", reason, self.env._("Approved by %(user)s.", user=self.env.user.name)
        )

    def _ai_reject(self, reason):
        """Reject pending drafts: they are cancelled and kept for audit."""
        if not reason:
            raise UserError(self.env._("Please give a reason for the rejection."))
        self._ai_ensure_reviewer()
        self.write({"ai_review_state": "rejected"})
        self.button_cancel()
        self._ai_close_review(
            "rejected", reason, self.env._("Rejected by %(user)s.", user=self.env.user.name)
        )

    def _ai_close_review(self, state, reason, summary):
        now = fields.Datetime.now()
        # the audit log is written by the system: reviewers may not create logs
        self.env["ai.invoice.log"]._system_create(
            [move._prepare_ai_review_log_vals(state, reason, now) for move in self]
        )
        feedback = Markup("%s<br/>%s") % (summary, reason or "") if reason else summary
        self.activity_feedback(["ai_invoicing.mail_activity_type_ai_review"], feedback=feedback)
        for move in self:
            move.message_post(body=feedback, subtype_xmlid="mail.mt_note")

    def _prepare_ai_review_log_vals(self, state, reason, when):
        self.ensure_one()
        return {
            "agent": "review",
            "trigger": "manual",
            "company_id": self.company_id.id,
            "move_id": self.id,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_total": self.amount_total,
            "state": state,
            "decision": state,
            "reviewer_id": self.env.user.id,
            "review_date": when,
            "review_reason": self.ai_review_reason,
            "rationale": reason or False,
            "source_data": {"invoice": self.name, "review_reason": self.ai_review_reason},
        }

    def _ai_hold_for_review(self, reason):
        """Route this draft to a reviewer: pending state, reason and one activity."""
        self.write({"ai_review_state": "pending", "ai_review_reason": reason})
        self.activity_schedule(
            "ai_invoicing.mail_activity_type_ai_review",
            summary=self.env._("Review AI-drafted invoice"),
            note=Markup("<p>%s</p>") % escape(reason).replace("\n", Markup("<br/>")),
            user_id=self.company_id._ai_responsible_user(self).id,
        )

    # ------------------------------------------------------------------
    # Helpers the agents share
    # ------------------------------------------------------------------
    def _ai_product_lines(self):
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.product_id
        )

    def _get_portal_payment_link(self):
        # payment.link.wizard signs its link with the HTTP request's key: without
        # a request (queue jobs, crons) fall back to the tokenised portal page, so
        # the invoice PDF's payment QR/link renders in the delivery job too.
        if not request:
            return self._ai_payment_link()
        return super()._get_portal_payment_link()

    def _ai_payment_link(self):
        """The portal's secure (tokenised) page of the invoice, opened on its Pay button.

        ``payment.link.wizard`` signs its links with the HTTP request's key, which a
        queue job does not have; the portal URL carries the invoice's access token.
        """
        self._portal_ensure_token()
        return self.get_base_url() + self.get_portal_url(anchor="portal_pay")
