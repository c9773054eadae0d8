# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.exceptions import UserError


class AiInvoiceFeedbackWizard(models.TransientModel):
    _name = "ai.invoice.feedback.wizard"
    _description = "Feedback on an AI Invoicing Action"

    log_ids = fields.Many2many("ai.invoice.log", string="Logs", required=True)
    feedback = fields.Selection(
        [("correct", "Correct"), ("wrong", "Wrong")], required=True, default="wrong"
    )
    note = fields.Text(help="What was wrong? It helps tune the prompts and rules.")

    def action_confirm(self):
        self.ensure_one()
        if self.feedback == "wrong" and not self.note:
            raise UserError(self.env._("Please say what was wrong."))
        # Reading proves the user may see these logs (record rules apply).
        logs = self.log_ids.exists()
        logs.check_access("read")
        # users may not edit logs: the feedback fields only, written by the system
        logs._system_write(
            {
                "feedback": self.feedback,
                "feedback_note": self.note or False,
                "feedback_user_id": self.env.user.id,
            }
        )
        for log in logs:
            log.message_post(
                body=self.env._(
                    "Feedback from %(user)s: %(feedback)s. %(note)s",
                    user=self.env.user.name,
                    feedback=dict(self._fields["feedback"].selection)[self.feedback],
                    note=self.note or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return {"type": "ir.actions.act_window_close"}
