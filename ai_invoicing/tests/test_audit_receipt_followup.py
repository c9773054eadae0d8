# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import tagged

from .test_followup import FollowupCommon


@tagged("post_install", "-at_install")
class TestAuditReceiptFollowup(FollowupCommon):
    """A reminder that bounced was not delivered: the follow-up does not count it."""

    def _history(self):
        data = type("Data", (), {"items": []})()
        agent = self.env["ai.invoice.agent.dunning"]
        return agent._history(self.company, self.customer, data, self.today)[0]

    def test_bounced_reminder(self):
        self._invoice(10)
        log = self._remind()
        self.assertEqual(log.decision, "sent")
        message = log.receipt_message_id
        self.assertEqual((message.model, message.res_id), ("res.partner", self.customer.id))
        self.assertEqual(log.receipt_state, "outgoing")
        self.assertEqual(len(self._history()), 1, "a reminder on its way counts")
        self.env["mail.thread"]._routing_handle_bounce(
            None,
            {
                "bounced_email": self.customer.email,
                "bounced_partner": self.customer,
                "bounced_msg_ids": [message.message_id],
                "bounced_message": message,
                "body": "550 5.1.1 mailbox unknown",
                "email_from": "MAILER-DAEMON@example.com",
                "to": "bounce@example.com",
                "message_id": "<bounce-reminder@example.com>",
            },
        )
        self.assertEqual(log.receipt_state, "bounced")
        self.assertEqual(self._history(), [], "not counted as delivered")
        kind = self.env.ref("ai_invoicing.mail_activity_type_ai_receipt")
        activity = self.customer.activity_ids.filtered(lambda a: a.activity_type_id == kind)
        self.assertEqual(activity.user_id, self.reviewer, "the follow-up responsible")
