# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _ai_followup_responsible(self, partner=None):
        """The customer's own follow-up responsible first (Follow-up tab), else the company's."""
        self.ensure_one()
        if partner:
            # sudo: res.partner - who is responsible is read whoever runs the follow-up
            own = partner.commercial_partner_id.sudo().with_company(self).ai_followup_responsible_id
            if own and own.active:
                return own.sudo(False)
        return super()._ai_followup_responsible(partner)

    def _ai_llm_gateway(self):
        """No LLM for a reminder whose text a clerk wrote (Send & Print): the template
        stands in for the facts, the clerk's text is sent."""
        if self.env.context.get("ai_followup_clerk_text"):
            return None
        return super()._ai_llm_gateway()
