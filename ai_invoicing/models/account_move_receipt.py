# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

# account_peppol's move state -> the receipt state of the AI delivery log
PEPPOL_RECEIPT = {"processing": "sent", "done": "delivered", "error": "rejected"}


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        result = super().write(vals)
        # account_peppol (when installed) writes its status here: on send, and from
        # its status cron (done, or error when the access point rejects the document)
        state = PEPPOL_RECEIPT.get(vals.get("peppol_move_state"))
        if state and self.filtered(lambda move: move.is_sale_document()):
            logs = self.env["ai.invoice.log"]._ai_sent_logs(self)
            for log in logs.filtered("receipt_sent_date"):
                log._ai_receipt(
                    state, "peppol", log.move_id.commercial_partner_id.peppol_endpoint or ""
                )
        return result

    def _ai_receipt_viewed(self):
        """The customer opened these invoices through their secure link (first time counts)."""
        logs = (
            self.env["ai.invoice.log"]
            ._ai_sent_logs(self)
            .filtered(lambda log: not log.receipt_viewed_date)
        )
        if logs:
            now = fields.Datetime.now()
            logs._ai_receipt("viewed", "portal", "", now)
            logs._ai_receipt_note("viewed", now)

    def _ai_receipt_paid_online(self, transactions):
        """``transactions`` paid these invoices online through their link."""
        logs = (
            self.env["ai.invoice.log"]
            ._ai_sent_logs(self)
            .filtered(lambda log: not log.receipt_paid_date)
        )
        if logs:
            now = fields.Datetime.now()
            logs._ai_receipt("paid", "payment", ", ".join(transactions.mapped("reference")), now)
            logs._ai_receipt_note("paid", now)
