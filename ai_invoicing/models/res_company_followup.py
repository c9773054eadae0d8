# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    """The follow-up (dunning) agent's settings: ``ai_invoice_agent_dunning.py``."""

    _inherit = "res.company"

    ai_followup_enabled = fields.Boolean(
        string="Automatic Follow-ups",
        help="The daily run sends payment reminders to customers with overdue invoices, by the "
        "levels of Invoicing > AI Invoicing > Follow-up Levels. Off: only the Run Follow-ups "
        "button sends them.",
    )
    ai_followup_min_amount = fields.Monetary(
        string="Minimum Amount to Chase",
        currency_field="currency_id",
        help="In company currency: a customer whose balance due in a currency (after its credit "
        "notes and unapplied payments) is below this amount is not reminded. Zero: any amount.",
    )
    ai_followup_escalation_days = fields.Integer(
        string="Escalation Delay (days)",
        default=14,
        help="Days after the last level was sent before the customer is escalated to the "
        "follow-up responsible (an activity). Zero: the day after.",
    )
    ai_followup_responsible_id = fields.Many2one(
        "res.users",
        string="Follow-up Responsible",
        domain="[('share', '=', False)]",
        help="Receives the follow-up activities: approvals, phone calls, letters to post, "
        "escalations and promises to check. Empty: the AI review responsible.",
    )

    def _ai_followup_responsible(self, partner=None):
        """Who receives the follow-up activities of ``partner``: the customer's own
        follow-up responsible (Follow-up tab), else the company's, else the AI review
        responsible."""
        self.ensure_one()
        if partner:
            # sudo: res.partner - who is responsible is read whoever runs the follow-up
            own = partner.commercial_partner_id.sudo().with_company(self).ai_followup_responsible_id
            if own and own.active:
                return own.sudo(False)
        return self.ai_followup_responsible_id or self._ai_responsible_user(partner)
