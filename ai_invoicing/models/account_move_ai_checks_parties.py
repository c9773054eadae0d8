# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services import checks, checks_parties


class AccountMoveAiChecks(models.AbstractModel):
    """Who is invoiced: a sales warning telling not to invoice, an archived customer, an
    invoice address of another company than the one that ordered and received the goods.
    Rules in ``services/checks_parties.py``."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        company = move.company_id
        return super()._check_functions(move, batch) + [
            (company.ai_check_sales_warning, lambda: self._findings_sales_warning(move)),
            (company.ai_check_archived_customer, lambda: self._findings_archived_customer(move)),
            (company.ai_check_invoice_entity, lambda: self._findings_invoice_entity(move)),
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        orders = moves.invoice_line_ids.sale_line_ids.order_id
        contacts = (
            moves.partner_id
            | moves.commercial_partner_id
            | moves.partner_shipping_id
            | orders.partner_id
        ).with_context(active_test=False)
        contacts.mapped("sale_warn_msg")
        contacts.commercial_partner_id.mapped("display_name")
        return batch

    @api.model
    def _ordering_partners(self, move):
        orders = move.invoice_line_ids.sale_line_ids.order_id
        return orders.partner_id

    @api.model
    def _findings_sales_warning(self, move):
        words = checks_parties.blocking_words(move.company_id.ai_sales_warning_words)
        contacts = move.partner_id | move.commercial_partner_id | self._ordering_partners(move)
        findings = []
        for contact in contacts:
            for hit in checks_parties.check_sales_warning(contact.sale_warn_msg, words):
                findings.append(
                    checks.Finding(
                        hit.code,
                        hit.severity,
                        self.env._(
                            '%(customer)s carries a sales warning: "%(warning)s". Read it '
                            "before this invoice goes out.",
                            customer=contact.display_name,
                            warning=hit.facts["message"],
                        ),
                        hit.check,
                    )
                )
        return findings[:1]  # one warning is enough, the first contact's

    @api.model
    def _findings_archived_customer(self, move):
        contacts = (move.commercial_partner_id | move.partner_id).with_context(active_test=False)
        archived = [contact.display_name for contact in contacts if not contact.active]
        return [
            checks.Finding(
                hit.code,
                hit.severity,
                self.env._(
                    "The invoice is addressed to %(names)s, archived in Odoo: check the "
                    "customer still exists and where its invoices go now.",
                    names=", ".join(hit.facts["names"]),
                ),
                hit.check,
            )
            for hit in checks_parties.check_archived_customer(archived)
        ]

    @api.model
    def _findings_invoice_entity(self, move):
        ordering = self._ordering_partners(move).commercial_partner_id
        receiving = move.partner_shipping_id.commercial_partner_id
        hits = checks_parties.check_invoice_entity(
            move.commercial_partner_id.id, ordering.ids, receiving.id or None
        )
        Partner = self.env["res.partner"].with_context(active_test=False)
        return [
            checks.Finding(
                hit.code,
                hit.severity,
                self.env._(
                    "The invoice is addressed to %(invoiced)s, but %(others)s ordered or "
                    "received the goods: check the invoice address belongs to the customer "
                    "(or that it agreed to pay for the other company).",
                    invoiced=move.commercial_partner_id.display_name,
                    others=", ".join(Partner.browse(hit.facts["other_ids"]).mapped("display_name")),
                ),
                hit.check,
            )
            for hit in hits
        ]
