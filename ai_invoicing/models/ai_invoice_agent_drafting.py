# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext

from ..services import checks
from ..services.checks import Finding
from ..services.drafting import DraftRun
from ..services.prompts import INVOICE_NARRATIVE
from ..services.review_routing import decide_review
from ..services.templates import fallback_invoice_narrative


class AiInvoiceAgentDrafting(models.AbstractModel):
    """What every agent that drafts a customer invoice shares.

    Blockers (plain reasons not to invoice) -> Odoo's engine
    (``sale.order._create_invoices``: every figure is Odoo's) -> ``_finalize``: the
    agent's narrative, the controller checks, one write, routing (review or post),
    settling and the log. The draft, billing and project agents inherit it and
    override small hooks (``_narrate``, ``_rationale``, ``_snapshot``,
    ``_post_chatter``, ``_route``); none calls into another agent's model.
    """

    _name = "ai.invoice.agent.drafting"
    _inherit = "ai.invoice.agent"
    _description = "AI Invoicing Agent: Invoice Drafting Steps"
    _logs_invoices = True

    @api.model
    def _failure_document(self, log):
        # the order is where a salesperson or a clerk can fix what blocks invoicing
        return log.sale_order_id or log.picking_id or self._document(log)

    # ------------------------------------------------------------------
    # Odoo's engine
    # ------------------------------------------------------------------
    @api.model
    def _create_invoice(self, orders, grouped=True):
        """Draft the invoice with sale's own ``_create_invoices``.

        Delivered quantities, pricelist prices, discounts, fiscal position taxes,
        payment terms and shipping lines all come from Odoo. ``grouped=False``
        lets Odoo put orders sharing its grouping keys on one invoice.
        """
        return self._create_invoices(orders, grouped=grouped)[:1]

    @api.model
    def _create_invoices(self, orders, grouped=True):
        """Every invoice Odoo's ``_create_invoices`` drafts for ``orders`` (one company)."""
        journal = orders.company_id._ai_get_invoice_journal()
        # context, not an argument: _create_invoices calls _prepare_invoice itself
        return orders.with_context(
            raise_if_nothing_to_invoice=False, ai_invoice_journal_id=journal.id
        )._create_invoices(grouped=grouped)

    # ------------------------------------------------------------------
    # Finalize: one invoice through narrative, checks, routing and its log
    # ------------------------------------------------------------------
    @api.model
    def _finalize(self, log, invoice, scope=None, checked=None):
        """Narrate, check, route, settle and log one freshly drafted invoice.

        ``checked``: its findings, when the checks already ran over the whole chunk
        (``_before_checks`` done too)."""
        run = DraftRun(log=log, invoice=invoice, scope=scope)
        if checked is None:
            self._before_checks(invoice)
        self._raise_draft_blocker(run)
        run.narrative = self._narrate(run)
        run.findings = self._check(run) if checked is None else checked
        # one write; no line changes, so no balance check is needed
        invoice.with_context(check_move_validity=False)._ai_write(self._prepare_invoice_vals(run))
        run.routing = self._route(run)
        run.decision, run.review = self._settle(invoice, run.routing)
        result = self._done(log, self._prepare_done_vals(run))
        self._post_chatter(run)
        return result

    @api.model
    def _before_checks(self, invoice):
        """What changes a fresh draft before its checks run (the payment-terms policy)."""

    @api.model
    def _changes_before_checks(self, invoices):
        """Whether ``_before_checks`` may change one of ``invoices`` (else a chunk's
        drafts go to their checks without a savepoint each)."""
        return False

    @api.model
    def _raise_draft_blocker(self, run):
        blocker = self._blocker_draft(run.invoice)
        if blocker:
            raise UserError(blocker)

    @api.model
    def _check(self, run):
        """The controller checks of the draft (``account.move.ai.checks``)."""
        return self.env["account.move.ai.checks"]._run_checks(
            run.invoice, self._check_source_key(run)
        )

    @api.model
    def _check_source_key(self, run):
        """The source the duplicate check compares (a delivery), None for the rest."""
        return f"picking:{run.log.picking_id.id}" if run.log.picking_id else None

    @api.model
    def _prepare_invoice_vals(self, run):
        vals = {
            "ai_drafted": True,
            "ai_check_findings": checks.findings_to_json(run.findings),
            "ai_checked_fingerprint": run.invoice._ai_fingerprint(),
        }
        note = getattr(run.narrative.data, "customer_note", None)
        if note:
            vals["narration"] = Markup("<p>%s</p>%s") % (note, run.invoice.narration or "")
        return vals

    @api.model
    def _prepare_done_vals(self, run):
        invoice = run.invoice
        return {
            "move_id": invoice.id,
            "partner_id": invoice.partner_id.id,
            "currency_id": invoice.currency_id.id,
            "amount_total": invoice.amount_total,
            "state": "needs_review" if run.review else "done",
            "decision": run.decision,
            "review_required": run.review,
            "review_reason": "\n".join(run.routing["reasons"]) or False,
            "rationale": self._rationale(run),
            "flags": [flag.model_dump() for flag in run.narrative.flags],
            "findings": invoice.ai_check_findings,
            "source_data": self._snapshot(run),
            **run.narrative.log_vals(),
        }

    # ------------------------------------------------------------------
    # Blockers: plain reasons not to invoice an order (each returns text or None)
    # ------------------------------------------------------------------
    @api.model
    def _blocker(self, order):
        for blocker in (
            self._blocker_state,
            self._blocker_partner,
            self._blocker_currency_rate,
        ):
            reason = blocker(order)
            if reason:
                return reason
        return None

    @api.model
    def _raise_blocker(self, order):
        blocker = self._blocker(order)
        if blocker:
            raise UserError(blocker)

    @api.model
    def _blocker_state(self, order):
        if order.state == "cancel":
            return self.env._(
                "Sale order %(order)s is cancelled, so it is not invoiced.", order=order.name
            )
        if order.state != "sale":
            return self.env._(
                "Sale order %(order)s is not confirmed; confirm it before invoicing.",
                order=order.name,
            )
        auto_lock = self.env["res.groups"]._is_feature_enabled("sale.group_auto_done_setting")
        if order.locked and not auto_lock:
            return self.env._(
                "Sale order %(order)s is locked. Unlock it if it should be invoiced, then "
                "press Retry on the AI log.",
                order=order.name,
            )
        return None

    @api.model
    def _blocker_partner(self, order):
        partner = order.partner_invoice_id
        if not partner.country_id:
            return self.env._(
                "Customer %(partner)s has no country, so taxes and fiscal position cannot be "
                "checked. Set the country on the customer, then press Retry on the AI log.",
                partner=partner.display_name,
            )
        return None

    @api.model
    def _blocker_currency_rate(self, order):
        currency, company = order.currency_id, order.company_id
        if currency == company.currency_id:
            return None
        date = fields.Date.context_today(self)
        has_rate = self.env["res.currency.rate"].search_count(
            [
                ("currency_id", "=", currency.id),
                ("name", "<=", date),
                "|",
                ("company_id", "=", False),
                ("company_id", "in", company.parent_ids.ids),
            ],
            limit=1,
        )
        if not has_rate:
            return self.env._(
                "Currency %(currency)s has no exchange rate on or before %(date)s. Add one in "
                "Invoicing > Configuration > Currencies, then press Retry on the AI log.",
                currency=currency.name,
                date=date,
            )
        return None

    @api.model
    def _blocker_draft(self, invoice):
        """On the fresh draft, inside the job's savepoint: a reason rolls the draft back.

        Odoo's engine would book a product without an income account on the journal's
        default account; we refuse it. Checked after the engine, the product accounts
        are already read (no query of ours), where a check before it read them twice.
        """
        lines = invoice._ai_product_lines()
        return self._blocker_products_income(lines.product_id, invoice.fiscal_position_id)

    @api.model
    def _blocker_products_income(self, products, fpos):
        missing = products.filtered(
            lambda product: (
                not product.product_tmpl_id.get_product_accounts(fiscal_pos=fpos)["income"]
            )
        )
        if missing:
            return self.env._(
                "No income account for %(products)s. Set one on the product or its category "
                "(Accounting tab), then press Retry on the AI log.",
                products=", ".join(missing.mapped("display_name")),
            )
        return None

    # ------------------------------------------------------------------
    # Narrative (LLM or template, through the guarded path; never numbers)
    # ------------------------------------------------------------------
    @api.model
    def _narrate(self, run):
        """The note printed on the invoice (customer's language) and the rationale (ours)."""
        invoice = run.invoice
        lang = self._customer_lang(invoice.partner_id, invoice.company_id)
        wording, internal = self._wording(lang), self._wording()
        return self._guarded_text(
            invoice.company_id,
            INVOICE_NARRATIVE,
            self._narrative_facts(run, lang),
            self._narrative_untrusted(run),
            self._allowed_invoice_output(invoice),
            lambda minimized, flags: fallback_invoice_narrative(
                minimized, flags, customer=wording, internal=internal
            ),
        )

    @api.model
    def _narrative_facts(self, run, lang):
        log, invoice = run.log, run.invoice
        lines = invoice._ai_product_lines()
        customer = self.with_context(lang=lang)
        return {
            "order_name": log.sale_order_id.name,
            "partner_name": invoice.partner_id.commercial_partner_id.name,
            "amount_total": customer._money(invoice.amount_total, invoice.currency_id),
            "currency": invoice.currency_id.name,
            "picking_names": log.picking_id.mapped("name"),
            "line_count": len(lines),
            "trigger": log.trigger,
            "invoice_date_due": customer._wording(lang).date(invoice.invoice_date_due),
            "payment_term": invoice.invoice_payment_term_id.with_context(lang=lang).name or "",
            "products": lines.product_id.with_context(lang=lang).mapped("display_name"),
            "language": lang,
            "internal_language": self.env.lang or "en_US",
        }

    @api.model
    def _narrative_untrusted(self, run):
        """Customer-written text: quoted data for the LLM, never instructions."""
        order = run.log.sale_order_id
        return {
            "partner_name": run.invoice.partner_id.name or "",
            "client_order_ref": order.client_order_ref or "",
            "order_note": html2plaintext(order.note or ""),
        }

    @api.model
    def _rationale(self, run):
        return run.narrative.data.rationale

    # ------------------------------------------------------------------
    # Routing: review, post or leave draft
    # ------------------------------------------------------------------
    @api.model
    def _route(self, run):
        """Decide whether a human must look at this draft, and why."""
        invoice = run.invoice
        company = invoice.company_id
        findings = list(run.findings) + [
            Finding(code=flag.code, severity=flag.severity, message=flag.message, check="ai_flag")
            for flag in run.narrative.flags
        ]
        amount_company = abs(invoice.amount_total_signed)
        decision = decide_review(
            amount_company=amount_company,
            threshold=company.ai_review_threshold,
            is_new_customer=company.ai_review_new_customers and self._is_new_customer(invoice),
            review_new_customers=company.ai_review_new_customers,
            findings=findings,
            amount_display=self._money(amount_company, company.currency_id),
            threshold_display=self._money(company.ai_review_threshold, company.currency_id),
            w=self._wording(),
        )
        return {
            "review_required": decision.review_required,
            "reasons": list(decision.reasons),
            "codes": list(decision.codes),
            "threshold": company.ai_review_threshold,
            "amount_company": amount_company,
            "auto_post": company.ai_auto_post,
        }

    @api.model
    def _is_new_customer(self, invoice):
        return not self.env["account.move"].search_count(
            [
                ("id", "!=", invoice.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("commercial_partner_id", "=", invoice.commercial_partner_id.id),
                ("company_id", "=", invoice.company_id.id),
            ],
            limit=1,
        )

    @api.model
    def _settle(self, invoice, routing):
        """Post, hold or leave the draft; return (decision, whether it waits for review).

        A failed automatic posting holds the draft too: ``routing`` then names that reason.
        """
        review = routing["review_required"]
        decision = self._post_or_hold(invoice, routing)
        if decision == "held_for_review" and not review:  # automatic posting failed
            review = True
            # sudo: account.move - the reason the posting failed, written by _ai_hold_for_review
            routing["reasons"] = [invoice.sudo().ai_review_reason]
        return decision, review

    @api.model
    def _post_or_hold(self, invoice, routing):
        """Hold for review, post when the company allows it, or leave draft: the decision."""
        if routing["review_required"]:
            invoice._ai_hold_for_review("\n".join(routing["reasons"]), routing["codes"])
            return "held_for_review"
        if not routing.get("auto_post"):
            return "drafted"
        try:
            with self.env.cr.savepoint():
                invoice.action_post()
        except (UserError, ValidationError) as exc:
            invoice._ai_hold_for_review(
                self.env._(
                    "Automatic posting failed: %(error)s", error=exc.args[0] if exc.args else exc
                ),
                ["posting_failed"],
            )
            return "held_for_review"
        return "posted"

    # ------------------------------------------------------------------
    # Snapshot and chatter (an order's invoice; the project agent has its own)
    # ------------------------------------------------------------------
    @api.model
    def _snapshot(self, run):
        log, invoice = run.log, run.invoice
        order = log.sale_order_id
        orders = invoice.invoice_line_ids.sale_line_ids.order_id
        deliveries = log.picking_id or orders.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        )
        return {
            "trigger": log.trigger,
            "orders": orders.mapped("name"),
            "deliveries": deliveries.mapped("name"),
            "sale_order": {
                "id": order.id,
                "name": order.name,
                "client_order_ref": order.client_order_ref or None,
                "pricelist": order.pricelist_id.display_name or None,
                "payment_term": order.payment_term_id.display_name or None,
                "fiscal_position": order.fiscal_position_id.display_name or None,
            },
            "picking": {"id": log.picking_id.id, "name": log.picking_id.name}
            if log.picking_id
            else None,
            "invoice": self._snapshot_invoice(invoice),
            "routing": run.routing,
        }

    @api.model
    def _post_chatter(self, run):
        """One note on the order; on the invoice only when it waits for a reviewer.

        On the invoice, Odoo's engine already notes the order it comes from (authored by
        the agent) and the log is one click away (AI Logs).
        """
        log, invoice = run.log, run.invoice
        self._chatter(
            log.sale_order_id,
            self.env._(
                "Invoice %(invoice)s drafted by the AI agent (%(log)s), triggered by %(user)s.",
                invoice=invoice._get_html_link(),
                log=log._get_html_link(),
                user=log.user_id.name or "",
            ),
        )
        if log.review_reason:
            self._chatter(
                invoice,
                self.env._(
                    "Drafted by the AI agent (%(log)s) and held for review: why is at the top "
                    "of the invoice and in the log.",
                    log=log._get_html_link(),
                ),
            )
