# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .fake_llm_server import completion
from .test_followup import FollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupSend(FollowupCommon):
    """Send & Print: a clerk sends reminders now, through the dunning agent (logged, once
    per customer, level and day), as e-mail and/or letter, with the invoices attached."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ai_user = new_test_user(
            cls.env,
            login="ai_followup_reader",
            name="Una User",
            company_id=cls.company.id,
            groups="ai_invoicing.group_ai_invoicing_user,account.group_account_invoice",
        )

    def _wizard(self, partners, user=None):
        action = partners.with_user(user or self.reviewer).action_ai_followup_send()
        self.assertEqual(action["res_model"], "ai.dunning.send.wizard")
        return Form(
            self.env["ai.dunning.send.wizard"]
            .with_user(user or self.reviewer)
            .with_context(**action["context"])
        )

    def test_send_from_the_customer_with_edited_text_and_preview(self):
        invoice = self._invoice(10, 1234.5)
        form = self._wizard(self.customer)
        self.assertIn("First reminder", form.summary)
        self.assertIn("[PAYMENT_LINK]", form.body, "no raw URL in the text to edit")
        self.assertIn("<table", form.preview)
        self.assertIn(invoice.name, form.preview)
        self.assertIn("Pay Now", form.preview)
        self.assertIn("Rita Reviewer", form.preview, "signed by the follow-up responsible")
        form.subject = "Our invoice, kindly"
        form.body = form.body.replace("Dear", "Hello dear")
        self.assertIn("Hello dear", form.preview, "the preview follows the text")
        wizard = form.save()
        action = wizard.action_send()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(action["params"]["sticky"], "the result stays on screen")
        self.assertIn("1 reminder(s) sent", action["params"]["message"])
        log = self._logs()
        self.assertEqual((log.state, log.decision, log.trigger), ("done", "sent", "manual"))
        self.assertEqual(log.user_id, self.reviewer)
        self.assertEqual(log.source_data["text_source"], "clerk")
        self.assertIn("Sent by Rita Reviewer from Send & Print", log.rationale)
        mail = self._mails()
        self.assertEqual(mail.subject, "Our invoice, kindly")
        body = self._body()
        self.assertIn("Hello dear", body)
        self.assertIn("<table", body)
        self.assertIn("Pay Now", body)
        self.assertIn(invoice.access_token, body, "the button opens the invoice's payment")
        self.assertNotIn("[PAYMENT_LINK]", body)
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.ai_followup_status, "reminded")
        self.assertEqual(customer.ai_followup_last_level_id, self.first)
        # once per customer, level and day: the dedup of the agent holds
        with self.assertRaisesRegex(UserError, "already reminded today"):
            self._wizard(self.customer).save().action_send()
        self.assertEqual(len(self._logs()), 1)

    def test_letter_on_letterhead_without_raw_url_and_signed(self):
        self.env["res.partner.bank"].create(
            {"acc_number": "BE71096123456769", "partner_id": self.company.partner_id.id}
        )
        invoice = self._invoice(10, 80.0)
        form = self._wizard(self.customer)
        form.send_email = False
        form.print_letter = True
        self.assertNotIn(
            "http", form.preview.split("<table")[0] + form.preview.split("</table>")[-1]
        )
        action = form.save().action_send()
        log = self._logs()
        self.assertEqual(action["report_name"], "ai_invoicing.report_ai_followup_letter")
        self.assertEqual(action["context"]["active_ids"], log.ids)
        self.assertFalse(self._mails(), "a letter only: no e-mail")
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "ai_invoicing.report_ai_followup_letter", log.ids
            )[0]
        )
        self.assertIn("<table", html)
        self.assertIn(invoice.name, html)
        self.assertNotIn(invoice.access_token, html, "no payment URL on paper")
        self.assertNotIn("portal_pay", html)
        self.assertIn("Rita Reviewer", html)
        self.assertIn(self.company.name, html)
        self.assertIn("Amount Due", html)
        self.assertIn("Please pay by bank transfer to", html, "how to pay, on paper")
        letters = self.env["ir.attachment"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        self.assertEqual(len(letters), 1, "the letter is filed on the customer")
        self.assertFalse(self._activities(self.customer, "Print and post"), "printed already")

    def test_several_customers_at_once_with_invoices_attached(self):
        other = self._customer("Café Mokka SPRL")
        excluded = self._customer("Excluded NV")
        self._invoice(10, 100.0)
        self._invoice(12, 200.0, partner=other)
        self._invoice(12, 300.0, partner=excluded)
        excluded.with_user(self.reviewer).action_ai_followup_exclude()
        partners = self.customer | other | excluded
        form = self._wizard(partners)
        self.assertIn("not reminded", form.summary)
        self.assertFalse(form.body, "each customer gets its own text")
        form.attach_invoices = True
        action = form.save().action_send()
        self.assertIn("2 reminder(s) sent", action["params"]["message"])
        self.assertIn("Excluded NV", action["params"]["message"])
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(len(self._logs(partners)), 2)
        for partner in (self.customer, other):
            mail = self._mails(partner)
            self.assertEqual(len(mail), 1)
            self.assertTrue(mail.attachment_ids, "the invoice PDF goes with the reminder")
        self.assertFalse(self._mails(excluded))

    def test_rights_in_the_methods(self):
        self._invoice(10)
        for user in (self.ai_user, self.warehouse_user):
            with self.assertRaises(AccessError):
                self.customer.with_user(user).action_ai_followup_send()
        Wizard = self.env["ai.dunning.send.wizard"]
        with self.assertRaisesRegex(AccessError, "Only AI Invoicing reviewers"):
            Wizard.with_user(self.ai_user).create({"partner_ids": self.customer.ids})
        wizard = Wizard.with_user(self.reviewer).create({"partner_ids": self.customer.ids})
        with self.assertRaisesRegex(AccessError, "Only AI Invoicing reviewers"):
            wizard.with_user(self.ai_user).write({"print_letter": True})
        with self.assertRaisesRegex(AccessError, "Only AI Invoicing reviewers"):
            wizard.with_user(self.ai_user).action_send()
        self.assertFalse(self._logs())
        # the clerk's settings on the customer
        with self.assertRaises(AccessError):
            self.customer.with_user(self.ai_user).write({"ai_followup_mode": "manual"})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.ai_user).write(
                {"ai_followup_next_reminder": self.today + timedelta(days=3)}
            )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.reviewer).write({"ai_followup_hold_until": self.today})
        with self.assertRaises(UserError):
            Wizard.with_user(self.reviewer).create(
                {"partner_ids": self.customer.ids, "send_email": False}
            ).action_send()

    def test_manual_mode_postponed_date_and_responsible(self):
        self._invoice(10)
        manual = self._customer("Manual Follow-up BV")
        self._invoice(10, partner=manual)
        clerk = new_test_user(
            self.env,
            login="ai_followup_clerk2",
            name="Carl Clerk",
            company_id=self.company.id,
            groups="ai_invoicing.group_ai_invoicing_reviewer",
        )
        manual.with_user(self.reviewer).write(
            {"ai_followup_mode": "manual", "ai_followup_responsible_id": clerk.id}
        )
        self.customer.with_user(self.reviewer).ai_followup_next_reminder = self.today + timedelta(
            days=5
        )
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.ai_followup_hold_until, self.today + timedelta(days=5))
        stats, trap = self._plan(self.customer | manual)
        trap.perform_enqueued_jobs()
        self.assertEqual(stats["queued"], 0, "neither is reminded by the run")
        self.assertEqual(stats["by_hand"], 2)
        self.assertFalse(self._logs(self.customer | manual))
        requires = (
            self.env["res.partner"]
            .with_user(self.reviewer)
            .search(
                [("id", "in", (self.customer | manual).ids)]
                + [
                    ("ai_followup_total_overdue", ">", 0),
                    ("ai_followup_excluded", "=", False),
                    "|",
                    ("ai_followup_next_date", "=", False),
                    ("ai_followup_next_date", "<=", self.today),
                ]
            )
        )
        self.assertEqual(requires, manual, "Requires Follow-up: the manual one, not the postponed")
        manual.invalidate_recordset(["ai_followup_reason"])
        self.assertIn(
            "Manual follow-up: send it with Send & Print",
            manual.with_user(self.reviewer).ai_followup_reason,
        )
        self.assertIn("Postponed", self.customer.with_user(self.reviewer).ai_followup_reason)
        self.assertEqual(self.company._ai_followup_responsible(manual), clerk)
        self.assertEqual(self.company._ai_followup_responsible(self.customer), self.reviewer)
        # Send & Print sends it, signed by its own responsible
        self._wizard(manual, user=clerk).save().action_send()
        self.assertEqual(self._logs(manual).decision, "sent")
        self.assertIn("Carl Clerk", self._body(manual))

    def test_final_notice_sent_by_hand_is_not_held(self):
        self._invoice(50, 700.0)
        self._wizard(self.customer).save().action_send()
        log = self._logs()
        self.assertEqual(log.dunning_level_id, self.final)
        self.assertEqual((log.state, log.decision), ("done", "sent"), "the clerk's send is theirs")
        self.assertEqual(self.customer.with_company(self.company).ai_followup_status, "reminded")

    def test_several_invoices_one_pay_button_per_row(self):
        one = self._invoice(10, 100.0)
        two = self._invoice(12, 200.0)
        self._wizard(self.customer).save().action_send()
        body = self._body()
        self.assertNotIn("You can pay online here", body, "the buttons are in the table")
        table = body.split("<table")[1].split("</table>")[0]
        self.assertEqual(table.count("Pay Now"), 2)
        self.assertNotIn("Pay Now", body.split("</table>")[1], "and nowhere else")
        for invoice in (one, two):
            self.assertIn(invoice.access_token, table)
        self.assertNotIn("[PAYMENT_LINK]", body)


@tagged("post_install", "-at_install")
class TestFollowupSendLlm(FollowupCommon):
    """With the LLM on, the text to edit is the guarded LLM text; the clerk's send does not
    ask the LLM again."""

    def test_llm_text_to_edit_and_no_second_call(self):
        server = self._start_fake_llm(max_retries=0)
        invoice = self._invoice(8, 1500.0)
        server.script(
            completion(
                json.dumps(
                    {
                        "subject": "About your invoice",
                        "body": f"Dear team, {invoice.name} of $ 1,500.00 is open. "
                        "Pay here: [PAYMENT_LINK]",
                    }
                )
            )
        )
        form = Form(
            self.env["ai.dunning.send.wizard"]
            .with_user(self.reviewer)
            .with_context(default_partner_ids=self.customer.ids)
        )
        self.assertIn("Pay here: [PAYMENT_LINK]", form.body, "the LLM's text, link as placeholder")
        self.assertEqual(len(server.requests), 1)
        form.save().action_send()
        self.assertEqual(len(server.requests), 1, "the clerk's text is sent as is")
        log = self._logs()
        self.assertEqual(log.decision, "sent")
        body = self._body()
        self.assertIn("is open", body)
        self.assertIn(invoice.access_token, body)
