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
    ai_check_taxes = fields.Boolean(related="company_id.ai_check_taxes", readonly=False)
    ai_check_vat = fields.Boolean(related="company_id.ai_check_vat", readonly=False)
    ai_check_currency = fields.Boolean(related="company_id.ai_check_currency", readonly=False)
    ai_currency_tolerance = fields.Float(related="company_id.ai_currency_tolerance", readonly=False)
    ai_check_quantities = fields.Boolean(related="company_id.ai_check_quantities", readonly=False)
    ai_check_prices = fields.Boolean(related="company_id.ai_check_prices", readonly=False)
    ai_price_tolerance = fields.Float(related="company_id.ai_price_tolerance", readonly=False)
    ai_max_discount = fields.Float(related="company_id.ai_max_discount", readonly=False)
    ai_check_price_reference = fields.Boolean(
        related="company_id.ai_check_price_reference", readonly=False
    )
    ai_price_reference_tolerance = fields.Float(
        related="company_id.ai_price_reference_tolerance", readonly=False
    )
    ai_check_below_cost = fields.Boolean(related="company_id.ai_check_below_cost", readonly=False)
    ai_check_over_delivery = fields.Boolean(
        related="company_id.ai_check_over_delivery", readonly=False
    )
    ai_over_delivery_tolerance = fields.Float(
        related="company_id.ai_over_delivery_tolerance", readonly=False
    )
    ai_check_duplicates = fields.Boolean(related="company_id.ai_check_duplicates", readonly=False)
    ai_duplicate_days = fields.Integer(related="company_id.ai_duplicate_days", readonly=False)
    ai_check_unusual_amount = fields.Boolean(
        related="company_id.ai_check_unusual_amount", readonly=False
    )
    ai_unusual_sigma = fields.Float(related="company_id.ai_unusual_sigma", readonly=False)
    ai_unusual_min_history = fields.Integer(
        related="company_id.ai_unusual_min_history", readonly=False
    )
    ai_check_currency_habit = fields.Boolean(
        related="company_id.ai_check_currency_habit", readonly=False
    )
    ai_currency_habit_min_history = fields.Integer(
        related="company_id.ai_currency_habit_min_history", readonly=False
    )
    ai_check_forced_fiscal_position = fields.Boolean(
        related="company_id.ai_check_forced_fiscal_position", readonly=False
    )
    ai_check_credit_limit = fields.Boolean(
        related="company_id.ai_check_credit_limit", readonly=False
    )
    ai_check_channel = fields.Boolean(related="company_id.ai_check_channel", readonly=False)
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

    # Follow-ups (dunning)
    ai_followup_enabled = fields.Boolean(related="company_id.ai_followup_enabled", readonly=False)
    ai_followup_min_amount = fields.Monetary(
        related="company_id.ai_followup_min_amount", readonly=False, currency_field="currency_id"
    )
    ai_followup_escalation_days = fields.Integer(
        related="company_id.ai_followup_escalation_days", readonly=False
    )
    ai_followup_responsible_id = fields.Many2one(
        related="company_id.ai_followup_responsible_id", readonly=False
    )
    # Cash application
    ai_cash_enabled = fields.Boolean(related="company_id.ai_cash_enabled", readonly=False)
    ai_cash_auto_apply = fields.Boolean(related="company_id.ai_cash_auto_apply", readonly=False)
    ai_cash_threshold = fields.Float(related="company_id.ai_cash_threshold", readonly=False)
    ai_cash_margin = fields.Float(related="company_id.ai_cash_margin", readonly=False)
    ai_cash_writeoff_tolerance = fields.Monetary(
        related="company_id.ai_cash_writeoff_tolerance",
        readonly=False,
        currency_field="currency_id",
    )
    ai_cash_writeoff_account_id = fields.Many2one(
        related="company_id.ai_cash_writeoff_account_id", readonly=False
    )
