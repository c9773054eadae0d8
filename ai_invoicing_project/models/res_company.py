# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ai_check_project = fields.Boolean(
        string="Check Project Invoices",
        default=True,
        help="On every AI draft: tasks with more hours logged than allocated, timesheets "
        "outside the invoiced period (or left behind before it) and re-invoiced expenses "
        "without a receipt. Each finding sends the draft to review.",
    )
    ai_project_llm_share_internal = fields.Boolean(
        string="Share Employee Names and Task Notes with the LLM",
        help="Project invoice descriptions: also send the names of the employees who logged "
        "the time and the tasks' internal descriptions to the LLM. Off: only task names, "
        "hours, dates and the timesheets' work descriptions are sent.",
    )

    def _ai_responsible_user(self, document=None, automatic=False):
        """A project draft whose project asks for it goes to the project manager."""
        manager = self._ai_project_manager(document)
        return manager or super()._ai_responsible_user(document, automatic=automatic)

    def _ai_project_manager(self, document):
        """The project manager reviewing ``document`` (an invoice), if they can approve it."""
        self.ensure_one()
        if not document or document._name != "account.move":
            return None
        # sudo: ai.invoice.log - which project drafted this invoice, whoever holds it
        log = (
            self.env["ai.invoice.log"]
            .sudo()
            .search(
                [("agent", "=", "project_invoice"), ("move_id", "=", document.id)],
                order="id desc",
                limit=1,
            )
        )
        project = log.project_id
        manager = project.user_id
        if not (project.ai_pm_review and manager and manager.active):
            return None
        if self not in manager.company_ids or not manager.has_group(
            "ai_invoicing.group_ai_invoicing_reviewer"
        ):
            return None  # cannot approve: the company's responsible gets it
        return manager.sudo(False)
