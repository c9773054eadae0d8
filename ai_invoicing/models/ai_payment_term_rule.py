# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import payment_behaviour as pb

CONDITIONS = [
    ("new_customer", "New customer (no posted invoice yet)"),
    ("late_share", "Share of the last invoices paid late"),
    ("average_late", "Average days late"),
    ("open_overdue", "Open overdue invoices"),
]


class AiPaymentTermRule(models.Model):
    """A rule of the payment-terms policy: customers whose payment behaviour meets the
    condition get at most the rule's payment terms. The first matching rule (by sequence)
    applies. Terms are Odoo's; the due dates are Odoo's computation from them."""

    _name = "ai.payment.term.rule"
    _description = "AI Invoicing: Payment-Terms Policy Rule"
    _order = "company_id, sequence, id"

    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    condition = fields.Selection(CONDITIONS, required=True, default="late_share")
    last_n = fields.Integer(
        string="Last Invoices", default=10, help="How many of the latest paid invoices count."
    )
    late_days = fields.Integer(
        string="More Than (days late)",
        default=15,
        help="An invoice counts as late when paid more than this many days after its due date "
        "(average: the customer's average days late must exceed it).",
    )
    min_share = fields.Float(string="At Least (%)", default=30.0)
    min_invoices = fields.Integer(
        string="Minimum Invoices",
        default=3,
        help="Paid invoices needed before the rule judges (open overdue: how many).",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="At Most These Terms",
        required=True,
        domain="[('company_id', 'in', (False, company_id))]",
        help="Invoices of matching customers get at most these terms (e.g. 30 Days, Immediate).",
    )
    max_days = fields.Integer(
        compute="_compute_max_days",
        string="Max Days",
        help="Days from an invoice dated today to the last instalment of these terms.",
    )

    @api.depends("condition", "last_n", "late_days", "min_share", "payment_term_id")
    def _compute_name(self):
        for rule in self:
            terms = rule.payment_term_id.name or ""
            if rule.condition == "new_customer":
                text = self.env._("New customers: %(terms)s", terms=terms)
            elif rule.condition == "late_share":
                text = self.env._(
                    "%(share)s %% of the last %(n)s paid > %(days)s days late: %(terms)s",
                    share=rule.min_share,
                    n=rule.last_n,
                    days=rule.late_days,
                    terms=terms,
                )
            elif rule.condition == "average_late":
                text = self.env._(
                    "Average > %(days)s days late: %(terms)s", days=rule.late_days, terms=terms
                )
            else:
                text = self.env._(
                    "%(n)s+ open overdue invoices: %(terms)s", n=rule.min_invoices, terms=terms
                )
            rule.name = text

    @api.depends("payment_term_id.line_ids.nb_days", "payment_term_id.line_ids.delay_type")
    def _compute_max_days(self):
        today = fields.Date.context_today(self)
        for rule in self:
            rule.max_days = self._term_days(rule.payment_term_id, today)

    @api.constrains("last_n", "late_days", "min_share", "min_invoices")
    def _check_figures(self):
        for rule in self:
            if rule.last_n < 1 or rule.late_days < 0 or rule.min_invoices < 0:
                raise ValidationError(
                    self.env._(
                        "A payment-terms rule needs at least one invoice to look at and no "
                        "negative days."
                    )
                )
            if not 0 <= rule.min_share <= 100:
                raise ValidationError(self.env._("The share is a percentage (0 to 100)."))

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    @api.model
    def _term_days(self, term, date_ref):
        """Days from ``date_ref`` to the last instalment of ``term`` (Odoo's due dates)."""
        if not term or not term.line_ids:
            return 0
        return max((line._get_due_date(date_ref) - date_ref).days for line in term.line_ids)

    @api.model
    def _rules_by_company(self, companies):
        """``{company id: its active rules in order}`` in one search."""
        # sudo: ai.payment.term.rule - the policy applies whoever drafts or reviews
        rules = self.sudo().search([("company_id", "in", companies.ids)])
        result = {company.id: self.browse() for company in companies}
        for rule in rules:
            result[rule.company_id.id] |= rule
        return result

    @api.model
    def _evaluate(self, move, row, rules):
        """The policy for a draft ``move``: ``None`` when no rule matches, else a dict with
        the rule, its match, the invoice's terms and days and the policy's, and whether the
        invoice's terms are looser than the policy."""
        if not rules or not row or move.move_type != "out_invoice":
            return None
        facts = pb.CustomerFacts(
            is_new=row.is_new,
            days_late=tuple(row.days_late_recent or ()),
            average_days_late=row.average_days_late,
            invoices_paid=row.invoices_paid,
            open_overdue_count=row.open_overdue_count,
        )
        by_id = {rule.id: rule for rule in rules}
        match = pb.match_rule(
            [
                pb.TermsRule(
                    id=rule.id,
                    condition=rule.condition,
                    max_days=0,
                    last_n=rule.last_n,
                    late_days=rule.late_days,
                    min_share=rule.min_share,
                    min_invoices=rule.min_invoices,
                )
                for rule in rules
            ],
            facts,
        )
        if not match:
            return None
        rule = by_id[match.rule.id]
        ref = move.invoice_date or fields.Date.context_today(move)
        term = move.invoice_payment_term_id
        if term:
            current = self._term_days(term, ref)
        elif move.invoice_date_due:
            current = (move.invoice_date_due - ref).days
        else:
            current = 0
        max_days = self._term_days(rule.payment_term_id, ref)
        return {
            "rule": rule,
            "match": match,
            "row": row,
            "term": term,
            "current_days": current,
            "max_days": max_days,
            "looser": pb.terms_looser(current, max_days) and term != rule.payment_term_id,
        }

    @api.model
    def _why_text(self, evaluation, partner):
        """The figures that made the rule match, for a person."""
        rule, match, row = evaluation["rule"], evaluation["match"], evaluation["row"]
        name = partner.display_name
        if rule.condition == "new_customer":
            return self.env._(
                "%(customer)s is a new customer (no posted invoice yet)", customer=name
            )
        if rule.condition == "late_share":
            return self.env._(
                "%(customer)s paid %(late)s of its last %(count)s invoice(s) more than %(days)s "
                "day(s) late (%(share)s %%; the policy's limit is %(limit)s %%)",
                customer=name,
                late=match.late_count,
                count=match.considered,
                days=rule.late_days,
                share=match.share,
                limit=rule.min_share,
            )
        if rule.condition == "average_late":
            return self.env._(
                "%(customer)s pays %(avg)s day(s) late on average over %(count)s paid "
                "invoice(s) (the policy's limit is %(days)s)",
                customer=name,
                avg=row.average_days_late,
                count=row.invoices_paid,
                days=rule.late_days,
            )
        return self.env._(
            "%(customer)s has %(count)s open overdue invoice(s) (the policy's limit is %(limit)s)",
            customer=name,
            count=row.open_overdue_count,
            limit=rule.min_invoices,
        )
