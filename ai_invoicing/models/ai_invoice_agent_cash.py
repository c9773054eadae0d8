# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import logging
from dataclasses import replace

from psycopg2 import InterfaceError, OperationalError

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError

from ..services import cash_matching
from ..services.cash_run import LineResult
from ..services.guardrails import AllowedOutput
from ..services.prompts import REMITTANCE_REFERENCES
from ..services.templates import fallback_remittance_references
from ..services.texts import english, say
from .ai_cash_reconciliation import CashConflict

_logger = logging.getLogger(__name__)

SUGGESTIONS_PER_LINE = 5
BATCH_SIZE = 1000  # statement lines matched per scheduled chunk (one load of the open items)
LLM_MIN_LABEL = 12  # shorter labels are references or nothing: no free text to read


class AiInvoiceAgentCash(models.AbstractModel):
    """Cash application: suggests the open customer items an incoming bank transaction pays,
    explains why, and applies the sure ones with Odoo's own reconciliation.

    ``services/cash_matching.py`` decides every match and amount; this model feeds it Odoo
    data, writes ``ai.cash.suggestion`` records and one log per transaction, and applies a
    suggestion by replacing the transaction's suspense line with counterpart lines on the
    customers' receivable accounts (plus a write-off, an early-payment discount or the
    customer's open credit) and reconciling each counterpart with its open item. Odoo's
    ``action_undo_reconciliation`` undoes it.

    Two ways in: the job of one transaction (``_run``, from *Match with AI*), which loads the
    payer's open items and those the label or the amount point to, and the scheduled batch
    (``_process`` on up to ``BATCH_SIZE`` lines), which loads the company's open items once
    for the whole batch. The LLM, when on, only reads
    the remittance text of lines without a sure match and proposes references; those count only
    when they are real open items, and a line they helped always waits for a person.
    """

    _name = "ai.invoice.agent.cash"
    _inherit = "ai.invoice.agent"
    _description = "AI Invoicing Agent: Cash Application"
    _agent = "cash_application"

    # ------------------------------------------------------------------
    # Enqueue (one transaction per job) and the scheduled batch
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, records, trigger):
        return super()._enqueue(self._eligible(records), trigger)

    @api.model
    def _eligible(self, lines):
        """Posted incoming transactions not reconciled yet."""
        return lines.filtered(
            lambda line: (
                line.state == "posted"
                and not line.is_reconciled
                and line.currency_id.compare_amounts(line.amount, 0.0) > 0
            )
        )

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is the bank statement line."""
        return {
            "trigger": trigger,
            "company_id": record.company_id.id,
            "statement_line_id": record.id,
            "partner_id": record.partner_id.commercial_partner_id.id,
            "currency_id": record.currency_id.id,
            "amount_total": record.amount,
        }

    @api.model
    def _dedup_key(self, vals):
        return f"line:{vals['statement_line_id']}"

    @api.model
    def _dedup_domain(self):
        """Only a queued run blocks another: a transaction may be matched again later (new
        invoices posted, a match undone)."""
        return [("state", "=", "queued")]

    @api.model
    def _document(self, log):
        return log.statement_line_id

    @api.model
    def _chunk_description(self, logs):
        if len(logs) == 1:
            return self.env._("AI cash application: 1 bank transaction")
        return self.env._("AI cash application: %(count)s bank transactions", count=len(logs))

    @api.model
    def _failure_document(self, log):
        return log.statement_line_id.move_id

    @api.model
    def _cron_cash_application(self):
        """Hourly: match the new incoming transactions of each company, in batches."""
        companies = self.env["res.company"].search(
            [("ai_cash_enabled", "=", True), ("ai_invoicing_enabled", "=", True)]
        )
        for company in companies:
            agent = self.with_user(self._agent_user()).with_company(company)
            lines = agent._lines_to_process(company)
            for start in range(0, len(lines), BATCH_SIZE):
                chunk = lines[start : start + BATCH_SIZE]
                agent._run_scheduled(chunk)
                self.env["ir.cron"]._commit_progress(
                    len(chunk), remaining=max(len(lines) - start - len(chunk), 0)
                )

    @api.model
    def _run_scheduled(self, lines):
        """One chunk of the scheduled run, on the spine: matched together on one load of
        the open items in a savepoint, its logs made by ``_create_logs``; when the chunk
        fails, each transaction alone as a job runs it (``_attempt``): a bad one fails
        alone, with its failed log, activity and Retry."""
        try:
            with self.env.cr.savepoint():
                return self._process(lines, "scheduled")
        except (RetryableJobError, InterfaceError, OperationalError):
            raise  # contention or a lost connection: the next run takes the chunk again
        except Exception:  # noqa: BLE001 - one bad transaction must not stop the others
            _logger.info("AI cash application: the scheduled chunk failed; one by one")
        logs = self._create_logs([self._prepare_log_vals(line, "scheduled") for line in lines])
        for log in logs:
            self._attempt(log, self._run, log)
        return logs

    @api.model
    def _lines_to_process(self, company):
        """Incoming transactions to match: never matched, or found nothing (or only rejected
        suggestions) before an invoice was posted or paid since. Transactions waiting for a
        person, queued or failed (Retry on the log) are left alone."""
        lines = self.env["account.bank.statement.line"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("is_reconciled", "=", False),
                ("amount", ">", 0),
            ],
            order="id",
        )
        if not lines:
            return lines
        # sudo: ai.invoice.log - which transactions the agent already saw, whoever runs it
        Log = self.env["ai.invoice.log"].sudo()
        latest = Log._read_group(
            [("agent", "=", self._agent), ("statement_line_id", "in", lines.ids)],
            ["statement_line_id"],
            ["id:max"],
        )
        last = {
            log.statement_line_id.id: log
            for log in Log.browse([log_id for _line, log_id in latest]).with_prefetch()
        }
        waiting = {
            line.id
            for [line] in self.env["ai.cash.suggestion"]._read_group(
                [("statement_line_id", "in", lines.ids), ("state", "=", "proposed")],
                ["statement_line_id"],
            )
        }
        # proposals whose invoices were paid meanwhile (by another transaction, a payment
        # registered by hand): matched again rather than left waiting
        stale = {
            line.id
            for [line] in self.env["ai.cash.suggestion"]._read_group(
                [
                    ("statement_line_id", "in", lines.ids),
                    ("state", "=", "proposed"),
                    ("move_line_ids.reconciled", "=", True),
                ],
                ["statement_line_id"],
            )
        }
        newest = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_receipt", "entry")),
            ],
            order="write_date desc",
            limit=1,
        )

        def to_match(line):
            log = last.get(line.id)
            if not log:
                return True
            if line.id in stale and log.state not in ("queued", "failed"):
                return True
            if line.id in waiting or log.state in ("queued", "failed"):
                return False
            return log.decision in ("no_match", "rejected") and (
                bool(newest) and newest.write_date > log.create_date
            )

        return lines.filtered(to_match)

    # ------------------------------------------------------------------
    # Run one transaction (the job)
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        line = log.statement_line_id
        if not line:
            raise UserError(self.env._("The bank transaction of this log no longer exists."))
        self._lock_or_retry(
            line,
            self.env._(
                "Bank transaction %(line)s is being reconciled by another job.",
                line=line.display_name,
            ),
        )
        if line.is_reconciled:
            return self._skip(
                log,
                self.env._(
                    "%(line)s is already reconciled; nothing was changed.", line=line.display_name
                ),
            )
        if not self._eligible(line):
            return self._skip(
                log,
                self.env._(
                    "%(line)s is not a posted incoming transaction; nothing to match.",
                    line=line.display_name,
                ),
            )
        self._process(line, log.trigger, logs=log)
        return f"{log.name}: {log.decision} {line.display_name}"

    # ------------------------------------------------------------------
    # Match, apply the sure ones, record
    # ------------------------------------------------------------------
    @api.model
    def _process(self, lines, trigger, logs=None):
        """Match ``lines`` (one company), apply the sure suggestions one at a time, write the
        suggestions and one log per line (``logs``: the queued logs of these lines)."""
        company = lines.company_id
        company.ensure_one()
        results = self._match(company, lines)
        self._apply_sure(company, results)
        conflicts = lines.filtered(lambda line: results[line.id].conflict)
        if conflicts:
            # An item changed under a sure match (two transactions paying one invoice):
            # match these again on fresh residuals, once.
            again = self._match(company, conflicts)
            self._apply_sure(company, again)
            results.update(again)
        return self._record(company, lines, results, trigger, logs)

    @api.model
    def _match(self, company, lines):
        data = self._load(company, lines)
        threshold = company.ai_cash_threshold / 100.0
        margin = company.ai_cash_margin / 100.0
        results = {}
        for line in lines:
            result = LineResult(line, data)
            statement_line = data.lines[line.id]
            rejected = data.rejected.get(line.id, set())
            result.suggestions = self._suggest(statement_line, data, rejected)
            refresh = self.env.context.get("ai_cash_refresh")
            if company.ai_cash_auto_apply and not rejected and not refresh:
                result.auto = cash_matching.auto_apply_choice(
                    result.suggestions, threshold=threshold, margin=margin
                )
            if (
                result.auto is None
                and not refresh
                and company.ai_llm_enabled
                and self._llm_worth_it(line, result.suggestions)
            ):
                result.llm = self._read_remittance(company, line, data)
                references = list(result.llm.data.references)
                if references and data.targeted:
                    self._load_referenced(company, data, references)
                found = cash_matching.validate_proposed_references(references, data.index)
                if found:
                    result.llm_items = set(found)
                    result.suggestions = self._suggest(statement_line, data, rejected, references)
            results[line.id] = result
        return results

    @api.model
    def _suggest(self, statement_line, data, rejected, references=()):
        suggestions = cash_matching.match_line(
            statement_line,
            data.index,
            data.directory,
            proposed_references=references,
            limit=SUGGESTIONS_PER_LINE + len(rejected),
        )
        kept = [s for s in suggestions if frozenset(s.item_ids) not in rejected]
        # the reasons in the language of whoever runs the matching (Odoo's own notes do so)
        w = self._wording(self.env.context.get("lang") or self.env.user.lang or "en_US")
        return [
            replace(s, reasons=tuple(say(reason, w) for reason in s.reasons))
            for s in kept[:SUGGESTIONS_PER_LINE]
        ]

    @api.model
    def _apply_sure(self, company, results):
        """Apply the sure suggestions, best first, each in its own savepoint."""
        sure = sorted(
            (result for result in results.values() if result.auto),
            key=lambda result: (-result.auto.score, result.line.id),
        )
        for result in sure:
            plan = self.env["ai.cash.reconciliation"]._plan(result.auto, result.data)
            try:
                with self.env.cr.savepoint():
                    if not result.line.try_lock_for_update():
                        raise CashConflict(self.env._("The transaction is busy."))
                    self.env["ai.cash.reconciliation"]._apply_plan(result.line, plan)
                result.applied = result.auto
            except CashConflict:
                result.conflict = True
            except (UserError, ValidationError) as exc:
                result.apply_error = exc.args[0] if exc.args else str(exc)

    # ------------------------------------------------------------------
    # LLM: references read in the remittance text (validated, never decisive)
    # ------------------------------------------------------------------
    @api.model
    def _llm_worth_it(self, line, suggestions):
        """Free text and no reference found by the rules (the engine's reasons say "... in
        the label" when a reference of an open item is in it)."""
        label = line.payment_ref or ""
        if len(label) < LLM_MIN_LABEL or not any(char.isalpha() for char in label):
            return False
        return not any(
            "in the label" in english(reason) for s in suggestions[:1] for reason in s.reasons
        )

    @api.model
    def _read_remittance(self, company, line, data):
        facts = {
            "task": "list the invoice references mentioned in the remittance text",
            "invoice_number_examples": data.examples,
            "currency": line.currency_id.name,
            "transaction_date": str(line.date),
        }
        untrusted = {
            "remittance_text": line.payment_ref or "",
            "payer_name": line.partner_name or "",
        }
        # The answer is a list of references for the validator, shown to nobody: it may
        # repeat the remittance text or name the company's open invoices; any other figure,
        # link, bank account or instruction discards it. A reference then only counts when it
        # is a real open item.
        allowed = AllowedOutput(
            facts_text="\n".join(
                [
                    json.dumps(facts, ensure_ascii=False),
                    untrusted["remittance_text"],
                    self._open_references(company, data),
                ]
            )
        )
        return self._guarded_text(
            company,
            REMITTANCE_REFERENCES,
            facts,
            untrusted,
            allowed,
            fallback_remittance_references,
        )

    @api.model
    def _open_references(self, company, data):
        """The numbers and payment references of the company's open items, as text (once per
        run; a single line's run reads them from the ledger, two queries)."""
        if data.open_references is None:
            if data.targeted:
                items = self.env["account.move.line"].search_fetch(
                    self._open_items_domain(company), ["move_name", "move_id"]
                )
                items.move_id.fetch(["payment_reference"])
                names = set(items.mapped("move_name")) | set(
                    items.move_id.mapped("payment_reference")
                )
            else:
                names = {
                    ref
                    for item_id in data.items
                    for ref in (
                        data.index.item(item_id).move_name,
                        data.index.item(item_id).payment_ref,
                    )
                    if item_id in data.index
                }
            data.open_references = "\n".join(sorted(name for name in names if name))
        return data.open_references
