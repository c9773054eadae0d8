# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ai_llm_retention_days = fields.Integer(
        related="company_id.ai_llm_retention_days", readonly=False
    )
