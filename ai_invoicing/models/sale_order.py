# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = ["sale.order", "ai.log.mixin"]
    _ai_log_field = "sale_order_id"

    ai_log_ids = fields.One2many("ai.invoice.log", "sale_order_id", string="AI Logs")
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")

    # ------------------------------------------------------------------
    # Triggers
    # ------------------------------------------------------------------
    def _action_confirm(self):
        res = super()._action_confirm()
        self._ai_enqueue_on_confirm()
        return res

    def _ai_enqueue_on_confirm(self):
        orders = self.filtered(
            lambda o: (
                o.company_id.ai_invoicing_enabled
                and o.company_id.ai_trigger_on_confirm
                and o._ai_has_order_policy_lines()
            )
        )
        self.env["ai.invoice.log"]._ai_enqueue(
            [order._prepare_ai_log_vals("order_confirmed") for order in orders]
        )

    def _ai_has_order_policy_lines(self):
        self.ensure_one()
        return any(
            line.product_id.invoice_policy == "order"
            for line in self.order_line
            if not line.display_type and not line.is_downpayment
        )

    def _prepare_ai_log_vals(self, trigger, picking=None):
        self.ensure_one()
        return {
            "agent": "invoice_draft",
            "trigger": trigger,
            "company_id": self.company_id.id,
            "sale_order_id": self.id,
            "picking_id": picking.id if picking else False,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
        }

    # ------------------------------------------------------------------
    # Invoicing through Odoo's own engine
    # ------------------------------------------------------------------
    def _prepare_invoice(self):
        vals = super()._prepare_invoice()
        journal_id = self.env.context.get("ai_invoice_journal_id")
        if journal_id and not self.journal_id:
            vals["journal_id"] = journal_id
        return vals

    def _ai_create_invoices(self):
        """Draft the invoice with sale's own ``_create_invoices``.

        Delivered quantities, pricelist prices, discounts, fiscal position
        taxes, payment terms and shipping lines all come from Odoo.
        """
        self.ensure_one()
        journal = self.company_id._ai_get_invoice_journal()
        return self.with_context(
            raise_if_nothing_to_invoice=False, ai_invoice_journal_id=journal.id
        )._create_invoices(grouped=True)

    def _ai_invoice_blocker(self):
        """Return a plain-language reason why this order must not be invoiced, or None."""
        self.ensure_one()
        checks = (
            self._ai_check_state,
            self._ai_check_partner,
            self._ai_check_currency_rate,
            self._ai_check_income_accounts,
        )
        for check in checks:
            reason = check()
            if reason:
                return reason
        return None

    def _ai_check_state(self):
        if self.state == "cancel":
            return self.env._(
                "Sale order %(order)s is cancelled, so it is not invoiced.", order=self.name
            )
        if self.state != "sale":
            return self.env._(
                "Sale order %(order)s is not confirmed; confirm it before invoicing.",
                order=self.name,
            )
        if self.locked and not self._is_auto_lock_enabled():
            return self.env._(
                "Sale order %(order)s is locked. Unlock it if it should be invoiced, then "
                "press Retry on the AI log.",
                order=self.name,
            )
        return None

    def _is_auto_lock_enabled(self):
        return self.env["res.groups"]._is_feature_enabled("sale.group_auto_done_setting")

    def _ai_check_partner(self):
        partner = self.partner_invoice_id
        if not partner.country_id:
            return self.env._(
                "Customer %(partner)s has no country, so taxes and fiscal position cannot be "
                "checked. Set the country on the customer, then press Retry on the AI log.",
                partner=partner.display_name,
            )
        return None

    def _ai_check_currency_rate(self):
        currency, company = self.currency_id, self.company_id
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

    def _ai_check_income_accounts(self):
        lines = self.order_line.filtered(
            lambda line: not line.display_type and line.qty_to_invoice and line.product_id
        )
        fpos = self.fiscal_position_id
        missing = lines.product_id.filtered(
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

    def _ai_nothing_to_invoice_message(self):
        return self.env._(
            "Nothing left to invoice on %(order)s: every delivered or ordered quantity is "
            "already on an invoice.",
            order=self.name,
        )
