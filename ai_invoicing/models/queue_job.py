# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models

from .ai_invoice_agent import JOB_IDENTITY_PREFIX


class QueueJob(models.Model):
    """What happens to an agent's job reaches its log, whoever changes it.

    queue_job's runner stores a failure (retries exhausted, an error the agent
    did not turn into a failed log) and the queue UI stores a cancellation by
    writing ``state`` here; a requeued job puts its failed log back in the queue.
    """

    _inherit = "queue.job"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") in ("failed", "cancelled", "pending"):
            ai_jobs = self.filtered(
                lambda job: (job.identity_key or "").startswith(JOB_IDENTITY_PREFIX)
            )
            if ai_jobs:
                ai_jobs._ai_sync_logs(vals["state"])
        return res

    def _ai_sync_logs(self, state):
        # the agent user acts on the log and its document (chatter, activity)
        agent_user = self.env["ai.invoice.agent"]._agent_user()
        Log = self.env["ai.invoice.log"].with_user(agent_user)
        for job in self:
            log = Log._from_job_identities([job.identity_key])
            if not log:
                continue
            agent = log._agent_model().with_user(agent_user)
            agent = agent.with_company(log.company_id)
            log = log.with_env(agent.env)
            if state == "pending" and log.state == "failed":
                log._system_write({"state": "queued", "error": False, "decision": False})
            elif state in ("failed", "cancelled") and log.state == "queued":
                agent._fail(log, job._ai_failure_reason(state))

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
        """Related action of the agents' jobs: open the AI log of the job."""
        self.ensure_one()
        log = self.env["ai.invoice.log"]._from_job_identities([self.identity_key])
        if not log:
            return None
        return {
            "name": self.env._("AI Log"),
            "type": "ir.actions.act_window",
            "res_model": "ai.invoice.log",
            "res_id": log.id,
            "view_mode": "form",
        }
