# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ai_check_project = fields.Boolean(related="company_id.ai_check_project", readonly=False)
    ai_project_llm_share_internal = fields.Boolean(
        related="company_id.ai_project_llm_share_internal", readonly=False
    )
