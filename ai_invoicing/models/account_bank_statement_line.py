# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .account_move import AI_REVIEW_FIELDS


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    ai_cash_suggestion_ids = fields.One2many(
        "ai.cash.suggestion",
        "statement_line_id",
        string="AI Cash Suggestions",
        groups="ai_invoicing.group_ai_invoicing_user",
    )
    ai_cash_suggestion_count = fields.Integer(
        string="AI Suggestions",
        compute="_compute_ai_cash_suggestion_count",
        groups="ai_invoicing.group_ai_invoicing_user",
    )

    ai_cash_note = fields.Char(
        string="AI Cash Application",
        compute="_compute_ai_cash_note",
        groups="ai_invoicing.group_ai_invoicing_user",
        help="What the cash application agent decided for this transaction, and why.",
    )

    @api.model
    def default_get(self, fields):
        """A statement line creates its journal entry through ``_inherits`` with the defaults
        of every inherited field, the protected AI review fields included, which the entry's
        review guard refuses: leave them to the entry's own defaults."""
        defaults = super().default_get(fields)
        for fname in AI_REVIEW_FIELDS:
            defaults.pop(fname, None)
        return defaults

    def _compute_ai_cash_suggestion_count(self):
        counts = dict(
            self.env["ai.cash.suggestion"]._read_group(
                [("statement_line_id", "in", self.ids), ("state", "=", "proposed")],
                ["statement_line_id"],
                ["__count"],
            )
        )
        for line in self:
            line.ai_cash_suggestion_count = counts.get(line, 0)

    def _compute_ai_cash_note(self):
        Log = self.env["ai.invoice.log"]
        latest = dict(
            Log._read_group(
                [("agent", "=", "cash_application"), ("statement_line_id", "in", self.ids)],
                ["statement_line_id"],
                ["id:max"],
            )
        )
        logs = Log.browse(latest.values())
        rationale = {log.id: log.rationale or log.error or "" for log in logs}
        for line in self:
            log_id = latest.get(line)
            if log_id:
                line.ai_cash_note = rationale.get(log_id, "")
            elif line.is_reconciled or line.amount <= 0:
                line.ai_cash_note = False
            else:
                line.ai_cash_note = self.env._(
                    "Not matched yet (hourly run, or Match with AI now)."
                )

    def action_ai_cash_match(self):
        """Match with AI: one agent job per incoming transaction not reconciled yet."""
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_user"):
            raise AccessError(self.env._("Only AI Invoicing users can run the cash application."))
        self.check_access("read")
        logs = self.env["ai.invoice.agent.cash"]._enqueue(self, "manual")
        if not logs:
            raise UserError(
                self.env._(
                    "Nothing to match: the selected transactions are reconciled, outgoing, or "
                    "already waiting for the agent."
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cash application"),
                "message": self.env._(
                    "%(count)s transaction(s) queued: their suggestions appear under "
                    "AI Invoicing > Cash Application.",
                    count=len(logs),
                ),
                "type": "info",
                "sticky": False,
            },
        }

    def action_ai_cash_suggestions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ai_invoicing.ai_cash_suggestion_action"
        )
        action.update(
            {
                "domain": [("statement_line_id", "=", self.id)],
                "context": {"create": False},
            }
        )
        return action

    def action_ai_cash_manual_match(self):
        """Match by hand: any open customer item, partial amounts, a write-off."""
        self.ensure_one()
        self.env["ai.cash.suggestion"]._check_clerk(self)
        if self.is_reconciled:
            raise UserError(self.env._("%(line)s is already reconciled.", line=self.display_name))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Match %(line)s by Hand", line=self.display_name),
            "res_model": "ai.cash.manual.match.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_statement_line_id": self.id},
        }

    def action_ai_cash_set_partner(self):
        """Say who paid (the payer unknown or wrong), then match again."""
        self.ensure_one()
        self.env["ai.cash.suggestion"]._check_clerk(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Set the Customer of %(line)s", line=self.display_name),
            "res_model": "ai.cash.partner.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_statement_line_id": self.id,
                "default_partner_id": self.partner_id.id,
            },
        }

    def action_undo_reconciliation(self):
        """Odoo's own undo; an AI match undone goes back to the Cash Application screen."""
        # sudo: ai.cash.suggestion - Odoo undoes reconciliations for any accountant (and
        # when an invoice is reset to draft); the AI match must follow, whoever undoes it
        accepted = self.sudo().ai_cash_suggestion_ids.filtered(lambda s: s.state == "accepted")
        res = super().action_undo_reconciliation()
        if accepted:
            accepted._undone()
        return res
