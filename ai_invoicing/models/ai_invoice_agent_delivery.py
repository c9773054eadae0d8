# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from collections import defaultdict

from psycopg2 import InterfaceError, OperationalError

from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..services.mail_body import opening_paragraph
from ..services.prompts import EMAIL_BODY
from ..services.templates import fallback_email_body

_logger = logging.getLogger(__name__)

SEND_CHUNK = 10  # invoices one sending job takes at most (see _chunk_size)


class AiInvoiceAgentDelivery(models.AbstractModel):
    """Sends a posted AI invoice once, by the customer's channel, with the
    delivery slips and a secure payment link. Invoices waiting to be sent
    together go out together: one call of Odoo's send per channel, one log each."""

    _name = "ai.invoice.agent.delivery"
    _inherit = "ai.invoice.agent"
    _description = "AI Invoicing Agent: Invoice Delivery"
    _agent = "delivery"

    @api.model
    def _enqueue(self, records, trigger):
        moves = records.filtered(
            lambda m: m.state == "posted" and m._ai_sends_when_posted() and not m.is_move_sent
        )
        return super()._enqueue(moves, trigger)

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is the posted invoice; the log keeps the documents it came from."""
        # sudo: ai.invoice.log - link the delivery of the draft log, whoever posts
        draft_log = record.sudo().ai_log_ids.filtered(lambda log: log.agent == "invoice_draft")[:1]
        return {
            "trigger": trigger,
            "company_id": record.company_id.id,
            "move_id": record.id,
            "sale_order_id": record.invoice_line_ids.sale_line_ids.order_id[:1].id,
            "picking_id": draft_log.picking_id.id,
            "partner_id": record.partner_id.id,
            "currency_id": record.currency_id.id,
            "amount_total": record.amount_total,
        }

    @api.model
    def _dedup_key(self, vals):
        """An invoice is sent once, whatever asked for it."""
        return f"move:{vals['move_id']}"

    @api.model
    def _document(self, log):
        return log.move_id

    @api.model
    def _chunk_description(self, logs):
        if len(logs) == 1:
            return self.env._("AI sending: 1 invoice")
        return self.env._("AI sending: %(count)s invoices", count=len(logs))

    @api.model
    def _chunk_size(self, company):
        # each invoice renders its PDF (1 to 3 s on a busy server): a job sends at most
        # SEND_CHUNK, so no job runs near a worker's time limit
        return min(super()._chunk_size(company), SEND_CHUNK)

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        return self._run_chunk(log)[log.id]

    @api.model
    def _run_chunk(self, logs):
        """Send the claimed logs' invoices together (Odoo's batch send, one call per
        channel); an invoice already sent, or not posted, gets its own outcome first."""
        results, ready, moves = {}, self.env["ai.invoice.log"], set()
        for log in logs:
            try:
                ok, result = self._attempt(log, self._sendable, log, moves)
            except RetryableJobError as exc:
                results[log.id] = self._defer(log, exc)
                continue
            if ok and result is True:
                ready |= log
                moves.add(log.move_id.id)
            else:
                results[log.id] = result
        if ready:
            results.update(self._send_batch(ready))
        return results

    @api.model
    def _sendable(self, log, moves):
        """True when ``log``'s invoice is to be sent by this job; else the skip's text
        (sent already, by another job or a twin of the chunk). Not posted: raises."""
        move = log.move_id
        self._lock_or_retry(
            move, self.env._("Invoice %(move)s is being sent by another job.", move=move.name)
        )
        if move.id in moves or move.is_move_sent or log._already_sent():
            return self._skip(
                log,
                self.env._(
                    "%(move)s was already sent; nothing was sent again.", move=move.display_name
                ),
            )
        if move.state != "posted":
            raise UserError(
                self.env._("%(move)s is not posted, so it is not sent.", move=move.display_name)
            )
        return True

    @api.model
    def _send_batch(self, logs):
        """Send the (locked, posted, unsent) invoices of ``logs``; ``{log id: result}``.

        Each invoice is prepared on its own (delivery slips, portal token, e-mail
        opening); then Odoo's own send runs once per channel for all of them, as its
        batch send does. Each log gets its own outcome: one bad invoice fails alone.
        """
        results, groups = {}, defaultdict(list)
        for log in logs:
            ok, result = self._attempt(log, self._prepare_delivery, log)
            if ok:
                groups[result["channel"]].append((log, result))
            else:
                results[log.id] = result
        for channel, items in groups.items():
            results.update(self._send_group(channel, items))
        return results

    @api.model
    def _prepare_delivery(self, log):
        """What one invoice needs before Odoo sends it; a blocker raises for its log."""
        move = log.move_id
        channel = move.partner_id._ai_effective_channel(move.company_id)
        slips = self._attach_delivery_slips(move)
        move._portal_ensure_token()
        prepare = getattr(self, f"_prepare_send_{channel}", self._prepare_send_by_odoo)
        return dict(prepare(move, channel), channel=channel, slips=slips)

    @api.model
    def _send_group(self, channel, items):
        """One call of Odoo's send for the invoices ``items`` (``[(log, prepared)]``)
        of one channel; ``{log id: result}``.

        Alone, an invoice behaves as Odoo's single send (its error raises); together,
        as its batch send: Odoo notes each error on its invoice and sends the others.
        A call that still raises for all of them is repeated invoice by invoice.
        """
        moves = self.env["account.move"].union(*(log.move_id for log, _prepared in items))
        errors = {}  # filled by account.move.send._hook_if_errors
        sender = self.env["account.move.send"].with_context(
            ai_agent_send=True,
            ai_send_error_sink=errors,
            ai_mail_openings={
                log.move_id.id: prepared["mail_opening"]
                for log, prepared in items
                if prepared.get("mail_opening")
            }
            if channel == "email"
            else None,
        )
        try:
            with self.env.cr.savepoint():
                sender._generate_and_send_invoices(
                    moves,
                    sending_methods={channel},
                    allow_raising=len(items) == 1,
                    allow_fallback_pdf=False,
                )
        except (RetryableJobError, InterfaceError, OperationalError):
            raise  # contention or a lost connection: the job is retried (see _job_run)
        except Exception as exc:  # noqa: BLE001 - each invoice must get its own outcome
            if len(items) > 1:
                _logger.info("AI delivery: Odoo's send failed for %s (%s); one by one", moves, exc)
                results = {}
                for item in items:
                    results.update(self._send_group(channel, [item]))
                return results
            log = items[0][0]
            return {log.id: self._fail(log, self._failure_reason(log, exc))}
        results = {}
        results.update(
            {
                log.id: self._attempt(
                    log, self._finish_delivery, log, prepared, errors.get(log.move_id.id)
                )[1]
                for log, prepared in items
            }
        )
        return results

    @api.model
    def _finish_delivery(self, log, prepared, error):
        """The log of one invoice once Odoo's send ran: sent, or Odoo's ``error``."""
        move = log.move_id
        if error:
            raise UserError(error)
        channel = prepared["channel"]
        getattr(self, f"_after_send_{channel}", self._after_send_by_odoo)(move, prepared)
        return self._done(
            log,
            {
                "decision": "sent",
                "rationale": prepared["rationale"],
                "source_data": {
                    "channel": channel,
                    "recipients": prepared.get("recipients", []),
                    "attachments": (move.invoice_pdf_report_id | prepared["slips"]).mapped("name"),
                    "portal_url": move.get_portal_url(),
                },
                "flags": prepared.get("flags", []),
                **prepared.get("llm_vals", {}),
            },
        )

    # ------------------------------------------------------------------
    # Attachments
    # ------------------------------------------------------------------
    @api.model
    def _delivery_pickings(self, move):
        pickings = move.invoice_line_ids.sale_line_ids.move_ids.picking_id
        # sudo: ai.invoice.log - the draft log names the delivery it invoiced
        return pickings.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        ) or move.sudo().ai_log_ids.picking_id.sudo(False)

    @api.model
    def _attach_delivery_slips(self, move):
        """Render the delivery slips of the invoiced deliveries and attach them once."""
        pickings = self._delivery_pickings(move)
        if not pickings or move.ai_slip_attachment_ids:
            return move.ai_slip_attachment_ids
        # one slip per delivery: a PDF per document, as Odoo prints them (and a
        # wkhtmltopdf without patched Qt renders one document at a time)
        report = self.env["ir.actions.report"]
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"Delivery Slip - {picking.name.replace('/', '_')}.pdf",
                    "raw": report._render_qweb_pdf("stock.action_report_delivery", picking.ids)[0],
                    "mimetype": "application/pdf",
                    "res_model": move._name,
                    "res_id": move.id,
                }
                for picking in pickings
            ]
        )
        move.ai_slip_attachment_ids = attachments
        return attachments

    # ------------------------------------------------------------------
    # Channels: _prepare_send_<channel> checks one invoice and returns the values
    # of its log (a blocker raises); _after_send_<channel> follows Odoo's send.
    # ------------------------------------------------------------------
    @api.model
    def _prepare_send_by_odoo(self, move, channel):
        """Any other method Odoo knows for this customer: its own send path."""
        return {
            "rationale": self.env._(
                "Sent by Odoo's '%(method)s' method, the customer's invoice sending preference.",
                method=dict(
                    self.env["res.partner"]
                    ._fields["invoice_sending_method"]
                    ._description_selection(self.env)
                ).get(channel, channel),
            )
        }

    @api.model
    def _after_send_by_odoo(self, move, prepared):
        return

    @api.model
    def _prepare_send_email(self, move, channel):
        recipients = self._mail_recipients(move)
        if not recipients:
            raise UserError(
                self.env._(
                    "%(partner)s has no e-mail address: add one, or set its Invoice sending "
                    "preference (Accounting tab) to Portal only, then press Retry on the AI log.",
                    partner=move.partner_id.display_name,
                )
            )
        link = move._ai_payment_link()
        intro = self._email_intro(move, link)
        return {
            "rationale": self.env._(
                "Sent by e-mail to %(to)s with the invoice, %(slips)s delivery slip(s) and "
                "Odoo's button to view and pay it online.",
                to=", ".join(recipients.mapped("email")),
                slips=len(move.ai_slip_attachment_ids),
            ),
            "recipients": recipients.mapped("email"),
            "flags": [flag.model_dump() for flag in intro.flags],
            "llm_vals": intro.log_vals(),
            # after the greeting of Odoo's own body (account.move.send._get_default_mail_body):
            # the LLM's own sentences only; the template's text would repeat Odoo's
            "mail_opening": "" if intro.fallback_used else opening_paragraph(intro.data.body),
        }

    @api.model
    def _mail_recipients(self, move):
        """Whom Odoo's send e-mails ``move`` to: its default recipients with an address."""
        sender = self.env["account.move.send"]
        mail_template = sender._get_default_mail_template_id(move)
        mail_lang = sender._get_default_mail_lang(move, mail_template)
        return sender._get_default_mail_partner_ids(move, mail_template, mail_lang)

    @api.model
    def _email_intro(self, move, link):
        """The personal opening paragraph, in the customer's language, through the guarded
        path."""
        lang = self._customer_lang(move.partner_id, move.company_id)
        customer = self.with_context(lang=lang)
        wording = customer._wording(lang)
        facts = {
            "invoice_name": move.name,
            "partner_name": move.commercial_partner_id.name,
            "amount_total": customer._money(move.amount_total, move.currency_id),
            "currency": move.currency_id.name,
            "invoice_date_due": wording.date(move.invoice_date_due),
            "language": lang,
        }
        return self._guarded_text(
            move.company_id,
            EMAIL_BODY,
            facts,
            {"partner_name": move.partner_id.name or ""},
            self._allowed_invoice_output(move, urls=(link,)),
            lambda minimized, flags: fallback_email_body(minimized, flags, wording),
        )

    @api.model
    def _prepare_send_portal(self, move, channel):
        # the PDF, no e-mail; Odoo marks it sent
        return {
            "rationale": self.env._(
                "Portal only: no e-mail sent; the customer finds the invoice and pays it on the "
                "portal (%(url)s).",
                url=move.get_portal_url(),
            )
        }

    @api.model
    def _prepare_send_manual(self, move, channel):
        # Odoo's manual method: the PDF, sent by a person
        return {
            "rationale": self.env._(
                "The customer's invoice sending preference is manual: the PDF is ready and an "
                "activity asks a person to send it."
            )
        }

    @api.model
    def _after_send_manual(self, move, prepared):
        move.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Send this invoice by hand"),
            user_id=move.company_id._ai_responsible_user(move).id,
        )

    @api.model
    def _prepare_send_peppol(self, move, channel):
        if not self.env["account.move.send"]._is_applicable_to_move("peppol", move):
            raise UserError(
                self.env._(
                    "%(move)s cannot go on Peppol: the company must be registered on Peppol and "
                    "%(partner)s must have a verified Peppol address (Accounting tab). Fix it or "
                    "change the customer's Invoice sending preference, then press Retry on the "
                    "AI log.",
                    move=move.display_name,
                    partner=move.commercial_partner_id.display_name,
                )
            )
        return {
            "rationale": self.env._(
                "Sent on the Peppol network (%(format)s) to %(endpoint)s.",
                format=move.commercial_partner_id.invoice_edi_format or "UBL",
                endpoint=move.commercial_partner_id.peppol_endpoint or "",
            )
        }

    @api.model
    def _after_send_peppol(self, move, prepared):
        if move.peppol_move_state == "error":
            raise UserError(
                self.env._(
                    "The Peppol access point refused %(move)s; see its chatter. Press Retry on "
                    "the AI log once it is fixed.",
                    move=move.display_name,
                )
            )
