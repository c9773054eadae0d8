# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from .ai_invoice_log_receipt import RECEIPT_STATES


class AiInvoiceReceiptEvent(models.Model):
    """One step of the receipt timeline of a sent invoice or reminder."""

    _name = "ai.invoice.receipt.event"
    _description = "AI Invoicing Receipt Event"
    _order = "date, id"

    log_id = fields.Many2one(
        "ai.invoice.log", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="log_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(RECEIPT_STATES, string="Event", required=True, readonly=True)
    channel = fields.Selection(
        [
            ("email", "E-mail"),
            ("peppol", "Peppol"),
            ("portal", "Portal"),
            ("payment", "Online Payment"),
            ("other", "Other"),
        ],
        readonly=True,
    )
    detail = fields.Char(readonly=True)

    @api.model
    def _system_create(self, vals_list):
        # sudo: ai.invoice.receipt.event - the timeline is written by the system only
        return self.sudo().create(vals_list).with_env(self.env) if vals_list else self.browse()
