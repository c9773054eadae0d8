# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.dunning import DEFAULT_LEVELS, Level, level_problems

LEVEL_ACTIONS = [
    ("email", "E-mail"),
    ("email_call", "E-mail + Phone Call"),
    ("letter", "Printable Letter"),
    ("final_notice", "Final Notice (Letter + E-mail)"),
]
LEVEL_TONES = [
    ("courteous", "Courteous"),
    ("friendly", "Friendly"),
    ("firm", "Firm"),
    ("final", "Final"),
]


class AiDunningLevel(models.Model):
    """One step of a company's follow-up ladder (``services/dunning.py`` plans with them)."""

    _name = "ai.dunning.level"
    _description = "AI Follow-up Level"
    _order = "company_id, sequence, days, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    sequence = fields.Integer(default=10, help="Order of the levels in the ladder.")
    days = fields.Integer(
        string="Days from Due Date",
        required=True,
        help="Days after the due date of the most overdue invoice (negative: days before it, "
        "for a courteous reminder).",
    )
    action = fields.Selection(
        LEVEL_ACTIONS,
        required=True,
        default="email",
        help="E-mail; e-mail plus a phone-call activity; a printable PDF letter (an activity "
        "asks to post it); final notice: the letter, also e-mailed.",
    )
    tone = fields.Selection(LEVEL_TONES, required=True, default="friendly")
    needs_approval = fields.Boolean(
        help="The reminder waits on the Follow-ups screen until a reviewer approves it."
    )
    mail_subject = fields.Char(
        string="Subject",
        translate=True,
        help="Subject of the reminder without the LLM, in the customer's language. Empty: the "
        "built-in subject. Placeholders: {partner_name}, {level}.",
    )
    mail_body = fields.Text(
        string="Template",
        translate=True,
        help="Text of the reminder without the LLM, in the customer's language. Empty: the "
        "built-in template. Placeholders: {partner_name}, {level}, {invoices} (one line per "
        "invoice with its amount due), {totals}, {payment_link}.",
    )
    active = fields.Boolean(default=True)
    builtin_text = fields.Text(
        string="Built-in Text",
        compute="_compute_builtin_text",
        help="What this level sends when Subject and Template are empty and the LLM is off, "
        "shown for a sample customer and invoice (the real ones are filled in).",
    )

    @api.depends("name", "tone", "days")
    def _compute_builtin_text(self):
        agent = self.env["ai.invoice.agent.dunning"]
        today = fields.Date.context_today(self)
        for level in self:
            days = level.days or 0
            due = fields.Date.add(today, days=-days)
            amount = self.env.company.currency_id.format(1250.0)
            facts = {
                "partner_name": self.env._("Sample Customer"),
                "level": level.name or "",
                "tone": level.tone or "friendly",
                "before_due": days < 0,
                "previous_reminder_count": 1,
                "payment_link": self.env._("[the customer's payment link]"),
                "invoices": [
                    {
                        "name": "INV/0001",
                        "due_date": fields.Date.to_string(due),
                        "days_overdue": max(days, 0),
                        "days_until_due": max(-days, 0),
                        "amount_due": amount,
                    }
                ],
                "totals": [{"currency": self.env.company.currency_id.name, "balance": amount}],
            }
            # the built-in text only: a level without its own subject and template
            sample = self.new({"name": level.name, "tone": level.tone, "days": days})
            reminder = agent._template_reminder(sample, facts, agent._wording(self.env.user.lang))
            level.builtin_text = f"{reminder.subject}\n\n{reminder.body}"

    @api.constrains("days", "sequence", "action", "tone", "company_id", "active")
    def _check_ladder(self):
        for company in self.company_id:
            levels = self.search([("company_id", "=", company.id)])
            problems = level_problems(levels._to_levels(), self.env["ai.invoice.agent"]._wording())
            if problems:
                raise ValidationError("\n".join(problems))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # sudo: ai.invoice.log - any reminder sent at the level keeps it
        used = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_count([("dunning_level_id", "in", self.ids)], limit=1)
        )
        if used:
            raise UserError(
                self.env._(
                    "Reminders were sent at these levels: archive them instead of deleting them."
                )
            )

    def _to_levels(self):
        """The pure-Python levels of these records (``services.dunning.Level``)."""
        return [
            Level(
                id=level.id,
                sequence=level.sequence,
                days=level.days,
                action=level.action,
                tone=level.tone,
                needs_approval=level.needs_approval,
                name=level.name,
            )
            for level in self
        ]

    @api.model
    def _ensure_default_levels(self, companies):
        """The default ladder (-3, +7, +21, +45 days) for companies that have no level yet."""
        # sudo: ai.dunning.level - an inactive level still counts as configured
        configured = (
            self.sudo()
            .with_context(active_test=False)
            ._read_group([("company_id", "in", companies.ids)], ["company_id"])
        )
        configured = {company.id for (company,) in configured}
        vals_list = [
            {
                "company_id": company.id,
                "sequence": level.sequence,
                "days": level.days,
                "action": level.action,
                "tone": level.tone,
                "needs_approval": level.needs_approval,
                "name": level.name,
            }
            for company in companies
            if company.id not in configured
            for level in DEFAULT_LEVELS
        ]
        if vals_list:
            # sudo: ai.dunning.level - the defaults are created for whoever runs first
            self.sudo().create(vals_list)._translate_default_names()
        return True

    @api.model
    def _default_names(self):
        """The default levels' names (by sequence) in the environment's language."""
        return {
            10: self.env._("Courteous reminder"),
            20: self.env._("First reminder"),
            30: self.env._("Second reminder"),
            40: self.env._("Final notice"),
        }

    def _translate_default_names(self, langs=None, only_unchanged=False):
        """Name the default levels in every installed language (a customer reads them).

        Without ``self``, every default level (``only_unchanged``: those still named as
        created, in English) of every company.
        """
        if langs is None:
            langs = [code for code, _name in self.env["res.lang"].get_installed()]
        langs = [lang for lang in langs if lang != "en_US"]
        levels = self or self.search([("sequence", "in", [lvl.sequence for lvl in DEFAULT_LEVELS])])
        if only_unchanged:
            english = {lvl.sequence: lvl.name for lvl in DEFAULT_LEVELS}
            levels = levels.filtered(
                lambda lvl: lvl.with_context(lang="en_US").name == english.get(lvl.sequence)
            )
        if not langs or not levels:
            return
        names = {lang: self.with_context(lang=lang)._default_names() for lang in langs}
        for level in levels:
            level.update_field_translations(
                "name",
                {
                    lang: names[lang][level.sequence]
                    for lang in langs
                    if level.sequence in names[lang]
                },
            )
