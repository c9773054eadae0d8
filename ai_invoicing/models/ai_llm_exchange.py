# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import hashlib
import json
from datetime import timedelta

from odoo import api, fields, models

OUTCOMES = [
    ("used", "Used"),
    ("discarded", "Discarded"),
    ("invalid", "Invalid Answer"),
    ("failed", "No Answer"),
]
# the texts of an exchange that may hold personal data: cleared after the company's
# retention period, their SHA-256 kept
BODY_FIELDS = ("request", "answer", "repair_request", "repair_answer", "verdicts")


def sha256_text(text):
    """SHA-256 (hex) of a stored body as UTF-8 text; empty for no body."""
    return hashlib.sha256(text.encode()).hexdigest() if text else False


def verdicts_text(verdicts):
    """The canonical text of the verdicts that their SHA-256 is taken of."""
    return json.dumps(verdicts, ensure_ascii=False, sort_keys=True) if verdicts else ""


def _readable_messages(text):
    """The stored messages (exact JSON) as a person reads them: role, then its text."""
    try:
        messages = json.loads(text) if text else []
    except ValueError:
        return text
    return "\n\n".join(
        f"── {message.get('role', '?')} ──\n{message.get('content', '')}" for message in messages
    )


def _cleared(verdict):
    """A verdict without the strings it rejected: its rule, code and their number."""
    rejected = verdict.get("rejected")
    if not isinstance(rejected, list):
        return verdict  # already cleared
    return {"rule": verdict.get("rule"), "code": verdict.get("code"), "rejected": len(rejected)}


class AiLlmExchange(models.Model):
    """What one guarded LLM call sent and got back, for the audit trail.

    Written by the system only (with its AI log, from ``GuardedOutcome.exchange_vals``);
    readable by AI Invoicing managers only: the messages hold customer data.
    """

    _name = "ai.llm.exchange"
    _description = "AI LLM Exchange"
    _order = "id"

    log_id = fields.Many2one(
        "ai.invoice.log",
        string="AI Log",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="log_id.company_id", store=True, index=True)
    text_type = fields.Char(readonly=True, help="Which text the AI was asked to write.")
    prompt_version = fields.Char(readonly=True)
    model = fields.Char(readonly=True)
    endpoint_host = fields.Char(
        readonly=True, help="The host of the LLM endpoint (never the API key)."
    )
    language = fields.Char(readonly=True, help="The language the text was asked in.")
    outcome = fields.Selection(OUTCOMES, readonly=True, index=True)
    reason = fields.Text(
        string="Why Not Used", readonly=True, help="Why the template was used instead."
    )
    request = fields.Text(string="Messages Sent", readonly=True)
    answer = fields.Text(string="Raw Answer", readonly=True)
    validation = fields.Char(string="Schema Validation", readonly=True)
    repair_request = fields.Text(
        string="Repair Request",
        readonly=True,
        help="Added to the messages sent when the first answer did not match the schema.",
    )
    repair_answer = fields.Text(readonly=True)
    repair_validation = fields.Char(readonly=True)
    verdicts = fields.Json(
        string="Guardrail Verdicts (JSON)",
        readonly=True,
        help="Each guardrail that rejected the answer, with the strings it rejected.",
    )
    verdicts_display = fields.Text(string="Guardrail Verdicts", compute="_compute_display")
    request_display = fields.Text(string="Messages Sent (Readable)", compute="_compute_display")
    repair_request_display = fields.Text(
        string="Repair Request (Readable)", compute="_compute_display"
    )
    error = fields.Text(string="Endpoint Error", readonly=True)
    prompt_tokens = fields.Integer(readonly=True)
    completion_tokens = fields.Integer(readonly=True)
    latency_ms = fields.Integer(string="Latency (ms)", readonly=True)
    attempts = fields.Integer(readonly=True)
    request_sha256 = fields.Char(string="Messages SHA-256", readonly=True)
    answer_sha256 = fields.Char(string="Answer SHA-256", readonly=True)
    repair_request_sha256 = fields.Char(string="Repair Request SHA-256", readonly=True)
    repair_answer_sha256 = fields.Char(string="Repair Answer SHA-256", readonly=True)
    verdicts_sha256 = fields.Char(string="Verdicts SHA-256", readonly=True)
    purged_date = fields.Datetime(
        string="Bodies Cleared On",
        readonly=True,
        help="The texts were cleared after the company's retention period; their SHA-256 "
        "still proves what was exchanged.",
    )

    @api.depends("verdicts", "request", "repair_request")
    def _compute_display(self):
        for exchange in self:
            exchange.request_display = _readable_messages(exchange.request)
            exchange.repair_request_display = _readable_messages(exchange.repair_request)
            lines = []
            for verdict in exchange.verdicts or []:
                rejected = verdict.get("rejected")
                if isinstance(rejected, list):
                    rejected = ", ".join(f"«{text}»" for text in rejected)
                else:
                    rejected = self.env._("%(count)s string(s), cleared", count=rejected)
                lines.append(f"{verdict.get('rule')} [{verdict.get('code')}]: {rejected}")
            exchange.verdicts_display = "\n".join(lines)

    def _compute_display_name(self):
        for exchange in self:
            exchange.display_name = f"{exchange.log_id.name} · {exchange.text_type or ''}"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            for fname in BODY_FIELDS:
                text = vals.get(fname)
                if fname == "verdicts":
                    text = verdicts_text(text)
                vals.setdefault(f"{fname}_sha256", sha256_text(text))
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Written by the system only (no access right grants create, write or unlink)
    # ------------------------------------------------------------------
    @api.model
    def _system_create(self, vals_list):
        # sudo: ai.llm.exchange - the audit trail of the LLM is written by the agents
        # with their log, never by a user
        return self.sudo().create(vals_list).with_env(self.env)

    def _system_write(self, vals):
        # sudo: ai.llm.exchange - see _system_create (the retention job clears bodies)
        return self.sudo().write(vals)

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    @api.model
    def _cron_clear_bodies(self):
        """Clear the texts of exchanges older than their company's retention period
        (0 keeps them), keeping their SHA-256; one write per company."""
        # sudo: res.company - the scheduled job reads every company's retention setting
        companies = self.env["res.company"].sudo().search([("ai_llm_retention_days", ">", 0)])
        now = fields.Datetime.now()
        cleared = self.browse()
        for company in companies:
            cutoff = now - timedelta(days=company.ai_llm_retention_days)
            # sudo: ai.llm.exchange - the scheduled job runs for every company
            exchanges = self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("create_date", "<", cutoff),
                    ("purged_date", "=", False),
                ]
            )
            exchanges._clear_bodies(now)
            cleared |= exchanges
        return cleared

    def _clear_bodies(self, when=None):
        """Clear the bodies; the verdicts keep their rule and how many strings it rejected."""
        when = when or fields.Datetime.now()
        by_verdicts = self.grouped(
            lambda exchange: json.dumps([_cleared(v) for v in exchange.verdicts or []])
        )
        for verdicts, exchanges in by_verdicts.items():
            exchanges._system_write(
                {
                    "request": False,
                    "answer": False,
                    "repair_request": False,
                    "repair_answer": False,
                    "verdicts": json.loads(verdicts) or False,
                    "purged_date": when,
                }
            )
