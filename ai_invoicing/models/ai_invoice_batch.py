# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class AiInvoiceBatch(models.Model):
    """One consolidated billing run: its chunks (queue jobs) and the invoices they drafted."""

    _name = "ai.invoice.batch"
    _description = "AI Invoicing Batch Run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    trigger = fields.Selection(
        [("period", "Invoicing Period"), ("manual", "Draft Invoices Now")],
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Started By", readonly=True, default=lambda self: self.env.user
    )
    order_count = fields.Integer(string="Orders", readonly=True)
    log_ids = fields.One2many("ai.invoice.log", "batch_id", string="Logs", readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")], compute="_compute_progress"
    )
    chunk_count = fields.Integer(string="Jobs", compute="_compute_progress")
    done_count = fields.Integer(string="Drafted", compute="_compute_progress")
    failed_count = fields.Integer(string="Failed", compute="_compute_progress")
    skipped_count = fields.Integer(string="Already Invoiced", compute="_compute_progress")
    queued_count = fields.Integer(string="Waiting", compute="_compute_progress")
    invoice_count = fields.Integer(string="Invoices", compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress", help="Orders processed (%).")

    @api.depends("log_ids.state", "log_ids.source_data")
    def _compute_progress(self):
        for batch in self:
            chunks = batch.log_ids.filtered(lambda log: log.agent == "billing")
            done, failed, skipped, queued = 0, 0, 0, 0
            for chunk in chunks:
                data = chunk.source_data or {}
                if chunk.state == "queued":
                    queued += len(data.get("order_ids", []))
                elif chunk.state == "failed":
                    failed += len(data.get("order_ids", []))
                else:
                    done += len(data.get("drafted", []))
                    failed += len(data.get("failed", []))
                    skipped += len(data.get("skipped", []))
            batch.chunk_count = len(chunks)
            batch.done_count, batch.failed_count = done, failed
            batch.skipped_count, batch.queued_count = skipped, queued
            batch.invoice_count = len(
                batch.log_ids.filtered(lambda log: log.agent == "invoice_draft").move_id
            )
            batch.state = "running" if queued else "done"
            total = batch.order_count or 1
            batch.progress = 100.0 * (done + failed + skipped) / total

    @api.model
    def _system_create(self, vals):
        # sudo: ai.invoice.batch - batch runs are written by the system, like the logs
        if vals.get("name", "/") == "/":
            vals["name"] = self.env["ir.sequence"].sudo().next_by_code("ai.invoice.batch") or "/"
        return self.sudo().create(vals).sudo(False)

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice")
        action["domain"] = [("id", "in", self.log_ids.move_id.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_logs(self):
        self.ensure_one()
        return self.env["ai.invoice.log"]._ai_action_for([("batch_id", "=", self.id)])
