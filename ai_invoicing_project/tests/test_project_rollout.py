# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.fields import Command
from odoo.tests import tagged

from .common import AiProjectCommon


@tagged("post_install", "-at_install")
class TestProjectRollout(AiProjectCommon):
    """The rollout applies to project invoicing: a scope switched off is not processed,
    a pilot scope routes the milestone's draft to review with its pilot number."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.categ_projects = cls.env["product.category"].create({"name": "Projects"})
        cls.product_milestone.categ_id = cls.categ_projects
        cls.scope = cls.env["ai.rollout.scope"].create(
            {
                "name": "Fixed-price projects",
                "sequence": 1,
                "level": "pilot",
                "pilot_size": 10,
                "product_categ_ids": [Command.set(cls.categ_projects.ids)],
            }
        )

    def _reach(self):
        order, project = self._project_order()
        milestone = self._milestone(order, "Design", 0.5)
        self._run_project_jobs(lambda: milestone.write({"is_reached": True}))
        return order, self._project_logs(project)

    def test_pilot_scope_reviews_the_milestone_draft(self):
        _order, log = self._reach()
        self.assertEqual(log.rollout_scope_id, self.scope)
        self.assertEqual(log.move_id.ai_review_state, "pending")
        self.assertIn("pilot: 1 of 10 for scope Fixed-price projects", log.review_reason)

    def test_scope_off_is_not_processed(self):
        self.scope.level = "off"
        order, log = self._reach()
        self.assertEqual(log.decision, "skipped")
        self.assertIn("Fixed-price projects is Off", log.rationale)
        self.assertFalse(order.invoice_ids)
