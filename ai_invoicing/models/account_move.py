# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.http import request
from odoo.tools import formatLang, html2plaintext

from ..services import checks
from ..services.checks import Finding
from ..services.invoice_narrative import narrate_invoice
from ..services.prompts import EMAIL_BODY
from ..services.review_routing import decide_review
from ..services.templates import fallback_email_body

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = ["account.move", "ai.log.mixin"]
    _ai_log_field = "move_id"

    ai_log_ids = fields.One2many("ai.invoice.log", "move_id", string="AI Logs")
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")
    ai_review_state = fields.Selection(
        [
            ("none", "Not Required"),
            ("pending", "Pending Review"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        string="AI Review",
        default="none",
        copy=False,
        tracking=True,
        index=True,
    )
    ai_review_reason = fields.Text(string="AI Review Reason", copy=False, readonly=True)
    ai_slip_attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_move_ai_slip_attachment_rel",
        string="Delivery Slips",
        copy=False,
        readonly=True,
    )
    ai_check_findings = fields.Json(string="AI Check Findings", copy=False, readonly=True)
    ai_check_summary = fields.Text(string="AI Checks", compute="_compute_ai_check_summary")

    def _compute_ai_check_summary(self):
        icons = {"error": "[ERROR]", "warning": "[WARNING]", "info": "[info]"}
        for move in self:
            move.ai_check_summary = "\n".join(
                f"{icons.get(f['severity'], '')} {f['message']}"
                for f in move.ai_check_findings or []
            )

    # ------------------------------------------------------------------
    # Human review
    # ------------------------------------------------------------------
    def _post(self, soft=True):
        pending = self.filtered(lambda m: m.ai_review_state == "pending")
        if pending:
            raise UserError(
                self.env._(
                    "%(invoices)s cannot be posted yet: the AI agent routed it to review "
                    "(%(reason)s). An AI Invoicing reviewer must approve it first.",
                    invoices=", ".join(pending.mapped("display_name")),
                    reason=pending[0].ai_review_reason or self.env._("no reason given"),
                )
            )
        return super()._post(soft=soft)

    def action_ai_review(self):
        """Open the approve/reject wizard for the selected pending drafts."""
        decision = self.env.context.get("ai_review_decision", "approve")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve") if decision == "approve" else self.env._("Reject"),
            "res_model": "ai.invoice.review.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids, "default_decision": decision},
        }

    def _ai_check_reviewer(self):
        if not self.env.user.has_group("ai_invoicing.group_ai_invoicing_reviewer"):
            raise AccessError(
                self.env._("Only AI Invoicing reviewers can approve or reject AI-drafted invoices.")
            )
        not_pending = self.filtered(lambda m: m.ai_review_state != "pending")
        if not_pending:
            raise UserError(
                self.env._(
                    "These invoices are not waiting for review: %(invoices)s",
                    invoices=", ".join(not_pending.mapped("display_name")),
                )
            )

    def _ai_approve(self, reason=False):
        """Approve pending drafts; post them when the company auto-posts."""
        self._ai_check_reviewer()
        self.write({"ai_review_state": "approved"})
        to_post = self.filtered(lambda m: m.company_id.ai_auto_post)
        if to_post:
            to_post.action_post()
            to_post._ai_enqueue_delivery("manual")
        self._ai_close_review(
            "approved", reason, self.env._("Approved by %(user)s.", user=self.env.user.name)
        )

    def _ai_reject(self, reason):
        """Reject pending drafts: they are cancelled and kept for audit."""
        if not reason:
            raise UserError(self.env._("Please give a reason for the rejection."))
        self._ai_check_reviewer()
        self.write({"ai_review_state": "rejected"})
        self.button_cancel()
        self._ai_close_review(
            "rejected", reason, self.env._("Rejected by %(user)s.", user=self.env.user.name)
        )

    def _ai_close_review(self, state, reason, summary):
        now = fields.Datetime.now()
        # sudo: ai.invoice.log - reviewers record their decision in the audit
        # log, which they may not create directly.
        self.env["ai.invoice.log"].sudo().create(
            [move._prepare_ai_review_log_vals(state, reason, now) for move in self]
        )
        feedback = Markup("%s<br/>%s") % (summary, reason or "") if reason else summary
        self.activity_feedback(["ai_invoicing.mail_activity_type_ai_review"], feedback=feedback)
        for move in self:
            move.message_post(body=feedback, subtype_xmlid="mail.mt_note")

    def _prepare_ai_review_log_vals(self, state, reason, when):
        return {
            **self._prepare_ai_log_vals("review", "manual"),
            "state": state,
            "decision": state,
            "reviewer_id": self.env.user.id,
            "review_date": when,
            "review_reason": self.ai_review_reason,
            "rationale": reason or False,
            "source_data": {"invoice": self.name, "review_reason": self.ai_review_reason},
        }

    # ------------------------------------------------------------------
    # Narrative (LLM or template; never numbers)
    # ------------------------------------------------------------------
    def _ai_narrative_facts(self, log):
        """Company-owned, already final facts the narrative may mention."""
        self.ensure_one()
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        return {
            "order_name": log.sale_order_id.name,
            "partner_name": self.partner_id.commercial_partner_id.name,
            "amount_total": formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            "currency": self.currency_id.name,
            "picking_names": log.picking_id.mapped("name"),
            "line_count": len(lines),
            "trigger": log.trigger,
            "invoice_date_due": str(self.invoice_date_due or ""),
            "payment_term": self.invoice_payment_term_id.name or "",
            "products": lines.mapped("product_id.display_name"),
        }

    def _ai_narrative_untrusted(self, log):
        """Customer-written text: sent only as quoted data, never as instructions."""
        order = log.sale_order_id
        return {
            "partner_name": self.partner_id.name or "",
            "client_order_ref": order.client_order_ref or "",
            "order_note": html2plaintext(order.note or ""),
        }

    def _ai_allowed_amounts(self):
        """Every figure the narrative may legitimately quote."""
        self.ensure_one()
        amounts = {self.amount_total, self.amount_untaxed, self.amount_tax}
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        amounts |= set(lines.mapped("price_subtotal")) | set(lines.mapped("price_total"))
        amounts |= set(lines.mapped("price_unit")) | set(lines.mapped("quantity"))
        amounts.discard(0.0)  # "0.00" is never a figure worth quoting; often a smuggled one
        return {f"{amount:,.2f}" for amount in amounts} | {f"{amount:.2f}" for amount in amounts}

    def _ai_write_narrative(self, log):
        """Write the customer note on the invoice; return the log values."""
        self.ensure_one()
        company = self.company_id
        outcome = narrate_invoice(
            company._ai_llm_gateway(),
            self._ai_narrative_facts(log),
            self._ai_narrative_untrusted(log),
            self._ai_allowed_amounts(),
            budget=company._ai_llm_budget() if company.ai_llm_enabled else None,
            allow_contact=company.ai_llm_share_contact,
        )
        note = outcome.narrative.customer_note
        if note:
            self.narration = Markup("<p>%s</p>%s") % (note, self.narration or "")
        return {
            "rationale": outcome.narrative.rationale,
            "flags": [flag.model_dump() for flag in outcome.flags],
            "llm_vals": self._ai_llm_log_vals(outcome),
        }

    def _ai_llm_log_vals(self, outcome):
        llm = outcome.llm
        vals = {
            "llm_called": bool(llm and llm.attempts),
            "llm_fallback": outcome.fallback_used,
            "llm_error": outcome.fallback_reason or False,
        }
        if llm:
            vals.update(
                llm_model=llm.model,
                prompt_version=llm.prompt_version,
                prompt_tokens=llm.prompt_tokens,
                completion_tokens=llm.completion_tokens,
                latency_ms=llm.latency_ms,
            )
        return vals

    # ------------------------------------------------------------------
    # Delivery agent: send posted invoices by the customer's channel
    # ------------------------------------------------------------------
    def _ai_enqueue_delivery(self, trigger):
        moves = self.filtered(
            lambda m: m.state == "posted" and m.company_id.ai_auto_send and not m.is_move_sent
        )
        return self.env["ai.invoice.log"]._ai_enqueue(
            [move._prepare_ai_delivery_log_vals(trigger) for move in moves]
        )

    def _prepare_ai_delivery_log_vals(self, trigger):
        return self._prepare_ai_log_vals("delivery", trigger)

    def _prepare_ai_log_vals(self, agent, trigger):
        """Log values of an agent acting on this invoice, linked to its sources."""
        self.ensure_one()
        draft_log = self.ai_log_ids.filtered(lambda log: log.agent == "invoice_draft")[:1]
        return {
            "agent": agent,
            "trigger": trigger,
            "company_id": self.company_id.id,
            "move_id": self.id,
            "sale_order_id": draft_log.sale_order_id.id,
            "picking_id": draft_log.picking_id.id,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_total": self.amount_total,
        }

    def _ai_send(self, log):
        """Send by the customer's channel; return the log values. Raises UserError."""
        self.ensure_one()
        if self.state != "posted":
            raise UserError(
                self.env._("%(move)s is not posted, so it is not sent.", move=self.display_name)
            )
        channel = self.partner_id._ai_effective_channel()
        slips = self._ai_attach_delivery_slips()
        self._portal_ensure_token()
        sender = getattr(self, f"_ai_send_{channel}")
        outcome = sender(log)
        return {
            "state": "done",
            "decision": "sent",
            "rationale": outcome["rationale"],
            "source_data": {
                "channel": channel,
                "recipients": outcome.get("recipients", []),
                "attachments": (self.invoice_pdf_report_id | slips).mapped("name"),
                "portal_url": self.get_portal_url(),
            },
            **outcome.get("llm_vals", {}),
        }

    def _ai_delivery_pickings(self):
        pickings = self.invoice_line_ids.sale_line_ids.move_ids.picking_id
        return (
            pickings.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing")
            or self.ai_log_ids.picking_id
        )

    def _ai_attach_delivery_slips(self):
        """Render the delivery slips of the invoiced deliveries and attach them."""
        self.ensure_one()
        pickings = self._ai_delivery_pickings()
        if not pickings or self.ai_slip_attachment_ids:
            return self.ai_slip_attachment_ids
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "stock.action_report_delivery", pickings.ids
        )
        names = ", ".join(pickings.mapped("name")).replace("/", "_")
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"Delivery Slip - {names}.pdf",
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.ai_slip_attachment_ids = attachment
        return attachment

    def _ai_send_email(self, log):
        sender = self.env["account.move.send"]
        settings = sender._get_default_sending_settings(self, sending_methods={"email"})
        if not settings.get("mail_partner_ids"):
            raise UserError(
                self.env._(
                    "%(partner)s has no e-mail address: add one, or set the AI invoice channel "
                    "to Portal Only, then press Retry on the AI log.",
                    partner=self.partner_id.display_name,
                )
            )
        email, llm_vals = self._ai_email_intro(log)
        link = self._ai_payment_link()
        intro = Markup("<p>%s</p><p>%s <a href='%s'>%s</a></p>") % (
            email.body,
            self.env._("Pay online securely:"),
            link,
            link,
        )
        sender._generate_and_send_invoices(
            self,
            sending_methods={"email"},
            mail_body=intro + (settings.get("mail_body") or ""),
            allow_fallback_pdf=False,
        )
        recipients = self.env["res.partner"].browse(settings["mail_partner_ids"])
        return {
            "rationale": self.env._(
                "Sent by e-mail to %(to)s with the invoice, %(slips)s delivery slip(s) and a "
                "payment link.",
                to=", ".join(recipients.mapped("email")),
                slips=len(self.ai_slip_attachment_ids),
            ),
            "recipients": recipients.mapped("email"),
            "llm_vals": llm_vals,
        }

    def _get_portal_payment_link(self):
        # payment.link.wizard signs its link with the HTTP request's key: without
        # a request (queue jobs, crons) fall back to the tokenised portal page, so
        # the invoice PDF's payment QR/link renders in the delivery job too.
        if not request:
            return self._ai_payment_link()
        return super()._get_portal_payment_link()

    def _ai_payment_link(self):
        """The portal's secure (tokenised) page of the invoice, opened on its Pay button.

        ``payment.link.wizard`` signs its links with the HTTP request's key, which a
        queue job does not have; the portal URL carries the invoice's access token.
        """
        self._portal_ensure_token()
        return self.get_base_url() + self.get_portal_url(anchor="portal_pay")

    def _ai_email_intro(self, log):
        """A personal opening paragraph: LLM when enabled, else the template."""
        facts = {
            "invoice_name": self.name,
            "partner_name": self.commercial_partner_id.name,
            "amount_total": formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            "currency": self.currency_id.name,
            "invoice_date_due": str(self.invoice_date_due or ""),
            "language": self.partner_id.lang or "",
        }
        gateway = self.company_id._ai_llm_gateway()
        if gateway is None:
            return fallback_email_body(facts), {"llm_called": False, "llm_fallback": True}
        result = gateway.complete(
            EMAIL_BODY,
            facts,
            {"partner_name": self.partner_id.name or ""},
            budget=self.company_id._ai_llm_budget(),
        )
        email = result.data or fallback_email_body(facts)
        return email, {
            "llm_called": bool(result.attempts),
            "llm_fallback": result.fallback_used,
            "llm_error": result.error or False,
            "llm_model": result.model,
            "prompt_version": result.prompt_version,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "latency_ms": result.latency_ms,
        }

    def _ai_send_portal(self, log):
        self.is_move_sent = True
        return {
            "rationale": self.env._(
                "Portal only: no e-mail sent; the customer finds the invoice and pays it on the "
                "portal (%(url)s).",
                url=self.get_portal_url(),
            )
        }

    def _ai_send_manual(self, log):
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Send this invoice by hand"),
            user_id=self.company_id._ai_responsible_user(self).id,
        )
        return {
            "rationale": self.env._(
                "The customer's channel is manual: an activity asks a person to send it."
            )
        }

    def _ai_send_peppol(self, log):
        sender = self.env["account.move.send"]
        if "peppol" not in dict(
            self.env["res.partner"]._fields["invoice_sending_method"].selection
        ):
            raise UserError(
                self.env._(
                    "Peppol sending needs Odoo's account_peppol module (and a registered "
                    "company). Install it, or choose another AI invoice channel for %(partner)s.",
                    partner=self.partner_id.display_name,
                )
            )
        sender._generate_and_send_invoices(self, sending_methods={"peppol"})
        return {"rationale": self.env._("Sent on the Peppol network (UBL).")}

    # ------------------------------------------------------------------
    # Deterministic checks (services/checks.py fed with Odoo data)
    # ------------------------------------------------------------------
    def _ai_run_checks(self):
        """All enabled checks for this draft, as a list of ``checks.Finding``."""
        self.ensure_one()
        findings = []
        for enabled, check in self._ai_check_registry():
            if enabled:
                findings += check()
        return findings

    def _ai_check_registry(self):
        """(enabled, check) pairs; extend to add a check."""
        company = self.company_id
        return [
            (company.ai_check_taxes, self._ai_check_taxes),
            (company.ai_check_vat, self._ai_check_vat),
            (company.ai_check_currency, self._ai_check_currency),
            (company.ai_check_quantities, self._ai_check_quantities),
            (company.ai_check_prices, self._ai_check_prices),
            (company.ai_check_duplicates, self._ai_check_duplicates),
            (company.ai_check_unusual_amount, self._ai_check_unusual_amount),
            (company.ai_check_channel, self._ai_check_channel),
        ]

    def _ai_product_lines(self):
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.product_id
        )

    def _ai_check_taxes(self):
        fiscal_positions = self.env["account.fiscal.position"].with_company(self.company_id)
        expected = fiscal_positions._get_fiscal_position(
            self.partner_id, delivery=self.partner_shipping_id
        )
        lines = []
        for line in self._ai_product_lines().filtered(lambda l_: not l_.sale_line_ids.is_delivery):
            product_taxes = line.product_id.taxes_id._filter_taxes_by_company(self.company_id)
            mapped = expected.map_tax(product_taxes)
            lines.append(
                checks.LineTaxes(
                    product_name=line.product_id.display_name,
                    expected_tax_ids=frozenset(mapped.ids),
                    actual_tax_ids=frozenset(line.tax_ids.ids),
                    expected_tax_names=", ".join(mapped.mapped("name")),
                    actual_tax_names=", ".join(line.tax_ids.mapped("name")),
                )
            )
        return checks.check_fiscal_position(
            expected.id or None,
            expected.display_name or "",
            self.fiscal_position_id.id or None,
            self.fiscal_position_id.display_name or "",
            lines,
        )

    def _ai_check_vat(self):
        partner = self.commercial_partner_id
        vies_state = "not_checked"
        if "vies_valid" in partner._fields and self.company_id.vat_check_vies:
            # base_vat's stored VIES result (its look-up is off by default).
            vies_state = "valid" if partner.vies_valid else "unverified"
        return checks.check_vat(
            partner.vat or None,
            partner.country_id.code or None,
            partner.is_company,
            bool(self.fiscal_position_id.vat_required),
            vies_state,
        )

    def _ai_check_currency(self):
        company = self.company_id
        if self.currency_id == company.currency_id:
            return []
        day = self.invoice_date or self.date or fields.Date.context_today(self)
        rates = self.env["res.currency.rate"].search(
            [
                ("currency_id", "=", self.currency_id.id),
                ("name", "<=", day),
                "|",
                ("company_id", "=", False),
                ("company_id", "in", company.parent_ids.ids),
            ],
            order="name desc",
            limit=2,
        )
        return checks.check_currency_rate(
            self.currency_id.name,
            company.currency_id.name,
            rates[:1].rate or None,
            rates[1:2].rate or None,
            company.ai_currency_tolerance,
        )

    def _ai_check_quantities(self):
        lines = []
        for line in self._ai_product_lines():
            sale_line = line.sale_line_ids[:1]
            if not sale_line or sale_line.is_downpayment:
                continue
            qty = line.product_uom_id._compute_quantity(line.quantity, sale_line.product_uom_id)
            policy = sale_line.product_id.invoice_policy
            basis = sale_line.product_uom_qty if policy == "order" else sale_line.qty_delivered
            lines.append(
                checks.QtyLine(
                    product_name=line.product_id.display_name,
                    invoiced_qty=qty,
                    deliverable_qty=basis - (sale_line.qty_invoiced - qty),
                    uom_name=sale_line.product_uom_id.name or "",
                    invoice_policy=policy or "delivery",
                )
            )
        rounding = self.env["decimal.precision"].precision_get("Product Unit")
        return checks.check_quantities(lines, rounding=10**-rounding)

    def _ai_check_prices(self):
        lines = [
            checks.PriceLine(
                product_name=line.product_id.display_name,
                invoice_price_unit=line.price_unit,
                order_price_unit=line.sale_line_ids[:1].price_unit,
                discount_pct=line.discount,
            )
            for line in self._ai_product_lines()
            if line.sale_line_ids
        ]
        company = self.company_id
        return checks.check_prices(lines, company.ai_price_tolerance, company.ai_max_discount)

    def _ai_invoice_key(self, source=None):
        return checks.InvoiceKey(
            id=self.id,
            name=self.name if self.name and self.name != "/" else f"draft #{self.id}",
            partner_id=self.commercial_partner_id.id,
            amount_total=self.amount_total,
            currency=self.currency_id.name,
            date=self.invoice_date or self.date or fields.Date.context_today(self),
            origin=self.invoice_origin or None,
            ref=self.ref or None,
            source=source,
        )

    def _ai_check_duplicates(self):
        days = self.company_id.ai_duplicate_days
        me = self._ai_invoice_key(self.env.context.get("ai_source_key") or self._ai_source_key())
        twin_keys = {"invoice_origin": me.origin, "ref": me.ref}
        if not any(twin_keys.values()):
            return []
        candidates = Domain(
            [
                ("id", "!=", self.id),
                ("move_type", "=", self.move_type),
                ("state", "!=", "cancel"),
                ("company_id", "=", self.company_id.id),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("currency_id", "=", self.currency_id.id),
                ("amount_total", ">=", self.amount_total - 0.005),
                ("amount_total", "<=", self.amount_total + 0.005),
                ("date", ">=", me.date - timedelta(days=days)),
            ]
        )
        # a twin shares the origin or the reference (checks.check_duplicates)
        same_source = Domain.OR(
            [Domain(fname, "=", value) for fname, value in twin_keys.items() if value]
        )
        # one query for the candidates and the fields their keys need
        others = self.search_fetch(
            candidates & same_source,
            ["name", "amount_total", "invoice_date", "date", "invoice_origin", "ref"],
            limit=20,
        )
        sources = others._ai_source_keys()
        keys = [other._ai_invoice_key(sources.get(other.id)) for other in others]
        return checks.check_duplicates(me, keys, days)

    def _ai_source_keys(self):
        """{move id: the delivery its AI draft invoiced}, to tell partial deliveries from twins."""
        if not self:
            return {}
        logs = self.env["ai.invoice.log"].search_fetch(
            [("move_id", "in", self.ids), ("agent", "=", "invoice_draft")],
            ["move_id", "picking_id"],
        )
        return {log.move_id.id: f"picking:{log.picking_id.id}" for log in logs if log.picking_id}

    def _ai_source_key(self):
        self.ensure_one()
        return self._ai_source_keys().get(self.id) if self.id else None

    def _ai_check_unusual_amount(self):
        company = self.company_id
        history = self.search_fetch(
            [
                ("id", "!=", self.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ],
            ["amount_total_signed"],
            order="date desc, id desc",
            limit=100,
        ).mapped("amount_total_signed")
        return checks.check_unusual_amount(
            abs(self.amount_total_signed),
            [abs(amount) for amount in history],
            company.ai_unusual_sigma,
            company.ai_unusual_min_history,
        )

    def _ai_check_channel(self):
        partner = self.partner_id
        channel = partner._ai_effective_channel()
        return checks.check_channel_readiness(
            channel,
            partner.email or None,
            getattr(partner, "peppol_endpoint", None) or None,
            getattr(partner, "peppol_verification_state", "") == "valid",
        )

    # ------------------------------------------------------------------
    # Review routing
    # ------------------------------------------------------------------
    def _ai_is_new_customer(self):
        self.ensure_one()
        return not self.search_count(
            [
                ("id", "!=", self.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
            ],
            limit=1,
        )

    def _ai_route_review(self, flags, findings=()):
        """Decide whether a human must look at this draft, and why."""
        self.ensure_one()
        company = self.company_id
        findings = list(findings) + [
            Finding(
                code=flag["code"],
                severity=flag["severity"],
                message=flag["message"],
                check="ai_flag",
            )
            for flag in flags
        ]
        decision = decide_review(
            amount_company=abs(self.amount_total_signed),
            threshold=company.ai_review_threshold,
            is_new_customer=company.ai_review_new_customers and self._ai_is_new_customer(),
            review_new_customers=company.ai_review_new_customers,
            findings=findings,
            currency_symbol=company.currency_id.symbol or "",
        )
        return {
            "review_required": decision.review_required,
            "reasons": list(decision.reasons),
            "threshold": company.ai_review_threshold,
            "amount_company": abs(self.amount_total_signed),
            "auto_post": company.ai_auto_post,
        }

    def _ai_post_or_hold(self, log, routing):
        """Hold the draft for review, post it when allowed, or leave it draft."""
        self.ensure_one()
        if routing["review_required"]:
            return self._ai_hold_for_review("\n".join(routing["reasons"]))
        if not self.company_id.ai_auto_post:
            return None
        try:
            with self.env.cr.savepoint():
                self.action_post()
        except (UserError, ValidationError) as exc:
            reason = self.env._(
                "Automatic posting failed: %(error)s", error=exc.args[0] if exc.args else exc
            )
            log.write(
                {
                    "state": "needs_review",
                    "decision": "held_for_review",
                    "review_required": True,
                    "review_reason": reason,
                }
            )
            return self._ai_hold_for_review(reason)
        log.decision = "posted"
        self._ai_enqueue_delivery(log.trigger)
        return None

    def _ai_hold_for_review(self, reason):
        self.write({"ai_review_state": "pending", "ai_review_reason": reason})
        self.activity_schedule(
            "ai_invoicing.mail_activity_type_ai_review",
            summary=self.env._("Review AI-drafted invoice"),
            note=Markup("<p>%s</p>") % escape(reason).replace("\n", Markup("<br/>")),
            user_id=self.company_id._ai_responsible_user(self).id,
        )
