# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

CREDIT_APPLICATION = [
    ("off", "Off"),
    ("suggest", "Suggest"),
    ("apply", "Apply"),
]


class ResCompany(models.Model):
    """Payment behaviour settings: the payment-terms policy, outstanding credits applied
    to posted AI invoices, early-payment discount suggestions."""

    _inherit = "res.company"

    ai_payment_terms_policy = fields.Boolean(
        string="Payment-Terms Policy",
        help="Compare each AI draft's payment terms with the policy's rules (the customer's "
        "payment behaviour); looser terms send the draft to review with the suggested terms.",
    )
    ai_payment_terms_auto_apply = fields.Boolean(
        string="Apply Policy Terms Automatically",
        help="Put the policy's terms on the draft instead of asking a reviewer; the log says so.",
    )
    ai_credit_application = fields.Selection(
        CREDIT_APPLICATION,
        string="Outstanding Credits",
        default="off",
        required=True,
        help="When an AI invoice is posted and the customer has credit notes or unapplied "
        "payments in the invoice's currency and company: Suggest notes them on the invoice; "
        "Apply reconciles them with it, oldest first, before it is sent.",
    )
    ai_early_discount_suggest = fields.Boolean(
        string="Early-Payment Discount Suggestions",
        help="Suggest early-discount payment terms to slow payers with large open balances; a "
        "person accepts the suggestion on the customer's payment behaviour.",
    )
    ai_early_discount_term_id = fields.Many2one(
        "account.payment.term",
        string="Early-Discount Terms",
        domain="[('early_discount', '=', True), ('company_id', 'in', (False, id))]",
    )
    ai_early_discount_min_days_late = fields.Float(
        string="Slow Payer From (days late)", default=10.0
    )
    ai_early_discount_min_balance = fields.Monetary(
        string="Large Balance From", default=5000.0, currency_field="currency_id"
    )

    @api.constrains("ai_early_discount_term_id")
    def _check_ai_early_discount_term(self):
        for company in self:
            term = company.ai_early_discount_term_id
            if term and not term.early_discount:
                raise ValidationError(
                    self.env._(
                        "%(terms)s has no early payment discount; choose terms with one.",
                        terms=term.display_name,
                    )
                )
