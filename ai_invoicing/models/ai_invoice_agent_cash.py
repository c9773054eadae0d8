# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import re
from dataclasses import replace
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.fields import Command, Domain

from odoo.addons.base.models.res_bank import sanitize_account_number

from ..services import cash_matching
from ..services.guardrails import AllowedOutput
from ..services.prompts import REMITTANCE_REFERENCES
from ..services.templates import fallback_remittance_references
from ..services.texts import english, say, to_data
from .ai_cash_reconciliation import CashConflict

SUGGESTIONS_PER_LINE = 5
BATCH_SIZE = 1000  # statement lines matched per scheduled chunk (one load of the open items)
LLM_MIN_LABEL = 12  # shorter labels are references or nothing: no free text to read
MAX_LABEL_WORDS = 10  # label words looked up as references in a single-line run
_WORD_SPLIT = re.compile(r"[\s,;:]+")
_EDGE_PUNCTUATION = re.compile(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$")  # ***123/4567/89002***
_ITEM_FIELDS = [
    "partner_id",
    "move_id",
    "move_name",
    "account_id",
    "currency_id",
    "amount_currency",
    "amount_residual_currency",
    "date_maturity",
    "discount_date",
    "discount_amount_currency",
]


class _CashData:
    """What one matching run loaded: the engine's index and directory, and their Odoo records."""

    def __init__(self, index, directory, lines, items, currencies, rejected, examples, targeted):
        self.targeted = targeted  # one line: only the items it can pay were loaded
        self.open_references = None  # the open items' numbers, for the LLM's guardrails
        self.index = index
        self.directory = directory
        self.lines = lines  # statement line id -> cash_matching.StatementLine
        self.items = items  # move line id -> account.move.line
        self.currencies = currencies  # currency name -> res.currency
        self.rejected = rejected  # statement line id -> {frozenset(move line ids)}
        self.examples = examples  # a few invoice numbers, to show the LLM the numbering


class _LineResult:
    """The outcome of matching one statement line."""

    def __init__(self, line, data):
        self.line = line
        self.data = data
        self.suggestions = []
        self.auto = None
        self.applied = None
        self.apply_error = None
        self.conflict = False
        self.llm = None
        self.llm_items = set()


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
    def _dedup_fields(self):
        return ("statement_line_id",)

    @api.model
    def _existing_keys(self, vals_list):
        """Only a queued run blocks another: a transaction may be matched again later (new
        invoices posted, a match undone)."""
        ids = [vals["statement_line_id"] for vals in vals_list if vals.get("statement_line_id")]
        # sudo: ai.invoice.log - dedup must see every log, whoever triggers the agent
        logs = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch(
                [
                    ("agent", "=", self._agent),
                    ("state", "=", "queued"),
                    ("statement_line_id", "in", ids),
                ],
                ["statement_line_id"],
            )
        )
        return {(log.statement_line_id.id,) for log in logs}

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
                agent._process(chunk, "scheduled")
                self.env["ir.cron"]._commit_progress(
                    len(chunk), remaining=max(len(lines) - start - len(chunk), 0)
                )

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
        self._process(line, log.trigger, log=log)
        return f"{log.name}: {log.decision} {line.display_name}"

    # ------------------------------------------------------------------
    # Match, apply the sure ones, record
    # ------------------------------------------------------------------
    @api.model
    def _process(self, lines, trigger, log=None):
        """Match ``lines`` (one company), apply the sure suggestions one at a time, write the
        suggestions and one log per line (``log``: the job's log of a single line)."""
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
        return self._record(company, lines, results, trigger, log)

    @api.model
    def _match(self, company, lines):
        data = self._load(company, lines)
        threshold = company.ai_cash_threshold / 100.0
        margin = company.ai_cash_margin / 100.0
        results = {}
        for line in lines:
            result = _LineResult(line, data)
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
    # Loading (a constant number of queries per batch)
    # ------------------------------------------------------------------
    @api.model
    def _open_items_domain(self, company):
        """Open customer items: posted receivable lines with something left to pay."""
        return Domain(
            [
                ("company_id", "=", company.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual_currency", ">", 0),
            ]
        )

    @api.model
    def _load(self, company, lines):
        lines.fetch(
            [
                "payment_ref",
                "partner_id",
                "partner_name",
                "account_number",
                "amount",
                "amount_currency",
                "currency_id",
                "foreign_currency_id",
                "date",
            ]
        )
        numbers = {sanitize_account_number(n) for n in lines.mapped("account_number") if n}
        banks = self.env["res.partner.bank"].search_fetch(
            [("sanitized_acc_number", "in", list(numbers - {False}))],
            ["sanitized_acc_number", "partner_id"],
        )
        domain = self._open_items_domain(company)
        if len(lines) == 1:
            domain &= self._single_line_scope(company, lines, banks)
        items = self.env["account.move.line"].search_fetch(domain, _ITEM_FIELDS, order="id")
        items.move_id.fetch(["payment_reference", "ref", "move_type"])
        partners = items.partner_id | banks.partner_id | lines.partner_id
        partners.fetch(["name", "commercial_partner_id"])
        partners.commercial_partner_id.fetch(["name"])
        (items.currency_id | lines.currency_id | lines.foreign_currency_id).fetch(["name"])

        open_items = [self._open_item(aml) for aml in items]
        index = cash_matching.Index(open_items)
        directory = cash_matching.PartnerDirectory.build(
            accounts=[
                (bank.sanitized_acc_number, bank.partner_id.commercial_partner_id.id)
                for bank in banks
            ],
            names=[
                (partner.name, partner.id)
                for partner in (items.partner_id | banks.partner_id).commercial_partner_id
            ],
        )
        rejected = {}
        for suggestion in self.env["ai.cash.suggestion"].search_fetch(
            [("statement_line_id", "in", lines.ids), ("state", "=", "rejected")],
            ["statement_line_id", "move_line_ids"],
        ):
            rejected.setdefault(suggestion.statement_line_id.id, set()).add(
                frozenset(suggestion.move_line_ids.ids)
            )
        return _CashData(
            index=index,
            directory=directory,
            lines={line.id: self._statement_line(line) for line in lines},
            items={aml.id: aml for aml in items},
            currencies={c.name.upper(): c for c in items.currency_id},
            rejected=rejected,
            examples=sorted({item.move_name for item in open_items if item.move_name})[-3:],
            targeted=len(lines) == 1,
        )

    @api.model
    def _single_line_scope(self, company, line, banks):
        """One transaction (the job): the payer's items, the items with the amount paid and
        the items whose number or reference appears in the label, with their customers'
        other items (for combinations). Two more queries, whatever the ledger's size.

        A one-character typo in a reference, from an unknown payer and with another amount,
        is only found by the scheduled batch, which scores against the whole ledger.
        """
        partners = line.partner_id.commercial_partner_id | banks.partner_id.commercial_partner_id
        if not partners and line.partner_name:
            partners = (
                self.env["res.partner"]
                ._retrieve_partner(name=line.partner_name, company=company)
                .commercial_partner_id
            )
        amounts = [line.amount] + ([line.amount_currency] if line.foreign_currency_id else [])
        scope = [
            Domain("amount_residual_currency", "in", amounts),
            Domain("discount_amount_currency", "in", amounts),
        ]
        words = []
        for word in _WORD_SPLIT.split(line.payment_ref or ""):
            word = _EDGE_PUNCTUATION.sub("", word)
            if len(word) >= 4 and any(char.isdigit() for char in word) and word not in words:
                words.append(word)
        references = [
            Domain(fname, "ilike", word)
            for word in words[:MAX_LABEL_WORDS]
            for fname in ("move_name", "move_id.payment_reference", "move_id.ref")
        ]
        if references:
            scope += references
            referenced = self.env["account.move.line"].search_fetch(
                self._open_items_domain(company) & Domain.OR(references), ["partner_id"]
            )
            partners |= referenced.partner_id.commercial_partner_id
        if partners:
            scope.append(Domain("partner_id", "child_of", partners.ids))
        return Domain.OR(scope)

    @api.model
    def _load_referenced(self, company, data, references):
        """A single line's index grows by the open items the LLM named (they are validated
        like any reference: only an exact hit on a real open item counts)."""
        domain = Domain.OR(
            Domain(fname, "ilike", reference.strip())
            for reference in references
            if len(reference.strip()) >= 4
            for fname in ("move_name", "move_id.payment_reference")
        )
        domain = (
            self._open_items_domain(company) & domain & Domain("id", "not in", list(data.items))
        )
        items = self.env["account.move.line"].search_fetch(domain, _ITEM_FIELDS, order="id")
        if not items:
            return
        data.items.update((aml.id, aml) for aml in items)
        data.currencies.update((c.name.upper(), c) for c in items.currency_id)
        data.index = cash_matching.Index(
            [data.index.item(item_id) for item_id in data.items if item_id in data.index]
            + [self._open_item(aml) for aml in items]
        )

    @api.model
    def _open_item(self, aml):
        currency = aml.currency_id
        move = aml.move_id
        untouched = currency.compare_amounts(aml.amount_residual_currency, aml.amount_currency) == 0
        early = (
            aml.discount_date
            and aml.discount_amount_currency
            and untouched
            and move.move_type in ("out_invoice", "out_receipt")
        )
        return cash_matching.OpenItem(
            id=aml.id,
            partner_id=aml.partner_id.commercial_partner_id.id or None,
            partner_name=aml.partner_id.commercial_partner_id.name or "",
            move_name=aml.move_name or "",
            payment_ref=move.payment_reference or None,
            customer_ref=move.ref or None,
            residual=self._decimal(aml.amount_residual_currency, currency),
            currency=currency.name,
            due_date=aml.date_maturity or None,
            early_discount_amount=(
                self._decimal(aml.discount_amount_currency, currency) if early else None
            ),
            early_discount_until=aml.discount_date if early else None,
        )

    @api.model
    def _statement_line(self, line):
        foreign = line.foreign_currency_id
        return cash_matching.StatementLine(
            id=line.id,
            amount=self._decimal(line.amount, line.currency_id),
            currency=line.currency_id.name,
            date=line.date,
            label=line.payment_ref or "",
            partner_name=line.partner_name or "",
            account_number=line.account_number or "",
            partner_id=line.partner_id.commercial_partner_id.id or None,
            foreign_amount=self._decimal(line.amount_currency, foreign) if foreign else None,
            foreign_currency=foreign.name or None,
        )

    @api.model
    def _decimal(self, amount, currency):
        return Decimal(f"{currency.round(amount):.{currency.decimal_places}f}")

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

    # ------------------------------------------------------------------
    # Records: suggestions and one log per transaction
    # ------------------------------------------------------------------
    @api.model
    def _record(self, company, lines, results, trigger, log=None):
        vals_by_line = {line.id: self._log_vals(company, results[line.id]) for line in lines}
        Suggestion = self.env["ai.cash.suggestion"]
        if log:
            self._done(log, vals_by_line[log.statement_line_id.id])
            logs = log
        else:
            logs = self.env["ai.invoice.log"]._system_create(
                [
                    dict(
                        vals,
                        agent=self._agent,
                        trigger=trigger,
                        user_id=self.env.uid,
                        company_id=company.id,
                        statement_line_id=line_id,
                        currency_id=results[line_id].line.currency_id.id,
                        amount_total=results[line_id].line.amount,
                    )
                    for line_id, vals in vals_by_line.items()
                ]
            )
        log_by_line = {log.statement_line_id.id: log for log in logs}
        # an earlier run's proposals are replaced: its log no longer waits for a person
        self.env["ai.invoice.log"].search(
            [
                ("agent", "=", self._agent),
                ("statement_line_id", "in", lines.ids),
                ("state", "=", "needs_review"),
                ("id", "not in", logs.ids),
            ]
        )._system_write({"state": "done", "review_required": False})
        # the proposals of these transactions are replaced; decisions stay as history
        Suggestion.search(
            [("statement_line_id", "in", lines.ids), ("state", "=", "proposed")]
        )._system_unlink()
        Suggestion._system_create(
            [
                self._suggestion_vals(result, rank, suggestion, log_by_line[line_id])
                for line_id, result in results.items()
                if line_id in log_by_line
                for rank, suggestion in enumerate(result.suggestions, start=1)
            ]
        )
        for line_id, result in results.items():
            if result.applied and line_id in log_by_line:
                self._chatter_applied(result.line, result.applied, log_by_line[line_id], None)
                self.env["ai.cash.reconciliation"]._learn_bank_account(
                    result.line, result.line.partner_id.commercial_partner_id
                )
        return logs

    @api.model
    def _suggestion_vals(self, result, rank, suggestion, log):
        data = result.data
        first = data.index.item(suggestion.item_ids[0])
        applied = result.applied is suggestion
        return {
            "statement_line_id": result.line.id,
            "log_id": log.id,
            "rank": rank,
            "move_line_ids": [Command.set(list(suggestion.item_ids))],
            "partner_id": first.partner_id or False,
            "score": suggestion.score,
            "confidence": round(suggestion.score * 100.0, 2),
            "kind": suggestion.kind,
            "explanation": self._sentence(suggestion.explanation),
            "explanation_data": to_data(suggestion.explanation),
            "currency_id": data.currencies[first.currency.upper()].id,
            "amount_applied": float(sum(suggestion.amount_applied.values(), Decimal(0))),
            "write_off_amount": float(suggestion.write_off),
            "unapplied_amount": float(suggestion.unapplied),
            "allocation": self.env["ai.cash.reconciliation"]._plan(suggestion, data),
            "ambiguous": bool(suggestion.ambiguous_with),
            "llm_assisted": bool(result.llm_items & set(suggestion.item_ids)),
            "state": "accepted" if applied else "proposed",
            "auto_applied": applied,
            "decided_by_id": self.env.uid if applied else False,
            "decided_date": fields.Datetime.now() if applied else False,
        }

    @api.model
    def _sentence(self, text):
        return (text[:1].upper() + text[1:] + ".") if text else ""

    @api.model
    def _log_vals(self, company, result):
        line = result.line
        data = result.data
        best = result.suggestions[0] if result.suggestions else None
        customer = data.index.item(best.item_ids[0]).partner_id if best else None
        vals = {
            "partner_id": customer or line.partner_id.commercial_partner_id.id or False,
            "source_data": self._snapshot(company, result),
            "review_required": False,
            "review_reason": False,
        }
        if result.llm:
            vals["flags"] = [flag.model_dump() for flag in result.llm.flags]
            vals.update(result.llm.log_vals())
        if result.applied:
            vals.update(
                state="done",
                decision="applied",
                rationale=self.env._(
                    "Applied automatically to %(items)s: %(why)s. Confidence %(score)s%% (at "
                    "least %(threshold)s%% and %(margin)s points ahead of the next suggestion "
                    "required).",
                    items=self._item_names(result.applied, data),
                    why=result.applied.explanation,
                    score=self._percent(result.applied.score),
                    threshold=self._percent(company.ai_cash_threshold / 100.0),
                    margin=self._percent(company.ai_cash_margin / 100.0),
                ),
            )
        elif best:
            why = self._why_waiting(company, result)
            vals.update(
                state="needs_review",
                decision="suggested",
                review_required=True,
                review_reason=why,
                rationale=self.env._(
                    "%(count)s suggestion(s) wait for a person (%(why)s). Best: %(items)s, "
                    "confidence %(score)s%%: %(expl)s.",
                    count=len(result.suggestions),
                    why=why,
                    items=self._item_names(best, data),
                    score=self._percent(best.score),
                    expl=best.explanation,
                ),
            )
        else:
            vals.update(
                state="done",
                decision="no_match",
                rationale=self.env._(
                    "No open customer item fits this transaction: no reference of an open "
                    "invoice in the label, and no open amount (or combination) of the payer "
                    "equals %(amount)s. A person reconciles it.",
                    amount=self._money(line.amount, line.currency_id),
                ),
            )
        return vals

    @api.model
    def _why_waiting(self, company, result):
        best = result.suggestions[0]
        second = result.suggestions[1] if len(result.suggestions) > 1 else None
        if result.apply_error:
            return self.env._("applying it failed: %(error)s", error=result.apply_error)
        if result.conflict:
            return self.env._("its invoices changed while it was being applied")
        if result.llm_items:
            return self.env._(
                "it relies on a reference the language model read in the remittance text"
            )
        if not company.ai_cash_auto_apply:
            return self.env._("automatic application is off")
        if result.data.rejected.get(result.line.id):
            return self.env._("a person rejected a suggestion for this transaction")
        if best.kind == "reference_only" or not best.amount_applied:
            return self.env._("the invoice is in another currency than the payment")
        if best.ambiguous_with:
            return self.env._("another suggestion is just as likely")
        if best.score < company.ai_cash_threshold / 100.0:
            return self.env._(
                "confidence %(score)s%% is below the %(threshold)s%% threshold",
                score=self._percent(best.score),
                threshold=self._percent(company.ai_cash_threshold / 100.0),
            )
        if second:
            return self.env._(
                "the next suggestion is only %(lead)s points behind (%(margin)s required)",
                lead=self._percent(best.score - second.score),
                margin=self._percent(company.ai_cash_margin / 100.0),
            )
        return self.env._("it needs a person")

    @api.model
    def _snapshot(self, company, result):
        """The decision's inputs and candidates (no bank account numbers)."""
        line = result.line
        data = result.data
        return {
            "transaction": {
                "name": line.move_id.name,
                "date": str(line.date),
                "label": line.payment_ref or "",
                "payer_name": line.partner_name or "",
                "payer": line.partner_id.commercial_partner_id.display_name or "",
                "bank_account_given": bool(line.account_number),
                "amount": line.amount,
                "currency": line.currency_id.name,
                "foreign_amount": line.amount_currency if line.foreign_currency_id else None,
                "foreign_currency": line.foreign_currency_id.name or None,
            },
            "candidates": [
                {
                    "rank": rank,
                    "items": [data.index.item(i).move_name for i in suggestion.item_ids],
                    "kind": suggestion.kind,
                    "score": suggestion.score,
                    "applied": {
                        data.index.item(i).move_name: str(amount)
                        for i, amount in suggestion.amount_applied.items()
                    },
                    "write_off": str(suggestion.write_off),
                    "unapplied": str(suggestion.unapplied),
                    "explanation": suggestion.explanation,
                    "ambiguous_with": [
                        data.index.item(i).move_name for i in suggestion.ambiguous_with
                    ],
                    "llm_reference": bool(result.llm_items & set(suggestion.item_ids)),
                }
                for rank, suggestion in enumerate(result.suggestions, start=1)
            ],
            "open_items_considered": len(data.index),
            "settings": {
                "auto_apply": company.ai_cash_auto_apply,
                "threshold_percent": company.ai_cash_threshold,
                "margin_points": company.ai_cash_margin,
                "write_off_tolerance": company.ai_cash_writeoff_tolerance,
            },
            "decision": {
                "applied": bool(result.applied),
                "applied_by": self.env.user.name if result.applied else None,
                "automatic": bool(result.applied),
                "apply_error": result.apply_error,
                "conflict": result.conflict,
            },
        }

    @api.model
    def _item_names(self, suggestion, data):
        return ", ".join(data.index.item(i).move_name for i in suggestion.item_ids)

    @api.model
    def _percent(self, score):
        return f"{score * 100:.0f}"

    @api.model
    def _chatter_applied(self, line, suggestion_text, log, person):
        """Notes on the bank entry and each invoice: what was applied, by whom, why."""
        invoices = line.move_id.line_ids.matched_debit_ids.debit_move_id.move_id.filtered(
            lambda move: move.is_invoice(include_receipts=True)
        )
        who = (
            self.env._("accepted by %(user)s", user=person.name)
            if person
            else self.env._("applied automatically")
        )
        explanation = (
            suggestion_text.explanation
            if isinstance(suggestion_text, cash_matching.Suggestion)
            else suggestion_text
        )
        for invoice in invoices:
            self._chatter(
                invoice,
                self.env._(
                    "Paid by bank transaction %(line)s (%(amount)s), AI cash application "
                    "%(log)s, %(who)s: %(why)s.",
                    line=line.move_id.name,
                    amount=self._money(line.amount, line.currency_id),
                    log=log.name,
                    who=who,
                    why=explanation,
                ),
            )
        self._chatter(
            line.move_id,
            self.env._(
                "Reconciled with %(invoices)s by the AI cash application (%(log)s), %(who)s.",
                invoices=", ".join(invoices.mapped("name")),
                log=log.name,
                who=who,
            ),
        )

    # ------------------------------------------------------------------
    # A person's decisions (the suggestion's actions check the rights)
    # ------------------------------------------------------------------
    @api.model
    def _accept(self, suggestion):
        suggestion.ensure_one()
        if suggestion.state != "proposed":
            raise UserError(self.env._("Only proposed suggestions can be accepted."))
        line = suggestion.statement_line_id
        try:
            line.lock_for_update()
        except LockError as exc:
            raise UserError(
                self.env._(
                    "%(line)s is being reconciled right now; try again in a moment.",
                    line=line.display_name,
                )
            ) from exc
        self.env["ai.cash.reconciliation"]._apply_plan(line, suggestion.allocation)
        now = fields.Datetime.now()
        suggestion._system_write(
            {"state": "accepted", "decided_by_id": self.env.uid, "decided_date": now}
        )
        (line.ai_cash_suggestion_ids - suggestion).filtered(
            lambda s: s.state == "proposed"
        )._system_unlink()
        log = suggestion.log_id
        if log:
            log._system_write(
                {
                    "state": "approved",
                    "decision": "accepted",
                    "reviewer_id": self.env.uid,
                    "review_date": now,
                    "review_hours": (now - log.create_date).total_seconds() / 3600.0,
                    "rationale": self.env._(
                        "Applied by %(user)s on %(date)s to %(items)s (confidence %(score)s%%): "
                        "%(why)s",
                        user=self.env.user.name,
                        date=now,
                        items=", ".join(suggestion.move_line_ids.mapped("move_name")),
                        score=f"{suggestion.confidence:.0f}",
                        why=suggestion.explanation,
                    ),
                    "source_data": dict(
                        log.source_data or {},
                        accepted={
                            "rank": suggestion.rank,
                            "items": suggestion.move_line_ids.mapped("move_name"),
                            "confidence": suggestion.confidence,
                            "by": self.env.user.name,
                            "on": str(now),
                        },
                    ),
                }
            )
            self._chatter_applied(line, suggestion.explanation, log, self.env.user)
        self.env["ai.cash.reconciliation"]._learn_bank_account(
            line, line.partner_id.commercial_partner_id
        )
        return True

    @api.model
    def _accept_many(self, suggestions):
        """Accept each suggestion in its own savepoint: ``(done, failed, conflicts)``, the
        conflicts (invoices changed since) as ``{suggestion: reason}``."""
        done, failed, conflicts = [], [], {}
        for suggestion in suggestions:
            try:
                with self.env.cr.savepoint():
                    self._accept(suggestion)
                done.append(suggestion)
            except CashConflict as exc:
                conflicts[suggestion] = exc.args[0]
            except (UserError, ValidationError) as exc:
                failed.append(
                    f"{suggestion.statement_line_id.display_name}: "
                    f"{exc.args[0] if exc.args else exc}"
                )
        return done, failed, conflicts

    @api.model
    def _match_by_hand(self, line, amounts, write_off_account=None, write_off_label=None):
        """A person's match (``amounts``: ``{account.move.line: amount}``), applied by the
        same reconciliation as the agent's; kept as an accepted suggestion and in the log."""
        Suggestion = self.env["ai.cash.suggestion"]
        Suggestion._check_clerk(line)
        line.ensure_one()
        if not self._eligible(line):
            raise UserError(
                self.env._(
                    "%(line)s is reconciled already or not an incoming transaction.",
                    line=line.display_name,
                )
            )
        try:
            line.lock_for_update()
        except LockError as exc:
            raise UserError(
                self.env._(
                    "%(line)s is being reconciled right now; try again in a moment.",
                    line=line.display_name,
                )
            ) from exc
        recon = self.env["ai.cash.reconciliation"]
        plan = recon._manual_plan(line, amounts, write_off_account, write_off_label)
        items = self.env["account.move.line"].union(*amounts)
        try:
            recon._apply_plan(line, plan)
        except CashConflict as exc:
            raise UserError(exc.args[0]) from exc
        now = fields.Datetime.now()
        user = self.env.user
        parts = [
            self.env._(
                "%(item)s %(amount)s",
                item=aml.move_name,
                amount=self._money(amount, aml.currency_id),
            )
            for aml, amount in amounts.items()
        ]
        explanation = self.env._(
            "Matched by hand by %(user)s: %(items)s", user=user.name, items=", ".join(parts)
        )
        if write_off_account and float(plan["write_off"]):
            explanation += self.env._(
                "; %(amount)s on %(account)s (%(label)s)",
                amount=self._money(abs(float(plan["write_off"])), line.currency_id),
                account=write_off_account.display_name,
                label=write_off_label or "",
            )
        # sudo: ai.invoice.log - the transaction's latest cash log, whoever matched it
        log = (
            self.env["ai.invoice.log"]
            .sudo()
            .search(
                [("agent", "=", self._agent), ("statement_line_id", "=", line.id)],
                order="id desc",
                limit=1,
            )
            .sudo(False)
        )
        log_vals = {
            "state": "approved",
            "decision": "accepted",
            "reviewer_id": user.id,
            "review_date": now,
            "review_required": False,
            "partner_id": items.partner_id.commercial_partner_id[:1].id,
            "rationale": explanation,
        }
        if log:
            log._system_write(
                dict(
                    log_vals,
                    review_hours=(now - log.create_date).total_seconds() / 3600.0,
                    source_data=dict(log.source_data or {}, manual_match=plan),
                )
            )
        else:
            log = self.env["ai.invoice.log"]._system_create(
                [
                    dict(
                        log_vals,
                        agent=self._agent,
                        trigger="manual",
                        user_id=user.id,
                        company_id=line.company_id.id,
                        statement_line_id=line.id,
                        currency_id=line.currency_id.id,
                        amount_total=line.amount,
                        source_data={"manual_match": plan},
                    )
                ]
            )
        line.ai_cash_suggestion_ids.filtered(lambda s: s.state == "proposed")._system_unlink()
        Suggestion._system_create(
            [
                {
                    "statement_line_id": line.id,
                    "log_id": log.id,
                    "rank": 0,
                    "move_line_ids": [Command.set(items.ids)],
                    "partner_id": items.partner_id.commercial_partner_id[:1].id,
                    "score": 0.0,
                    "confidence": 0.0,
                    "kind": "manual",
                    "explanation": explanation,
                    "currency_id": items.currency_id[:1].id,
                    "amount_applied": sum(amounts.values()),
                    "write_off_amount": abs(float(plan["write_off"])),
                    "unapplied_amount": float(plan["unapplied"]),
                    "allocation": plan,
                    "state": "accepted",
                    "decided_by_id": user.id,
                    "decided_date": now,
                }
            ]
        )
        self._chatter_applied(line, explanation, log, user)
        self.env["ai.cash.reconciliation"]._learn_bank_account(
            line, items.partner_id.commercial_partner_id
        )
        others = (
            Suggestion.search([("state", "=", "proposed"), ("move_line_ids", "in", items.ids)])
            .filtered("stale_reason")
            .statement_line_id
        )
        self._refresh_lines(others)
        return Suggestion.browse()._notify_outcome([line], [], others=others)

    @api.model
    def _refresh_lines(self, lines):
        """Match ``lines`` again now (their proposals went stale): no automatic application
        and no LLM call, the new proposals wait for the person who asked;
        ``{line id: number of new proposals}``."""
        lines = self._eligible(lines)
        counts = {}
        for company in lines.company_id:
            company_lines = lines.filtered(lambda line, company=company: line.company_id == company)
            self.with_company(company).with_context(ai_cash_refresh=True)._process(
                company_lines, "manual"
            )
        if lines:
            counts = dict(
                (line.id, count)
                for line, count in self.env["ai.cash.suggestion"]._read_group(
                    [("statement_line_id", "in", lines.ids), ("state", "=", "proposed")],
                    ["statement_line_id"],
                    ["__count"],
                )
            )
        return counts

    @api.model
    def _reject(self, suggestions, reason=None):
        now = fields.Datetime.now()
        suggestions._system_write(
            {
                "state": "rejected",
                "decided_by_id": self.env.uid,
                "decided_date": now,
                "reject_reason": reason or False,
            }
        )
        for suggestion in suggestions:
            self._chatter(
                suggestion.statement_line_id.move_id,
                self.env._(
                    "AI cash match with %(items)s rejected by %(user)s: %(reason)s",
                    items=", ".join(suggestion.move_line_ids.mapped("move_name")),
                    user=self.env.user.name,
                    reason=reason or self.env._("no reason given"),
                ),
            )
        remaining = {
            line.id
            for [line] in self.env["ai.cash.suggestion"]._read_group(
                [
                    ("statement_line_id", "in", suggestions.statement_line_id.ids),
                    ("state", "=", "proposed"),
                ],
                ["statement_line_id"],
            )
        }
        for log in suggestions.log_id:
            if log.statement_line_id.id in remaining:
                continue
            log._system_write(
                {
                    "state": "rejected",
                    "decision": "rejected",
                    "reviewer_id": self.env.uid,
                    "review_date": now,
                    "review_hours": (now - log.create_date).total_seconds() / 3600.0,
                    "rationale": self.env._(
                        "Rejected by %(user)s on %(date)s: %(reason)s",
                        user=self.env.user.name,
                        date=now,
                        reason=reason or self.env._("no reason given"),
                    ),
                }
            )

    @api.model
    def _undone(self, suggestions):
        """Odoo's undo ran on the transaction: its AI match is a proposal again."""
        suggestions._system_write(
            {
                "state": "proposed",
                "auto_applied": False,
                "decided_by_id": False,
                "decided_date": False,
            }
        )
        for suggestion in suggestions:
            log = suggestion.log_id
            if log:
                log._system_write(
                    {
                        "state": "needs_review",
                        "decision": "undone",
                        "review_required": True,
                        "review_reason": self.env._(
                            "%(user)s undid the reconciliation on %(date)s.",
                            user=self.env.user.name,
                            date=fields.Datetime.now(),
                        ),
                    }
                )
            self._chatter(
                suggestion.statement_line_id.move_id,
                self.env._(
                    "AI cash match with %(items)s undone by %(user)s; it waits on the Cash "
                    "Application screen again.",
                    items=", ".join(suggestion.move_line_ids.mapped("move_name")),
                    user=self.env.user.name,
                ),
            )
