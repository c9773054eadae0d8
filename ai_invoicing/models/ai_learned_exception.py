# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date, formatLang

from ..services import rollout
from ..services.checks import Finding

BOUND_KINDS = [
    ("discount", "Largest Discount (%)"),
    ("amount", "Invoice Total (company currency)"),
    ("none", "No Bound"),
]


class AiLearnedException(models.Model):
    """A warning a reviewer accepted for one customer (optionally one product), within
    the bound observed then (e.g. a discount up to 40 %), until an expiry date.

    Later drafts of that customer get the finding as information instead of a warning,
    with the exception, its approver and date named. Errors are never silenced; a figure
    above the bound is not silenced; nothing here widens a bound by itself. Managers list,
    edit and revoke exceptions; reviewers create them by approving a held draft.
    """

    _name = "ai.learned.exception"
    _description = "AI Learned Exception"
    _inherit = ["mail.thread"]
    _order = "approved_on desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain="[('is_company', '=', True)]",
        check_company=True,
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        check_company=True,
        help="Only when this product is on the invoice. Empty: any product.",
    )
    code = fields.Char(string="Finding", required=True, help="The code of the check finding.")
    check = fields.Char(string="Check", readonly=True)
    finding_message = fields.Text(string="Finding Accepted", readonly=True)
    bound_kind = fields.Selection(BOUND_KINDS, required=True, default="none", tracking=True)
    bound = fields.Float(
        string="Up To",
        tracking=True,
        help="The figure observed when the reviewer accepted it: later drafts above it are "
        "not silenced.",
    )
    bound_display = fields.Char(string="Bound", compute="_compute_bound_display")
    date_expiry = fields.Date(string="Expires On", tracking=True)
    approved_by_id = fields.Many2one("res.users", string="Approved By", readonly=True)
    approved_on = fields.Datetime(readonly=True)
    source_move_id = fields.Many2one(
        "account.move", string="Approved On Invoice", readonly=True, ondelete="set null"
    )
    revoked_by_id = fields.Many2one("res.users", string="Revoked By", readonly=True)
    revoked_on = fields.Datetime(readonly=True)

    _bound_positive = models.Constraint(
        "CHECK(bound >= 0)", "The bound of a learned exception cannot be negative."
    )

    @api.depends("partner_id", "code", "product_id")
    def _compute_name(self):
        for exc in self:
            parts = [exc.partner_id.name or "", exc.code or ""]
            if exc.product_id:
                parts.append(exc.product_id.display_name)
            exc.name = " / ".join(p for p in parts if p)

    @api.depends("bound_kind", "bound", "company_id")
    def _compute_bound_display(self):
        for exc in self:
            if exc.bound_kind == "discount":
                exc.bound_display = self.env._(
                    "discount up to %(bound)s %%", bound=round(exc.bound, 2)
                )
            elif exc.bound_kind == "amount":
                exc.bound_display = self.env._(
                    "total up to %(bound)s",
                    bound=formatLang(self.env, exc.bound, currency_obj=exc.company_id.currency_id),
                )
            else:
                exc.bound_display = self.env._("any value")

    # ------------------------------------------------------------------
    # CRUD: managers (access rights and here); reviewers through approval only
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._ai_check_manager()
        return super().create(vals_list)

    def write(self, vals):
        self._ai_check_manager()
        return super().write(vals)

    def _ai_check_manager(self):
        if not self.env.su and not self.env.user.has_group(
            "ai_invoicing.group_ai_invoicing_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only AI Invoicing managers can edit learned exceptions; reviewers create "
                    "them by approving a draft with Accept for this customer."
                )
            )

    def action_revoke(self):
        """Stop silencing (kept for audit, archived)."""
        self._ai_check_manager()
        self.write(
            {
                "active": False,
                "revoked_by_id": self.env.user.id,
                "revoked_on": fields.Datetime.now(),
            }
        )
        return True

    # ------------------------------------------------------------------
    # Learning: a reviewer accepts a held draft's warnings for its customer
    # ------------------------------------------------------------------
    @api.model
    def _ai_learn(self, moves, product=None, date_expiry=None):
        """One exception per warning of each move, bound to what the move shows now."""
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can accept a finding for a customer.")
            )
        vals_list = []
        now = fields.Datetime.now()
        for move in moves:
            # sudo: account.move - the findings a reviewer just approved
            findings = move.sudo().ai_check_findings or []
            values = self._ai_observed(move)
            for finding in findings:
                if finding.get("severity") != "warning":
                    continue
                kind = rollout.bound_kind(finding["code"]) or "none"
                vals_list.append(
                    {
                        "company_id": move.company_id.id,
                        "partner_id": move.commercial_partner_id.id,
                        "product_id": product.id if product else False,
                        "code": finding["code"],
                        "check": finding.get("check") or False,
                        "finding_message": finding.get("message") or False,
                        "bound_kind": kind,
                        "bound": values.get(kind) or 0.0,
                        "date_expiry": date_expiry or False,
                        "approved_by_id": self.env.user.id,
                        "approved_on": now,
                        "source_move_id": move.id,
                    }
                )
        if not vals_list:
            raise UserError(
                self.env._(
                    "Nothing to accept for the customer: only warnings can be accepted, never "
                    "errors, and these drafts have no warning."
                )
            )
        # sudo: ai.learned.exception - a reviewer's approval creates it (no create right)
        return self.sudo().create(vals_list).sudo(False)

    @api.model
    def _ai_observed(self, move):
        """The figures a bound compares: largest line discount, total in company currency."""
        lines = move._ai_product_lines()
        return {
            "discount": max(lines.mapped("discount") or [0.0]),
            "amount": abs(move.amount_total_signed),
        }

    # ------------------------------------------------------------------
    # Filtering the checks' findings (the one place exceptions act)
    # ------------------------------------------------------------------
    @api.model
    def _ai_filter(self, moves, result):
        """``result`` is ``{move id: [Finding]}``: silenced warnings become information
        naming the exception, who approved it and when."""
        if not moves:
            return result
        # one search whatever the batch and its findings (the batch's query count is fixed)
        # sudo: ai.learned.exception - the agents and reviewers' re-checks apply them
        exceptions = self.sudo().search(
            [
                ("company_id", "in", moves.company_id.ids),
                ("partner_id", "in", moves.commercial_partner_id.ids),
                "|",
                ("date_expiry", "=", False),
                ("date_expiry", ">=", fields.Date.context_today(self)),
            ]
        )
        if not exceptions:
            return result
        by_key = exceptions.grouped(lambda e: (e.company_id.id, e.partner_id.id))
        for move in moves:
            candidates = by_key.get((move.company_id.id, move.commercial_partner_id.id))
            if not candidates or not any(f.severity == "warning" for f in result[move.id]):
                continue
            rules = [
                rollout.LearnedRule(
                    id=exc.id,
                    code=exc.code,
                    product_id=exc.product_id.id or None,
                    bound=None if exc.bound_kind == "none" else exc.bound,
                )
                for exc in candidates
            ]
            values = self._ai_observed(move)
            products = move._ai_product_lines().product_id.ids
            findings = []
            for finding in result[move.id]:
                rule = rollout.silencing_rule(
                    finding.code, finding.severity, values, products, rules
                )
                if rule:
                    finding = candidates.browse(rule.id)._ai_silenced(finding)
                findings.append(finding)
            result[move.id] = findings
        return result

    def _ai_silenced(self, finding):
        self.ensure_one()
        return Finding(
            code=finding.code,
            severity="info",
            message=self.env._(
                "Accepted for %(partner)s by learned exception %(exception)s (%(bound)s), "
                "approved by %(user)s on %(date)s: %(message)s",
                partner=self.partner_id.name,
                exception=f"#{self.id}",
                bound=self.bound_display,
                user=self.approved_by_id.name or "-",
                date=format_date(self.env, self.approved_on) if self.approved_on else "-",
                message=finding.message,
            ),
            check=finding.check,
        )
