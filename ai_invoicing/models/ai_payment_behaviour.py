# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import payment_behaviour as pb

_logger = logging.getLogger(__name__)

TRENDS = [
    ("unknown", "Not Enough History"),
    ("improving", "Improving"),
    ("stable", "Stable"),
    ("worsening", "Worsening"),
]
LAST_RUN_PARAM = "ai_invoicing.payment_behaviour_last_partial_id"
CRON_BATCH = 500


class AiPaymentBehaviour(models.Model):
    """How a customer pays in a company, learnt from Odoo's reconciliations.

    One row per commercial partner and company, written by the system only
    (``_refresh``): a reconciliation of the customer's invoices marks the row stale
    (``account.partial.reconcile``), a scheduled run refreshes stale rows and customers
    paid since its last run, and a draft of a customer without a fresh row refreshes that
    customer alone. A refresh reads the customer's latest ``HISTORY_SIZE`` posted invoices
    (``services/payment_behaviour.py`` computes the figures), so its cost does not grow
    with the history.
    """

    _name = "ai.payment.behaviour"
    _description = "AI Invoicing: Customer Payment Behaviour"
    _rec_name = "partner_id"
    _order = "company_id, partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    invoices_paid = fields.Integer(
        readonly=True, help="Paid invoices among the customer's latest posted invoices."
    )
    credited_count = fields.Integer(
        string="Settled by Credit Notes",
        readonly=True,
        help="Invoices settled by credit notes only (not counted as paid).",
    )
    average_days_late = fields.Float(
        readonly=True,
        digits=(16, 1),
        help="Days after the due date, partial payments weighted by amount; 0 when on time.",
    )
    p90_days_late = fields.Integer(
        string="Days Late (90th percentile)",
        readonly=True,
        help="Nine paid invoices in ten were paid at most this many days late.",
    )
    late_share = fields.Float(
        string="Paid Late (%)",
        readonly=True,
        digits=(16, 1),
        help="Share of the paid invoices paid after their due date.",
    )
    average_days_to_pay = fields.Float(
        readonly=True, digits=(16, 1), help="Days from the invoice date to the payment."
    )
    recent_days_late_avg = fields.Float(
        string="Days Late (latest 5)", readonly=True, digits=(16, 1)
    )
    earlier_days_late_avg = fields.Float(
        string="Days Late (5 before)", readonly=True, digits=(16, 1)
    )
    trend = fields.Selection(TRENDS, readonly=True, default="unknown")
    days_late_recent = fields.Json(
        string="Days Late per Invoice",
        readonly=True,
        help="Days late of the latest paid invoices, newest first.",
    )
    last_paid_date = fields.Date(readonly=True)
    average_amount = fields.Monetary(
        string="Average Paid Invoice", readonly=True, currency_field="currency_id"
    )
    yearly_invoiced = fields.Monetary(
        string="Paid Invoices (last 12 months)", readonly=True, currency_field="currency_id"
    )
    open_overdue_count = fields.Integer(string="Open Overdue Invoices", readonly=True)
    open_overdue_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    open_balance = fields.Monetary(
        string="Open Receivable", readonly=True, currency_field="currency_id"
    )
    is_new = fields.Boolean(
        string="New Customer", readonly=True, help="No posted invoice in this company yet."
    )
    stale = fields.Boolean(readonly=True, index=True)
    refreshed_at = fields.Datetime(readonly=True)
    summary = fields.Char(compute="_compute_summary")

    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "One payment behaviour per customer and company.",
    )

    @api.depends("invoices_paid", "average_days_late", "late_share", "open_overdue_count")
    def _compute_summary(self):
        for row in self:
            row.summary = row._summary_text()

    def _summary_text(self):
        self.ensure_one()
        if self.is_new:
            return self.env._("New customer: no posted invoice yet.")
        if not self.invoices_paid:
            return self.env._("No paid invoice yet.")
        text = self.env._(
            "%(count)s paid invoice(s): %(avg)s day(s) late on average (90th percentile "
            "%(p90)s), %(share)s %% paid late.",
            count=self.invoices_paid,
            avg=round(self.average_days_late, 1),
            p90=self.p90_days_late,
            share=round(self.late_share, 1),
        )
        if self.trend in ("worsening", "improving"):
            text += " " + self.env._(
                "Trend %(trend)s: %(recent)s day(s) late on the latest 5, %(earlier)s on the "
                "5 before.",
                trend=dict(self._fields["trend"]._description_selection(self.env))[self.trend],
                recent=round(self.recent_days_late_avg, 1),
                earlier=round(self.earlier_days_late_avg, 1),
            )
        if self.open_overdue_count:
            text += " " + self.env._(
                "%(count)s open overdue invoice(s).", count=self.open_overdue_count
            )
        return text

    # ------------------------------------------------------------------
    # Reading (refreshing what is missing or stale)
    # ------------------------------------------------------------------
    @api.model
    def _get_for(self, pairs, refresh=True):
        """``{(company id, commercial partner id): row}``; rows missing or stale are
        refreshed first, only those customers (``refresh=False``: the stored rows as they
        are, for a read that must not write)."""
        pairs = {(c, p) for c, p in pairs if c and p}
        if not pairs:
            return {}
        # sudo: ai.payment.behaviour - system-computed figures, read by whoever drafts
        rows = self.sudo()._search_pairs(pairs)
        by_pair = {(row.company_id.id, row.partner_id.id): row for row in rows}
        todo = {pair for pair in pairs if pair not in by_pair or by_pair[pair].stale}
        if todo and refresh:
            by_pair.update(self._refresh(todo))
        return by_pair

    @api.model
    def _search_pairs(self, pairs):
        companies = {c for c, _p in pairs}
        partners = {p for _c, p in pairs}
        rows = self.search(
            [("company_id", "in", list(companies)), ("partner_id", "in", list(partners))]
        )
        return rows.filtered(lambda row: (row.company_id.id, row.partner_id.id) in pairs)

    # ------------------------------------------------------------------
    # Refresh: a fixed number of queries for any number of customers
    # ------------------------------------------------------------------
    @api.model
    def _refresh(self, pairs):
        """Recompute the rows of ``pairs`` ((company id, commercial partner id)); return
        ``{pair: row}``. Three reads whatever the number of customers, then one write per
        row."""
        pairs = sorted({(c, p) for c, p in pairs if c and p})
        if not pairs:
            return {}
        today = fields.Date.context_today(self)
        history = self._read_history(pairs)
        settlements = self._read_settlements(
            [row[0] for rows in history.values() for row in rows if row[4] != "not_paid"]
        )
        open_items = self._read_open(pairs, today)
        # sudo: ai.payment.behaviour - the figures are written by the system only
        Rows = self.sudo()
        existing = {
            (row.company_id.id, row.partner_id.id): row for row in Rows._search_pairs(set(pairs))
        }
        now = fields.Datetime.now()
        result, to_create = {}, []
        for pair in pairs:
            invoices = [
                pb.SettledInvoice(
                    invoice_id=move_id,
                    invoice_date=invoice_date or due,
                    due_date=due or invoice_date,
                    amount=amount,
                    settlements=tuple(settlements.get(move_id, ())),
                )
                for move_id, invoice_date, due, amount, state in history.get(pair, [])
                if state in ("paid", "in_payment", "reversed") and settlements.get(move_id)
            ]
            stats = pb.compute_behaviour(invoices, today)
            vals = self._prepare_vals(stats, open_items.get(pair, (0, 0.0, 0.0)))
            vals.update(is_new=not history.get(pair), stale=False, refreshed_at=now)
            if pair in existing:
                existing[pair].write(vals)
                result[pair] = existing[pair]
            else:
                to_create.append(dict(vals, company_id=pair[0], partner_id=pair[1]))
        for row in Rows.create(to_create):
            result[row.company_id.id, row.partner_id.id] = row
        return result

    @api.model
    def _prepare_vals(self, stats, open_item):
        overdue_count, overdue_amount, balance = open_item
        return {
            "invoices_paid": stats.invoices_paid,
            "credited_count": stats.credited,
            "average_days_late": stats.average_days_late,
            "p90_days_late": stats.p90_days_late,
            "late_share": stats.late_share,
            "average_days_to_pay": stats.average_days_to_pay,
            "recent_days_late_avg": stats.recent_days_late or 0.0,
            "earlier_days_late_avg": stats.earlier_days_late or 0.0,
            "trend": stats.trend,
            "days_late_recent": list(stats.days_late),
            "last_paid_date": stats.last_paid_date,
            "average_amount": stats.average_amount,
            "yearly_invoiced": stats.yearly_invoiced,
            "open_overdue_count": overdue_count,
            "open_overdue_amount": overdue_amount,
            "open_balance": balance,
        }

    @api.model
    def _read_history(self, pairs):
        """``{pair: [(move id, invoice date, due date, total in company currency,
        payment state)]}``: each customer's latest ``HISTORY_SIZE`` posted invoices, from the
        ``(commercial_partner_id, date)`` index in one query (a lateral join per customer)."""
        self.env["account.move"].flush_model(
            ["move_type", "state", "company_id", "commercial_partner_id", "date", "invoice_date"]
            + ["invoice_date_due", "amount_total_signed", "payment_state"]
        )
        companies, partners = zip(*pairs, strict=True)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT pair.company_id, pair.partner_id, move.id, move.invoice_date,
                       move.invoice_date_due, ABS(move.amount_total_signed), move.payment_state
                  FROM unnest(%(companies)s::int[], %(partners)s::int[])
                       AS pair(company_id, partner_id)
                  CROSS JOIN LATERAL (
                        SELECT id, invoice_date, invoice_date_due, amount_total_signed,
                               payment_state
                          FROM account_move
                         WHERE move_type = 'out_invoice'
                           AND state = 'posted'
                           AND company_id = pair.company_id
                           AND commercial_partner_id = pair.partner_id
                      ORDER BY date DESC, id DESC
                         LIMIT %(limit)s
                  ) AS move
                """,
                companies=list(companies),
                partners=list(partners),
                limit=pb.HISTORY_SIZE,
            )
        )
        history = defaultdict(list)
        for company_id, partner_id, move_id, invoice_date, due, amount, state in rows:
            history[company_id, partner_id].append(
                (move_id, invoice_date, due, float(amount or 0.0), state)
            )
        return history

    @api.model
    def _read_settlements(self, move_ids):
        """``{move id: [Settlement]}``: the reconciliations of the invoices' receivable
        lines, in the invoice currency (an exchange difference settles no amount of it);
        a credit note is a settlement, not a payment."""
        if not move_ids:
            return {}
        self.env["account.move.line"].flush_model(["move_id", "display_type"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "max_date", "debit_amount_currency"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.move_id, part.max_date, part.debit_amount_currency,
                       counter_move.move_type
                  FROM account_move_line AS line
                  JOIN account_partial_reconcile AS part ON part.debit_move_id = line.id
                  JOIN account_move_line AS counter ON counter.id = part.credit_move_id
                  JOIN account_move AS counter_move ON counter_move.id = counter.move_id
                 WHERE line.move_id = ANY(%(moves)s)
                   AND line.display_type = 'payment_term'
                """,
                moves=list(move_ids),
            )
        )
        result = defaultdict(list)
        for move_id, day, amount, counter_type in rows:
            result[move_id].append(
                pb.Settlement(day, float(amount or 0.0), counter_type != "out_refund")
            )
        return result

    @api.model
    def _read_open(self, pairs, today):
        """``{pair: (overdue count, overdue amount, open balance)}`` in company currency."""
        companies, partners = zip(*pairs, strict=True)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT company_id, commercial_partner_id,
                       COUNT(*) FILTER (WHERE invoice_date_due < %(today)s),
                       COALESCE(SUM(amount_residual_signed)
                                FILTER (WHERE invoice_date_due < %(today)s), 0),
                       COALESCE(SUM(amount_residual_signed), 0)
                  FROM account_move
                 WHERE move_type = 'out_invoice'
                   AND state = 'posted'
                   AND payment_state IN ('not_paid', 'partial')
                   AND company_id = ANY(%(companies)s)
                   AND commercial_partner_id = ANY(%(partners)s)
              GROUP BY company_id, commercial_partner_id
                """,
                today=today,
                companies=list(set(companies)),
                partners=list(set(partners)),
            )
        )
        return {
            (company_id, partner_id): (count, float(overdue), float(balance))
            for company_id, partner_id, count, overdue, balance in rows
        }

    # ------------------------------------------------------------------
    # Staleness and the scheduled run
    # ------------------------------------------------------------------
    @api.model
    def _mark_stale(self, pairs):
        """The customers whose invoices were just reconciled or unreconciled."""
        pairs = {(c, p) for c, p in pairs if c and p}
        if not pairs:
            return
        # sudo: ai.payment.behaviour - any payment by any user makes the figures stale
        rows = self.sudo()._search_pairs(pairs).filtered(lambda row: not row.stale)
        if rows:
            rows.write({"stale": True})

    @api.model
    def _cron_refresh(self, batch_size=CRON_BATCH):
        """Refresh stale rows, customers paid since the last run, and yesterday's rows of
        customers with open invoices (overdue ones age every day), by batch."""
        ICP = self.env["ir.config_parameter"].sudo()  # sudo: ir.config_parameter - last run
        last_run = ICP.get_param(LAST_RUN_PARAM)  # False before the first run
        Rows = self.sudo()  # sudo: ai.payment.behaviour - the scheduled refresh
        pairs = {(r.company_id.id, r.partner_id.id) for r in Rows.search([("stale", "=", True)])}
        self.env["account.partial.reconcile"].flush_model()
        # the partials created since the last run, from the primary key: no scan of history
        max_id = self.env.execute_query(SQL("SELECT MAX(id) FROM account_partial_reconcile"))
        max_id = max_id[0][0] or 0
        if last_run is not False:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT move.company_id, move.commercial_partner_id
                      FROM account_partial_reconcile AS part
                      JOIN account_move_line AS line ON line.id = part.debit_move_id
                      JOIN account_move AS move ON move.id = line.move_id
                     WHERE part.id > %(last_id)s AND part.id <= %(max_id)s
                       AND move.move_type = 'out_invoice'
                    """,
                    last_id=int(last_run or 0),
                    max_id=max_id,
                )
            )
            pairs |= {tuple(row) for row in rows}
        today_start = fields.Datetime.to_datetime(fields.Date.context_today(self))
        aged = Rows.search([("open_balance", "!=", 0), ("refreshed_at", "<", today_start)])
        pairs |= {(r.company_id.id, r.partner_id.id) for r in aged}
        pairs = sorted(pairs)
        for start in range(0, len(pairs), batch_size):
            self._refresh(pairs[start : start + batch_size])
        ICP.set_param(LAST_RUN_PARAM, str(max_id))
        _logger.info("payment behaviour refreshed for %s customer(s)", len(pairs))
        return len(pairs)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_refresh(self):
        pairs = {(row.company_id.id, row.partner_id.id) for row in self}
        self._refresh(pairs)
        return True
