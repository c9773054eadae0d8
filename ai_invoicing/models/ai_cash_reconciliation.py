# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from decimal import Decimal

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import str2bool

from odoo.addons.base.models.res_bank import sanitize_account_number


class CashConflict(UserError):
    """An open item changed since the match (paid by another transaction, reset to draft)."""


class AiCashReconciliation(models.AbstractModel):
    """Applies a cash-application match with Odoo's own reconciliation.

    The cash agent (and a person accepting a suggestion) turns a match into a
    ``_plan`` (JSON, stored on the suggestion); ``_apply_plan`` checks that the
    items did not change since, replaces the transaction's suspense line by the
    counterparts (partial, write-off within tolerance, overpayment, early-payment
    discount) and reconciles them, the way Odoo's bank reconciliation does.
    """

    _name = "ai.cash.reconciliation"
    _description = "AI Invoicing: Cash Application Reconciliation"

    @api.model
    def _plan(self, suggestion, data):
        """The suggestion as a plan ``_apply_plan`` can check and apply later (JSON)."""
        return {
            "kind": suggestion.kind,
            "currency": suggestion.currency,
            "items": {
                str(item_id): {
                    "amount": str(amount),
                    "residual": str(data.index.item(item_id).residual),
                }
                for item_id, amount in suggestion.amount_applied.items()
            },
            "write_off": str(suggestion.write_off),
            "unapplied": str(suggestion.unapplied),
        }

    @api.model
    def _apply_plan(self, line, plan):
        """Reconcile ``line`` with the plan's items; raise CashConflict if they changed."""
        if not plan or not plan.get("items"):
            raise UserError(
                self.env._(
                    "This suggestion names no amount to apply (the invoice is in another "
                    "currency than the payment): reconcile it by hand."
                )
            )
        company = line.company_id
        items = self.env["account.move.line"].browse(int(key) for key in plan["items"]).exists()
        if len(items) != len(plan["items"]) or items.try_lock_for_update() != items:
            raise CashConflict(self.env._("An invoice of this suggestion is being changed."))
        if line.is_reconciled:
            raise UserError(self.env._("%(line)s is already reconciled.", line=line.display_name))
        liquidity, suspense, other = line._seek_for_lines()
        if other or len(suspense) != 1:
            raise UserError(
                self.env._(
                    "%(line)s is already partly reconciled: undo its reconciliation first.",
                    line=line.display_name,
                )
            )
        currency = items.currency_id
        if len(currency) != 1 or currency.name.upper() != plan["currency"].upper():
            raise UserError(self.env._("The invoices of a suggestion share one currency."))
        for aml in items:
            residual = float(plan["items"][str(aml.id)]["residual"])
            if (
                aml.parent_state != "posted"
                or aml.reconciled
                or currency.compare_amounts(aml.amount_residual_currency, residual)
            ):
                raise CashConflict(
                    self.env._(
                        "%(item)s changed since the suggestion was made (paid, reset to draft or "
                        "modified): match the transaction again.",
                        item=aml.move_name,
                    )
                )
        customers = items.partner_id.commercial_partner_id
        customer = customers[:1]

        kind = plan["kind"]
        counterparts = []
        extra = []
        for aml in items:
            amount = Decimal(plan["items"][str(aml.id)]["amount"])
            short = Decimal(plan["items"][str(aml.id)]["residual"]) - amount
            if kind == "partial" and self._within_tolerance(company, currency, short, line.date):
                extra.append(self._write_off_vals(line, customer, currency, float(short)))
                amount += short
            partner = aml.partner_id.commercial_partner_id or customer
            counterparts.append(
                (aml, self._counterpart_vals(line, aml.account_id, partner, currency, -amount))
            )
            counterparts[-1][1]["name"] = aml.move_name
        unapplied = Decimal(plan.get("unapplied") or 0)
        if kind == "manual":
            extra += self._manual_difference_vals(line, plan, customer, currency, items)
        elif kind == "overpayment" and unapplied:
            if self._within_tolerance(company, currency, unapplied, line.date):
                extra.append(self._write_off_vals(line, customer, currency, -float(unapplied)))
            else:
                vals = self._counterpart_vals(
                    line, items[0].account_id, customer, currency, -unapplied
                )
                vals["name"] = self.env._("Overpayment of %(ref)s", ref=line.payment_ref or "")
                extra.append(vals)
        new_vals = [vals for _aml, vals in counterparts]
        if kind == "early_discount":
            open_balance = suspense.balance - sum(vals["balance"] for vals in new_vals + extra)
            extra += self._early_discount_vals(line, items, open_balance)
        self._balance(suspense, new_vals + extra, company)

        commands = [Command.delete(suspense.id)]
        commands += [Command.create(vals) for vals in new_vals + extra]
        move_vals = {"line_ids": commands}
        if len(customers) == 1 and line.partner_id.commercial_partner_id != customers:
            # the payer is now known: Odoo carries the liquidity line's partner to the line
            commands.insert(0, Command.update(liquidity.id, {"partner_id": customer.id}))
            move_vals["partner_id"] = customer.id
        before = line.move_id.line_ids
        line.move_id.with_context(skip_readonly_check=True, force_delete=True).write(move_vals)
        created = (line.move_id.line_ids - before).sorted("id")
        for (aml, _vals), counterpart in zip(counterparts, created, strict=False):
            (counterpart + aml).reconcile()
        return items.move_id

    @api.model
    def _manual_plan(self, line, amounts, write_off_account=None, write_off_label=None):
        """A person's match as a plan: ``amounts`` ``{account.move.line: amount}``; what the
        transaction pays beyond them goes to ``write_off_account`` (bank fees, a small
        difference) or, without one, stays as the customer's open credit."""
        currency = line.foreign_currency_id or line.currency_id
        total = sum((Decimal(str(amount)) for amount in amounts.values()), Decimal(0))
        received = Decimal(str(line.amount_currency if line.foreign_currency_id else line.amount))
        difference = received - total
        return {
            "kind": "manual",
            "currency": currency.name,
            "items": {
                str(aml.id): {
                    "amount": str(Decimal(str(amount))),
                    "residual": str(Decimal(str(aml.amount_residual_currency))),
                }
                for aml, amount in amounts.items()
            },
            "write_off": str(difference) if write_off_account else "0",
            "write_off_account_id": write_off_account.id if write_off_account else False,
            "write_off_label": write_off_label or "",
            "unapplied": "0" if write_off_account else str(difference),
        }

    @api.model
    def _manual_difference_vals(self, line, plan, customer, currency, items):
        """The line(s) a manual match adds for the difference: write-off or open credit."""
        write_off = Decimal(plan.get("write_off") or 0)
        unapplied = Decimal(plan.get("unapplied") or 0)
        if write_off:
            account = self.env["account.account"].browse(plan["write_off_account_id"]).exists()
            if not account:
                raise UserError(self.env._("Choose the account of the write-off."))
            vals = self._counterpart_vals(line, account, customer, currency, -write_off)
            vals["name"] = plan.get("write_off_label") or self.env._("Write-off")
            return [vals]
        if unapplied < 0:
            raise UserError(
                self.env._(
                    "The amounts applied exceed what the transaction received: lower them or "
                    "book the difference (bank fees) on a write-off account."
                )
            )
        if unapplied:
            vals = self._counterpart_vals(line, items[0].account_id, customer, currency, -unapplied)
            vals["name"] = self.env._("Unapplied payment of %(ref)s", ref=line.payment_ref or "")
            return [vals]
        return []

    @api.model
    def _counterpart_vals(self, line, account, partner, currency, amount_currency):
        amount_currency = float(amount_currency)
        company = line.company_id
        balance = currency._convert(amount_currency, company.currency_id, company, line.date)
        amounts = line._prepare_counterpart_amounts_using_st_line_rate(
            currency, balance, amount_currency
        )
        return {
            "account_id": account.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "amount_currency": amount_currency,
            "balance": amounts["balance"],
        }

    @api.model
    def _write_off_vals(self, line, partner, currency, amount_currency):
        """A difference within the tolerance, on the company's write-off account."""
        account = line.company_id.ai_cash_writeoff_account_id
        if not account:
            raise UserError(
                self.env._("Set the cash application write-off account in the Settings.")
            )
        vals = self._counterpart_vals(line, account, partner, currency, amount_currency)
        vals["name"] = self.env._("Write-off (AI cash application)")
        return vals

    @api.model
    def _within_tolerance(self, company, currency, difference, date):
        tolerance = company.ai_cash_writeoff_tolerance
        if not difference or not tolerance:
            return False
        in_company = currency._convert(float(difference), company.currency_id, company, date)
        return company.currency_id.compare_amounts(abs(in_company), tolerance) <= 0

    @api.model
    def _early_discount_vals(self, line, items, open_balance):
        """Odoo's early-payment discount lines (cash discount account, tax reduction)."""
        epd = []
        for aml in items:
            if not aml.move_id._is_eligible_for_early_payment_discount(aml.currency_id, line.date):
                raise UserError(
                    self.env._(
                        "%(invoice)s is no longer eligible for its early-payment discount.",
                        invoice=aml.move_name,
                    )
                )
            epd.append(
                {
                    "aml": aml,
                    "amount_currency": -aml.amount_residual_currency,
                    "balance": -aml.amount_residual,
                }
            )
        if not line.company_id.account_journal_early_pay_discount_loss_account_id:
            raise UserError(
                self.env._(
                    "Set the cash discount loss account (Accounting settings) to grant "
                    "early-payment discounts."
                )
            )
        values = self.env["account.move"]._get_invoice_counterpart_amls_for_early_payment_discount(
            epd, open_balance
        )
        return [dict(vals) for group in values.values() for vals in group]

    @api.model
    def _balance(self, suspense, vals_list, company):
        """The new lines replace the suspense line: their balances add up to its balance."""
        delta = company.currency_id.round(
            suspense.balance - sum(vals["balance"] for vals in vals_list)
        )
        if company.currency_id.is_zero(delta):
            return
        foreign = [v for v in vals_list if v["currency_id"] != company.currency_id.id]
        if not foreign or abs(delta) > 0.01 * len(vals_list):
            raise UserError(self.env._("The reconciliation of this transaction does not balance."))
        max(foreign, key=lambda v: abs(v["balance"]))["balance"] += delta  # rate rounding

    @api.model
    def _learn_bank_account(self, line, customer):
        """On acceptance, remember the payer's bank account on the customer (as Odoo's own
        reconciliation does, unless ``account.skip_create_bank_account_on_reconcile``)."""
        number = sanitize_account_number(line.account_number)
        if not number or len(customer) != 1:
            return False
        # sudo: ir.config_parameter - Odoo's switch for learning accounts on reconciliation
        params = self.env["ir.config_parameter"].sudo()
        if str2bool(params.get_param("account.skip_create_bank_account_on_reconcile")):
            return False
        # sudo: res.partner.bank - storing the payer's account is part of applying a match;
        # only partner managers may create bank accounts otherwise
        Bank = self.env["res.partner.bank"].sudo().with_context(active_test=False)
        if Bank.search_count(
            [("sanitized_acc_number", "=", number), ("partner_id", "=", customer.id)], limit=1
        ):
            return False
        Bank.create({"acc_number": line.account_number, "partner_id": customer.id})
        return True
