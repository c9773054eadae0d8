# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import tagged

from .common import AiInvoicingCommon


@tagged("post_install", "-at_install")
class TestReviewRouting(AiInvoicingCommon):
    def _review_activities(self, invoice):
        review_type = self.env.ref("ai_invoicing.mail_activity_type_ai_review")
        return invoice.activity_ids.filtered(lambda a: a.activity_type_id == review_type)

    def test_above_threshold_waits_for_review(self):
        self.company.ai_review_threshold = 500.0
        self.company.ai_auto_post = True
        order = self._order([(self.product_deliv, 10)])  # 1,000 + tax
        log = self._deliver_and_run(order.picking_ids)
        invoice = log.move_id
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertEqual(log.state, "needs_review")
        self.assertTrue(log.review_required)
        self.assertIn("above the review threshold", log.review_reason)
        self.assertEqual(invoice.ai_review_reason, log.review_reason)
        note = invoice.message_ids.filtered(lambda m: log.name in (m.body or ""))
        self.assertIn("held for review", note.body, "the invoice's chatter says why it waits")
        self.assertIn("at the top of the invoice", note.body)
        self.assertNotIn("above the review threshold", note.body, "said once: on the invoice")
        activities = self._review_activities(invoice)
        self.assertEqual(len(activities), 1, "one activity, not one per reviewer")
        self.assertIn("at the top of the invoice", activities.note)
        self.assertNotIn("above the review threshold", activities.note)
        self.assertTrue(activities.user_id.has_group("ai_invoicing.group_ai_invoicing_reviewer"))

    def test_threshold_uses_company_currency(self):
        """A foreign-currency total is compared after conversion."""
        code = "CHF" if self.company.currency_id.name == "EUR" else "EUR"
        currency = self.setup_other_currency(code, rates=[("2000-01-01", 0.1)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": currency.id}
        )
        self.company.ai_review_threshold = 500.0
        # 10 x 100 = 1,000 in the foreign currency = 10,000 in company currency
        order = self._order([(self.product_deliv, 10)], pricelist_id=pricelist.id)
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.move_id.currency_id, currency)
        self.assertEqual(log.move_id.ai_review_state, "pending")

    def test_new_customer_waits_for_review(self):
        self.company.ai_review_new_customers = True
        self.company.ai_auto_post = True
        order = self._order([(self.product_deliv, 1)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.move_id.ai_review_state, "pending")
        self.assertIn("First invoice for this customer", log.review_reason)

    def test_known_customer_below_threshold_is_posted_when_allowed(self):
        self.company.ai_review_new_customers = True
        self.company.ai_auto_post = True
        self.init_invoice("out_invoice", partner=self.partner_a, amounts=[10.0], post=True)
        order = self._order([(self.product_deliv, 1)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.state, "done")
        self.assertEqual(log.decision, "posted")
        self.assertEqual(log.move_id.state, "posted")
        self.assertFalse(self._review_activities(log.move_id))

    def test_without_auto_post_clean_draft_stays_draft(self):
        order = self._order([(self.product_deliv, 1)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.state, "done")
        self.assertEqual(log.decision, "drafted")
        self.assertEqual(log.move_id.state, "draft")
        self.assertEqual(log.move_id.ai_review_state, "none")

    def test_responsible_user_receives_review(self):
        self.company.ai_review_threshold = 1.0
        self.company.ai_responsible_user_id = self.env.user
        order = self._order([(self.product_deliv, 1)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(self._review_activities(log.move_id).user_id, self.env.user)

    def test_zero_threshold_disables_amount_rule(self):
        self.company.ai_review_threshold = 0.0
        order = self._order([(self.product_deliv, 500)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.move_id.ai_review_state, "none")
