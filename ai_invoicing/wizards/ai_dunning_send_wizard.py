# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..models.ai_dunning_planner import DunningRequest
from ..services.dunning import PAYMENT_LINK_PLACEHOLDER


class AiDunningSendWizard(models.TransientModel):
    """Send & Print: a clerk sends the payment reminders of one or several customers now.

    E-mail, printed letter and the invoices attached are the clerk's choice; the text of one
    customer's reminder can be edited with a preview of the document. Each reminder goes
    through the dunning agent (``ai.invoice.agent.dunning``): planned from fresh data, logged
    in ``ai.invoice.log``, once per customer, level and day, in the customer's language.
    """

    _name = "ai.dunning.send.wizard"
    _description = "AI Follow-up: Send & Print"

    partner_ids = fields.Many2many(
        "res.partner",
        "ai_dunning_send_wizard_partner_rel",
        "wizard_id",
        "partner_id",
        string="Customers",
        required=True,
    )
    partner_count = fields.Integer(compute="_compute_partner_count")
    send_email = fields.Boolean(
        string="By E-mail",
        default=True,
        help="E-mail the reminder to the customer's follow-up contact (else its invoice "
        "address), with a Pay Now button.",
    )
    print_letter = fields.Boolean(
        string="Print Letter",
        help="Print the reminder as a letter on the company's letterhead (PDF), to post.",
    )
    attach_invoices = fields.Boolean(
        string="Attach Invoices",
        help="Attach the PDF of each reminded invoice to the e-mail.",
    )
    subject = fields.Char(help="The reminder's subject (one customer only).")
    body = fields.Text(
        string="Message",
        help="The reminder's text in the customer's language. The invoice lines become a "
        "table and [PAYMENT_LINK] a Pay Now button.",
    )
    summary = fields.Text(string="Customers to Remind", readonly=True)
    document_data = fields.Json(readonly=True)
    preview = fields.Html(
        compute="_compute_preview", sanitize=False, help="The reminder as the customer reads it."
    )

    # ------------------------------------------------------------------
    # Rights: the follow-up clerk's, on every path (buttons, RPC, create, write)
    # ------------------------------------------------------------------
    @api.model
    def _check_clerk(self):
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can send payment reminders (Send & Print).")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_clerk()
        return super().create(vals_list)

    def write(self, vals):
        self._check_clerk()
        return super().write(vals)

    @api.model
    def default_get(self, fields_list):
        self._check_clerk()
        values = super().default_get(fields_list)
        ids = self.env.context.get("default_partner_ids") or []
        if not ids and self.env.context.get("active_model") == "res.partner":
            ids = self.env.context.get("active_ids") or []
        partners = self.env["res.partner"].browse(ids).commercial_partner_id
        if not partners:
            return values
        values["partner_ids"] = [fields.Command.set(partners.ids)]
        plans = self._plans(partners)
        values["summary"] = self._summary_text(partners, plans)
        # create() asks again for the fields the client did not send: compose (maybe an LLM
        # call) only when the text itself is asked for
        if "body" in fields_list and len(partners) == 1 and plans[partners.id][0] is not None:
            plan, data = plans[partners.id]
            message = self._compose_one(partners, plan, data)
            if message:
                values["subject"] = message["subject"]
                body = message["body"]
                if message["link_text"]:
                    body = body.replace(message["link_text"], PAYMENT_LINK_PLACEHOLDER)
                values["body"] = body
                # what the preview lays out around the text (composed once, not per keystroke)
                agent = self._agent(self.env.company)
                level = agent.env["ai.dunning.level"].browse(plan.level.id)
                document = agent._reminder_log_vals(plan, level, message, {})["source_data"]
                values["document_data"] = dict(document, link_text=message["link_text"])
        return values

    # ------------------------------------------------------------------
    # Planning and the preview (the agent's own composing path)
    # ------------------------------------------------------------------
    def _agent(self, company):
        agent = self.env["ai.invoice.agent.dunning"]
        return agent.with_user(agent._agent_user()).with_company(company)

    @api.model
    def _plans(self, partners):
        """{partner id: (plan, data)} of today, read for all the customers at once."""
        company = self.env.company
        planner = self.env["ai.dunning.planner"].with_company(company)
        today = fields.Date.context_today(self)
        _records, levels = planner._levels(company)
        # sudo: ai.invoice.log - the planner reads the reminders already sent, whoever plans
        data = planner.sudo()._gather(company, partners.with_company(company))
        data.partners = data.partners.sudo(False)
        plans = {plan.partner_id: plan for plan in planner._plan(company, data, levels, today)}
        return {partner.id: (plans.get(partner.id), data) for partner in partners}

    @api.model
    def _why_not(self, plan):
        agent = self.env["ai.invoice.agent.dunning"]
        if agent._manual_sendable(plan):
            return None
        return self.env["ai.dunning.planner"]._skip_text(plan)

    @api.model
    def _summary_text(self, partners, plans):
        lines = []
        for partner in partners:
            plan = plans[partner.id][0]
            why = self._why_not(plan)
            if why:
                lines.append(
                    self.env._(
                        "%(partner)s: not reminded (%(why)s).", partner=partner.name, why=why
                    )
                )
            else:
                lines.append(
                    self.env._(
                        "%(partner)s: %(level)s, %(count)s invoice(s).",
                        partner=partner.name,
                        level=plan.level.name,
                        count=len(plan.invoices),
                    )
                )
        return "\n".join(lines)

    @api.model
    def _compose_one(self, partner, plan, data):
        if self._why_not(plan):
            return None
        company = self.env.company
        agent = self._agent(company)
        level = agent.env["ai.dunning.level"].browse(plan.level.id)
        today = fields.Date.context_today(self)
        return agent._compose(company, partner.with_env(agent.env), plan, data, level, today)

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for wizard in self:
            wizard.partner_count = len(wizard.partner_ids.commercial_partner_id)

    @api.depends("subject", "body", "partner_ids", "send_email", "print_letter")
    def _compute_preview(self):
        for wizard in self:
            wizard.preview = wizard._preview_html()

    def _preview_html(self):
        """The document the customer gets, from the text on screen (one customer only)."""
        partners = self.partner_ids.commercial_partner_id
        if len(partners) > 1:
            return Markup("<p class='text-muted'>%s</p>") % self.env._(
                "Each customer gets its own reminder, in its language, with its invoices."
            )
        document = self.document_data
        if not document or not partners:
            return False
        agent = self._agent(self.env.company)
        body = (self.body or "").replace(PAYMENT_LINK_PLACEHOLDER, document.get("link_text") or "")
        log = self.env["ai.invoice.log"].new(
            {
                "company_id": self.env.company.id,
                "partner_id": partners.id,
                "source_data": dict(document, body=body),
            }
        )
        paper = self.print_letter and not self.send_email
        head = Markup("<p><strong>%s</strong></p>") % (self.subject or "")
        return head + agent._reminder_html(log, paper=paper)

    # ------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------
    def action_send(self):
        self.ensure_one()
        self._check_clerk()
        partners = self.partner_ids.commercial_partner_id
        partners._ai_followup_ensure_clerk()
        if not (self.send_email or self.print_letter):
            raise UserError(self.env._("Choose By E-mail, Print Letter or both."))
        if len(partners) == 1 and self.document_data and not (self.body or "").strip():
            raise UserError(self.env._("The reminder has no text: write the message first."))
        company = self.env.company
        plans = self._plans(partners)
        requests, refused = [], []
        for partner in partners:
            plan = plans[partner.id][0]
            why = self._why_not(plan)
            if why:
                refused.append(self.env._("%(partner)s: %(why)s", partner=partner.name, why=why))
            else:
                requests.append(DunningRequest(partner, plan, company))
        agent = self.env["ai.invoice.agent.dunning"].with_company(company)
        logs = agent.with_context(ai_followup_send_now=True)._enqueue(requests, "manual")
        for request in requests:
            if request.partner not in logs.partner_id:
                refused.append(
                    self.env._(
                        "%(partner)s: already reminded today at the level '%(level)s' (see its "
                        "follow-up log).",
                        partner=request.partner.name,
                        level=request.plan.level.name,
                    )
                )
        manual = {
            "email": self.send_email,
            "letter": self.print_letter,
            "attach_invoices": self.attach_invoices and self.send_email,
        }
        if len(partners) == 1 and self.document_data and self.body:
            manual.update(subject=self.subject or "", body=self.body)
        runner = self._agent(company)
        for log in logs:
            log._system_write({"source_data": dict(log.source_data or {}, manual=manual)})
            try:
                runner._run_now(log.with_env(runner.env))
            except RetryableJobError:
                agent._delay(log)  # the customer is busy: the queue sends it shortly
        return self._result(logs, refused)

    def _result(self, logs, refused):
        """What happened, kept on screen (sticky) and in each customer's chatter."""
        sent = logs.filtered(lambda log: log.decision == "sent")
        failed = logs.filtered(lambda log: log.state == "failed")
        queued = logs.filtered(lambda log: log.state == "queued")
        lines = [
            self.env._(
                "%(sent)s reminder(s) sent, %(failed)s failed, %(queued)s queued.",
                sent=len(sent),
                failed=len(failed),
                queued=len(queued),
            )
        ]
        lines += [
            self.env._("%(partner)s: %(error)s", partner=log.partner_id.name, error=log.error)
            for log in failed
        ]
        lines += refused
        if not logs and refused:
            raise UserError(self.env._("No reminder was sent.") + "\n" + "\n".join(refused))
        notification = {
            "type": "warning" if failed or refused else "success",
            "title": self.env._("Send & Print"),
            "message": "\n".join(lines),
            "sticky": True,  # the result stays until the clerk closes it
        }
        letters = sent.filtered(lambda log: (log.source_data or {}).get("manual", {}).get("letter"))
        if letters:
            self.env.user._bus_send("simple_notification", notification)
            action = self.env.ref("ai_invoicing.action_report_ai_followup_letter").report_action(
                letters
            )
            action["close_on_report_download"] = True
            return action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": dict(
                notification,
                next={"type": "ir.actions.act_window_close"},
            ),
        }
