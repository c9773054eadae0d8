# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services.llm_client import LLMConfig

AI_JOURNAL_CODE = "AIINV"
INVOICING_MODES = [
    ("per_delivery", "Per Delivery"),
    ("per_order", "Per Order"),
    ("per_period", "Per Period"),
]
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    ai_invoicing_enabled = fields.Boolean(
        string="AI Invoicing",
        default=True,
        help="Let the agents draft, check, route, send and log customer invoices in this company.",
    )
    ai_trigger_on_delivery = fields.Boolean(
        string="Draft on Delivery",
        default=True,
        help="Validating a customer delivery drafts its invoice (by the invoicing mode).",
    )
    ai_trigger_on_confirm = fields.Boolean(
        string="Draft on Order Confirmation",
        default=True,
        help="Confirming an order with products invoiced on ordered quantities drafts its invoice.",
    )
    # Invoicing mode (a customer may override it) and batch runs
    ai_invoicing_mode = fields.Selection(
        INVOICING_MODES,
        string="Invoicing Mode",
        default="per_delivery",
        required=True,
        help="Per delivery: one invoice per validated delivery. Per order: one invoice when the "
        "order is fully delivered. Per period: one invoice per customer, currency, fiscal "
        "position and delivery address for everything delivered in the period, drafted by the "
        "scheduled run.",
    )
    ai_invoicing_period = fields.Selection(
        [("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")],
        string="Invoicing Period",
        default="weekly",
        required=True,
    )
    ai_period_weekday = fields.Selection(
        WEEKDAYS,
        string="Invoicing Weekday",
        default="4",
        required=True,
        help="Weekly period: the day the scheduled run drafts the invoices.",
    )
    ai_period_monthday = fields.Integer(
        string="Invoicing Day of Month",
        default=1,
        help="Monthly period: the day of the month (1-28) the scheduled run drafts the invoices.",
    )
    ai_batch_size = fields.Integer(
        string="Batch Size (documents per job)",
        default=50,
        help="Each agent's queue job takes up to this many queued documents (deliveries to "
        "draft, invoices to send, reminders, bank transactions) and leaves the rest to the "
        "next job; scheduled and manual runs draft this many orders per job.",
    )
    ai_review_threshold = fields.Monetary(
        string="Review Threshold",
        currency_field="currency_id",
        default=10000.0,
        help="Drafts whose total in company currency is above this amount wait for a "
        "reviewer. Zero disables the amount rule.",
    )
    ai_review_new_customers = fields.Boolean(
        string="Review New Customers",
        default=True,
        help="The first invoice of a customer waits for a reviewer.",
    )
    ai_auto_post = fields.Boolean(
        string="Auto-Post Clean Drafts",
        default=False,
        help="Post drafts that need no review at once (and approved drafts on approval).",
    )
    ai_auto_send = fields.Boolean(
        string="Send Posted AI Invoices",
        default=True,
        help="Send AI invoices by the customer's channel once posted automatically or approved.",
    )
    ai_invoice_journal_id = fields.Many2one(
        "account.journal",
        string="AI Invoice Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
        check_company=True,
    )
    ai_responsible_user_id = fields.Many2one(
        "res.users",
        string="AI Review Responsible",
        domain="[('share', '=', False)]",
        help="Receives review and failure activities. Empty: the order's salesperson or the "
        "first AI Invoicing reviewer.",
    )
    # LLM (optional; rules-only when disabled)
    ai_llm_enabled = fields.Boolean(
        string="Use an LLM",
        help="Narrative and risk flags from a language model; without it, templates.",
    )
    ai_llm_base_url = fields.Char(
        string="LLM Base URL",
        help="Any OpenAI-compatible endpoint, e.g. https://api.openai.com/v1, "
        "http://localhost:11434/v1 (Ollama), http://localhost:4000 (LiteLLM).",
    )
    ai_llm_model = fields.Char(
        string="LLM Model", default="gpt-4o-mini", help="The model name the endpoint expects."
    )
    ai_llm_api_key = fields.Char(
        string="LLM API Key", groups="base.group_system", copy=False, prefetch=False
    )
    ai_llm_timeout = fields.Float(
        string="LLM Timeout (seconds)",
        default=20.0,
        help="After this many seconds without an answer, the template is used.",
    )
    ai_llm_max_retries = fields.Integer(
        string="LLM Retries",
        default=2,
        help="Retries on rate limits, timeouts and server errors (with back-off).",
    )
    ai_llm_daily_call_budget = fields.Integer(
        string="Daily LLM Calls (calls per day)", default=500, help="Zero means unlimited."
    )
    ai_llm_daily_token_budget = fields.Integer(
        string="Daily LLM Tokens (tokens per day)", default=500000, help="Zero means unlimited."
    )
    ai_llm_share_contact = fields.Boolean(
        string="Share Contact Details with the LLM",
        help="Send customer e-mail addresses and phone numbers to the LLM when a task needs them.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        agent = self.env.ref("ai_invoicing.user_ai_agent", raise_if_not_found=False)
        if agent:
            # sudo: res.users - the technical agent must be allowed in every
            # company it drafts invoices for; the creating user may not manage users.
            agent.sudo().company_ids = [fields.Command.link(c.id) for c in companies]
        return companies

    @api.constrains("ai_period_monthday", "ai_batch_size")
    def _check_ai_period(self):
        for company in self:
            if not 1 <= company.ai_period_monthday <= 28:
                raise ValidationError(
                    self.env._("The invoicing day of the month must be between 1 and 28.")
                )
            if company.ai_batch_size < 1:
                raise ValidationError(self.env._("The batch size must be at least 1 order."))

    def _ai_is_period_day(self, day):
        """Whether ``day`` ends an invoicing period of the company."""
        self.ensure_one()
        if self.ai_invoicing_period == "weekly":
            return day.weekday() == int(self.ai_period_weekday)
        if self.ai_invoicing_period == "monthly":
            return day.day == self.ai_period_monthday
        return True

    def _ai_get_invoice_journal(self):
        """The sales journal for AI-drafted invoices, created on first use."""
        self.ensure_one()
        if self.ai_invoice_journal_id:
            return self.ai_invoice_journal_id
        Journal = self.env["account.journal"]
        journal = Journal.search(
            [("company_id", "=", self.id), ("code", "=", AI_JOURNAL_CODE), ("type", "=", "sale")],
            limit=1,
        )
        if not journal:
            default = Journal.search([("company_id", "=", self.id), ("type", "=", "sale")], limit=1)
            if not default:
                return Journal  # no chart of accounts: let Odoo pick / complain
            # sudo: account.journal - journals are configuration that invoicing
            # users may not create; this one is created once per company.
            journal = Journal.sudo().create(self._prepare_ai_journal_vals(default))
        # sudo: res.company - remember the journal; clerks cannot write companies.
        self.sudo().ai_invoice_journal_id = journal
        return journal.sudo(False)

    def _prepare_ai_journal_vals(self, model_journal):
        """A sales journal like ``model_journal`` (same accounts), named for the AI."""
        return {
            "name": self.env._("AI-Generated Invoices"),
            "code": AI_JOURNAL_CODE,
            "type": "sale",
            "company_id": self.id,
            "default_account_id": model_journal.default_account_id.id,
            "sequence": 50,
        }

    def _ai_responsible_user(self, document=None, automatic=False):
        """Who receives review and failure activities (one person, not every reviewer).

        ``automatic``: who gets them when no responsible is set (shown in Settings).
        """
        self.ensure_one()
        if self.ai_responsible_user_id and not automatic:
            return self.ai_responsible_user_id
        reviewer_domain = [
            ("all_group_ids", "in", self.env.ref("ai_invoicing.group_ai_invoicing_reviewer").id),
            ("company_ids", "in", self.id),
            ("share", "=", False),
        ]
        Users = self.env["res.users"]
        salesperson = document and "user_id" in document._fields and document.user_id
        if salesperson and Users.search_count(
            reviewer_domain + [("id", "=", salesperson.id)], limit=1
        ):
            return salesperson
        return (
            Users.search(reviewer_domain, order="id", limit=1)
            or salesperson
            or self.env.ref("base.user_admin")
        )

    # ------------------------------------------------------------------
    # LLM
    # ------------------------------------------------------------------
    def _ai_llm_config(self):
        self.ensure_one()
        # sudo: res.company - the API key field is restricted to Settings
        # administrators; the agent reads it only to build the client.
        api_key = self.sudo().ai_llm_api_key
        return LLMConfig(
            base_url=self.ai_llm_base_url or None,
            api_key=api_key or None,
            model=self.ai_llm_model or "",
            timeout=self.ai_llm_timeout or 20.0,
            max_retries=max(self.ai_llm_max_retries, 0),
        )
