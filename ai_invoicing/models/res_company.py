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
        help="Scheduled and manual runs draft this many orders per queue job; a delivery "
        "job sends up to this many posted invoices together.",
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
    # Deterministic checks (issue findings; warnings and errors go to review)
    ai_check_taxes = fields.Boolean(
        string="Check Taxes vs Delivery Address",
        default=True,
        help="The fiscal position Odoo would pick for the delivery address, and each line's taxes.",
    )
    ai_check_vat = fields.Boolean(
        string="Check VAT Numbers",
        default=True,
        help="Format and check digit of the VAT number; the VIES result when base_vat has it.",
    )
    ai_check_currency = fields.Boolean(
        string="Check Currency Rates",
        default=True,
        help="A rate exists for the invoice date and did not jump above the tolerance.",
    )
    ai_currency_tolerance = fields.Float(
        string="Rate Jump Tolerance (%)",
        default=10.0,
        help="A change from the previous rate above this percentage is a warning.",
    )
    ai_check_quantities = fields.Boolean(
        string="Check Quantities",
        default=True,
        help="Invoiced quantities vs what was delivered (or ordered) and not invoiced yet.",
    )
    ai_check_prices = fields.Boolean(
        string="Check Prices and Discounts",
        default=True,
        help="Invoice prices vs the reference price, and discounts above the ceiling.",
    )
    ai_price_tolerance = fields.Float(
        string="Price Tolerance (%)",
        default=5.0,
        help="A price further than this percentage from the reference is a warning.",
    )
    ai_max_discount = fields.Float(
        string="Discount Ceiling (%)",
        default=30.0,
        help="A line discount above this percentage is a warning.",
    )
    ai_check_duplicates = fields.Boolean(
        string="Check Duplicates",
        default=True,
        help="Another invoice of the customer with the same total and origin or reference.",
    )
    ai_duplicate_days = fields.Integer(
        string="Duplicate Window (days)",
        default=30,
        help="How far back to look for a duplicate, in days.",
    )
    ai_check_unusual_amount = fields.Boolean(
        string="Check Unusual Amounts",
        default=True,
        help="A total far above the customer's posted history. Customers with 'Ignore abnormal "
        "invoice amount' on their Accounting tab are never flagged.",
    )
    ai_unusual_sigma = fields.Float(
        string="Unusual Above (standard deviations)",
        default=3.0,
        help="Unusual when the total exceeds the customer's mean by this many standard deviations.",
    )
    ai_unusual_min_history = fields.Integer(
        string="Minimum History (invoices)",
        default=5,
        help="Posted invoices a customer needs before its amounts can look unusual.",
    )
    ai_check_price_reference = fields.Boolean(
        string="Check Prices vs Pricelist and Cost",
        default=True,
        help="Flag a line whose net price is far below what the order's pricelist gives this "
        "customer for that quantity and date (the product's list price without a pricelist): "
        "a manual override.",
    )
    ai_price_reference_tolerance = fields.Float(
        string="Below Pricelist Tolerance (%)",
        default=20.0,
        help="How far (in %) a net line price may fall below the pricelist or list price before "
        "it is flagged.",
    )
    ai_check_below_cost = fields.Boolean(
        string="Flag Sales Below Cost",
        default=True,
        help="Flag any line sold below the product's cost, in the invoice currency and unit.",
    )
    ai_check_over_delivery = fields.Boolean(
        string="Check Quantities Above the Order",
        default=True,
        help="Flag a line whose quantity invoiced to date is above the quantity ordered "
        "(over-delivery).",
    )
    ai_over_delivery_tolerance = fields.Float(
        string="Over-Delivery Tolerance (%)",
        default=0.0,
        help="Extra quantity (in % of the ordered quantity) accepted without a finding, e.g. "
        "for goods sold by weight.",
    )
    ai_check_currency_habit = fields.Boolean(
        string="Check Unusual Currency",
        default=True,
        help="Flag an invoice in a currency none of the customer's posted invoices uses.",
    )
    ai_currency_habit_min_history = fields.Integer(
        string="Currency History (invoices)",
        default=3,
        help="Posted invoices a customer needs before a new currency is flagged.",
    )
    ai_check_forced_fiscal_position = fields.Boolean(
        string="Check Forced Fiscal Positions",
        default=True,
        help="Warn when the fiscal position forced on the customer differs from the one Odoo "
        "would pick automatically for the delivery address.",
    )
    ai_check_credit_limit = fields.Boolean(
        string="Check Credit Limits",
        default=True,
        help="Warn when the customer's receivable plus this invoice is above its credit limit. "
        "Needs 'Sales Credit Limit' in the Accounting settings.",
    )
    ai_check_channel = fields.Boolean(
        string="Check Sending Channel",
        default=True,
        help="The customer's invoice sending preference can be used (e-mail, Peppol address).",
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

    # ------------------------------------------------------------------
    # Follow-ups (dunning)
    # ------------------------------------------------------------------
    ai_followup_enabled = fields.Boolean(
        string="Automatic Follow-ups",
        help="The daily run sends payment reminders to customers with overdue invoices, by the "
        "levels of Invoicing > AI Invoicing > Follow-up Levels. Off: only the Run Follow-ups "
        "button sends them.",
    )
    ai_followup_min_amount = fields.Monetary(
        string="Minimum Amount to Chase",
        currency_field="currency_id",
        help="In company currency: a customer whose balance due in a currency (after its credit "
        "notes and unapplied payments) is below this amount is not reminded. Zero: any amount.",
    )
    ai_followup_escalation_days = fields.Integer(
        string="Escalation Delay (days)",
        default=14,
        help="Days after the last level was sent before the customer is escalated to the "
        "follow-up responsible (an activity). Zero: the day after.",
    )
    ai_followup_responsible_id = fields.Many2one(
        "res.users",
        string="Follow-up Responsible",
        domain="[('share', '=', False)]",
        help="Receives the follow-up activities: approvals, phone calls, letters to post, "
        "escalations and promises to check. Empty: the AI review responsible.",
    )

    def _ai_followup_responsible(self, partner=None):
        """Who receives the follow-up activities of ``partner``."""
        self.ensure_one()
        return self.ai_followup_responsible_id or self._ai_responsible_user(partner)

    # ------------------------------------------------------------------
    # Cash application
    # ------------------------------------------------------------------
    ai_cash_enabled = fields.Boolean(
        string="Cash Application",
        default=True,
        help="Suggest the open customer invoices each incoming bank transaction pays (scheduled "
        "run every hour, or Match with AI on the bank transactions).",
    )
    ai_cash_auto_apply = fields.Boolean(
        string="Apply Sure Matches",
        default=True,
        help="Reconcile a bank transaction without a person when its best suggestion reaches the "
        "confidence threshold and leads the next one by the margin.",
    )
    ai_cash_threshold = fields.Float(
        string="Auto-Apply Confidence (%)",
        default=90.0,
        help="Minimum confidence, in percent (0-100), of the best suggestion for it to be "
        "applied automatically.",
    )
    ai_cash_margin = fields.Float(
        string="Lead over the Next Suggestion (%)",
        default=10.0,
        help="Minimum lead, in percentage points, of the best suggestion over the second one for "
        "it to be applied automatically.",
    )
    ai_cash_writeoff_tolerance = fields.Monetary(
        string="Write-Off Tolerance",
        currency_field="currency_id",
        default=0.0,
        help="In company currency: a payment that differs from the open amount by at most this "
        "much settles the invoice in full and books the difference on the write-off account. "
        "Zero: a short payment leaves the rest open, an overpayment stays as the customer's "
        "credit.",
    )
    ai_cash_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Write-Off Account",
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable', "
        "'asset_cash', 'liability_credit_card', 'off_balance'))]",
        help="Account of the small differences written off within the tolerance.",
    )

    @api.constrains(
        "ai_cash_threshold",
        "ai_cash_margin",
        "ai_cash_writeoff_tolerance",
        "ai_cash_writeoff_account_id",
    )
    def _check_ai_cash_settings(self):
        for company in self:
            if not (0 <= company.ai_cash_threshold <= 100 and 0 <= company.ai_cash_margin <= 100):
                raise ValidationError(
                    self.env._("The cash application confidence and lead are percentages (0-100).")
                )
            if company.ai_cash_writeoff_tolerance < 0:
                raise ValidationError(self.env._("The write-off tolerance cannot be negative."))
            if company.ai_cash_writeoff_tolerance and not company.ai_cash_writeoff_account_id:
                raise ValidationError(
                    self.env._("Choose the write-off account of the cash application tolerance.")
                )
