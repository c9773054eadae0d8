# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AiInvoicingCommon, trap_jobs


@tagged("post_install", "-at_install")
class TestBilling(AiInvoicingCommon):
    """Invoicing modes and consolidated batch runs."""

    def _chunks(self, batch):
        return batch.log_ids.filtered(lambda log: log.agent == "billing")

    def _run_chunks(self, batch):
        for chunk in self._chunks(batch):
            self._run_log(chunk)

    def test_per_order_drafts_once_the_order_is_fully_delivered(self):
        self.partner_a.ai_invoicing_mode = "per_order"
        order = self._order([(self.product_deliv, 4)])
        with trap_jobs() as trap:
            self._deliver(order.picking_ids, {self.product_deliv: 1})
            trap.assert_jobs_count(0)
            self._deliver(order.picking_ids.filtered(lambda p: p.state != "done"))
            trap.assert_jobs_count(1)
        log = self.Log.search([("sale_order_id", "=", order.id)])
        self.assertEqual(log.trigger, "order_delivered")
        self._run_log(log)
        self.assertEqual(order.invoice_ids.invoice_line_ids.quantity, 4)
        self.assertEqual(len(log.source_data["deliveries"]), 2)

    def test_per_period_waits_then_one_invoice_per_customer(self):
        self.company.write({"ai_invoicing_mode": "per_period", "ai_invoicing_period": "daily"})
        orders = self._order([(self.product_deliv, 2)]) | self._order([(self.product_deliv, 3)])
        with trap_jobs() as trap:
            for order in orders:
                self._deliver(order.picking_ids)
            trap.assert_jobs_count(0)
        waiting = self.env["stock.picking"].search([("ai_waiting_invoice", "=", True)])
        self.assertEqual(waiting & orders.picking_ids, orders.picking_ids)
        self.assertEqual(self.partner_a.ai_waiting_delivery_count, 2)
        with trap_jobs() as trap:
            self.env["ai.invoice.agent.billing"]._cron_draft_period_invoices()
            trap.assert_jobs_count(1)
        batch = self.env["ai.invoice.batch"].search([], limit=1)
        self.assertEqual((batch.trigger, batch.order_count, batch.state), ("period", 2, "running"))
        self._run_chunks(batch)
        invoice = orders.invoice_ids
        self.assertEqual(len(invoice), 1, "one invoice for the customer's period")
        self.assertEqual(sum(invoice.invoice_line_ids.mapped("quantity")), 5)
        log = batch.log_ids.filtered(lambda log: log.agent == "invoice_draft")
        self.assertEqual(log.move_id, invoice)
        self.assertEqual(
            sorted(log.source_data["deliveries"]), sorted(orders.picking_ids.mapped("name"))
        )
        self.assertEqual((batch.done_count, batch.failed_count, batch.state), (2, 0, "done"))
        self.assertEqual(batch.invoice_count, 1)
        self.partner_a.invalidate_recordset(["ai_waiting_delivery_count"])
        self.assertFalse(self.partner_a.ai_waiting_delivery_count)

    def test_customer_override_of_the_company_mode(self):
        self.partner_b.with_company(self.company).ai_invoicing_mode = "per_period"
        order = self._order([(self.product_deliv, 2)], partner=self.partner_b)
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            trap.assert_jobs_count(0)
        self.assertEqual(self.partner_b._ai_invoicing_mode(self.company), "per_period")
        self.assertEqual(self.partner_a._ai_invoicing_mode(self.company), "per_delivery")

    def test_a_bad_order_fails_alone_and_a_rerun_invoices_nothing_twice(self):
        self.company.write({"ai_invoicing_mode": "per_period", "ai_batch_size": 10})
        nowhere = self.partner_a.copy({"name": "Nowhere Ltd", "country_id": False})
        good = self._order([(self.product_deliv, 2)]) | self._order(
            [(self.product_deliv, 1)], partner=self.partner_b
        )
        bad = self._order([(self.product_deliv, 1)], partner=nowhere)
        with trap_jobs():
            for order in good | bad:
                self._deliver(order.picking_ids)
            self.env["ai.invoice.agent.billing"]._action_draft_now(good | bad)
        batch = self.env["ai.invoice.batch"].search([], limit=1)
        self.assertEqual(len(self._chunks(batch)), 1)
        self._run_chunks(batch)
        self.assertEqual(len(good.invoice_ids), 2)
        self.assertFalse(bad.invoice_ids)
        failed = batch.log_ids.filtered(lambda log: log.state == "failed")
        self.assertEqual(failed.sale_order_id, bad)
        self.assertIn("has no country", failed.error)
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        self.assertTrue(bad.activity_ids.filtered(lambda a: a.activity_type_id == failure))
        self.assertEqual((batch.done_count, batch.failed_count), (2, 1))
        # the same chunk run again: nothing is invoiced twice
        chunk = self._chunks(batch)
        chunk._system_write({"state": "queued"})
        self._run_log(chunk)
        self.assertEqual(len(good.invoice_ids), 2)
        self.assertEqual(sorted(chunk.source_data["skipped"]), sorted(good.ids))

    def test_batches_are_chunked_and_not_queued_twice(self):
        self.company.write({"ai_invoicing_mode": "per_period", "ai_batch_size": 2})
        orders = self.env["sale.order"]
        for _i in range(5):
            orders |= self._order([(self.product_deliv, 1)])
        with trap_jobs() as trap:
            for order in orders:
                self._deliver(order.picking_ids)
            self.env["ai.invoice.agent.billing"]._action_draft_now(orders)
            batch = self.env["ai.invoice.batch"].search([], limit=1)
            self.assertEqual(len(self._chunks(batch)), 3, "chunks of the batch size")
            trap.assert_jobs_count(1)  # one job for the company; each takes one chunk
            # the same orders again while their chunks wait: nothing new
            with self.assertRaisesRegex(Exception, "Nothing to draft"):
                orders.action_ai_draft_invoices_now()
            results = self._drain(trap)
        self.assertEqual(len(results), 3, "one job per chunk, each leaving the next")
        self.assertEqual(len(orders.invoice_ids), 3, "one invoice per chunk: one customer")
        self.assertTrue(all(orders.mapped("invoice_ids")))

    def test_salesperson_without_access_cannot_draft_others_orders(self):
        seller = new_test_user(self.env, login="b_seller", groups="sales_team.group_sale_salesman")
        order = self._order([(self.product_deliv, 1)])
        order.user_id = self.env.user
        with self.assertRaises(AccessError):
            order.with_user(seller).action_ai_draft_invoices_now()
