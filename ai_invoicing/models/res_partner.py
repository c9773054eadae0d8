# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

from odoo import fields, models

from .res_company import INVOICING_MODES


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Odoo's own company-dependent preference; the one option it lacks: the portal
    # only (the PDF is generated and the invoice marked sent, no e-mail goes out).
    invoice_sending_method = fields.Selection(
        selection_add=[("portal", "Portal only")], ondelete={"portal": "set null"}
    )

    ai_invoicing_mode = fields.Selection(
        INVOICING_MODES,
        string="AI Invoicing Mode",
        company_dependent=True,
        help="Empty: the company's invoicing mode (AI Invoicing settings).",
    )
    ai_waiting_delivery_count = fields.Integer(
        string="Deliveries to Invoice",
        compute="_compute_ai_waiting_delivery_count",
        help="Validated deliveries of this customer that no invoice covers yet.",
    )

    def _compute_ai_waiting_delivery_count(self):
        counts = dict(
            self.env["stock.picking"]._read_group(
                [("ai_waiting_invoice", "=", True), ("partner_id", "child_of", self.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.ai_waiting_delivery_count = sum(
                count
                for picking_partner, count in counts.items()
                if picking_partner.commercial_partner_id == partner.commercial_partner_id
            )

    def action_ai_view_waiting_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [
            ("ai_waiting_invoice", "=", True),
            ("partner_id", "child_of", self.commercial_partner_id.id),
        ]
        action["context"] = {"create": False}
        return action

    def _ai_invoicing_mode(self, company):
        """The invoicing mode for this customer in ``company`` (its own, else the company's)."""
        self.ensure_one()
        own = self.commercial_partner_id.with_company(company).ai_invoicing_mode
        return own or company.ai_invoicing_mode

    def _ai_effective_channel(self, company=None):
        """How Odoo sends this customer's invoices in ``company`` (its default: e-mail)."""
        self.ensure_one()
        company = company or self.env.company
        partner = self.commercial_partner_id.with_company(company)
        return partner.invoice_sending_method or "email"
