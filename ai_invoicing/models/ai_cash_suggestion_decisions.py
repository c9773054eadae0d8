# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.fields import Command

from .ai_cash_reconciliation import CashConflict


class AiCashSuggestion(models.Model):
    """A person's decisions on the cash agent's suggestions: accept (Odoo's
    reconciliation through ``ai.cash.reconciliation``), reject with a reason, Odoo's
    undo, and a match made by hand; each closes the transaction's log. The actions
    (``ai_cash_suggestion.py``) check the rights first."""

    _inherit = "ai.cash.suggestion"

    def _accept(self):
        """Apply this proposal with Odoo's reconciliation; the other proposals of its
        transaction go, its log is closed as approved."""
        suggestion = self
        agent = self.env["ai.invoice.agent.cash"]
        suggestion.ensure_one()
        if suggestion.state != "proposed":
            raise UserError(self.env._("Only proposed suggestions can be accepted."))
        line = suggestion.statement_line_id
        self._lock_transaction(line)
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
            log._close_review(
                {
                    "state": "approved",
                    "decision": "accepted",
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
                },
                when=now,
            )
            agent._chatter_applied(line, suggestion.explanation, log, self.env.user)
        self.env["ai.cash.reconciliation"]._learn_bank_account(
            line, line.partner_id.commercial_partner_id
        )
        return True

    def _accept_many(self):
        """Accept each suggestion in its own savepoint: ``(done, failed, conflicts)``, the
        conflicts (invoices changed since) as ``{suggestion: reason}``."""
        done, failed, conflicts = [], [], {}
        for suggestion in self:
            try:
                with self.env.cr.savepoint():
                    suggestion._accept()
                done.append(suggestion)
            except CashConflict as exc:
                conflicts[suggestion] = exc.args[0]
            except (UserError, ValidationError) as exc:
                failed.append(
                    f"{suggestion.statement_line_id.display_name}: "
                    f"{exc.args[0] if exc.args else exc}"
                )
        return done, failed, conflicts

    def _reject(self, reason=None):
        """Never proposed again for its transaction; the log closes once none is left."""
        suggestions = self
        agent = self.env["ai.invoice.agent.cash"]
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
            agent._chatter(
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
            log._close_review(
                {
                    "state": "rejected",
                    "decision": "rejected",
                    "rationale": self.env._(
                        "Rejected by %(user)s on %(date)s: %(reason)s",
                        user=self.env.user.name,
                        date=now,
                        reason=reason or self.env._("no reason given"),
                    ),
                }
            )

    def _undone(self):
        """Odoo's undo ran on the transaction: its AI match is a proposal again."""
        suggestions = self
        agent = self.env["ai.invoice.agent.cash"]
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
            agent._chatter(
                suggestion.statement_line_id.move_id,
                self.env._(
                    "AI cash match with %(items)s undone by %(user)s; it waits on the Cash "
                    "Application screen again.",
                    items=", ".join(suggestion.move_line_ids.mapped("move_name")),
                    user=self.env.user.name,
                ),
            )

    @api.model
    def _match_by_hand(self, line, amounts, write_off_account=None, write_off_label=None):
        """A person's match (``amounts``: ``{account.move.line: amount}``), applied by the
        same reconciliation as the agent's; kept as an accepted suggestion and in the log."""
        agent = self.env["ai.invoice.agent.cash"]
        Suggestion = self.browse()
        Suggestion._check_clerk(line)
        line.ensure_one()
        if not agent._eligible(line):
            raise UserError(
                self.env._(
                    "%(line)s is reconciled already or not an incoming transaction.",
                    line=line.display_name,
                )
            )
        self._lock_transaction(line)
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
                amount=agent._money(amount, aml.currency_id),
            )
            for aml, amount in amounts.items()
        ]
        explanation = self.env._(
            "Matched by hand by %(user)s: %(items)s", user=user.name, items=", ".join(parts)
        )
        if write_off_account and float(plan["write_off"]):
            explanation += self.env._(
                "; %(amount)s on %(account)s (%(label)s)",
                amount=agent._money(abs(float(plan["write_off"])), line.currency_id),
                account=write_off_account.display_name,
                label=write_off_label or "",
            )
        # sudo: ai.invoice.log - the transaction's latest cash log, whoever matched it
        log = (
            self.env["ai.invoice.log"]
            .sudo()
            .search(
                [("agent", "=", agent._agent), ("statement_line_id", "=", line.id)],
                order="id desc",
                limit=1,
            )
            .sudo(False)
        )
        log_vals = {
            "state": "approved",
            "decision": "accepted",
            "review_required": False,
            "partner_id": items.partner_id.commercial_partner_id[:1].id,
            "rationale": explanation,
        }
        if log:
            log._close_review(
                dict(log_vals, source_data=dict(log.source_data or {}, manual_match=plan)),
                user,
                now,
            )
        else:
            log = self.env["ai.invoice.log"]._log_decisions(
                [
                    dict(
                        log_vals,
                        agent=agent._agent,
                        company_id=line.company_id.id,
                        statement_line_id=line.id,
                        currency_id=line.currency_id.id,
                        amount_total=line.amount,
                        source_data={"manual_match": plan},
                        review_date=now,
                    )
                ],
                reviewed=True,
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
        agent._chatter_applied(line, explanation, log, user)
        self.env["ai.cash.reconciliation"]._learn_bank_account(
            line, items.partner_id.commercial_partner_id
        )
        others = (
            Suggestion.search([("state", "=", "proposed"), ("move_line_ids", "in", items.ids)])
            .filtered("stale_reason")
            .statement_line_id
        )
        agent._refresh_lines(others)
        return Suggestion.browse()._notify_outcome([line], [], others=others)

    @api.model
    def _lock_transaction(self, line):
        """A person's decision waits for no job: busy, they are told to try again."""
        try:
            line.lock_for_update()
        except LockError as exc:
            raise UserError(
                self.env._(
                    "%(line)s is being reconciled right now; try again in a moment.",
                    line=line.display_name,
                )
            ) from exc
