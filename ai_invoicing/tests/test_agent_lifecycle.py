# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from unittest.mock import patch

import psycopg2

from odoo.exceptions import LockError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import Job

from .common import AiInvoicingCommon, trap_jobs


@tagged("post_install", "-at_install")
class TestAgentLifecycle(AiInvoicingCommon):
    """Real queue jobs: retries, failures, cancellation, requeue, related action, races."""

    def _queued(self, order):
        """Validate the delivery (real queue job stored); return its log and job record."""
        self._deliver(order.picking_ids)
        log = self.Log.search([("picking_id", "=", order.picking_ids.id)])
        self.assertEqual(log.state, "queued")
        self.assertEqual(log.job_state, "pending")
        return log, log.sudo().job_id

    def _run_as_runner(self, job_record):
        """What queue_job's runner does with a job: acquire, perform, store (own cursor)."""
        job = Job.load(self.env, job_record.uuid)
        job.set_started()
        job.store()
        with (
            self.enter_registry_test_mode(),
            mute_logger("odoo.addons.queue_job.controllers.main"),
        ):
            try:
                RunJobController._runjob(self.env, job)
            except FailedJobError:
                pass  # the runner logs it and moves on
        job_record.invalidate_recordset()

    def _lock_busy(self):
        return patch.object(
            type(self.env["sale.order"]), "lock_for_update", side_effect=LockError("busy")
        )

    def _failure_activity(self, record):
        kind = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        return record.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def test_busy_order_waits_on_the_job_function_pattern(self):
        """An order another job holds: the log stays queued, not claimed again before
        the job function's retry pattern says (30 s, 2 min, 10 min); a later job comes
        back for it, and the job that met it ends done (its other logs went on)."""
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        with self._lock_busy():
            self._run_as_runner(job_record)
        self.assertEqual(job_record.state, "done")
        self.assertEqual(log.state, "queued")
        self.assertEqual(log.source_data["busy_tries"], 1)
        self.assertFalse(order.invoice_ids)
        later = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=", f"{job_record.identity_key},later"),
                    ("state", "=", "pending"),
                ]
            )
        )
        self.assertEqual(len(later), 1)
        self.assertAlmostEqual(
            (later.eta - job_record.date_done).total_seconds(), 30, delta=5, msg="the pattern"
        )
        agent = self.env["ai.invoice.agent.draft"]
        self.assertEqual([agent._retry_seconds(t) for t in (1, 2, 3, 4)], [30, 30, 120, 120])
        # not before its time: a job now leaves it alone
        with trap_jobs() as trap:
            agent._delay(log)
            trap.perform_enqueued_jobs()
        self.assertEqual(log.state, "queued")
        # its time has come: drafted
        log._system_write({"source_data": dict(log.source_data, retry_at="2000-01-01 00:00:00")})
        self._run_as_runner(later)
        self.assertEqual(log.state, "done")
        self.assertEqual(log.move_id, order.invoice_ids)

    def test_busy_too_long_leaves_a_failed_log_an_activity_and_a_working_retry(self):
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        log._system_write({"source_data": dict(log.source_data or {}, busy_tries=4)})
        with self._lock_busy():
            self._run_as_runner(job_record)
        self.assertEqual(job_record.state, "done")
        self.assertEqual((log.state, log.decision), ("failed", "failed"))
        self.assertIn("is being invoiced by another job", log.error)
        self.assertEqual(len(self._failure_activity(order)), 1)
        self.assertFalse(order.invoice_ids, "nothing half-made")
        with trap_jobs() as trap:
            log.action_retry()
            trap.assert_jobs_count(1, only=self._job_function(log))
            trap.perform_enqueued_jobs()
        self.assertEqual(log.state, "done")
        self.assertEqual(log.move_id, order.invoice_ids)

    def test_exhausted_retries_leave_the_chunk_failed_with_activities_and_a_working_retry(self):
        """A job that fails for good (its retries spent on lost connections): the logs it
        would have claimed fail, each with its activity, and Retry drafts them."""
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        job_record.sudo().with_context(_job_edit_sentinel=job_record.EDIT_SENTINEL).write(
            {"retry": job_record.max_retries - 1}
        )
        with patch.object(
            type(self.env["ai.invoice.agent.draft"]),
            "_run",
            side_effect=psycopg2.OperationalError("server closed the connection"),
        ):
            self._run_as_runner(job_record)
        self.assertEqual(job_record.state, "failed")
        self.assertEqual((log.state, log.decision), ("failed", "failed"))
        self.assertEqual(log.job_uuid, job_record.uuid, "the log links the job that failed it")
        self.assertIn("server closed the connection", log.error)
        self.assertIn("Retry", log.error)
        self.assertEqual(len(self._failure_activity(order)), 1)
        self.assertFalse(order.invoice_ids, "nothing half-made")
        with trap_jobs() as trap:
            log.action_retry()
            trap.perform_enqueued_jobs()
        self.assertEqual(log.state, "done")
        self.assertEqual(log.move_id, order.invoice_ids)

    def test_unexpected_crash_of_a_job_reaches_the_log(self):
        """An error the agent does not turn into a failed log (e.g. a serialization error
        on the last retry) still leaves the log failed with the reason."""
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        job_record.sudo().with_context(_job_edit_sentinel=job_record.EDIT_SENTINEL).write(
            {"retry": job_record.max_retries - 1}
        )
        with patch.object(
            type(self.env["ai.invoice.agent.draft"]),
            "_run_chunk",
            side_effect=RetryableJobError("could not serialize access"),
        ):
            self._run_as_runner(job_record)
        self.assertEqual(log.state, "failed")
        self.assertIn("could not serialize access", log.error)
        self.assertEqual(len(self._failure_activity(order)), 1)

    def test_lost_connection_inside_the_job_is_retried_and_completes(self):
        """A connection cut mid-job (database restart, fail-over): queue_job retries the
        job on the pattern; nothing is written on the dead cursor, no person is asked."""
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        for error in (
            psycopg2.InterfaceError("cursor already closed"),
            psycopg2.OperationalError("terminating connection due to administrator command"),
        ):
            with self.subTest(error=type(error).__name__):
                job = Job.load(self.env, job_record.uuid)
                with (
                    patch.object(
                        type(self.env["ai.invoice.agent.draft"]), "_run", side_effect=error
                    ),
                    self.assertRaises(RetryableJobError) as caught,
                ):
                    job.perform()
                self.assertIsNone(caught.exception.seconds, "the job function's pattern")
                # what queue_job's runner then does (RunJobController._runjob)
                job.postpone(result=str(caught.exception), seconds=caught.exception.seconds)
                job.set_pending(reset_retry=False)
                job.store()
                job_record.invalidate_recordset()
                self.assertEqual(job_record.state, "pending")
                self.assertEqual(log.state, "queued")
                self.assertFalse(log.error)
                self.assertFalse(self._failure_activity(order))
        self._run_as_runner(job_record)
        self.assertEqual(job_record.state, "done")
        self.assertEqual(log.state, "done")
        self.assertEqual(log.move_id, order.invoice_ids)

    def test_lost_connection_while_queue_job_stores_the_job_is_retried(self):
        """A cut after the agent's work, while queue_job stores the job as done: queue_job
        records a failure, which the agents' jobs turn into a retry on the pattern."""
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        job = Job.load(self.env, job_record.uuid)
        job.retry = 1
        job.set_failed(
            exc_name="psycopg2.InterfaceError",
            exc_message="connection already closed",
            exc_info="Traceback ...",
        )
        job.store()
        job_record.invalidate_recordset()
        self.assertEqual(job_record.state, "pending")
        self.assertTrue(job_record.eta)
        self.assertIn("connection lost", job_record.result)
        self.assertEqual(log.state, "queued")
        self.assertFalse(self._failure_activity(order))
        # an error that is not a lost connection still fails the job and its log
        job = Job.load(self.env, job_record.uuid)
        job.set_failed(exc_name="builtins.ZeroDivisionError", exc_message="division by zero")
        job.store()
        job_record.invalidate_recordset()
        self.assertEqual(job_record.state, "failed")
        self.assertEqual(log.state, "failed")

    def test_cancelled_in_the_queue_ui_then_requeued(self):
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        job_record.button_cancelled()
        self.assertEqual(log.state, "failed")
        self.assertIn("cancelled", log.error)
        self.assertEqual(len(self._failure_activity(order)), 1)
        job_record.requeue()  # the queue UI's Requeue puts the log back in the queue
        self.assertEqual(log.state, "queued")
        self._run_as_runner(job_record)
        self.assertEqual(job_record.state, "done")
        self.assertEqual(log.state, "done")
        self.assertEqual(log.move_id, order.invoice_ids)

    def test_job_related_action_opens_the_log(self):
        order = self._order([(self.product_deliv, 2)])
        log, job_record = self._queued(order)
        action = job_record.open_related_action()
        self.assertEqual((action["res_model"], action["res_id"]), ("ai.invoice.log", log.id))
        self.assertEqual(
            job_record.job_function_id.related_action, {"func_name": "related_action_ai_log"}
        )
        self.assertEqual(job_record.channel, "root.ai_invoicing")

    def test_one_job_per_chunk_named_by_it_and_listing_its_logs(self):
        """Three deliveries validated: one pending job for the company; it drafts them
        together, is named by its chunk in the queue, and its related action lists
        the three logs, each linking the job."""
        orders = [self._order([(self.product_deliv, 1 + i)]) for i in range(3)]
        for order in orders:
            self._deliver(order.picking_ids)
        logs = self.Log.search(
            [("sale_order_id", "in", [o.id for o in orders]), ("agent", "=", "invoice_draft")]
        )
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=like", "ai.invoice.agent,invoice_draft,%"),
                    ("state", "=", "pending"),
                ]
            )
        )
        self.assertEqual(len(jobs), 1, "one pending job for the company, not one per delivery")
        self.assertEqual(logs.sudo().mapped("job_id"), jobs)
        self._run_as_runner(jobs)
        self.assertEqual(jobs.state, "done")
        self.assertEqual(jobs.name, "AI drafting: 3 deliveries")
        self.assertEqual(logs.mapped("state"), ["done"] * 3)
        self.assertEqual(set(logs.mapped("job_uuid")), {jobs.uuid})
        action = jobs.open_related_action()
        self.assertEqual(action["res_model"], "ai.invoice.log")
        self.assertEqual(self.Log.search(action["domain"]), logs)
        for order, log in zip(orders, logs.sorted("id"), strict=True):
            self.assertEqual(log.move_id, order.invoice_ids)

    def test_two_deliveries_validated_before_the_jobs_run(self):
        """Two deliveries of one order in one chunk: the first log drafts one invoice for
        both, the second is covered by it (no second invoice, no failure)."""
        order = self._order([(self.product_deliv, 4)])
        with trap_jobs():
            self._deliver(order.picking_ids, {self.product_deliv: 1})
            self._deliver(order.picking_ids.filtered(lambda p: p.state != "done"))
        first, second = self.Log.search(
            [("sale_order_id", "=", order.id), ("agent", "=", "invoice_draft")], order="id"
        )
        self._run_log(second)  # the job claims both, oldest first
        self._run_log(first)  # and again: nothing left
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.invoice_line_ids.quantity, 4)
        self.assertEqual(first.move_id, order.invoice_ids)
        self.assertEqual((second.state, second.decision), ("done", "skipped"))
        self.assertIn(f"Covered by {order.invoice_ids.display_name}", second.rationale)
        self.assertFalse(self._failure_activity(order), "not a failure for a person")

    def test_confirmation_and_delivery_jobs_meet_on_one_order(self):
        """Confirmed and delivered before the job runs: the older request (the
        confirmation) drafts one invoice with everything; the delivery is covered."""
        order = self._order([(self.product_order, 1), (self.product_deliv, 2)], confirm=False)
        with trap_jobs():
            order.action_confirm()
            self._deliver(order.picking_ids)
        logs = self.Log.search([("sale_order_id", "=", order.id)])
        confirm = logs.filtered(lambda log: log.trigger == "order_confirmed")
        delivery = logs.filtered(lambda log: log.trigger == "picking_done")
        self._run_log(delivery)
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(confirm.move_id, order.invoice_ids)
        self.assertEqual(delivery.decision, "skipped")
        self.assertIn("Covered by", delivery.rationale)
        self.assertFalse(self._failure_activity(order))

    def test_job_runs_in_a_second_company(self):
        company_b = self.setup_other_company(name="AI Company B")["company"]
        company_b.ai_review_new_customers = False
        partner = self.partner_a.copy({"name": "Company B customer", "company_id": company_b.id})
        self._stock(self.product_deliv, 10, company=company_b)
        order = (
            self.env["sale.order"]
            .with_company(company_b)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company_b.id,
                    "order_line": [
                        (0, 0, {"product_id": self.product_deliv.id, "product_uom_qty": 2})
                    ],
                }
            )
        )
        order.action_confirm()
        log, job_record = self._queued(order.with_company(company_b))
        self.assertEqual(log.company_id, company_b)
        self._run_as_runner(job_record)
        self.assertEqual(job_record.state, "done")
        invoice = log.move_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.company_id, company_b)
        self.assertEqual(invoice.journal_id, company_b.ai_invoice_journal_id)
        self.assertEqual(invoice.create_uid, self.agent, "drafted by the agent user")
