# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services import rollout

ROLLOUT_LEVELS = [
    ("off", "Off"),
    ("pilot", "Pilot"),
    ("draft", "Draft"),
    ("post", "Post"),
    ("post_send", "Post and Send"),
]
# The settings a manager tunes; counters and measures are the system's.
_SYSTEM_FIELDS = frozenset({"draft_count", "is_company_default", "level_date"})


class AiRolloutScope(models.Model):
    """Which documents the agents handle, and how far they may go on their own.

    A scope selects documents by product category, customer tag, warehouse and sales
    team (empty: all). The first scope (by sequence) matching a line wins; a document
    whose lines fall in several scopes takes the most cautious level; a document outside
    every scope is not processed. Autonomy is earned: the first ``pilot_size`` drafts go
    to review, accuracy is measured from what reviewers did, a manager is offered the
    next level when it is good enough, and a graduated scope falls back to pilot when
    its error rate rises.
    """

    _name = "ai.rollout.scope"
    _description = "AI Rollout Scope"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    level = fields.Selection(
        ROLLOUT_LEVELS,
        string="Autonomy Level",
        required=True,
        default="pilot",
        tracking=True,
        help="Off: the agents ignore these documents. Pilot: every draft goes to review. "
        "Draft: clean drafts stay draft. Post: clean drafts are posted. Post and Send: "
        "posted and sent by the customer's channel.",
    )
    level_date = fields.Datetime(
        string="Level Since",
        readonly=True,
        copy=False,
        default=fields.Datetime.now,
        help="Graduation and demotion weigh only the drafts measured since this level was set.",
    )
    is_company_default = fields.Boolean(
        string="Follows Company Settings",
        readonly=True,
        help="The all-covering scope made at installation: its level follows Auto-Post Clean "
        "Drafts and Send Posted AI Invoices in the settings, and they follow it.",
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Lines of these categories (and their sub-categories). Empty: any product.",
    )
    partner_tag_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tags",
        help="Customers with one of these tags. Empty: any customer.",
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        check_company=True,
        help="Orders shipped from these warehouses. Empty: any warehouse.",
    )
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        check_company=True,
        help="Orders of these sales teams (channels). Empty: any team.",
    )
    pilot_size = fields.Integer(
        string="Pilot Drafts",
        default=100,
        help="The first drafts of this scope go to review whatever the checks say.",
    )
    draft_count = fields.Integer(
        string="AI Drafts", readonly=True, copy=False, help="AI invoices drafted in this scope."
    )
    window_size = fields.Integer(
        string="Measured Over",
        default=100,
        help="Accuracy is measured over this many last reviewed or corrected drafts.",
    )
    graduation_rate = fields.Float(
        string="Graduate From (%)",
        default=98.0,
        help="Approved-unchanged rate over the window at which a manager is offered the next "
        "level.",
    )
    graduation_min = fields.Integer(
        string="Graduate After",
        default=100,
        help="Measured drafts needed before graduation is proposed.",
    )
    demotion_error_rate = fields.Float(
        string="Demote Above (%)",
        default=5.0,
        help="A graduated scope whose error rate over the window rises above this falls back "
        "to Pilot by itself.",
    )
    demotion_min = fields.Integer(
        string="Demote After",
        default=20,
        help="Measured drafts needed before a scope can be demoted.",
    )
    reversal_days = fields.Integer(
        string="Credit Note Window (days)",
        default=30,
        help="An auto-posted invoice reversed by a credit note within this many days counts "
        "as an error.",
    )
    customer_review_count = fields.Integer(
        string="Customer Back in Review For",
        default=5,
        help="An auto-posted invoice marked wrong puts its customer back into review for this "
        "many drafts.",
    )
    # Measured accuracy (from the drafting logs' outcomes)
    count_unchanged = fields.Integer(string="Approved Unchanged", compute="_compute_accuracy")
    count_posted = fields.Integer(string="Auto-Posted, Not Corrected", compute="_compute_accuracy")
    count_changed = fields.Integer(string="Approved After a Change", compute="_compute_accuracy")
    count_rejected = fields.Integer(string="Rejected", compute="_compute_accuracy")
    count_wrong = fields.Integer(string="Marked Wrong", compute="_compute_accuracy")
    count_reversed = fields.Integer(string="Reversed", compute="_compute_accuracy")
    accuracy_sample = fields.Integer(string="Measured Drafts", compute="_compute_accuracy")
    accuracy_rate = fields.Float(
        string="Accuracy (%)",
        compute="_compute_accuracy",
        help="Approved unchanged, over the last measured drafts of the window.",
    )
    accuracy_trend = fields.Float(
        string="Trend (points)",
        compute="_compute_accuracy",
        help="Accuracy of the last window minus that of the window before.",
    )
    accuracy_trend_text = fields.Char(string="Trend", compute="_compute_accuracy")
    accuracy_summary = fields.Char(string="Accuracy", compute="_compute_accuracy")
    pilot_progress = fields.Char(string="Pilot", compute="_compute_pilot_progress")
    log_count = fields.Integer(compute="_compute_log_count", string="Level Changes")

    _pilot_size_positive = models.Constraint(
        "CHECK(pilot_size >= 0 AND window_size > 0 AND graduation_min >= 0 "
        "AND demotion_min >= 0 AND reversal_days >= 0 AND customer_review_count >= 0)",
        "Counts and windows of a rollout scope cannot be negative.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_accuracy(self):
        measures = self._ai_accuracy()
        for scope in self:
            acc = measures.get(scope.id) or rollout.measure([], 1)
            counts = acc.counts
            scope.count_unchanged = counts.get("unchanged", 0)
            scope.count_posted = counts.get("posted", 0)
            scope.count_changed = counts.get("changed", 0)
            scope.count_rejected = counts.get("rejected", 0)
            scope.count_wrong = counts.get("wrong", 0)
            scope.count_reversed = counts.get("reversed", 0)
            scope.accuracy_sample = acc.sample
            scope.accuracy_rate = acc.rate or 0.0
            scope.accuracy_trend = acc.trend or 0.0
            scope.accuracy_summary = scope._ai_accuracy_text(acc)
            scope.accuracy_trend_text = (
                self.env._(
                    "%(trend)s points against the %(window)s measured drafts before",
                    trend=f"{acc.trend:+.1f}",
                    window=scope.window_size,
                )
                if acc.trend is not None
                else self.env._("No earlier window yet")
            )

    @api.depends("draft_count", "pilot_size", "level")
    def _compute_pilot_progress(self):
        for scope in self:
            if scope.pilot_size and scope.draft_count < scope.pilot_size:
                scope.pilot_progress = self.env._(
                    "%(done)s of %(size)s pilot drafts",
                    done=scope.draft_count,
                    size=scope.pilot_size,
                )
            elif scope.level == "pilot":
                scope.pilot_progress = self.env._("In pilot: every draft goes to review")
            elif not scope.pilot_size:
                scope.pilot_progress = self.env._("No pilot")
            else:
                scope.pilot_progress = self.env._("Pilot completed")

    def _compute_log_count(self):
        groups = dict(
            self.env["ai.invoice.log"]
            .sudo()  # sudo: ai.invoice.log - a count of the scope's level changes
            ._read_group(
                [("rollout_scope_id", "in", self.ids), ("agent", "=", "rollout")],
                ["rollout_scope_id"],
                ["__count"],
            )
        )
        for scope in self:
            scope.log_count = groups.get(scope, 0)

    # ------------------------------------------------------------------
    # CRUD: managers only (access rights), level changes logged
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._ai_check_manager()
        for vals in vals_list:
            if _SYSTEM_FIELDS & set(vals) and not self.env.su:
                raise AccessError(self.env._("Rollout counters are kept by the system."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._ai_check_manager()
            if _SYSTEM_FIELDS & set(vals):
                raise AccessError(self.env._("Rollout counters are kept by the system."))
        before = {scope.id: scope.level for scope in self} if "level" in vals else {}
        measures = {}
        if before:
            vals = dict(vals, level_date=fields.Datetime.now())
            # the figures that justified the change: measured at the level being left
            measures = self._ai_accuracy(since_level=True)
        res = super().write(vals)
        changed = self.filtered(lambda s: s.id in before and before[s.id] != s.level)
        if changed:
            changed._ai_log_level_changes(before, measures)
            if not self.env.context.get("ai_rollout_from_company"):
                changed.filtered("is_company_default")._ai_sync_company_settings()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_default(self):
        if self.filtered("is_company_default") and not self.env.su:
            raise UserError(
                self.env._(
                    "The company's all-covering scope cannot be deleted; set its level to Off "
                    "or archive it."
                )
            )

    def _ai_check_manager(self):
        if not self.env.su and not self.env.user.has_group(
            "ai_invoicing.group_ai_invoicing_manager"
        ):
            raise AccessError(
                self.env._("Only AI Invoicing managers can change the rollout of the agents.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_raise_level(self):
        """One click: the next level (managers only), logged with today's figures."""
        self._ai_check_manager()
        for scope in self:
            target = rollout.next_level(scope.level)
            if not target:
                raise UserError(
                    self.env._(
                        "Scope %(scope)s cannot be raised from %(level)s.",
                        scope=scope.name,
                        level=scope._ai_level_label(scope.level),
                    )
                )
            scope.write({"level": target})
            scope.activity_feedback(
                ["ai_invoicing.mail_activity_type_ai_rollout"],
                feedback=self.env._("Raised to %(level)s.", level=scope._ai_level_label(target)),
            )
        return True

    def action_view_logs(self):
        self.ensure_one()
        return self.env["ai.invoice.log"]._ai_action_for([("rollout_scope_id", "=", self.id)])

    # ------------------------------------------------------------------
    # Level changes: logged; the company's default scope mirrors its settings
    # ------------------------------------------------------------------
    def _ai_level_label(self, level):
        return dict(self._fields["level"]._description_selection(self.env)).get(level, level)

    def _ai_log_level_changes(self, before, measures):
        ctx = self.env.context
        vals_list = []
        for scope in self:
            figures = ctx.get("ai_rollout_figures") or scope._ai_figures(measures.get(scope.id))
            who = ctx.get("ai_rollout_why") or self.env._(
                "Changed from %(old)s to %(new)s by %(user)s.",
                old=scope._ai_level_label(before[scope.id]),
                new=scope._ai_level_label(scope.level),
                user=self.env.user.name,
            )
            vals_list.append(
                {
                    "agent": "rollout",
                    "trigger": "manual" if not ctx.get("ai_rollout_why") else "scheduled",
                    "company_id": scope.company_id.id,
                    "rollout_scope_id": scope.id,
                    "decision": "level_changed",
                    "rationale": who,
                    "source_data": dict(figures, old_level=before[scope.id], new_level=scope.level),
                }
            )
        self.env["ai.invoice.log"]._log_decisions(vals_list)

    def _ai_sync_company_settings(self):
        """The default scope's level is what Auto-Post / Send show in the settings."""
        for scope in self:
            vals = {"ai_auto_post": scope.level in rollout.POSTING_LEVELS}
            if scope.level in rollout.POSTING_LEVELS:
                vals["ai_auto_send"] = scope.level == "post_send"
            # sudo: res.company - the rollout manager need not be a settings administrator
            scope.company_id.sudo().with_context(ai_rollout_from_scope=True).write(vals)
