# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import hashlib
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.models.account_move_send import (
    AccountMoveSend as OdooAccountMoveSend,
)
from odoo.addons.base.tests.common import MockSmtplibCase
from odoo.addons.queue_job.controllers.main import _prevent_commit
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AiInvoicingCommon

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@tagged("post_install", "-at_install")
class TestAuditReceipt(AiInvoicingCommon, HttpCase, MockSmtplibCase):
    """What became of a sent invoice: mail state, bounce, Peppol, view, payment, PDF."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"ai_auto_post": True, "ai_auto_send": True})
        cls.customer = cls._customer("Brasserie Receipt", lang="en_US")

    def _send(self, partner=None):
        """Deliver, draft, post and send (the delivery job); return (invoice, log)."""
        order = self._order([(self.product_deliv, 2)], partner=partner or self.customer)
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            trap.perform_enqueued_jobs()  # drafting, which posts
            trap.perform_enqueued_jobs()  # delivery
        invoice = order.invoice_ids
        log = invoice.ai_log_ids.filtered(lambda log: log.agent == "delivery")
        self.assertEqual((log.state, log.decision), ("done", "sent"), log.error)
        return invoice, log

    def _mail(self, invoice):
        mails = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        return mails.filtered(lambda mail: mail.message_type == "comment")

    def _send_mail_queue(self, invoice, error=None):
        """Odoo's mail queue sends the invoice's mail (to Odoo's mocked SMTP server)."""
        with self.mock_smtplib_connection():
            if error:
                IrMailServer = type(self.env["ir.mail_server"])
                with patch.object(IrMailServer, "send_email", side_effect=error):
                    self._mail(invoice).send(raise_exception=False)
            else:
                self._mail(invoice).send(raise_exception=False)

    def _receipt_activity(self, record):
        kind = self.env.ref("ai_invoicing.mail_activity_type_ai_receipt")
        return record.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def _timeline(self, log):
        return log.receipt_event_ids.mapped("state")

    def _search(self, filter_domain):
        return self.Log.search(filter_domain)

    def _filter(self, name):
        """The logs the search view's filter ``name`` finds, as a clerk would click it."""
        view = self.env.ref("ai_invoicing.ai_invoice_log_view_search_receipt")
        [node] = etree.fromstring(view.arch).xpath(f"//filter[@name='{name}']")
        domain = safe_eval(
            node.get("domain"),
            {
                "context_today": lambda: fields.Date.context_today(self.Log),
                "relativedelta": relativedelta,
            },
        )
        return self.Log.search(domain)

    def test_not_viewed_after_seven_days(self):
        _invoice, log = self._send()
        _invoice2, viewed = self._send(self._customer("Brasserie Viewed"))
        self.assertNotIn(log, self._filter("filter_receipt_not_viewed"), "sent today")
        eight_days_ago = fields.Datetime.now() - relativedelta(days=8)
        (log | viewed)._system_write({"receipt_sent_date": eight_days_ago})
        viewed._ai_receipt("viewed", "portal")
        found = self._filter("filter_receipt_not_viewed")
        self.assertIn(log, found, "a clerk chases it by hand")
        self.assertNotIn(viewed, found)
        groups = dict(
            self.Log._read_group([("id", "in", (log | viewed).ids)], ["receipt_state"], ["__count"])
        )
        self.assertEqual(groups, {"outgoing": 1, "viewed": 1})

    # ------------------------------------------------------------------
    # E-mail
    # ------------------------------------------------------------------
    def test_email_sent_then_bounced(self):
        invoice, log = self._send()
        self.assertEqual(log.receipt_state, "outgoing", "in Odoo's mail queue")
        message = log.receipt_message_id
        self.assertEqual((message.model, message.res_id), ("account.move", invoice.id))
        # the final PDF is filed with its SHA-256
        pdf = invoice.invoice_pdf_report_id
        self.assertEqual(log.pdf_attachment_id, pdf)
        self.assertEqual(log.pdf_sha256, hashlib.sha256(pdf.raw).hexdigest())
        self.assertTrue(log.pdf_intact)
        sent_pdf = pdf.raw
        self._send_mail_queue(invoice)  # accepted by the SMTP server
        self.assertEqual(log.receipt_state, "sent")
        self.assertFalse(self._receipt_activity(invoice))
        # the customer's server bounces it: Odoo's bounce handling on the invoice's message
        self.env["mail.thread"]._routing_handle_bounce(
            None,
            {
                "bounced_email": "ap@brasserie-receipt.example.com",
                "bounced_partner": self.customer,
                "bounced_msg_ids": [message.message_id],
                "bounced_message": message,
                "body": "550 5.1.1 mailbox unknown",
                "email_from": "MAILER-DAEMON@example.com",
                "to": "bounce@example.com",
                "message_id": "<bounce-1@example.com>",
            },
        )
        self.assertEqual(log.receipt_state, "bounced")
        self.assertEqual(self._timeline(log), ["outgoing", "sent", "bounced"])
        bounced = log.receipt_event_ids[-1]
        self.assertIn("ap@brasserie-receipt.example.com", bounced.detail)
        self.assertIn("mailbox unknown", bounced.detail)
        activity = self._receipt_activity(invoice)
        self.assertEqual(len(activity), 1, "the AR clerk fixes the address and resends")
        self.assertEqual(activity.user_id, self.company._ai_responsible_user(invoice))
        self.assertIn(log, self._search([("receipt_state", "=", "bounced")]))
        # a later re-render of the PDF cannot silently replace the evidence
        pdf.sudo().raw = b"%PDF-1.7 re-rendered"
        log.invalidate_recordset(["pdf_intact"])
        self.assertFalse(log.pdf_intact)
        self.assertEqual(log.pdf_sha256, hashlib.sha256(sent_pdf).hexdigest())
        # the customer opened it after all (its portal link): a view outranks the bounce
        log._ai_receipt("viewed", "portal")
        self.assertEqual(log.receipt_state, "viewed", "but the customer did open it")

    def test_mail_server_error_is_an_exception(self):
        invoice, log = self._send()
        self._send_mail_queue(
            invoice, error=ConnectionRefusedError("connection refused by smtp.example.com")
        )
        self.assertEqual(log.receipt_state, "exception")
        self.assertEqual(self._timeline(log), ["outgoing", "exception"])
        self.assertEqual(len(self._receipt_activity(invoice)), 1)
        # the clerk fixes the server and Odoo sends the mail again
        self._mail(invoice).mark_outgoing()
        self._send_mail_queue(invoice)
        self.assertEqual(log.receipt_state, "sent")
        self.assertEqual(self._timeline(log), ["outgoing", "exception", "sent"])

    def test_bounced_reminder_is_not_counted_as_delivered(self):
        """A follow-up reminder that bounced is not a reminder the customer had."""
        _invoice, log = self._send()
        dunning = self.Log._system_create(
            [
                {
                    "agent": "dunning",
                    "trigger": "manual",
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "decision": "sent",
                    "state": "done",
                    "dunning_date": "2026-01-10",
                }
            ]
        )
        agent = self.env["ai.invoice.agent.dunning"]
        data = type("Data", (), {"items": []})()
        reminders, _promises = agent._history(self.company, self.customer, data, None)
        self.assertEqual(len(reminders), 1)
        dunning._ai_receipt("bounced", "email", "ap@brasserie-receipt.example.com")
        reminders, _promises = agent._history(self.company, self.customer, data, None)
        self.assertEqual(reminders, [], "a bounced reminder was not delivered")
        self.assertEqual(len(self._receipt_activity(self.customer)), 1)

    # ------------------------------------------------------------------
    # Peppol (Odoo's demo mode of the proxy)
    # ------------------------------------------------------------------
    def _send_peppol(self):
        with (
            patch.object(OdooAccountMoveSend, "_can_commit", lambda self: True),
            _prevent_commit(self.env.cr),
        ):
            return self._send()

    def test_peppol_rejected_by_the_access_point(self):
        self._peppol_customer(self.customer)
        invoice, log = self._send_peppol()
        self.assertEqual(invoice.peppol_move_state, "processing")
        self.assertEqual(log.receipt_state, "sent")
        edi_user = self.company.account_peppol_edi_user
        ProxyUser = type(edi_user)
        original = ProxyUser._call_peppol_proxy

        def proxy(user, endpoint, params=None):
            if endpoint.endswith("get_document"):
                return {
                    uuid: {
                        "error": {
                            "code": 301,
                            "message": "Receiver rejected the document",
                            "args": [],
                            "subject": "Document rejected",
                        }
                    }
                    for uuid in params["message_uuids"]
                }
            return original(user, endpoint, params=params)

        with patch.object(ProxyUser, "_call_peppol_proxy", proxy):
            edi_user._peppol_get_message_status()
        self.assertEqual(invoice.peppol_move_state, "error")
        self.assertEqual(log.receipt_state, "rejected")
        self.assertEqual(self._timeline(log), ["sent", "rejected"])
        self.assertEqual(len(self._receipt_activity(invoice)), 1)
        self.assertIn(log, self._search([("receipt_state", "=", "rejected")]))

    def test_peppol_done_in_demo_mode(self):
        self._peppol_customer(self.customer)
        invoice, log = self._send_peppol()
        self.company.account_peppol_edi_user._peppol_get_message_status()  # demo: done
        self.assertEqual(invoice.peppol_move_state, "done")
        self.assertEqual(log.receipt_state, "delivered")
        self.assertFalse(self._receipt_activity(invoice))

    # ------------------------------------------------------------------
    # Portal: the customer opens the secure link
    # ------------------------------------------------------------------
    def _open(self, invoice, user_agent=BROWSER):
        url = invoice.get_portal_url()
        response = self.url_open(url, headers={"User-Agent": user_agent})
        self.assertEqual(response.status_code, 200)
        return response

    def test_portal_view_by_the_customer_not_by_staff_or_bots(self):
        invoice, log = self._send()
        # an employee opening the customer's link (from the chatter, say) is not the customer
        self.authenticate(self.reviewer.login, self.reviewer.login)
        self._open(invoice)
        self.assertFalse(log.receipt_viewed_date)
        self.logout()
        # a chat app or a mail scanner previewing the link is not the customer either
        for bot in ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", ""):
            self._open(invoice, user_agent=bot)
        self.assertFalse(log.receipt_viewed_date)
        # the customer
        self._open(invoice)
        self.assertTrue(log.receipt_viewed_date)
        self.assertEqual(log.receipt_state, "viewed")
        self.assertIn("Viewed by the customer on", log.message_ids[:1].body)
        self.assertTrue(
            invoice.message_ids.filtered(lambda m: "Viewed by the customer on" in (m.body or ""))
        )
        first = log.receipt_viewed_date
        self._open(invoice)
        self.assertEqual(log.receipt_viewed_date, first, "the first view counts")
        self.assertEqual(self._timeline(log).count("viewed"), 1)

    # ------------------------------------------------------------------
    # Online payment through the link
    # ------------------------------------------------------------------
    def test_paid_online_through_the_link(self):
        invoice, log = self._send()
        provider = self.env.ref("payment.payment_provider_transfer").sudo()
        provider.write({"state": "test", "company_id": self.company.id})
        bank = self.company_data["default_journal_bank"]
        provider.journal_id = bank
        self.env["account.payment.method.line"].sudo().create(
            {
                "name": provider.name,
                "payment_method_id": self.env.ref("account.account_payment_method_manual_in").id,
                "journal_id": bank.id,
                "payment_provider_id": provider.id,
            }
        )
        provider = provider.sudo(False)
        method = provider.payment_method_ids[:1]
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "reference": f"{invoice.name}-online",
                "amount": invoice.amount_residual,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.customer.id,
                "operation": "online_redirect",
                "invoice_ids": [Command.set(invoice.ids)],
            }
        )
        tx._set_done()
        tx._post_process()
        self.assertEqual(log.receipt_state, "paid")
        self.assertTrue(log.receipt_paid_date)
        self.assertIn(tx.reference, log.receipt_event_ids[-1].detail)
        self.assertIn("Paid online on", log.message_ids[:1].body)
        self.assertIn(log, self._search([("receipt_paid_date", "!=", False)]))
