# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _ai_close_review(self, state, reason, summary):
        """A project draft's log, like a drafting log, carries the outcome of its review."""
        res = super()._ai_close_review(state, reason, summary)
        now = fields.Datetime.now()
        # sudo: ai.invoice.log - the audit log is written by the system, not the reviewer
        logs = (
            self.env["ai.invoice.log"]
            .sudo()
            .search(
                [
                    ("move_id", "in", self.ids),
                    ("agent", "=", "project_invoice"),
                    ("state", "=", "needs_review"),
                ]
            )
        )
        for log in logs:
            log._system_write(
                {
                    "state": state,
                    "reviewer_id": self.env.user.id,
                    "review_date": now,
                    "review_hours": (now - log.create_date).total_seconds() / 3600.0,
                }
            )
        return res
