# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError


class AiCashAcceptWizard(models.TransientModel):
    """Bulk accept: the best suggestion of every waiting transaction above a confidence."""

    _name = "ai.cash.accept.wizard"
    _description = "Accept AI Cash Suggestions above a Confidence"

    min_confidence = fields.Float(
        string="Minimum Confidence (%)",
        default=lambda self: self.env.company.ai_cash_threshold,
        help="Accept the best suggestion of each transaction whose confidence, in percent, is at "
        "least this. Suggestions tied with another one are never accepted in bulk.",
    )
    journal_ids = fields.Many2many(
        "account.journal",
        string="Journals",
        domain="[('type', 'in', ('bank', 'cash', 'credit'))]",
        help="Only these bank journals (all when empty).",
    )
    suggestion_count = fields.Integer(string="Transactions", compute="_compute_suggestion_count")

    def _suggestion_domain(self):
        self.ensure_one()
        domain = [
            ("company_id", "in", self.env.companies.ids),
            ("state", "=", "proposed"),
            ("is_top", "=", True),
            ("line_reconciled", "=", False),
            ("ambiguous", "=", False),
            ("kind", "!=", "reference_only"),
            ("confidence", ">=", self.min_confidence),
        ]
        if self.journal_ids:
            domain.append(("journal_id", "in", self.journal_ids.ids))
        return domain

    @api.depends("min_confidence", "journal_ids")
    def _compute_suggestion_count(self):
        for wizard in self:
            wizard.suggestion_count = self.env["ai.cash.suggestion"].search_count(
                wizard._suggestion_domain()
            )

    def action_accept(self):
        self.ensure_one()
        suggestions = self.env["ai.cash.suggestion"].search(self._suggestion_domain())
        if not suggestions:
            raise UserError(
                self.env._("No waiting suggestion reaches %(min)s%%.", min=self.min_confidence)
            )
        result = suggestions.action_accept()
        if isinstance(result, dict):
            return result
        return suggestions._notify_outcome(list(suggestions), [])
