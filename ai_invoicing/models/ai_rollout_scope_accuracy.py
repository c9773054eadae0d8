# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

from ..services import rollout


class AiRolloutScope(models.Model):
    """A scope's measured accuracy (from its drafts' outcomes) and what follows from it: the
    graduation a manager is offered, the demotion to Pilot when errors rise."""

    _inherit = "ai.rollout.scope"

    def _ai_accuracy(self, since_level=False):
        """``{scope id: rollout.Accuracy}`` from the drafting logs' outcomes.

        One grouped count for all scopes, then the last two windows of each scope;
        ``since_level``: only the outcomes measured since the current level was set
        (what graduation and demotion weigh).
        """
        Log = self.env["ai.invoice.log"].sudo()  # sudo: ai.invoice.log - measures only
        ids = [scope.id for scope in self if scope.id]
        if not ids:
            return {}
        counts = {}
        for scope, outcome, count in Log._read_group(
            [("rollout_scope_id", "in", ids), ("rollout_outcome", "!=", False)],
            ["rollout_scope_id", "rollout_outcome"],
            ["__count"],
        ):
            counts.setdefault(scope.id, {})[outcome] = count
        result = {}
        for scope in self.filtered("id"):
            domain = [("rollout_scope_id", "=", scope.id), ("rollout_outcome", "!=", False)]
            if since_level and scope.level_date:
                domain.append(("rollout_outcome_date", ">=", scope.level_date))
            recent = Log.search_fetch(
                domain,
                ["rollout_outcome"],
                order="rollout_outcome_date desc, id desc",
                limit=2 * max(scope.window_size, 1),
            )
            result[scope.id] = rollout.measure(
                recent.mapped("rollout_outcome"), scope.window_size, counts.get(scope.id)
            )
        return result

    def _ai_accuracy_text(self, acc):
        if acc.rate is None:
            return self.env._("Not measured yet")
        text = self.env._(
            "%(rate)s %% correct as drafted over the last %(sample)s",
            rate=round(acc.rate, 1),
            sample=acc.sample,
        )
        if acc.trend is not None:
            text += f" ({acc.trend:+.1f})"
        return text

    def _ai_figures(self, acc=None):
        self.ensure_one()
        acc = acc or self._ai_accuracy().get(self.id) or rollout.measure([], 1)
        return {
            "scope": self.name,
            "level": self.level,
            "level_since": fields.Datetime.to_string(self.level_date) if self.level_date else None,
            "drafts": self.draft_count,
            "pilot_size": self.pilot_size,
            "window": self.window_size,
            "sample": acc.sample,
            "approved_unchanged": acc.good,
            "errors": acc.bad,
            "rate": acc.rate,
            "previous_rate": acc.previous_rate,
            "counts": acc.counts,
        }

    def _ai_evaluate(self):
        """After a new outcome: propose graduation, or demote to pilot by itself (on the
        drafts measured since the current level was set)."""
        measures = self._ai_accuracy(since_level=True)
        for scope in self:
            acc = measures.get(scope.id)
            if not acc:
                continue
            if rollout.demotion_due(
                scope.level, acc, scope.demotion_min, scope.demotion_error_rate
            ):
                scope._ai_demote(acc)
            elif rollout.graduation_due(
                scope.level, acc, scope.graduation_min, scope.graduation_rate
            ):
                scope._ai_propose_graduation(acc)

    def _ai_demote(self, acc):
        self.ensure_one()
        why = self.env._(
            "Demoted to Pilot by the AI rollout: %(errors)s of the last %(sample)s measured drafts "
            "were wrong (%(rate)s %% errors, above the bound of %(bound)s %%).",
            errors=acc.bad,
            sample=acc.sample,
            rate=round(acc.error_rate, 1),
            bound=self.demotion_error_rate,
        )
        # sudo: ai.rollout.scope - the system demotes whoever recorded the last outcome
        self.sudo().with_context(
            ai_rollout_why=why, ai_rollout_figures=self._ai_figures(acc)
        ).write({"level": "pilot"})
        self.activity_unlink(["ai_invoicing.mail_activity_type_ai_rollout"])
        self.sudo().activity_schedule(
            "ai_invoicing.mail_activity_type_ai_rollout",
            summary=self.env._("AI rollout scope %(scope)s fell back to Pilot", scope=self.name),
            note=why,
            user_id=self.company_id._ai_rollout_manager().id,
        )

    def _ai_propose_graduation(self, acc):
        self.ensure_one()
        target = rollout.next_level(self.level)
        if self.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("ai_invoicing.mail_activity_type_ai_rollout")
            )
        ):
            return
        note = self.env._(
            "%(rate)s %% of the last %(sample)s measured drafts of %(scope)s were correct as "
            "drafted: approved unchanged, or posted and not corrected (threshold %(threshold)s %% "
            "over at least %(min)s). Press Raise Level on "
            "the scope to move it from %(level)s to %(target)s.",
            rate=round(acc.rate, 1),
            sample=acc.sample,
            scope=self.name,
            threshold=self.graduation_rate,
            min=self.graduation_min,
            level=self._ai_level_label(self.level),
            target=self._ai_level_label(target),
        )
        # sudo: ai.rollout.scope - the system proposes; only a manager raises
        self.sudo().activity_schedule(
            "ai_invoicing.mail_activity_type_ai_rollout",
            summary=self.env._(
                "Graduate %(scope)s to %(target)s?",
                scope=self.name,
                target=self._ai_level_label(target),
            ),
            note=note,
            user_id=self.company_id._ai_rollout_manager().id,
        )
