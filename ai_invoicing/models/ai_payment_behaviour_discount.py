# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import formatLang

from ..services import payment_behaviour as pb


class AiPaymentBehaviour(models.Model):
    """Early-payment discount suggestion: a slow payer with a large open balance is offered
    the company's early-discount payment terms (Odoo's ``account.payment.term`` with
    ``early_discount``), with the cash effect estimated from its own history. A person
    accepts it; nothing changes by itself."""

    _inherit = "ai.payment.behaviour"

    discount_term_id = fields.Many2one(
        "account.payment.term",
        string="Suggested Early-Discount Terms",
        compute="_compute_discount_suggestion",
    )
    discount_note = fields.Text(
        string="Early-Payment Discount", compute="_compute_discount_suggestion"
    )

    @api.depends_context("uid")
    @api.depends(
        "company_id.ai_early_discount_suggest",
        "company_id.ai_early_discount_term_id",
        "average_days_late",
        "open_balance",
    )
    def _compute_discount_suggestion(self):
        for row in self:
            term, note = row._discount_suggestion()
            row.discount_term_id = term
            row.discount_note = note

    def _discount_suggestion(self):
        """(terms, explanation) or (empty, False)."""
        self.ensure_one()
        company = self.company_id
        term = company.ai_early_discount_term_id
        none = (self.env["account.payment.term"], False)
        if not company.ai_early_discount_suggest or not term or not term.early_discount:
            return none
        # sudo: res.partner - the customer's current terms, to not suggest them again
        current = self.partner_id.sudo().with_company(company).property_payment_term_id
        if current == term:
            return none
        stats = pb.Behaviour(
            invoices_paid=self.invoices_paid,
            average_days_late=self.average_days_late,
            average_days_to_pay=self.average_days_to_pay,
            yearly_invoiced=self.yearly_invoiced,
        )
        found = pb.early_discount_suggestion(
            stats,
            self.open_balance,
            term.discount_percentage,
            term.discount_days,
            company.ai_early_discount_min_days_late,
            company.ai_early_discount_min_balance,
        )
        if not found:
            return none

        def money(amount):
            return formatLang(self.env, amount, currency_obj=company.currency_id)

        note = self.env._(
            "%(customer)s pays %(late)s day(s) late on average (%(to_pay)s day(s) after the "
            "invoice date) and owes %(balance)s. With %(terms)s (%(pct)s %% if paid within "
            "%(days)s day(s)), about %(cash)s of receivables would come in %(sooner)s day(s) "
            "sooner (its last 12 months: %(yearly)s paid); the discount would cost about "
            "%(cost)s a year if every invoice took it.",
            customer=self.partner_id.display_name,
            late=self.average_days_late,
            to_pay=self.average_days_to_pay,
            balance=money(self.open_balance),
            terms=term.display_name,
            pct=term.discount_percentage,
            days=term.discount_days,
            cash=money(found.cash_sooner),
            sooner=found.days_sooner,
            yearly=money(self.yearly_invoiced),
            cost=money(found.yearly_cost),
        )
        return term, note

    def action_accept_discount_terms(self):
        """Give the customer the suggested early-discount terms in this company (AI
        Invoicing reviewers, checked here; contacts need not be editable by them)."""
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can accept payment-terms suggestions.")
            )
        for row in self:
            term = row.discount_term_id
            if not term:
                raise UserError(
                    self.env._(
                        "No early-payment discount is suggested for %(customer)s.",
                        customer=row.partner_id.display_name,
                    )
                )
            # sudo: res.partner - a reviewer's decision writes only the customer's payment
            # terms in this company (reviewers need not edit contacts otherwise)
            partner = row.partner_id.sudo().with_company(row.company_id)
            before = partner.property_payment_term_id
            partner.property_payment_term_id = term
            partner.message_post(
                body=self.env._(
                    "Payment terms set to %(terms)s in %(company)s by %(user)s, accepting the "
                    "early-payment discount suggestion (they were %(before)s). %(note)s",
                    terms=term.display_name,
                    company=row.company_id.name,
                    user=self.env.user.name,
                    before=before.display_name or self.env._("(none)"),
                    note=row.discount_note,
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return True
