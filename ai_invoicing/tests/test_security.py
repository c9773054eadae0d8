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
        cls.log_a = cls.env["ai.invoice.log"].create(
            {"agent": "invoice_draft", "trigger": "manual", "company_id": cls.company.id}
        )

    def test_other_company_cannot_read_logs(self):
        self.assertFalse(self.env["ai.invoice.log"].with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            self.log_a.with_user(self.user_b).read(["name"])
        self.assertEqual(
            self.env["ai.invoice.log"].with_user(self.user_a).search([]).company_id,
            self.company,
        )

    def test_plain_user_cannot_write_or_retry(self):
        with self.assertRaises(AccessError):
            self.log_a.with_user(self.user_a).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["ai.invoice.log"].with_user(self.user_a).create(
                {"agent": "invoice_draft", "trigger": "manual"}
            )

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
