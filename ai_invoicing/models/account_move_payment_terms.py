# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# Only the policy path writes these; an RPC client cannot pass this object in a context.
_AI_POLICY_WRITE = object()
AI_POLICY_FIELDS = frozenset({"ai_payment_term_before_id", "ai_payment_term_applied"})


class AccountMove(models.Model):
    """The payment-terms policy on the invoice: the suggested terms a reviewer applies
    with one click, and the terms the policy replaced."""

    _inherit = "account.move"

    ai_suggested_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Suggested Payment Terms",
        compute="_compute_ai_suggested_payment_term_id",
        help="The payment-terms policy's terms for this customer, when the invoice's are looser.",
    )
    ai_payment_term_before_id = fields.Many2one(
        "account.payment.term",
        string="Terms Before the Policy",
        readonly=True,
        copy=False,
        help="The invoice's payment terms before the policy's were applied.",
    )
    ai_payment_term_applied = fields.Boolean(
        string="Policy Terms Applied", readonly=True, copy=False
    )

    @api.depends_context("uid")
    @api.depends("invoice_payment_term_id", "state", "commercial_partner_id", "company_id")
    def _compute_ai_suggested_payment_term_id(self):
        todo = self.filtered(
            lambda m: (
                m.state == "draft"
                and m.ai_drafted
                and m.move_type == "out_invoice"
                and m.company_id.ai_payment_terms_policy
            )
        )
        (self - todo).ai_suggested_payment_term_id = False
        if not todo:
            return
        Checks = self.env["account.move.ai.checks"]
        # the stored behaviour as it is: a read writes nothing (drafting refreshed it)
        data = Checks._prefetch_payment_terms(todo, refresh=False)
        for move in todo:
            evaluation = Checks._payment_terms_evaluation(move, {"payment_terms": data})
            move.ai_suggested_payment_term_id = (
                evaluation["rule"].payment_term_id if evaluation and evaluation["looser"] else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(fname) for vals in vals_list for fname in AI_POLICY_FIELDS):
            self._ai_policy_write_check()
        return super().create(vals_list)

    def write(self, vals):
        if AI_POLICY_FIELDS & set(vals):
            self._ai_policy_write_check()
        return super().write(vals)

    def _ai_policy_write_check(self):
        if self.env.context.get("ai_policy_write") is not _AI_POLICY_WRITE:
            raise AccessError(
                self.env._(
                    "The terms the payment-terms policy replaced are recorded by the policy only."
                )
            )

    def action_ai_apply_suggested_terms(self):
        """Put the policy's terms on the draft (AI Invoicing reviewers); checks re-run."""
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can apply the policy's payment terms.")
            )
        # the customers' behaviour as of now (a payment since the draft may change the rule)
        self.env["ai.payment.behaviour"]._get_for(
            {(move.company_id.id, move.commercial_partner_id.id) for move in self}
        )
        self.invalidate_recordset(["ai_suggested_payment_term_id"])
        for move in self:
            if move.state != "draft":
                raise UserError(
                    self.env._(
                        "%(invoice)s is not a draft: its payment terms are final.",
                        invoice=move.display_name,
                    )
                )
            suggested = move.ai_suggested_payment_term_id
            if not suggested:
                raise UserError(
                    self.env._(
                        "%(invoice)s already has terms within the payment-terms policy.",
                        invoice=move.display_name,
                    )
                )
            move._ai_apply_policy_terms(suggested)
            move.message_post(
                body=self.env._(
                    "Payment terms set to %(terms)s by %(user)s, as the payment-terms policy "
                    "suggested (they were %(before)s).",
                    terms=suggested.display_name,
                    user=self.env.user.name,
                    before=move.ai_payment_term_before_id.display_name or self.env._("(none)"),
                )
            )
            if move.ai_drafted:
                move._ai_rerun_checks()
        return True

    def _ai_apply_policy_terms(self, term):
        """Write the policy's ``term`` on the draft, keeping the terms it replaced."""
        self.ensure_one()
        self.with_context(ai_policy_write=_AI_POLICY_WRITE).write(
            {
                "ai_payment_term_before_id": self.invoice_payment_term_id.id,
                "ai_payment_term_applied": True,
                "invoice_payment_term_id": term.id,
            }
        )
