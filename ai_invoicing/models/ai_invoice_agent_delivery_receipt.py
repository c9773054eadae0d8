# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import hashlib

from odoo import api, models


class AiInvoiceAgentDelivery(models.AbstractModel):
    """Once Odoo sent the invoices: the message sent, the PDF sent (with its SHA-256)
    and the first receipt state, filed on each delivery log."""

    _inherit = "ai.invoice.agent.delivery"

    @api.model
    def _send_group(self, channel, items):
        results = super()._send_group(channel, items)
        logs = self.env["ai.invoice.log"].union(*(log for log, _prepared in items))
        # idempotent: a group retried invoice by invoice files each log once
        self._file_receipts(
            logs.filtered(lambda log: log.decision == "sent" and not log.receipt_sent_date), channel
        )
        return results

    @api.model
    def _file_receipts(self, logs, channel):
        if not logs:
            return
        messages = {}
        if channel == "email":
            # Odoo's send posted one comment with e-mail notifications per invoice
            # sudo: mail.message - the agent user reads the messages Odoo's send posted
            found = (
                self.env["mail.message"]
                .sudo()
                .search(
                    [
                        ("model", "=", "account.move"),
                        ("res_id", "in", logs.move_id.ids),
                        ("message_type", "=", "comment"),
                        ("notification_ids.notification_type", "=", "email"),
                    ],
                    order="id desc",
                )
            )
            for message in found:
                messages.setdefault(message.res_id, message)
        now = self.env.cr.now()
        for log in logs:
            move = log.move_id
            pdf = move.invoice_pdf_report_id
            message = messages.get(move.id)
            log._system_write(
                {
                    "receipt_sent_date": now,
                    "receipt_message_id": message.id if message else False,
                    "pdf_attachment_id": pdf.id,
                    "pdf_sha256": hashlib.sha256(pdf.raw).hexdigest() if pdf.raw else False,
                }
            )
            state, detail = self._first_receipt(log, channel, move, message)
            if state:
                log._ai_receipt(
                    state,
                    channel if channel in ("email", "peppol", "portal") else "other",
                    detail,
                    now,
                )

    @api.model
    def _first_receipt(self, log, channel, move, message):
        """The receipt state right after Odoo's send, and what it names."""
        if channel == "email":
            if not message:
                return None, ""
            # sudo: mail.notification - the e-mail notifications of that message
            notifs = message.sudo().notification_ids.filtered(
                lambda n: n.notification_type == "email"
            )
            addresses = ", ".join(notifs.res_partner_id.mapped("email")) or ""
            statuses = set(notifs.mapped("notification_status"))
            if statuses & {"bounce"}:
                return "bounced", addresses
            if statuses & {"exception"}:
                return "exception", addresses
            if statuses and statuses <= {"sent"}:
                return "sent", addresses
            return "outgoing", addresses
        if channel == "peppol":
            state = move.peppol_move_state
            endpoint = move.commercial_partner_id.peppol_endpoint or ""
            if state == "done":
                return "delivered", endpoint
            if state == "error":
                return "rejected", endpoint
            return "sent", endpoint
        if channel == "portal":
            return "sent", move.get_portal_url()
        return None, ""
