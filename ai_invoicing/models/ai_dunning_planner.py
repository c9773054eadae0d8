# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from markupsafe import Markup

from odoo import api, fields, models

from ..services import dunning
from ..services.dunning import CustomerState, OpenItem, ReminderPlan
from .res_partner_followup import AI_FOLLOWUP_FIELDS

_logger = logging.getLogger(__name__)

BATCH_SIZE = 200
HISTORY_DAYS = 365  # payment behaviour is read over the last year


class DunningRequest(NamedTuple):
    """What the planner hands to the dunning agent for one customer."""

    partner: models.BaseModel
    plan: ReminderPlan
    company: models.BaseModel


@dataclass
class DunningData:
    """A batch of customers as the planner read it (constant queries per batch)."""

    partners: models.BaseModel
    items: list = field(default_factory=list)
    states: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)  # OpenItem.id (journal item id) -> line


class AiDunningPlanner(models.AbstractModel):
    """Plans the follow-ups of a company: which customers to remind today, at which level.

    Reads the open receivable items of a batch of customers in a constant number of queries,
    hands them to ``services.dunning.plan_reminders`` and queues one ``ai.invoice.agent.dunning``
    job per customer to remind (deduplicated on customer, level and day, so that an interrupted
    run started again queues nothing twice). Customers not reminded get their status and next
    action date; a customer who becomes escalated gets one activity for the follow-up
    responsible.
    """

    _name = "ai.dunning.planner"
    _description = "AI Follow-up Planner"

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------
    @api.model
    def _cron_run_followups(self, batch_size=BATCH_SIZE):
        """Daily run: every company with automatic follow-ups, committed batch by batch."""
        for company in self.env["res.company"].search([("ai_followup_enabled", "=", True)]):
            self.with_company(company)._run_followups(
                company, trigger="followup_cron", batch_size=batch_size, commit=True
            )

    @api.model
    def _run_followups(
        self,
        company,
        partners=None,
        trigger="manual",
        batch_size=BATCH_SIZE,
        today=None,
        commit=False,
    ):
        """Plan the follow-ups of ``company`` (of ``partners`` only when given), in batches."""
        self = self.with_company(company)
        today = today or fields.Date.context_today(self)
        _records, levels = self._levels(company)
        partner_ids = self._candidate_partner_ids(company, partners)
        stats = Counter(customers=0, queued=0)
        Partner = self.env["res.partner"].with_company(company)
        for start in range(0, len(partner_ids), batch_size):
            batch = Partner.browse(partner_ids[start : start + batch_size])
            stats.update(self._plan_batch(company, batch, levels, today, trigger))
            if commit:
                remaining = max(len(partner_ids) - start - batch_size, 0)
                self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining)
        _logger.info("AI follow-ups of %s on %s: %s", company.name, today, dict(stats))
        return stats

    @api.model
    def _levels(self, company):
        """The company's active levels (the defaults are created on first use)."""
        Level = self.env["ai.dunning.level"]
        Level._ensure_default_levels(company)
        records = Level.search([("company_id", "=", company.id)])
        return records, records._to_levels()

    @api.model
    def _candidate_partner_ids(self, company, partners=None):
        """Customers with open receivable items, or with a follow-up state to update."""
        Partner = self.env["res.partner"].with_company(company)
        domain = Partner._ai_followup_open_domain(company)
        state_domain = [("ai_followup_status", "in", ("reminded", "escalated", "promise"))]
        if partners is not None:
            commercial_ids = partners.commercial_partner_id.ids
            domain.append(("partner_id.commercial_partner_id", "in", commercial_ids))
            state_domain.append(("id", "in", commercial_ids))
        groups = self.env["account.move.line"]._read_group(domain, ["partner_id"])
        ids = {partner.commercial_partner_id.id for (partner,) in groups if partner}
        ids.update(Partner.search(state_domain).ids)
        return sorted(ids)

    @api.model
    def _plan_batch(self, company, partners, levels, today, trigger):
        data = self._gather(company, partners)
        plans = self._plan(company, data, levels, today)
        to_send, by_hand = self._split_by_hand(data, [plan for plan in plans if plan.send], today)
        logs = self.env["ai.invoice.agent.dunning"]._enqueue(
            [
                DunningRequest(data.partners.browse(plan.partner_id), plan, company)
                for plan in to_send
            ],
            trigger,
        )
        self._store_statuses(company, data, [plan for plan in plans if not plan.send], today)
        stats = Counter(plan.skipped or "to_send" for plan in plans)
        stats.update(customers=len(plans), queued=len(logs), by_hand=len(by_hand))
        return stats

    @api.model
    def _split_by_hand(self, data, plans, today):
        """(plans the run sends, plans left to a clerk): customers in manual follow-up mode
        and customers whose next reminder a clerk postponed are not sent by a run; a manual
        customer due today shows under Requires Follow-up (next action today)."""
        partners = data.partners
        partners.fetch(["ai_followup_mode", "ai_followup_hold_until"])
        to_send, by_hand, due_today = [], [], []
        for plan in plans:
            partner = partners.browse(plan.partner_id)
            hold = partner.ai_followup_hold_until
            if hold and hold > today:
                by_hand.append(plan)
            elif partner.ai_followup_mode == "manual":
                by_hand.append(plan)
                if partner.ai_followup_next_date != today:
                    due_today.append(partner.id)
            else:
                to_send.append(plan)
        if due_today:
            partners.browse(due_today)._ai_followup_write({"ai_followup_next_date": today})
        return to_send, by_hand

    # ------------------------------------------------------------------
    # Reading Odoo data (constant number of queries per batch)
    # ------------------------------------------------------------------
    @api.model
    def _gather(self, company, partners):
        partners = partners.with_company(company)
        lines = self.env["account.move.line"].search_fetch(
            partners._ai_followup_open_domain(company)
            + [("partner_id.commercial_partner_id", "in", partners.ids)],
            [
                "move_id",
                "partner_id",
                "currency_id",
                "amount_residual",
                "amount_residual_currency",
                "date_maturity",
                "no_followup",
            ],
            order="id",
        )
        lines.move_id.fetch(
            [
                "name",
                "move_type",
                "payment_state",
                "ai_followup_blocked",
                "invoice_date_due",
                "date",
            ]
        )
        (partners | lines.partner_id).fetch(["commercial_partner_id", *AI_FOLLOWUP_FIELDS])
        lines.currency_id.fetch(["name"])
        data = DunningData(partners=partners)
        for line in lines:
            item = self._open_item(line, company)
            if item:
                data.items.append(item)
                data.lines[item.id] = line
        data.states = {partner.id: self._customer_state(partner) for partner in partners}
        return data

    @api.model
    def _open_item(self, line, company):
        """The planner's view of one open receivable item (None: not a follow-up item)."""
        move = line.move_id
        currency = line.currency_id or company.currency_id
        amount = line.amount_residual_currency
        if currency == company.currency_id:
            amount = line.amount_residual
        if currency.is_zero(amount):
            return None  # only an exchange difference is left
        is_invoice = move.move_type in ("out_invoice", "out_refund", "out_receipt")
        if not is_invoice and line.no_followup:
            return None  # Odoo's "No Follow-Up" (miscellaneous entries by default)
        if amount > 0:
            if move.move_type == "out_refund":
                return None
            kind = "invoice"
        else:
            kind = "credit_note" if move.move_type == "out_refund" else "payment"
        blocked = move.ai_followup_blocked or move.payment_state == "blocked" or line.no_followup
        return OpenItem(
            id=line.id,
            name=move.name,
            partner_id=line.partner_id.commercial_partner_id.id,
            currency=currency.name,
            amount_residual=abs(amount),
            due_date=line.date_maturity or move.invoice_date_due or move.date,
            in_payment=move.payment_state == "in_payment",
            blocked=bool(blocked),
            kind=kind,
        )

    @api.model
    def _customer_state(self, partner):
        sent = partner.ai_followup_last_sent
        return CustomerState(
            partner_id=partner.id,
            last_level_id=partner.ai_followup_last_level_id.id or None,
            last_level_sequence=partner.ai_followup_last_level_sequence if sent else None,
            last_sent_date=sent or None,
            promise_until=partner.ai_followup_promise_date or None,
            excluded=partner.ai_followup_excluded,
        )

    @api.model
    def _plan(self, company, data, levels, today):
        min_amount = company.ai_followup_min_amount
        convert = self._converter(company, data, today) if min_amount else None
        return dunning.plan_reminders(
            data.items,
            data.states,
            levels,
            today,
            min_amount=min_amount or 0.0,
            convert=convert,
            escalation_delay_days=max(company.ai_followup_escalation_days, 0),
        )

    @api.model
    def _converter(self, company, data, today):
        """Amount in a currency -> company currency at today's rate (one query per batch)."""
        currencies = company.currency_id.browse(
            {line.currency_id.id for line in data.lines.values()} | {company.currency_id.id}
        )
        rates = currencies._get_rates(company, today)
        by_name = {currency.name: currency.id for currency in currencies}
        company_rate = rates[company.currency_id.id]

        def convert(amount, currency_name):
            return amount * company_rate / rates[by_name[currency_name]]

        return convert

    # ------------------------------------------------------------------
    # Customers not reminded today: status, next action, escalation
    # ------------------------------------------------------------------
    @api.model
    def _store_statuses(self, company, data, plans, today):
        groups = defaultdict(list)
        escalated = []
        for plan in plans:
            partner = data.partners.browse(plan.partner_id)
            status, next_date = dunning.followup_status(data.states[partner.id], plan, today)
            stored = partner.ai_followup_status or "none"
            if stored == "awaiting_approval":
                continue  # its held reminder decides: approved (reminded) or rejected
            if (status, next_date or False) != (stored, partner.ai_followup_next_date):
                groups[(status, next_date or False)].append(partner.id)
                if status == "escalated" and stored != "escalated":
                    escalated.append((partner, plan))
        for (status, next_date), ids in groups.items():
            data.partners.browse(ids)._ai_followup_write(
                {"ai_followup_status": status, "ai_followup_next_date": next_date}
            )
        for partner, plan in escalated:
            self._escalate(company, partner, plan, data, today)

    @api.model
    def _escalate(self, company, partner, plan, data, today):
        """The last level did not get the customer to pay: a person takes over."""
        responsible = company._ai_followup_responsible(partner)
        level = partner.ai_followup_last_level_id
        reason = self.env._(
            "The last follow-up level (%(level)s) was sent on %(date)s and %(count)s invoice(s) "
            "remain unpaid: %(invoices)s.",
            level=level.name or "-",
            date=partner.ai_followup_last_sent or "-",
            count=len(plan.invoices),
            invoices=", ".join(item.name for item in plan.invoices),
        )
        partner._ai_followup_activity(
            "mail.mail_activity_data_todo",
            self.env._("Escalated follow-up: call the customer or take further steps"),
            Markup("<p>%s</p>") % reason,
            responsible,
            date_deadline=today,
        )
        self.env["ai.invoice.agent"]._chatter(
            partner,
            self.env._(
                "Follow-up escalated to %(user)s. %(reason)s", user=responsible.name, reason=reason
            ),
        )

    # ------------------------------------------------------------------
    # One customer, for the job (re-validation at run time)
    # ------------------------------------------------------------------
    @api.model
    def _plan_partner(self, company, partner, today):
        """Today's plan of one customer from fresh data, and the data it came from."""
        self = self.with_company(company)
        _records, levels = self._levels(company)
        data = self._gather(company, partner.commercial_partner_id)
        plans = self._plan(company, data, levels, today)
        return (plans[0] if plans else None), data

    @api.model
    def _payment_history(self, company, partner, today):
        """(due date, paid date, amount, settled) per payment received on an invoice."""
        partials = self.env["account.partial.reconcile"].search_fetch(
            [
                ("company_id", "=", company.id),
                ("max_date", ">=", today - timedelta(days=HISTORY_DAYS)),
                ("debit_move_id.partner_id.commercial_partner_id", "=", partner.id),
                ("debit_move_id.account_type", "=", "asset_receivable"),
                ("debit_move_id.move_id.move_type", "in", ("out_invoice", "out_receipt")),
                ("credit_move_id.move_id.move_type", "!=", "out_refund"),
            ],
            ["debit_move_id", "amount", "max_date"],
            order="max_date, id",
        )
        partials.debit_move_id.fetch(["date_maturity", "reconciled", "date"])
        by_line = defaultdict(list)
        for partial in partials:
            by_line[partial.debit_move_id].append(partial)
        history = []
        for line, line_partials in by_line.items():
            due = line.date_maturity or line.date
            for index, partial in enumerate(line_partials):
                last = index == len(line_partials) - 1
                history.append((due, partial.max_date, partial.amount, last and line.reconciled))
        return history

    @api.model
    def _skip_text(self, plan):
        """Why a customer is not reminded, for a person."""
        if plan is not None and plan.skipped == dunning.SKIP_PROMISE:
            return self.env._(
                "the customer promised to pay by %(date)s",
                date=plan.next_action_date - timedelta(days=1),
            )
        texts = {
            dunning.SKIP_EXCLUDED: self.env._("the customer is excluded from follow-ups"),
            dunning.SKIP_NOTHING_DUE: self.env._("nothing is due"),
            dunning.SKIP_IN_PAYMENT: self.env._("the overdue invoices are being paid"),
            dunning.SKIP_BLOCKED: self.env._("the overdue invoices are disputed or blocked"),
            dunning.SKIP_CREDITED: self.env._(
                "credit notes and unapplied payments cover the amount due"
            ),
            dunning.SKIP_BELOW_MINIMUM: self.env._("the amount due is below the company minimum"),
            dunning.SKIP_ALREADY_SENT: self.env._("this level was already sent"),
        }
        if plan is None:
            return texts[dunning.SKIP_NOTHING_DUE]
        return texts.get(plan.skipped, plan.skipped or "")
