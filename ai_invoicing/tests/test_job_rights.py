# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import new_test_user, tagged

from .common import trap_jobs
from .test_cash_application import CashCommon


@tagged("post_install", "-at_install")
class TestJobRights(CashCommon):
    """Each agent's trigger, pulled by a person with only the rights that trigger needs:
    the job is stored and run as queue_job's runner does (loaded back as the stored
    user), and still does its work, as the agent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="ai_plain_accountant",
            name="Anna Accountant",
            email="anna@example.com",
            company_id=cls.company.id,
            groups="account.group_account_invoice",
        )
        cls.bank_clerk = new_test_user(
            cls.env,
            login="ai_bank_clerk",
            name="Bert Bankclerk",
            company_id=cls.company.id,
            groups="account.group_account_invoice,ai_invoicing.group_ai_invoicing_user",
        )
        cls.customer = cls._customer("Brasserie du Parc SA")

    def test_accountant_without_ai_rights_posts_and_the_invoice_is_sent(self):
        self.company.write({"ai_auto_post": False, "ai_auto_send": True})
        order = self._order([(self.product_deliv, 2)], partner=self.customer)
        with trap_jobs() as trap:
            self._deliver(order.picking_ids, user=self.warehouse_user)
            trap.perform_enqueued_jobs()
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(self.accountant.has_group("ai_invoicing.group_ai_invoicing_user"))
        with trap_jobs() as trap:
            invoice.with_user(self.accountant).action_post()
            trap.assert_jobs_count(1, only=self.env["ai.invoice.agent.delivery"]._job_run)
            trap.perform_enqueued_jobs()
        log = invoice.ai_log_ids.filtered(lambda log: log.agent == "delivery")
        self.assertEqual((log.state, log.decision), ("done", "sent"))
        self.assertEqual(log.user_id, self.accountant, "who triggered it")
        self.assertTrue(invoice.is_move_sent)

    def test_bank_clerk_asks_for_a_match(self):
        invoice = self._invoice(480.0)
        line = self._line(480.0, f"Invoice {invoice.name}", partner_id=self.partner_a.id)
        with trap_jobs() as trap:
            line.with_user(self.bank_clerk).action_ai_cash_match()
            trap.perform_enqueued_jobs()
        log = self._log(line)
        self.assertEqual(log.state, "done")
        self.assertEqual(log.user_id, self.bank_clerk)
        self.assertTrue(self._suggestions(line, "accepted") | self._suggestions(line))
