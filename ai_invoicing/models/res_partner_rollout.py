# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    ai_rollout_review_left = fields.Integer(
        string="AI Drafts Back in Review",
        company_dependent=True,
        readonly=True,
        groups="ai_invoicing.group_ai_invoicing_user",
        help="An auto-posted invoice of this customer was marked wrong: its next AI drafts go "
        "to review whatever the checks say.",
    )
