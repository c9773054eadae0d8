# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, success_emails, failure_reason=False, failure_type=None
    ):
        # the final state of each notification once the mail queue tried to send it
        # (read before: an auto-deleted mail takes its link to them along)
        # sudo: mail.notification - whoever runs the mail queue
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search([("mail_mail_id", "in", self.ids), ("notification_type", "=", "email")])
        )
        result = super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )
        if notifications:
            self.env["ai.invoice.log"]._ai_receipt_from_notifications(notifications)
        return result
