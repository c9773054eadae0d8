# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

CHANNELS = [
    ("auto", "Automatic"),
    ("email", "E-mail"),
    ("peppol", "Peppol (UBL)"),
    ("portal", "Portal Only"),
    ("manual", "Manual"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    ai_invoice_channel = fields.Selection(
        CHANNELS,
        string="AI Invoice Channel",
        default="auto",
        help="How the AI delivery agent sends posted invoices. Automatic: Peppol when a "
        "verified Peppol endpoint is known, e-mail when an address is known, else the portal "
        "only.",
    )

    def _ai_effective_channel(self):
        """The channel actually used: the partner's choice, or what Odoo knows."""
        self.ensure_one()
        partner = self.commercial_partner_id if self.ai_invoice_channel == "auto" else self
        channel = self.ai_invoice_channel
        if channel != "auto":
            return channel
        if getattr(partner, "peppol_endpoint", False) and (
            getattr(partner, "peppol_verification_state", "") == "valid"
        ):
            return "peppol"
        return "email" if self.email else "portal"
