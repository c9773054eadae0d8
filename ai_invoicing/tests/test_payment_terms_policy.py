# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.tests.common import trap_jobs

from .test_payment_behaviour import PaymentBehaviourCommon


class TestPaymentTermsPolicy(PaymentBehaviourCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.terms_30 = cls.env.ref("account.account_payment_term_30days")
        cls.terms_45 = cls.env.ref("account.account_payment_term_45days")
        cls.terms_15 = cls.env.ref("account.account_payment_term_15days")
        cls.immediate = cls.env.ref("account.account_payment_term_immediate")
        cls.Rule = cls.env["ai.payment.term.rule"]
        cls.slow_rule = cls.Rule.create(
            {
                "sequence": 20,
                "condition": "late_share",
                "last_n": 10,
                "late_days": 15,
                "min_share": 30.0,
                "min_invoices": 3,
                "payment_term_id": cls.terms_30.id,
            }
        )
        cls.new_rule = cls.Rule.create(
            {"sequence": 10, "condition": "new_customer", "payment_term_id": cls.immediate.id}
        )
        cls.company.ai_payment_terms_policy = True

    def _slow_history(self):
        """Five paid invoices, three of them more than 15 days late (60 %)."""
        for due_days_ago, late in ((150, 20), (130, 0), (110, 30), (90, 2), (70, 16)):
            self._paid_late(late, due_days_ago=due_days_ago)

    def _draft(self, terms, partner=None):
        order = self._order(
            [(self.product_order, 1)],
            partner=partner or self.customer,
            confirm=False,
            payment_term_id=terms.id,
        )
        with trap_jobs() as trap:
            order.action_confirm()
            trap.perform_enqueued_jobs()
        log = self.Log.search([("sale_order_id", "=", order.id), ("agent", "=", "invoice_draft")])
        return log, order.invoice_ids

    def _codes(self, findings):
        return {finding["code"]: finding for finding in findings or []}

    def test_off_by_default(self):
        self.assertFalse(self.env["res.company"].create({"name": "Fresh"}).ai_payment_terms_policy)
        self.company.ai_payment_terms_policy = False
        self._slow_history()
        log, invoice = self._draft(self.terms_45)
        self.assertNotIn("payment_terms_policy", self._codes(log.findings))
        self.assertFalse(invoice.ai_suggested_payment_term_id)

    def test_looser_terms_give_a_finding_with_the_figures(self):
        self._slow_history()
        log, invoice = self._draft(self.terms_45)
        self.assertEqual(log.state, "needs_review")
        self.assertEqual(invoice.ai_review_state, "pending")
        finding = self._codes(log.findings)["payment_terms_policy"]
        self.assertEqual(finding["severity"], "warning")
        message = finding["message"]
        self.assertIn("paid 3 of its last 5 invoice(s) more than 15 day(s) late", message)
        self.assertIn("60.0 %", finding["message"])
        self.assertIn("45 Days give 45 day(s), the policy at most 30", finding["message"])
        self.assertIn("Suggested terms: 30 Days", finding["message"])
        self.assertEqual(invoice.invoice_payment_term_id, self.terms_45, "nothing changed")
        self.assertEqual(invoice.ai_suggested_payment_term_id, self.terms_30)

    def test_terms_within_the_policy(self):
        self._slow_history()
        log, invoice = self._draft(self.terms_15)
        self.assertNotIn("payment_terms_policy", self._codes(log.findings))
        self.assertEqual(log.state, "done")
        self.assertFalse(invoice.ai_suggested_payment_term_id)

    def test_good_payer_keeps_its_terms(self):
        for due_days_ago in (150, 130, 110, 90):
            self._paid_late(0, due_days_ago=due_days_ago)
        log, _invoice = self._draft(self.terms_45)
        self.assertFalse(self._codes(log.findings))

    def test_new_customer_pays_immediately(self):
        newcomer = self._customer("Newcomer SRL")
        log, invoice = self._draft(self.terms_30, partner=newcomer)
        finding = self._codes(log.findings)["payment_terms_policy"]
        self.assertIn("Newcomer SRL is a new customer", finding["message"])
        self.assertEqual(invoice.ai_suggested_payment_term_id, self.immediate)

    def test_one_click_apply_by_a_reviewer(self):
        self._slow_history()
        _log, invoice = self._draft(self.terms_45)
        # a user who is no reviewer is refused, in the method
        with self.assertRaises(AccessError):
            invoice.with_user(self.clerk).action_ai_apply_suggested_terms()
        self.assertEqual(invoice.invoice_payment_term_id, self.terms_45)
        invoice.with_user(self.reviewer).action_ai_apply_suggested_terms()
        self.assertEqual(invoice.invoice_payment_term_id, self.terms_30)
        self.assertEqual(invoice.ai_payment_term_before_id, self.terms_45)
        self.assertFalse(invoice.ai_suggested_payment_term_id)
        codes = self._codes(invoice.ai_check_findings)
        self.assertNotIn("payment_terms_policy", codes)
        self.assertIn(
            "set to 30 Days by the policy (they were 45 Days)",
            codes["payment_terms_applied"]["message"],
        )
        self.assertIn("by Rita Reviewer", invoice.message_ids[0].body)
        self.assertEqual(invoice.ai_review_state, "pending", "the reviewer still decides")
        # nothing more to apply
        with self.assertRaises(UserError):
            invoice.with_user(self.reviewer).action_ai_apply_suggested_terms()
        # the audit fields are the system's
        with self.assertRaises(AccessError):
            invoice.with_user(self.reviewer).write({"ai_payment_term_applied": False})
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.reviewer).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "ai_payment_term_applied": True,
                }
            )

    def test_apply_refused_on_a_posted_invoice(self):
        self._slow_history()
        invoice = self._invoice(-5, 100.0, invoice_payment_term_id=self.terms_45.id)
        with self.assertRaises(UserError):
            invoice.with_user(self.reviewer).action_ai_apply_suggested_terms()

    def test_auto_apply(self):
        self.company.ai_payment_terms_auto_apply = True
        self._slow_history()
        log, invoice = self._draft(self.terms_45)
        self.assertEqual(invoice.invoice_payment_term_id, self.terms_30)
        self.assertEqual(invoice.ai_payment_term_before_id, self.terms_45)
        self.assertEqual(log.state, "done", "info only: no review for the terms")
        finding = self._codes(log.findings)["payment_terms_applied"]
        self.assertEqual(finding["severity"], "info")
        self.assertIn("paid 3 of its last 5 invoice(s)", finding["message"])
        policy = log.source_data["payment_terms_policy"]
        self.assertEqual(policy["terms_before"], "45 Days")
        self.assertTrue(policy["applied_by_policy"])

    def test_rules_are_managed_by_managers(self):
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.reviewer).create(
                {"condition": "new_customer", "payment_term_id": self.immediate.id}
            )
        self.assertIn("New customers: Immediate Payment", self.new_rule.name)
        self.assertEqual(self.slow_rule.max_days, 30)
        self.company.ai_payment_terms_policy = False
        self.env["res.config.settings"].create({"ai_payment_terms_policy": True}).execute()
        self.assertTrue(self.company.ai_payment_terms_policy)
        self.assertEqual(self.Rule.search([]).company_id, self.company)
