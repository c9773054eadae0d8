# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging

from psycopg2 import InterfaceError, OperationalError
from psycopg2.errors import SerializationFailure

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)


class AiInvoiceAgentDraft(models.AbstractModel):
    """Drafts the customer invoice of a validated delivery or a confirmed order.

    One log per delivery (or per confirmed order); the drafting steps it shares with
    the billing and project agents (Odoo's engine, checks, routing, log) are
    ``ai.invoice.agent.drafting``'s.
    """

    _name = "ai.invoice.agent.draft"
    _inherit = "ai.invoice.agent.drafting"
    _description = "AI Invoicing Agent: Invoice Drafting"
    _agent = "invoice_draft"

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is the validated delivery or the confirmed order."""
        picking = record if record._name == "stock.picking" else record.browse()
        order = picking.sale_id if picking else record
        return {
            "trigger": trigger,
            "company_id": order.company_id.id,
            "sale_order_id": order.id,
            "picking_id": picking.id,
            "partner_id": order.partner_id.id,
            "currency_id": order.currency_id.id,
        }

    @api.model
    def _dedup_key(self, vals):
        """A delivery is invoiced once; an order once per trigger."""
        if vals.get("picking_id"):
            return f"picking:{vals['picking_id']}"
        return vals.get("sale_order_id") and f"{vals['trigger']}:order:{vals['sale_order_id']}"

    @api.model
    def _chunk_description(self, logs):
        deliveries = len(logs.filtered("picking_id"))
        if deliveries == len(logs) == 1:
            return self.env._("AI drafting: 1 delivery")
        if deliveries == len(logs):
            return self.env._("AI drafting: %(count)s deliveries", count=deliveries)
        if not deliveries and len(logs) == 1:
            return self.env._("AI drafting: 1 order")
        if not deliveries:
            return self.env._("AI drafting: %(count)s orders", count=len(logs))
        return self.env._("AI drafting: %(count)s deliveries and orders", count=len(logs))

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        order = log.sale_order_id
        result = self._ready(log)
        if result is not True:
            return result
        invoice = self._create_invoice(order)
        if not invoice:
            return self._nothing_left(log)
        return self._finalize(log, invoice)

    @api.model
    def _ready(self, log):
        """True when ``log``'s order is to be drafted now (locked for this job); else
        the skip's text. A blocker raises for the log."""
        order = log.sale_order_id
        if not order:
            raise UserError(self.env._("The log has no sale order to invoice."))
        out_of_scope = self._ai_rollout_skip_reason(order, log.picking_id)
        if out_of_scope:  # outside every rollout scope, or in one switched off
            return self._skip(log, out_of_scope)
        # Every job touching this order waits for the others: two deliveries of
        # one order, or a confirmation and a delivery, never invoice in parallel.
        self._lock_or_retry(
            order,
            self.env._("Sale order %(order)s is being invoiced by another job.", order=order.name),
        )
        self._raise_blocker(order)
        return True

    @api.model
    def _nothing_left(self, log):
        covering = self._covering_invoices(log)
        if covering:
            return self._skip_covered(log, covering)
        raise UserError(
            self.env._(
                "Nothing left to invoice on %(order)s: every delivered or ordered quantity "
                "is already on an invoice.",
                order=log.sale_order_id.name,
            )
        )

    # ------------------------------------------------------------------
    # A chunk: Odoo's engine once for its orders, the checks in one pass
    # ------------------------------------------------------------------
    @api.model
    def _run_chunk(self, logs):
        """Draft the chunk's orders with one call of Odoo's engine (one invoice per
        order, as ``_create_invoices`` does for a selection of orders), check the
        drafts in one pass, then finish each in its own savepoint: a draft that fails
        is removed with its log failed alone. A call of the engine that fails for the
        chunk, a second log of one order, an order with nothing drafted: each alone,
        as a single job would run it."""
        try:
            results, ready, alone = self._sort_chunk(logs)
        except (RetryableJobError, InterfaceError, OperationalError):
            raise
        except Exception:  # noqa: BLE001 - each log alone meets its error and fails alone
            _logger.exception("AI invoicing: sorting a chunk failed; its logs run alone")
            results, ready = {}, {}
            alone = logs.filtered(lambda log: log.state == "queued")
        invoices = self._draft_together(ready)
        checked = self._check_together(invoices, ready)
        for order_id, log in ready.items():
            invoice = invoices.get(order_id)
            if invoice is None:
                alone = log | alone  # the engine failed for the chunk, or drafted nothing
                continue
            ok, result = self._attempt(
                log, self._finalize, log, invoice, None, checked.get(invoice.id)
            )
            if not ok:
                self._discard(invoice)
            results[log.id] = result
        for log in alone.sorted("id"):
            results[log.id] = self._run_claimed(log)
        return results

    @api.model
    def _sort_chunk(self, logs):
        """``(results, ready, alone)`` of the claimed logs, without a savepoint each:
        outside the rollout: skipped; the chunk's orders locked in one query (SKIP
        LOCKED: an order another job holds waits on the retry pattern); a blocker: a
        failed log. ``ready``: ``{order id: log}`` to draft together; ``alone``: a
        second log of one order, or a log without order (run as a single job runs it)."""
        results, ready, alone, first = {}, {}, self.env["ai.invoice.log"], {}
        for log in logs:
            if not log.sale_order_id or log.sale_order_id.id in first:
                alone |= log
            else:
                first[log.sale_order_id.id] = log
        orders = self.env["sale.order"].browse(list(first))
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                locked = orders.try_lock_for_update()
        except SerializationFailure:
            # an order changed since this job began (another job invoiced it): each alone
            return results, ready, self.env["ai.invoice.log"].browse(sorted(logs.ids))
        for order_id, log in first.items():
            order = log.sale_order_id
            out_of_scope = self._ai_rollout_skip_reason(order, log.picking_id)
            if out_of_scope:  # outside every rollout scope, or in one switched off
                results[log.id] = self._skip(log, out_of_scope)
            elif order not in locked:
                busy = self.env._(
                    "Sale order %(order)s is being invoiced by another job.", order=order.name
                )
                results[log.id] = self._defer(log, RetryableJobError(busy))
            elif blocker := self._blocker(order):
                results[log.id] = self._fail(log, blocker)
            else:
                ready[order_id] = log
        return results, ready, alone

    @api.model
    def _draft_together(self, ready):
        """``{order id: invoice}`` drafted by one call of Odoo's engine for the orders
        of ``ready``; empty if that call fails (each then runs alone)."""
        if len(ready) < 2:
            return {}
        orders = self.env["sale.order"].browse(list(ready))
        try:
            with self.env.cr.savepoint():
                invoices = self._create_invoices(orders, grouped=True)
        except (RetryableJobError, InterfaceError, OperationalError):
            raise
        except Exception:  # noqa: BLE001 - one bad order: each order alone finds it
            return {}
        by_order = {}
        for invoice in invoices:
            order_ids = invoice.invoice_line_ids.sale_line_ids.order_id.ids
            if len(order_ids) == 1:
                by_order[order_ids[0]] = invoice
        return by_order

    @api.model
    def _check_together(self, invoices, ready):
        """``{invoice id: findings}`` of the chunk's drafts, checked in one pass after
        their ``_before_checks``; a draft whose step fails is checked on its own."""
        ok_invoices = self.env["account.move"].union(*invoices.values())
        if self._changes_before_checks(ok_invoices):
            ok_invoices = self.env["account.move"]
            for invoice in invoices.values():
                try:
                    with self.env.cr.savepoint():
                        self._before_checks(invoice)
                    ok_invoices |= invoice
                except (UserError, ValidationError):
                    pass  # its own _finalize meets the error again and fails its log alone
        if not ok_invoices:
            return {}
        keys = {
            invoices[order_id].id: f"picking:{log.picking_id.id}"
            for order_id, log in ready.items()
            if order_id in invoices and log.picking_id
        }
        try:
            with self.env.cr.savepoint():
                return self.env["account.move.ai.checks"]._run_batch(ok_invoices, keys)
        except (RetryableJobError, InterfaceError, OperationalError):
            raise
        except Exception:  # noqa: BLE001 - each draft is then checked on its own
            _logger.exception("AI invoicing: the chunk's checks failed; checked one by one")
            return {}

    @api.model
    def _discard(self, invoice):
        """A draft of the chunk whose log failed goes: nothing half-made stays."""
        with self.env.cr.savepoint():
            invoice.unlink()

    @api.model
    def _covering_invoices(self, log):
        """Invoices that already cover this delivery or confirmation (another job met it)."""
        if log.picking_id:
            sale_lines = log.picking_id.move_ids.sale_line_id
        elif log.trigger == "order_delivered":
            sale_lines = log.sale_order_id.order_line
        else:
            sale_lines = log.sale_order_id.order_line.filtered(
                lambda line: line.product_id.invoice_policy == "order"
            )
        return sale_lines.invoice_lines.move_id.filtered(
            lambda move: move.state != "cancel" and move.move_type == "out_invoice"
        ).sorted("id", reverse=True)

    @api.model
    def _skip_covered(self, log, covering):
        return self._skip(
            log,
            self.env._(
                "Covered by %(invoices)s: another job invoiced %(document)s with it; nothing "
                "was created.",
                invoices=", ".join(covering.mapped("display_name")),
                document=log._document().display_name,
            ),
            source_data={"covered_by": covering.ids, "trigger": log.trigger},
        )
