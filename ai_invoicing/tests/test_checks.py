# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common_checks import AiChecksCommon


@tagged("post_install", "-at_install")
class TestChecks(AiChecksCommon):
    """Deterministic checks on AI drafts with BE/FR/DE/US customers."""

    def test_clean_domestic_invoice_passes_without_finding(self):
        log, invoice = self._draft(self.be_customer)
        self.assertFalse(log.findings)
        self.assertEqual(log.state, "done")
        self.assertEqual(invoice.ai_review_state, "none")

    def test_clean_look_alikes_of_each_anomaly_raise_no_finding(self):
        """Every check on, credit limits in use: what resembles an anomaly but is not one."""
        self.company.account_use_credit_limit = True
        self.fox.with_company(self.company).credit_limit = 20000.0  # receivable 11,910
        self.van_dijk.with_company(self.company).property_account_position_id = self.fpos_eu
        horeca, export = {"pricelist_id": self.horeca.id}, {"pricelist_id": self.export_usd.id}
        cases = {
            "the pricelist price, receivable within the credit limit": (
                self.fox,
                [(self.keg, 10), (self.crate, 20)],
                None,
                horeca,
            ),
            "a small permitted discount": (
                self.fox,
                [(self.keg, 10, {"discount": 5.0})],
                None,
                horeca,
            ),
            "a customer who always buys in USD": (self.hoppy, [(self.keg, 10)], None, export),
            "a legitimate intra-EU sale, its position forced and confirmed by the address": (
                self.van_dijk,
                [(self.keg, 20)],
                None,
                {},
            ),
            "weighed goods within the over-delivery tolerance": (
                self.fox,
                [(self.hops, 50)],
                {self.hops: 51.2},
                {},
            ),
        }
        self.company.ai_over_delivery_tolerance = 3.0
        for case, (partner, lines, delivered, values) in cases.items():
            with self.subTest(case):
                log, invoice = self._draft_lines(partner, lines, delivered, **values)
                self.assertEqual(self._codes(log), [])
                self.assertEqual(invoice.ai_review_state, "none")

        with self.subTest("a backorder of the same order, same lines and amount"):
            order = self._order([(self.keg, 20)], partner=self.fox, **horeca)
            self._deliver_and_run(order.picking_ids, {self.keg: 10})
            backorder = order.picking_ids.filtered(lambda p: p.state != "done")
            self.assertEqual(self._codes(self._deliver_and_run(backorder)), [])

        with self.subTest("a reorder of other goods on the same purchase order reference"):
            po = {"client_order_ref": "PO-FOX-881", **horeca}
            log, first = self._draft_lines(self.fox, [(self.keg, 2), (self.crate, 10)], **po)
            first.action_post()
            # 15 kg of hops cost what 2 kegs cost: same reference and total, other goods
            log, again = self._draft_lines(self.fox, [(self.hops, 15), (self.crate, 10)], **po)
            self.assertEqual(again.amount_total, first.amount_total)
            self.assertEqual(self._codes(log), [])

    def test_intra_eu_b2b_with_vat_is_clean(self):
        log, invoice = self._draft(self.fr_customer)
        self.assertEqual(invoice.fiscal_position_id, self.fpos_eu)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_eu)
        self.assertEqual(self._codes(log), [])
        self.assertEqual(invoice.ai_review_state, "none")

    def test_intra_eu_without_vat_number(self):
        log, invoice = self._draft(self.de_customer_no_vat)
        # Without a VAT number the EU B2B position does not apply: domestic taxes.
        self.assertFalse(invoice.fiscal_position_id)
        self.assertEqual(self._codes(log), [])
        self.de_customer_no_vat.vat = False
        invoice.fiscal_position_id = self.fpos_eu  # forced by hand
        codes = {f.code for f in self.env["account.move.ai.checks"]._run_checks(invoice)}
        self.assertIn("vat_missing", codes)
        self.assertIn("fiscal_position_mismatch", codes)

    def test_delivery_address_abroad_needs_the_export_position(self):
        us_depot = self.env["res.partner"].create(
            {
                "name": "Cave de Lyon - US depot",
                "type": "delivery",
                "parent_id": self.fr_customer.id,
                "country_id": self.env.ref("base.us").id,
            }
        )
        log, invoice = self._draft(
            self.fr_customer,
            partner_shipping_id=us_depot.id,
            fiscal_position_id=self.fpos_eu.id,  # set by hand on the order
        )
        self.assertIn("fiscal_position_mismatch", self._codes(log))
        self.assertIn("tax_mismatch", self._codes(log))
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertIn("Export", invoice.ai_review_reason)
        self.assertIn("text-bg-danger", str(invoice.ai_check_html))

    def test_invalid_vat_check_digit(self):
        self.be_customer.vat = "BE0477472702"
        log, invoice = self._draft(self.be_customer)
        self.assertEqual(self._codes(log), ["vat_invalid"])
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertIn("BE0477472702", log.review_reason)

    def test_currency_rate_jump(self):
        code = "CHF" if self.company.currency_id.name == "EUR" else "EUR"
        today = fields.Date.today()
        currency = self.setup_other_currency(
            code, rates=[(today - timedelta(days=2), 1.0), (today, 1.5)]
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": currency.id}
        )
        self.company.ai_currency_tolerance = 10.0
        log, invoice = self._draft(self.be_customer, pricelist_id=pricelist.id)
        self.assertEqual(self._codes(log), ["currency_rate_jump"])
        self.assertEqual(invoice.ai_review_state, "pending")

    def test_quantities_prices_and_discounts_on_edited_draft(self):
        log, invoice = self._draft(self.be_customer, qty=2)
        line = invoice.invoice_line_ids
        line.write({"quantity": 5, "price_unit": 80.0, "discount": 50.0})
        codes = {f.code for f in self.env["account.move.ai.checks"]._run_checks(invoice)}
        # net 40.00: far below what the default pricelist gives (100.00) and below cost (50.00)
        self.assertEqual(
            codes,
            {
                "qty_over_delivered",
                "price_deviation",
                "discount_too_high",
                "price_below_pricelist",
                "price_below_cost",
            },
        )
        self.company.ai_check_prices = False
        self.company.ai_check_price_reference = False
        codes = {f.code for f in self.env["account.move.ai.checks"]._run_checks(invoice)}
        self.assertEqual(codes, {"qty_over_delivered"}, "each check can be switched off")

    def test_duplicate_of_an_existing_invoice(self):
        log, invoice = self._draft(self.be_customer)
        twin = invoice.copy({"ref": invoice.ref, "invoice_origin": invoice.invoice_origin})
        findings = self.env["account.move.ai.checks"]._run_checks(twin)
        self.assertEqual([f.code for f in findings], ["possible_duplicate"])

    def test_two_partial_deliveries_of_same_amount_are_not_duplicates(self):
        order = self._order([(self.product_deliv, 4)], partner=self.be_customer)
        self._deliver_and_run(order.picking_ids, {self.product_deliv: 2})
        backorder = order.picking_ids.filtered(lambda p: p.state != "done")
        log2 = self._deliver_and_run(backorder)
        self.assertEqual(self._codes(log2), [])

    def test_unusual_amount_for_customer(self):
        self.company.ai_unusual_min_history = 3
        for _i in range(4):
            self.init_invoice("out_invoice", partner=self.be_customer, amounts=[100.0], post=True)
        log, invoice = self._draft(self.be_customer, qty=50)
        self.assertEqual(self._codes(log), ["unusual_amount"])

    def test_email_channel_without_address(self):
        self.be_customer.write({"invoice_sending_method": "email", "email": False})
        log, invoice = self._draft(self.be_customer)
        self.assertEqual(self._codes(log), ["channel_email_missing"])
        self.assertEqual(invoice.ai_review_state, "pending")

    def test_manual_channel_is_info_only(self):
        self.be_customer.invoice_sending_method = "manual"
        log, invoice = self._draft(self.be_customer)
        self.assertEqual(self._codes(log), ["channel_manual"])
        self.assertEqual(invoice.ai_review_state, "none", "info findings are only logged")
