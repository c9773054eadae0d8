# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import re
from decimal import Decimal

from odoo import api, models
from odoo.fields import Domain

from odoo.addons.base.models.res_bank import sanitize_account_number

from ..services import cash_matching
from ..services.cash_run import CashData

MAX_LABEL_WORDS = 10  # label words looked up as references in a single-line run
_WORD_SPLIT = re.compile(r"[\s,;:]+")
_EDGE_PUNCTUATION = re.compile(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$")  # ***123/4567/89002***
_ITEM_FIELDS = [
    "partner_id",
    "move_id",
    "move_name",
    "account_id",
    "currency_id",
    "amount_currency",
    "amount_residual_currency",
    "date_maturity",
    "discount_date",
    "discount_amount_currency",
]


class AiInvoiceAgentCash(models.AbstractModel):
    """What the cash agent feeds the matching engine (``services/cash_matching.py``):
    the open customer items and the payers' bank accounts, loaded with a constant number
    of queries per batch (a single transaction loads only what it can pay)."""

    _inherit = "ai.invoice.agent.cash"

    # ------------------------------------------------------------------
    # Loading (a constant number of queries per batch)
    # ------------------------------------------------------------------
    @api.model
    def _open_items_domain(self, company):
        """Open customer items: posted receivable lines with something left to pay."""
        return Domain(
            [
                ("company_id", "=", company.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual_currency", ">", 0),
            ]
        )

    @api.model
    def _load(self, company, lines):
        lines.fetch(
            [
                "payment_ref",
                "partner_id",
                "partner_name",
                "account_number",
                "amount",
                "amount_currency",
                "currency_id",
                "foreign_currency_id",
                "date",
            ]
        )
        numbers = {sanitize_account_number(n) for n in lines.mapped("account_number") if n}
        banks = self.env["res.partner.bank"].search_fetch(
            [("sanitized_acc_number", "in", list(numbers - {False}))],
            ["sanitized_acc_number", "partner_id"],
        )
        domain = self._open_items_domain(company)
        if len(lines) == 1:
            domain &= self._single_line_scope(company, lines, banks)
        items = self.env["account.move.line"].search_fetch(domain, _ITEM_FIELDS, order="id")
        items.move_id.fetch(["payment_reference", "ref", "move_type"])
        partners = items.partner_id | banks.partner_id | lines.partner_id
        partners.fetch(["name", "commercial_partner_id"])
        partners.commercial_partner_id.fetch(["name"])
        (items.currency_id | lines.currency_id | lines.foreign_currency_id).fetch(["name"])

        open_items = [self._open_item(aml) for aml in items]
        index = cash_matching.Index(open_items)
        directory = cash_matching.PartnerDirectory.build(
            accounts=[
                (bank.sanitized_acc_number, bank.partner_id.commercial_partner_id.id)
                for bank in banks
            ],
            names=[
                (partner.name, partner.id)
                for partner in (items.partner_id | banks.partner_id).commercial_partner_id
            ],
        )
        rejected = {}
        for suggestion in self.env["ai.cash.suggestion"].search_fetch(
            [("statement_line_id", "in", lines.ids), ("state", "=", "rejected")],
            ["statement_line_id", "move_line_ids"],
        ):
            rejected.setdefault(suggestion.statement_line_id.id, set()).add(
                frozenset(suggestion.move_line_ids.ids)
            )
        return CashData(
            index=index,
            directory=directory,
            lines={line.id: self._statement_line(line) for line in lines},
            items={aml.id: aml for aml in items},
            currencies={c.name.upper(): c for c in items.currency_id},
            rejected=rejected,
            examples=sorted({item.move_name for item in open_items if item.move_name})[-3:],
            targeted=len(lines) == 1,
        )

    @api.model
    def _single_line_scope(self, company, line, banks):
        """One transaction (the job): the payer's items, the items with the amount paid and
        the items whose number or reference appears in the label, with their customers'
        other items (for combinations). Two more queries, whatever the ledger's size.

        A one-character typo in a reference, from an unknown payer and with another amount,
        is only found by the scheduled batch, which scores against the whole ledger.
        """
        partners = line.partner_id.commercial_partner_id | banks.partner_id.commercial_partner_id
        if not partners and line.partner_name:
            partners = (
                self.env["res.partner"]
                ._retrieve_partner(name=line.partner_name, company=company)
                .commercial_partner_id
            )
        amounts = [line.amount] + ([line.amount_currency] if line.foreign_currency_id else [])
        scope = [
            Domain("amount_residual_currency", "in", amounts),
            Domain("discount_amount_currency", "in", amounts),
        ]
        words = []
        for word in _WORD_SPLIT.split(line.payment_ref or ""):
            word = _EDGE_PUNCTUATION.sub("", word)
            if len(word) >= 4 and any(char.isdigit() for char in word) and word not in words:
                words.append(word)
        references = [
            Domain(fname, "ilike", word)
            for word in words[:MAX_LABEL_WORDS]
            for fname in ("move_name", "move_id.payment_reference", "move_id.ref")
        ]
        if references:
            scope += references
            referenced = self.env["account.move.line"].search_fetch(
                self._open_items_domain(company) & Domain.OR(references), ["partner_id"]
            )
            partners |= referenced.partner_id.commercial_partner_id
        if partners:
            scope.append(Domain("partner_id", "child_of", partners.ids))
        return Domain.OR(scope)

    @api.model
    def _load_referenced(self, company, data, references):
        """A single line's index grows by the open items the LLM named (they are validated
        like any reference: only an exact hit on a real open item counts)."""
        domain = Domain.OR(
            Domain(fname, "ilike", reference.strip())
            for reference in references
            if len(reference.strip()) >= 4
            for fname in ("move_name", "move_id.payment_reference")
        )
        domain = (
            self._open_items_domain(company) & domain & Domain("id", "not in", list(data.items))
        )
        items = self.env["account.move.line"].search_fetch(domain, _ITEM_FIELDS, order="id")
        if not items:
            return
        data.items.update((aml.id, aml) for aml in items)
        data.currencies.update((c.name.upper(), c) for c in items.currency_id)
        data.index = cash_matching.Index(
            [data.index.item(item_id) for item_id in data.items if item_id in data.index]
            + [self._open_item(aml) for aml in items]
        )

    @api.model
    def _open_item(self, aml):
        currency = aml.currency_id
        move = aml.move_id
        untouched = currency.compare_amounts(aml.amount_residual_currency, aml.amount_currency) == 0
        early = (
            aml.discount_date
            and aml.discount_amount_currency
            and untouched
            and move.move_type in ("out_invoice", "out_receipt")
        )
        return cash_matching.OpenItem(
            id=aml.id,
            partner_id=aml.partner_id.commercial_partner_id.id or None,
            partner_name=aml.partner_id.commercial_partner_id.name or "",
            move_name=aml.move_name or "",
            payment_ref=move.payment_reference or None,
            customer_ref=move.ref or None,
            residual=self._decimal(aml.amount_residual_currency, currency),
            currency=currency.name,
            due_date=aml.date_maturity or None,
            early_discount_amount=(
                self._decimal(aml.discount_amount_currency, currency) if early else None
            ),
            early_discount_until=aml.discount_date if early else None,
        )

    @api.model
    def _statement_line(self, line):
        foreign = line.foreign_currency_id
        return cash_matching.StatementLine(
            id=line.id,
            amount=self._decimal(line.amount, line.currency_id),
            currency=line.currency_id.name,
            date=line.date,
            label=line.payment_ref or "",
            partner_name=line.partner_name or "",
            account_number=line.account_number or "",
            partner_id=line.partner_id.commercial_partner_id.id or None,
            foreign_amount=self._decimal(line.amount_currency, foreign) if foreign else None,
            foreign_currency=foreign.name or None,
        )

    @api.model
    def _decimal(self, amount, currency):
        return Decimal(f"{currency.round(amount):.{currency.decimal_places}f}")
