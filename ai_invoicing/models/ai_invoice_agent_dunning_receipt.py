# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AiInvoiceAgentDunning(models.AbstractModel):
    """The reminder e-mailed is filed on its log: its mail state and bounces follow it
    (a bounced reminder is not counted as delivered)."""

    _inherit = "ai.invoice.agent.dunning"

    @api.model
    def _deliver(self, log, partner, level, message):
        # sudo: mail.message - the newest id before the reminder is posted (one row)
        Message = self.env["mail.message"].sudo()
        last_id = Message.search([], order="id desc", limit=1).id or 0
        result = super()._deliver(log, partner, level, message)
        posted = Message.search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("id", ">", last_id),
                ("message_type", "=", "comment"),
                ("notification_ids.notification_type", "=", "email"),
            ],
            order="id desc",
            limit=1,
        )
        if posted:
            now = self.env.cr.now()
            log._system_write({"receipt_message_id": posted.id, "receipt_sent_date": now})
            to = ", ".join(filter(None, posted.notification_ids.res_partner_id.mapped("email")))
            log._ai_receipt("outgoing", "email", to, now)
        return result
