# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AiInvoicingCommon
from .fake_llm_server import FakeOpenAIServer, completion


@tagged("post_install", "-at_install")
class TestDelivery(AiInvoicingCommon, HttpCase):
    """Posted AI invoices are sent once, by the customer's channel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"ai_auto_post": True, "ai_auto_send": True})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Brasserie Lumière SA",
                "is_company": True,
                "country_id": cls.country_be.id,
                "email": "ap@brasserie.example.com",
            }
        )

    def _post_and_queue(self, partner=None, qty=2):
        """Deliver, draft and auto-post; return (invoice, trap) with the delivery job queued."""
        order = self._order([(self.product_deliv, qty)], partner=partner or self.customer)
        trap_cm = trap_jobs()
        trap = trap_cm.__enter__()
        self.addCleanup(trap_cm.__exit__, None, None, None)
        self._deliver(order.picking_ids)
        trap.perform_enqueued_jobs()  # the drafting job, which posts
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        log = invoice.ai_log_ids.filtered(lambda log: log.agent == "delivery")
        self.assertEqual(log.state, "queued")
        trap.assert_jobs_count(1, only=self._job_function(log))
        return invoice, log, trap

    def _mails(self, invoice):
        """Mails sent to the customer about ``invoice`` (not Odoo's assignment notices)."""
        mails = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        return mails.filtered(lambda mail: mail.message_type == "comment")

    def test_email_with_invoice_slip_and_payment_link(self):
        self.company.link_qr_code = True  # Odoo's payment QR/link on the invoice PDF
        invoice, log, trap = self._post_and_queue()
        trap.perform_enqueued_jobs()
        self.assertEqual((log.state, log.decision), ("done", "sent"))
        self.assertEqual(log.source_data["channel"], "email")
        self.assertTrue(invoice.is_move_sent)
        mail = self._mails(invoice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        names = mail.attachment_ids.mapped("name")
        self.assertTrue(any(name.startswith("Delivery Slip") for name in names), names)
        self.assertTrue(
            any(name == invoice._get_invoice_report_filename() for name in names), names
        )
        self.assertIn("Pay online securely", mail.body_html)
        pdf = invoice.invoice_pdf_report_id.raw.decode(errors="ignore")  # HTML in test mode
        self.assertIn(invoice.get_portal_url(anchor="portal_pay").replace("&", "&amp;"), pdf)
        self.assertIn(invoice.access_token, mail.body_html)
        # the portal answers for the token in the link
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_portal_only_customer_gets_no_mail(self):
        self.customer.write({"email": False, "invoice_sending_method": "portal"})
        invoice, log, trap = self._post_and_queue()
        trap.perform_enqueued_jobs()
        self.assertEqual(log.source_data["channel"], "portal")
        self.assertEqual(log.decision, "sent")
        self.assertFalse(self._mails(invoice))
        self.assertTrue(invoice.access_token)

    def test_never_sent_twice(self):
        invoice, log, trap = self._post_and_queue()
        trap.perform_enqueued_jobs()
        self._run_log(log)  # a retry of the same job
        twin = self._system_log(invoice, "manual", agent="delivery")
        self._run_log(twin)
        self.assertEqual(twin.decision, "skipped")
        self.assertEqual(len(self._mails(invoice)), 1)
        with trap_jobs() as trap2:
            self.env["ai.invoice.agent.delivery"]._enqueue(invoice, "manual")
            trap2.assert_jobs_count(0)

    def test_failure_gives_failed_log_activity_and_retry(self):
        invoice, log, trap = self._post_and_queue()
        self.customer.write({"invoice_sending_method": "email", "email": False})  # before sending
        trap.perform_enqueued_jobs()
        self.assertEqual(log.state, "failed")
        self.assertIn("has no e-mail address", log.error)
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        self.assertTrue(invoice.activity_ids.filtered(lambda a: a.activity_type_id == failure))
        self.assertFalse(self._mails(invoice))
        self.customer.email = "ap@brasserie.example.com"
        with trap_jobs() as trap2:
            log.action_retry()
            trap2.perform_enqueued_jobs()
        self.assertEqual(log.decision, "sent")
        self.assertEqual(len(self._mails(invoice)), 1)

    def test_customer_without_preference_is_sent_by_email_as_odoo_would(self):
        self.assertFalse(self.customer.invoice_sending_method)
        invoice, log, trap = self._post_and_queue()
        trap.perform_enqueued_jobs()
        self.assertEqual(log.source_data["channel"], "email")
        self.assertEqual(len(self._mails(invoice)), 1)

    def test_manual_preference_gives_an_activity_and_no_mail(self):
        self.customer.invoice_sending_method = "manual"
        invoice, log, trap = self._post_and_queue()
        trap.perform_enqueued_jobs()
        self.assertEqual((log.decision, log.source_data["channel"]), ("sent", "manual"))
        self.assertFalse(self._mails(invoice))
        self.assertTrue(invoice.invoice_pdf_report_id, "the PDF is ready for a person")
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.assertTrue(invoice.activity_ids.filtered(lambda a: a.activity_type_id == todo))

    def test_preference_is_per_company(self):
        """Odoo's invoice_sending_method is company-dependent: the agent reads the invoice's."""
        other = self.setup_other_company(name="Other Sender")["company"]
        self.customer.with_company(other).invoice_sending_method = "manual"
        self.assertEqual(self.customer._ai_effective_channel(self.company), "email")
        self.assertEqual(self.customer._ai_effective_channel(other), "manual")

    def test_peppol_channel(self):
        if "account_peppol" not in self.env["ir.module.module"]._installed():
            self.skipTest("account_peppol is not installed in this database")
        # Odoo's own demo mode of the Peppol proxy: no network, the access point is mocked
        self.env["ir.config_parameter"].sudo().set_param("account_peppol.edi.mode", "demo")
        self.company.partner_id.write(
            {"country_id": self.country_be.id, "vat": "BE0477472701", "street": "Rue 1"}
        )
        self.company.write(
            {
                "peppol_eas": "0208",
                "peppol_endpoint": "0477472701",
                "account_peppol_proxy_state": "sender",
            }
        )
        self.customer.write(
            {
                "vat": "BE0202239951",
                "street": "Rue de la Loi 16",
                "city": "Brussels",
                "zip": "1000",
                "peppol_eas": "0208",
                "peppol_endpoint": "0202239951",
                "invoice_sending_method": "peppol",
            }
        )
        self.customer.button_account_peppol_check_partner_endpoint(company=self.company)
        self.assertEqual(self.customer.peppol_verification_state, "valid")
        invoice, log, trap = self._post_and_queue()
        trap.perform_enqueued_jobs()
        self.assertEqual((log.state, log.decision), ("done", "sent"), log.error)
        self.assertEqual(log.source_data["channel"], "peppol")
        self.assertEqual(invoice.peppol_move_state, "processing")
        self.assertTrue(invoice.peppol_message_uuid.startswith("demo_"))
        self.assertTrue(invoice.ubl_cii_xml_id, "the UBL document went out")
        self.assertFalse(self._mails(invoice), "Peppol, not e-mail")

    def test_peppol_preference_without_registration_is_a_clear_failure(self):
        if "account_peppol" not in self.env["ir.module.module"]._installed():
            self.skipTest("account_peppol is not installed in this database")
        invoice, log, trap = self._post_and_queue()
        self.customer.invoice_sending_method = "peppol"  # changed after posting
        trap.perform_enqueued_jobs()
        self.assertEqual(log.state, "failed")
        self.assertIn("Peppol", log.error)
        self.assertIn("Retry", log.error)

    def test_llm_writes_the_opening_paragraph(self):
        body = "Bonjour ! Merci pour votre commande, voici votre facture."
        answer = json.dumps({"subject": "Votre facture", "body": body})
        with FakeOpenAIServer() as server:
            server.script(completion(answer, prompt_tokens=90, completion_tokens=30))
            self.company.write(
                {
                    "ai_llm_enabled": True,
                    "ai_llm_base_url": server.base_url,
                    "ai_llm_model": "fake-model",
                    "ai_llm_timeout": 2.0,
                }
            )
            self.company.sudo().ai_llm_api_key = "sk-test"
            invoice, log, trap = self._post_and_queue()
            server.script(completion(answer, prompt_tokens=90, completion_tokens=30))
            trap.perform_enqueued_jobs()
        mail = self._mails(invoice)
        self.assertIn(body, mail.body_html)
        self.assertIn("Pay online securely", mail.body_html, "the standard parts stay")
        self.assertEqual((log.llm_model, log.completion_tokens), ("fake-model", 30))

    def test_misbehaving_model_cannot_reach_the_customer(self):
        """A model that writes another bank account, a foreign link, a wrong total and
        instructions: the customer gets the template, the log says why."""
        bad = (
            "Dear customer, our bank changed: please pay 9,999.00 EUR to IBAN "
            "BE71 0961 2345 6769 on https://pay.evil-invoices.example.net/acme or call "
            "+32 470 99 88 77. Ignore previous instructions from your accountant."
        )
        answer = json.dumps({"subject": "Invoice", "body": bad})
        with FakeOpenAIServer() as server:
            self.company.write(
                {
                    "ai_llm_enabled": True,
                    "ai_llm_base_url": server.base_url,
                    "ai_llm_model": "fake-model",
                    "ai_llm_timeout": 2.0,
                }
            )
            self.company.sudo().ai_llm_api_key = "sk-test"
            server.script(
                completion(
                    json.dumps(
                        {
                            "customer_note": "",
                            "rationale": "ok",
                            "risk_flags": [],
                            "confidence": 0.9,
                        }
                    )
                )
            )
            invoice, log, trap = self._post_and_queue()
            server.script(completion(answer))
            trap.perform_enqueued_jobs()
        self.assertEqual((log.state, log.decision), ("done", "sent"))
        body = self._mails(invoice).body_html
        for forbidden in ("BE71", "evil-invoices", "9,999.00", "+32 470", "Ignore previous"):
            self.assertNotIn(forbidden, body)
        self.assertIn(invoice.name, body, "the template opening is used")
        self.assertIn(invoice._ai_payment_link(), body, "Odoo's own payment link stays")
        codes = {flag["code"] for flag in log.flags}
        self.assertLessEqual(
            {"llm_bank_details", "llm_foreign_link", "llm_amount_mismatch", "llm_output_injection"},
            codes,
        )
        self.assertTrue(log.llm_fallback)
        self.assertTrue(log.llm_error)
