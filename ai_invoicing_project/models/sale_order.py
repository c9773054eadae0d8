# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _get_invoiceable_lines(self, final=False):
        """Limited to the project agent's items while it drafts.

        The context key ``ai_project_sale_line_ids`` lists them.

        Odoo decides what is invoiceable and how much; the project agent only keeps
        the items of its milestone or project (and the sections and notes above
        them, and down payments), so another project's time on the same order
        waits for its own draft.
        """
        lines = super()._get_invoiceable_lines(final)
        allowed = self.env.context.get("ai_project_sale_line_ids")
        if allowed is None:
            return lines
        allowed = set(allowed)
        kept, pending = [], []
        for line in lines:
            if line.display_type == "line_section":
                pending = [line.id]
            elif line.display_type:
                pending.append(line.id)
            elif line.is_downpayment or line.id in allowed:
                kept += pending + [line.id]
                pending = []
        return self.env["sale.order.line"].browse(kept)
