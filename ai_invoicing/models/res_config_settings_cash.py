# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The cash application agent's settings (``res_company_cash.py``)."""

    _inherit = "res.config.settings"

    ai_cash_enabled = fields.Boolean(related="company_id.ai_cash_enabled", readonly=False)
    ai_cash_auto_apply = fields.Boolean(related="company_id.ai_cash_auto_apply", readonly=False)
    ai_cash_threshold = fields.Float(related="company_id.ai_cash_threshold", readonly=False)
    ai_cash_margin = fields.Float(related="company_id.ai_cash_margin", readonly=False)
    ai_cash_writeoff_tolerance = fields.Monetary(
        related="company_id.ai_cash_writeoff_tolerance",
        readonly=False,
        currency_field="currency_id",
    )
    ai_cash_writeoff_account_id = fields.Many2one(
        related="company_id.ai_cash_writeoff_account_id", readonly=False
    )
