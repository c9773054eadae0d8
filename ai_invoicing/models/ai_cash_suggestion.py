# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..services.texts import from_data, say
from .ai_cash_reconciliation import CashConflict

KINDS = [
    ("exact", "Exact"),
    ("combination", "Several Invoices"),
    ("partial", "Partial Payment"),
    ("overpayment", "Overpayment"),
    ("early_discount", "Early-Payment Discount"),
    ("reference_only", "Reference Only"),
    ("manual", "Matched by Hand"),
]
STATES = [("proposed", "Proposed"), ("accepted", "Accepted"), ("rejected", "Rejected")]


class AiCashSuggestion(models.Model):
    """One way to settle an incoming bank transaction with open customer items.

    Written by the cash application agent only (no access right lets a user create, edit or
    delete one); people decide through ``action_accept`` / ``action_reject``, checked in the
    methods. Accepting reconciles the transaction with the items through Odoo's own
    reconciliation; Odoo's *Undo* on the transaction puts the suggestion back to proposed.
    """

    _name = "ai.cash.suggestion"
    _description = "AI Cash Application Suggestion"
    _order = "statement_line_id desc, rank, id"
    _check_company_auto = True
    _rec_name = "statement_line_id"

    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank Transaction",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="statement_line_id.company_id", store=True, index=True, precompute=True
    )
    journal_id = fields.Many2one(related="statement_line_id.journal_id", store=True)
    line_date = fields.Date(
        string="Transaction Date", related="statement_line_id.date", store=True, index=True
    )
    line_amount = fields.Monetary(
        string="Amount Received",
        related="statement_line_id.amount",
        currency_field="line_currency_id",
    )
    line_currency_id = fields.Many2one(related="statement_line_id.currency_id")
    line_label = fields.Char(string="Label", related="statement_line_id.payment_ref")
    line_partner_name = fields.Char(string="Payer", compute="_compute_line_partner_name")
    line_reconciled = fields.Boolean(
        string="Transaction Reconciled", related="statement_line_id.is_reconciled", store=True
    )
    log_id = fields.Many2one("ai.invoice.log", string="AI Log", readonly=True, index=True)
    rank = fields.Integer(readonly=True, help="1 is the agent's best suggestion for the line.")
    move_line_ids = fields.Many2many(
        "account.move.line",
        "ai_cash_suggestion_move_line_rel",
        "suggestion_id",
        "move_line_id",
        string="Open Items",
        readonly=True,
    )
    invoice_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_invoice_ids"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    score = fields.Float(readonly=True, digits=(5, 4), help="Between 0 and 1.")
    confidence = fields.Float(
        string="Confidence (%)",
        readonly=True,
        aggregator="avg",
        help="The agent's score as a percentage: how sure it is that this is the right match.",
    )
    kind = fields.Selection(KINDS, readonly=True, required=True)
    explanation = fields.Text(readonly=True)
    explanation_data = fields.Json(
        readonly=True, help="The explanation's templates and params, said in the reader's language."
    )
    explanation_said = fields.Text(
        string="Explanation in Your Language",
        compute="_compute_explanation_said",
        help="The explanation in the language of the user reading it.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_applied = fields.Monetary(
        string="Applied", readonly=True, help="What the payment settles on the open items."
    )
    write_off_amount = fields.Monetary(
        string="Discount / Write-Off", readonly=True, help="Early-payment discount granted."
    )
    unapplied_amount = fields.Monetary(
        string="Left Over", readonly=True, help="What the payment pays beyond the open items."
    )
    allocation = fields.Json(
        readonly=True,
        help="The plan applied on acceptance: amount and open amount at matching time per item.",
    )
    ambiguous = fields.Boolean(
        readonly=True, help="Another suggestion is just as likely: never applied automatically."
    )
    llm_assisted = fields.Boolean(
        string="Reference Read by the LLM",
        readonly=True,
        help="A reference the language model read in the remittance text, checked against the "
        "open items, supports this suggestion: a person confirms it.",
    )
    state = fields.Selection(STATES, default="proposed", required=True, readonly=True, index=True)
    is_top = fields.Boolean(
        string="Best Open Suggestion",
        compute="_compute_is_top",
        store=True,
        index=True,
        help="The best proposed suggestion of its bank transaction.",
    )
    alternative_count = fields.Integer(
        string="Other Suggestions", compute="_compute_alternative_count"
    )
    auto_applied = fields.Boolean(readonly=True)
    stale_reason = fields.Char(
        string="Changed Since",
        compute="_compute_stale_reason",
        help="An invoice of this proposal was paid, partly paid or reset to draft since it was "
        "made: accepting it matches the transaction again instead.",
    )
    decided_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    decided_date = fields.Datetime(string="Decided On", readonly=True)
    reject_reason = fields.Text(string="Reason for Rejection", readonly=True)
    explanation_line = fields.Char(
        string="Why", compute="_compute_explanation_line", help="The explanation, on one line."
    )
    invoice_summary = fields.Char(
        string="Invoices (Due)",
        compute="_compute_invoice_summary",
        help="The invoices of this suggestion with their due dates: ties are decided with them.",
    )

    @api.depends("statement_line_id.partner_id", "statement_line_id.partner_name")
    def _compute_line_partner_name(self):
        for suggestion in self:
            line = suggestion.statement_line_id
            suggestion.line_partner_name = line.partner_id.display_name or line.partner_name

    @api.depends("move_line_ids")
    def _compute_invoice_ids(self):
        for suggestion in self:
            suggestion.invoice_ids = suggestion.move_line_ids.move_id

    @api.depends("explanation", "explanation_data")
    @api.depends_context("lang")
    def _compute_explanation_said(self):
        """The explanation in the reader's language when its templates were kept."""
        w = self.env["ai.invoice.agent"]._wording(self.env.lang or "en_US")
        for suggestion in self:
            data = suggestion.explanation_data
            said = say(from_data(data), w) if data else ""
            suggestion.explanation_said = (
                said[:1].upper() + said[1:] + "." if said else suggestion.explanation
            )

    @api.depends("explanation_said", "stale_reason")
    @api.depends_context("lang")
    def _compute_explanation_line(self):
        for suggestion in self:
            line = " ".join((suggestion.explanation_said or "").split())
            if suggestion.stale_reason:
                line = self.env._(
                    "Changed since: %(reason)s. %(explanation)s",
                    reason=suggestion.stale_reason,
                    explanation=line,
                )
            suggestion.explanation_line = line

    @api.depends("move_line_ids.move_name", "move_line_ids.date_maturity")
    def _compute_invoice_summary(self):
        for suggestion in self:
            suggestion.invoice_summary = ", ".join(
                self.env._(
                    "%(invoice)s (due %(date)s)",
                    invoice=aml.move_name,
                    date=format_date(self.env, aml.date_maturity),
                )
                if aml.date_maturity
                else aml.move_name
                for aml in suggestion.move_line_ids
            )

    @api.depends("state", "rank", "statement_line_id.ai_cash_suggestion_ids.state")
    def _compute_is_top(self):
        best = {}
        for suggestion in self.statement_line_id.ai_cash_suggestion_ids:
            if suggestion.state == "proposed":
                line_id = suggestion.statement_line_id.id
                if line_id not in best or (suggestion.rank, suggestion.id) < best[line_id]:
                    best[line_id] = (suggestion.rank, suggestion.id)
        for suggestion in self:
            top = best.get(suggestion.statement_line_id.id)
            suggestion.is_top = bool(top) and top[1] == suggestion.id

    @api.depends(
        "state",
        "allocation",
        "move_line_ids.parent_state",
        "move_line_ids.reconciled",
        "move_line_ids.amount_residual_currency",
    )
    def _compute_stale_reason(self):
        for suggestion in self:
            suggestion.stale_reason = (
                suggestion._stale_reason() if suggestion.state == "proposed" else False
            )

    def _stale_reason(self):
        """Why this proposal no longer fits its invoices (empty when it still does)."""
        self.ensure_one()
        planned = (self.allocation or {}).get("items") or {}
        for aml in self.move_line_ids:
            if aml.parent_state != "posted":
                return self.env._("%(item)s was reset to draft or cancelled", item=aml.move_name)
            if aml.reconciled:
                return self.env._("%(item)s is already paid", item=aml.move_name)
            entry = planned.get(str(aml.id))
            if entry and aml.currency_id.compare_amounts(
                aml.amount_residual_currency, float(entry["residual"])
            ):
                return self.env._("%(item)s was partly paid meanwhile", item=aml.move_name)
        return ""

    def _compute_alternative_count(self):
        counts = dict(
            self._read_group(
                [
                    ("statement_line_id", "in", self.statement_line_id.ids),
                    ("state", "=", "proposed"),
                ],
                ["statement_line_id"],
                ["__count"],
            )
        )
        for suggestion in self:
            total = counts.get(suggestion.statement_line_id, 0)
            suggestion.alternative_count = max(total - (suggestion.state == "proposed"), 0)

    # ------------------------------------------------------------------
    # Written by the system only
    # ------------------------------------------------------------------
    @api.model
    def _system_create(self, vals_list):
        # sudo: ai.cash.suggestion - suggestions are written by the agent, never by a user
        return self.sudo().create(vals_list).with_env(self.env)

    def _system_write(self, vals):
        # sudo: ai.cash.suggestion - see _system_create
        return self.sudo().write(vals)

    def _system_unlink(self):
        # sudo: ai.cash.suggestion - see _system_create
        return self.sudo().unlink()

    # ------------------------------------------------------------------
    # Decisions (checked here, not only in the views)
    # ------------------------------------------------------------------
    def _check_decider(self):
        """Users with *AI Cash Application: Apply Bank Payments* (offered in the user form).

        Odoo Community gives bank reconciliation to Accounting *Basic*, which its user form
        cannot grant; applying a bank payment to invoices is therefore our own right, which
        implies Invoicing (registering payments). Company rules apply to the suggestions and
        their transactions.
        """
        self.check_access("read")
        self._check_clerk(self.statement_line_id)

    @api.model
    def _check_clerk(self, lines):
        """The current user may apply bank payments to invoices on ``lines``."""
        if not self.env.user.has_group("ai_invoicing.group_ai_cash_clerk"):
            raise AccessError(
                self.env._(
                    "Applying bank payments to invoices takes the 'AI Cash Application: Apply "
                    "Bank Payments' right (Settings > Users, Accounting section)."
                )
            )
        lines.check_access("read")
        foreign = lines.company_id - self.env.companies
        if foreign:
            raise AccessError(
                self.env._(
                    "These bank transactions belong to %(companies)s: select the company first.",
                    companies=", ".join(foreign.mapped("name")),
                )
            )

    def action_accept(self):
        """Apply the suggestions: reconcile each transaction with its open items.

        A proposal whose invoices changed since it was made (paid by another transaction,
        partly paid, reset to draft) is not applied: its transaction is matched again and
        the clerk is told why, in plain words.
        """
        self._check_decider()
        if any(suggestion.state != "proposed" for suggestion in self):
            raise UserError(self.env._("Only proposed suggestions can be accepted."))
        agent = self.env["ai.invoice.agent.cash"]
        stale = {s: s.stale_reason for s in self if s.stale_reason}
        fresh = self.filtered(lambda s: s not in stale)
        done, failed = [], []
        if len(self) == 1 and fresh:
            try:
                with self.env.cr.savepoint():
                    fresh._accept()
                done = [fresh]
            except CashConflict as exc:
                stale[fresh] = exc.args[0]
        elif fresh:
            done, failed, conflicts = fresh._accept_many()
            stale.update(conflicts)
        paid_items = self.browse([s.id for s in done]).move_line_ids
        stale = {suggestion.statement_line_id: reason for suggestion, reason in stale.items()}
        others = (
            self.search(
                [
                    ("state", "=", "proposed"),
                    ("move_line_ids", "in", paid_items.ids),
                    ("statement_line_id", "not in", self.statement_line_id.ids),
                ]
            )
            .filtered("stale_reason")
            .statement_line_id
        )
        refreshed = agent._refresh_lines(
            self.env["account.bank.statement.line"].union(*stale) | others
        )
        if len(self) == 1 and done and not others:
            return True
        return self._notify_outcome(done, failed, stale, refreshed, others)

    def action_reject(self, reason=None):
        self._check_decider()
        if any(suggestion.state != "proposed" for suggestion in self):
            raise UserError(self.env._("Only proposed suggestions can be rejected."))
        self._reject(reason=reason)
        return True

    def action_reject_ask(self):
        """Reject from the screen: the clerk says why first."""
        self._check_decider()
        if any(suggestion.state != "proposed" for suggestion in self):
            raise UserError(self.env._("Only proposed suggestions can be rejected."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Suggestion"),
            "res_model": "ai.cash.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_suggestion_ids": self.ids},
        }

    def action_undo(self):
        """Undo an applied match: Odoo's own undo on the transaction (its invoices become
        unpaid again, the suggestion waits for a decision again)."""
        self._check_decider()
        if any(suggestion.state != "accepted" for suggestion in self):
            raise UserError(self.env._("Only applied suggestions can be undone."))
        lines = self.statement_line_id.filtered("is_reconciled")
        # sudo: account.bank.statement.line - Community gives undoing a bank reconciliation
        # to Accounting 'Basic' only, which its user form cannot grant; the cash clerk's right
        # was checked above and only the transactions of these applied suggestions are undone
        lines.sudo().action_undo_reconciliation()
        return True

    def action_manual_match(self):
        """Match this suggestion's transaction by hand instead."""
        self.ensure_one()
        return self.statement_line_id.action_ai_cash_manual_match()

    def action_other_suggestions(self):
        """The other proposed suggestions of this transaction, to choose another one."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ai_invoicing.ai_cash_suggestion_action"
        )
        action.update(
            {
                "name": self.env._(
                    "Suggestions for %(line)s", line=self.statement_line_id.display_name
                ),
                "domain": [
                    ("statement_line_id", "=", self.statement_line_id.id),
                    ("state", "=", "proposed"),
                ],
                "context": {"create": False},
                "target": "current",
            }
        )
        return action

    @api.model
    def action_run_now(self):
        """Start the scheduled cash application now (in the background)."""
        user = self.env.user
        if not (
            user.has_group("ai_invoicing.group_ai_invoicing_reviewer")
            or user.has_group("ai_invoicing.group_ai_cash_clerk")
        ):
            raise AccessError(
                self.env._(
                    "Only AI Invoicing reviewers and cash clerks start the cash application."
                )
            )
        # sudo: ir.cron - scheduled actions are admin configuration; reviewers may only ask
        # the cash application run to start now
        self.env.ref("ai_invoicing.ir_cron_ai_cash_application").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cash application"),
                "message": self.env._(
                    "The new bank transactions are being matched; reload in a moment."
                ),
                "type": "info",
                "sticky": False,
            },
        }

    def action_open_log(self):
        self.ensure_one()
        return self.env["ai.invoice.log"]._ai_action_for([("id", "=", self.log_id.id)])

    def _notify_outcome(self, done, failed, stale=None, refreshed=None, others=None):
        """What a decision did, kept on screen (sticky) when something was not applied."""
        parts = []
        if done:
            parts.append(self.env._("%(count)s transaction(s) reconciled.", count=len(done)))
        for line, reason in (stale or {}).items():
            parts.append(
                self.env._(
                    "Not applied to %(line)s: %(reason)s. The transaction was matched again: "
                    "%(count)s new suggestion(s) wait on this screen.",
                    line=line.display_name,
                    reason=reason.rstrip("."),
                    count=(refreshed or {}).get(line.id, 0),
                )
            )
        if others:
            parts.append(
                self.env._(
                    "The proposals of %(lines)s named the invoices just paid: those "
                    "transactions were matched again.",
                    lines=", ".join(others.mapped("display_name")),
                )
            )
        if failed:
            parts.append(self.env._("Not applied: %(details)s", details="; ".join(failed[:10])))
        warning = bool(failed or stale)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cash application"),
                "message": " ".join(parts) or self.env._("Nothing was applied."),
                "type": "warning" if warning else "success",
                "sticky": warning,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
