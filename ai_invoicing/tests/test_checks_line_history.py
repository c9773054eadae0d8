# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.fields import Command
from odoo.tests import tagged

from .common_checks import AiChecksCommon


@tagged("post_install", "-at_install")
class TestLineHistoryChecks(AiChecksCommon):
    """Each line against what Taverne De Kroon usually takes, pays and is taxed.

    De Kroon (Belgian, Horeca BE pricelist) takes 8 to 12 kegs of Blonde at 138.00, about
    20 crates of Tripel at 24.50 and 2 to 3 kg of hops at 18.40, every week, with 21% VAT;
    once 60 kegs for its summer festival. The anomalies keep the invoice total within what
    it usually pays: only the line shows them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kroon = cls.env["res.partner"].create(
            {
                "name": "Taverne De Kroon BV",
                "is_company": True,
                "country_id": cls.country_be.id,
                "vat": "BE0403019261",
                "email": "boekhouding@dekroon.example.com",
                "invoice_sending_method": "email",
            }
        )
        week = [(10, 20, 2.0), (8, 20, 2.5), (12, 24, 2.0), (10, 20, 3.0), (60, 40, 2.0)]
        week.append((9, 20, 2.0))
        cls._post_lines_history(
            cls.kroon,
            [
                [(cls.keg, kegs, 138.0), (cls.crate, crates, 24.5), (cls.hops, hops, 18.4)]
                for kegs, crates, hops in week
            ],
        )
        cls.horeca_order = {"pricelist_id": cls.horeca.id}

    def _kroon(self, lines, **values):
        return self._draft_lines(self.kroon, lines, **{**self.horeca_order, **values})

    # -- quantity ----------------------------------------------------------------------------
    def test_decimal_slip_in_a_quantity_the_total_does_not_show(self):
        """25 kg of hops instead of 2.5: 414.00 more, an unremarkable total."""
        log, invoice = self._kroon([(self.keg, 10), (self.crate, 20), (self.hops, 25)])
        self.assertEqual(self._codes(log), ["qty_outside_history"])
        self.assertEqual(invoice.ai_review_state, "pending")
        message = log.findings[0]["message"]
        for fact in (
            "Hops Saaz",
            "25 kg invoiced",
            "Taverne De Kroon BV usually takes 2 kg",
            "between 2 and 3",
            "last 6 invoice lines",
        ):
            self.assertIn(fact, message)
        self.company.ai_line_qty_factor = 20.0
        self.assertEqual(self._recheck(invoice), [], "within the factor")
        self.company.ai_line_qty_factor = 5.0
        self.company.ai_check_line_history = False
        self.assertEqual(self._recheck(invoice), [])

    def test_unit_of_measure_mistake(self):
        """20 crates keyed as 20 dozen at the price of one crate: 240 crates, a small total."""
        log, _invoice = self._kroon(
            [(self.keg, 10), (self.crate, 20, {"product_uom_id": self.uom_dozen.id})]
        )
        self.assertIn("qty_outside_history", self._codes(log))
        message = next(f for f in log.findings if f["code"] == "qty_outside_history")["message"]
        self.assertIn("20 Dozens (240 Units) invoiced", message)
        self.assertIn("usually takes 20 Units", message)

    # -- price -------------------------------------------------------------------------------
    def test_price_keyed_by_hand_within_the_pricelist_tolerance(self):
        """129.00 typed on the order: 6.5% below what De Kroon pays and its pricelist gives,
        too little for the price reference check (20%), not for De Kroon's history."""
        log, invoice = self._kroon([(self.keg, 10, {"price_unit": 129.0}), (self.crate, 20)])
        self.assertEqual(self._codes(log), ["price_outside_history"])
        message = log.findings[0]["message"]
        for fact in (
            "Blonde 30L keg",
            self._fmt(129.0),
            "-6.5%",
            self._fmt(138.0),
            "Taverne De Kroon BV paid",
            f"its pricelist gives {self._fmt(138.0)} today",
        ):
            self.assertIn(fact, message)
        self.company.ai_line_price_tolerance = 10.0
        self.assertEqual(self._recheck(invoice), [])
        self.company.ai_line_price_tolerance = 2.0
        self.company.ai_check_line_history = False
        self.assertEqual(self._recheck(invoice), [])

    def test_price_explained_even_with_the_price_reference_check_off(self):
        self.company.ai_check_price_reference = False
        self.horeca.item_ids.fixed_price = 142.0
        log, _invoice = self._kroon([(self.keg, 10)])
        self.assertEqual(self._codes(log), [])

    # -- taxes -------------------------------------------------------------------------------
    def test_product_taxes_changed_in_its_master_data(self):
        """Someone gave the keg 6% VAT: the line follows the product, the taxes check is
        satisfied, De Kroon's history is not."""
        vat6 = self.tax_sale_a.copy({"name": "6% BE", "amount": 6.0})
        vat6.fiscal_position_ids = self.fpos_national
        self.keg.taxes_id = vat6
        log, invoice = self._kroon([(self.keg, 10), (self.crate, 20)])
        self.assertEqual(invoice.invoice_line_ids[0].tax_ids, vat6)
        self.assertEqual(self._codes(log), ["taxes_outside_history"])
        message = log.findings[0]["message"]
        for fact in ("Blonde 30L keg", "with 6% BE", "always had " + self.tax_sale_a.name, "6"):
            self.assertIn(fact, message)

    # -- look-alikes -------------------------------------------------------------------------
    def test_clean_look_alikes_pass_without_review(self):
        self.company.ai_check_price_reference = True
        cases = {
            "the usual weekly order": [(self.keg, 10), (self.crate, 20), (self.hops, 2)],
            "a legitimate bulk order the size of the festival one": [
                (self.keg, 60),
                (self.crate, 40),
            ],
            "a larger order below the factor": [(self.keg, 40), (self.crate, 20)],
            "the usual crates, ordered by the dozen": [
                (self.crate, 2, {"product_uom_id": self.uom_dozen.id}),
            ],
            "a product De Kroon never bought": [(self.keg, 10), (self.product_deliv, 5)],
        }
        for case, lines in cases.items():
            with self.subTest(case):
                log, invoice = self._kroon(lines)
                self.assertEqual(self._codes(log), [])
                self.assertEqual(invoice.ai_review_state, "none")
        with self.subTest("a new pricelist rule: kegs at 145.00 from today"):
            self.horeca.item_ids.fixed_price = 145.0
            log, invoice = self._kroon([(self.keg, 10), (self.crate, 20)])
            self.assertEqual(invoice.invoice_line_ids[0].price_unit, 145.0)
            self.assertEqual(self._codes(log), [])
        with self.subTest("a customer without history of the product (Café Le Fox)"):
            log, _invoice = self._draft_lines(self.fox, [(self.keg, 100)], **self.horeca_order)
            self.assertNotIn("qty_outside_history", self._codes(log))

    def test_history_outside_the_look_back_is_not_compared(self):
        self.company.ai_line_history_days = 3  # the history is one to six weeks old
        log, _invoice = self._kroon([(self.keg, 10), (self.crate, 20), (self.hops, 25)])
        self.assertEqual(self._codes(log), [])

    def test_queries_do_not_grow_with_the_batch_or_the_history(self):
        """Every check on, with what makes their look-ups run: line history, a pricelist and
        payment terms of the customer's own, a sales warning, invoices printing lots."""
        customers = [self.kroon, self.fox, self.van_dijk]
        fox = self.fox.with_company(self.company)
        fox.specific_property_product_pricelist = self.horeca
        fox.property_payment_term_id = self.env.ref("account.account_payment_term_30days")
        self.van_dijk.sale_warn_msg = "Do not invoice before the dispute is settled."
        self.env.ref("base.group_user").implied_ids = [
            Command.link(self.env.ref("stock_account.group_lot_on_invoice").id)
        ]
        self.company.account_use_credit_limit = True
        self._post_lines_history(self.fox, [[(self.keg, 10, 138.0)]] * 4)
        self._post_lines_history(self.van_dijk, [[(self.keg, 20, 138.0)]] * 4)
        invoices = self.env["account.move"]
        with self._without_agents():  # draft with Odoo itself, not the agent
            for i in range(12):
                order = self._order(
                    [(self.keg, 2 + i), (self.crate, 10), (self.hops, 1 + i)],
                    partner=customers[i % 3],
                    **self.horeca_order,
                )
                self._deliver(order.picking_ids)
                invoices |= order._create_invoices()
        Checks = self.env["account.move.ai.checks"]
        Checks._run_batch(invoices)

        def queries(moves):
            self.env.flush_all()
            self.env.invalidate_all()
            moves = moves.browse(moves.ids)
            start = self.env.cr.sql_log_count
            Checks._run_batch(moves)
            return self.env.cr.sql_log_count - start

        queries(invoices)
        small, large = queries(invoices[:3]), queries(invoices)
        self.assertEqual(small, large, f"3 invoices: {small} queries, 12 invoices: {large}")
        # ten more weeks of history change nothing either
        self._post_lines_history(self.kroon, [[(self.keg, 10, 138.0)]] * 10)
        self.assertEqual(queries(invoices), large)
        self.assertEqual(
            Checks._run_batch(invoices),
            {invoice.id: Checks._run_checks(invoice) for invoice in invoices},
        )

    def test_line_history_index_exists(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'account_move_line' "
            "AND indexname LIKE %s",
            ["%ai_customer_product_idx"],
        )
        (definition,) = self.env.cr.fetchone()
        self.assertIn("(partner_id, product_id, date DESC, id DESC)", definition)
