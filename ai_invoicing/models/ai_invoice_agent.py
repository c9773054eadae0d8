# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging

from markupsafe import Markup
from psycopg2 import InterfaceError, OperationalError

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.tools import formatLang
from odoo.tools.misc import format_date

from odoo.addons.queue_job.exception import RetryableJobError

from ..services.budget import Budget
from ..services.guarded_text import guarded_complete
from ..services.guardrails import AllowedOutput
from ..services.llm_client import LLMGateway
from ..services.templates import Wording

_logger = logging.getLogger(__name__)


class AiInvoiceAgent(models.AbstractModel):
    """The spine every agent stands on.

    An agent is an AbstractModel inheriting this one, in its own file, with
    ``_agent`` (its code on ``ai.invoice.log``), ``_prepare_log_vals(record,
    trigger)`` for the documents it acts on, and one entry point ``_run(log)``.
    This base owns the rest: enqueue with dedup, the job and its identity,
    lock-or-retry, skip, fail, the source snapshot, the chatter note and the one
    guarded path for LLM text; its queue (jobs that drain the queued logs in
    chunks) is ``ai_invoice_agent_queue.py``. Each agent has one ``queue.job.function`` record
    for its ``_job_run``.
    """

    _name = "ai.invoice.agent"
    _description = "AI Invoicing Agent"
    _agent = None  # the agent code written on its logs
    _logs_invoices = False  # each of its logs stands for one drafted invoice (KPIs)

    # ------------------------------------------------------------------
    # Enqueue
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, records, trigger):
        """Queue one job per new request for ``records`` (none for work already asked)."""
        logs = self._create_logs([self._prepare_log_vals(record, trigger) for record in records])
        self._delay(logs)
        return logs

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """Log values for this agent acting on ``record`` (one signature for every agent)."""
        raise NotImplementedError

    @api.model
    def _create_logs(self, vals_list):
        """The queued logs of ``vals_list``, each with the agent's dedup key stored;
        a request whose key is already queued or done is dropped (the only place
        that creates an agent's logs: every agent's dedup holds the same way)."""
        keyed = [dict(vals, dedup_key=self._dedup_key(vals)) for vals in vals_list]
        seen = self._existing_keys({vals["dedup_key"] for vals in keyed} - {False})
        new_vals = []
        for vals in keyed:
            key = vals["dedup_key"]
            if key and key in seen:
                continue
            seen.add(key)
            new_vals.append(dict(vals, agent=self._agent, user_id=self.env.uid))
        return self.env["ai.invoice.log"]._system_create(new_vals)

    @api.model
    def _create_child_log(self, parent, vals, agent=None):
        """The log of one more document a job handles (an invoice of a chunk, a period's
        second invoice): the parent's trigger, company, batch and user; no dedup key
        (the parent's holds)."""
        return self.env["ai.invoice.log"]._system_create(
            [
                {
                    "agent": agent or self._agent,
                    "trigger": parent.trigger,
                    "company_id": parent.company_id.id,
                    "batch_id": parent.batch_id.id,
                    "user_id": parent.user_id.id,
                    "state": "queued",
                    **vals,
                }
            ]
        )

    @api.model
    def _dedup_key(self, vals):
        """What makes two requests the same work, as text stored on the log
        (``dedup_key``); False: every request is new. Default: the same document."""
        document = [
            str(vals.get(fname) or "")
            for fname in ("sale_order_id", "picking_id", "move_id", "statement_line_id")
        ]
        return any(document) and ":".join([vals["trigger"], *document])

    @api.model
    def _dedup_domain(self):
        """Which earlier logs hold their key: all but the failed (may be queued again)."""
        return [("state", "!=", "failed")]

    @api.model
    def _existing_keys(self, keys):
        if not keys:
            return set()
        # sudo: ai.invoice.log - dedup must see every log, whoever triggers the agent
        logs = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch(
                [("agent", "=", self._agent), ("dedup_key", "in", list(keys))]
                + self._dedup_domain(),
                ["dedup_key"],
            )
        )
        return set(logs.mapped("dedup_key"))

    @api.model
    def _store_dedup_keys(self):
        """Upgrade: the dedup key of the logs made before it was stored (each agent's)."""
        # sudo: ai.invoice.log - a migration step, every company's logs
        Log = self.env["ai.invoice.log"].sudo()
        keys = {}
        for code, agent in self._agent_models().items():
            for log in Log.search([("agent", "=", code), ("dedup_key", "=", False)]):
                keys[log.id] = agent._dedup_key(log._dedup_vals())
        keys = {log_id: key for log_id, key in keys.items() if key}
        if keys:
            self.env.cr.execute(
                "UPDATE ai_invoice_log l SET dedup_key = v.key FROM (SELECT "
                "unnest(%s::int[]) AS id, unnest(%s::varchar[]) AS key) v WHERE l.id = v.id",
                [list(keys), list(keys.values())],
            )
            Log.invalidate_model(["dedup_key"])

    @api.model
    def _agent_models(self):
        """{agent code: agent model} of every agent installed (models inheriting this one)."""
        names, todo = set(), [self._name]
        while todo:  # children, and theirs (the drafting agents inherit a shared model)
            children = self.env.registry[todo.pop()]._inherit_children - names
            names |= children
            todo.extend(children)
        return {self.env[name]._agent: self.env[name] for name in names if self.env[name]._agent}

    @api.model
    def _invoice_agents(self):
        """Codes of the agents whose every log stands for one drafted invoice (the
        review, rejection and amount KPIs count those)."""
        return {code for code, agent in self._agent_models().items() if agent._logs_invoices}

    @api.model
    def _agent_user(self):
        """The technical user the agents run as (a cached look-up: no query per call)."""
        uid = self.env["ir.model.data"]._xmlid_to_res_id(
            "ai_invoicing.user_ai_agent", raise_if_not_found=False
        )
        return self.env["res.users"].browse(uid) if uid else self.env.user

    @api.model
    def _attempt(self, log, func, *args):
        """Run ``func(*args)`` for ``log`` in its own savepoint.

        Return ``(True, result)``, or ``(False, reason)`` once a business failure or an
        unexpected error has rolled the savepoint back and failed ``log`` alone (the
        job's own run, and each invoice of a batch the job handles).
        """
        try:
            # one savepoint: a business failure leaves nothing half-made behind
            with self.env.cr.savepoint():
                return True, func(*args)
        except (RetryableJobError, InterfaceError, OperationalError):
            # lock contention, serialization, a lost connection: queue_job retries with
            # its pattern (see _job_run); nothing is written on a dead cursor
            raise
        except Exception as exc:  # noqa: BLE001 - an unexpected error must still reach a person
            return False, self._fail(log, self._failure_reason(log, exc))

    @api.model
    def _failure_reason(self, log, exc):
        """What a person reads on the failed log for ``exc``."""
        if isinstance(exc, UserError | ValidationError):
            return exc.args[0] if exc.args else str(exc)
        _logger.exception("AI invoicing %s: unexpected error", log.name)
        return self.env._(
            "Unexpected error (%(type)s: %(error)s). Nothing was created; the details are "
            "in the server log. Press Retry on the AI log once it is fixed.",
            type=type(exc).__name__,
            error=exc,
        )

    @api.model
    def _run(self, log):
        """Do the agent's work for one queued log; return a short result text."""
        raise NotImplementedError

    @api.model
    def _lock_or_retry(self, records, message):
        """Serialize the jobs touching ``records``; busy: queue_job retries later."""
        try:
            records.lock_for_update()
        except LockError as exc:
            # no ``seconds``: the job function's retry pattern applies
            raise RetryableJobError(message) from exc

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------
    @api.model
    def _done(self, log, vals):
        earlier = (log.source_data or {}).get("earlier_errors")
        if earlier and isinstance(vals.get("source_data"), dict):
            vals = dict(vals, source_data=dict(vals["source_data"], earlier_errors=earlier))
        log._system_write(dict(vals, state=vals.get("state", "done")))
        if earlier:
            self._close_failure_activities(log)
        return f"{log.name}: {log.decision} {log._document().display_name or ''}".strip()

    @api.model
    def _skip(self, log, rationale, source_data=None):
        """Nothing to do (already done by another job): done, not a failure."""
        log._system_write(
            {
                "state": "done",
                "decision": "skipped",
                "rationale": rationale,
                "source_data": source_data or log.source_data,
            }
        )
        return rationale

    @api.model
    def _fail(self, log, reason):
        """A failure a person must see: failed log, chatter note and one activity."""
        reason = str(reason)
        _logger.info("AI invoicing %s failed: %s", log.name, reason)
        log._system_write({"state": "failed", "error": reason, "decision": "failed"})
        document = self._failure_document(log)
        if document:
            self._chatter(
                document,
                self.env._(
                    "The AI agent could not act (%(log)s): %(reason)s",
                    log=log._get_html_link(),
                    reason=reason,
                ),
            )
            document.activity_schedule(
                "ai_invoicing.mail_activity_type_ai_failure",
                summary=self.env._("AI invoicing failed: fix and retry"),
                note=Markup("<p>%s</p><p>%s</p>")
                % (reason, self.env._("Fix the data, then press Retry on the AI log.")),
                user_id=log.company_id._ai_responsible_user(document).id,
            )
        return reason

    @api.model
    def _close_failure_activities(self, log):
        """A retried log succeeded: its document's failure activity is done."""
        document = self._failure_document(log)
        if not document or "activity_ids" not in document:
            return
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        activities = document.activity_ids.filtered(lambda a: a.activity_type_id == failure)
        if activities:
            activities.action_feedback(
                feedback=self.env._("Done by %(log)s after Retry.", log=log.name)
            )

    @api.model
    def _document(self, log):
        """The document ``log`` acts on (default: the delivery, else the order)."""
        return log.picking_id or log.sale_order_id

    @api.model
    def _failure_document(self, log):
        """Where a failure is shown to a person (chatter note and activity)."""
        return self._document(log)

    @api.model
    def _chatter(self, record, body):
        """An internal note without notification fan-out (cheap in a batch of jobs)."""
        record._message_log(body=Markup("%s") % body)

    # ------------------------------------------------------------------
    # Source snapshot and guarded LLM text
    # ------------------------------------------------------------------
    @api.model
    def _snapshot_invoice(self, invoice):
        """JSON snapshot of an invoice as the decision saw it (no secrets, no bank data)."""
        return {
            "id": invoice.id,
            "name": invoice.name,
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
                for line in invoice._ai_product_lines()
            ],
        }

    @api.model
    def _money(self, amount, currency):
        """An amount as the UI shows it (``$ 13,800.00``)."""
        return formatLang(self.env, amount, currency_obj=currency)

    @api.model
    def _allowed_invoice_output(self, invoice, urls=()):
        """What an LLM text about ``invoice`` may quote: its figures and Odoo's links."""
        lines = invoice._ai_product_lines()
        amounts = {invoice.amount_total, invoice.amount_untaxed, invoice.amount_tax}
        amounts |= set(lines.mapped("price_subtotal")) | set(lines.mapped("price_total"))
        amounts |= set(lines.mapped("price_unit")) | set(lines.mapped("quantity"))
        amounts.discard(0.0)  # "0.00" is never a figure worth quoting; often a smuggled one
        texts = {f"{amount:,.2f}" for amount in amounts} | {f"{amount:.2f}" for amount in amounts}
        texts |= {self._money(amount, invoice.currency_id) for amount in amounts}
        return AllowedOutput(
            amounts=frozenset(texts),
            urls=frozenset({invoice.get_base_url(), *urls}),
        )

    @api.model
    def _guarded_text(self, company, spec, facts, untrusted, allowed, fallback):
        """The one call site of the LLM: every agent text goes through the guardrails."""
        gateway = self._llm_gateway(company)
        return guarded_complete(
            gateway,
            spec,
            facts,
            untrusted,
            allowed,
            fallback,
            budget=self._llm_budget(company) if gateway else None,
            allow_contact=company.ai_llm_share_contact,
            # flags and reasons are internal: the language of the user the agent runs as
            w=self._wording(self.env.user.lang or "en_US"),
        )

    @api.model
    def _llm_gateway(self, company):
        """The company's LLM gateway, or None in rules-only mode."""
        return LLMGateway(company._ai_llm_config()) if company.ai_llm_enabled else None

    @api.model
    def _llm_budget(self, company):
        """Today's LLM budget of ``company``, counted from the agent logs."""
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        # sudo: ai.invoice.log - usage counts cover every log of the company, whoever
        # triggers the agent
        [(calls, tokens)] = (
            self.env["ai.invoice.log"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("llm_called", "=", True),
                    ("create_date", ">=", today),
                ],
                aggregates=["__count", "total_tokens:sum"],
            )
        )
        return Budget(
            max_calls=company.ai_llm_daily_call_budget,
            max_tokens=company.ai_llm_daily_token_budget,
            used_calls=calls,
            used_tokens=tokens or 0,
        )

    # ------------------------------------------------------------------
    # The reader's language (customer texts in the customer's, the rest as Odoo does)
    # ------------------------------------------------------------------
    @api.model
    def _customer_lang(self, partner, company=None):
        """The language a customer reads: its own, else its company's, else English."""
        installed = dict(self.env["res.lang"].get_installed())
        for lang in (partner.lang, (company or self.env.company).partner_id.lang):
            if lang in installed:
                return lang
        return "en_US"

    @api.model
    def _wording(self, lang=None):
        """``services.templates.Wording`` speaking ``lang`` (default: the environment's):
        this addon's translations (``env._``) and Odoo's date format of that language."""
        env = self.with_context(lang=lang).env if lang else self.env
        return Wording(
            lambda source, /, **kwargs: env._(source, **kwargs),
            lambda value: format_date(env, value, lang_code=env.lang or "en_US"),
            lambda value: formatLang(env, value, digits=2),
        )
