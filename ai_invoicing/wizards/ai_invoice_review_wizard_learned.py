# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class AiInvoiceReviewWizard(models.TransientModel):
    """Approve and accept: the warnings that held the draft stay silent for this customer
    (optionally this product) within the figures seen now, until the expiry date."""

    _inherit = "ai.invoice.review.wizard"

    accept_for_customer = fields.Boolean(
        string="Accept for This Customer",
        help="The warnings of these drafts become learned exceptions: later drafts of the same "
        "customer within the same bound are not held for them.",
    )
    accept_product_id = fields.Many2one(
        "product.product",
        string="Only With Product",
        help="Accept only when this product is on the invoice. Empty: any product.",
    )
    accept_expiry = fields.Date(
        string="Accept Until",
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=6),
    )
    accept_product_ids = fields.Many2many("product.product", compute="_compute_accept_products")

    @api.depends("move_ids")
    def _compute_accept_products(self):
        for wizard in self:
            wizard.accept_product_ids = wizard.move_ids._ai_product_lines().product_id

    def action_confirm(self):
        learn = self.decision == "approve" and self.accept_for_customer
        res = super().action_confirm()
        if learn:
            self.env["ai.learned.exception"]._ai_learn(
                self.move_ids, self.accept_product_id, self.accept_expiry
            )
        return res
