# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ai_llm_retention_days = fields.Integer(
        string="Keep LLM Exchanges (days)",
        default=0,
        help="After this many days, the texts of the LLM exchanges (messages sent, answers, "
        "rejected strings) are cleared by a scheduled action; their SHA-256 stays on the "
        "log as proof of what was exchanged. 0 keeps them.",
    )

    _ai_llm_retention_days_positive = models.Constraint(
        "CHECK (ai_llm_retention_days >= 0)",
        "The retention of LLM exchanges cannot be negative (0 keeps them).",
    )
