# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class AiInvoiceLog(models.Model):
    """The log of outstanding credits applied to (or suggested for) a posted AI invoice."""

    _inherit = "ai.invoice.log"

    agent = fields.Selection(
        selection_add=[("credit_application", "Credit Application")],
        ondelete={"credit_application": "cascade"},
    )
