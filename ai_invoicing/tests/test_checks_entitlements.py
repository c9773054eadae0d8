# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.fields import Command
from odoo.tests import tagged

from .common_checks import AiChecksCommon


@tagged("post_install", "-at_install")
class TestEntitlementChecks(AiChecksCommon):
    """What Café Le Fox is entitled to: the Horeca BE pricelist (kegs at 138.00 instead of
    155.00), 30 days net, no rebate. Each anomaly is one finding; look-alikes pass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Pricelist, Terms = cls.env["product.pricelist"], cls.env["account.payment.term"]
        cls.wholesale = Pricelist.create(
            {
                "name": "Wholesale BE",
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.keg.id,
                            "compute_price": "fixed",
                            "fixed_price": 120.0,
                        }
                    )
                ],
            }
        )
        cls.promo = cls.horeca.copy({"name": "Spring Promo BE"})  # kegs at 138.00 as well

        def terms(name, days, **values):
            return Terms.create(
                {
                    "name": name,
                    "line_ids": [
                        Command.create({"value": "percent", "value_amount": 100, "nb_days": days})
                    ],
                    **values,
                }
            )

        cls.net30 = terms("30 Days Net", 30)
        cls.net60 = terms("60 Days Net", 60)
        cls.net15 = terms("15 Days Net", 15)
        cls.early = terms(
            "2/10 Net 30", 30, early_discount=True, discount_percentage=2.0, discount_days=10
        )
        fox = cls.fox.with_company(cls.company)
        fox.specific_property_product_pricelist = cls.horeca
        fox.property_payment_term_id = cls.net30
        cls.rebate = cls._create_product(
            name="Rebate",
            type="service",
            invoice_policy="order",
            lst_price=0.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )

    def _fox(self, lines, **values):
        return self._draft_lines(
            self.fox,
            lines,
            **{"pricelist_id": self.horeca.id, "payment_term_id": self.net30.id, **values},
        )

    # -- the customer's own pricelist --------------------------------------------------------
    def test_order_on_a_pricelist_the_customer_is_not_entitled_to(self):
        log, invoice = self._fox([(self.keg, 10), (self.crate, 20)], pricelist_id=self.wholesale.id)
        self.assertEqual(self._codes(log), ["pricelist_not_entitled"])
        self.assertEqual(invoice.ai_review_state, "pending")
        message = log.findings[0]["message"]
        order = invoice.invoice_line_ids.sale_line_ids.order_id
        for fact in (
            order.name,
            "'Wholesale BE'",
            "Café Le Fox SRL's own pricelist is 'Horeca BE'",
            "Blonde 30L keg",
            self._fmt(120.0),
            self._fmt(138.0),
            "13.0% lower",
        ):
            self.assertIn(fact, message)
        self.company.ai_pricelist_entitlement_tolerance = 15.0
        self.assertEqual(self._recheck(invoice), [])
        self.company.ai_pricelist_entitlement_tolerance = 1.0
        self.company.ai_check_pricelist_entitlement = False
        self.assertEqual(self._recheck(invoice), [])

    def test_pricelist_look_alikes(self):
        cases = {
            "the customer's own pricelist": (self.fox, self.horeca),
            "another pricelist with the same prices": (self.fox, self.promo),
            "a customer without a pricelist of its own": (self.van_dijk, self.wholesale),
        }
        # other quantities each time: the same goods twice in a day are a double
        for qty, (case, (partner, pricelist)) in enumerate(cases.items(), 10):
            with self.subTest(case):
                log, invoice = self._draft_lines(
                    partner, [(self.keg, qty)], pricelist_id=pricelist.id
                )
                self.assertEqual(self._codes(log), [])
                self.assertEqual(invoice.ai_review_state, "none")

    # -- double discount ---------------------------------------------------------------------
    def test_line_discount_on_top_of_the_pricelist_discount(self):
        log, invoice = self._fox([(self.keg, 10, {"discount": 10.0})])
        self.assertEqual(self._codes(log), ["double_discount"])
        message = log.findings[0]["message"]
        for fact in (
            "Blonde 30L keg has a 10% line discount",
            "'Horeca BE'",
            self._fmt(155.0),
            self._fmt(138.0),
            self._fmt(124.2),
            "19.9% below the list price",
        ):
            self.assertIn(fact, message)
        self.company.ai_double_discount_tolerance = 10.0
        self.assertEqual(self._recheck(invoice), [])
        self.company.ai_double_discount_tolerance = 5.0
        self.company.ai_check_double_discount = False
        self.assertEqual(self._recheck(invoice), [])

    def test_double_discount_look_alikes(self):
        cases = {
            "a small discount within the allowance": [(self.keg, 10, {"discount": 5.0})],
            "a discount on a product the pricelist does not discount": [
                (self.keg, 10),
                (self.crate, 20, {"discount": 10.0}),
            ],
        }
        for case, lines in cases.items():
            with self.subTest(case):
                log, _invoice = self._fox(lines)
                self.assertEqual(self._codes(log), [])

    # -- payment terms -----------------------------------------------------------------------
    def test_longer_payment_terms_than_the_customers_own(self):
        log, invoice = self._fox([(self.keg, 10)], payment_term_id=self.net60.id)
        self.assertEqual(invoice.invoice_payment_term_id, self.net60)
        self.assertEqual(self._codes(log), ["payment_terms_longer"])
        message = log.findings[0]["message"]
        for fact in ("Café Le Fox SRL 60 days", "'60 Days Net'", "30 days ('30 Days Net')"):
            self.assertIn(fact, message)
        self.company.ai_payment_terms_tolerance = 30
        self.assertEqual(self._recheck(invoice), [])
        self.company.ai_payment_terms_tolerance = 0
        self.company.ai_check_payment_terms = False
        self.assertEqual(self._recheck(invoice), [])

    def test_early_payment_discount_not_in_the_customers_terms(self):
        log, _invoice = self._fox([(self.keg, 10)], payment_term_id=self.early.id)
        self.assertEqual(self._codes(log), ["early_discount_not_entitled"])
        message = log.findings[0]["message"]
        for fact in ("'2/10 Net 30'", "2% early payment discount within 10 days", "no early"):
            self.assertIn(fact, message)

    def test_payment_terms_look_alikes(self):
        with self.subTest("the customer's own long terms"):
            self.van_dijk.with_company(self.company).property_payment_term_id = self.net60
            log, _invoice = self._draft_lines(
                self.van_dijk, [(self.keg, 20)], payment_term_id=self.net60.id
            )
            self.assertEqual(self._codes(log), [])
        with self.subTest("shorter terms than its own"):
            log, _invoice = self._fox([(self.keg, 10)], payment_term_id=self.net15.id)
            self.assertEqual(self._codes(log), [])
        with self.subTest("its own early payment discount"):
            self.fox.with_company(self.company).property_payment_term_id = self.early
            log, _invoice = self._fox([(self.keg, 11)], payment_term_id=self.early.id)
            self.assertEqual(self._codes(log), [])

    # -- manual rebates ----------------------------------------------------------------------
    def test_unexplained_rebate_of_a_significant_share(self):
        log, invoice = self._fox([(self.keg, 10), (self.rebate, 1, {"price_unit": -300.0})])
        self.assertEqual(self._codes(log), ["manual_rebate"])
        message = log.findings[0]["message"]
        for fact in ("'Rebate'", self._fmt(-300.0), "21.7%"):
            self.assertIn(fact, message)
        self.company.ai_manual_rebate_share = 25.0
        self.assertEqual(self._recheck(invoice), [])
        self.company.ai_manual_rebate_share = 10.0
        self.company.ai_check_manual_rebate = False
        self.assertEqual(self._recheck(invoice), [])

    def test_rebate_look_alikes(self):
        with self.subTest("a small rebate"):
            log, _invoice = self._fox([(self.keg, 10), (self.rebate, 1, {"price_unit": -30.0})])
            self.assertEqual(self._codes(log), [])
        with self.subTest("a down payment deducted on the final invoice"):
            order = self._order([(self.keg, 10)], partner=self.fox, pricelist_id=self.horeca.id)
            wizard = (
                self.env["sale.advance.payment.inv"]
                .with_context(active_model="sale.order", active_ids=order.ids)
                .create({"advance_payment_method": "fixed", "fixed_amount": 500.0})
            )
            wizard.create_invoices()
            order.invoice_ids.action_post()
            self._deliver(order.picking_ids)
            final = order._create_invoices(final=True)
            self.assertTrue(final.invoice_line_ids.filtered(lambda line: line.price_subtotal < 0))
            self.assertNotIn("manual_rebate", self._recheck(final))
