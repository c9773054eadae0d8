# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Odoo's own company-dependent preference; the one option it lacks: the portal
    # only (the PDF is generated and the invoice marked sent, no e-mail goes out).
    invoice_sending_method = fields.Selection(
        selection_add=[("portal", "Portal only")], ondelete={"portal": "set null"}
    )

    def _ai_effective_channel(self, company=None):
        """How Odoo sends this customer's invoices in ``company`` (its default: e-mail)."""
        self.ensure_one()
        company = company or self.env.company
        partner = self.commercial_partner_id.with_company(company)
        return partner.invoice_sending_method or "email"
