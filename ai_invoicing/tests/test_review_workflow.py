# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import AiInvoicingCommon


@tagged("post_install", "-at_install")
class TestReviewWorkflow(AiInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ai_review_threshold = 50.0  # every test draft waits for review
        cls.clerk = new_test_user(
            cls.env,
            login="ai_clerk",
            name="Clara Clerk",
            company_id=cls.company.id,
            groups="account.group_account_invoice,ai_invoicing.group_ai_invoicing_user",
        )

    def _pending_invoice(self, qty=2):
        order = self._order([(self.product_deliv, qty)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.move_id.ai_review_state, "pending")
        return log.move_id

    def _review(self, invoices, decision, reason=False, user=None):
        user = user or self.reviewer
        action = getattr(invoices.with_user(user), f"action_ai_{decision}")()
        wizard = Form.from_action(self.env(user=user), action)
        if reason:
            wizard.reason = reason
        return wizard.save().action_confirm()

    def _review_activities(self, invoice):
        review_type = self.env.ref("ai_invoicing.mail_activity_type_ai_review")
        return invoice.activity_ids.filtered(lambda a: a.activity_type_id == review_type)

    def test_pending_invoice_cannot_be_posted_by_anyone(self):
        invoice = self._pending_invoice()
        for user in (self.clerk, self.reviewer, self.env.user):
            with self.assertRaisesRegex(UserError, "reviewer must approve it first"):
                invoice.with_user(user).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_approve_posts_when_company_auto_posts(self):
        self.company.ai_auto_post = True
        invoice = self._pending_invoice()
        self._review(invoice, "approve", "Checked the delivery slip.")
        self.assertEqual(invoice.ai_review_state, "approved")
        self.assertEqual(invoice.state, "posted")
        log = invoice.ai_log_ids.filtered(lambda log: log.agent == "review")
        self.assertEqual(log.state, "approved")
        self.assertEqual(log.reviewer_id, self.reviewer)
        self.assertTrue(log.review_date)
        self.assertEqual(log.rationale, "Checked the delivery slip.")
        self.assertFalse(self._review_activities(invoice), "the reviewers' activity is closed")
        self.assertTrue(invoice.message_ids.filtered(lambda m: "Approved by" in (m.body or "")))

    def test_approve_without_auto_post_leaves_it_ready(self):
        invoice = self._pending_invoice()
        self._review(invoice, "approve")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.ai_review_state, "approved")
        invoice.with_user(self.clerk).action_post()  # now anyone with rights may post
        self.assertEqual(invoice.state, "posted")

    def test_reject_requires_reason_and_cancels(self):
        invoice = self._pending_invoice()
        with self.assertRaisesRegex(UserError, "reason"):
            invoice.with_user(self.reviewer)._ai_reject(False)
        self._review(invoice, "reject", "Customer disputes the quantity.")
        self.assertEqual(invoice.state, "cancel", "kept for audit, not deleted")
        self.assertEqual(invoice.ai_review_state, "rejected")
        log = invoice.ai_log_ids.filtered(lambda log: log.agent == "review")
        self.assertEqual(
            (log.state, log.rationale), ("rejected", "Customer disputes the quantity.")
        )

    def test_mass_approve_from_list(self):
        invoices = self._pending_invoice(2) | self._pending_invoice(3)
        # as the list's action menu "AI Review: Approve" opens it
        wizard = (
            self.env["ai.invoice.review.wizard"]
            .with_user(self.reviewer)
            .with_context(
                active_model="account.move", active_ids=invoices.ids, default_decision="approve"
            )
            .create({})
        )
        self.assertEqual(wizard.move_ids, invoices)
        wizard.action_confirm()
        self.assertEqual(set(invoices.mapped("ai_review_state")), {"approved"})
        self.assertEqual(len(invoices.ai_log_ids.filtered(lambda log: log.agent == "review")), 2)

    def test_non_reviewer_cannot_approve(self):
        invoice = self._pending_invoice()
        with self.assertRaises(AccessError):
            invoice.with_user(self.clerk)._ai_approve()
        self.assertEqual(invoice.ai_review_state, "pending")

    def test_reviewer_sees_only_own_companies(self):
        company_b = self.setup_other_company(name="Company B")["company"]
        log_b = self.env["ai.invoice.log"]._system_create(
            [{"agent": "invoice_draft", "trigger": "manual", "company_id": company_b.id}]
        )
        visible = self.env["ai.invoice.log"].with_user(self.reviewer).search([])
        self.assertNotIn(log_b, visible)
        self.assertFalse(
            self.env["account.move"]
            .with_user(self.reviewer)
            .search([("company_id", "=", company_b.id)])
        )

    def test_portal_user_reads_no_log(self):
        portal = new_test_user(self.env, login="ai_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["ai.invoice.log"].with_user(portal).search([])

    def test_feedback_marks_log_wrong(self):
        invoice = self._pending_invoice()
        log = invoice.ai_log_ids
        Wizard = self.env["ai.invoice.feedback.wizard"].with_user(self.clerk)
        with self.assertRaisesRegex(UserError, "what was wrong"):
            Wizard.create({"log_ids": log.ids, "feedback": "wrong"}).action_confirm()
        action = log.with_user(self.clerk).action_feedback()
        wizard = Form.from_action(self.env(user=self.clerk), action)
        wizard.note = "The discount should not apply."
        wizard.save().action_confirm()
        self.assertEqual(log.feedback, "wrong")
        self.assertEqual(log.feedback_user_id, self.clerk)
        self.assertEqual(log.kpi_wrong, 100.0)

    def test_analysis_rates(self):
        self._pending_invoice()
        self.company.ai_review_threshold = 0.0
        order = self._order([(self.product_deliv, 1)])
        self._deliver_and_run(order.picking_ids)
        Log = self.env["ai.invoice.log"]
        [(automated, review)] = Log._read_group(
            [("agent", "=", "invoice_draft"), ("company_id", "=", self.company.id)],
            aggregates=["kpi_automated:avg", "kpi_review:avg"],
        )
        self.assertEqual((automated, review), (50.0, 50.0))
