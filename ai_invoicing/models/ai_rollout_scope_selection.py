# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services import rollout


class AiRolloutScope(models.Model):
    """Which scope handles a document (an order, its lines, a draft invoice), read as plain
    rules (``services/rollout.py``), and its pilot counter."""

    _inherit = "ai.rollout.scope"

    # what the rules are made of: a change to one drops the transaction's memo
    _AI_RULE_FIELDS = frozenset(
        ("sequence", "active", "company_id", "level")
        + ("product_categ_ids", "partner_tag_ids", "warehouse_ids", "team_ids")
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._ai_forget_rules()
        return super().create(vals_list)

    def write(self, vals):
        if self._AI_RULE_FIELDS & set(vals):
            self._ai_forget_rules()
        return super().write(vals)

    def unlink(self):
        self._ai_forget_rules()
        return super().unlink()

    def _ai_forget_rules(self):
        for key in [key for key in self.env.cr.cache if key[:1] == ("ai_rollout_rules",)]:
            del self.env.cr.cache[key]

    @api.model
    def _ai_rules(self, company):
        """The company's active scopes as plain rules, in sequence order; read once per
        agent job (``ai_job_memo`` in the context: a chunk asks for each of its documents)
        until a scope changes."""
        token = self.env.context.get("ai_job_memo")
        if not token:
            return self._ai_read_rules(company)
        memo = self.env.cr.cache.setdefault(("ai_rollout_rules", token), {})
        if company.id not in memo:
            scopes, rules = self._ai_read_rules(company)
            memo[company.id] = (scopes.ids, rules)
        scope_ids, rules = memo[company.id]
        # sudo: ai.rollout.scope - as read (the agents read the rollout whatever their groups)
        return self.sudo().browse(scope_ids), rules

    @api.model
    def _ai_read_rules(self, company):
        # sudo: ai.rollout.scope - the agents read the rollout whatever their user's groups
        scopes = self.sudo().search([("company_id", "=", company.id)])
        categ_children = {}
        all_categs = scopes.product_categ_ids
        if all_categs:
            # sudo: product.category - the scopes' categories and their children
            children = (
                self.env["product.category"]
                .sudo()
                .search_fetch([("id", "child_of", all_categs.ids)], ["parent_path"])
            )
            for categ in all_categs:
                prefix = categ.parent_path
                categ_children[categ.id] = frozenset(
                    c.id for c in children if c.parent_path.startswith(prefix)
                )
        rules = [
            rollout.ScopeRule(
                id=scope.id,
                level=scope.level,
                category_ids=frozenset().union(
                    *(categ_children[c] for c in scope.product_categ_ids.ids)
                ),
                tag_ids=frozenset(scope.partner_tag_ids.ids),
                warehouse_ids=frozenset(scope.warehouse_ids.ids),
                team_ids=frozenset(scope.team_ids.ids),
            )
            for scope in scopes
        ]
        return scopes, rules

    @api.model
    def _ai_choose(self, company, doc_lines):
        """``(scope or empty, reason or None)``: the scope of a document's lines.

        The reason, when there is one, says why the agents leave the document alone
        (outside every scope, or in a scope switched off).
        """
        scopes, rules = self._ai_rules(company)
        choice = rollout.choose_scope(rules, doc_lines)
        if not choice.scope:
            labels = ", ".join(dict.fromkeys(line.label for line in choice.unmatched)) or "-"
            return self.browse(), self.env._(
                "Not processed: %(lines)s fall(s) in no AI rollout scope of %(company)s "
                "(Invoicing > Configuration > AI Rollout).",
                lines=labels,
                company=company.name,
            )
        scope = scopes.browse(choice.scope.id).sudo(False)
        if scope.level == "off":
            return scope, self.env._(
                "Not processed: AI rollout scope %(scope)s is Off.", scope=scope.name
            )
        return scope, None

    @api.model
    def _ai_doc_lines(self, partner, products, warehouse, team):
        tags = frozenset((partner.category_id | partner.commercial_partner_id.category_id).ids)
        return [
            rollout.DocLine(
                category_id=product.categ_id.id,
                tag_ids=tags,
                warehouse_id=warehouse.id or None,
                team_id=team.id or None,
                label=product.display_name,
            )
            for product in products
        ] or [
            rollout.DocLine(
                category_id=None,
                tag_ids=tags,
                warehouse_id=warehouse.id or None,
                team_id=team.id or None,
                label=partner.display_name,
            )
        ]

    @api.model
    def _ai_for_order(self, order, sale_lines=None):
        """The scope of what an order would invoice (before drafting)."""
        if sale_lines is None:
            goods = order.order_line.filtered(
                lambda line: line.product_id and not line.display_type and not line.is_delivery
            )
            sale_lines = goods.filtered("qty_to_invoice") or goods
        return self._ai_choose(
            order.company_id,
            self._ai_doc_lines(
                order.partner_id, sale_lines.product_id, order.warehouse_id, order.team_id
            ),
        )

    @api.model
    def _ai_for_invoice(self, invoice):
        """The scope of a drafted invoice, from its lines and the orders behind them."""
        # shipping costs follow the goods they ship: they do not pull the invoice elsewhere
        lines = invoice._ai_product_lines()
        orders = lines.sale_line_ids.order_id
        lines = (
            lines.filtered(lambda line: not any(line.sale_line_ids.mapped("is_delivery"))) or lines
        )
        return self._ai_choose(
            invoice.company_id,
            self._ai_doc_lines(
                invoice.partner_id,
                lines.product_id,
                orders.warehouse_id[:1],
                invoice.team_id or orders.team_id[:1],
            ),
        )

    def _ai_next_draft(self):
        """Count one more AI draft of this scope and return its number.

        The row lock of the UPDATE serialises concurrent drafts of one scope: two jobs
        never get the same pilot number (the second waits or is retried by the queue).
        """
        self.ensure_one()
        # sudo: ai.rollout.scope - the agent counts its drafts; users cannot write counters
        self.sudo().write({"draft_count": self.draft_count + 1})
        return self.draft_count
