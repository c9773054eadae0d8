# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.tools.misc import format_date

# what a follow-up clerk sets on a customer (Follow-up tab); checked and written here
CLERK_FIELDS = frozenset(
    {"ai_followup_mode", "ai_followup_responsible_id", "ai_followup_next_reminder"}
)


class ResPartner(models.Model):
    """Follow-up settings a clerk controls per customer: manual or automatic reminders, who is
    responsible, the next reminder's date; and Send & Print."""

    _inherit = "res.partner"

    ai_followup_mode = fields.Selection(
        [("automatic", "Automatic"), ("manual", "Manual")],
        string="Follow-up Mode",
        company_dependent=True,
        copy=False,
        help="Automatic (or empty): the daily follow-up run sends this customer's reminders. "
        "Manual: the run only lists the customer under Requires Follow-up; a clerk sends the "
        "reminder with Send & Print.",
    )
    ai_followup_responsible_id = fields.Many2one(
        "res.users",
        string="Follow-up Responsible",
        company_dependent=True,
        copy=False,
        domain="[('share', '=', False)]",
        help="Receives this customer's follow-up activities (approval, call, letter to post, "
        "escalation) and signs its reminders. Empty: the company's follow-up responsible.",
    )
    ai_followup_hold_until = fields.Date(
        string="Reminders Postponed Until",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="Set when a clerk moves the next reminder: the daily run sends nothing before.",
    )
    ai_followup_next_reminder = fields.Date(
        string="Next Reminder",
        compute="_compute_ai_followup_next_reminder",
        inverse="_inverse_ai_followup_next_reminder",
        help="When the follow-up run acts next for this customer. Move it to a later date and "
        "the daily run sends nothing before it (Send & Print still can).",
    )

    @api.depends_context("company")
    @api.depends("ai_followup_next_date")
    def _compute_ai_followup_next_reminder(self):
        for partner in self:
            partner.ai_followup_next_reminder = partner.ai_followup_next_date

    def _inverse_ai_followup_next_reminder(self):
        self._ai_followup_ensure_clerk()
        today = fields.Date.context_today(self)
        for partner in self:
            when = partner.ai_followup_next_reminder
            partner._ai_followup_write(
                {
                    "ai_followup_next_date": when or False,
                    "ai_followup_hold_until": when if when and when > today else False,
                }
            )
            partner._message_log(
                body=self.env._(
                    "Next reminder set to %(date)s by %(user)s.",
                    date=format_date(self.env, when) if when else "-",
                    user=self.env.user.name,
                )
            )

    @api.depends_context("company")
    def _compute_ai_followup_reason(self):
        """Today's plan, and who sends it when the run does not (manual, postponed)."""
        res = super()._compute_ai_followup_reason()
        today = fields.Date.context_today(self)
        for partner in self:
            reason = partner.ai_followup_reason
            if not reason:
                continue
            hold = partner.ai_followup_hold_until
            if hold and hold > today:
                partner.ai_followup_reason = self.env._(
                    "%(reason)s Postponed: no reminder before %(date)s (Send & Print still can).",
                    reason=reason,
                    date=format_date(self.env, hold),
                )
            elif partner.ai_followup_mode == "manual":
                partner.ai_followup_reason = self.env._(
                    "%(reason)s Manual follow-up: send it with Send & Print.", reason=reason
                )
        return res

    @api.model
    def _ai_guarded_fields(self):
        return super()._ai_guarded_fields() | {"ai_followup_hold_until"}

    @api.model_create_multi
    def create(self, vals_list):
        if not self._ai_guard_open():
            for vals in vals_list:
                if CLERK_FIELDS & {key for key, value in vals.items() if value}:
                    self._ai_followup_ensure_clerk()
        return super().create(vals_list)

    def write(self, vals):
        if self._ai_guard_open():
            return super().write(vals)
        clerk_vals = {key: vals[key] for key in CLERK_FIELDS & set(vals)}
        if clerk_vals:
            self._ai_followup_ensure_clerk()
            vals = {key: value for key, value in vals.items() if key not in CLERK_FIELDS}
            # sudo: res.partner - a follow-up clerk (checked above) sets how the customer
            # is followed up without the right to edit contacts
            super(ResPartner, self.sudo()).write(clerk_vals)
            if not vals:
                return True
        return super().write(vals)

    # ------------------------------------------------------------------
    # Send & Print
    # ------------------------------------------------------------------
    def action_ai_followup_send(self):
        """Send & Print the reminders of these customers (one wizard for all)."""
        self._ai_followup_ensure_clerk()
        partners = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send & Print Reminders"),
            "res_model": "ai.dunning.send.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": partners.ids},
        }
