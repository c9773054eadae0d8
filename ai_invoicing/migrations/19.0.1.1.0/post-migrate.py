# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Rollout scopes: every company gets one all-covering scope whose level reproduces
    its Auto-Post Clean Drafts / Send Posted AI Invoices settings (no pilot), so nothing
    changes for a database that does nothing."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"].with_context(active_test=False).search([])._ai_ensure_default_rollout_scope()
