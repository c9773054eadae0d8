# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import re

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.account_payment.controllers.portal import PortalAccount

# Link previews (chat apps, mail scanners, search engines) open links nobody read
_BOT_RE = re.compile(
    r"bot|crawl|spider|preview|slurp|facebookexternalhit|whatsapp|skypeuripreview|"
    r"bingpreview|embedly|outlook|msoffice|microsoft office|proofpoint|mimecast|barracuda|"
    r"curl|wget|python-requests|headless",
    re.IGNORECASE,
)


def is_link_preview(user_agent, method="GET"):
    """Whether a request is a bot's preview of a link rather than a person opening it."""
    return method not in ("GET", "POST") or not user_agent or bool(_BOT_RE.search(user_agent))


class PortalAccountReceipt(PortalAccount):
    @http.route()
    def portal_my_invoice_detail(self, invoice_id, access_token=None, report_type=None, **kw):
        response = super().portal_my_invoice_detail(
            invoice_id, access_token=access_token, report_type=report_type, **kw
        )
        self._ai_receipt_viewed(invoice_id, access_token)
        return response

    def _ai_receipt_viewed(self, invoice_id, access_token):
        """The customer's first view of its invoice: not an employee, not a link preview."""
        if not request.env.user.share:
            return
        if is_link_preview(request.httprequest.user_agent.string, request.httprequest.method):
            return
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return
        invoice_sudo._ai_receipt_viewed()
