# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

import psycopg2
import psycopg2.errors

from odoo import fields, models

from odoo.addons.queue_job.job import PENDING, Job

from .ai_invoice_agent_queue import JOB_IDENTITY_PREFIX


def _is_connection_error(exc_name):
    """Whether queue_job's stored exception name is a lost connection or contention."""
    module, _dot, name = (exc_name or "").rpartition(".")
    if module not in ("psycopg2", "psycopg2.errors"):
        return False
    cls = getattr(psycopg2.errors if module == "psycopg2.errors" else psycopg2, name, None)
    return isinstance(cls, type) and issubclass(
        cls, psycopg2.InterfaceError | psycopg2.OperationalError
    )


class QueueJob(models.Model):
    """What happens to an agent's job reaches its log, whoever changes it.

    queue_job's runner stores a failure (retries exhausted, an error the agent
    did not turn into a failed log) and the queue UI stores a cancellation by
    writing ``state`` here; a requeued job puts its failed log back in the queue.
    """

    _inherit = "queue.job"

    def write(self, vals):
        if vals.get("state") == "failed" and _is_connection_error(vals.get("exc_name")):
            vals = self._ai_retry_vals(vals)
        if vals.get("state") == PENDING and vals.get("eta"):
            vals = self._ai_later_vals(vals)
        res = super().write(vals)
        if vals.get("state") in ("failed", "cancelled", "pending"):
            ai_jobs = self.filtered(
                lambda job: (job.identity_key or "").startswith(JOB_IDENTITY_PREFIX)
            )
            if ai_jobs:
                ai_jobs._ai_sync_logs(vals["state"])
        return res

    def _ai_later_vals(self, vals):
        """An agent's job put back for later (a retry on the pattern) no longer stands for
        the company's pending job: requests written meanwhile get a job that runs now."""
        if len(self) != 1 or not (self.identity_key or "").startswith(JOB_IDENTITY_PREFIX):
            return vals
        identity = vals.get("identity_key") or self.identity_key
        if identity.endswith(",later"):
            return vals
        return dict(vals, identity_key=f"{identity},later")

    def _ai_retry_vals(self, vals):
        """An agent's job whose connection was lost outside the agent's own code (while
        queue_job stored it as done) is retried on the job function's pattern, like a
        loss inside the job (``ai.invoice.agent._job_run``): never left to a person."""
        if len(self) != 1 or not (self.identity_key or "").startswith(JOB_IDENTITY_PREFIX):
            return vals
        retry = vals.get("retry", self.retry)
        if retry >= (vals.get("max_retries") or self.max_retries or 1):
            return vals
        job = Job._load_from_db_record(self)
        job.retry = retry
        seconds = job._get_retry_seconds()
        return dict(
            vals,
            state=PENDING,
            eta=fields.Datetime.now() + timedelta(seconds=seconds),
            date_enqueued=False,
            date_started=False,
            date_done=False,
            worker_pid=False,
            result=self.env._(
                "Database connection lost (%(error)s): retried in %(seconds)s s.",
                error=vals.get("exc_message") or vals["exc_name"],
                seconds=seconds,
            ),
        )

    def _ai_sync_logs(self, state):
        """A failed or cancelled job fails the logs it claimed (or would have claimed:
        its rollback undid the claim), each with its activity and Retry; the rest of
        the queue gets a job of its own. A requeued job queues its failed logs again."""
        # the agent user acts on the log and its document (chatter, activity)
        agent_user = self.env["ai.invoice.agent"]._agent_user()
        Log = self.env["ai.invoice.log"].with_user(agent_user)
        for job in self:
            agent, company = Log.env["ai.invoice.agent"]._from_job_identity(job.identity_key)
            if agent is None or not company:
                continue
            agent = agent.with_user(agent_user).with_company(company)
            logs = Log.with_env(agent.env)._of_job(job)
            if state == "pending":
                failed = logs.filtered(lambda log: log.state == "failed")
                failed._system_write({"state": "queued", "error": False, "decision": False})
                continue
            queued = logs.filtered(lambda log: log.state == "queued")
            queued._system_write({"job_uuid": job.uuid})
            reason = job._ai_failure_reason(state)
            for log in queued:
                agent._fail(log, reason)
            if Log.search_count(
                [
                    ("agent", "=", agent._agent),
                    ("company_id", "=", company.id),
                    ("state", "=", "queued"),
                ],
                limit=1,
            ):
                agent._ensure_job(company)

    def _ai_failure_reason(self, state):
        self.ensure_one()
        if state == "cancelled":
            return self.env._(
                "The queue job was cancelled (%(result)s); nothing was done. Press Retry on the "
                "AI log to run it again.",
                result=self.result or self.env._("in the job queue"),
            )
        return self.env._(
            "The queue job failed after %(retries)s attempt(s): %(error)s. Nothing was created; "
            "press Retry on the AI log once the cause is fixed.",
            retries=self.retry,
            error=self.exc_message or self.exc_name or self.env._("unknown error"),
        )

    def related_action_ai_log(self):
        """Related action of the agents' jobs: the AI logs of the job's chunk."""
        self.ensure_one()
        logs = self.env["ai.invoice.log"]._of_job(self)
        if not logs:
            return None
        if len(logs) == 1:
            return {
                "name": self.env._("AI Log"),
                "type": "ir.actions.act_window",
                "res_model": "ai.invoice.log",
                "res_id": logs.id,
                "view_mode": "form",
            }
        return self.env["ai.invoice.log"]._ai_action_for([("id", "in", logs.ids)])
