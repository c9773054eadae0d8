# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from decimal import Decimal

from odoo import api, fields, models
from odoo.fields import Command

from ..services import cash_matching
from ..services.texts import to_data


class AiInvoiceAgentCash(models.AbstractModel):
    """What the cash agent leaves behind: one ``ai.cash.suggestion`` per proposal, one
    log per transaction (why it waits, what was applied, the snapshot) and the chatter
    note of an applied match."""

    _inherit = "ai.invoice.agent.cash"

    # ------------------------------------------------------------------
    # Records: suggestions and one log per transaction
    # ------------------------------------------------------------------
    @api.model
    def _record(self, company, lines, results, trigger, logs=None):
        """Each line's log (its queued log done, or a new one) and its suggestions."""
        vals_by_line = {line.id: self._log_vals(company, results[line.id]) for line in lines}
        Suggestion = self.env["ai.cash.suggestion"]
        queued = {log.statement_line_id.id: log for log in logs or ()}
        for line_id, log in queued.items():
            self._done(log, vals_by_line[line_id])
        logs = (logs or self.env["ai.invoice.log"]) | self._create_logs(
            [
                dict(self._prepare_log_vals(results[line_id].line, trigger), **vals)
                for line_id, vals in vals_by_line.items()
                if line_id not in queued
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
        """The transaction's log: applied, waiting for a person, or no match."""
        line, data = result.line, result.data
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
            return dict(vals, **self._applied_log_vals(company, result))
        if best:
            return dict(vals, **self._waiting_log_vals(company, result, best))
        return dict(vals, **self._no_match_log_vals(line))

    @api.model
    def _applied_log_vals(self, company, result):
        return {
            "state": "done",
            "decision": "applied",
            "rationale": self.env._(
                "Applied automatically to %(items)s: %(why)s. Confidence %(score)s%% (at "
                "least %(threshold)s%% and %(margin)s points ahead of the next suggestion "
                "required).",
                items=self._item_names(result.applied, result.data),
                why=result.applied.explanation,
                score=self._percent(result.applied.score),
                threshold=self._percent(company.ai_cash_threshold / 100.0),
                margin=self._percent(company.ai_cash_margin / 100.0),
            ),
        }

    @api.model
    def _waiting_log_vals(self, company, result, best):
        why = self._why_waiting(company, result)
        return {
            "state": "needs_review",
            "decision": "suggested",
            "review_required": True,
            "review_reason": why,
            "rationale": self.env._(
                "%(count)s suggestion(s) wait for a person (%(why)s). Best: %(items)s, "
                "confidence %(score)s%%: %(expl)s.",
                count=len(result.suggestions),
                why=why,
                items=self._item_names(best, result.data),
                score=self._percent(best.score),
                expl=best.explanation,
            ),
        }

    @api.model
    def _no_match_log_vals(self, line):
        return {
            "state": "done",
            "decision": "no_match",
            "rationale": self.env._(
                "No open customer item fits this transaction: no reference of an open "
                "invoice in the label, and no open amount (or combination) of the payer "
                "equals %(amount)s. A person reconciles it.",
                amount=self._money(line.amount, line.currency_id),
            ),
        }

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
