# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..services.prompts import EMAIL_BODY
from ..services.templates import fallback_email_body


class AiInvoiceAgentDelivery(models.AbstractModel):
    """Sends a posted AI invoice once, by the customer's channel, with the
    delivery slips and a secure payment link."""

    _name = "ai.invoice.agent.delivery"
    _inherit = "ai.invoice.agent"
    _description = "AI Invoicing Agent: Invoice Delivery"
    _agent = "delivery"

    @api.model
    def _enqueue(self, records, trigger):
        moves = records.filtered(
            lambda m: m.state == "posted" and m.company_id.ai_auto_send and not m.is_move_sent
        )
        return super()._enqueue(moves, trigger)

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is the posted invoice; the log keeps the documents it came from."""
        # sudo: ai.invoice.log - link the sources of the draft log, whoever posts
        draft_log = record.sudo().ai_log_ids.filtered(lambda log: log.agent == "invoice_draft")[:1]
        return {
            "trigger": trigger,
            "company_id": record.company_id.id,
            "move_id": record.id,
            "sale_order_id": draft_log.sale_order_id.id,
            "picking_id": draft_log.picking_id.id,
            "partner_id": record.partner_id.id,
            "currency_id": record.currency_id.id,
            "amount_total": record.amount_total,
        }

    @api.model
    def _dedup_fields(self):
        return ("move_id",)

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        move = log.move_id
        self._lock_or_retry(
            move, self.env._("Invoice %(move)s is being sent by another job.", move=move.name)
        )
        if move.is_move_sent or log._already_sent():
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
        channel = move.partner_id._ai_effective_channel()
        slips = self._attach_delivery_slips(move)
        move._portal_ensure_token()
        outcome = getattr(self, f"_send_{channel}")(move)
        return self._done(
            log,
            {
                "decision": "sent",
                "rationale": outcome["rationale"],
                "source_data": {
                    "channel": channel,
                    "recipients": outcome.get("recipients", []),
                    "attachments": (move.invoice_pdf_report_id | slips).mapped("name"),
                    "portal_url": move.get_portal_url(),
                },
                "flags": outcome.get("flags", []),
                **outcome.get("llm_vals", {}),
            },
        )

    @api.model
    def _failure_document(self, log):
        return log.move_id

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
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "stock.action_report_delivery", pickings.ids
        )
        names = ", ".join(pickings.mapped("name")).replace("/", "_")
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"Delivery Slip - {names}.pdf",
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": move._name,
                "res_id": move.id,
            }
        )
        move.ai_slip_attachment_ids = attachment
        return attachment

    # ------------------------------------------------------------------
    # Channels: each returns the log values of what was done
    # ------------------------------------------------------------------
    @api.model
    def _send_email(self, move):
        sender = self.env["account.move.send"]
        settings = sender._get_default_sending_settings(move, sending_methods={"email"})
        if not settings.get("mail_partner_ids"):
            raise UserError(
                self.env._(
                    "%(partner)s has no e-mail address: add one, or set the AI invoice channel "
                    "to Portal Only, then press Retry on the AI log.",
                    partner=move.partner_id.display_name,
                )
            )
        link = move._ai_payment_link()
        intro = self._email_intro(move, link)
        opening = Markup("<p>%s</p><p>%s <a href='%s'>%s</a></p>") % (
            intro.data.body,
            self.env._("Pay online securely:"),
            link,
            link,
        )
        sender._generate_and_send_invoices(
            move,
            sending_methods={"email"},
            mail_body=opening + (settings.get("mail_body") or ""),
            allow_fallback_pdf=False,
        )
        recipients = self.env["res.partner"].browse(settings["mail_partner_ids"])
        return {
            "rationale": self.env._(
                "Sent by e-mail to %(to)s with the invoice, %(slips)s delivery slip(s) and a "
                "payment link.",
                to=", ".join(recipients.mapped("email")),
                slips=len(move.ai_slip_attachment_ids),
            ),
            "recipients": recipients.mapped("email"),
            "flags": [flag.model_dump() for flag in intro.flags],
            "llm_vals": intro.log_vals(),
        }

    @api.model
    def _email_intro(self, move, link):
        """The personal opening paragraph, through the guarded path."""
        facts = {
            "invoice_name": move.name,
            "partner_name": move.commercial_partner_id.name,
            "amount_total": self._money(move.amount_total, move.currency_id),
            "currency": move.currency_id.name,
            "invoice_date_due": str(move.invoice_date_due or ""),
            "language": move.partner_id.lang or "",
        }
        return self._guarded_text(
            move.company_id,
            EMAIL_BODY,
            facts,
            {"partner_name": move.partner_id.name or ""},
            self._allowed_invoice_output(move, urls=(link,)),
            fallback_email_body,
        )

    @api.model
    def _send_portal(self, move):
        move.is_move_sent = True
        return {
            "rationale": self.env._(
                "Portal only: no e-mail sent; the customer finds the invoice and pays it on the "
                "portal (%(url)s).",
                url=move.get_portal_url(),
            )
        }

    @api.model
    def _send_manual(self, move):
        move.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Send this invoice by hand"),
            user_id=move.company_id._ai_responsible_user(move).id,
        )
        return {
            "rationale": self.env._(
                "The customer's channel is manual: an activity asks a person to send it."
            )
        }

    @api.model
    def _send_peppol(self, move):
        methods = dict(self.env["res.partner"]._fields["invoice_sending_method"].selection)
        if "peppol" not in methods:
            raise UserError(
                self.env._(
                    "Peppol sending needs Odoo's account_peppol module (and a registered "
                    "company). Install it, or choose another AI invoice channel for %(partner)s.",
                    partner=move.partner_id.display_name,
                )
            )
        self.env["account.move.send"]._generate_and_send_invoices(move, sending_methods={"peppol"})
        return {"rationale": self.env._("Sent on the Peppol network (UBL).")}
