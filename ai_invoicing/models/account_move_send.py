# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_invoice_extra_attachments(self, move):
        # The delivery slips the AI delivery agent attached travel with the invoice.
        return super()._get_invoice_extra_attachments(move) | move.ai_slip_attachment_ids
