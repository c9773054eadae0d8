# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.addons.queue_job.tests.common import trap_jobs

from .test_payment_behaviour import PaymentBehaviourCommon


class TestCreditApplication(PaymentBehaviourCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ai_credit_application = "apply"

    def _ai_draft(self):
        order = self._order([(self.product_order, 1)], partner=self.customer, confirm=False)
        with trap_jobs() as trap:
            order.action_confirm()
            trap.perform_enqueued_jobs()
        invoice = order.invoice_ids
        self.assertTrue(invoice.ai_drafted)
        self.assertEqual(invoice.state, "draft")
        return invoice

    def _credits(self):
        """A credit note of 20 (30 days old), an unapplied payment of 10 (10 days old), and a
        credit note in another currency."""
        refund = self._invoice(30, 20.0, move_type="out_refund")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 10.0,
                "date": self.today,
                "journal_id": self.bank_journal.id,
            }
        )
        payment.action_post()
        foreign = self._invoice(40, 30.0, move_type="out_refund", currency=self.other_currency)
        return refund, payment, foreign

    def _credit_log(self, invoice):
        return self.Log.search([("move_id", "=", invoice.id), ("agent", "=", "credit_application")])

    def test_applied_oldest_first_before_sending(self):
        refund, payment, foreign = self._credits()
        invoice = self._ai_draft()
        total = invoice.amount_total
        with trap_jobs() as trap:
            invoice.action_post()
            # applied in the posting's transaction, before the delivery job runs
            self.assertAlmostEqual(invoice.amount_residual, total - 30.0)
            self.assertEqual(invoice.payment_state, "partial")
            log = self._credit_log(invoice)
            self.assertEqual(log.decision, "applied")
            applied = log.source_data["applied"]
            self.assertEqual(
                [row["document"] for row in applied], [refund.name, payment.move_id.name]
            )
            self.assertEqual([row["amount"] for row in applied], [20.0, 10.0])
            self.assertEqual(log.source_data["refused"][0]["document"], foreign.name)
            self.assertEqual(log.source_data["refused"][0]["reason"], "other_currency")
            self.assertIn("Outstanding credits applied", invoice.message_ids[0].body)
            trap.perform_enqueued_jobs()
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(refund.payment_state, "paid")
        self.assertEqual(foreign.payment_state, "not_paid", "never across currencies")

    def test_credit_larger_than_the_invoice(self):
        big = self._invoice(30, 1000.0, move_type="out_refund")
        invoice = self._ai_draft()
        with trap_jobs():
            invoice.action_post()
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(invoice.payment_state, "reversed", "Odoo's state for a credited invoice")
        self.assertAlmostEqual(big.amount_residual, 1000.0 - invoice.amount_total)

    def test_suggest_only(self):
        self.company.ai_credit_application = "suggest"
        refund, _payment, _foreign = self._credits()
        invoice = self._ai_draft()
        with trap_jobs():
            invoice.action_post()
        self.assertEqual(invoice.amount_residual, invoice.amount_total)
        log = self._credit_log(invoice)
        self.assertEqual(log.decision, "suggested")
        self.assertEqual(log.source_data["available"][0]["document"], refund.name)
        self.assertIn("could be applied", invoice.message_ids[0].body)

    def test_off_and_non_ai_invoices(self):
        self._credits()
        self.company.ai_credit_application = "off"
        invoice = self._ai_draft()
        with trap_jobs():
            invoice.action_post()
        self.assertEqual(invoice.amount_residual, invoice.amount_total)
        self.assertFalse(self._credit_log(invoice))
        self.company.ai_credit_application = "apply"
        manual = self._invoice(-10, 80.0)  # a person's invoice: Odoo's usual behaviour
        self.assertEqual(manual.amount_residual, 80.0)
        self.assertFalse(self._credit_log(manual))

    def test_refusals_pending_review_and_other_company(self):
        pending = self._invoice(30, 20.0, move_type="out_refund")
        # a credit note routed to an AI review is not applied (marked as the review path does)
        pending._ai_write({"ai_review_state": "pending"})
        company_2 = self.setup_other_company()["company"]
        self.customer.company_id = False
        elsewhere = (
            self.env["account.move"]
            .with_company(company_2)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.customer.id,
                    "company_id": company_2.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        (0, 0, {"name": "x", "quantity": 1, "price_unit": 15.0, "tax_ids": []})
                    ],
                }
            )
        )
        elsewhere.action_post()
        invoice = self._ai_draft()
        with trap_jobs():
            invoice.action_post()
        self.assertEqual(invoice.amount_residual, invoice.amount_total)
        log = self._credit_log(invoice)
        self.assertEqual(log.decision, "skipped")
        self.assertEqual(log.source_data["refused"][0]["reason"], "pending_review")
        self.assertEqual(pending.amount_residual, 20.0)
        self.assertEqual(elsewhere.amount_residual, 15.0, "never across companies")

    def test_settings(self):
        self.company.ai_credit_application = "off"
        self.env["res.config.settings"].create({"ai_credit_application": "apply"}).execute()
        self.assertEqual(self.company.ai_credit_application, "apply")
