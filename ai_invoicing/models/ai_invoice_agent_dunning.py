# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError
from odoo.tools import plaintext2html

from odoo.addons.queue_job.exception import RetryableJobError

from ..services import dunning, templates
from ..services.dunning import PAYMENT_LINK_PLACEHOLDER, CustomerState
from ..services.guardrails import AllowedOutput
from ..services.llm_schemas import DunningReminder
from ..services.prompts import DUNNING_REMINDER


class AiInvoiceAgentDunning(models.AbstractModel):
    """Sends one payment reminder to one customer: every overdue invoice, one message.

    The planner (``ai.dunning.planner``) queues one log per customer to remind, with the
    plan it made; the job plans that customer again from fresh data (paid, promised,
    excluded or already reminded meanwhile: nothing is sent), writes the message in the
    customer's language (the LLM through the guarded path, else the level's template),
    stores the level on the customer in the same transaction and sends it by the level's
    action, or holds it for approval.
    """

    _name = "ai.invoice.agent.dunning"
    _inherit = "ai.invoice.agent"
    _description = "AI Invoicing Agent: Dunning"
    _agent = "dunning"

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is a ``DunningRequest``: the customer and today's plan for it."""
        plan = record.plan
        return {
            "trigger": trigger,
            "company_id": record.company.id,
            "partner_id": record.partner.id,
            "dunning_level_id": plan.level.id,
            "dunning_date": plan.as_of,
            "source_data": {"planned": self._plan_snapshot(plan)},
        }

    @api.model
    def _dedup_key(self, vals):
        """One reminder per customer, level and day (queued, sent or held)."""
        return "partner:{}:level:{}:{}".format(
            vals["partner_id"], vals.get("dunning_level_id") or "", vals["dunning_date"]
        )

    @api.model
    def _document(self, log):
        return log.partner_id

    @api.model
    def _chunk_description(self, logs):
        if len(logs) == 1:
            return self.env._("AI follow-ups: 1 customer")
        return self.env._("AI follow-ups: %(count)s customers", count=len(logs))

    @api.model
    def _plan_snapshot(self, plan):
        return {
            "as_of": str(plan.as_of),
            "level": plan.level.name,
            "invoices": [item.name for item in plan.invoices],
            "totals": [
                {"currency": t.currency, "due": t.due, "credits": t.credits, "balance": t.balance}
                for t in plan.totals
            ],
        }

    @api.model
    def _failure_document(self, log):
        # sudo: res.partner - the failure note and activity are the system's; the agent
        # user need not edit contacts
        return log.partner_id.sudo()

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        partner = log.partner_id
        company = log.company_id
        if not partner:
            raise UserError(self.env._("The log has no customer to remind."))
        self._lock_partner_or_retry(partner)
        partner = partner.with_company(company)
        today = fields.Date.context_today(self)
        plan, data = self.env["ai.dunning.planner"]._plan_partner(company, partner, today)
        manual = (log.source_data or {}).get("manual")
        hold = partner.ai_followup_hold_until
        if not manual and plan is not None and plan.send and hold and hold > today:
            return self._skip(
                log,
                self.env._(
                    "%(partner)s was not reminded: the next reminder was postponed to %(date)s.",
                    partner=partner.display_name,
                    date=self._wording().date(hold),
                ),
            )
        if not (plan is not None and plan.send) and not (manual and self._manual_sendable(plan)):
            return self._skip(
                log,
                self.env._(
                    "%(partner)s was not reminded: %(reason)s.",
                    partner=partner.display_name,
                    reason=self.env["ai.dunning.planner"]._skip_text(plan),
                ),
            )
        level = self.env["ai.dunning.level"].browse(plan.level.id)
        clerk_text = bool(manual and manual.get("body"))
        # the clerk's text replaces the composed one: no LLM call for a text nobody reads
        composer = self.with_context(ai_followup_clerk_text=True) if clerk_text else self
        message = composer._compose(company, partner, plan, data, level, today)
        if clerk_text:
            # the clerk's own text (Send & Print): theirs to write, the facts stay Odoo's
            message["subject"] = manual.get("subject") or message["subject"]
            message["body"] = dunning.insert_payment_link(manual["body"], message["link_text"])
        state_before = partner._ai_followup_state_vals()
        self._store_sent(partner, plan, today)
        vals = self._reminder_log_vals(plan, level, message, state_before)
        vals["source_data"]["planned"] = (log.source_data or {}).get("planned")
        if manual:
            vals["source_data"]["manual"] = manual
            if manual.get("body"):
                vals["source_data"]["text_source"] = "clerk"
        if level.needs_approval and not manual:
            # not "Reminded": nothing went out until a reviewer approves it
            partner._ai_followup_write({"ai_followup_status": "awaiting_approval"})
            activity = self._ask_approval(log, partner, level, message)
            vals["source_data"]["approval_activity_id"] = activity.id
            return self._done(
                log,
                dict(
                    vals,
                    state="needs_review",
                    decision="held_for_review",
                    review_required=True,
                    review_reason=self.env._(
                        "The level '%(level)s' needs approval before it is sent.",
                        level=level.name,
                    ),
                ),
            )
        log._system_write(vals)  # the letter is printed from the log
        channel = self._deliver(log, partner, level, self._stored_message(log))
        rationale = self._rationale(log, channel)
        if manual:
            rationale += " " + self.env._(
                "Sent by %(user)s from Send & Print.", user=log.user_id.name or ""
            )
        return self._done(log, {"decision": "sent", "rationale": rationale})

    @api.model
    def _manual_sendable(self, plan):
        """A clerk may send a reminder by hand when invoices are due, even when the level
        was already sent or the amount is below the minimum (not to an excluded customer,
        nor during a promise to pay)."""
        return (
            plan is not None
            and bool(plan.invoices)
            and plan.skipped in (None, dunning.SKIP_ALREADY_SENT, dunning.SKIP_BELOW_MINIMUM)
        )

    @api.model
    def _delay(self, logs):
        """Send & Print runs its reminders at once, in the clerk's request (no job)."""
        if self.env.context.get("ai_followup_send_now"):
            return
        return super()._delay(logs)

    @api.model
    def _lock_partner_or_retry(self, partner):
        """One follow-up job per customer at a time; busy: queue_job retries later.

        The row lock still lets other transactions reference the customer (post its
        invoices, register its payments) while the reminder is written.
        """
        try:
            partner.lock_for_update(allow_referencing=True)
        except LockError as exc:
            # no ``seconds``: the job function's retry pattern applies
            raise RetryableJobError(
                self.env._("%(partner)s is being followed up by another job.", partner=partner.name)
            ) from exc

    # ------------------------------------------------------------------
    # The message
    # ------------------------------------------------------------------
    @api.model
    def _llm_gateway(self, company):
        # no LLM for a reminder whose text a clerk wrote (Send & Print): the template
        # stands in for the facts, the clerk's text is sent
        if self.env.context.get("ai_followup_clerk_text"):
            return None
        return super()._llm_gateway(company)

    @api.model
    def _compose(self, company, partner, plan, data, level, today):
        """Recipient, language, facts and the guarded text of one reminder."""
        contact = partner._ai_followup_contact()
        lang = self._customer_lang(contact.lang and contact or partner, company)
        agent = self.with_context(lang=lang)
        wording = agent._wording(lang)
        currencies = {line.currency_id.name: line.currency_id for line in data.lines.values()}
        formatted = {
            key: agent._money(amount, currencies[currency])
            for key, (amount, currency) in dunning.amounts_to_format(plan).items()
        }
        planner = self.env["ai.dunning.planner"]
        behaviour = dunning.payment_behaviour(planner._payment_history(company, partner, today))
        reminders, promises = self._history(company, partner, data, today)
        facts = dunning.reminder_facts(
            plan,
            behaviour,
            reminders,
            promises,
            formatted,
            partner_name=partner.name or "",
            format_date=wording.date,
        )
        facts["level"] = level.with_context(lang=lang).name
        facts["language"] = lang
        allowed = AllowedOutput(
            amounts=frozenset(dunning.allowed_amounts(facts)),
            urls=frozenset({company.get_base_url()}),
        )
        outcome = agent._guarded_text(
            company,
            DUNNING_REMINDER,
            facts,
            {"partner_name": partner.name or ""},
            allowed,
            lambda minimized, _flags: agent._template_reminder(level, minimized, wording),
        )
        if not outcome.fallback_used and any(f.code == "prompt_injection" for f in outcome.flags):
            # customer-written text tried to steer the AI: a reminder is no place to gamble
            outcome.data = agent._template_reminder(level, facts, wording)
            outcome.fallback_used = True
            outcome.fallback_reason = self.env._(
                "Customer data looked like instructions to the AI: the template was used."
            )
        links = self._payment_links(plan, data)
        if len(links) == 1:
            link_text = links[0][1]
        else:
            link_text = "\n" + "\n".join(f"- {name}: {url}" for name, url in links)
        return {
            "contact": contact,
            "lang": lang,
            "subject": outcome.data.subject,
            "body": dunning.insert_payment_link(outcome.data.body, link_text),
            "facts": facts,
            "formatted": formatted,
            "outcome": outcome,
            "links": links,
            "link_text": link_text,
            "risk_note": dunning.risk_note(behaviour, w=self._wording()),
            "lines": data.lines,
        }

    @api.model
    def _payment_links(self, plan, data):
        """(invoice name, secure portal payment link) of each invoice the reminder lists."""
        moves = self.env["account.move"]
        for item in plan.invoices:
            moves |= data.lines[item.id].move_id
        return [(move.name, move._ai_payment_link()) for move in moves if move.is_invoice()]

    @api.model
    def _history(self, company, partner, data, today):
        """Previous reminders (date, level) and promises (made on, until, kept) of the customer."""
        # sudo: ai.invoice.log - the customer's follow-up history, whoever runs the job
        logs = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch(
                [
                    ("agent", "=", self._agent),
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("decision", "in", ("sent", "promise")),
                    # a bounced or unsent reminder was not delivered: not a reminder
                    ("receipt_state", "not in", ("bounced", "exception")),
                ],
                ["decision", "dunning_date", "dunning_level_id", "source_data"],
                order="id",
            )
        )
        still_open = {item.id for item in data.items if item.kind == "invoice"}
        reminders, promises = [], []
        for log in logs:
            if log.decision == "sent":
                reminders.append((log.dunning_date, log.dunning_level_id.name or ""))
                continue
            until = fields.Date.to_date((log.source_data or {}).get("until"))
            if not until or not log.dunning_date:
                continue
            kept = None
            if until < today:
                kept = not (set((log.source_data or {}).get("items") or []) & still_open)
            promises.append((log.dunning_date, until, kept))
        return reminders, promises

    @api.model
    def _template_reminder(self, level, facts, wording):
        """The level's template in the customer's language, else the built-in one
        (``wording`` speaks the customer's language; the environment has it too)."""
        level = level.with_context(lang=self.env.lang)
        subject, body = templates.fallback_dunning_body(facts, facts["tone"], wording)
        if level.mail_body:
            body = self._fill_template(level.mail_body, facts, wording)
        if level.mail_subject:
            subject = self._fill_template(level.mail_subject, facts, wording)
        return DunningReminder(subject=subject[:200] or level.name, body=body[:20000])

    @api.model
    def _fill_template(self, text, facts, wording):
        """A level's own template with its placeholders filled (the same lines as the
        built-in template: ``services/templates.py``)."""
        tokens = {
            "{partner_name}": facts.get("partner_name") or "",
            "{level}": facts.get("level") or "",
            "{invoices}": "\n".join(templates.dunning_invoice_lines(facts, wording)),
            "{totals}": "\n".join(templates.dunning_totals(facts, wording)),
            "{payment_link}": PAYMENT_LINK_PLACEHOLDER,
        }
        for token, value in tokens.items():
            text = text.replace(token, value)
        return text

    # ------------------------------------------------------------------
    # State, log and approval
    # ------------------------------------------------------------------
    @api.model
    def _store_sent(self, partner, plan, today):
        """The level sent (or held for approval), in the same transaction as the message."""
        state = CustomerState(partner.id, plan.level.id, plan.level.sequence, plan.as_of)
        status, next_date = dunning.followup_status(state, plan, today)
        partner._ai_followup_write(
            {
                "ai_followup_last_level_id": plan.level.id,
                "ai_followup_last_level_sequence": plan.level.sequence,
                "ai_followup_last_sent": plan.as_of,
                "ai_followup_status": status,
                "ai_followup_next_date": next_date or False,
                "ai_followup_promise_date": False,
            }
        )

    @api.model
    def _reminder_log_vals(self, plan, level, message, state_before):
        contact, formatted, lines = message["contact"], message["formatted"], message["lines"]
        outcome = message["outcome"]
        flags = [flag.model_dump() for flag in outcome.flags]
        if message["risk_note"]:
            flags.append(
                {"code": "payment_risk", "severity": "warning", "message": message["risk_note"]}
            )
        currency = self.env["res.currency"]
        amount = 0.0
        if len(plan.totals) == 1:
            currency = currency.search([("name", "=", plan.totals[0].currency)], limit=1)
            amount = plan.totals[0].balance
        return {
            "dunning_level_id": level.id,
            "dunning_date": plan.as_of,
            "currency_id": currency.id,
            "amount_total": amount,
            "flags": flags,
            **outcome.log_vals(),
            "source_data": {
                "as_of": str(plan.as_of),
                "level": level.name,
                "level_id": level.id,
                "action": level.action,
                "tone": level.tone,
                "needs_approval": level.needs_approval,
                "contact": {
                    "id": contact.id,
                    "name": contact.display_name,
                    "email": contact.email or "",
                },
                "lang": message["lang"],
                "invoices": [
                    {
                        "line_id": item.id,
                        "move_id": lines[item.id].move_id.id,
                        "name": item.name,
                        "due_date": str(item.due_date),
                        "days_overdue": plan.days_overdue(item),
                        "currency": item.currency,
                        "residual": item.amount_residual,
                        "amount_due": formatted[f"invoice:{item.id}"],
                    }
                    for item in plan.invoices
                ],
                "totals": message["facts"]["totals"],
                "subject": message["subject"],
                "body": message["body"],
                "payment_links": message["links"],
                "text_source": "template" if outcome.fallback_used else "llm",
                "risk_note": message["risk_note"],
                "facts": message["facts"],
                "state_before": state_before,
            },
        }

    @api.model
    def _stored_message(self, log):
        data = log.source_data or {}
        return {
            "contact": self.env["res.partner"].browse(data["contact"]["id"]).exists(),
            "lang": data.get("lang") or "en_US",
            "subject": data["subject"],
            "body": data["body"],
        }

    @api.model
    def _ask_approval(self, log, partner, level, message):
        responsible = log.company_id._ai_followup_responsible(partner)
        note = Markup("<p>%s</p><p><strong>%s</strong></p>%s") % (
            self.env._(
                "The reminder '%(level)s' to %(contact)s waits for your approval on the "
                "Follow-ups screen (Approve or Reject).",
                level=level.name,
                contact=message["contact"].display_name,
            ),
            message["subject"],
            plaintext2html(message["body"]),
        )
        activity = partner._ai_followup_activity(
            "mail.mail_activity_data_todo",
            self.env._("Approve the follow-up reminder: %(level)s", level=level.name),
            note,
            responsible,
        )
        self._chatter(
            partner,
            self.env._(
                "Reminder '%(level)s' prepared (%(log)s); it waits for approval by %(user)s.",
                level=level.name,
                log=log._get_html_link(),
                user=responsible.name,
            ),
        )
        return activity

    @api.model
    def _rationale(self, log, channel):
        data = log.source_data or {}
        totals = ", ".join(total["balance"] for total in data.get("totals") or [])
        text = self.env._(
            "%(level)s (%(tone)s) %(channel)s for %(count)s invoice(s), balance %(totals)s; "
            "text from the %(origin)s in %(lang)s.",
            level=data.get("level"),
            tone=data.get("tone"),
            channel=channel,
            count=len(data.get("invoices") or []),
            totals=totals,
            origin={
                "llm": self.env._("LLM"),
                "clerk": self.env._("clerk's own text"),
            }.get(data.get("text_source"), self.env._("template")),
            lang=data.get("lang"),
        )
        if data.get("risk_note"):
            text += " " + self.env._("Risk: %(note)s", note=data["risk_note"])
        return text
