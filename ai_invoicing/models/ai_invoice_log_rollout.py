# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

ROLLOUT_OUTCOMES = [
    ("unchanged", "Approved Unchanged"),
    ("posted", "Auto-Posted, Not Corrected"),
    ("changed", "Approved After a Change"),
    ("rejected", "Rejected"),
    ("wrong", "Auto-Posted, Marked Wrong"),
    ("reversed", "Reversed by a Credit Note"),
]


class AiInvoiceLog(models.Model):
    """The rollout's measures on the audit log: the scope of a draft, what became of it,
    which check should have caught it; and the scopes' level changes (agent Rollout)."""

    _inherit = "ai.invoice.log"

    agent = fields.Selection(
        selection_add=[("rollout", "Rollout")], ondelete={"rollout": "cascade"}
    )
    decision = fields.Selection(
        selection_add=[("level_changed", "Level Changed")],
        ondelete={"level_changed": "set null"},
    )
    rollout_scope_id = fields.Many2one(
        "ai.rollout.scope",
        string="Rollout Scope",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    rollout_outcome = fields.Selection(
        ROLLOUT_OUTCOMES,
        string="Outcome",
        readonly=True,
        index="btree_not_null",
        help="What became of the AI draft: what the scope's accuracy is measured from.",
    )
    rollout_outcome_date = fields.Datetime(string="Outcome Date", readonly=True)
    rollout_missed_check = fields.Selection(
        selection="_selection_missed_check",
        string="Should Have Been Caught By",
        readonly=True,
        help="The check a person said should have held this auto-posted invoice.",
    )
    kpi_measured = fields.Integer(
        string="Measured Drafts",
        compute="_compute_kpi_rollout",
        store=True,
        precompute=True,
        help="1 for an AI draft whose outcome is known (reviewed, posted or corrected).",
    )
    kpi_right_first_time = fields.Integer(
        string="Correct as Drafted",
        compute="_compute_kpi_rollout",
        store=True,
        precompute=True,
        help="1 for a draft approved unchanged or posted by the agent and not corrected.",
    )
    kpi_draft_wrong = fields.Integer(
        string="Draft Was Wrong",
        compute="_compute_kpi_rollout",
        store=True,
        precompute=True,
        help="1 for a draft changed before approval, rejected, marked wrong or reversed.",
    )

    @api.model
    def _selection_missed_check(self):
        """Every check the company can switch on (``ai_check_*``), and Other."""
        company_fields = self.env["res.company"]._fields
        checks = sorted(
            (name, field.string)
            for name, field in company_fields.items()
            if name.startswith("ai_check_") and field.type == "boolean"
        )
        return [*checks, ("other", "Other / no check")]

    @api.depends("rollout_outcome")
    def _compute_kpi_rollout(self):
        for log in self:
            outcome = log.rollout_outcome
            log.kpi_measured = 1 if outcome else 0
            log.kpi_right_first_time = 1 if outcome in ("unchanged", "posted") else 0
            log.kpi_draft_wrong = 1 if outcome and outcome not in ("unchanged", "posted") else 0

    def _document(self):
        if self.agent == "rollout":
            self.ensure_one()
            return self.rollout_scope_id
        return super()._document()

    def _ai_set_outcome(self, outcome, missed_check=None):
        """Record what became of these drafting logs, then let their scopes react."""
        logs = self.filtered("rollout_scope_id")
        if not logs:
            return
        vals = {"rollout_outcome": outcome, "rollout_outcome_date": fields.Datetime.now()}
        if missed_check:
            vals["rollout_missed_check"] = missed_check
        logs._system_write(vals)
        # sudo: ai.rollout.scope - any outcome may graduate or demote the scope
        logs.rollout_scope_id.sudo()._ai_evaluate()

    @api.model
    def _ai_drafting_logs(self, moves):
        """The drafting log (counted in a scope) of each of ``moves``."""
        # sudo: ai.invoice.log - the measures follow the invoice, whoever acts on it
        return self.sudo().search(
            [
                ("move_id", "in", moves.ids),
                ("rollout_scope_id", "!=", False),
                ("agent", "!=", "rollout"),
            ]
        )
