# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AiInvoicingCommon, trap_jobs


@tagged("post_install", "-at_install")
class TestAgentChunks(AiInvoicingCommon):
    """An agent's job drains the company's queue: it claims the oldest queued logs up to
    the batch size, runs each alone in its savepoint, and leaves the rest to the next job."""

    def _queued(self, count, partner=None):
        """``count`` delivered orders whose drafting requests wait (their job trapped)."""
        orders = [
            self._order([(self.product_deliv, 1 + index)], partner=partner)
            for index in range(count)
        ]
        with trap_jobs():
            for order in orders:
                self._deliver(order.picking_ids)
        logs = self.Log.search(
            [("sale_order_id", "in", [o.id for o in orders]), ("agent", "=", "invoice_draft")],
            order="id",
        )
        self.assertEqual(logs.mapped("state"), ["queued"] * count)
        return orders, logs

    def test_claim_takes_the_oldest_up_to_the_batch_size(self):
        self.company.ai_batch_size = 2
        _orders, logs = self._queued(5)
        agent = self.env["ai.invoice.agent.draft"].with_user(self.agent)
        claimed = agent.with_context(job_uuid="test-uuid")._claim(self.company)
        self.assertEqual(claimed, logs[:2])
        self.assertEqual(claimed.mapped("job_uuid"), ["test-uuid"] * 2)
        with trap_jobs() as trap:
            agent._delay(logs)
            trap.assert_jobs_count(1, only=agent._job_run)
            results = self._drain(trap)
        self.assertEqual(len(results), 3, "chunks of 2, 2 and 1: one job each")
        self.assertEqual(logs.mapped("state"), ["done"] * 5)
        self.assertEqual(len(set(logs.mapped("job_uuid"))), 3)

    def test_engine_called_once_for_the_chunk_one_bad_document_fails_alone(self):
        """Three deliveries in one chunk: Odoo's engine drafts the good ones in one call;
        a customer without country fails its log before the engine, and a draft whose
        finishing step fails is removed with its failed log: nothing half-made."""
        nowhere = self._customer("Nowhere SA", country_id=False)
        broken = self._customer("Broken SA")
        good_order = self._order([(self.product_deliv, 2)])
        bad_order = self._order([(self.product_deliv, 1)], partner=nowhere)
        broken_order = self._order([(self.product_deliv, 3)], partner=broken)
        orders = good_order | bad_order | broken_order
        with trap_jobs():
            for order in orders:
                self._deliver(order.picking_ids)
        logs = self.Log.search([("sale_order_id", "in", orders.ids)], order="id")
        Order = type(self.env["sale.order"])
        Agent = type(self.env["ai.invoice.agent.draft"])
        engine, route = Order._create_invoices, Agent._route
        calls = []

        def count_calls(orders, *args, **kwargs):
            calls.append(orders)
            return engine(orders, *args, **kwargs)

        def refuse_broken(agent, run):
            if run.invoice.partner_id == broken:
                raise UserError("The routing of this draft failed.")
            return route(agent, run)

        with (
            patch.object(Order, "_create_invoices", autospec=True, side_effect=count_calls),
            patch.object(Agent, "_route", autospec=True, side_effect=refuse_broken),
        ):
            self._run_log(logs[0])
        self.assertEqual(calls, [good_order | broken_order], "one call of the engine")
        self.assertEqual(logs.mapped("state"), ["done", "failed", "failed"])
        self.assertEqual(logs[0].move_id, good_order.invoice_ids)
        self.assertIn("has no country", logs[1].error)
        self.assertEqual(logs[2].error, "The routing of this draft failed.")
        self.assertFalse(bad_order.invoice_ids)
        self.assertFalse(broken_order.invoice_ids, "the failed draft is removed")
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        for order in (bad_order, broken_order):
            self.assertEqual(
                len(order.activity_ids.filtered(lambda a: a.activity_type_id == failure)), 1
            )
        # fixed, then retried: drafted
        nowhere.country_id = self.country_be
        with trap_jobs() as trap:
            (logs[1] | logs[2]).action_retry()
            self._drain(trap)
        self.assertNotIn("failed", logs.mapped("state"))  # drafted (one held for review)
        self.assertEqual(len(orders.invoice_ids), 3)

    def test_a_job_with_only_busy_logs_comes_back_when_they_are_due(self):
        _orders, logs = self._queued(1)
        logs._system_write(
            {"source_data": dict(logs.source_data or {}, busy_tries=1, retry_at="2999-01-01")}
        )
        agent = self.env["ai.invoice.agent.draft"]
        with trap_jobs() as trap:
            agent._delay(logs)
            trap.perform_enqueued_jobs()
            self.assertEqual(logs.state, "queued", "not before its time")
            later = [job for job in trap.enqueued_jobs if job.identity_key.endswith(",later")]
        self.assertEqual(len(later), 1)
        self.assertEqual(later[0].eta, fields.Datetime.to_datetime("2999-01-01"))

    def test_queued_logs_without_a_job_get_one_from_the_safety_net(self):
        """A request committed while its job was being started (or a queue emptied by
        hand) is not lost: the scheduled action gives the company's queue a job."""
        _orders, logs = self._queued(2)  # their job was trapped: none pending
        agent = self.env["ai.invoice.agent.draft"]
        identity = agent._job_identity(self.company)
        with trap_jobs() as trap:
            self.env["ai.invoice.agent"]._cron_ensure_jobs()
            ours = [job for job in trap.enqueued_jobs if job.identity_key == identity]
            self.assertEqual(len(ours), 1)
            ours[0].perform()
        self.assertEqual(logs.mapped("state"), ["done", "done"])
        with trap_jobs() as trap:
            self.env["ai.invoice.agent"]._cron_ensure_jobs()
            self.assertFalse([job for job in trap.enqueued_jobs if job.identity_key == identity])


@tagged("post_install", "-at_install")
class TestConcurrentClaims(AiInvoicingCommon):
    """Two jobs of one agent at once, each on its own database connection: committed
    queued logs, claimed by one transaction, are skipped by the other (no wait, no
    double claim); a transaction that dies (a killed worker) releases its claim."""

    def test_two_jobs_never_claim_the_same_log_and_a_dead_claim_is_released(self):
        db = sql_db.db_connect(self.env.cr.dbname)
        with db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            agent = env["ai.invoice.agent.draft"]
            ours = agent._create_logs(
                [
                    {"trigger": "manual", "company_id": company.id, "source_data": {"n": n}}
                    for n in range(4)
                ]
            ).ids
            cr.commit()
        self.addCleanup(self._delete_logs, db, ours)
        with db.cursor() as cr_a, db.cursor() as cr_b:
            for cr in (cr_a, cr_b):
                cr.execute("SET LOCAL lock_timeout = '5s'")
            agent_a = api.Environment(cr_a, SUPERUSER_ID, {})["ai.invoice.agent.draft"]
            agent_b = api.Environment(cr_b, SUPERUSER_ID, {})["ai.invoice.agent.draft"]
            company_a = agent_a.env.ref("base.main_company")
            company_b = agent_b.env.ref("base.main_company")
            claimed_a = set(agent_a._claim(company_a, limit=10_000).ids)
            self.assertTrue(set(ours) <= claimed_a)
            claimed_b = set(agent_b._claim(company_b, limit=10_000).ids)
            self.assertFalse(claimed_a & claimed_b, "never the same log twice")
            cr_a.rollback()  # the first job's worker dies: its claim goes with it
            again = set(agent_b._claim(company_b, limit=10_000).ids)
            self.assertTrue(set(ours) <= again, "released, claimed by the other job")
            cr_b.rollback()

    @staticmethod
    def _delete_logs(db, ids):
        with db.cursor() as cr:
            cr.execute("DELETE FROM ai_invoice_log WHERE id = ANY(%s)", [ids])
            cr.commit()
