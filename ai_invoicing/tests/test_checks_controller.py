# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import tagged

from .common_checks import AiChecksCommon


@tagged("post_install", "-at_install")
class TestControllerChecks(AiChecksCommon):
    """What a finance controller catches that the order-copy checks cannot see.

    Each test seeds one problem into an otherwise clean Belgian draft, expects exactly its
    finding with the facts a clerk needs, and switches the check off again.
    """

    def _run(self, invoice):
        return self.env["account.move.ai.checks"]._run_checks(invoice)

    # -- price vs pricelist, list price and cost ---------------------------------------------
    def test_price_overridden_on_the_order_below_the_pricelist(self):
        """The sales rep typed 99.00 on the order: the AI draft repeats it faithfully."""
        log, invoice = self._draft_lines(
            self.fox, [(self.keg, 10, {"price_unit": 99.0})], pricelist_id=self.horeca.id
        )
        self.assertEqual(self._codes(log), ["price_below_pricelist"])
        self.assertEqual(invoice.ai_review_state, "pending")
        message = log.findings[0]["message"]
        for fact in ("Blonde 30L keg", self._fmt(99.0), "Horeca BE", self._fmt(138.0), "28.3%"):
            self.assertIn(fact, message)
        self.company.ai_check_price_reference = False
        self.assertEqual(self._recheck(invoice), [])

    def test_manual_invoice_below_the_list_price(self):
        invoice = self.init_invoice("out_invoice", partner=self.fox, products=self.crate)
        invoice.invoice_line_ids.price_unit = 14.70
        findings = self._run(invoice)
        self.assertEqual(self._codes(findings), ["price_below_list_price"])
        self.assertIn(self._fmt(24.50), findings[0].message)
        self.assertIn("40.0%", findings[0].message)

    def test_sold_below_cost_at_the_pricelist_price(self):
        """The keg's cost went up; the Horeca pricelist was not updated."""
        self.keg.with_company(self.company).standard_price = 145.0
        log, _invoice = self._draft_lines(self.fox, [(self.keg, 10)], pricelist_id=self.horeca.id)
        self.assertEqual(self._codes(log), ["price_below_cost"])
        self.assertIn(self._fmt(145.0), log.findings[0]["message"])
        self.company.ai_check_below_cost = False
        self.assertEqual(self._recheck(log.move_id), [])

    def test_cost_in_the_invoice_currency(self):
        """EUR 105.00 cost is USD 113.83 at 1.0841: Hoppy's USD 110.00 loses money."""
        self.keg.with_company(self.company).standard_price = 105.0
        self.export_usd.item_ids.fixed_price = 110.0
        log, _invoice = self._draft_lines(
            self.hoppy, [(self.keg, 10)], pricelist_id=self.export_usd.id
        )
        self.assertEqual(self._codes(log), ["price_below_cost"])
        message = log.findings[0]["message"]
        self.assertIn(self._fmt(110.0, self.usd), message)
        self.assertIn(self._fmt(113.83, self.usd), message)

    def test_cost_and_pricelist_in_the_line_unit(self):
        """Crates sold by the dozen at 130.00: a dozen costs 134.40 and lists at 294.00."""
        log, _invoice = self._draft_lines(
            self.fox,
            [(self.crate, 2, {"product_uom_id": self.uom_dozen.id, "price_unit": 130.0})],
            pricelist_id=self.horeca.id,
        )
        self.assertEqual(self._codes(log), ["price_below_cost", "price_below_pricelist"])
        messages = " ".join(finding["message"] for finding in log.findings)
        self.assertIn(self._fmt(294.0), messages)
        self.assertIn(self._fmt(134.40), messages)

    # -- over-delivery -----------------------------------------------------------------------
    def test_more_delivered_and_invoiced_than_ordered(self):
        order = self._order([(self.keg, 10)], partner=self.fox, pricelist_id=self.horeca.id)
        log = self._deliver_and_run(order.picking_ids, {self.keg: 12})
        self.assertEqual(self._codes(log), ["qty_above_ordered"])
        message = log.findings[0]["message"]
        for fact in ("Blonde 30L keg", order.name, "12 Units invoiced", "only 10 Units"):
            self.assertIn(fact, message)
        self.company.ai_over_delivery_tolerance = 25.0
        self.assertEqual(self._recheck(log.move_id), [], "within the tolerance")
        self.company.ai_over_delivery_tolerance = 0.0
        self.company.ai_check_over_delivery = False
        self.assertEqual(self._recheck(log.move_id), [])

    # -- duplicates across orders ------------------------------------------------------------
    def test_same_purchase_order_entered_twice(self):
        """Café Le Fox's PO-FOX-881 was keyed in as two sale orders a week apart."""
        po = {"client_order_ref": "PO-FOX-881", "pricelist_id": self.horeca.id}
        lines = [(self.keg, 10), (self.crate, 20)]
        log, first = self._draft_lines(self.fox, lines, **po)
        self.assertEqual(self._codes(log), [])
        first.action_post()
        log, second = self._draft_lines(self.fox, lines, **po)
        self.assertEqual(self._codes(log), ["possible_duplicate"])
        message = log.findings[0]["message"]
        orders = (first | second).invoice_line_ids.sale_line_ids.order_id
        self.assertEqual(len(orders), 2)
        for fact in (first.name, "same lines", "PO-FOX-881", *orders.mapped("name")):
            self.assertIn(fact, message)
        self.assertIn(self._fmt(second.amount_total), message)

    # -- unusual currency, unusual amount ----------------------------------------------------
    def test_invoice_in_eur_for_a_customer_always_billed_in_usd(self):
        log, invoice = self._draft_lines(self.hoppy, [(self.keg, 10)], pricelist_id=self.horeca.id)
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(self._codes(log), ["unusual_currency"])
        message = log.findings[0]["message"]
        for fact in ("Hoppy Imports Inc.", "only been invoiced in USD", "5 posted", "EUR"):
            self.assertIn(fact, message)
        self.company.ai_check_currency_habit = False
        self.assertEqual(self._recheck(invoice), [])

    def test_unusual_amount_respects_odoo_partner_opt_out(self):
        log, invoice = self._draft_lines(self.fox, [(self.keg, 50)], pricelist_id=self.horeca.id)
        self.assertEqual(self._codes(log), ["unusual_amount"])
        self.fox.with_company(self.company).ignore_abnormal_invoice_amount = True
        self.assertEqual(self._recheck(invoice), [])

    # -- fiscal position forced on the customer ----------------------------------------------
    def test_intra_eu_position_forced_on_goods_that_stay_in_belgium(self):
        self.fox.with_company(self.company).property_account_position_id = self.fpos_eu
        log, invoice = self._draft_lines(self.fox, [(self.keg, 10)], pricelist_id=self.horeca.id)
        self.assertEqual(invoice.fiscal_position_id, self.fpos_eu, "Odoo applies the forced one")
        self.assertEqual(self._codes(log), ["fiscal_position_forced"])
        message = log.findings[0]["message"]
        for fact in ("'Intra-EU B2B'", "'National'", "Café Le Fox SRL", "Belgium"):
            self.assertIn(fact, message)
        self.company.ai_check_forced_fiscal_position = False
        self.assertEqual(self._recheck(invoice), [])

    def test_national_position_forced_on_goods_delivered_to_the_netherlands(self):
        self.van_dijk.with_company(self.company).property_account_position_id = self.fpos_national
        log, _invoice = self._draft_lines(self.van_dijk, [(self.keg, 20)])
        self.assertEqual(self._codes(log), ["fiscal_position_forced"])
        message = log.findings[0]["message"]
        self.assertIn("'National' is forced", message)
        self.assertIn("would apply 'Intra-EU B2B'", message)

    def test_special_regime_forced_is_not_reported(self):
        """Co-contractor (never auto-applied): no address can confirm it."""
        self.fox.with_company(self.company).property_account_position_id = self.fpos_cocontractant
        log, _invoice = self._draft_lines(self.fox, [(self.keg, 10)], pricelist_id=self.horeca.id)
        self.assertNotIn("fiscal_position_forced", self._codes(log))

    # -- credit limit ------------------------------------------------------------------------
    def test_receivable_plus_invoice_above_the_credit_limit(self):
        self.company.account_use_credit_limit = True
        fox = self.fox.with_company(self.company)
        fox.credit_limit = 12000.0
        log, invoice = self._draft_lines(self.fox, [(self.keg, 10)], pricelist_id=self.horeca.id)
        self.assertEqual(fox.credit, 11910.0)
        self.assertEqual(self._codes(log), ["credit_limit_exceeded"])
        message = log.findings[0]["message"]
        for fact in (
            "Café Le Fox SRL",
            self._fmt(11910.0),
            self._fmt(invoice.amount_total),
            self._fmt(12000.0),
        ):
            self.assertIn(fact, message)
        self.company.account_use_credit_limit = False
        self.assertEqual(self._recheck(invoice), [], "Odoo's own switch")
        self.company.account_use_credit_limit = True
        self.company.ai_check_credit_limit = False
        self.assertEqual(self._recheck(invoice), [], "our switch")

    # -- one pass over a batch ---------------------------------------------------------------
    def test_batch_queries_do_not_grow_with_the_batch(self):
        """12 drafts for Fox, Van Dijk and Hoppy take as many queries as 3 of them (65).

        Every check of the addon runs, the controller checks (line history, entitlements,
        doubles, ...) included.

        Everything is switched on (credit limits too). The history look-ups are one search
        each for the whole batch and the per-record reads are prefetched for the batch. What
        remains per distinct customer address (not per invoice) is the search inside Odoo's
        own ``_get_fiscal_position`` for the taxes check (localisations override it), and
        per currency and day the rate search: both batches have the same three customers
        and one day. With 12 distinct customers the count grows by exactly that search.
        """
        self.company.account_use_credit_limit = True
        customers = [
            (self.fox, self.horeca),
            (self.van_dijk, self.horeca),
            (self.hoppy, self.export_usd),
        ]
        invoices = self.env["account.move"]
        with self._without_agents():  # draft with Odoo itself, not the agent
            for i in range(12):
                partner, pricelist = customers[i % 3]
                order = self._order(
                    [(self.keg, 2 + i), (self.crate, 10)],
                    partner=partner,
                    pricelist_id=pricelist.id,
                    client_order_ref=f"PO-{partner.id}-{i}",
                )
                self._deliver(order.picking_ids)
                invoices |= order._create_invoices()
        self.assertEqual(len(invoices), 12)
        Checks = self.env["account.move.ai.checks"]
        Checks._run_batch(invoices)  # warm the registry caches (precision, xml ids, rules)

        def queries(moves):
            self.env.flush_all()
            self.env.invalidate_all()
            moves = moves.browse(moves.ids)
            start = self.env.cr.sql_log_count
            findings = Checks._run_batch(moves)
            self.assertEqual(len(findings), len(moves))
            return self.env.cr.sql_log_count - start

        queries(invoices)  # and the caches keyed on a fresh environment
        small, large = queries(invoices[:3]), queries(invoices)
        self.assertEqual(small, large, f"3 invoices: {small} queries, 12 invoices: {large}")
        self.assertEqual(
            Checks._run_batch(invoices),
            {invoice.id: Checks._run_checks(invoice) for invoice in invoices},
            "each invoice alone gets the same findings as in the batch",
        )
