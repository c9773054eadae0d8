# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError


class AiDunningPromiseWizard(models.TransientModel):
    """Record a customer's promise to pay: no reminder until the date, an activity on it."""

    _name = "ai.dunning.promise.wizard"
    _description = "AI Follow-up: Promise to Pay"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    promise_date = fields.Date(
        string="Pays By",
        required=True,
        help="No reminder is sent until this date; an activity on it checks the payment.",
    )
    note = fields.Text(help="What the customer said (who, how much, how).")

    def action_confirm(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        partner._ai_followup_ensure_clerk()
        today = fields.Date.context_today(self)
        if self.promise_date < today:
            raise UserError(self.env._("The promised payment date cannot be in the past."))
        company = self.env.company
        # the invoices open now: the promise is kept when none of them is open after the date
        open_items = self.env["account.move.line"].search(
            partner._ai_followup_open_domain(company)
            + [
                ("partner_id.commercial_partner_id", "=", partner.id),
                ("amount_residual", ">", 0),
            ]
        )
        partner._ai_followup_write(
            {
                "ai_followup_promise_date": self.promise_date,
                "ai_followup_status": "promise",
                "ai_followup_next_date": self.promise_date + timedelta(days=1),
            }
        )
        summary = self.env._(
            "%(user)s recorded a promise to pay by %(date)s. %(note)s",
            user=self.env.user.name,
            date=self.promise_date,
            note=self.note or "",
        )
        log = self.env["ai.invoice.log"]._log_decisions(
            [
                {
                    "agent": "dunning",
                    "decision": "promise",
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "dunning_date": today,
                    "rationale": summary,
                    "source_data": {
                        "until": str(self.promise_date),
                        "items": open_items.ids,
                        "invoices": open_items.move_id.mapped("name"),
                        "note": self.note or "",
                    },
                }
            ]
        )
        partner._ai_followup_activity(
            "mail.mail_activity_data_todo",
            self.env._("Check the promised payment of %(partner)s", partner=partner.name),
            Markup("<p>%s</p>") % summary,
            company._ai_followup_responsible(partner),
            date_deadline=self.promise_date,
        )
        partner._message_log(body=Markup("%s (%s)") % (summary, log._get_html_link()))
        return {"type": "ir.actions.act_window_close"}
