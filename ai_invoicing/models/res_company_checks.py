# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

from ..services import checks_parties


class ResCompany(models.Model):
    """Switches and tolerances of the controller checks (invoice level, line by line,
    entitlements, who is invoiced, place of supply): ``account_move_ai_checks*.py``."""

    _inherit = "res.company"

    # Invoice-level checks (issue findings; warnings and errors go to review)
    ai_check_taxes = fields.Boolean(
        string="Check Taxes vs Delivery Address",
        default=True,
        help="The fiscal position Odoo would pick for the delivery address, and each line's taxes.",
    )
    ai_check_vat = fields.Boolean(
        string="Check VAT Numbers",
        default=True,
        help="Format and check digit of the VAT number; the VIES result when base_vat has it.",
    )
    ai_check_currency = fields.Boolean(
        string="Check Currency Rates",
        default=True,
        help="A rate exists for the invoice date and did not jump above the tolerance.",
    )
    ai_currency_tolerance = fields.Float(
        string="Rate Jump Tolerance (%)",
        default=10.0,
        help="A change from the previous rate above this percentage is a warning.",
    )
    ai_check_quantities = fields.Boolean(
        string="Check Quantities",
        default=True,
        help="Invoiced quantities vs what was delivered (or ordered) and not invoiced yet.",
    )
    ai_check_prices = fields.Boolean(
        string="Check Prices and Discounts",
        default=True,
        help="Invoice prices vs the reference price, and discounts above the ceiling.",
    )
    ai_price_tolerance = fields.Float(
        string="Price Tolerance (%)",
        default=5.0,
        help="A price further than this percentage from the reference is a warning.",
    )
    ai_max_discount = fields.Float(
        string="Discount Ceiling (%)",
        default=30.0,
        help="A line discount above this percentage is a warning.",
    )
    ai_check_duplicates = fields.Boolean(
        string="Check Duplicates",
        default=True,
        help="Another invoice of the customer with the same total and origin or reference.",
    )
    ai_duplicate_days = fields.Integer(
        string="Duplicate Window (days)",
        default=30,
        help="How far back to look for a duplicate, in days.",
    )
    ai_check_unusual_amount = fields.Boolean(
        string="Check Unusual Amounts",
        default=True,
        help="A total far above the customer's posted history. Customers with 'Ignore abnormal "
        "invoice amount' on their Accounting tab are never flagged.",
    )
    ai_unusual_sigma = fields.Float(
        string="Unusual Above (standard deviations)",
        default=3.0,
        help="Unusual when the total exceeds the customer's mean by this many standard deviations.",
    )
    ai_unusual_min_history = fields.Integer(
        string="Minimum History (invoices)",
        default=5,
        help="Posted invoices a customer needs before its amounts can look unusual.",
    )
    ai_check_price_reference = fields.Boolean(
        string="Check Prices vs Pricelist and Cost",
        default=True,
        help="Flag a line whose net price is far below what the order's pricelist gives this "
        "customer for that quantity and date (the product's list price without a pricelist): "
        "a manual override.",
    )
    ai_price_reference_tolerance = fields.Float(
        string="Below Pricelist Tolerance (%)",
        default=20.0,
        help="How far (in %) a net line price may fall below the pricelist or list price before "
        "it is flagged.",
    )
    ai_check_below_cost = fields.Boolean(
        string="Flag Sales Below Cost",
        default=True,
        help="Flag any line sold below the product's cost, in the invoice currency and unit.",
    )
    ai_check_over_delivery = fields.Boolean(
        string="Check Quantities Above the Order",
        default=True,
        help="Flag a line whose quantity invoiced to date is above the quantity ordered "
        "(over-delivery).",
    )
    ai_over_delivery_tolerance = fields.Float(
        string="Over-Delivery Tolerance (%)",
        default=0.0,
        help="Extra quantity (in % of the ordered quantity) accepted without a finding, e.g. "
        "for goods sold by weight.",
    )
    ai_check_currency_habit = fields.Boolean(
        string="Check Unusual Currency",
        default=True,
        help="Flag an invoice in a currency none of the customer's posted invoices uses.",
    )
    ai_currency_habit_min_history = fields.Integer(
        string="Currency History (invoices)",
        default=3,
        help="Posted invoices a customer needs before a new currency is flagged.",
    )
    ai_check_forced_fiscal_position = fields.Boolean(
        string="Check Forced Fiscal Positions",
        default=True,
        help="Warn when the fiscal position forced on the customer differs from the one Odoo "
        "would pick automatically for the delivery address.",
    )
    ai_check_credit_limit = fields.Boolean(
        string="Check Credit Limits",
        default=True,
        help="Warn when the customer's receivable plus this invoice is above its credit limit. "
        "Needs 'Sales Credit Limit' in the Accounting settings.",
    )
    ai_check_channel = fields.Boolean(
        string="Check Sending Channel",
        default=True,
        help="The customer's invoice sending preference can be used (e-mail, Peppol address).",
    )
    # Line against the customer's history
    ai_check_line_history = fields.Boolean(
        string="Check Lines Against the Customer's History",
        default=True,
        help="Compare each line with the same product on the customer's posted invoices: a "
        "quantity far outside what it usually takes (unit of measure mistakes included), a "
        "unit price other than what it recently paid with no pricelist change to explain it, "
        "taxes other than the ones the product always had for this customer.",
    )
    ai_line_history_min = fields.Integer(
        string="Line History (invoice lines)",
        default=3,
        help="Posted invoice lines of a product a customer needs before its lines are "
        "compared with them.",
    )
    ai_line_history_days = fields.Integer(
        string="Line History Look-Back (days)",
        default=365,
        help="Only posted invoice lines of the last this many days are compared (at most 20 "
        "per customer and product).",
    )
    ai_line_qty_factor = fields.Float(
        string="Unusual Quantity Factor (x)",
        default=5.0,
        help="A quantity this many times the customer's usual quantity of the product (or "
        "that many times smaller), beyond anything it took before, is a warning.",
    )
    ai_line_price_tolerance = fields.Float(
        string="Price vs History Tolerance (%)",
        default=2.0,
        help="A net unit price further than this percentage from what the customer recently "
        "paid for the product, and from what its pricelist gives today, is a warning.",
    )
    # Entitlements: the customer's own pricelist, discounts, payment terms, rebates
    ai_check_pricelist_entitlement = fields.Boolean(
        string="Check the Customer's Own Pricelist",
        default=True,
        help="Warn when an order of a customer with a pricelist of its own is priced with "
        "another pricelist that gives it lower prices (a discount it is not entitled to).",
    )
    ai_pricelist_entitlement_tolerance = fields.Float(
        string="Own Pricelist Tolerance (%)",
        default=1.0,
        help="How much lower (in %) than the customer's own pricelist a line may be priced "
        "before it is flagged.",
    )
    ai_check_double_discount = fields.Boolean(
        string="Check Double Discounts",
        default=True,
        help="Warn when a line discount comes on top of a pricelist that already discounts "
        "that product.",
    )
    ai_double_discount_tolerance = fields.Float(
        string="Extra Discount Allowed (%)",
        default=5.0,
        help="Line discount (in %, beyond the pricelist's price) accepted on top of a "
        "discounting pricelist.",
    )
    ai_check_payment_terms = fields.Boolean(
        string="Check Payment Terms",
        default=True,
        help="Warn when the invoice's payment terms are longer than the customer's own, or "
        "give an early payment discount its own terms do not have. Only customers with "
        "payment terms of their own are compared.",
    )
    ai_payment_terms_tolerance = fields.Integer(
        string="Longer Terms Tolerance (days)",
        default=0,
        help="Days the invoice's terms may exceed the customer's own.",
    )
    ai_check_manual_rebate = fields.Boolean(
        string="Check Manual Rebates",
        default=True,
        help="Warn about a negative line (a rebate typed on the order or the invoice) worth a "
        "significant share of the goods; down payment deductions are not rebates.",
    )
    ai_manual_rebate_share = fields.Float(
        string="Significant Rebate (% of goods)",
        default=10.0,
        help="A negative line worth at least this share of the invoice's goods (untaxed) is "
        "a warning.",
    )
    # Who is invoiced
    ai_check_sales_warning = fields.Boolean(
        string="Check Sales Warnings",
        default=True,
        help="Hold the draft of a customer whose sales warning (Sales & Purchase tab) "
        "contains one of the blocking words, e.g. 'Do not invoice before the dispute is "
        "settled'. Odoo 19's warning is a plain message with no blocking level and the agent "
        "sees no pop-up.",
    )
    ai_sales_warning_words = fields.Char(
        string="Blocking Words",
        default=checks_parties.DEFAULT_BLOCKING_WORDS,
        help="Comma-separated, case-insensitive parts of words (any language) that make a "
        "sales warning hold the invoice. Empty: any sales warning holds it.",
    )
    ai_check_archived_customer = fields.Boolean(
        string="Check Archived Customers",
        default=True,
        help="Warn when the invoiced customer or its invoice contact is archived.",
    )
    ai_check_invoice_entity = fields.Boolean(
        string="Check the Invoiced Company",
        default=True,
        help="Warn when the invoice address belongs to another company than the one that "
        "ordered and received the goods (contacts of one company are the same company).",
    )
    # Place of supply
    ai_check_place_of_supply = fields.Boolean(
        string="Check the Place of Supply",
        default=True,
        help="Error when goods that never left the company's country (warehouse, delivery "
        "address, deliveries) are invoiced without its VAT because the customer is foreign.",
    )
    # Currency rate age
    ai_check_rate_age = fields.Boolean(
        string="Check the Rate's Age",
        default=True,
        help="Warn when a foreign-currency invoice is converted at a rate older than the "
        "maximum age (the rate feed stopped).",
    )
    ai_rate_max_age_days = fields.Integer(
        string="Maximum Rate Age (days)",
        default=7,
        help="A rate older than this many days on the invoice date is a warning.",
    )
    # Doubles
    ai_check_twins = fields.Boolean(
        string="Check Orders Entered Twice",
        default=True,
        help="Warn when another order of the customer has the very same goods (products, "
        "quantities, prices) within a few days, or under the same customer reference within "
        "the duplicate window, even when a shipping line makes the totals differ.",
    )
    ai_twin_days = fields.Integer(
        string="Same Goods Window (days)",
        default=3,
        help="Two orders with the same goods this many days apart or less are suspect; a "
        "weekly standing order is further apart.",
    )
    ai_check_shipping_twice = fields.Boolean(
        string="Check Shipping Billed Twice",
        default=True,
        help="Warn when one order's shipping appears twice on the invoice, or is invoiced "
        "beyond what the order charges.",
    )
    # Omissions
    ai_check_lots = fields.Boolean(
        string="Check Lots and Serial Numbers",
        default=True,
        help="When invoices print lots and serial numbers (Inventory setting), warn about a "
        "tracked product invoiced beyond what was delivered with a lot.",
    )
    ai_check_services_delivered = fields.Boolean(
        string="Check Services Not Delivered",
        default=True,
        help="Warn about a service invoiced on delivered quantities with nothing delivered "
        "left to invoice (e.g. added by hand to a draft before the work was done).",
    )
