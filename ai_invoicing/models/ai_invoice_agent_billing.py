# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class AiInvoiceAgentBilling(models.AbstractModel):
    """Consolidated billing: drafts the invoices of many orders per job.

    A run (the scheduled period run, or *Draft Invoices Now*) makes one
    ``ai.invoice.batch`` and one job per chunk of orders. A chunk's ``_run`` groups
    its orders by Odoo's own invoice grouping keys (customer, currency, fiscal
    position, delivery address) and drafts each group with ``_create_invoices``
    in its own savepoint: one bad order fails alone (failed log, activity) and
    never sinks the rest; a rerun finds nothing left to invoice. Every invoice
    then passes the drafting steps (``ai.invoice.agent.drafting``: checks, routing)
    and gets its own Invoice Drafting log, with the orders and deliveries it covers.
    """

    _name = "ai.invoice.agent.billing"
    _inherit = "ai.invoice.agent.drafting"
    _description = "AI Invoicing Agent: Consolidated Billing"
    _agent = "billing"
    _invoice_log_agent = "invoice_draft"  # each invoice's log counts with the drafting agent's
    _logs_invoices = False  # its own logs are chunks of orders

    # ------------------------------------------------------------------
    # Enqueue: one batch, one job per chunk of orders
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, records, trigger):
        orders = records.filtered(lambda o: o.state == "sale" and o.invoice_status == "to invoice")
        orders -= self._orders_in_queued_chunks()
        logs = self.env["ai.invoice.log"]
        for company, company_orders in orders.grouped("company_id").items():
            batch = self.env["ai.invoice.batch"]._system_create(
                {"company_id": company.id, "trigger": trigger, "order_count": len(company_orders)}
            )
            size = max(company.ai_batch_size, 1)
            chunks = [company_orders[i : i + size] for i in range(0, len(company_orders), size)]
            chunk_logs = self._create_logs(
                [
                    dict(self._prepare_log_vals(chunk, trigger), batch_id=batch.id)
                    for chunk in chunks
                ]
            )
            self._delay(chunk_logs)
            logs |= chunk_logs
        return logs

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is a chunk of sale orders of one company."""
        return {
            "trigger": trigger,
            "company_id": record.company_id.id,
            "source_data": {"order_ids": record.ids},
        }

    @api.model
    def _dedup_key(self, vals):
        return False  # an order already in a queued chunk is left out before (below)

    @api.model
    def _document(self, log):
        return log.batch_id

    @api.model
    def _orders_in_queued_chunks(self):
        # sudo: ai.invoice.log - dedup must see every queued chunk, whoever runs
        chunks = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch([("agent", "=", self._agent), ("state", "=", "queued")], ["source_data"])
        )
        ids = {oid for log in chunks for oid in (log.source_data or {}).get("order_ids", [])}
        return self.env["sale.order"].browse(ids)

    @api.model
    def _chunk_size(self, company):
        return 1  # each log is already a chunk of orders (the company's batch size)

    @api.model
    def _chunk_description(self, logs):
        log = logs[:1]
        return self.env._(
            "AI consolidated billing: %(count)s order(s) of %(batch)s",
            count=len((log.source_data or {}).get("order_ids", [])),
            batch=log.batch_id.display_name or log.name,
        )

    # ------------------------------------------------------------------
    # The scheduled run and Draft Invoices Now
    # ------------------------------------------------------------------
    @api.model
    def _cron_draft_period_invoices(self):
        """Daily: on each company's period day, draft what its per-period customers received."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([("ai_invoicing_enabled", "=", True)]):
            if company._ai_is_period_day(today):
                self.with_company(company)._enqueue(self._period_orders(company), "period")

    @api.model
    def _period_orders(self, company):
        """Orders of per-period customers with something delivered and not invoiced."""
        orders = self.env["sale.order"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "sale"),
                ("invoice_status", "=", "to invoice"),
            ]
        )
        partners = orders.partner_id.commercial_partner_id.with_company(company)
        period = {
            p.id
            for p in partners
            if (p.ai_invoicing_mode or company.ai_invoicing_mode) == "per_period"
        }
        return orders.filtered(lambda o: o.partner_id.commercial_partner_id.id in period)

    @api.model
    def _action_draft_now(self, orders=None):
        """Draft now: the selected orders, or every order waiting for its period."""
        if orders is None:
            orders = self._period_orders(self.env.company)
        logs = self._enqueue(orders, "manual")
        if not logs:
            raise UserError(
                self.env._(
                    "Nothing to draft: no selected order has delivered quantities left to "
                    "invoice, or they are already in a queued batch."
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ai_invoicing.ai_invoice_batch_action"
        )
        action.update(
            {"res_id": logs.batch_id[:1].id, "view_mode": "form", "views": [(False, "form")]}
        )
        return action

    # ------------------------------------------------------------------
    # Run one chunk
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        orders = (
            self.env["sale.order"].browse((log.source_data or {}).get("order_ids", [])).exists()
        )
        self._lock_or_retry(
            orders, self.env._("Orders of %(log)s are being invoiced by another job.", log=log.name)
        )
        outcome = {"drafted": [], "failed": [], "skipped": []}
        ready = self.env["sale.order"]
        for order in orders:
            if order.invoice_status != "to invoice":
                outcome["skipped"].append(order.id)  # invoiced meanwhile: nothing twice
                continue
            out_of_scope = self._ai_rollout_skip_reason(order)
            if out_of_scope:  # outside every rollout scope, or in one switched off
                outcome["skipped"].append(order.id)
                outcome.setdefault("out_of_scope", {})[order.name] = out_of_scope
                continue
            blocker = self._blocker(order)
            if blocker:
                self._fail_order(log, order, blocker)
                outcome["failed"].append(order.id)
            else:
                ready |= order
        for group in ready.grouped(lambda o: self._grouping_key(o)).values():
            if not self._draft_group(log, group, outcome):
                # the group failed as a whole: each order on its own, a bad one fails alone
                for order in group:
                    self._draft_group(log, order, outcome, alone=True)
        return self._done(
            log,
            {
                "source_data": dict(log.source_data or {}, **outcome),
                "rationale": self.env._(
                    "%(drafted)s order(s) drafted, %(failed)s failed, %(skipped)s already "
                    "invoiced.",
                    drafted=len(outcome["drafted"]),
                    failed=len(outcome["failed"]),
                    skipped=len(outcome["skipped"]),
                ),
            },
        )

    @api.model
    def _grouping_key(self, order):
        """Odoo's own invoice grouping keys (sale.order._get_invoice_grouping_keys)."""
        vals = {
            "company_id": order.company_id.id,
            "partner_id": order.partner_invoice_id.id,
            "partner_shipping_id": order.partner_shipping_id.id,
            "currency_id": order.currency_id.id,
            "fiscal_position_id": order.fiscal_position_id.id,
        }
        return tuple(vals.get(key) for key in order._get_invoice_grouping_keys())

    @api.model
    def _draft_group(self, log, orders, outcome, alone=False):
        """Draft one invoice for ``orders`` in its own savepoint; False if it failed."""
        try:
            with self.env.cr.savepoint():
                invoice = self._create_invoice(orders, grouped=False)
                if not invoice:
                    outcome["skipped"] += orders.ids
                    return True
                self._finalize(self._invoice_log(log, orders), invoice)
        except (UserError, ValidationError) as exc:
            if not alone:
                return False
            self._fail_order(log, orders, exc.args[0] if exc.args else str(exc))
            outcome["failed"] += orders.ids
            return True
        outcome["drafted"] += orders.ids
        return True

    @api.model
    def _invoice_log(self, log, orders, source_data=None):
        """The Invoice Drafting log of one invoice (or one failed order) of the chunk."""
        pickings = orders.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        )
        return self._create_child_log(
            log,
            {
                "sale_order_id": orders[:1].id,
                "partner_id": orders[:1].partner_id.id,
                "currency_id": orders[:1].currency_id.id,
                "source_data": source_data
                or {"orders": orders.mapped("name"), "deliveries": pickings.mapped("name")},
            },
            agent=self._invoice_log_agent,
        )

    @api.model
    def _fail_order(self, log, order, reason):
        """One order of the chunk failed: its own failed log and activity."""
        self._fail(self._invoice_log(log, order, {"order": order.name}), reason)
