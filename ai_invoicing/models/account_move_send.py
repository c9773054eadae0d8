# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, models
from odoo.tools import is_html_empty

from ..services.mail_body import insert_opening, replace_signature


class AccountMoveSend(models.AbstractModel):
    """What the AI delivery agent adds to Odoo's send, one call for many invoices.

    Context keys the agent sets around ``_generate_and_send_invoices``:

    - ``ai_mail_openings``: ``{move id: str}``, the invoice's own opening sentences (only
      when the LLM wrote some), put after the greeting of Odoo's default body (the mail
      template in the customer's language); its presence marks the agent's e-mail, which
      is signed once, by the salesperson or the company, and sent from them;
    - ``ai_agent_send``: the agent's send, inside its job: it does not commit
      (``_can_commit``);
    - ``ai_send_error_sink``: a dict the agent owns, filled with ``{move id: error text}``
      for the invoices Odoo could not send, so each one fails alone.
    """

    _inherit = "account.move.send"

    @api.model
    def _can_commit(self):
        # Odoo's send commits once a document went out (account_peppol after the access
        # point answered). In the agent's job it must not: queue_job forbids commits in a
        # job, and the job's savepoint would end. The job commits it with the log, at once.
        if self.env.context.get("ai_agent_send"):
            return False
        return super()._can_commit()

    @api.model
    def _get_invoice_extra_attachments(self, move):
        # The delivery slips the AI delivery agent attached travel with the invoice.
        return super()._get_invoice_extra_attachments(move) | move.ai_slip_attachment_ids

    @api.model
    def _get_default_mail_body(self, move, mail_template, mail_lang):
        body = super()._get_default_mail_body(move, mail_template, mail_lang)
        openings = self.env.context.get("ai_mail_openings")
        if openings is None:
            return body
        # One greeting (the template's), one signature, no link but Odoo's button.
        text = insert_opening(str(body or ""), openings.get(move.id) or "")
        signer = self._ai_mail_signer(move)
        if not signer or is_html_empty(signer.signature):
            lines = [signer.name, move.company_id.name] if signer else [move.company_id.name]
            text = replace_signature(text, lines)
        return Markup(text)  # noqa: S704 - Odoo's rendered body, our parts escaped

    @api.model
    def _get_mail_default_field_value_from_template(
        self, mail_template, lang, move, field, **kwargs
    ):
        value = super()._get_mail_default_field_value_from_template(
            mail_template, lang, move, field, **kwargs
        )
        if (
            field == "email_from"
            and self.env.context.get("ai_mail_openings") is not None
            and not self._ai_mail_signer(move)
            and move.company_id.email
        ):
            # the salesperson is a system user (OdooBot, the agent): the company writes
            return move.company_id.email_formatted
        return value

    @api.model
    def _ai_mail_signer(self, move):
        """The salesperson who signs the agent's e-mail: a person who can answer it."""
        user = move.invoice_user_id
        agent = self.env.ref("ai_invoicing.user_ai_agent", raise_if_not_found=False)
        if user and user.active and not user.share and user != agent:
            return user
        return user.browse()

    @api.model
    def _hook_if_errors(self, moves_data, allow_raising=True):
        errors = self.env.context.get("ai_send_error_sink")
        if errors is not None:
            for move, move_data in moves_data.items():
                error = move_data["error"]
                # account_peppol stores some errors as plain text
                errors[move.id] = (
                    error if isinstance(error, str) else self._format_error_text(error)
                )
        return super()._hook_if_errors(moves_data, allow_raising=allow_raising)
