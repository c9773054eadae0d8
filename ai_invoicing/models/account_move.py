# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import hashlib

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..services.checks import findings_to_json
from ..services.templates import findings_html
from ..services.texts import from_data, say

# Only the review path writes these (ai.write.guard.mixin)
AI_REVIEW_FIELDS = frozenset(
    {
        "ai_review_state",
        "ai_review_reason",
        "ai_review_reason_codes",
        "ai_check_findings",
        "ai_checked_fingerprint",
        "ai_drafted",
    }
)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "ai.log.mixin", "ai.write.guard.mixin"]
    _ai_log_field = "move_id"

    # The checks' look-ups per customer (duplicate candidates, posted history) stay an
    # index scan however many invoices the database holds.
    _ai_customer_date_idx = models.Index(
        "(commercial_partner_id, date) WHERE move_type IN ('out_invoice', 'out_refund')"
    )

    ai_log_ids = fields.One2many(
        "ai.invoice.log",
        "move_id",
        string="AI Logs",
        groups="ai_invoicing.group_ai_invoicing_user",
    )
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")
    ai_drafted = fields.Boolean(
        string="AI-Drafted", copy=False, readonly=True, index="btree_not_null"
    )
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
        readonly=True,
        tracking=True,
        index=True,
    )
    ai_review_reason = fields.Text(
        string="AI Review Reason", copy=False, readonly=True, groups="base.group_user"
    )
    ai_review_reason_codes = fields.Char(
        string="AI Review Reason Codes",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Why the draft waits: threshold, new_customer, finding (comma-separated).",
    )
    ai_slip_attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_move_ai_slip_attachment_rel",
        string="Delivery Slips",
        copy=False,
        readonly=True,
    )
    ai_check_findings = fields.Json(
        string="AI Check Findings", copy=False, readonly=True, groups="base.group_user"
    )
    ai_check_html = fields.Html(
        string="AI Checks", compute="_compute_ai_check_html", groups="base.group_user"
    )
    ai_checked_fingerprint = fields.Char(copy=False, readonly=True, groups="base.group_user")
    ai_discount_flagged = fields.Boolean(
        compute="_compute_ai_check_html",
        groups="base.group_user",
        help="A check found a discount or a price worth a look: the lines show their discount.",
    )
    ai_followup_blocked = fields.Boolean(
        string="Follow-up Blocked",
        copy=False,
        tracking=True,
        help="Disputed or on hold: no payment reminder chases this invoice.",
    )
    ai_followup_block_reason = fields.Char(
        string="Follow-up Block Reason", copy=False, tracking=True
    )

    @api.depends("ai_check_findings")
    @api.depends_context("lang")
    def _compute_ai_check_html(self):
        """The findings as a list a clerk reads at a glance: a severity badge, the message
        (in the reader's language when the check stored its template)."""
        labels = self.env["ai.invoice.log"]._severity_labels()
        w = self.env["ai.invoice.agent"]._wording(self.env.lang or "en_US")
        for move in self:
            findings = [
                dict(f, message=say(from_data(f["text"]), w)) if f.get("text") else f
                for f in move.ai_check_findings or []
            ]
            move.ai_check_html = findings_html(findings, labels)
            move.ai_discount_flagged = any(
                f["code"].startswith(("discount", "price")) for f in move.ai_check_findings or []
            )

    # ------------------------------------------------------------------
    # The review cannot be bypassed: writes, posting, cancel, reset
    # ------------------------------------------------------------------
    @api.model
    def _ai_guarded_fields(self):
        return super()._ai_guarded_fields() | AI_REVIEW_FIELDS

    @api.model
    def _ai_guard_hits(self, vals):
        # defaults pass (a bank statement line creates its entry through _inherits with
        # every default); a review state or finding of one's own does not
        return any(vals[f] and vals[f] != "none" for f in self._ai_guarded_fields() & set(vals))

    @api.model
    def _ai_guard_refused(self):
        return self.env._(
            "The AI review of an invoice changes only through Approve and Reject, by an AI "
            "Invoicing reviewer."
        )

    def write(self, vals):
        res = super().write(vals)
        self._ai_reopen_if_changed()
        return res

    def _ai_write(self, vals):
        """The review path's own writes of the protected review fields."""
        return self._ai_guarded_write(vals)

    def _post(self, soft=True):
        pending = self.filtered(lambda m: m.ai_review_state == "pending")
        if pending:
            raise UserError(
                self.env._(
                    "%(invoices)s cannot be posted yet: the AI agent routed it to review "
                    "(%(reason)s). An AI Invoicing reviewer must approve it first.",
                    invoices=", ".join(pending.mapped("display_name")),
                    # sudo: account.move - name the reason to whoever tries to post
                    reason=pending[0].sudo().ai_review_reason or self.env._("no reason given"),
                )
            )
        changed = self.filtered(
            lambda m: m.ai_review_state == "approved" and m._ai_changed_since_checked()
        )
        if changed:
            raise UserError(
                self.env._(
                    "%(invoices)s changed after its approval: it must be reviewed again.",
                    invoices=", ".join(changed.mapped("display_name")),
                )
            )
        posted = super()._post(soft=soft)
        # Sent whether it was posted by the agent, on approval or by a person pressing Confirm.
        self.env["ai.invoice.agent.delivery"]._enqueue(
            posted.filtered("ai_drafted"), "invoice_posted"
        )
        return posted

    def button_cancel(self):
        pending = self.filtered(lambda m: m.ai_review_state == "pending")
        if pending:
            # Cancelling a draft that waits for review is a rejection: reason, log, activity.
            pending._ai_ensure_reviewer()
            others = self - pending
            if others:
                super(AccountMove, others).button_cancel()
            return pending.action_ai_reject()
        return super().button_cancel()

    def button_draft(self):
        approved = self.filtered(lambda m: m.ai_review_state == "approved")
        res = super().button_draft()
        approved._ai_back_to_review(
            self.env._("Reset to draft by %(user)s after approval.", user=self.env.user.name)
        )
        return res

    def _ai_fingerprint(self):
        """What a reviewer approved: customer, currency, position, lines and total."""
        self.ensure_one()
        lines = sorted(
            (
                line.product_id.id,
                round(line.quantity, 6),
                round(line.price_unit, 6),
                round(line.discount, 6),
                tuple(sorted(line.tax_ids.ids)),
                line.account_id.id,
            )
            for line in self.invoice_line_ids
            if line.display_type == "product"
        )
        data = (
            self.commercial_partner_id.id,
            self.partner_shipping_id.id,
            self.currency_id.id,
            self.fiscal_position_id.id,
            lines,
            round(self.amount_total, 6),
        )
        return hashlib.sha256(repr(data).encode()).hexdigest()[:32]

    def _ai_changed_since_checked(self):
        self.ensure_one()
        # sudo: account.move - the fingerprint is internal bookkeeping of the review
        return self.sudo().ai_checked_fingerprint != self._ai_fingerprint()

    def _ai_reopen_if_changed(self):
        """An approved draft whose lines, customer or amounts change goes back to review."""
        changed = self.filtered(
            lambda m: (
                m.state == "draft"
                and m.ai_review_state == "approved"
                and m._ai_changed_since_checked()
            )
        )
        if changed:
            changed._ai_back_to_review(
                self.env._("Changed by %(user)s after approval.", user=self.env.user.name)
            )

    def _ai_back_to_review(self, why):
        """Re-run the checks and wait for a reviewer again."""
        for move in self:
            findings = move._ai_rerun_checks()
            warnings = [f["message"] for f in findings if f["severity"] in ("warning", "error")]
            move._ai_hold_for_review("\n".join([why, *warnings]), ["reopened"])
        self.env["ai.invoice.log"]._log_decisions(
            [move._prepare_ai_review_log_vals("needs_review", why, "reopened") for move in self],
            reviewed=True,
        )

    def _ai_rerun_checks(self):
        """Run the checks again on this draft; store and return the findings (JSON)."""
        self.ensure_one()
        findings = findings_to_json(self.env["account.move.ai.checks"]._run_checks(self))
        self._ai_write(
            {"ai_check_findings": findings, "ai_checked_fingerprint": self._ai_fingerprint()}
        )
        return findings

    # ------------------------------------------------------------------
    # Review actions
    # ------------------------------------------------------------------
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
        """Approve pending drafts; post them when the company auto-posts.

        The checks run again first when the invoice changed since they ran.
        """
        self._ai_ensure_reviewer()
        for move in self.filtered(lambda m: m._ai_changed_since_checked()):
            move._ai_rerun_checks()
        self._ai_write({"ai_review_state": "approved"})
        to_post = self.filtered(lambda m: m._ai_posts_on_approval())
        if to_post:
            to_post.action_post()  # _post hands them to the delivery agent
        self._ai_close_review(
            "approved", reason, self.env._("Approved by %(user)s.", user=self.env.user.name)
        )

    def _ai_posts_on_approval(self):
        """Whether approving this draft posts it (the rollout scope's level decides)."""
        self.ensure_one()
        return self.company_id.ai_auto_post

    def _ai_sends_when_posted(self):
        """Whether the delivery agent sends this invoice once posted."""
        self.ensure_one()
        return self.company_id.ai_auto_send

    def _ai_reject(self, reason):
        """Reject pending drafts: they are cancelled and kept for audit."""
        if not reason:
            raise UserError(self.env._("Please give a reason for the rejection."))
        self._ai_ensure_reviewer()
        self._ai_write({"ai_review_state": "rejected"})
        self.button_cancel()
        self._ai_close_review(
            "rejected", reason, self.env._("Rejected by %(user)s.", user=self.env.user.name)
        )

    def _ai_close_review(self, state, reason, summary):
        now = fields.Datetime.now()
        # the audit log is written by the system: reviewers may not create logs
        self.env["ai.invoice.log"]._log_decisions(
            [move._prepare_ai_review_log_vals(state, reason, state, now) for move in self],
            reviewed=True,
        )
        # the drafting log shows the outcome of its review (and how long it took)
        # sudo: ai.invoice.log - the audit log is written by the system, not the reviewer
        self.env["ai.invoice.log"].sudo().search(
            [
                ("move_id", "in", self.ids),
                ("agent", "in", list(self.env["ai.invoice.agent"]._invoice_agents())),
                ("state", "=", "needs_review"),
            ]
        )._close_review({"state": state}, self.env.user, now)
        feedback = Markup("%s<br/>%s") % (summary, reason or "") if reason else summary
        self.activity_feedback(["ai_invoicing.mail_activity_type_ai_review"], feedback=feedback)
        for move in self:
            move.message_post(body=feedback, subtype_xmlid="mail.mt_note")

    def _prepare_ai_review_log_vals(self, state, reason, decision, when=None):
        self.ensure_one()
        return {
            "agent": "review",
            "company_id": self.company_id.id,
            "move_id": self.id,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_total": self.amount_total,
            "state": state,
            "decision": decision,
            "review_date": when or fields.Datetime.now(),
            # sudo: account.move - the reason the reviewer decided on, whatever their
            # rights on the field (readable by AI reviewers only)
            "review_reason": self.sudo().ai_review_reason,
            "rationale": reason or False,
            "source_data": {"invoice": self.name, "review_reason": self.sudo().ai_review_reason},
        }

    def _ai_hold_for_review(self, reason, reason_codes=()):
        """Route this draft to a reviewer: pending state, reason and one activity."""
        self._ai_write(
            {
                "ai_review_state": "pending",
                "ai_review_reason": reason,
                "ai_review_reason_codes": ",".join(reason_codes) or False,
            }
        )
        self.activity_unlink(["ai_invoicing.mail_activity_type_ai_review"])
        self.activity_schedule(
            "ai_invoicing.mail_activity_type_ai_review",
            summary=self.env._("Review AI-drafted invoice"),
            # one statement of why: the banner on the invoice (its AI Checks tab for the
            # detail); the activity and the chatter point there
            note=Markup("<p>%s</p>")
            % self.env._(
                "Approve or reject this draft: why it waits is at the top of the invoice."
            ),
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
