# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import models
from odoo.tools.misc import formatLang

from ..services import payment_behaviour as pb


class AccountMove(models.Model):
    """Outstanding credits applied to a posted AI invoice before it is sent.

    With *Outstanding Credits* on Apply, the customer's credit notes and unapplied payments
    in the invoice's currency and company are reconciled with the invoice through Odoo's
    own outstanding-credit assignment (the invoice's *Outstanding credits* widget and
    ``js_assign_outstanding_line``), oldest first, until nothing is due; on Suggest they are
    only listed. Each invoice gets a log (agent *Credit Application*) and a chatter note.
    The delivery job, queued by the posting, runs after the commit: the e-mail and the
    portal show the amount actually due.
    """

    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered(
            lambda move: (
                move.ai_drafted
                and move.move_type == "out_invoice"
                and move.company_id.ai_credit_application != "off"
            )
        )._ai_apply_outstanding_credits()
        return posted

    def _ai_outstanding_credits(self):
        """(credits this invoice may use oldest first, [(credit, refusal)]), as
        ``services.payment_behaviour.Credit`` with their move lines by id."""
        self.ensure_one()
        widget = self.invoice_outstanding_credits_debits_widget or {}
        lines = self.env["account.move.line"].browse(
            [item["id"] for item in widget.get("content", [])]
        )
        credits = [
            pb.Credit(
                line_id=line.id,
                date=line.date,
                amount=abs(line.amount_residual_currency),
                currency=line.currency_id.name,
                company_id=line.company_id.id,
                pending_review=line.move_id.ai_review_state == "pending",
            )
            for line in lines
        ]
        usable, refused = pb.credits_to_apply(credits, self.currency_id.name, self.company_id.id)
        return usable, refused, {line.id: line for line in lines}

    def _ai_apply_outstanding_credits(self):
        vals_list = []
        for move in self:
            usable, refused, lines = move._ai_outstanding_credits()
            if not usable and not refused:
                continue
            mode = move.company_id.ai_credit_application
            applied = []
            if mode == "apply":
                for credit in usable:
                    if move.currency_id.is_zero(move.amount_residual):
                        break
                    before = move.amount_residual
                    move.js_assign_outstanding_line(credit.line_id)
                    applied.append((credit, before - move.amount_residual, move.amount_residual))
            vals_list.append(move._ai_credit_log_vals(mode, usable, refused, applied, lines))
        self.env["ai.invoice.log"]._log_decisions(vals_list)

    def _ai_credit_log_vals(self, mode, usable, refused, applied, lines):
        self.ensure_one()

        def money(amount):
            return formatLang(self.env, amount, currency_obj=self.currency_id)

        def label(credit):
            line = lines[credit.line_id]
            return line.move_id.name or line.move_id.display_name

        reasons = {
            "other_currency": self.env._("another currency"),
            "other_company": self.env._("another company"),
            "pending_review": self.env._("waits for its own AI review"),
        }
        rows = []
        if mode == "apply":
            for credit, amount, residual in applied:
                rows.append(
                    self.env._(
                        "%(credit)s of %(date)s: %(amount)s applied, %(due)s left due.",
                        credit=label(credit),
                        date=credit.date,
                        amount=money(amount),
                        due=money(residual),
                    )
                )
        else:
            for credit in usable:
                rows.append(
                    self.env._(
                        "%(credit)s of %(date)s: %(amount)s could be applied.",
                        credit=label(credit),
                        date=credit.date,
                        amount=money(credit.amount),
                    )
                )
        for credit, code in refused:
            rows.append(
                self.env._(
                    "%(credit)s not applied: %(reason)s.",
                    credit=label(credit),
                    reason=reasons[code],
                )
            )
        if mode == "apply" and applied:
            title = self.env._(
                "Outstanding credits applied to %(invoice)s before sending; %(due)s left due:",
                invoice=self.name,
                due=money(self.amount_residual),
            )
        elif mode == "apply":
            title = self.env._("No outstanding credit applied to %(invoice)s:", invoice=self.name)
        else:
            title = self.env._(
                "Outstanding credits of the customer that could be applied to %(invoice)s:",
                invoice=self.name,
            )
        self.message_post(
            body=Markup("%s<ul>%s</ul>")
            % (title, Markup("").join(Markup("<li>%s</li>") % row for row in rows)),
            subtype_xmlid="mail.mt_note",
        )
        return {
            "agent": "credit_application",
            "trigger": "invoice_posted",  # Odoo's posting decided it, as the company set
            "company_id": self.company_id.id,
            "move_id": self.id,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_total": self.amount_total,
            "state": "done",
            "decision": "applied" if applied else "suggested" if usable else "skipped",
            "rationale": "\n".join([title, *rows]),
            "source_data": {
                "mode": mode,
                "applied": [
                    {
                        "line_id": credit.line_id,
                        "document": label(credit),
                        "date": str(credit.date),
                        "amount": amount,
                        "left_due": residual,
                    }
                    for credit, amount, residual in applied
                ],
                "available": [
                    {"line_id": c.line_id, "document": label(c), "amount": c.amount} for c in usable
                ],
                "refused": [
                    {"line_id": c.line_id, "document": label(c), "reason": code}
                    for c, code in refused
                ],
                "amount_residual": self.amount_residual,
            },
        }
