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
        channel = move.partner_id._ai_effective_channel(move.company_id)
        slips = self._attach_delivery_slips(move)
        move._portal_ensure_token()
        sender = getattr(self, f"_send_{channel}", self._send_by_odoo)
        outcome = sender(move, channel)
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
    def _send_by_odoo(self, move, channel):
        """Any other method Odoo knows for this customer: its own send path."""
        self.env["account.move.send"]._generate_and_send_invoices(
            move, sending_methods={channel}, allow_fallback_pdf=False
        )
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
    def _send_email(self, move, channel):
        sender = self.env["account.move.send"]
        settings = sender._get_default_sending_settings(move, sending_methods={"email"})
        if not settings.get("mail_partner_ids"):
            raise UserError(
                self.env._(
                    "%(partner)s has no e-mail address: add one, or set its Invoice sending "
                    "preference (Accounting tab) to Portal only, then press Retry on the AI log.",
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
    def _send_portal(self, move, channel):
        self._send_by_odoo(move, channel)  # the PDF, no e-mail; Odoo marks it sent
        return {
            "rationale": self.env._(
                "Portal only: no e-mail sent; the customer finds the invoice and pays it on the "
                "portal (%(url)s).",
                url=move.get_portal_url(),
            )
        }

    @api.model
    def _send_manual(self, move, channel):
        self._send_by_odoo(move, channel)  # Odoo's manual method: the PDF, sent by a person
        move.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Send this invoice by hand"),
            user_id=move.company_id._ai_responsible_user(move).id,
        )
        return {
            "rationale": self.env._(
                "The customer's invoice sending preference is manual: the PDF is ready and an "
                "activity asks a person to send it."
            )
        }

    @api.model
    def _send_peppol(self, move, channel):
        sender = self.env["account.move.send"]
        if not sender._is_applicable_to_move("peppol", move):
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
        sender._generate_and_send_invoices(
            move, sending_methods={"peppol"}, allow_raising=True, allow_fallback_pdf=False
        )
        if move.peppol_move_state == "error":
            raise UserError(
                self.env._(
                    "The Peppol access point refused %(move)s; see its chatter. Press Retry on "
                    "the AI log once it is fixed.",
                    move=move.display_name,
                )
            )
        return {
            "rationale": self.env._(
                "Sent on the Peppol network (%(format)s) to %(endpoint)s.",
                format=move.commercial_partner_id.invoice_edi_format or "UBL",
                endpoint=move.commercial_partner_id.peppol_endpoint or "",
            )
        }
