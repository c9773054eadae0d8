# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tools.misc import formatLang

from .common import AiInvoicingCommon


class AiChecksCommon(AiInvoicingCommon):
    """A Belgian brewery invoicing in EUR, with customers that have a history.

    Café Le Fox SRL (domestic, Horeca BE pricelist), Bierhandel Van Dijk B.V. (intra-EU,
    NL VAT number), Hoppy Imports Inc. (US export, always billed in USD on the Export USD
    pricelist), plus the customers of the original checks tests (BE, FR, DE without VAT).
    """

    # Our own fiscal positions on the generic chart (l10n_be is not a dependency).
    chart_template = "generic_coa"

    @classmethod
    def setup_independent_company(cls, **kwargs):
        cls._enable_currency("EUR")
        belgian = {
            "currency_id": cls.env.ref("base.EUR").id,
            "country_id": cls.env.ref("base.be").id,
            "vat": "BE0428759497",
        }
        return super().setup_independent_company(**(belgian | kwargs))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.country_be
        cls.company.ai_review_threshold = 0.0  # isolate the checks from the amount rule
        cls.eur = cls.company.currency_id
        today = fields.Date.today()
        cls.usd = cls.setup_other_currency(
            "USD", rates=[("2019-01-01", 1.0790), (today - timedelta(days=1), 1.0841)]
        )
        cls._setup_fiscal_positions()
        cls._setup_products_and_pricelists()
        cls._setup_customers()
        cls._setup_history()

    @classmethod
    def _setup_fiscal_positions(cls):
        ref = cls.env.ref
        # Our own positions, not the generic chart's.
        cls.env["account.fiscal.position"].search(
            [("company_id", "=", cls.company.id)]
        ).active = False
        eu_others = cls.env["res.country.group"].create(
            {
                "name": "EU (without BE)",
                "country_ids": [
                    Command.set([ref("base.fr").id, ref("base.de").id, ref("base.nl").id])
                ],
            }
        )
        FiscalPosition = cls.env["account.fiscal.position"]
        cls.fpos_national = FiscalPosition.create(
            {"name": "National", "auto_apply": True, "country_id": cls.country_be.id, "sequence": 5}
        )
        cls.fpos_eu = FiscalPosition.create(
            {
                "name": "Intra-EU B2B",
                "auto_apply": True,
                "vat_required": True,
                "country_group_id": eu_others.id,
                "sequence": 10,
            }
        )
        # National keeps the domestic taxes (a position without taxes removes them all)
        cls.tax_sale_a.fiscal_position_ids |= cls.fpos_national
        cls.fpos_export = FiscalPosition.create(
            {"name": "Export", "auto_apply": True, "country_id": ref("base.us").id, "sequence": 20}
        )
        cls.fpos_cocontractant = FiscalPosition.create({"name": "Co-Contractant", "sequence": 30})
        cls.tax_eu = cls.tax_sale_a.copy({"name": "0% EU G", "amount": 0.0})
        cls.tax_eu.fiscal_position_ids = cls.fpos_eu
        cls.tax_eu.original_tax_ids = cls.tax_sale_a
        cls.tax_export = cls.tax_sale_a.copy({"name": "0% Export", "amount": 0.0})
        cls.tax_export.fiscal_position_ids = cls.fpos_export
        cls.tax_export.original_tax_ids = cls.tax_sale_a

    @classmethod
    def _setup_products_and_pricelists(cls):
        taxes = [Command.set(cls.tax_sale_a.ids)]
        # the brewery's own products: priced in its currency (EUR)
        common = {
            "type": "consu",
            "is_storable": True,
            "invoice_policy": "delivery",
            "company_id": cls.company.id,
        }
        cls.keg = cls._create_product(
            **common, name="Blonde 30L keg", lst_price=155.0, standard_price=96.40, taxes_id=taxes
        )
        cls.crate = cls._create_product(
            **common,
            name="Tripel 24x33cl crate",
            lst_price=24.50,
            standard_price=11.20,
            taxes_id=taxes,
        )
        cls.hops = cls._create_product(
            **common,
            name="Hops Saaz",
            uom_id=cls.env.ref("uom.product_uom_kgm").id,
            lst_price=18.40,
            standard_price=12.10,
            taxes_id=taxes,
        )
        for product in cls.keg | cls.crate | cls.hops:
            cls._stock(product, 5000)
        Pricelist = cls.env["product.pricelist"]
        cls.horeca = Pricelist.create(
            {
                "name": "Horeca BE",
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.keg.id,
                            "compute_price": "fixed",
                            "fixed_price": 138.0,
                        }
                    )
                ],
            }
        )
        cls.export_usd = Pricelist.create(
            {
                "name": "Export USD",
                "currency_id": cls.usd.id,
                "company_id": cls.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.keg.id,
                            "compute_price": "fixed",
                            "fixed_price": 165.0,
                        }
                    )
                ],
            }
        )

    @classmethod
    def _setup_customers(cls):
        ref = cls.env.ref
        Partner = cls.env["res.partner"]
        common = {"is_company": True, "invoice_sending_method": "email"}
        cls.be_customer = Partner.create(
            {
                **common,
                "name": "Brasserie Lumière SA",
                "country_id": cls.country_be.id,
                "vat": "BE0477472701",
                "email": "ap@brasserie.example.com",
            }
        )
        cls.fr_customer = Partner.create(
            {
                **common,
                "name": "Cave de Lyon SARL",
                "country_id": ref("base.fr").id,
                "vat": "FR40303265045",
                "email": "compta@cave.example.com",
            }
        )
        cls.de_customer_no_vat = Partner.create(
            {
                **common,
                "name": "Berliner Getränke GmbH",
                "country_id": ref("base.de").id,
                "email": "buchhaltung@getraenke.example.com",
            }
        )
        cls.fox = Partner.create(
            {
                **common,
                "name": "Café Le Fox SRL",
                "country_id": cls.country_be.id,
                "vat": "BE0202239951",
                "email": "compta@lefox.example.com",
            }
        )
        cls.van_dijk = Partner.create(
            {
                **common,
                "name": "Bierhandel Van Dijk B.V.",
                "country_id": ref("base.nl").id,
                "vat": "NL004495445B01",
                "email": "crediteuren@vandijk.example.com",
            }
        )
        cls.hoppy = Partner.create(
            {
                **common,
                "name": "Hoppy Imports Inc.",
                "country_id": ref("base.us").id,
                "email": "ap@hoppy.example.com",
            }
        )

    @classmethod
    def _setup_history(cls):
        """Posted invoices of the past years (unpaid: they are the open receivable)."""
        history = {
            cls.fox: ([1650.0, 1980.0, 2240.0, 1870.0, 2410.0, 1760.0], cls.eur),
            cls.van_dijk: ([3120.0, 2890.0, 3340.0, 2975.0, 3210.0], cls.eur),
            cls.hoppy: ([1650.0, 1720.0, 1580.0, 1690.0, 1655.0], cls.usd),
        }
        for partner, (amounts, currency) in history.items():
            for amount in amounts:
                cls.init_invoice(
                    "out_invoice",
                    partner=partner,
                    amounts=[amount],
                    taxes=[],
                    currency=currency,
                    post=True,
                )

    def _draft(self, partner, qty=2, **order_values):
        """An AI draft for one line of the generic delivered product."""
        return self._draft_lines(partner, [(self.product_deliv, qty)], **order_values)

    def _draft_lines(self, partner, lines, delivered=None, **order_values):
        """Confirm an order, deliver it (``delivered``: {product: qty}), let the AI draft."""
        order = self._order(lines, partner=partner, **order_values)
        log = self._deliver_and_run(order.picking_ids, delivered)
        return log, log.move_id

    def _codes(self, log_or_findings):
        findings = getattr(log_or_findings, "findings", log_or_findings) or []
        return sorted({f["code"] if isinstance(f, dict) else f.code for f in findings})

    def _recheck(self, invoice):
        return self._codes(self.env["account.move.ai.checks"]._run_checks(invoice))

    def _fmt(self, amount, currency=None):
        """An amount as the checks print it (Odoo's formatLang)."""
        return formatLang(self.env, amount, currency_obj=currency or self.eur)

    # -- line history (test_checks_line_history.py) -------------------------------------------
    @classmethod
    def _post_lines_history(cls, partner, invoices, currency=None):
        """Post one invoice a week back for each of ``invoices`` (newest first), each a list
        of (product, quantity, unit price[, extra line values])."""
        today = fields.Date.today()
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today - timedelta(weeks=weeks),
                    "currency_id": (currency or cls.eur).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line[0].id,
                                "quantity": line[1],
                                "price_unit": line[2],
                                **(line[3] if len(line) > 3 else {}),
                            }
                        )
                        for line in lines
                    ],
                }
                for weeks, lines in enumerate(invoices, 1)
            ]
        )
        moves.action_post()
        return moves
