# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The follow-up agent's settings (``res_company_followup.py``)."""

    _inherit = "res.config.settings"

    ai_followup_enabled = fields.Boolean(related="company_id.ai_followup_enabled", readonly=False)
    ai_followup_min_amount = fields.Monetary(
        related="company_id.ai_followup_min_amount", readonly=False, currency_field="currency_id"
    )
    ai_followup_escalation_days = fields.Integer(
        related="company_id.ai_followup_escalation_days", readonly=False
    )
    ai_followup_responsible_id = fields.Many2one(
        related="company_id.ai_followup_responsible_id", readonly=False
    )
