# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class AiLogMixin(models.AbstractModel):
    """Smart button helpers for documents that AI logs point to.

    Inheriting models define ``ai_log_ids`` (One2many on ``_ai_log_field``) and
    ``ai_log_count = fields.Integer(compute="_compute_ai_log_count")``.
    """

    _name = "ai.log.mixin"
    _description = "AI Invoicing Log Smart Button"
    _ai_log_field = None  # the ai.invoice.log field that points to this model

    def _compute_ai_log_count(self):
        # sudo: ai.invoice.log - a count on a document anyone may open; the logs
        # themselves stay readable by AI Invoicing users only
        counts = dict(
            self.env["ai.invoice.log"]
            .sudo()
            ._read_group([(self._ai_log_field, "in", self.ids)], [self._ai_log_field], ["__count"])
        )
        for record in self:
            record.ai_log_count = counts.get(record.sudo(), 0)  # sudo: the keys' environment

    def action_view_ai_logs(self):
        self.ensure_one()
        return self.env["ai.invoice.log"]._ai_action_for([(self._ai_log_field, "=", self.id)])
