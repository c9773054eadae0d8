# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # The line history checks read a customer's latest posted lines of a product
    # (account_move_ai_checks_history.py): an index scan however long the history is.
    _ai_customer_product_idx = models.Index(
        "(partner_id, product_id, date DESC, id DESC) "
        "WHERE parent_state = 'posted' AND display_type = 'product' AND product_id IS NOT NULL"
    )
