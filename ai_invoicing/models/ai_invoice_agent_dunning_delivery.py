# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..services import dunning_document, templates

EMAIL_ACTIONS = ("email", "email_call", "final_notice")
LETTER_ACTIONS = ("letter", "final_notice")
LETTER_REPORT = "ai_invoicing.action_report_ai_followup_letter"


class AiInvoiceAgentDunning(models.AbstractModel):
    """How a reminder reaches the customer, by its level's action: e-mail (with the open
    invoices attached when asked), a phone call to make, a letter to print on the
    company's letterhead; the reminder laid out as a document."""

    _inherit = "ai.invoice.agent.dunning"

    @api.model
    def _deliver(self, log, partner, level, message):
        """Send the stored message by the level's action (or by the clerk's choice on Send &
        Print); return what was done (a phrase)."""
        company = log.company_id
        contact = message["contact"] or partner
        responsible = company._ai_followup_responsible(partner)
        manual = (log.source_data or {}).get("manual")
        if manual:
            by_email, letter = bool(manual.get("email")), bool(manual.get("letter"))
        else:
            by_email, letter = level.action in EMAIL_ACTIONS, level.action in LETTER_ACTIONS
        attachments = self.env["ir.attachment"]
        done = []
        if letter:
            attachments = self._letter(log, partner, level)
        if by_email:
            if not contact.email:
                raise UserError(
                    self.env._(
                        "%(contact)s has no e-mail address: add one, or choose a Follow-up "
                        "Contact on %(partner)s, then press Retry on the AI log.",
                        contact=contact.display_name,
                        partner=partner.display_name,
                    )
                )
            mail_attachments = attachments
            if manual and manual.get("attach_invoices"):
                mail_attachments |= self._invoice_attachments(log)
            # sudo: res.partner - the reminder is posted by the follow-up system: the agent
            # and the approving reviewer need not edit contacts; the author is the company
            partner.sudo().with_context(lang=message["lang"]).message_post(
                body=self._reminder_html(log),
                subject=message["subject"],
                partner_ids=contact.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                attachment_ids=mail_attachments.ids,
                author_id=company.partner_id.id,
                email_from=company.email_formatted or None,
                notify_skip_followers=True,  # to the customer's contact only, not a copy
            )
            done.append(self.env._("e-mailed to %(email)s", email=contact.email))
        if manual:
            if letter:
                self._chatter_with_attachments(
                    partner,
                    self.env._(
                        "Reminder letter '%(level)s' printed by %(user)s (%(log)s).",
                        level=level.name,
                        user=log.user_id.name or "",
                        log=log._get_html_link(),
                    ),
                    attachments,
                )
                done.append(self.env._("printed as a letter"))
            return ", ".join(done)
        if level.action == "letter":
            self._chatter_with_attachments(
                partner,
                self.env._(
                    "Reminder letter '%(level)s' ready to print and post (%(log)s).",
                    level=level.name,
                    log=log._get_html_link(),
                ),
                attachments,
            )
            partner._ai_followup_activity(
                "mail.mail_activity_data_todo",
                self.env._("Print and post the reminder letter: %(level)s", level=level.name),
                Markup("<p>%s</p>")
                % self.env._("The letter is attached to the customer's chatter."),
                responsible,
            )
            done.append(self.env._("printed as a letter to post"))
        if level.action == "email_call":
            partner._ai_followup_activity(
                "mail.mail_activity_data_call",
                self.env._("Call %(partner)s about the overdue invoices", partner=partner.name),
                Markup("<p>%s</p>")
                % self.env._(
                    "Reminder '%(level)s' was e-mailed today (%(log)s).",
                    level=level.name,
                    log=log.name,
                ),
                responsible,
            )
            done.append(self.env._("a phone call planned for %(user)s", user=responsible.name))
        return ", ".join(done)

    @api.model
    def _invoice_attachments(self, log):
        """The PDFs of the reminded invoices (Odoo's own invoice report), to attach."""
        moves = (
            self.env["account.move"]
            .browse([inv["move_id"] for inv in (log.source_data or {}).get("invoices") or []])
            .exists()
        )
        attachments = self.env["ir.attachment"]
        for move in moves:
            pdf = move.invoice_pdf_report_id
            if not pdf:
                content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
                    "account.account_invoices", move.ids
                )
                # sudo: ir.attachment - a copy of Odoo's invoice PDF filed with the reminder
                pdf = (
                    self.env["ir.attachment"]
                    .sudo()
                    .create(
                        {
                            "name": f"{move._get_invoice_report_filename()}",
                            "raw": content,
                            "mimetype": "application/pdf",
                            "res_model": "res.partner",
                            "res_id": log.partner_id.id,
                        }
                    )
                )
            attachments |= pdf
        return attachments

    @api.model
    def _reminder_html(self, log, paper=False):
        """The stored reminder of ``log`` as a document (e-mail body or letter content):
        the invoices in a table, a Pay Now button (never a raw URL on paper), a signature;
        in the language it was written in, with Odoo's formatters."""
        data = log.source_data or {}
        lang = data.get("lang") or "en_US"
        agent = self.with_context(lang=lang)
        wording = agent._wording(lang)
        facts = data.get("facts") or {}
        links = [url for _name, url in data.get("payment_links") or []]
        blocks = dunning_document.reminder_blocks(
            data.get("body") or "",
            templates.dunning_invoice_lines(facts, wording),
            links,
            paper=paper,
        )
        moves = self.env["account.move"].browse(
            [inv["move_id"] for inv in data.get("invoices") or []]
        )
        dates = {move.id: move.invoice_date or move.date for move in moves.exists()}
        rows = []
        for inv in data.get("invoices") or []:
            days = inv.get("days_overdue") or 0
            rows.append(
                {
                    "name": inv["name"],
                    "date": wording.date(dates.get(inv["move_id"])),
                    "due": wording.date(inv.get("due_date")),
                    "late": days > 0,  # the due date in red: the text says how late
                    "amount": inv.get("amount_due") or "",
                }
            )
        blocks = self._links_into_table(blocks, rows)
        company = log.company_id
        responsible = company._ai_followup_responsible(log.partner_id)
        color = company.email_secondary_color or "#875A7B"
        text_color = company.email_primary_color or "#FFFFFF"
        pay_note = ""
        # sudo: res.partner.bank - the company's own account, printed for the customer
        account = company.partner_id.sudo().bank_ids[:1]
        if paper and account:
            pay_note = wording._(
                "Please pay by bank transfer to %(account)s, with the invoice numbers as "
                "reference.",
                account=account.display_name,
            )
        html = (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "ai_invoicing.ai_followup_reminder_content",
                {
                    "blocks": blocks,
                    "rows": rows,
                    "signature_name": responsible.name if responsible else "",
                    "company_name": company.name,
                    "pay_note": pay_note,
                    # Odoo's own e-mail button: the company's button colours (Settings >
                    # Email Templates), as mail's notification layout draws it
                    "button_style": (
                        f"background-color: {color}; color: {text_color};"
                        " padding: 8px 12px; border-radius: 3px; font-size: 12px;"
                        " font-weight: bold; text-decoration: none; display: inline-block;"
                    ),
                },
            )
        )
        return Markup(html)

    @api.model
    def _links_into_table(self, blocks, rows):
        """One Pay Now button per invoice goes into its row of the table (several links),
        with the line that introduced them."""
        names = {row["name"]: row for row in rows}
        pays = [b for b in blocks if b[0] == dunning_document.PAY and b[1] in names]
        if len(pays) < 2 or (dunning_document.TABLE,) not in blocks:
            return blocks
        for block in pays:
            names[block[1]]["url"] = block[2]
        first = blocks.index(pays[0])
        kept = [b for b in blocks if b not in pays]
        before = blocks[first - 1] if first else None
        if before and before[0] == dunning_document.TEXT and before[1].rstrip().endswith(":"):
            kept.remove(before)
        return kept

    @api.model
    def _letter(self, log, partner, level):
        """The reminder letter (PDF) of ``log``, attached to the customer."""
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(LETTER_REPORT, log.ids)
        # sudo: ir.attachment - the system files the letter on the customer; the agent
        # and the approving reviewer need not edit contacts
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._letter_name(log, partner, level),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": partner._name,
                    "res_id": partner.id,
                }
            )
        )

    @api.model
    def _letter_name(self, log, partner, level):
        """The PDF's file name in the customer's language (the customer may receive it)."""
        lang = (log.source_data or {}).get("lang") or self._customer_lang(partner)
        wording = self._wording(lang)
        name = level.with_context(lang=lang).name
        when = wording.date(log.dunning_date).replace("/", "-")
        return f"{name} - {partner.name} - {when}.pdf"

    @api.model
    def _chatter_with_attachments(self, record, body, attachments):
        record._message_log(body=Markup("%s") % body, attachment_ids=attachments.ids)
