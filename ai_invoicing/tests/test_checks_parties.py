# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common_checks import AiChecksCommon


@tagged("post_install", "-at_install")
class TestPartyAndSupplyChecks(AiChecksCommon):
    """Who is invoiced, where the goods were supplied, how old the rate is."""

    def _fox(self, lines=None, **values):
        return self._draft_lines(
            self.fox, lines or [(self.keg, 10)], **{"pricelist_id": self.horeca.id, **values}
        )

    # -- sales warning -----------------------------------------------------------------------
    def test_sales_warning_telling_not_to_invoice(self):
        self.fox.sale_warn_msg = "Do not invoice before the keg dispute is settled (ask Marc)."
        log, invoice = self._fox()
        self.assertEqual(self._codes(log), ["sales_warning"])
        self.assertEqual(invoice.ai_review_state, "pending")
        message = log.findings[0]["message"]
        self.assertIn("Café Le Fox SRL carries a sales warning", message)
        self.assertIn("Do not invoice before the keg dispute is settled", message)
        self.company.ai_check_sales_warning = False
        self.assertEqual(self._recheck(invoice), [])

    def test_sales_warning_look_alikes(self):
        with self.subTest("a warning about the delivery, not the invoice"):
            self.fox.sale_warn_msg = "Deliver at the back door before 10:00."
            log, invoice = self._fox()
            self.assertEqual(self._codes(log), [])
            self.assertEqual(invoice.ai_review_state, "none")
        with self.subTest("the same warning with no blocking words configured holds it"):
            self.company.ai_sales_warning_words = False
            self.assertEqual(self._recheck(invoice), ["sales_warning"])
        with self.subTest("a customer without warning"):
            self.fox.sale_warn_msg = False
            self.assertEqual(self._recheck(invoice), [])

    # -- archived customer -------------------------------------------------------------------
    def test_customer_archived_after_the_order(self):
        order = self._order([(self.keg, 10)], partner=self.fox, pricelist_id=self.horeca.id)
        self.fox.active = False
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(self._codes(log), ["customer_archived"])
        self.assertIn("Café Le Fox SRL, archived", log.findings[0]["message"])
        self.company.ai_check_archived_customer = False
        self.assertEqual(self._recheck(log.move_id), [])

    def test_archived_look_alikes(self):
        """A shop closed after its last delivery; an old contact archived."""
        shop = self.env["res.partner"].create(
            {"name": "Le Fox - Ixelles", "type": "delivery", "parent_id": self.fox.id}
        )
        old = self.env["res.partner"].create(
            {"name": "Old accountant", "type": "invoice", "parent_id": self.fox.id}
        )
        old.active = False
        order = self._order(
            [(self.keg, 10)],
            partner=self.fox,
            pricelist_id=self.horeca.id,
            partner_shipping_id=shop.id,
        )
        with self._without_agents():  # invoiced by hand below
            self._deliver(order.picking_ids)
        shop.active = False
        log = self._deliver_and_run(self._order([(self.keg, 5)], partner=self.fox).picking_ids)
        self.assertEqual(self._codes(log), [])
        invoice = order._create_invoices()
        self.assertEqual(self._recheck(invoice), [])

    # -- invoice address of another company --------------------------------------------------
    def test_invoice_address_of_another_company(self):
        """Fox ordered and received; the order was invoiced to Brasserie Lumière."""
        log, invoice = self._fox(partner_invoice_id=self.be_customer.id)
        self.assertEqual(invoice.partner_id, self.be_customer)
        self.assertEqual(self._codes(log), ["invoice_address_other_entity"])
        message = log.findings[0]["message"]
        self.assertIn("addressed to Brasserie Lumière SA, but Café Le Fox SRL", message)
        self.company.ai_check_invoice_entity = False
        self.assertEqual(self._recheck(invoice), [])

    def test_invoice_entity_look_alikes(self):
        Partner = self.env["res.partner"]
        billing = Partner.create(
            {
                "name": "Le Fox - Accounts",
                "type": "invoice",
                "parent_id": self.fox.id,
                "email": "ap@lefox.example.com",
            }
        )
        shop = Partner.create(
            {"name": "Le Fox - Ixelles", "type": "delivery", "parent_id": self.fox.id}
        )
        log, _invoice = self._fox(partner_invoice_id=billing.id, partner_shipping_id=shop.id)
        self.assertEqual(self._codes(log), [])

    # -- place of supply ---------------------------------------------------------------------
    def test_goods_collected_in_belgium_by_a_dutch_customer(self):
        """Van Dijk's order says Rotterdam, but its truck collected the kegs at the brewery's
        gate in Belgium: the intra-EU 0% of the order's address does not apply."""
        order = self._order([(self.keg, 20)], partner=self.van_dijk)
        gate = self.env["res.partner"].create(
            {
                "name": "Brewery gate (collection)",
                "type": "delivery",
                "parent_id": self.van_dijk.id,
                "country_id": self.country_be.id,
            }
        )
        order.picking_ids.partner_id = gate
        log = self._deliver_and_run(order.picking_ids)
        invoice = log.move_id
        self.assertEqual(invoice.fiscal_position_id, self.fpos_eu)
        self.assertEqual(self._codes(log), ["goods_stayed_untaxed"])
        self.assertEqual(invoice.ai_review_state, "pending")
        message = log.findings[0]["message"]
        for fact in (
            "'Blonde 30L keg'",
            "Belgium",
            "0% VAT instead of 15%",
            "'Intra-EU B2B'",
            "Bierhandel Van Dijk B.V. is based in Netherlands",
        ):
            self.assertIn(fact, message)
        # a reviewer without stock rights re-runs the checks when approving a changed draft
        Checks = self.env["account.move.ai.checks"].with_user(self.reviewer)
        findings = Checks._run_checks(invoice.with_user(self.reviewer))
        self.assertEqual(self._codes(findings), ["goods_stayed_untaxed"])
        self.company.ai_check_place_of_supply = False
        self.assertEqual(self._recheck(invoice), [])

    def test_place_of_supply_look_alikes(self):
        cases = {
            "a real intra-EU delivery to Rotterdam": (self.van_dijk, {}),
            "a real export to the US": (self.hoppy, {"pricelist_id": self.export_usd.id}),
        }
        for case, (partner, values) in cases.items():
            with self.subTest(case):
                log, _invoice = self._draft_lines(partner, [(self.keg, 10)], **values)
                self.assertEqual(self._codes(log), [])
        with self.subTest("a Belgian customer under a domestic reverse charge"):
            self.fox.with_company(
                self.company
            ).property_account_position_id = self.fpos_cocontractant
            log, invoice = self._fox()
            self.assertFalse(invoice.invoice_line_ids.tax_ids.filtered("amount"))
            self.assertEqual(self._codes(log), [])

    # -- rate age ----------------------------------------------------------------------------
    def test_rate_feed_stopped(self):
        today = fields.Date.today()
        self.usd.rate_ids.filtered(lambda rate: rate.name == today - timedelta(days=1)).name = (
            today - timedelta(days=20)
        )
        log, invoice = self._draft_lines(
            self.hoppy, [(self.keg, 10)], pricelist_id=self.export_usd.id
        )
        self.assertEqual(self._codes(log), ["currency_rate_stale"])
        message = log.findings[0]["message"]
        self.assertIn("latest USD rate", message)
        self.assertIn("20 days before the invoice date (more than 7)", message)
        self.company.ai_rate_max_age_days = 30
        self.assertEqual(self._recheck(invoice), [])
        self.company.ai_rate_max_age_days = 7
        self.company.ai_check_rate_age = False
        self.assertEqual(self._recheck(invoice), [])

    def test_rate_age_look_alikes(self):
        today = fields.Date.today()
        self.usd.rate_ids.filtered(lambda rate: rate.name == today - timedelta(days=1)).name = (
            today - timedelta(days=3)
        )
        with self.subTest("a rate three days old (a long weekend)"):
            log, _invoice = self._draft_lines(
                self.hoppy, [(self.keg, 10)], pricelist_id=self.export_usd.id
            )
            self.assertEqual(self._codes(log), [])
        with self.subTest("an invoice in the company's currency"):
            log, _invoice = self._fox()
            self.assertEqual(self._codes(log), [])
