# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from ..services import rollout


class AccountMove(models.Model):
    """The rollout scope of an AI invoice decides what approval and posting do, and what
    becomes of the invoice (approved unchanged, changed, rejected, reversed) is measured."""

    _inherit = "account.move"

    ai_rollout_scope_id = fields.Many2one(
        "ai.rollout.scope",
        string="AI Rollout Scope",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_user",
    )

    @api.model
    def _ai_guarded_fields(self):
        return super()._ai_guarded_fields() | {"ai_rollout_scope_id"}

    # ------------------------------------------------------------------
    # What the level allows
    # ------------------------------------------------------------------
    def _ai_rollout_level(self):
        # sudo: ai.rollout.scope - any user posting an AI invoice follows its scope's level
        return self.sudo().ai_rollout_scope_id.level

    def _ai_posts_on_approval(self):
        level = self._ai_rollout_level()
        if level:
            return level in rollout.POSTING_LEVELS
        return super()._ai_posts_on_approval()

    def _ai_sends_when_posted(self):
        level = self._ai_rollout_level()
        if level in rollout.POSTING_LEVELS:
            return level == "post_send"
        # draft or pilot: whoever posts it, the company's Send setting decides (as before)
        return super()._ai_sends_when_posted()

    # ------------------------------------------------------------------
    # Measured outcomes
    # ------------------------------------------------------------------
    def _ai_close_review(self, state, reason, summary):
        res = super()._ai_close_review(state, reason, summary)
        self._ai_record_review_outcome(state)
        return res

    def _ai_record_review_outcome(self, state):
        logs = self.env["ai.invoice.log"]._ai_drafting_logs(self)
        if state == "rejected":
            logs._ai_set_outcome("rejected")
            return
        changed, unchanged = logs.browse(), logs.browse()
        for log in logs:
            if log.move_id._ai_changed_since_drafted(log):
                changed |= log
            else:
                unchanged |= log
        changed._ai_set_outcome("changed")
        unchanged._ai_set_outcome("unchanged")

    def _ai_changed_since_drafted(self, log):
        """Lines, amounts, taxes or customer differ from what the agent drafted."""
        self.ensure_one()
        drafted = ((log.source_data or {}).get("routing") or {}).get("rollout") or {}
        return bool(drafted.get("fingerprint")) and drafted["fingerprint"] != self._ai_fingerprint()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._ai_record_posting_outcome()
        return posted

    def _ai_record_posting_outcome(self):
        """A person posting a draft left as draft counts like an approval; a credit note
        reversing an auto-posted invoice within the scope's window counts as an error."""
        drafted = self.filtered(lambda m: m.ai_drafted and m.move_type == "out_invoice")
        refunds = self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id.ai_drafted
        )
        if not drafted and not refunds:
            return
        Log = self.env["ai.invoice.log"]
        for log in Log._ai_drafting_logs(drafted).filtered(
            lambda lg: lg.decision == "drafted" and not lg.rollout_outcome
        ):
            changed = log.move_id._ai_changed_since_drafted(log)
            log._ai_set_outcome("changed" if changed else "unchanged")
        originals = refunds.reversed_entry_id
        for log in Log._ai_drafting_logs(originals).filtered(lambda lg: lg.decision == "posted"):
            invoice = log.move_id
            refund = refunds.filtered(lambda r, inv=invoice: r.reversed_entry_id == inv)[:1]
            days = (refund.date - (invoice.invoice_date or invoice.date)).days
            # sudo: ai.rollout.scope - whoever issues the credit note counts the outcome
            if days <= log.rollout_scope_id.sudo().reversal_days:
                log._ai_set_outcome("reversed")
