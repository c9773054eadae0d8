# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The controller checks' settings (``res_company_checks.py``)."""

    _inherit = "res.config.settings"

    ai_check_line_history = fields.Boolean(
        related="company_id.ai_check_line_history", readonly=False
    )
    ai_line_history_min = fields.Integer(related="company_id.ai_line_history_min", readonly=False)
    ai_line_history_days = fields.Integer(related="company_id.ai_line_history_days", readonly=False)
    ai_line_qty_factor = fields.Float(related="company_id.ai_line_qty_factor", readonly=False)
    ai_line_price_tolerance = fields.Float(
        related="company_id.ai_line_price_tolerance", readonly=False
    )
