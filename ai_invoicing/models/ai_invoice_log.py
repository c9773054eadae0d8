# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import logging

from markupsafe import Markup
from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError

from ..services import checks

_logger = logging.getLogger(__name__)

AGENTS = [
    ("invoice_draft", "Invoice Drafting"),
    ("review", "Review"),
    ("delivery", "Invoice Delivery"),
    ("dunning", "Dunning"),
    ("cash_application", "Cash Application"),
]
TRIGGERS = [
    ("picking_done", "Delivery Validated"),
    ("order_confirmed", "Order Confirmed"),
    ("cron", "Scheduled"),
    ("manual", "Manual"),
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

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    agent = fields.Selection(AGENTS, required=True, readonly=True, index=True)
    trigger = fields.Selection(TRIGGERS, required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="queued", readonly=True, index=True)
    decision = fields.Char(
        readonly=True, help="Short machine-readable outcome, e.g. drafted, posted, skipped."
    )
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
    flags = fields.Json(readonly=True, help="Risk flags raised by the guardrails and the LLM.")
    findings = fields.Json(readonly=True, help="Findings of the deterministic checks.")
    source_data_text = fields.Text(string="Source Data (JSON)", compute="_compute_json_text")
    flags_text = fields.Text(string="Flags (JSON)", compute="_compute_json_text")
    findings_text = fields.Text(string="Findings (JSON)", compute="_compute_json_text")
    error = fields.Text(readonly=True)
    # Human review
    reviewer_id = fields.Many2one("res.users", string="Reviewer", readonly=True)
    review_date = fields.Datetime(readonly=True)
    # Feedback, to tune prompts and rules
    feedback = fields.Selection(FEEDBACK, default="none", readonly=True, index=True)
    feedback_note = fields.Text(readonly=True)
    feedback_user_id = fields.Many2one("res.users", string="Feedback By", readonly=True)
    # Analysis measures (0 or 100 per log, averaged into rates)
    kpi_automated = fields.Float(
        string="Automation Rate (%)", compute="_compute_kpis", store=True, aggregator="avg"
    )
    kpi_review = fields.Float(
        string="Review Rate (%)", compute="_compute_kpis", store=True, aggregator="avg"
    )
    kpi_rejected = fields.Float(
        string="Rejection Rate (%)", compute="_compute_kpis", store=True, aggregator="avg"
    )
    kpi_wrong = fields.Float(
        string="Marked Wrong (%)", compute="_compute_kpis", store=True, aggregator="avg"
    )
    # LLM observability
    llm_model = fields.Char(string="Model", readonly=True)
    prompt_version = fields.Char(readonly=True)
    prompt_tokens = fields.Integer(readonly=True)
    completion_tokens = fields.Integer(readonly=True)
    total_tokens = fields.Integer(compute="_compute_total_tokens", store=True)
    latency_ms = fields.Integer(string="Latency (ms)", readonly=True)
    llm_called = fields.Boolean(string="LLM Called", readonly=True)
    llm_fallback = fields.Boolean(string="Template Fallback", readonly=True)
    llm_error = fields.Text(string="LLM Issue", readonly=True)

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

    @api.depends("prompt_tokens", "completion_tokens")
    def _compute_total_tokens(self):
        for log in self:
            log.total_tokens = log.prompt_tokens + log.completion_tokens

    @api.depends("agent", "state", "decision", "feedback")
    def _compute_kpis(self):
        for log in self:
            drafting = log.agent == "invoice_draft"
            log.kpi_automated = 100.0 if drafting and log.decision in ("drafted", "posted") else 0.0
            log.kpi_review = 100.0 if drafting and log.state == "needs_review" else 0.0
            log.kpi_rejected = 100.0 if log.state == "rejected" else 0.0
            log.kpi_wrong = 100.0 if log.feedback == "wrong" else 0.0

    @api.depends("source_data", "flags", "findings")
    def _compute_json_text(self):
        for log in self:
            log.source_data_text = json.dumps(log.source_data or {}, indent=2, ensure_ascii=False)
            log.flags_text = json.dumps(log.flags or [], indent=2, ensure_ascii=False)
            log.findings_text = json.dumps(log.findings or [], indent=2, ensure_ascii=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("ai.invoice.log") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Re-run failed agent actions once the data is fixed."""
        failed = self.filtered(lambda log: log.state == "failed")
        if not failed:
            raise UserError(self.env._("Only failed AI actions can be retried."))
        failed.write({"state": "queued", "error": False, "decision": False})
        failed._ai_delay()
        return True

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
        record = self.move_id or self.picking_id or self.sale_order_id
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

    def _ai_related_action_open(self):
        """queue_job related action: open the log from the job."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Enqueueing
    # ------------------------------------------------------------------
    @api.model
    def _ai_agent_user(self):
        return self.env.ref("ai_invoicing.user_ai_agent", raise_if_not_found=False)

    @api.model
    def _ai_enqueue(self, vals_list):
        """Create queued logs and one job per log, skipping work already queued.

        ``vals_list`` items carry ``agent``, ``trigger``, ``company_id`` and the
        source document ids. A document that already has a queued or successful
        log for the same agent and trigger is not queued again.
        """
        if not vals_list:
            return self.browse()
        agent_user = self._ai_agent_user()
        Log = self.with_user(agent_user) if agent_user else self
        existing = Log._ai_existing_keys(vals_list)
        new_vals, seen = [], set(existing)
        for vals in vals_list:
            key = self._ai_dedup_key(vals)
            if key in seen:
                continue
            seen.add(key)
            new_vals.append(dict(vals, user_id=self.env.uid))
        logs = Log.create(new_vals) if new_vals else Log.browse()
        logs._ai_delay()
        return logs

    @api.model
    def _ai_dedup_key(self, vals):
        if vals["agent"] == "delivery":
            return ("delivery", "move", vals.get("move_id"))
        doc = vals.get("picking_id") if vals["trigger"] == "picking_done" else None
        return (vals["agent"], vals["trigger"], doc or vals.get("sale_order_id"))

    @api.model
    def _ai_existing_keys(self, vals_list):
        picking_ids = [v["picking_id"] for v in vals_list if v.get("picking_id")]
        order_ids = [v["sale_order_id"] for v in vals_list if v.get("sale_order_id")]
        move_ids = [v["move_id"] for v in vals_list if v.get("agent") == "delivery"]
        domain = [
            ("state", "!=", "failed"),
            ("agent", "in", list({v["agent"] for v in vals_list})),
            "|",
            "|",
            ("picking_id", "in", picking_ids),
            "&",
            ("sale_order_id", "in", order_ids),
            ("trigger", "=", "order_confirmed"),
            "&",
            ("agent", "=", "delivery"),
            ("move_id", "in", move_ids),
        ]
        rows = self._read_group(
            domain, ["agent", "trigger", "picking_id", "sale_order_id", "move_id"], ["__count"]
        )
        return {
            self._ai_dedup_key(
                {
                    "agent": agent,
                    "trigger": trigger,
                    "picking_id": picking.id,
                    "sale_order_id": order.id,
                    "move_id": move.id,
                }
            )
            for agent, trigger, picking, order, move, _count in rows
        }

    def _ai_job_identity(self):
        self.ensure_one()
        if self.agent == "delivery":
            return f"ai_invoicing:delivery:account.move:{self.move_id.id}"
        doc = self.picking_id if self.trigger == "picking_done" else self.sale_order_id
        return f"ai_invoicing:{self.agent}:{self.trigger}:{doc._name}:{doc.id or self.id}"

    def _ai_delay(self):
        agent_user = self._ai_agent_user()
        logs = self.with_user(agent_user) if agent_user else self
        for log in logs:
            # The job runs as the technical agent user (queue_job stores the
            # uid); with_company before with_delay: queue_job keeps only a few
            # context keys, the allowed companies among them.
            log.with_company(log.company_id).with_delay(
                description=log._ai_job_description(),
                identity_key=log._ai_job_identity(),
            )._ai_job_run()

    def _ai_job_description(self):
        self.ensure_one()
        doc = (self.move_id if self.agent == "delivery" else None) or self.picking_id
        doc = doc or self.sale_order_id
        return self.env._(
            "AI %(agent)s for %(document)s",
            agent=dict(AGENTS)[self.agent],
            document=doc.display_name or self.name,
        )

    # ------------------------------------------------------------------
    # Job
    # ------------------------------------------------------------------
    def _ai_job_run(self):
        """Queue job entry point; idempotent, safe to retry and to run twice."""
        self.ensure_one()
        if self.state != "queued":
            return f"{self.name} already processed ({self.state})"
        log = self.with_company(self.company_id)  # whoever calls, work in the log's company
        runner = getattr(log, f"_ai_run_{log.agent}", None)
        if runner is None:
            return log._ai_fail(self.env._("No runner for agent %(agent)s.", agent=log.agent))
        try:
            # the runners wrap their writes in savepoints: an error leaves nothing behind
            return runner()
        except (RetryableJobError, OperationalError):
            raise  # lock contention, serialization: queue_job retries later
        except Exception as exc:  # noqa: BLE001 - an unexpected error must still reach a person
            _logger.exception("AI invoicing %s: unexpected error", log.name)
            return log._ai_fail(
                self.env._(
                    "Unexpected error (%(type)s: %(error)s). Nothing was created; the details are "
                    "in the server log. Press Retry on the AI log once it is fixed.",
                    type=type(exc).__name__,
                    error=exc,
                )
            )

    def _ai_run_invoice_draft(self):
        order = self.sale_order_id
        if not order:
            return self._ai_fail(self.env._("The log has no sale order to invoice."))
        try:
            # Serialize every job touching this order: two deliveries of the
            # same order, or the same delivery twice, never invoice in parallel.
            order.lock_for_update()
        except LockError as exc:
            raise RetryableJobError(
                self.env._(
                    "Sale order %(order)s is being invoiced by another job.", order=order.name
                ),
                seconds=30,
            ) from exc
        previous = self._ai_previous_success()
        if previous:
            return self._ai_skip_already_invoiced(previous)
        blocker = order._ai_invoice_blocker()
        if blocker:
            return self._ai_fail(blocker)
        try:
            with self.env.cr.savepoint():
                invoices = order._ai_create_invoices()
                if not invoices:
                    raise UserError(order._ai_nothing_to_invoice_message())
                self._ai_finalize_invoice(invoices[:1])
        except (UserError, ValidationError) as exc:
            return self._ai_fail(exc.args[0] if exc.args else str(exc))
        return f"{self.name}: {self.decision} {self.move_id.display_name}"

    def _ai_run_delivery(self):
        """Send one posted invoice by its customer's channel, exactly once."""
        move = self.move_id
        try:
            move.lock_for_update()
        except LockError as exc:
            raise RetryableJobError(
                self.env._("Invoice %(move)s is being sent by another job.", move=move.name),
                seconds=30,
            ) from exc
        if move.is_move_sent or self.search_count(
            [("agent", "=", "delivery"), ("move_id", "=", move.id), ("decision", "=", "sent")],
            limit=1,
        ):
            self.write(
                {
                    "state": "done",
                    "decision": "skipped",
                    "rationale": self.env._(
                        "%(move)s was already sent; nothing was sent again.", move=move.display_name
                    ),
                }
            )
            return self.rationale
        try:
            with self.env.cr.savepoint():
                self.write(move._ai_send(self))
        except (UserError, ValidationError) as exc:
            return self._ai_fail(exc.args[0] if exc.args else str(exc))
        return f"{self.name}: {self.decision} {move.display_name}"

    def _ai_previous_success(self):
        self.ensure_one()
        domain = [
            ("id", "!=", self.id),
            ("agent", "=", self.agent),
            ("move_id", "!=", False),
        ]
        if self.trigger == "picking_done":
            domain.append(("picking_id", "=", self.picking_id.id))
        else:
            domain += [
                ("sale_order_id", "=", self.sale_order_id.id),
                ("trigger", "=", self.trigger),
            ]
        return self.search(domain, limit=1)

    def _ai_skip_already_invoiced(self, previous):
        self.write(
            {
                "state": "done",
                "decision": "skipped",
                "rationale": self.env._(
                    "Already invoiced in %(invoice)s by %(log)s; nothing was created.",
                    invoice=previous.move_id.display_name,
                    log=previous.name,
                ),
            }
        )
        return self.rationale

    def _ai_finalize_invoice(self, invoice):
        """Narrate, route and log one freshly drafted invoice."""
        order = self.sale_order_id
        source_key = f"picking:{self.picking_id.id}" if self.picking_id else None
        findings = invoice.with_context(ai_source_key=source_key)._ai_run_checks()
        invoice.ai_check_findings = checks.findings_to_json(findings)
        narrative = invoice._ai_write_narrative(self)
        routing = invoice._ai_route_review(narrative["flags"], findings)
        vals = self._prepare_invoice_log_vals(invoice, narrative, routing)
        vals["findings"] = invoice.ai_check_findings
        self.write(vals)
        invoice._ai_post_or_hold(self, routing)
        self._ai_post_chatter(order, invoice)

    def _prepare_invoice_log_vals(self, invoice, narrative, routing):
        review = routing["review_required"]
        return {
            "move_id": invoice.id,
            "partner_id": invoice.partner_id.id,
            "currency_id": invoice.currency_id.id,
            "amount_total": invoice.amount_total,
            "state": "needs_review" if review else "done",
            "decision": "held_for_review" if review else "drafted",
            "review_required": review,
            "review_reason": "\n".join(routing["reasons"]) or False,
            "rationale": narrative["rationale"],
            "flags": narrative["flags"],
            "source_data": self._ai_source_snapshot(invoice, routing),
            **narrative["llm_vals"],
        }

    def _ai_source_snapshot(self, invoice, routing):
        """JSON snapshot of the data the decision used (no secrets, no bank data)."""
        order = self.sale_order_id
        return {
            "trigger": self.trigger,
            "sale_order": {
                "id": order.id,
                "name": order.name,
                "client_order_ref": order.client_order_ref or None,
                "pricelist": order.pricelist_id.display_name or None,
                "payment_term": order.payment_term_id.display_name or None,
                "fiscal_position": order.fiscal_position_id.display_name or None,
            },
            "picking": {"id": self.picking_id.id, "name": self.picking_id.name}
            if self.picking_id
            else None,
            "invoice": {
                "id": invoice.id,
                "journal": invoice.journal_id.code,
                "currency": invoice.currency_id.name,
                "amount_untaxed": invoice.amount_untaxed,
                "amount_tax": invoice.amount_tax,
                "amount_total": invoice.amount_total,
                "amount_total_company": abs(invoice.amount_total_signed),
                "lines": [
                    {
                        "product": line.product_id.display_name,
                        "quantity": line.quantity,
                        "uom": line.product_uom_id.name,
                        "price_unit": line.price_unit,
                        "discount": line.discount,
                        "taxes": line.tax_ids.mapped("name"),
                        "subtotal": line.price_subtotal,
                    }
                    for line in invoice.invoice_line_ids.filtered(
                        lambda line: line.display_type == "product"
                    )
                ],
            },
            "routing": routing,
        }

    def _ai_post_chatter(self, order, invoice):
        body = Markup("%s") % self.env._(
            "Invoice %(invoice)s drafted by the AI agent (%(log)s), triggered by %(user)s.",
            invoice=invoice._get_html_link(),
            log=self._get_html_link(),
            user=self.user_id.name or "",
        )
        # _message_log: an internal note without notification fan-out (cheap,
        # the job may run for hundreds of deliveries in a row).
        order._message_log(body=body)
        invoice_body = Markup("%s") % self.env._(
            "Drafted by the AI agent from %(document)s (%(log)s). %(outcome)s",
            document=(self.picking_id or order)._get_html_link(),
            log=self._get_html_link(),
            outcome=self.review_reason
            and self.env._("Held for review: %(reason)s", reason=self.review_reason)
            or "",
        )
        invoice._message_log(body=invoice_body)

    # ------------------------------------------------------------------
    # Failure handling
    # ------------------------------------------------------------------
    def _ai_fail(self, reason):
        """Record a business failure: failed log, chatter note and an activity."""
        self.ensure_one()
        reason = str(reason)
        _logger.info("AI invoicing %s failed: %s", self.name, reason)
        self.write({"state": "failed", "error": reason, "decision": "failed"})
        document = (self.move_id if self.agent == "delivery" else None) or self.sale_order_id
        document = document or self.picking_id
        if document:
            document.message_post(
                body=Markup("%s")
                % self.env._(
                    "The AI agent could not act (%(log)s): %(reason)s",
                    log=self._get_html_link(),
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
            document.activity_schedule(
                "ai_invoicing.mail_activity_type_ai_failure",
                summary=self.env._("AI invoicing failed: fix and retry"),
                note=Markup("<p>%s</p><p>%s</p>")
                % (reason, self.env._("Fix the data, then press Retry on the AI log.")),
                user_id=self.company_id._ai_responsible_user(document).id,
            )
        return reason
