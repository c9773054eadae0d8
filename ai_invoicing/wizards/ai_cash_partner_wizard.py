# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.exceptions import UserError


class AiCashPartnerWizard(models.TransientModel):
    """Set who paid a bank transaction, then match it again with that customer's items."""

    _name = "ai.cash.partner.wizard"
    _description = "Set the Customer of a Bank Transaction"

    statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Bank Transaction", required=True, readonly=True
    )
    line_label = fields.Char(related="statement_line_id.payment_ref", string="Label")
    line_partner_name = fields.Char(related="statement_line_id.partner_name", string="Payer")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)

    def action_confirm(self):
        self.ensure_one()
        line = self.statement_line_id
        self.env["ai.cash.suggestion"]._check_clerk(line)
        if line.is_reconciled:
            raise UserError(
                self.env._(
                    "%(line)s is reconciled: undo it before changing its customer.",
                    line=line.display_name,
                )
            )
        # sudo: account.bank.statement.line - Community lets only Accounting 'Basic' (not
        # grantable in its user form) edit a transaction; the cash clerk's right was checked
        # and only the partner of this unreconciled transaction changes
        line.sudo().partner_id = self.partner_id.commercial_partner_id
        counts = self.env["ai.invoice.agent.cash"]._refresh_lines(line)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cash application"),
                "message": self.env._(
                    "%(line)s is now from %(partner)s and was matched again: %(count)s "
                    "suggestion(s).",
                    line=line.display_name,
                    partner=self.partner_id.commercial_partner_id.display_name,
                    count=counts.get(line.id, 0),
                ),
                "type": "info",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
