# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import AiInvoicingCommon, trap_jobs


@tagged("post_install", "-at_install")
class TestReviewGuard(AiInvoicingCommon):
    """The human in the loop holds against any client (RPC-style calls with_user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ai_review_threshold = 50.0  # every test draft waits for review

        def user(login, groups, **extra):
            return new_test_user(
                cls.env, login=login, company_id=cls.company.id, groups=groups, **extra
            )

        cls.invoicing = user("g_invoicing", "account.group_account_invoice")
        cls.ai_user = user(
            "g_ai_user", "account.group_account_invoice,ai_invoicing.group_ai_invoicing_user"
        )
        cls.manager = user("g_manager", "ai_invoicing.group_ai_invoicing_manager")
        cls.warehouse = cls.warehouse_user
        company_b = cls.setup_other_company(name="Guard B")["company"]
        cls.reviewer_b = new_test_user(
            cls.env,
            login="g_reviewer_b",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
            groups="ai_invoicing.group_ai_invoicing_reviewer",
        )

    def _pending_invoice(self, qty=2):
        order = self._order([(self.product_deliv, qty)])
        log = self._deliver_and_run(order.picking_ids)
        invoice = log.move_id
        self.assertEqual(invoice.ai_review_state, "pending")
        return invoice

    def _review_logs(self, invoice):
        return self.Log.search([("move_id", "=", invoice.id), ("agent", "=", "review")])

    def _reject(self, invoice, user, reason):
        action = invoice.with_user(user).button_cancel()
        self.assertEqual(action["res_model"], "ai.invoice.review.wizard")
        wizard = Form.from_action(self.env(user=user), action)
        self.assertEqual(wizard.decision, "reject")
        wizard.reason = reason
        wizard.save().action_confirm()

    def test_nobody_writes_the_review_state_over_rpc(self):
        invoice = self._pending_invoice()
        users = (self.invoicing, self.ai_user, self.reviewer, self.manager)
        for user in users:
            for vals in (
                {"ai_review_state": "approved"},
                {"ai_review_state": "none"},
                {"ai_review_reason": False},
                {"ai_check_findings": []},
                {"ai_drafted": False},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    invoice.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.invoicing).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "ai_review_state": "approved",
                }
            )
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertFalse(self._review_logs(invoice))

    def test_defaults_pass_a_forged_review_state_does_not(self):
        """Odoo creates entries with every default (a bank statement line through _inherits)."""
        journal = self.company_data["default_journal_bank"]
        line = self.env["account.bank.statement.line"].create(
            {"journal_id": journal.id, "amount": 100.0, "payment_ref": "Guard test"}
        )
        self.assertEqual(line.move_id.ai_review_state, "none")
        Move = self.env["account.move"].with_user(self.invoicing)
        Move.create({"move_type": "out_invoice", "ai_review_state": "none"})
        with self.assertRaises(AccessError):
            Move.create({"move_type": "out_invoice", "ai_check_findings": [{"code": "x"}]})

    def test_posting_a_pending_draft_is_refused_for_everyone(self):
        invoice = self._pending_invoice()
        for user in (self.invoicing, self.ai_user, self.reviewer, self.manager):
            with self.subTest(user=user.login), self.assertRaisesRegex(UserError, "review"):
                invoice.with_user(user).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_only_reviewers_of_the_company_approve(self):
        invoice = self._pending_invoice()
        for user in (self.invoicing, self.ai_user, self.warehouse):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                invoice.with_user(user)._ai_approve()
        with self.assertRaises(AccessError):
            invoice.with_user(self.reviewer_b)._ai_approve()
        self.assertEqual(invoice.ai_review_state, "pending")

    def test_cancel_of_a_pending_draft_is_a_rejection(self):
        invoice = self._pending_invoice()
        with self.assertRaises(AccessError):
            invoice.with_user(self.invoicing).button_cancel()
        self.assertEqual(invoice.state, "draft")
        with self.assertRaisesRegex(UserError, "reason"):  # checked in the method, not the view
            invoice.with_user(self.reviewer)._ai_reject(False)
        self._reject(invoice, self.reviewer, "Customer returned the goods")
        self.assertEqual((invoice.state, invoice.ai_review_state), ("cancel", "rejected"))
        log = self._review_logs(invoice)
        self.assertEqual((log.decision, log.rationale), ("rejected", "Customer returned the goods"))
        review = self.env.ref("ai_invoicing.mail_activity_type_ai_review")
        self.assertFalse(invoice.activity_ids.filtered(lambda a: a.activity_type_id == review))
        queue = self.env["account.move"].search([("ai_review_state", "=", "pending")])
        self.assertNotIn(invoice, queue, "the review queue is emptied")

    def test_reset_to_draft_after_approval_goes_back_to_review(self):
        self.company.ai_auto_post = True
        invoice = self._pending_invoice()
        invoice.with_user(self.reviewer)._ai_approve()
        self.assertEqual((invoice.state, invoice.ai_review_state), ("posted", "approved"))
        invoice.with_user(self.invoicing).button_draft()
        self.assertEqual((invoice.state, invoice.ai_review_state), ("draft", "pending"))
        self.assertIn("Reset to draft", invoice.ai_review_reason)
        self.assertEqual(self._review_logs(invoice).mapped("decision"), ["reopened", "approved"])
        with self.assertRaisesRegex(UserError, "review"):
            invoice.with_user(self.invoicing).action_post()

    def test_edit_after_approval_goes_back_to_review_with_checks_rerun(self):
        invoice = self._pending_invoice()
        invoice.with_user(self.reviewer)._ai_approve()  # the company does not auto-post
        self.assertEqual((invoice.state, invoice.ai_review_state), ("draft", "approved"))
        invoice.with_user(self.invoicing).ref = "Harmless reference"
        self.assertEqual(invoice.ai_review_state, "approved", "a reference is not a figure")
        line = invoice.invoice_line_ids
        # line by line over RPC, not through the form
        line.with_user(self.invoicing).write({"price_unit": 10.0})
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertIn("Changed by", invoice.ai_review_reason)
        codes = {f["code"] for f in invoice.ai_check_findings}
        self.assertTrue(codes, "the checks ran again on the edited draft")
        with self.assertRaisesRegex(UserError, "review"):
            invoice.with_user(self.invoicing).action_post()

    def test_customer_change_after_approval_goes_back_to_review(self):
        invoice = self._pending_invoice()
        invoice.with_user(self.reviewer)._ai_approve()
        invoice.with_user(self.invoicing).partner_id = self.partner_b
        self.assertEqual(invoice.ai_review_state, "pending")

    def test_approve_reruns_the_checks_when_the_draft_changed(self):
        invoice = self._pending_invoice()
        before = invoice.ai_checked_fingerprint
        invoice.invoice_line_ids.with_user(self.invoicing).write({"discount": 60.0})
        self.assertEqual(invoice.ai_review_state, "pending")
        invoice.with_user(self.reviewer)._ai_approve()
        self.assertNotEqual(invoice.ai_checked_fingerprint, before)
        self.assertIn("discount_too_high", {f["code"] for f in invoice.ai_check_findings})

    def test_confirm_by_a_person_sends_the_approved_invoice(self):
        self.company.ai_auto_send = True
        invoice = self._pending_invoice()
        invoice.with_user(self.reviewer)._ai_approve()
        with trap_jobs() as trap:
            invoice.with_user(self.invoicing).action_post()
            delivery = self.Log.search([("move_id", "=", invoice.id), ("agent", "=", "delivery")])
            self.assertEqual((delivery.state, delivery.trigger), ("queued", "invoice_posted"))
            trap.assert_jobs_count(1, only=self._job_function(delivery))

    def test_portal_reads_no_internal_review_data(self):
        invoice = self._pending_invoice()
        portal = new_test_user(self.env, login="g_portal", groups="base.group_portal")
        for fname in ("ai_review_reason", "ai_check_findings", "ai_check_html", "ai_log_ids"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                invoice.with_user(portal).read([fname])

    def test_users_without_ai_group_open_invoice_and_delivery_forms(self):
        invoice = self._pending_invoice()
        picking = invoice.invoice_line_ids.sale_line_ids.order_id.picking_ids
        form = Form(invoice.with_user(self.invoicing))
        self.assertEqual(form.ai_review_state, "pending")
        self.assertTrue(invoice.with_user(self.invoicing).ai_review_reason)
        self.assertEqual(invoice.with_user(self.invoicing).ai_log_count, 1)
        # (Form() would also read stock_delivery's carrier zip prefixes, which a bare
        # warehouse user may not read, with or without this addon)
        views = picking.with_user(self.warehouse).get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        self.assertNotIn("ai_log_ids", arch)  # the smart button is for AI Invoicing users
        fnames = [f for f in picking._fields if f.startswith("ai_") and f != "ai_log_ids"]
        picking.with_user(self.warehouse).read(fnames)
        self.assertEqual(picking.with_user(self.warehouse).ai_log_count, 1)
        with self.assertRaises(AccessError):
            invoice.with_user(self.invoicing).read(["ai_log_ids"])
