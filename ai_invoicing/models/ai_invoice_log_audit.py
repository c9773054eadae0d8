# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class AiInvoiceLog(models.Model):
    """The audit trail on the log: what the LLM was asked and answered."""

    _inherit = "ai.invoice.log"

    llm_exchange_ids = fields.One2many(
        "ai.llm.exchange",
        "log_id",
        string="LLM Exchanges",
        readonly=True,
        groups="ai_invoicing.group_ai_invoicing_manager",
    )
    llm_exchange_count = fields.Integer(
        compute="_compute_llm_exchange_count",
        groups="ai_invoicing.group_ai_invoicing_manager",
    )

    def _compute_llm_exchange_count(self):
        counts = dict(
            self.env["ai.llm.exchange"]._read_group(
                [("log_id", "in", self.ids)], ["log_id"], ["__count"]
            )
        )
        for log in self:
            log.llm_exchange_count = counts.get(log, 0)

    # ``llm_exchanges`` (from GuardedOutcome.log_vals: plain values of what was
    # exchanged) is not a field: each becomes an ai.llm.exchange of the log.
    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        exchanges = [vals.pop("llm_exchanges", None) or [] for vals in vals_list]
        logs = super().create(vals_list)
        self._create_llm_exchanges(zip(logs, exchanges, strict=True))
        return logs

    def write(self, vals):
        if "llm_exchanges" not in vals:
            return super().write(vals)
        # an empty write checks nothing: the exchanges are the system's to add
        self.check_access("write")
        vals = dict(vals)
        exchanges = vals.pop("llm_exchanges") or []
        result = super().write(vals)
        self._create_llm_exchanges((log, exchanges) for log in self)
        return result

    @api.model
    def _create_llm_exchanges(self, pairs):
        vals_list = [
            dict(exchange, log_id=log.id) for log, exchanges in pairs for exchange in exchanges
        ]
        if vals_list:
            self.env["ai.llm.exchange"]._system_create(vals_list)
