# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The controller checks' settings (``res_company_checks.py``)."""

    _inherit = "res.config.settings"

    ai_check_taxes = fields.Boolean(related="company_id.ai_check_taxes", readonly=False)
    ai_check_vat = fields.Boolean(related="company_id.ai_check_vat", readonly=False)
    ai_check_currency = fields.Boolean(related="company_id.ai_check_currency", readonly=False)
    ai_currency_tolerance = fields.Float(related="company_id.ai_currency_tolerance", readonly=False)
    ai_check_quantities = fields.Boolean(related="company_id.ai_check_quantities", readonly=False)
    ai_check_prices = fields.Boolean(related="company_id.ai_check_prices", readonly=False)
    ai_price_tolerance = fields.Float(related="company_id.ai_price_tolerance", readonly=False)
    ai_max_discount = fields.Float(related="company_id.ai_max_discount", readonly=False)
    ai_check_price_reference = fields.Boolean(
        related="company_id.ai_check_price_reference", readonly=False
    )
    ai_price_reference_tolerance = fields.Float(
        related="company_id.ai_price_reference_tolerance", readonly=False
    )
    ai_check_below_cost = fields.Boolean(related="company_id.ai_check_below_cost", readonly=False)
    ai_check_over_delivery = fields.Boolean(
        related="company_id.ai_check_over_delivery", readonly=False
    )
    ai_over_delivery_tolerance = fields.Float(
        related="company_id.ai_over_delivery_tolerance", readonly=False
    )
    ai_check_duplicates = fields.Boolean(related="company_id.ai_check_duplicates", readonly=False)
    ai_duplicate_days = fields.Integer(related="company_id.ai_duplicate_days", readonly=False)
    ai_check_unusual_amount = fields.Boolean(
        related="company_id.ai_check_unusual_amount", readonly=False
    )
    ai_unusual_sigma = fields.Float(related="company_id.ai_unusual_sigma", readonly=False)
    ai_unusual_min_history = fields.Integer(
        related="company_id.ai_unusual_min_history", readonly=False
    )
    ai_check_currency_habit = fields.Boolean(
        related="company_id.ai_check_currency_habit", readonly=False
    )
    ai_currency_habit_min_history = fields.Integer(
        related="company_id.ai_currency_habit_min_history", readonly=False
    )
    ai_check_forced_fiscal_position = fields.Boolean(
        related="company_id.ai_check_forced_fiscal_position", readonly=False
    )
    ai_check_credit_limit = fields.Boolean(
        related="company_id.ai_check_credit_limit", readonly=False
    )
    ai_check_channel = fields.Boolean(related="company_id.ai_check_channel", readonly=False)
    ai_check_line_history = fields.Boolean(
        related="company_id.ai_check_line_history", readonly=False
    )
    ai_line_history_min = fields.Integer(related="company_id.ai_line_history_min", readonly=False)
    ai_line_history_days = fields.Integer(related="company_id.ai_line_history_days", readonly=False)
    ai_line_qty_factor = fields.Float(related="company_id.ai_line_qty_factor", readonly=False)
    ai_line_price_tolerance = fields.Float(
        related="company_id.ai_line_price_tolerance", readonly=False
    )
    ai_check_pricelist_entitlement = fields.Boolean(
        related="company_id.ai_check_pricelist_entitlement", readonly=False
    )
    ai_pricelist_entitlement_tolerance = fields.Float(
        related="company_id.ai_pricelist_entitlement_tolerance", readonly=False
    )
    ai_check_double_discount = fields.Boolean(
        related="company_id.ai_check_double_discount", readonly=False
    )
    ai_double_discount_tolerance = fields.Float(
        related="company_id.ai_double_discount_tolerance", readonly=False
    )
    ai_check_payment_terms = fields.Boolean(
        related="company_id.ai_check_payment_terms", readonly=False
    )
    ai_payment_terms_tolerance = fields.Integer(
        related="company_id.ai_payment_terms_tolerance", readonly=False
    )
    ai_check_manual_rebate = fields.Boolean(
        related="company_id.ai_check_manual_rebate", readonly=False
    )
    ai_manual_rebate_share = fields.Float(
        related="company_id.ai_manual_rebate_share", readonly=False
    )
    ai_check_sales_warning = fields.Boolean(
        related="company_id.ai_check_sales_warning", readonly=False
    )
    ai_sales_warning_words = fields.Char(
        related="company_id.ai_sales_warning_words", readonly=False
    )
    ai_check_archived_customer = fields.Boolean(
        related="company_id.ai_check_archived_customer", readonly=False
    )
    ai_check_invoice_entity = fields.Boolean(
        related="company_id.ai_check_invoice_entity", readonly=False
    )
    ai_check_place_of_supply = fields.Boolean(
        related="company_id.ai_check_place_of_supply", readonly=False
    )
    ai_check_rate_age = fields.Boolean(related="company_id.ai_check_rate_age", readonly=False)
    ai_rate_max_age_days = fields.Integer(related="company_id.ai_rate_max_age_days", readonly=False)
    ai_check_twins = fields.Boolean(related="company_id.ai_check_twins", readonly=False)
    ai_twin_days = fields.Integer(related="company_id.ai_twin_days", readonly=False)
    ai_check_shipping_twice = fields.Boolean(
        related="company_id.ai_check_shipping_twice", readonly=False
    )
    ai_check_lots = fields.Boolean(related="company_id.ai_check_lots", readonly=False)
    ai_check_services_delivered = fields.Boolean(
        related="company_id.ai_check_services_delivered", readonly=False
    )
