# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.llm_client import LLMGateway


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ai_invoicing_enabled = fields.Boolean(related="company_id.ai_invoicing_enabled", readonly=False)
    ai_trigger_on_delivery = fields.Boolean(
        related="company_id.ai_trigger_on_delivery", readonly=False
    )
    ai_trigger_on_confirm = fields.Boolean(
        related="company_id.ai_trigger_on_confirm", readonly=False
    )
    ai_invoicing_mode = fields.Selection(related="company_id.ai_invoicing_mode", readonly=False)
    ai_invoicing_period = fields.Selection(related="company_id.ai_invoicing_period", readonly=False)
    ai_period_weekday = fields.Selection(related="company_id.ai_period_weekday", readonly=False)
    ai_period_monthday = fields.Integer(related="company_id.ai_period_monthday", readonly=False)
    ai_batch_size = fields.Integer(related="company_id.ai_batch_size", readonly=False)
    ai_review_threshold = fields.Monetary(
        related="company_id.ai_review_threshold", readonly=False, currency_field="currency_id"
    )
    ai_review_new_customers = fields.Boolean(
        related="company_id.ai_review_new_customers", readonly=False
    )
    ai_auto_post = fields.Boolean(related="company_id.ai_auto_post", readonly=False)
    ai_auto_send = fields.Boolean(related="company_id.ai_auto_send", readonly=False)
    ai_invoice_journal_id = fields.Many2one(
        related="company_id.ai_invoice_journal_id", readonly=False
    )
    ai_responsible_user_id = fields.Many2one(
        related="company_id.ai_responsible_user_id", readonly=False
    )
    ai_llm_enabled = fields.Boolean(related="company_id.ai_llm_enabled", readonly=False)
    ai_llm_base_url = fields.Char(related="company_id.ai_llm_base_url", readonly=False)
    ai_llm_model = fields.Char(related="company_id.ai_llm_model", readonly=False)
    ai_llm_timeout = fields.Float(related="company_id.ai_llm_timeout", readonly=False)
    ai_llm_max_retries = fields.Integer(related="company_id.ai_llm_max_retries", readonly=False)
    ai_llm_daily_call_budget = fields.Integer(
        related="company_id.ai_llm_daily_call_budget", readonly=False
    )
    ai_llm_daily_token_budget = fields.Integer(
        related="company_id.ai_llm_daily_token_budget", readonly=False
    )
    ai_llm_share_contact = fields.Boolean(related="company_id.ai_llm_share_contact", readonly=False)
    ai_responsible_fallback_id = fields.Many2one(
        "res.users", compute="_compute_ai_responsible_fallback_id", string="Automatic Responsible"
    )
    # The key is write-only here: typing a value replaces it, it is never read back.
    ai_llm_api_key_input = fields.Char(string="New LLM API Key")
    ai_llm_api_key_set = fields.Boolean(compute="_compute_ai_llm_api_key_set")

    @api.depends("company_id")
    def _compute_ai_llm_api_key_set(self):
        for settings in self:
            # sudo: res.company - only tell whether a key exists, never its value.
            settings.ai_llm_api_key_set = bool(settings.company_id.sudo().ai_llm_api_key)

    @api.depends("company_id")
    def _compute_ai_responsible_fallback_id(self):
        for settings in self:
            settings.ai_responsible_fallback_id = settings.company_id._ai_responsible_user(
                automatic=True
            )

    def set_values(self):
        super().set_values()
        for settings in self.filtered("ai_llm_api_key_input"):
            settings.company_id.ai_llm_api_key = settings.ai_llm_api_key_input.strip()
            settings.ai_llm_api_key_input = False

    def action_ai_llm_clear_key(self):
        self.ensure_one()
        self.company_id.ai_llm_api_key = False
        return True

    def action_ai_llm_test_connection(self):
        """Check the endpoint with the values on screen and say what happened."""
        self.ensure_one()
        config = replace(
            self.company_id._ai_llm_config(),
            base_url=self.ai_llm_base_url or None,
            model=self.ai_llm_model or "",
            timeout=self.ai_llm_timeout or 20.0,
        )
        if self.ai_llm_api_key_input:
            config = replace(config, api_key=self.ai_llm_api_key_input.strip())
        ok, message = LLMGateway(config).test_connection()
        if not ok:
            raise UserError(self.env._("LLM connection failed: %(error)s", error=message))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LLM connection works"),
                "message": message,
                "type": "success",
                "sticky": False,
            },
        }
