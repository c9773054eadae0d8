# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models
from odoo.tools.misc import format_date

from ..services import checks, checks_parties


class AccountMoveAiChecks(models.AbstractModel):
    """A foreign-currency invoice converted at a rate older than N days: the rate feed
    stopped. Rule in ``services/checks_parties.py``."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        return super()._check_functions(move, batch) + [
            (move.company_id.ai_check_rate_age, lambda: self._findings_rate_age(move, batch)),
        ]

    @api.model
    def _findings_rate_age(self, move, batch):
        company = move.company_id
        if move.currency_id == company.currency_id:
            return []
        rate = self._latest_rates(move, batch)[:1]
        hits = checks_parties.check_rate_age(
            move.currency_id.name,
            company.currency_id.name,
            rate.name or None,
            self._move_date(move),
            company.ai_rate_max_age_days,
        )
        return [
            checks.Finding(
                hit.code,
                hit.severity,
                self.env._(
                    "The latest %(currency)s rate is of %(rate_date)s, %(days)s days before "
                    "the invoice date (more than %(max_days)s): the rate feed may have "
                    "stopped. Update the rates before posting.",
                    currency=hit.facts["currency"],
                    rate_date=format_date(self.env, hit.facts["rate_day"]),
                    days=hit.facts["days"],
                    max_days=hit.facts["max_days"],
                ),
                hit.check,
            )
            for hit in hits
        ]
