# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models
from odoo.exceptions import AccessError

# One token per model: only code holding it opens its guard; an RPC client cannot put an
# object in a context, and one model's token does not open another's.
_TOKENS = {}


class AiWriteGuardMixin(models.AbstractModel):
    """Fields only their own path writes (an invoice's review, a customer's follow-up
    state): ``create`` and ``write`` refuse them to every client, whatever its rights;
    the path writes them through ``_ai_guarded_write``.

    Inheriting models list the fields in ``_ai_guarded_fields`` (extensions add theirs
    through ``super()``) and say why in ``_ai_guard_refused``.
    """

    _name = "ai.write.guard.mixin"
    _description = "AI Invoicing: Fields Written Only by Their Own Path"

    @api.model
    def _ai_guarded_fields(self):
        return frozenset()

    @api.model
    def _ai_guard_refused(self):
        """The message of the refusal (what to do instead)."""
        raise NotImplementedError

    @api.model
    def _ai_guard_hits(self, vals):
        """Whether the values of a new record set a guarded field."""
        return bool(self._ai_guarded_fields() & set(vals))

    def _ai_guarded_write(self, vals):
        """The path's own write of guarded fields."""
        return self.with_context(ai_guarded_write=_TOKENS.setdefault(self._name, object())).write(
            vals
        )

    def _ai_guard_open(self):
        return self.env.context.get("ai_guarded_write") is _TOKENS.get(self._name, ())

    @api.model_create_multi
    def create(self, vals_list):
        if not self._ai_guard_open() and any(self._ai_guard_hits(vals) for vals in vals_list):
            raise AccessError(self._ai_guard_refused())
        return super().create(vals_list)

    def write(self, vals):
        if not self._ai_guard_open() and self._ai_guarded_fields() & set(vals):
            raise AccessError(self._ai_guard_refused())
        return super().write(vals)
