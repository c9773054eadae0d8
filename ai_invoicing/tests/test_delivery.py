# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import LockError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.account.models.account_move_send import (
    AccountMoveSend as OdooAccountMoveSend,
)
from odoo.addons.queue_job.controllers.main import _prevent_commit

from .common import AiInvoicingCommon, trap_jobs
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
        # Odoo's body and button, once: one greeting, one signature, no raw link printed
        body = mail.body_html
        self.assertEqual(mail.mail_message_id.body.count("Dear"), 1)
        self.assertEqual(body.count("--<br"), 1, "one signature")
        self.assertNotIn("Pay online securely", body)
        self.assertNotIn(">http", body, "no URL printed as text")
        self.assertIn("Please remit payment", body)
        pdf = invoice.invoice_pdf_report_id.raw.decode(errors="ignore")  # HTML in test mode
        self.assertIn(invoice.get_portal_url(anchor="portal_pay").replace("&", "&amp;"), pdf)
        self.assertIn(invoice.access_token, body, "Odoo's button opens the invoice to pay")
        self.assertEqual(mail.author_id, invoice.invoice_user_id.partner_id, "the salesperson")

    def test_system_salesperson_the_company_writes_and_signs(self):
        """Orders entered by OdooBot (a demo, an import): not OdooBot signing 'System'."""
        self.company.email = "billing@company.example.com"
        order = self._order([(self.product_deliv, 2)], partner=self.customer)
        order.user_id = self.env.ref("base.user_root")
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            trap.perform_enqueued_jobs()  # drafting, which posts
            trap.perform_enqueued_jobs()  # delivery
        invoice = order.invoice_ids
        mail = self._mails(invoice)
        body = mail.mail_message_id.body
        self.assertNotIn(self.env.ref("base.user_root").signature, body)
        self.assertEqual(body.count("--<br"), 1)
        self.assertRegex(body, rf"--<br[^>]*>{self.company.name}</div>")
        self.assertEqual(mail.author_id, self.company.partner_id)
        self.assertIn("billing@company.example.com", mail.email_from)
        # the portal answers for the token in the link
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_salesperson_signs_and_writes_and_a_paid_invoice_gets_no_pay_text(self):
        seller = self.env["res.users"].create(
            {
                "name": "Sam Seller",
                "login": "sam_seller",
                "email": "sam@example.com",
                "signature": "<p>Sam Seller, Sales</p>",
                "group_ids": [(4, self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        order = self._order([(self.product_deliv, 2)], partner=self.customer)
        order.user_id = seller
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            trap.perform_enqueued_jobs()  # drafting, which posts
            invoice = order.invoice_ids
            self.assertEqual(invoice.invoice_user_id, seller)
            # paid before the delivery job ran
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
            trap.perform_enqueued_jobs()
        body = self._mails(invoice).body_html
        self.assertIn("already paid", body)
        self.assertNotIn("Please remit payment", body)
        self.assertNotIn("Pay online", body)
        self.assertIn("Sam Seller, Sales", body)
        self.assertEqual(body.count("--<br"), 1, "the salesperson's signature only")
        self.assertEqual(self._mails(invoice).author_id, seller.partner_id)

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
        self._peppol_customer(self.customer)
        self.assertEqual(self.customer.peppol_verification_state, "valid")
        invoice, log, trap = self._post_and_queue()
        # as in production: Odoo's send may commit (not a test run), and queue_job's
        # runner forbids a commit inside the job; the agent's send does not commit
        with (
            patch.object(OdooAccountMoveSend, "_can_commit", lambda self: True),
            _prevent_commit(self.env.cr),
        ):
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
        opening = "Merci pour votre commande, voici votre facture."
        body = f"Bonjour Brasserie,\n\n{opening}\n\nCordialement,\nL'équipe"
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
        html = self._mails(invoice).mail_message_id.body
        # after the template's single greeting, without the model's greeting and sign-off
        self.assertIn(opening, html)
        self.assertNotIn("Bonjour", html)
        self.assertNotIn("Cordialement", html)
        self.assertEqual(html.count("Dear"), 1)
        self.assertLess(html.index("Dear"), html.index(opening))
        self.assertLess(html.index(opening), html.index("Here is your"), "the standard parts stay")
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
        self.assertIn(invoice.name, body, "Odoo's own body is used")
        self.assertIn(invoice.access_token, body, "Odoo's own button to view and pay stays")
        codes = {flag["code"] for flag in log.flags}
        self.assertLessEqual(
            {"llm_bank_details", "llm_foreign_link", "llm_amount_mismatch", "llm_output_injection"},
            codes,
        )
        self.assertTrue(log.llm_fallback)
        self.assertTrue(log.llm_error)


@tagged("post_install", "-at_install")
class TestBatchDelivery(AiInvoicingCommon):
    """Invoices posted together are sent together: one call of Odoo's send per
    channel, as its own batch send does, and still one log, one outcome each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"ai_auto_post": True, "ai_auto_send": True})

    def _post_many(self, partners):
        """Deliver, draft and auto-post one order per partner; return (invoices, logs,
        trap) with one delivery log and one delivery job queued per invoice."""
        orders = [
            self._order([(self.product_deliv, 1 + index)], partner=partner)
            for index, partner in enumerate(partners)
        ]
        trap_cm = trap_jobs()
        trap = trap_cm.__enter__()
        self.addCleanup(trap_cm.__exit__, None, None, None)
        for order in orders:
            self._deliver(order.picking_ids)
        for _round in range(10):  # the drafting jobs (and their follow-ups), which post
            drafting = [
                job for job in trap.enqueued_jobs if job.model_name == "ai.invoice.agent.draft"
            ]
            if not drafting:
                break
            trap.enqueued_jobs = [job for job in trap.enqueued_jobs if job not in drafting]
            for job in drafting:
                job.perform()
        invoices = self.env["account.move"].union(*(order.invoice_ids for order in orders))
        self.assertEqual(invoices.mapped("state"), ["posted"] * len(partners))
        logs = self.Log.union(
            *(
                invoice.ai_log_ids.filtered(lambda log: log.agent == "delivery")
                for invoice in invoices
            )
        )
        self.assertEqual(logs.mapped("state"), ["queued"] * len(partners))
        trap.assert_jobs_count(1, only=self._job_function(logs[:1]))  # one for the company
        return invoices, logs, trap

    def _count_sends(self):
        """Record each call of Odoo's send: [(moves, sending methods)]."""
        Send = type(self.env["account.move.send"])
        original = Send._generate_and_send_invoices
        calls = []

        def record(send, moves, **kwargs):
            calls.append((moves, kwargs.get("sending_methods")))
            return original(send, moves, **kwargs)

        patcher = patch.object(
            Send, "_generate_and_send_invoices", autospec=True, side_effect=record
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        return calls

    def _perform(self, trap):
        """Perform the queued jobs and their follow-ups; their results in order."""
        return self._drain(trap)

    def _mails(self, invoice):
        mails = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        return mails.filtered(lambda mail: mail.message_type == "comment")

    def test_posted_together_sent_by_one_odoo_call(self):
        partners = [self._customer(f"Customer {index}") for index in range(4)]
        invoices, logs, trap = self._post_many(partners)
        calls = self._count_sends()
        results = self._perform(trap)
        self.assertEqual(len(calls), 1, "one call of Odoo's send for the batch")
        self.assertEqual(calls[0][0], invoices)
        self.assertEqual(calls[0][1], {"email"})
        self.assertEqual(len(results), 1, "one job for the chunk")
        for log in logs:
            self.assertIn(log.name, results[0])
        for invoice, log, partner in zip(invoices, logs, partners, strict=True):
            self.assertTrue(invoice.is_move_sent)
            self.assertEqual((log.state, log.decision), ("done", "sent"))
            self.assertEqual(log.source_data["recipients"], [partner.email])
            self.assertIn(partner.email, log.rationale)
            mail = self._mails(invoice)
            self.assertEqual(len(mail), 1, "each invoice is sent once")
            self.assertEqual(mail.recipient_ids, partner)
            body = mail.body_html
            # Odoo's own body for this invoice (no AI text without the LLM), its own button
            self.assertIn(invoice.name, body)
            self.assertIn(invoice.access_token, body)
            self.assertNotIn("Please find attached invoice", body, "no second greeting")
            names = mail.attachment_ids.mapped("name")
            self.assertIn(invoice.ai_slip_attachment_ids.name, names)
            self.assertIn(invoice._get_invoice_report_filename(), names)
            for other in invoices - invoice:
                self.assertNotIn(f"{other.name}<", body)
                self.assertNotIn(other.access_token, body)
                self.assertNotIn(other.ai_slip_attachment_ids.name, names)

    def test_each_mail_gets_its_own_llm_opening(self):
        partners = [self._customer("Customer A"), self._customer("Customer B")]
        invoices, logs, trap = self._post_many(partners)
        server = self._start_fake_llm()  # on after posting: only the e-mails use it
        bodies = [
            "Merci pour votre commande, voici votre facture.",
            "Thank you for your order, here is your invoice.",
        ]
        server.script(
            *(completion(json.dumps({"subject": "Invoice", "body": body})) for body in bodies)
        )
        self._perform(trap)
        for invoice, log, body, other in zip(invoices, logs, bodies, bodies[::-1], strict=True):
            html = self._mails(invoice).body_html
            self.assertIn(body, html)
            self.assertNotIn(other, html)
            self.assertEqual(log.llm_model, "fake-model")

    def test_customer_without_email_fails_alone_and_retry_sends_it(self):
        partners = [self._customer(f"Customer {index}") for index in range(3)]
        invoices, logs, trap = self._post_many(partners)
        partners[1].email = False  # before sending
        self._perform(trap)
        self.assertEqual(logs.mapped("decision"), ["sent", "failed", "sent"])
        self.assertEqual([len(self._mails(invoice)) for invoice in invoices], [1, 0, 1])
        self.assertIn("has no e-mail address", logs[1].error)
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        activities = invoices.activity_ids.filtered(lambda a: a.activity_type_id == failure)
        self.assertEqual(activities.mapped("res_id"), [invoices[1].id])
        self.assertFalse(self._mails(invoices[1]))
        self.assertFalse(invoices[1].is_move_sent)
        partners[1].email = "ap@fixed.example.com"
        with trap_jobs() as trap2:
            logs[1].action_retry()
            trap2.perform_enqueued_jobs()
        self.assertEqual((logs[1].state, logs[1].decision), ("done", "sent"))
        self.assertEqual(len(self._mails(invoices[1])), 1)
        for invoice in invoices:
            self.assertEqual(len(self._mails(invoice)), 1, "each invoice is sent once")

    def _break_document(self, bad, effect):
        """Odoo's send goes wrong for the invoice ``bad``: ``effect(invoice_data)``."""
        Send = type(self.env["account.move.send"])
        original = Send._hook_invoice_document_before_pdf_report_render

        def hook(send, invoice, invoice_data):
            original(send, invoice, invoice_data)
            if invoice == bad:
                effect(invoice_data)

        return patch.object(
            Send, "_hook_invoice_document_before_pdf_report_render", autospec=True, side_effect=hook
        )

    def test_odoo_error_on_one_invoice_fails_it_alone(self):
        """Odoo's batch send notes an error on its invoice and sends the others."""
        invoices, logs, trap = self._post_many([self._customer(f"C {i}") for i in range(3)])
        bad = invoices[1]

        def broken(invoice_data):
            invoice_data["error"] = {"error_title": "The EDI document is invalid."}

        with self._break_document(bad, broken):
            self._perform(trap)
        self.assertEqual(logs.mapped("decision"), ["sent", "failed", "sent"])
        self.assertIn("The EDI document is invalid.", logs[1].error)
        self.assertFalse(bad.is_move_sent)
        self.assertFalse(self._mails(bad))
        self.assertTrue(all(len(self._mails(invoice)) == 1 for invoice in invoices - bad))
        with trap_jobs() as trap2:
            logs[1].action_retry()
            trap2.perform_enqueued_jobs()
        self.assertEqual(logs[1].decision, "sent")
        self.assertEqual(len(self._mails(bad)), 1)

    def test_odoo_raising_for_the_batch_is_sent_one_by_one(self):
        """A call that raises for all of them: each invoice is sent alone, the culprit fails."""
        invoices, logs, trap = self._post_many([self._customer(f"C {i}") for i in range(3)])
        bad = invoices[2]

        def raising(invoice_data):
            raise UserError("No report for this invoice.")

        calls = self._count_sends()
        with self._break_document(bad, raising):
            self._perform(trap)
        self.assertEqual([len(moves) for moves, _methods in calls], [3, 1, 1, 1])
        self.assertEqual(logs.mapped("decision"), ["sent", "sent", "failed"])
        self.assertEqual(logs[2].error, "No report for this invoice.")
        self.assertEqual([len(self._mails(invoice)) for invoice in invoices], [1, 1, 0])

    def test_mixed_channels_one_call_per_channel(self):
        partners = [
            self._customer("Mail 1"),
            self._customer("Portal 1", invoice_sending_method="portal"),
            self._customer("Mail 2"),
            self._customer("Manual 1", invoice_sending_method="manual"),
            self._customer("Portal 2", invoice_sending_method="portal"),
        ]
        invoices, logs, trap = self._post_many(partners)
        calls = self._count_sends()
        self._perform(trap)
        self.assertEqual(
            sorted((tuple(methods), moves.ids) for moves, methods in calls),
            [
                (("email",), (invoices[0] | invoices[2]).ids),
                (("manual",), invoices[3].ids),
                (("portal",), (invoices[1] | invoices[4]).ids),
            ],
        )
        self.assertEqual(logs.mapped("decision"), ["sent"] * 5)
        self.assertEqual(
            [log.source_data["channel"] for log in logs],
            ["email", "portal", "email", "manual", "portal"],
        )
        self.assertEqual([len(self._mails(invoice)) for invoice in invoices], [1, 0, 1, 0, 0])
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.assertEqual(
            invoices.activity_ids.filtered(lambda a: a.activity_type_id == todo).mapped("res_id"),
            invoices[3].ids,
            "the manual invoice only gets its activity",
        )
        self.assertTrue(all(invoices.mapped("is_move_sent")))

    def test_batch_size_respected(self):
        self.company.ai_batch_size = 2
        invoices, logs, trap = self._post_many([self._customer(f"C {i}") for i in range(3)])
        calls = self._count_sends()
        results = self._perform(trap)
        self.assertEqual([moves for moves, _methods in calls], [invoices[:2], invoices[2:]])
        self.assertEqual(len(results), 2, "a follow-up job for the next chunk")
        self.assertEqual(logs.mapped("decision"), ["sent"] * 3)

    def test_invoice_held_by_another_job_waits_and_the_rest_goes(self):
        """An invoice another transaction holds (its lock refused) stays queued for a
        later job on the retry pattern; the chunk's other invoices go in one call."""
        invoices, logs, trap = self._post_many([self._customer(f"C {i}") for i in range(3)])
        held = invoices[1]
        Move = type(self.env["account.move"])
        lock = Move.lock_for_update

        def refuse_held(moves, *args, **kwargs):
            if held in moves:
                raise LockError("busy")
            return lock(moves, *args, **kwargs)

        calls = self._count_sends()
        with patch.object(Move, "lock_for_update", autospec=True, side_effect=refuse_held):
            trap.perform_enqueued_jobs()
        self.assertEqual([moves for moves, _methods in calls], [invoices[0] | invoices[2]])
        self.assertEqual(logs.mapped("state"), ["done", "queued", "done"])
        self.assertEqual(logs[1].source_data["busy_tries"], 1)
        later = [job for job in trap.enqueued_jobs if job.identity_key.endswith(",later")]
        self.assertEqual(len(later), 1, "a later job comes back for the held invoice")
        self.assertGreater(later[0].eta, fields.Datetime.now())
        # its time has come and the other job is gone: the later job sends it
        logs[1]._system_write(
            {"source_data": dict(logs[1].source_data, retry_at="2000-01-01 00:00:00")}
        )
        self._drain(trap)
        self.assertEqual(logs.mapped("decision"), ["sent"] * 3)
        self.assertEqual([len(self._mails(invoice)) for invoice in invoices], [1] * 3)

    def test_invoice_held_too_long_fails_for_a_person(self):
        invoices, logs, trap = self._post_many([self._customer("C 0")])
        logs._system_write({"source_data": dict(logs.source_data or {}, busy_tries=4)})
        with patch.object(
            type(self.env["account.move"]), "lock_for_update", side_effect=LockError("busy")
        ):
            trap.perform_enqueued_jobs()
        self.assertEqual(logs.state, "failed")
        self.assertIn("being sent by another job", logs.error)
        self.assertFalse(invoices.is_move_sent)
