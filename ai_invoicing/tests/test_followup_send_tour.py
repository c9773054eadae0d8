# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import HttpCase, tagged

from .test_followup import FollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupSendTour(FollowupCommon, HttpCase):
    """Send & Print in a real browser (headless Chromium), as a follow-up clerk."""

    def test_send_and_print_tour(self):
        self.reviewer.company_ids = self.company
        self.reviewer.company_id = self.company
        customer = self._customer("Tour Brasserie SA")
        invoice = self._invoice(10, 321.0, partner=customer)
        self.start_tour(
            "/odoo/action-ai_invoicing.res_partner_action_ai_followup",
            "ai_invoicing_followup_send_tour",
            login=self.reviewer.login,
        )
        log = self._logs(customer)
        self.assertEqual((log.state, log.decision, log.trigger), ("done", "sent", "manual"))
        self.assertEqual(log.user_id, self.reviewer)
        mail = self._mails(customer)
        self.assertEqual(mail.subject, "Tour reminder subject")
        self.assertIn(invoice.access_token, mail.body_html)
