# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ai_payment_terms_policy = fields.Boolean(
        related="company_id.ai_payment_terms_policy", readonly=False
    )
    ai_payment_terms_auto_apply = fields.Boolean(
        related="company_id.ai_payment_terms_auto_apply", readonly=False
    )
    ai_credit_application = fields.Selection(
        related="company_id.ai_credit_application", readonly=False
    )
    ai_early_discount_suggest = fields.Boolean(
        related="company_id.ai_early_discount_suggest", readonly=False
    )
    ai_early_discount_term_id = fields.Many2one(
        related="company_id.ai_early_discount_term_id", readonly=False
    )
    ai_early_discount_min_days_late = fields.Float(
        related="company_id.ai_early_discount_min_days_late", readonly=False
    )
    ai_early_discount_min_balance = fields.Monetary(
        related="company_id.ai_early_discount_min_balance",
        readonly=False,
        currency_field="currency_id",
    )
