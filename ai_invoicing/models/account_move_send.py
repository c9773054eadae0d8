# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """What the AI delivery agent adds to Odoo's send, one call for many invoices.

    Context keys the agent sets around ``_generate_and_send_invoices``:

    - ``ai_mail_openings``: ``{move id: Markup}``, the invoice's own opening paragraph,
      put before Odoo's default body (the mail template in the customer's language);
    - ``ai_send_errors``: a dict the agent owns, filled with ``{move id: error text}``
      for the invoices Odoo could not send, so each one fails alone; its presence also
      marks the agent's send, which does not commit (``_can_commit``).
    """

    _inherit = "account.move.send"

    @api.model
    def _can_commit(self):
        # Odoo's send commits once a document went out (account_peppol after the access
        # point answered). In the agent's job it must not: queue_job forbids commits in a
        # job, and the job's savepoint would end. The job commits it with the log, at once.
        if self.env.context.get("ai_send_errors") is not None:
            return False
        return super()._can_commit()

    @api.model
    def _get_invoice_extra_attachments(self, move):
        # The delivery slips the AI delivery agent attached travel with the invoice.
        return super()._get_invoice_extra_attachments(move) | move.ai_slip_attachment_ids

    @api.model
    def _get_default_mail_body(self, move, mail_template, mail_lang):
        body = super()._get_default_mail_body(move, mail_template, mail_lang)
        opening = (self.env.context.get("ai_mail_openings") or {}).get(move.id)
        return opening + (body or "") if opening else body

    @api.model
    def _hook_if_errors(self, moves_data, allow_raising=True):
        errors = self.env.context.get("ai_send_errors")
        if errors is not None:
            for move, move_data in moves_data.items():
                error = move_data["error"]
                # account_peppol stores some errors as plain text
                errors[move.id] = (
                    error if isinstance(error, str) else self._format_error_text(error)
                )
        return super()._hook_if_errors(moves_data, allow_raising=allow_raising)
