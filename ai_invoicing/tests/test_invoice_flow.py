# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, LockError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AiInvoicingCommon, trap_jobs


@tagged("post_install", "-at_install")
class TestInvoiceFlow(AiInvoicingCommon):
    def test_delivery_drafts_invoice_with_odoo_engine(self):
        """Partial delivery: delivered qty, pricelist price, discount, fpos taxes, terms."""
        order = self._order(
            # net 81.00: 19% under the pricelist's 100.00, inside the 20% price tolerance
            [(self.product_deliv, 10, {"discount": 10.0, "price_unit": 90.0})],
            partner=self.partner_b,  # fiscal position maps tax_sale_a -> tax_sale_b
        )
        self.assertEqual(order.fiscal_position_id, self.fiscal_pos_a)
        log = self._deliver_and_run(order.picking_ids, {self.product_deliv: 4})

        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(log.state, "done")
        self.assertEqual(log.move_id, invoice)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.ai_review_state, "none")
        line = invoice.invoice_line_ids
        self.assertEqual(line.quantity, 4, "delivered, not ordered, quantity")
        self.assertEqual(line.price_unit, 90.0)
        self.assertEqual(line.discount, 10.0)
        self.assertEqual(line.tax_ids, self.tax_sale_b, "taxes after fiscal position")
        self.assertEqual(invoice.invoice_payment_term_id, self.pay_terms_b)
        self.assertEqual(invoice.journal_id.code, "AIINV")
        self.assertEqual(invoice.journal_id.name, "AI-Generated Invoices")
        self.assertEqual(invoice.journal_id, self.company.ai_invoice_journal_id)
        self.assertAlmostEqual(log.amount_total, invoice.amount_total)
        self.assertEqual(log.source_data["invoice"]["lines"][0]["quantity"], 4)
        self.assertTrue(log.rationale)
        # The order's chatter links the log, authored by the agent; on the invoice, Odoo's
        # own "created from" note is the agent's (a note of ours only when held for review).
        message = order.message_ids.filtered(lambda m: log.name in (m.body or ""))
        self.assertTrue(message, "the order's chatter links the log")
        self.assertEqual(message[:1].author_id, self.agent.partner_id)
        self.assertFalse(invoice.message_ids.filtered(lambda m: log.name in (m.body or "")))
        origin = invoice.message_ids.filtered(lambda m: order.name in (m.body or ""))
        self.assertEqual(origin[:1].author_id, self.agent.partner_id)

    def test_backorder_invoices_only_remainder(self):
        order = self._order([(self.product_deliv, 10)])
        self._deliver_and_run(order.picking_ids, {self.product_deliv: 6})
        backorder = order.picking_ids.filtered(lambda p: p.state != "done")
        self.assertEqual(len(backorder), 1)
        log2 = self._deliver_and_run(backorder)
        invoices = order.invoice_ids.sorted("id")
        self.assertEqual(len(invoices), 2)
        self.assertEqual(invoices.mapped("invoice_line_ids.quantity"), [6, 4])
        self.assertEqual(log2.move_id, invoices[1])

    def test_delivered_shipping_line_is_invoiced(self):
        shipping = self._create_product(
            name="Shipping", type="service", invoice_policy="order", lst_price=15.0
        )
        order = self._order([(self.product_deliv, 2), (shipping, 1, {"is_delivery": True})])
        self._deliver_and_run(order.picking_ids)
        products = order.invoice_ids.invoice_line_ids.product_id
        self.assertIn(shipping, products)
        self.assertIn(self.product_deliv, products)

    def test_job_retried_and_run_twice_invoices_once(self):
        order = self._order([(self.product_deliv, 3)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(len(order.invoice_ids), 1)
        # queue_job retry of the same job: no-op
        self._run_log(log)
        self.assertEqual(len(order.invoice_ids), 1)
        # A second job for the same picking (e.g. enqueued after the first one
        # left the pending state), run back to back: skipped, nothing created.
        twin = self._system_log(order.picking_ids, "picking_done")
        self._run_log(twin)
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(twin.state, "done")
        self.assertEqual(twin.decision, "skipped")
        self.assertIn(order.invoice_ids.display_name, twin.rationale)

    def test_database_refuses_second_invoice_for_delivery(self):
        order = self._order([(self.product_deliv, 3)])
        log = self._deliver_and_run(order.picking_ids)
        twin = self._system_log(order.picking_ids, "picking_done")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                twin._system_write({"move_id": log.move_id.id})
                twin.flush_recordset()

    def test_enqueue_twice_is_noop(self):
        order = self._order([(self.product_deliv, 3)])
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            self.env["ai.invoice.agent.draft"]._enqueue(order.picking_ids, "picking_done")
            log = self.Log.search([("picking_id", "=", order.picking_ids.id)])
            self.assertEqual(len(log), 1)
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(len(order.invoice_ids), 1)

    def test_two_queued_jobs_for_one_picking_run_back_to_back(self):
        order = self._order([(self.product_deliv, 3)])
        with trap_jobs():
            self._deliver(order.picking_ids)
        first = self.Log.search([("picking_id", "=", order.picking_ids.id)])
        second = self._system_log(order.picking_ids, "picking_done")
        self._run_log(first.with_user(self.agent))
        self._run_log(second.with_user(self.agent))
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(first.decision, "drafted")
        self.assertEqual(second.decision, "skipped")

    def test_locked_order_row_makes_job_retry_later(self):
        """An order another job holds: its log stays queued for a later job on the retry
        pattern (the chunk's other logs go on), nothing half-made."""
        order = self._order([(self.product_deliv, 3)])
        with trap_jobs():
            self._deliver(order.picking_ids)
        log = self.Log.search([("picking_id", "=", order.picking_ids.id)])
        with (
            patch.object(
                type(self.env["sale.order"]), "lock_for_update", side_effect=LockError("busy")
            ),
            trap_jobs() as trap,
        ):
            log._agent_model()._delay(log)
            trap.perform_enqueued_jobs()
            later = [job for job in trap.enqueued_jobs if job.identity_key.endswith(",later")]
        self.assertEqual(log.state, "queued")
        self.assertEqual(log.source_data["busy_tries"], 1)
        self.assertEqual(len(later), 1)
        self.assertFalse(order.invoice_ids)

    def test_warehouse_user_without_invoicing_rights(self):
        """The job runs as the agent, so a warehouse user still gets the invoice."""
        order = self._order([(self.product_deliv, 2)])
        self.assertFalse(self.warehouse_user.has_group("account.group_account_invoice"))
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.warehouse_user).check_access("create")
        log = self._deliver_and_run(order.picking_ids, user=self.warehouse_user)
        self.assertEqual(log.user_id, self.warehouse_user)
        self.assertEqual(log.create_uid, self.agent)
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.create_uid, self.agent)
        message = order.message_ids.filtered(lambda m: log.name in (m.body or ""))
        self.assertIn(self.warehouse_user.name, message.body)

    def test_picking_without_sale_order_does_nothing(self):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.partner_a.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.product_deliv.id,
                            "product_uom_qty": 1,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        with trap_jobs() as trap:
            self._deliver(picking)
            trap.assert_jobs_count(0)
        self.assertFalse(self.Log.search([("picking_id", "=", picking.id)]))

    def test_delivery_trigger_disabled(self):
        self.company.ai_trigger_on_delivery = False
        order = self._order([(self.product_deliv, 2)])
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            trap.assert_jobs_count(0)

    def test_confirmation_drafts_ordered_quantity_products(self):
        order = self._order([(self.product_order, 2), (self.product_deliv, 5)], confirm=False)
        with trap_jobs() as trap:
            order.action_confirm()
            log = self.Log.search([("sale_order_id", "=", order.id)])
            self.assertEqual(log.trigger, "order_confirmed")
            trap.assert_jobs_count(1, only=self._job_function(log))
            trap.perform_enqueued_jobs()
        invoice = order.invoice_ids
        self.assertEqual(invoice.invoice_line_ids.product_id, self.product_order)
        self.assertEqual(invoice.invoice_line_ids.quantity, 2)
        # The delivery later invoices the delivered products only.
        log2 = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log2.move_id.invoice_line_ids.product_id, self.product_deliv)

    def test_confirmation_ignores_delivery_policy_orders(self):
        order = self._order([(self.product_deliv, 5)], confirm=False)
        with trap_jobs() as trap:
            order.action_confirm()
            trap.assert_jobs_count(0)

    def test_confirmation_trigger_disabled(self):
        self.company.ai_trigger_on_confirm = False
        order = self._order([(self.product_order, 1)], confirm=False)
        with trap_jobs() as trap:
            order.action_confirm()
            trap.assert_jobs_count(0)

    def test_disabled_company_does_nothing(self):
        self.company.ai_invoicing_enabled = False
        order = self._order([(self.product_deliv, 1)])
        with trap_jobs() as trap:
            self._deliver(order.picking_ids)
            trap.assert_jobs_count(0)

    def test_smart_buttons_open_logs(self):
        order = self._order([(self.product_deliv, 1)])
        log = self._deliver_and_run(order.picking_ids)
        for record in (order, order.picking_ids, log.move_id):
            self.assertEqual(record.ai_log_count, 1)
            action = record.action_view_ai_logs()
            self.assertEqual(self.Log.search(action["domain"]), log)
