# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def write(self, vals):
        result = super().write(vals)
        # Odoo's bounce handling (mail.thread._routing_handle_bounce) ends here
        if vals.get("notification_status") == "bounce":
            self.env["ai.invoice.log"]._ai_receipt_from_notifications(self)
        return result
