# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError


class AiInvoiceAgentDunning(models.AbstractModel):
    """A reviewer's decision on a reminder held for approval (a final notice): sent as it
    was prepared, or not sent when an invoice changed meanwhile; rejected: not sent."""

    _inherit = "ai.invoice.agent.dunning"

    @api.model
    def _ensure_approver(self, logs):
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can approve or reject reminders.")
            )
        logs.check_access("read")
        wrong = logs.filtered(lambda log: log.agent != self._agent or log.state != "needs_review")
        if wrong:
            raise UserError(
                self.env._(
                    "These reminders do not wait for approval: %(logs)s",
                    logs=", ".join(wrong.mapped("name")),
                )
            )

    @api.model
    def _approve(self, logs):
        """Send the held reminders, unless their invoices changed meanwhile (then withdrawn)."""
        self._ensure_approver(logs)
        reviewer, now = self.env.user, fields.Datetime.now()
        agent = self.with_user(self._agent_user())
        for log in logs:
            company_agent = agent.with_company(log.company_id)
            log = log.with_env(company_agent.env)
            partner = log.partner_id.with_company(log.company_id)
            try:
                partner.lock_for_update(allow_referencing=True)
            except LockError as exc:
                raise UserError(
                    self.env._(
                        "%(partner)s is being followed up right now; try again in a minute.",
                        partner=partner.name,
                    )
                ) from exc
            changed = company_agent._changed_invoices(log)
            if changed:
                partner._ai_followup_write(
                    {
                        fname: value or False
                        for fname, value in (log.source_data.get("state_before") or {}).items()
                    }
                )
                feedback = self.env._(
                    "Not sent: %(invoices)s changed since the reminder was prepared (payment "
                    "received). The next follow-up run prepares an up-to-date reminder.",
                    invoices=", ".join(changed),
                )
                log._close_review(
                    {"state": "rejected", "decision": "skipped", "rationale": feedback},
                    reviewer,
                    now,
                )
            else:
                level = log.dunning_level_id
                channel = company_agent._deliver(
                    log, partner, level, company_agent._stored_message(log)
                )
                partner._ai_followup_write({"ai_followup_status": "reminded"})
                feedback = self.env._("Approved by %(user)s.", user=reviewer.name)
                log._close_review(
                    {
                        "state": "done",
                        "decision": "sent",
                        "rationale": f"{company_agent._rationale(log, channel)} {feedback}",
                    },
                    reviewer,
                    now,
                )
            company_agent._close_approval(log, partner, feedback)
        return True

    @api.model
    def _reject(self, logs):
        """Do not send the held reminders; the level counts as handled (escalation follows)."""
        self._ensure_approver(logs)
        reviewer = self.env.user
        feedback = self.env._("Rejected by %(user)s: not sent.", user=reviewer.name)
        for log in logs:
            log._close_review(
                {"state": "rejected", "decision": "rejected", "rationale": feedback}, reviewer
            )
            agent = self.with_user(self._agent_user()).with_company(log.company_id)
            partner = log.partner_id.with_env(agent.env)
            if partner.ai_followup_status == "awaiting_approval":
                # not sent: the next run says where the customer stands
                partner._ai_followup_write({"ai_followup_status": "none"})
            agent._close_approval(log.with_env(agent.env), partner, feedback)
        return True

    @api.model
    def _changed_invoices(self, log):
        """Names of the listed invoices whose amount due changed since the message was made."""
        stored = (log.source_data or {}).get("invoices") or []
        lines = self.env["account.move.line"].browse([inv["line_id"] for inv in stored]).exists()
        current = {
            line.id: (
                0.0
                if line.reconciled
                else abs(
                    line.amount_residual
                    if line.currency_id == line.company_currency_id
                    else line.amount_residual_currency
                )
            )
            for line in lines
        }
        return [
            inv["name"]
            for inv in stored
            if abs(current.get(inv["line_id"], 0.0) - inv["residual"]) > 0.005
        ]

    @api.model
    def _close_approval(self, log, partner, feedback):
        activity = (
            self.env["mail.activity"]
            .browse((log.source_data or {}).get("approval_activity_id") or [])
            .exists()
        )
        if activity:
            # sudo: mail.activity - the system closes the approval activity it created,
            # assigned to the follow-up responsible
            activity.sudo().action_feedback(feedback=feedback)
        self._chatter(partner, Markup("%s (%s)") % (feedback, log._get_html_link()))
