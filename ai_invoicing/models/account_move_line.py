# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AccountMoveLine(models.Model):
    """An approved AI draft whose lines are edited (even line by line over RPC)
    goes back to review: ``account.move._ai_reopen_if_changed``."""

    _inherit = "account.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.move_id._ai_reopen_if_changed()
        return lines

    def write(self, vals):
        res = super().write(vals)
        self.move_id._ai_reopen_if_changed()
        return res

    def unlink(self):
        moves = self.move_id
        res = super().unlink()
        moves.exists()._ai_reopen_if_changed()
        return res
