# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services import rollout


class ResCompany(models.Model):
    """Every company has its rollout: at least one all-covering scope mirroring its settings."""

    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._ai_ensure_default_rollout_scope()
        return companies

    def write(self, vals):
        res = super().write(vals)
        if {"ai_auto_post", "ai_auto_send"} & set(vals) and not self.env.context.get(
            "ai_rollout_from_scope"
        ):
            self._ai_sync_default_scope()
        return res

    def _ai_default_rollout_level(self):
        self.ensure_one()
        return rollout.level_from_company(self.ai_auto_post, self.ai_auto_send)

    def _ai_ensure_default_rollout_scope(self):
        """One all-covering scope per company without one (archived ones count; other,
        narrower scopes, such as demo data loaded before the install hook, do not).

        Its level reproduces the company's Auto-Post / Send settings, and its pilot is
        zero: a database that does nothing keeps today's behaviour.
        """
        # sudo: ai.rollout.scope - created at installation, migration or company creation
        Scope = self.env["ai.rollout.scope"].sudo().with_context(active_test=False)
        have = set(
            Scope.search(
                [("company_id", "in", self.ids), ("is_company_default", "=", True)]
            ).company_id.ids
        )
        missing = self.filtered(lambda c: c.id not in have)
        if not missing:
            return Scope.browse()
        return Scope.create(
            [
                {
                    "name": self.env._("All documents"),
                    "company_id": company.id,
                    "sequence": 1000,
                    "level": company._ai_default_rollout_level(),
                    "is_company_default": True,
                    "pilot_size": 0,
                }
                for company in missing
            ]
        )

    def _ai_sync_default_scope(self):
        # sudo: ai.rollout.scope - the settings' Auto-Post / Send are the default scope's level
        scopes = (
            self.env["ai.rollout.scope"]
            .sudo()
            .search([("company_id", "in", self.ids), ("is_company_default", "=", True)])
        )
        for scope in scopes:
            level = scope.company_id._ai_default_rollout_level()
            if scope.level != level and scope.level != "off":
                scope.with_context(
                    ai_rollout_from_company=True,
                    ai_rollout_why=self.env._(
                        "Follows the company settings (Auto-Post Clean Drafts / Send Posted AI "
                        "Invoices), changed by %(user)s.",
                        user=self.env.user.name,
                    ),
                ).write({"level": level})

    def _ai_rollout_manager(self):
        """Who is told about graduation and demotion: the AI responsible if a manager, else
        the first AI Invoicing manager of the company."""
        self.ensure_one()
        group = self.env.ref("ai_invoicing.group_ai_invoicing_manager")
        responsible = self.ai_responsible_user_id
        if responsible and group in responsible.all_group_ids:
            return responsible
        return self.env["res.users"].search(
            [
                ("all_group_ids", "in", group.id),
                ("company_ids", "in", self.id),
                ("share", "=", False),
            ],
            order="id",
            limit=1,
        ) or self.env.ref("base.user_admin")
