# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import operator
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

FOLLOWUP_STATUSES = [
    ("none", "No Follow-up"),
    ("reminded", "Reminded"),
    ("awaiting_approval", "Awaiting Approval"),
    ("escalated", "Escalated"),
    ("promise", "Promise to Pay"),
    ("excluded", "Excluded"),
]
# Only the follow-up path writes these (ai.write.guard.mixin)
AI_FOLLOWUP_FIELDS = frozenset(
    {
        "ai_followup_excluded",
        "ai_followup_promise_date",
        "ai_followup_last_level_id",
        "ai_followup_last_level_sequence",
        "ai_followup_last_sent",
        "ai_followup_status",
        "ai_followup_next_date",
    }
)
_OPERATORS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "!=": operator.ne,
}


class ResPartner(models.Model):
    """A customer's follow-up state (per company, written by the follow-up path only),
    what is open and why it is or is not chased today, and the follow-up actions of the
    Follow-ups screen and the customer form."""

    _name = "res.partner"
    _inherit = ["res.partner", "ai.write.guard.mixin"]

    # ------------------------------------------------------------------
    # Follow-ups (dunning): the state is per company, written by the system
    # (``_ai_followup_write``); clerks change it through the actions below.
    # ------------------------------------------------------------------
    ai_followup_excluded = fields.Boolean(
        string="Excluded from Follow-ups",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="No payment reminder is sent to this customer in this company.",
    )
    ai_followup_promise_date = fields.Date(
        string="Promised Payment Date",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="The customer promised to pay by this date: no reminder until the day after.",
    )
    ai_followup_contact_id = fields.Many2one(
        "res.partner",
        string="Follow-up Contact",
        domain="[('id', 'child_of', commercial_partner_id)]",
        copy=False,
        help="Who receives the payment reminders. Empty: the invoice address of the customer, "
        "else the customer itself.",
    )
    ai_followup_last_level_id = fields.Many2one(
        "ai.dunning.level",
        string="Last Follow-up Level",
        company_dependent=True,
        copy=False,
        readonly=True,
    )
    ai_followup_last_level_sequence = fields.Integer(
        company_dependent=True, copy=False, readonly=True
    )
    ai_followup_last_sent = fields.Date(
        string="Last Reminder", company_dependent=True, copy=False, readonly=True
    )
    ai_followup_status = fields.Selection(
        FOLLOWUP_STATUSES,
        string="Follow-up Status",
        company_dependent=True,
        copy=False,
        readonly=True,
    )
    ai_followup_next_date = fields.Date(
        string="Next Follow-up Action", company_dependent=True, copy=False, readonly=True
    )
    ai_followup_currency_id = fields.Many2one(
        "res.currency", compute="_compute_ai_followup_amounts", string="Follow-up Currency"
    )
    ai_followup_total_due = fields.Monetary(
        string="Total Due",
        compute="_compute_ai_followup_amounts",
        currency_field="ai_followup_currency_id",
        help="Open receivable balance in this company, in company currency (credit notes and "
        "unapplied payments deducted).",
    )
    ai_followup_total_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_ai_followup_amounts",
        search="_search_ai_followup_total_overdue",
        currency_field="ai_followup_currency_id",
        help="Amount due on invoices past their due date in this company, in company currency.",
    )
    ai_followup_to_approve = fields.Boolean(
        string="Reminder to Approve",
        compute="_compute_ai_followup_logs",
        search="_search_ai_followup_to_approve",
    )
    ai_followup_log_count = fields.Integer(
        string="Follow-up Logs", compute="_compute_ai_followup_logs"
    )

    @api.model
    def _ai_guarded_fields(self):
        return super()._ai_guarded_fields() | AI_FOLLOWUP_FIELDS

    @api.model
    def _ai_guard_refused(self):
        return self.env._(
            "The follow-up state of a customer changes only through the follow-up actions "
            "(Run Follow-ups, Promise to Pay, Exclude), by an AI Invoicing reviewer."
        )

    def _ai_followup_write(self, vals):
        """The follow-up path's own writes of the state fields (current company)."""
        # sudo: res.partner - the follow-up state is the system's, written by the agent and
        # by reviewers' follow-up actions (checked before); neither needs to edit contacts
        return self.sudo()._ai_guarded_write(vals)

    def _ai_followup_activity(self, act_type_xmlid, summary, note, user, date_deadline=None):
        """A follow-up activity on this customer for ``user`` (approval, call, letter, ...)."""
        self.ensure_one()
        # sudo: mail.activity - follow-up activities are the system's; the agent and the
        # reviewers need not edit contacts to receive them
        activity = self.sudo().activity_schedule(
            act_type_xmlid,
            date_deadline=date_deadline,
            summary=summary,
            note=note,
            user_id=user.id,
        )
        return activity.sudo(False)

    def _ai_followup_ensure_clerk(self):
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can manage customer follow-ups.")
            )
        self.check_access("read")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _ai_followup_open_domain(self, company):
        """Open receivable items of posted entries in ``company``."""
        return [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
        ]

    def _ai_followup_sums(self, extra_domain, partner_ids=None):
        """{commercial partner id: sum of amount_residual} in the current company."""
        domain = self._ai_followup_open_domain(self.env.company) + extra_domain
        if partner_ids is not None:
            domain.append(("partner_id.commercial_partner_id", "in", partner_ids))
        # sudo: account.move.line - receivable totals for the follow-up screen, current
        # company only; AI Invoicing users may not read journal items themselves
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(domain, ["partner_id"], ["amount_residual:sum"])
        )
        sums = defaultdict(float)
        for partner, amount in groups:
            sums[partner.commercial_partner_id.id] += amount
        return sums

    ai_followup_status_display = fields.Selection(
        FOLLOWUP_STATUSES,
        string="Follow-up",
        compute="_compute_ai_followup_status_display",
        help="The follow-up status; a customer never followed up reads No Follow-up.",
    )
    ai_followup_reason = fields.Char(
        string="Why",
        compute="_compute_ai_followup_reason",
        groups="ai_invoicing.group_ai_invoicing_user",
        help="Why the follow-up run reminds this customer today, or why it does not.",
    )
    ai_followup_open_invoice_ids = fields.Many2many(
        "account.move",
        string="Open Invoices",
        compute="_compute_ai_followup_open_invoice_ids",
        groups="ai_invoicing.group_ai_invoicing_user",
        help="The customer's posted invoices with an amount due in this company.",
    )
    ai_followup_log_ids = fields.Many2many(
        "ai.invoice.log",
        string="Reminders and Promises",
        compute="_compute_ai_followup_log_ids",
        groups="ai_invoicing.group_ai_invoicing_user",
    )

    @api.depends_context("company")
    @api.depends("ai_followup_status")
    def _compute_ai_followup_status_display(self):
        for partner in self:
            partner.ai_followup_status_display = partner.ai_followup_status or "none"

    @api.depends_context("company")
    def _compute_ai_followup_reason(self):
        """Today's plan of the customer in plain words. Planned per customer: shown on the
        customer's form (one record), not in lists."""
        planner = self.env["ai.dunning.planner"]
        today = fields.Date.context_today(self)
        company = self.env.company
        for partner in self:
            if len(self) > 1 or not partner.id or (partner.parent_id and not partner.is_company):
                partner.ai_followup_reason = False
                continue
            # sudo: ai.invoice.log - the planner reads the reminders already sent, whoever looks
            plan, _data = planner.sudo()._plan_partner(company, partner, today)
            if plan is not None and plan.send:
                reason = self.env._("Due for a reminder: level '%(level)s'.", level=plan.level.name)
            elif plan is not None and plan.escalate:
                reason = self.env._(
                    "Escalated: the last level was sent and the customer still has not paid."
                )
            else:
                reason = self.env._("Not chased today: %(why)s.", why=planner._skip_text(plan))
            partner.ai_followup_reason = reason

    @api.depends_context("company")
    def _compute_ai_followup_open_invoice_ids(self):
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            order="invoice_date_due, id",
        )
        by_partner = moves.grouped("commercial_partner_id")
        for partner in self:
            partner.ai_followup_open_invoice_ids = by_partner.get(
                partner.commercial_partner_id, moves.browse()
            )

    @api.depends_context("company")
    def _compute_ai_followup_log_ids(self):
        logs = self.env["ai.invoice.log"].search(
            [
                ("agent", "=", "dunning"),
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ],
            order="id desc",
        )
        by_partner = logs.grouped("partner_id")
        for partner in self:
            partner.ai_followup_log_ids = by_partner.get(
                partner.commercial_partner_id, logs.browse()
            )

    @api.depends_context("company")
    def _compute_ai_followup_amounts(self):
        today = fields.Date.context_today(self)
        ids = self.commercial_partner_id.ids
        totals = self._ai_followup_sums([], ids)
        overdue = self._ai_followup_sums(
            [("date_maturity", "<", today), ("amount_residual", ">", 0)], ids
        )
        currency = self.env.company.currency_id
        for partner in self:
            commercial = partner.commercial_partner_id.id
            partner.ai_followup_currency_id = currency
            partner.ai_followup_total_due = totals.get(commercial, 0.0)
            partner.ai_followup_total_overdue = overdue.get(commercial, 0.0)

    def _search_ai_followup_total_overdue(self, operator, value):
        compare = _OPERATORS.get(operator)
        if compare is None or not isinstance(value, int | float):
            return NotImplemented
        today = fields.Date.context_today(self)
        overdue = self._ai_followup_sums(
            [("date_maturity", "<", today), ("amount_residual", ">", 0)]
        )
        if compare(0.0, value):  # partners without overdue items match too
            excluded = [pid for pid, amount in overdue.items() if not compare(amount, value)]
            return [("id", "not in", excluded)]
        return [("id", "in", [pid for pid, amount in overdue.items() if compare(amount, value)])]

    def _ai_followup_log_groups(self, extra_domain, partner_ids=None):
        domain = [
            ("agent", "=", "dunning"),
            ("company_id", "=", self.env.company.id),
            ("partner_id", "!=", False),
        ] + extra_domain
        if partner_ids is not None:
            domain.append(("partner_id", "in", partner_ids))
        # sudo: ai.invoice.log - counts on a customer anyone may open; the logs
        # themselves stay readable by AI Invoicing users only
        return dict(
            self.env["ai.invoice.log"].sudo()._read_group(domain, ["partner_id"], ["__count"])
        )

    @api.depends_context("company")
    def _compute_ai_followup_logs(self):
        ids = self.commercial_partner_id.ids
        counts = self._ai_followup_log_groups([], ids)
        pending = self._ai_followup_log_groups([("state", "=", "needs_review")], ids)
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.ai_followup_log_count = counts.get(commercial, 0)
            partner.ai_followup_to_approve = bool(pending.get(commercial))

    def _search_ai_followup_to_approve(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        ids = [p.id for p in self._ai_followup_log_groups([("state", "=", "needs_review")])]
        return [("id", "in" if (operator == "=") == value else "not in", ids)]

    @api.constrains("ai_followup_contact_id")
    def _check_ai_followup_contact(self):
        for partner in self:
            contact = partner.ai_followup_contact_id
            if contact and contact.commercial_partner_id != partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The follow-up contact of %(partner)s must be one of its own contacts: "
                        "%(contact)s belongs to %(other)s.",
                        partner=partner.commercial_partner_id.display_name,
                        contact=contact.display_name,
                        other=contact.commercial_partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _ai_followup_contact(self):
        """Who receives the reminders: the chosen contact, else the invoice address.

        A chosen contact that no longer belongs to the customer (moved to another company,
        archived) is ignored: its reminder would show this customer's amounts and payment
        links to a stranger.
        """
        self.ensure_one()
        partner = self.commercial_partner_id
        contact = partner.ai_followup_contact_id
        if contact and contact.active and contact.commercial_partner_id == partner:
            return contact
        return self.browse(partner.address_get(["invoice"])["invoice"])

    def _ai_followup_state_vals(self):
        """The follow-up state as stored now (restored when a reminder is withdrawn)."""
        self.ensure_one()
        return {
            "ai_followup_last_level_id": self.ai_followup_last_level_id.id,
            "ai_followup_last_level_sequence": self.ai_followup_last_level_sequence,
            "ai_followup_last_sent": fields.Date.to_string(self.ai_followup_last_sent),
            "ai_followup_status": self.ai_followup_status or "none",
            "ai_followup_next_date": fields.Date.to_string(self.ai_followup_next_date),
        }

    # ------------------------------------------------------------------
    # Actions (Follow-ups screen and customer form)
    # ------------------------------------------------------------------
    def action_ai_followup_run(self):
        """Plan the follow-ups of these customers now (or of every customer)."""
        self._ai_followup_ensure_clerk()
        company = self.env.company
        stats = self.env["ai.dunning.planner"]._run_followups(
            company, partners=self.commercial_partner_id or None, trigger="manual"
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Follow-ups planned"),
                "message": self.env._(
                    "%(customers)s customer(s) checked: %(queued)s reminder(s) queued, "
                    "%(skipped)s not reminded today.",
                    customers=stats["customers"],
                    queued=stats["queued"],
                    skipped=stats["customers"] - stats["queued"],
                ),
                "type": "success",
                "sticky": True,  # the run's result stays until the clerk closes it
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_ai_followup_exclude(self):
        self._ai_followup_ensure_clerk()
        self._ai_followup_write(
            {
                "ai_followup_excluded": True,
                "ai_followup_status": "excluded",
                "ai_followup_next_date": False,
            }
        )
        for partner in self:
            partner._message_log(
                body=self.env._(
                    "Excluded from follow-ups in %(company)s by %(user)s.",
                    company=self.env.company.name,
                    user=self.env.user.name,
                )
            )
        return True

    def action_ai_followup_include(self):
        self._ai_followup_ensure_clerk()
        self._ai_followup_write({"ai_followup_excluded": False, "ai_followup_status": "none"})
        for partner in self:
            partner._message_log(
                body=self.env._(
                    "Follow-ups resumed in %(company)s by %(user)s.",
                    company=self.env.company.name,
                    user=self.env.user.name,
                )
            )
        return True

    def action_ai_followup_promise(self):
        self.ensure_one()
        self._ai_followup_ensure_clerk()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Promise to Pay"),
            "res_model": "ai.dunning.promise.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def _ai_followup_pending_logs(self):
        # sudo: ai.invoice.log - the reminder waiting for approval of these customers
        return (
            self.env["ai.invoice.log"]
            .sudo()
            .search(
                [
                    ("agent", "=", "dunning"),
                    ("state", "=", "needs_review"),
                    ("company_id", "=", self.env.company.id),
                    ("partner_id", "in", self.commercial_partner_id.ids),
                ]
            )
        )

    def action_ai_followup_approve(self):
        """Send the reminders waiting for approval."""
        self._ai_followup_ensure_clerk()
        logs = self._ai_followup_pending_logs()
        if not logs:
            raise UserError(self.env._("No reminder of these customers waits for approval."))
        self.env["ai.invoice.agent.dunning"]._approve(logs.sudo(False))
        return True

    def action_ai_followup_reject(self):
        """Do not send the reminders waiting for approval (the level counts as handled)."""
        self._ai_followup_ensure_clerk()
        logs = self._ai_followup_pending_logs()
        if not logs:
            raise UserError(self.env._("No reminder of these customers waits for approval."))
        self.env["ai.invoice.agent.dunning"]._reject(logs.sudo(False))
        return True

    def action_ai_followup_logs(self):
        self.ensure_one()
        return self.env["ai.invoice.log"]._ai_action_for(
            [("agent", "=", "dunning"), ("partner_id", "=", self.commercial_partner_id.id)]
        )

    def action_ai_followup_print_letter(self):
        """The letter of the latest reminder of this customer (PDF)."""
        self.ensure_one()
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_user"):
            raise AccessError(self.env._("Only AI Invoicing users can print reminder letters."))
        log = self.env["ai.invoice.log"].search(
            [
                ("agent", "=", "dunning"),
                ("partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
                ("decision", "in", ("sent", "held_for_review")),
            ],
            order="id desc",
            limit=1,
        )
        if not log:
            raise UserError(
                self.env._(
                    "%(partner)s has not been reminded yet in %(company)s: run the follow-ups "
                    "first.",
                    partner=self.commercial_partner_id.display_name,
                    company=self.env.company.name,
                )
            )
        return self.env.ref("ai_invoicing.action_report_ai_followup_letter").report_action(log)
