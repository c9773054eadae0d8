# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class AiCashManualMatchWizard(models.TransientModel):
    """Match a bank transaction by hand: any open customer item of the company, partial
    amounts, the difference on a write-off account (bank fees) or as the customer's credit;
    the entry is previewed, then applied by ``ai.cash.reconciliation`` as the agent's
    matches are."""

    _name = "ai.cash.manual.match.wizard"
    _description = "Match a Bank Transaction by Hand"

    statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Bank Transaction", required=True, readonly=True
    )
    company_id = fields.Many2one(related="statement_line_id.company_id")
    currency_id = fields.Many2one(related="statement_line_id.currency_id")
    line_amount = fields.Monetary(related="statement_line_id.amount", string="Received")
    line_label = fields.Char(related="statement_line_id.payment_ref", string="Label")
    line_partner_name = fields.Char(related="statement_line_id.partner_name", string="Payer")
    item_ids = fields.One2many("ai.cash.manual.match.item", "wizard_id", string="Open Items")
    write_off = fields.Boolean(
        string="Book the Difference",
        help="Book what is left (bank fees, a small difference) on an account instead of "
        "leaving it to the customer as an open credit.",
    )
    write_off_account_id = fields.Many2one(
        "account.account",
        string="Write-off Account",
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable', "
        "'asset_cash', 'liability_credit_card', 'off_balance'))]",
        check_company=True,
    )
    write_off_label = fields.Char(
        string="Write-off Label", default=lambda self: self.env._("Bank fees")
    )
    allocated = fields.Monetary(string="Applied", compute="_compute_totals")
    difference = fields.Monetary(
        compute="_compute_totals",
        help="Received minus applied: booked on the write-off account, or the customer's "
        "open credit when positive.",
    )
    preview = fields.Html(compute="_compute_totals", sanitize=False)

    @api.depends(
        "item_ids.amount",
        "item_ids.move_line_id",
        "write_off",
        "write_off_account_id",
        "write_off_label",
    )
    def _compute_totals(self):
        for wizard in self:
            wizard.allocated = sum(wizard.item_ids.mapped("amount"))
            wizard.difference = wizard.line_amount - wizard.allocated
            wizard.preview = wizard._preview_html()

    def _preview_html(self):
        """The entry the match will book, and what stays open on each invoice."""
        self.ensure_one()
        currency = self.currency_id
        line = self.statement_line_id
        rows = []
        if line:
            journal_account = line.journal_id.default_account_id
            rows.append((journal_account.display_name, line.payment_ref or "", line.amount, 0.0))
        for item in self.item_ids.filtered("move_line_id"):
            aml = item.move_line_id
            rows.append((aml.account_id.display_name, aml.move_name, 0.0, item.amount))
        difference = self.difference
        if not self.item_ids.filtered("move_line_id"):
            return Markup("<p class='text-muted'>%s</p>") % self.env._(
                "Add the open items this transaction pays: the entry and what stays open on "
                "each invoice show here before you apply."
            )
        if not currency.is_zero(difference):
            if self.write_off and self.write_off_account_id:
                label = self.write_off_label or ""
                account = self.write_off_account_id.display_name
            else:
                label = self.env._("Customer credit (unapplied)")
                account = self.item_ids[:1].move_line_id.account_id.display_name or ""
            rows.append(
                (account, label, -difference if difference < 0 else 0.0, max(difference, 0.0))
            )

        def money(amount):
            return format_amount(self.env, amount, currency) if amount else ""

        body = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td></tr>"
            )
            % (account, label, money(debit), money(credit))
            for account, label, debit, credit in rows
        )
        remaining = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(invoice)s: %(left)s left to pay after this match",
                invoice=item.move_line_id.move_name,
                left=format_amount(
                    self.env, item.residual - item.amount, item.move_line_id.currency_id
                ),
            )
            for item in self.item_ids.filtered("move_line_id")
        )
        warning = Markup("")
        if difference < 0 and not (self.write_off and self.write_off_account_id):
            warning = Markup("<p class='text-danger'>%s</p>") % self.env._(
                "You apply more than the transaction received: lower an amount or book the "
                "difference (bank fees) on a write-off account."
            )
        return Markup(
            "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead>"
            "<tbody>%s</tbody></table><ul>%s</ul>%s"
        ) % (
            self.env._("Account"),
            self.env._("Label"),
            self.env._("Debit"),
            self.env._("Credit"),
            body,
            remaining,
            warning,
        )

    @api.onchange("item_ids")
    def _onchange_item_ids(self):
        """A new item proposes what is still unapplied, at most its open amount."""
        left = self.line_amount
        for item in self.item_ids:
            if item.move_line_id and not item.amount:
                item.amount = max(min(item.residual, left), 0.0)
            left -= item.amount

    def action_apply(self):
        self.ensure_one()
        items = self.item_ids.filtered("move_line_id")
        if not items:
            raise UserError(self.env._("Add the open items this transaction pays."))
        if any(item.amount <= 0 for item in items):
            raise UserError(self.env._("Each open item needs a positive amount to apply."))
        over = items.filtered(
            lambda item: item.currency_id.compare_amounts(item.amount, item.residual) > 0
        )
        if over:
            raise UserError(
                self.env._(
                    "%(items)s: you apply more than is open; apply the open amount and leave "
                    "the rest as the customer's credit.",
                    items=", ".join(over.move_line_id.mapped("move_name")),
                )
            )
        foreign = items.move_line_id.company_id - self.company_id
        if foreign:
            raise UserError(
                self.env._(
                    "Open items of %(companies)s cannot pay a transaction of %(company)s.",
                    companies=", ".join(foreign.mapped("name")),
                    company=self.company_id.name,
                )
            )
        if self.write_off and not self.write_off_account_id:
            raise UserError(self.env._("Choose the account of the write-off."))
        return self.env["ai.cash.suggestion"]._match_by_hand(
            self.statement_line_id,
            {item.move_line_id: item.amount for item in items},
            self.write_off_account_id if self.write_off else None,
            self.write_off_label,
        )


class AiCashManualMatchItem(models.TransientModel):
    _name = "ai.cash.manual.match.item"
    _description = "Open Item of a Manual Cash Match"

    wizard_id = fields.Many2one("ai.cash.manual.match.wizard", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id")
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Open Item",
        required=True,
        domain="[('parent_state', '=', 'posted'), "
        "('account_id.account_type', '=', 'asset_receivable'), ('reconciled', '=', False), "
        "('amount_residual', '!=', 0)]",
    )
    partner_id = fields.Many2one(related="move_line_id.partner_id", string="Customer")
    date_maturity = fields.Date(related="move_line_id.date_maturity", string="Due")
    currency_id = fields.Many2one(related="move_line_id.currency_id")
    residual = fields.Monetary(
        related="move_line_id.amount_residual_currency", string="Open Amount"
    )
    amount = fields.Monetary(string="Apply")
