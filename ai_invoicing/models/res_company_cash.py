# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """The cash application agent's settings: ``ai_invoice_agent_cash.py``."""

    _inherit = "res.company"

    ai_cash_enabled = fields.Boolean(
        string="Cash Application",
        default=True,
        help="Suggest the open customer invoices each incoming bank transaction pays (scheduled "
        "run every hour, or Match with AI on the bank transactions).",
    )
    ai_cash_auto_apply = fields.Boolean(
        string="Apply Sure Matches",
        default=True,
        help="Reconcile a bank transaction without a person when its best suggestion reaches the "
        "confidence threshold and leads the next one by the margin.",
    )
    ai_cash_threshold = fields.Float(
        string="Auto-Apply Confidence (%)",
        default=90.0,
        help="Minimum confidence, in percent (0-100), of the best suggestion for it to be "
        "applied automatically.",
    )
    ai_cash_margin = fields.Float(
        string="Lead over the Next Suggestion (%)",
        default=10.0,
        help="Minimum lead, in percentage points, of the best suggestion over the second one for "
        "it to be applied automatically.",
    )
    ai_cash_writeoff_tolerance = fields.Monetary(
        string="Write-Off Tolerance",
        currency_field="currency_id",
        default=0.0,
        help="In company currency: a payment that differs from the open amount by at most this "
        "much settles the invoice in full and books the difference on the write-off account. "
        "Zero: a short payment leaves the rest open, an overpayment stays as the customer's "
        "credit.",
    )
    ai_cash_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Write-Off Account",
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable', "
        "'asset_cash', 'liability_credit_card', 'off_balance'))]",
        help="Account of the small differences written off within the tolerance.",
    )

    @api.constrains(
        "ai_cash_threshold",
        "ai_cash_margin",
        "ai_cash_writeoff_tolerance",
        "ai_cash_writeoff_account_id",
    )
    def _check_ai_cash_settings(self):
        for company in self:
            if not (0 <= company.ai_cash_threshold <= 100 and 0 <= company.ai_cash_margin <= 100):
                raise ValidationError(
                    self.env._("The cash application confidence and lead are percentages (0-100).")
                )
            if company.ai_cash_writeoff_tolerance < 0:
                raise ValidationError(self.env._("The write-off tolerance cannot be negative."))
            if company.ai_cash_writeoff_tolerance and not company.ai_cash_writeoff_account_id:
                raise ValidationError(
                    self.env._("Choose the write-off account of the cash application tolerance.")
                )
