# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..services.templates import findings_html

# The agents of this addon; an agent model names its code in ``_agent`` and is
# found by it (``_agent_model``). Another addon adds its agent with selection_add.
AGENTS = [
    ("invoice_draft", "Invoice Drafting"),
    ("billing", "Consolidated Billing"),
    ("review", "Review"),
    ("delivery", "Invoice Delivery"),
    ("dunning", "Dunning"),
    ("cash_application", "Cash Application"),
]
TRIGGERS = [
    ("picking_done", "Delivery Validated"),
    ("order_confirmed", "Order Confirmed"),
    ("order_delivered", "Order Fully Delivered"),
    ("period", "Invoicing Period"),
    ("invoice_posted", "Invoice Posted"),
    ("manual", "Manual"),
    ("followup_cron", "Scheduled Follow-up"),
    ("scheduled", "Scheduled Run"),
]
DECISIONS = [
    ("drafted", "Drafted"),
    ("posted", "Posted"),
    ("held_for_review", "Held for Review"),
    ("sent", "Sent"),
    ("skipped", "Skipped"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("reopened", "Back to Review"),
    ("failed", "Failed"),
    ("promise", "Promise to Pay"),
    ("applied", "Applied"),
    ("suggested", "Suggested"),
    ("no_match", "No Match"),
    ("accepted", "Accepted"),
    ("undone", "Undone"),
]
STATES = [
    ("queued", "Queued"),
    ("done", "Done"),
    ("needs_review", "Needs Review"),
    ("failed", "Failed"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
FEEDBACK = [("none", "None"), ("correct", "Correct"), ("wrong", "Wrong")]


class AiInvoiceLog(models.Model):
    _name = "ai.invoice.log"
    _description = "AI Invoicing Log"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"  # any AI Invoicing user may comment and give feedback

    # numbered by PostgreSQL in the INSERT itself (see init): AIL/<year>/<id>
    name = fields.Char(required=True, readonly=True, copy=False)
    agent = fields.Selection(
        AGENTS,
        required=True,
        readonly=True,
        index=True,
    )
    trigger = fields.Selection(TRIGGERS, required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="queued", readonly=True, index=True)
    decision = fields.Selection(DECISIONS, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Triggered By",
        readonly=True,
        default=lambda self: self.env.user,
        help="The person whose action started the agent.",
    )
    sale_order_id = fields.Many2one(
        "sale.order", readonly=True, index="btree_not_null", check_company=True
    )
    picking_id = fields.Many2one(
        "stock.picking", readonly=True, index="btree_not_null", check_company=True
    )
    batch_id = fields.Many2one(
        "ai.invoice.batch", readonly=True, index="btree_not_null", ondelete="set null"
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", readonly=True, index="btree_not_null", check_company=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_total = fields.Monetary(readonly=True, currency_field="currency_id")
    review_required = fields.Boolean(readonly=True)
    review_reason = fields.Text(readonly=True)
    rationale = fields.Text(readonly=True)
    source_data = fields.Json(readonly=True, help="Snapshot of the data the decision used.")
    flags = fields.Json(
        string="Flags (JSON)",
        readonly=True,
        help="Risk flags raised by the guardrails and the LLM.",
    )
    findings = fields.Json(
        string="Findings (JSON)", readonly=True, help="Findings of the deterministic checks."
    )
    source_data_text = fields.Text(string="Source Data (JSON)", compute="_compute_json_text")
    flags_html = fields.Html(string="Flags", compute="_compute_badges")
    findings_html = fields.Html(string="Check Findings", compute="_compute_badges")
    error = fields.Text(readonly=True)
    job_state = fields.Selection(
        [
            ("wait_dependencies", "Wait Dependencies"),
            ("pending", "Pending"),
            ("enqueued", "Enqueued"),
            ("started", "Started"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
            ("failed", "Failed"),
        ],
        string="Job State",
        compute="_compute_job",
        help="State of the queue job that ran this log, or of the job pending for it.",
    )
    job_uuid = fields.Char(
        string="Job UUID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The queue job that claimed this log (a job handles a chunk of logs).",
    )
    job_id = fields.Many2one(
        "queue.job",
        string="Queue Job",
        compute="_compute_job",
        groups="queue_job.group_queue_job_manager",
    )
    # Human review
    reviewer_id = fields.Many2one("res.users", string="Reviewer", readonly=True)
    review_date = fields.Datetime(readonly=True)
    # Feedback, to tune prompts and rules
    feedback = fields.Selection(FEEDBACK, default="none", readonly=True, index=True)
    feedback_note = fields.Text(readonly=True)
    feedback_user_id = fields.Many2one("res.users", string="Feedback By", readonly=True)
    # Analysis measures (0 or 100 per log, averaged into rates)
    kpi_automated = fields.Float(
        precompute=True,
        string="Automation Rate (%)",
        compute="_compute_kpis",
        store=True,
        aggregator="avg",
        help="Share of agent actions done without a person (drafted, posted, sent, nothing to "
        "do); a bank transaction without a match is left to a person.",
    )
    kpi_review = fields.Float(
        precompute=True,
        string="Review Rate (%)",
        compute="_compute_kpis",
        store=True,
        aggregator="avg",
        help="Share of drafted invoices routed to a reviewer.",
    )
    kpi_rejected = fields.Float(
        precompute=True,
        string="Rejection Rate (%)",
        compute="_compute_kpis",
        store=True,
        aggregator="avg",
        help="Share of drafted invoices a reviewer rejected.",
    )
    kpi_wrong = fields.Float(
        string="Marked Wrong (%)",
        compute="_compute_kpis",
        store=True,
        precompute=True,
        aggregator="avg",
    )
    # a Float with the accounts' precision, not a Monetary: written in the log's INSERT
    # without reading its currency (a Monetary is rounded by it, even at 0)
    kpi_amount = fields.Float(
        precompute=True,
        string="Drafted Amount",
        compute="_compute_kpis",
        store=True,
        digits="Account",
        help="The invoice amount, counted once: on the drafting log only.",
    )
    review_hours = fields.Float(
        string="Time to Decision (h)",
        readonly=True,
        aggregator="avg",
        help="Hours between the draft and the reviewer's decision.",
    )
    # LLM observability
    llm_model = fields.Char(string="Model", readonly=True)
    prompt_version = fields.Char(readonly=True)
    prompt_tokens = fields.Integer(readonly=True)
    completion_tokens = fields.Integer(readonly=True)
    total_tokens = fields.Integer(compute="_compute_total_tokens", store=True, precompute=True)
    latency_ms = fields.Integer(string="Latency (ms)", readonly=True)
    llm_called = fields.Boolean(string="LLM Called", readonly=True)
    llm_fallback = fields.Boolean(string="Template Fallback", readonly=True)
    llm_error = fields.Text(string="LLM Issue", readonly=True)
    # Dunning: the level of a reminder and the day it was planned for
    dunning_level_id = fields.Many2one(
        "ai.dunning.level", string="Follow-up Level", readonly=True, index="btree_not_null"
    )
    dunning_date = fields.Date(string="Follow-up Date", readonly=True, index="btree_not_null")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank Transaction",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    dedup_key = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="What makes two requests to this agent the same work (written by the agent).",
    )

    # One successful invoice per delivery and per order confirmation: a second
    # job that slipped past the lock cannot commit a second invoice.
    _unique_picking_invoice = models.UniqueIndex(
        "(picking_id) WHERE agent = 'invoice_draft' AND move_id IS NOT NULL"
        " AND picking_id IS NOT NULL",
        "This delivery has already been invoiced by the AI agent.",
    )
    _unique_order_invoice = models.UniqueIndex(
        "(sale_order_id) WHERE agent = 'invoice_draft' AND move_id IS NOT NULL"
        " AND trigger = 'order_confirmed'",
        "This order confirmation has already been invoiced by the AI agent.",
    )

    # An invoice is sent once, whatever the retries.
    _unique_move_sent = models.UniqueIndex(
        "(move_id) WHERE agent = 'delivery' AND decision = 'sent'",
        "This invoice has already been sent by the AI agent.",
    )

    # One reminder per customer, level and day, whatever the runs and retries.
    _unique_dunning_reminder = models.UniqueIndex(
        "(partner_id, dunning_level_id, dunning_date) WHERE agent = 'dunning'"
        " AND decision IN ('sent', 'held_for_review')",
        "This customer has already been reminded at this level today.",
    )

    def _compute_job(self):
        """The job that claimed the log; a queued log not claimed yet: its agent's job
        pending for the company."""
        Agent = self.env["ai.invoice.agent"]
        identities = {
            log.id: Agent._agent_models()[log.agent]._job_identity(log.company_id)
            for log in self
            if log.id
            and not log.job_uuid
            and log.state == "queued"
            and log._agent_model() is not None
        }
        # sudo: queue.job - every AI user may see how the job of a log went
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search_fetch(
                Domain("uuid", "in", [uuid for uuid in self.mapped("job_uuid") if uuid])
                | Domain(
                    "identity_key",
                    "in",
                    [key + later for key in set(identities.values()) for later in ("", ",later")],
                )
                & Domain("state", "in", ["pending", "enqueued", "started"]),
                ["uuid", "identity_key", "state"],
                order="id desc",
            )
        )
        by_uuid = {job.uuid: job for job in jobs}
        pending = {}
        for job in jobs:
            if job.identity_key:  # the job to run now first (ordered by id desc otherwise)
                key = job.identity_key.removesuffix(",later")
                if key not in pending or pending[key].identity_key.endswith(",later"):
                    pending[key] = job
        for log in self:
            job = by_uuid.get(log.job_uuid) if log.job_uuid else pending.get(identities.get(log.id))
            log.job_state = job.state if job else False
            log.job_id = job.sudo(False) if job else False

    @api.depends("prompt_tokens", "completion_tokens")
    def _compute_total_tokens(self):
        for log in self:
            log.total_tokens = log.prompt_tokens + log.completion_tokens

    @api.depends("agent", "state", "decision", "feedback", "review_required", "amount_total")
    def _compute_kpis(self):
        invoicing = self.env["ai.invoice.agent"]._invoice_agents()
        for log in self:
            drafting = log.agent in invoicing
            # done without a person: drafted, posted, sent, or nothing to do (a bank
            # transaction the cash agent found no match for is left to a person)
            automated = log.state == "done" and log.decision != "no_match"
            log.kpi_automated = 100.0 if automated else 0.0
            log.kpi_review = 100.0 if drafting and log.review_required else 0.0
            log.kpi_rejected = 100.0 if drafting and log.state == "rejected" else 0.0
            log.kpi_wrong = 100.0 if log.feedback == "wrong" else 0.0
            log.kpi_amount = log.amount_total if drafting and log.move_id else 0.0

    @api.depends("source_data")
    def _compute_json_text(self):
        for log in self:
            log.source_data_text = json.dumps(log.source_data or {}, indent=2, ensure_ascii=False)

    @api.depends("flags", "findings")
    def _compute_badges(self):
        labels = self._severity_labels()
        for log in self:
            log.flags_html = findings_html(log.flags, labels)
            log.findings_html = findings_html(log.findings, labels)

    @api.model
    def _severity_labels(self):
        return {
            "error": self.env._("Error"),
            "warning": self.env._("Warning"),
            "info": self.env._("Info"),
        }

    @api.model_create_multi
    def create(self, vals_list):
        logs = super().create(vals_list)
        logs.invalidate_recordset(["name"])  # given by the INSERT (see init), not cached
        return logs

    def init(self):
        """Logs are numbered by their id, not by an ir.sequence (three queries per log,
        a row lock and the user's time zone), and in the INSERT itself: the column's
        default reads the id the same row has just drawn (defaults are evaluated in
        column order, ``id`` first), so no UPDATE follows a new log."""
        self.env.cr.execute(
            "ALTER TABLE ai_invoice_log ALTER COLUMN name SET DEFAULT 'AIL/' || "
            "to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '/' || "
            "lpad(currval(pg_get_serial_sequence('ai_invoice_log', 'id'))::text, 5, '0')"
        )

    # ------------------------------------------------------------------
    # Written by the system only: no user may create, edit or delete a log
    # (no access right grants it); these two are the only ways in.
    # ------------------------------------------------------------------
    @api.model
    def _system_create(self, vals_list):
        if not vals_list:
            return self.browse()
        agent = self.env["ai.invoice.agent"]._agent_user()
        # sudo: ai.invoice.log - the audit trail is written by the agents and the
        # review actions (created by the agent user), never directly by a user; no
        # "created" message (the log itself is the record of what happened) and no
        # follower: whoever comments on a log follows it from then on
        Log = (
            self.with_user(agent)
            .sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        )
        return Log.create(vals_list).with_env(self.env)

    def _system_write(self, vals):
        # sudo: ai.invoice.log - see _system_create
        return self.sudo().write(vals)

    @api.model
    def _log_decisions(self, vals_list, reviewed=False):
        """The logs of what is decided outside an agent's job (a review, a rollout level
        change, credits applied when an invoice is posted, a promise to pay, a match by
        hand): by the current user, done, from a manual trigger unless ``vals`` say
        otherwise; ``reviewed``: the user is its reviewer, now. With the agents'
        ``_create_logs``, the only ways logs are made."""
        defaults = {"trigger": "manual", "state": "done", "user_id": self.env.uid}
        if reviewed:
            defaults.update(reviewer_id=self.env.uid, review_date=fields.Datetime.now())
        return self._system_create([dict(defaults, **vals) for vals in vals_list])

    def _close_review(self, vals, reviewer=None, when=None):
        """A person decided on these logs: ``vals`` with who, when and how long each
        waited for them (the review KPIs)."""
        when = when or fields.Datetime.now()
        reviewer = reviewer or self.env.user
        for log in self:
            log._system_write(
                {
                    **vals,
                    "reviewer_id": reviewer.id,
                    "review_date": when,
                    "review_hours": (when - log.create_date).total_seconds() / 3600.0,
                }
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Re-run failed agent actions once the data is fixed (AI Invoicing managers)."""
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_manager"):
            raise AccessError(self.env._("Only AI Invoicing managers can retry agent actions."))
        self.check_access("read")
        failed = self.filtered(lambda log: log.state == "failed" and log._agent_model() is not None)
        if not failed or failed != self:
            raise UserError(self.env._("Only failed agent actions can be retried."))
        failed._ai_keep_error_history()
        failed._system_write({"state": "queued", "error": False, "decision": False})
        for log in failed.filtered(lambda log: "busy_tries" in (log.source_data or {})):
            data = dict(log.source_data)
            data.pop("busy_tries"), data.pop("retry_at", None)  # a new round of tries
            log._system_write({"source_data": data})
        for agent, logs in failed.grouped(lambda log: log._agent_model()).items():
            agent._delay(logs)
        return True

    def _ai_keep_error_history(self):
        """Before Retry clears a log's error: keep it in the log's history (chatter and
        ``source_data['earlier_errors']``), so the successful run still shows what failed."""
        now = fields.Datetime.now()
        user = self.env.user
        for log in self:
            earlier = list((log.source_data or {}).get("earlier_errors") or [])
            earlier.append({"error": log.error or "", "retried_by": user.name, "on": str(now)})
            log._system_write({"source_data": dict(log.source_data or {}, earlier_errors=earlier)})
            # sudo: ai.invoice.log - a log's history is written by the system, never by a user
            log.sudo()._message_log(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._("Retried by %(user)s. The earlier error:", user=user.name),
                    log.error or "",
                ),
                author_id=user.partner_id.id,
            )

    def action_feedback(self):
        """Open the feedback wizard (any AI Invoicing user may say a log is wrong)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Feedback on AI Action"),
            "res_model": "ai.invoice.feedback.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_log_ids": self.ids, "default_feedback": "wrong"},
        }

    def action_open_document(self):
        self.ensure_one()
        record = self._document()
        if not record:
            raise UserError(self.env._("This log is not linked to any document."))
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }

    @api.model
    def _ai_action_for(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id("ai_invoicing.ai_invoice_log_action")
        action["domain"] = domain
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _document(self):
        """The document this log acts on (its agent says which; a review: the invoice)."""
        self.ensure_one()
        agent = self._agent_model()
        return agent._document(self) if agent is not None else self.move_id

    def _dedup_vals(self):
        """This log's values as its agent's ``_prepare_log_vals`` gives them (ids)."""
        self.ensure_one()
        return {
            name: self[name].id if field.type == "many2one" else self[name]
            for name, field in self._fields.items()
            if field.store and field.type in ("many2one", "selection", "date", "char")
        }

    def _agent_model(self):
        """The agent model that runs this log's agent (empty for a person's review)."""
        self.ensure_one()
        return self.env["ai.invoice.agent"]._agent_models().get(self.agent)

    def _agent_label(self):
        self.ensure_one()
        return dict(self._fields["agent"]._description_selection(self.env))[self.agent]

    @api.model
    def _of_job(self, job):
        """The logs ``job`` claimed; a job that never got as far: the queued logs it
        would claim (its agent's oldest for its company that no running job holds)."""
        logs = self.search([("job_uuid", "=", job.uuid)])
        if logs or job.state not in ("pending", "enqueued", "failed", "cancelled"):
            return logs
        agent, company = self.env["ai.invoice.agent"]._from_job_identity(job.identity_key)
        if agent is None or not company:
            return logs
        return self.search(
            [
                ("agent", "=", agent._agent),
                ("company_id", "=", company.id),
                ("state", "=", "queued"),
            ],
            order="id",
            limit=agent._chunk_size(company),
        )

    def _already_sent(self):
        """Whether another delivery log already sent this log's invoice."""
        self.ensure_one()
        # sudo: ai.invoice.log - every delivery log counts, whoever asks
        return bool(
            self.sudo().search_count(
                [
                    ("agent", "=", "delivery"),
                    ("move_id", "=", self.move_id.id),
                    ("decision", "=", "sent"),
                ],
                limit=1,
            )
        )
