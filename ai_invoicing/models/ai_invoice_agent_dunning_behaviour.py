# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

# A stored payment behaviour worth the AR clerk's attention in the reminder's risk note.
NOTABLE_LATE_SHARE = 30.0
NOTABLE_MIN_PAID = 3
NOTABLE_OVERDUE = 2


class AiInvoiceAgentDunning(models.AbstractModel):
    """The follow-up agent's risk note also reads the customer's stored payment behaviour
    (``ai.payment.behaviour``): share paid late, 90th percentile, trend, open overdue."""

    _inherit = "ai.invoice.agent.dunning"

    @api.model
    def _compose(self, company, partner, plan, data, level, today):
        message = super()._compose(company, partner, plan, data, level, today)
        row = (
            self.env["ai.payment.behaviour"]
            ._get_for({(company.id, partner.id)})
            .get((company.id, partner.id))
        )
        if row and self._payment_behaviour_notable(row):
            note = self.env._("Payment behaviour: %(summary)s", summary=row._summary_text())
            message["risk_note"] = " ".join(filter(None, [message["risk_note"], note]))
        return message

    @api.model
    def _payment_behaviour_notable(self, row):
        return (
            (row.invoices_paid >= NOTABLE_MIN_PAID and row.late_share >= NOTABLE_LATE_SHARE)
            or row.trend == "worsening"
            or row.open_overdue_count >= NOTABLE_OVERDUE
        )
