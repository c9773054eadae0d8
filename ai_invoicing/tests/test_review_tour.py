# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import HttpCase, tagged

from .common import AiInvoicingCommon


@tagged("post_install", "-at_install")
class TestReviewTour(AiInvoicingCommon, HttpCase):
    """The review queue in a real browser (headless Chromium)."""

    def test_review_queue_approve_tour(self):
        self.company.write({"ai_review_threshold": 50.0, "ai_auto_post": True})
        self.reviewer.company_ids = self.company
        self.reviewer.company_id = self.company
        partner = self.partner_a.copy({"name": "Tour Customer"})
        partner.email = "tour@example.com"
        order = self._order([(self.product_deliv, 3, {"discount": 40.0})], partner=partner)
        invoice = self._deliver_and_run(order.picking_ids).move_id
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertIn("discount_too_high", {f["code"] for f in invoice.ai_check_findings})
        self.start_tour(
            "/odoo/action-ai_invoicing.account_move_action_ai_review_queue",
            "ai_invoicing_review_tour",
            login=self.reviewer.login,
        )
        self.assertEqual(invoice.ai_review_state, "approved")
        self.assertEqual(invoice.state, "posted")
        # the approval handed it to the delivery agent; run its job as the queue would
        delivery = self.Log.search([("move_id", "=", invoice.id), ("agent", "=", "delivery")])
        self.assertEqual(delivery.state, "queued")
        self._run_log(delivery)
        self.assertEqual((delivery.decision, delivery.source_data["channel"]), ("sent", "email"))
        self.assertTrue(invoice.is_move_sent)
