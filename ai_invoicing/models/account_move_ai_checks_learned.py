# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AccountMoveAiChecks(models.AbstractModel):
    """Every run of the checks (drafting, re-checks on approval or after a change) passes
    its findings through the company's learned exceptions."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _run_batch(self, moves, source_keys=None):
        result = super()._run_batch(moves, source_keys)
        return self.env["ai.learned.exception"]._ai_filter(moves, result)
