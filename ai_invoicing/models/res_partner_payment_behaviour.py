# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class ResPartner(models.Model):
    """The customer's payment behaviour in the current company (smart button)."""

    _inherit = "res.partner"

    ai_payment_behaviour_id = fields.Many2one(
        "ai.payment.behaviour",
        string="Payment Behaviour",
        compute="_compute_ai_payment_behaviour_id",
        compute_sudo=True,
    )
    ai_payment_days_late = fields.Float(
        string="Days Late (average)",
        compute="_compute_ai_payment_behaviour_id",
        compute_sudo=True,
        digits=(16, 1),
    )

    @api.depends_context("company")
    def _compute_ai_payment_behaviour_id(self):
        company = self.env.company
        rows = self.env["ai.payment.behaviour"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", self.commercial_partner_id.ids),
            ]
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id.id, rows.browse())
            partner.ai_payment_behaviour_id = row
            partner.ai_payment_days_late = row.average_days_late

    def action_ai_payment_behaviour(self):
        """Open the customer's payment behaviour in this company, refreshed when stale."""
        self.ensure_one()
        company = self.env.company
        partner = self.commercial_partner_id
        row = self.env["ai.payment.behaviour"]._get_for({(company.id, partner.id)})[
            company.id, partner.id
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment Behaviour"),
            "res_model": "ai.payment.behaviour",
            "res_id": row.id,
            "view_mode": "form",
            "target": "current",
        }
