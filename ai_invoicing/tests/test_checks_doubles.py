# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .common_checks import AiChecksCommon


@tagged("post_install", "-at_install")
class TestDoublesChecks(AiChecksCommon):
    """Café Le Fox's order entered twice behind a shipping line; shipping billed twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shipping = cls._create_product(
            name="Brewery truck delivery",
            type="service",
            invoice_policy="order",
            lst_price=25.0,
            standard_price=18.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.truck = cls.env["delivery.carrier"].create(
            {
                "name": "Brewery truck",
                "product_id": cls.shipping.id,
                "delivery_type": "fixed",
                "fixed_price": 25.0,
            }
        )
        cls.goods = [(cls.keg, 10), (cls.crate, 20)]

    def _fox_order(self, lines=None, shipping=None, **values):
        order = self._order(
            lines or self.goods,
            partner=self.fox,
            confirm=False,
            **{"pricelist_id": self.horeca.id, **values},
        )
        if shipping is not None:
            order.set_delivery_line(self.truck, shipping)
        with self._without_agents():
            order.action_confirm()
        return order

    def _fox(self, lines=None, shipping=None, **values):
        order = self._fox_order(lines, shipping, **values)
        log = self._deliver_and_run(order.picking_ids)
        return log, log.move_id

    def _posted(self, days_ago=0, **values):
        log, invoice = self._fox(**values)
        self.assertEqual(self._codes(log), [])
        invoice.invoice_date = fields.Date.today() - timedelta(days=days_ago)
        invoice.action_post()
        return invoice

    # -- orders entered twice ----------------------------------------------------------------
    def test_order_entered_twice_with_another_shipping_charge(self):
        first = self._posted(days_ago=1, shipping=25.0)
        log, second = self._fox()  # the same goods, collected: no shipping line
        self.assertNotEqual(first.amount_total, second.amount_total)
        self.assertEqual(self._codes(log), ["same_goods_twice"])
        self.assertEqual(second.ai_review_state, "pending")
        message = log.findings[0]["message"]
        orders = (first | second).invoice_line_ids.sale_line_ids.order_id
        for fact in (
            first.name,
            "1 day(s) apart",
            self._fmt(first.amount_total),
            self._fmt(second.amount_total),
            *orders.mapped("name"),
        ):
            self.assertIn(fact, message)
        self.company.ai_check_twins = False
        self.assertEqual(self._recheck(second), [])

    def test_same_customer_reference_weeks_apart(self):
        po = {"client_order_ref": "PO-FOX-881"}
        self._posted(days_ago=12, shipping=25.0, **po)
        log, _second = self._fox(shipping=35.0, **po)
        self.assertEqual(self._codes(log), ["same_goods_twice"])
        self.assertIn("the same customer reference PO-FOX-881", log.findings[0]["message"])

    def test_twin_look_alikes(self):
        with self.subTest("a weekly standing order"):
            self._posted(days_ago=7, shipping=25.0, client_order_ref="W11")
            log, invoice = self._fox(shipping=25.0, client_order_ref="W12")
            self.assertEqual(self._codes(log), [])
            self.assertEqual(invoice.ai_review_state, "none")
        with self.subTest("the next day, other quantities"):
            log, _invoice = self._fox(lines=[(self.keg, 12), (self.crate, 20)])
            self.assertEqual(self._codes(log), [])
        with self.subTest("a backorder of the same order"):
            order = self._fox_order(lines=[(self.keg, 20)])
            self._deliver_and_run(order.picking_ids, {self.keg: 10})
            backorder = order.picking_ids.filtered(lambda p: p.state != "done")
            self.assertEqual(self._codes(self._deliver_and_run(backorder)), [])

    # -- shipping billed twice ---------------------------------------------------------------
    def test_shipping_added_again_by_hand(self):
        log, invoice = self._fox(shipping=25.0)
        self.assertEqual(self._codes(log), [])
        invoice.write(
            {
                "invoice_line_ids": [
                    Command.create({"product_id": self.shipping.id, "price_unit": 25.0})
                ]
            }
        )
        findings = self.env["account.move.ai.checks"]._run_checks(invoice)
        self.assertEqual(self._codes(findings), ["shipping_billed_twice"])
        order = invoice.invoice_line_ids.sale_line_ids.order_id
        self.assertIn(f"Shipping of {order.name} is billed twice: 2", findings[0].message)
        self.company.ai_check_shipping_twice = False
        self.assertEqual(self._recheck(invoice), [])

    def test_shipping_look_alikes(self):
        with self.subTest("one shipping line"):
            log, _invoice = self._fox(shipping=25.0)
            self.assertEqual(self._codes(log), [])
        with self.subTest("two orders on one invoice, each with its shipping"):
            orders = self._fox_order(lines=[(self.keg, 4)], shipping=25.0)
            orders |= self._fox_order(lines=[(self.crate, 6)], shipping=25.0)
            with self._without_agents():
                for order in orders:
                    self._deliver(order.picking_ids)
                invoice = orders._create_invoices()
            self.assertEqual(len(invoice), 1)
            self.assertEqual(len(invoice.invoice_line_ids.sale_line_ids.order_id), 2)
            self.assertEqual(self._recheck(invoice), [])

    # -- lots and serial numbers -------------------------------------------------------------
    def _lot_product(self, policy):
        product = self._create_product(
            name=f"Barrel-aged Quad ({policy})",
            type="consu",
            is_storable=True,
            tracking="lot",
            invoice_policy=policy,
            lst_price=40.0,
            standard_price=20.0,
            taxes_id=[Command.set(self.tax_sale_a.ids)],
            company_id=self.company.id,
        )
        lot = self.env["stock.lot"].create(
            {"name": f"Q-2026-{policy}", "product_id": product.id, "company_id": self.company.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, 100, lot_id=lot
        )
        return product

    def _print_lots(self, on=True):
        group = self.env.ref("stock_account.group_lot_on_invoice")
        command = Command.link(group.id) if on else Command.unlink(group.id)
        self.env.ref("base.group_user").implied_ids = [command]

    def test_tracked_product_invoiced_before_its_lots_were_delivered(self):
        self._print_lots()
        product = self._lot_product("order")
        order = self._fox_order(lines=[(product, 10)])
        invoice = order._create_invoices()
        findings = self.env["account.move.ai.checks"]._run_checks(invoice)
        self.assertEqual(self._codes(findings), ["lots_missing"])
        message = findings[0].message
        for fact in ("Barrel-aged Quad (order) is", "10 Units are invoiced", "only 0 Units"):
            self.assertIn(fact, message)
        Checks = self.env["account.move.ai.checks"].with_user(self.reviewer)
        findings = Checks._run_checks(invoice.with_user(self.reviewer))
        self.assertEqual(self._codes(findings), ["lots_missing"], "as a reviewer too")
        self.company.ai_check_lots = False
        self.assertEqual(self._recheck(invoice), [])

    def test_lots_look_alikes(self):
        self._print_lots()
        with self.subTest("delivered with its lot, then invoiced"):
            log, invoice = self._fox(lines=[(self._lot_product("delivery"), 10)])
            self.assertEqual(self._codes(log), [])
            self.assertEqual(invoice.ai_review_state, "none")
        with self.subTest("invoices that do not print lots"):
            self._print_lots(on=False)
            order = self._fox_order(lines=[(self._lot_product("order"), 10)])
            self.assertEqual(self._recheck(order._create_invoices()), [])

    # -- services invoiced on delivery with nothing delivered --------------------------------
    def _installation_draft(self):
        installation = self._create_product(
            name="Tap installation",
            type="service",
            invoice_policy="delivery",
            lst_price=80.0,
            standard_price=30.0,
            taxes_id=[Command.set(self.tax_sale_a.ids)],
        )
        log, invoice = self._fox(lines=[(self.keg, 10), (installation, 1)])
        self.assertEqual(self._codes(log), [])
        self.assertNotIn(installation, invoice.invoice_line_ids.product_id)
        return installation, invoice

    def test_service_added_by_hand_before_it_was_done(self):
        installation, invoice = self._installation_draft()
        invoice.write({"invoice_line_ids": [Command.create({"product_id": installation.id})]})
        findings = self.env["account.move.ai.checks"]._run_checks(invoice)
        self.assertEqual(self._codes(findings), ["service_not_delivered"])
        self.assertIn("Tap installation is invoiced on delivered quantities", findings[0].message)
        self.company.ai_check_services_delivered = False
        self.assertEqual(self._recheck(invoice), [])

    def test_service_look_alikes(self):
        with self.subTest("the installation done and recorded on the order"):
            installation, invoice = self._installation_draft()
            order_line = invoice.invoice_line_ids.sale_line_ids.order_id.order_line.filtered(
                lambda sol: sol.product_id == installation
            )
            order_line.qty_delivered = 1
            invoice.write({"invoice_line_ids": [Command.create({"product_id": installation.id})]})
            self.assertEqual(self._recheck(invoice), [])
        with self.subTest("a service invoiced on ordered quantities"):
            self.product_order.with_company(self.company).standard_price = 20.0
            log, invoice = self._fox(lines=[(self.keg, 12)])
            invoice.write(
                {"invoice_line_ids": [Command.create({"product_id": self.product_order.id})]}
            )
            self.assertEqual(self._recheck(invoice), [])
