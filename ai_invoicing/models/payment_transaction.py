# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        result = super()._post_process()
        paid = self.filtered(
            lambda tx: tx.state == "done" and tx.operation != "validation" and tx.invoice_ids
        )
        for tx in paid:
            tx.invoice_ids._ai_receipt_paid_online(tx)
        return result
