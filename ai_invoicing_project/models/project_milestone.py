# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class ProjectMilestone(models.Model):
    _inherit = "project.milestone"

    @api.model_create_multi
    def create(self, vals_list):
        milestones = super().create(vals_list)
        milestones.filtered("is_reached")._ai_draft_reached()
        return milestones

    def write(self, vals):
        newly = self.filtered(lambda m: not m.is_reached) if vals.get("is_reached") else None
        res = super().write(vals)
        if newly:
            newly.filtered("is_reached")._ai_draft_reached()
        return res

    def _ai_draft_reached(self):
        """Queue the invoice of what each newly reached milestone delivered.

        Nothing slow here: the drafting happens in the queue job. Only milestones
        on a confirmed sales order item invoiced by milestones, of a billable project
        that drafts on milestones, in a company with AI invoicing.
        """
        # sudo: sale.order.line - a project user marks the milestone; the agent reads
        # the order it invoices (the log and the job are written by the system)
        milestones = self.sudo().filtered(
            lambda m: (
                m.sale_line_id.qty_delivered_method == "milestones"
                and m.sale_line_id.state == "sale"
                and m.project_id.allow_billable
                and m.project_id.ai_invoice_on_milestone
                and m.sale_line_id.company_id.ai_invoicing_enabled
            )
        )
        if milestones:
            # sudo: ai.invoice.agent.project - a project user who reaches a milestone has no
            # AI Invoicing group; the agent writes its log and job itself
            self.env["ai.invoice.agent.project"].sudo()._enqueue(milestones, "milestone_reached")
