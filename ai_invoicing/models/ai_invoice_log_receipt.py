# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import hashlib

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_datetime

RECEIPT_STATES = [
    ("outgoing", "Being Sent"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("exception", "Not Sent (Mail Error)"),
    ("bounced", "Bounced"),
    ("rejected", "Rejected by Peppol"),
    ("viewed", "Viewed by the Customer"),
    ("paid", "Paid Online"),
]
# a receipt state moves forward only (a mail or Peppol update never hides a view or a
# payment), except that a document handed over again after a failure is sent again
_RANK = {
    False: -1,
    "outgoing": 0,
    "sent": 1,
    "delivered": 2,
    "exception": 3,
    "bounced": 3,
    "rejected": 3,
    "viewed": 4,
    "paid": 5,
}
RECEIPT_FAILURES = ("exception", "bounced", "rejected")
_STATE_DATES = {"viewed": "receipt_viewed_date", "paid": "receipt_paid_date"}


class AiInvoiceLog(models.Model):
    """Receipt confirmation of what an agent sent: the state, its timeline, the PDF."""

    _inherit = "ai.invoice.log"

    receipt_state = fields.Selection(
        RECEIPT_STATES,
        string="Receipt",
        readonly=True,
        index="btree_not_null",
        help="What became of the invoice or reminder sent: Odoo's mail state and bounces, "
        "the Peppol status, the customer's first view of its secure link, an online payment.",
    )
    receipt_date = fields.Datetime(string="Receipt Updated On", readonly=True)
    receipt_sent_date = fields.Datetime(string="Sent On", readonly=True)
    receipt_viewed_date = fields.Datetime(string="Viewed by the Customer On", readonly=True)
    receipt_paid_date = fields.Datetime(string="Paid Online On", readonly=True)
    receipt_message_id = fields.Many2one(
        "mail.message",
        string="Message Sent",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The message Odoo sent: its mail notifications tell whether it was sent or bounced.",
    )
    receipt_event_ids = fields.One2many(
        "ai.invoice.receipt.event", "log_id", string="Receipt Timeline", readonly=True
    )
    pdf_attachment_id = fields.Many2one(
        "ir.attachment",
        string="PDF Sent",
        readonly=True,
        ondelete="set null",
        help="Odoo's own invoice PDF as it was sent.",
    )
    pdf_sha256 = fields.Char(string="PDF SHA-256", readonly=True)
    pdf_intact = fields.Boolean(
        string="PDF Unchanged",
        compute="_compute_pdf_intact",
        help="The attached PDF still has the SHA-256 it had when it was sent.",
    )

    def _compute_pdf_intact(self):
        for log in self:
            # sudo: ir.attachment - the sent PDF is compared with its hash for anyone who
            # reads the log; its content is not shown
            raw = log.pdf_sha256 and log.pdf_attachment_id.sudo().raw
            log.pdf_intact = bool(raw) and hashlib.sha256(raw).hexdigest() == log.pdf_sha256

    # ------------------------------------------------------------------
    # Receipt events (written by the system: hooks on Odoo's mail, Peppol,
    # portal and payment flows)
    # ------------------------------------------------------------------
    def _ai_receipt(self, state, channel, detail="", when=None):
        """Record that ``state`` happened to what these logs sent (one timeline event
        each); the receipt state moves forward, a failure gets an activity."""
        when = when or fields.Datetime.now()
        events = []
        for log in self:
            events.append(
                {
                    "log_id": log.id,
                    "date": when,
                    "state": state,
                    "channel": channel,
                    "detail": detail or False,
                }
            )
            current = log.receipt_state
            resent = current in RECEIPT_FAILURES and state in ("outgoing", "sent", "delivered")
            if _RANK[state] <= _RANK[current] and not resent:
                continue
            vals = {"receipt_state": state, "receipt_date": when}
            if _STATE_DATES.get(state) and not log[_STATE_DATES[state]]:
                vals[_STATE_DATES[state]] = when
            log._system_write(vals)
            if state in RECEIPT_FAILURES:
                log._ai_receipt_failure_activity(state, detail)
        self.env["ai.invoice.receipt.event"]._system_create(events)

    def _ai_receipt_document(self):
        """Where a person fixes what was not received: the invoice, or the customer."""
        self.ensure_one()
        return self.move_id if self.agent == "delivery" else self.partner_id

    def _ai_receipt_failure_activity(self, state, detail):
        self.ensure_one()
        document = self._ai_receipt_document()
        if not document:
            return
        label = dict(self._fields["receipt_state"]._description_selection(self.env))[state]
        if self.agent == "dunning":
            user = self.company_id._ai_followup_responsible(document)
        else:
            user = self.company_id._ai_responsible_user(document)
        what = {
            "bounced": self.env._("Fix the customer's e-mail address, then send it again."),
            "exception": self.env._("Check the address and the mail server, then send it again."),
            "rejected": self.env._(
                "Check the customer's Peppol address and the error in the chatter, then send "
                "it again (or by e-mail)."
            ),
        }[state]
        note = Markup("<p>%s</p><p>%s</p><p>%s</p>") % (
            self.env._("%(log)s: %(state)s.", log=self.name, state=label),
            detail or "",
            what,
        )
        # sudo: the document - the receipt activity is the system's, whoever's event it is
        document.sudo().activity_schedule(
            "ai_invoicing.mail_activity_type_ai_receipt",
            summary=self.env._("Not received (%(state)s): fix and resend", state=label),
            note=note,
            user_id=user.id,
        )
        agent = self.env["ai.invoice.agent"]
        agent._chatter(
            document,
            self.env._(
                "%(log)s: %(state)s. %(detail)s",
                log=self._get_html_link(),
                state=label,
                detail=detail or "",
            ),
        )
        # sudo: ai.invoice.log - a note of the system on the audit record
        agent._chatter(
            self.sudo(), self.env._("%(state)s. %(detail)s", state=label, detail=detail or "")
        )

    def _ai_receipt_note(self, state, when):
        """'viewed by the customer on …' on the log and the document's chatter."""
        for log in self:
            text = {
                "viewed": self.env._(
                    "Viewed by the customer on %(date)s.",
                    date=format_datetime(self.env, when, tz=log.company_id.partner_id.tz),
                ),
                "paid": self.env._(
                    "Paid online on %(date)s.",
                    date=format_datetime(self.env, when, tz=log.company_id.partner_id.tz),
                ),
            }[state]
            # noted by the system (OdooBot), not by the visitor who opened the link
            author = self.env.ref("base.partner_root").id
            # sudo: ai.invoice.log - a note of the system on the audit record
            log.sudo()._message_log(body=text, author_id=author)
            document = log._ai_receipt_document()
            if document:
                # sudo: account.move - the customer's view is noted on its invoice
                document.sudo()._message_log(
                    body=Markup("%s (%s)") % (text, log._get_html_link()), author_id=author
                )

    # ------------------------------------------------------------------
    # Look-ups for the hooks
    # ------------------------------------------------------------------
    @api.model
    def _ai_sent_logs(self, moves):
        """The AI delivery logs that sent ``moves`` (one per invoice at most)."""
        if not moves:
            return self.browse()
        # sudo: ai.invoice.log - the receipt hooks run as the customer, the mail
        # gateway or the Peppol cron
        return self.sudo().search(
            [("agent", "=", "delivery"), ("decision", "=", "sent"), ("move_id", "in", moves.ids)]
        )

    @api.model
    def _ai_receipt_from_notifications(self, notifications):
        """Odoo's mail notifications of sent messages changed: sent, exception, bounce."""
        notifications = notifications.filtered(lambda n: n.notification_type == "email")
        if not notifications:
            return
        # sudo: ai.invoice.log - the mail queue and the bounce gateway run as anyone
        logs = self.sudo().search([("receipt_message_id", "in", notifications.mail_message_id.ids)])
        for log in logs:
            notifs = notifications.filtered(
                lambda n, log=log: n.mail_message_id == log.receipt_message_id
            )
            for status, state in (
                ("bounce", "bounced"),
                ("exception", "exception"),
                ("sent", "sent"),
            ):
                hit = notifs.filtered(lambda n, status=status: n.notification_status == status)
                if hit:
                    detail = self._ai_notification_detail(hit)
                    log._ai_receipt(state, "email", detail)
                    break

    @api.model
    def _ai_notification_detail(self, notifications):
        """'ap@customer.example.com; 550 mailbox unknown': the address and Odoo's reason."""
        addresses = [n.mail_email_address or n.res_partner_id.email for n in notifications]
        reasons = [n.failure_reason for n in notifications]
        return "; ".join(
            text
            for text in (", ".join(filter(None, addresses)), ", ".join(filter(None, reasons)))
            if text
        )
