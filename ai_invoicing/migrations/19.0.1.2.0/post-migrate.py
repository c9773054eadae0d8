# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The dedup key is stored on each log: the logs made before get their agent's key,
    so a request already queued or done before the upgrade is still not asked twice."""
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["ai.invoice.agent"]._store_dedup_keys()
