# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import AiInvoicingCommon


@tagged("post_install", "-at_install")
class TestSecurity(AiInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.user_b = new_test_user(
            cls.env,
            login="ai_user_b",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
            groups="ai_invoicing.group_ai_invoicing_user",
        )
        cls.user_a = new_test_user(
            cls.env,
            login="ai_user_a",
            company_id=cls.company.id,
            groups="ai_invoicing.group_ai_invoicing_user",
        )
        cls.log_a = cls.env["ai.invoice.log"]._system_create(
            [{"agent": "invoice_draft", "trigger": "manual", "company_id": cls.company.id}]
        )

    def test_other_company_cannot_read_logs(self):
        self.assertFalse(self.env["ai.invoice.log"].with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            self.log_a.with_user(self.user_b).read(["name"])
        self.assertEqual(
            self.env["ai.invoice.log"].with_user(self.user_a).search([]).company_id,
            self.company,
        )

    def test_audit_log_is_written_by_the_system_only(self):
        """No user (AI user, reviewer, manager, admin) creates, edits or deletes a log over RPC."""
        self.log_a._system_write({"state": "failed", "error": "boom", "decision": "failed"})
        manager = new_test_user(
            self.env, login="ai_manager", groups="ai_invoicing.group_ai_invoicing_manager"
        )
        admin = self.env.ref("base.user_admin")
        admin.company_ids = [Command.link(self.company.id)]
        for user in (self.user_a, self.reviewer, manager, admin):
            log = self.log_a.with_user(user).with_company(self.company)
            log.read(["name", "state"])  # may read
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                log.write({"state": "done"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                log.write({"feedback": "wrong", "feedback_note": "edited over RPC"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                log.unlink()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                log.create(
                    {"agent": "invoice_draft", "trigger": "manual", "company_id": self.company.id}
                )
        self.assertEqual((self.log_a.state, self.log_a.error), ("failed", "boom"))

    def test_retry_is_a_manager_action_checked_in_the_method(self):
        self.log_a._system_write({"state": "failed", "error": "boom", "decision": "failed"})
        for user in (self.user_a, self.reviewer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.log_a.with_user(user).action_retry()
        self.assertEqual(self.log_a.state, "failed")

    def test_feedback_only_through_the_wizard(self):
        wizard = (
            self.env["ai.invoice.feedback.wizard"]
            .with_user(self.user_a)
            .create({"log_ids": self.log_a.ids, "feedback": "wrong", "note": "Wrong customer"})
        )
        wizard.action_confirm()
        self.assertEqual(self.log_a.feedback, "wrong")
        self.assertEqual(self.log_a.feedback_user_id, self.user_a)
        other = self.env["ai.invoice.feedback.wizard"].with_user(self.user_b)
        with self.assertRaises(AccessError):
            other.create({"log_ids": self.log_a.ids, "feedback": "correct"}).action_confirm()

    def test_employee_without_group_reads_nothing(self):
        employee = new_test_user(self.env, login="ai_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["ai.invoice.log"].with_user(employee).search([])

    def test_agent_works_in_new_companies(self):
        self.assertIn(self.company_b, self.agent.company_ids)
        self.assertTrue(self.agent.has_group("account.group_account_invoice"))
        self.assertFalse(self.agent.active, "the agent cannot log in")

    def test_company_b_gets_its_own_ai_journal(self):
        journal = self.company_b._ai_get_invoice_journal()
        self.assertEqual(journal.company_id, self.company_b)
        self.assertEqual(journal.type, "sale")
        self.assertNotEqual(journal, self.company._ai_get_invoice_journal())

    def test_api_key_only_for_settings_admins(self):
        self.company.sudo().ai_llm_api_key = "sk-secret-123"
        reviewer_company = self.company.with_user(self.reviewer)
        with self.assertRaises(AccessError):
            reviewer_company.read(["ai_llm_api_key"])
        self.assertEqual(self.company.sudo().ai_llm_api_key, "sk-secret-123")
