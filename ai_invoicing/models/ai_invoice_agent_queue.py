# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import uuid
from datetime import timedelta

from psycopg2 import InterfaceError, OperationalError

from odoo import api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError

JOB_IDENTITY_PREFIX = "ai.invoice.agent,"  # ai.invoice.agent,<agent>,<company id>
BUSY_TRIES = 5  # a claimed log whose document stays locked fails after so many tries


class AiInvoiceAgent(models.AbstractModel):
    """The agents' queue: a request is a queued log; one job of an agent is pending per
    company and drains the queued logs in chunks (claim, run, follow-up, busy documents
    on the retry pattern)."""

    _inherit = "ai.invoice.agent"

    @api.model
    def _delay(self, logs):
        """Make sure one job of this agent is pending for each company of ``logs``.

        The queued log is the request (an outbox row); no job is made per document.
        The agent's job claims the company's queued logs in chunks (``_job_run``);
        queue_job's identity key keeps one job pending per agent and company, while a
        running one (``started``) does not count: a request written during its run
        gets a job of its own, so nothing waits for a job that has already looked.
        """
        for company in logs.company_id:
            self._ensure_job(company)

    @api.model
    def _ensure_job(self, company, eta=None):
        """One pending job of this agent for ``company``, run as the technical agent user.

        queue_job stores every record argument with the uid of its own environment and
        rebuilds it as that user when the job runs: the company goes in the agent's
        environment too, never in the triggering user's (a picker has no right on logs).
        """
        agent = self.with_user(self._agent_user()).with_company(company)
        identity = self._job_identity(company)
        agent.with_delay(
            description=self._job_description(company),
            # a later job (busy documents) never stands in for the next one to run now
            identity_key=f"{identity},later" if eta else identity,
            eta=eta,
        )._job_run(company.with_env(agent.env))

    @api.model
    def _job_identity(self, company):
        """queue_job identity of this agent's job for ``company`` (one pending at a time)."""
        return f"{JOB_IDENTITY_PREFIX}{self._agent},{company.id}"

    @api.model
    def _from_job_identity(self, identity_key):
        """``(agent model, company)`` of an agent's job identity key, or ``(None, None)``."""
        agent_code, _sep, rest = (
            (identity_key or "").removeprefix(JOB_IDENTITY_PREFIX).partition(",")
        )
        company_id = rest.partition(",")[0]
        agent = self._agent_models().get(agent_code)
        if not (identity_key or "").startswith(JOB_IDENTITY_PREFIX) or agent is None:
            return None, None
        if not company_id.isdigit():
            return None, None
        return agent, self.env["res.company"].browse(int(company_id)).exists()

    @api.model
    def _cron_ensure_jobs(self):
        """Safety net: every agent and company with queued logs has a job pending (a
        request committed while its job was being started, a cancelled queue)."""
        # sudo: ai.invoice.log - the sweep covers every company's queue
        groups = (
            self.env["ai.invoice.log"]
            .sudo()
            ._read_group([("state", "=", "queued")], ["agent", "company_id"])
        )
        agents = self._agent_models()
        for code, company in groups:
            if code in agents:
                agents[code]._ensure_job(company)

    @api.model
    def _job_description(self, company):
        """The queue's description of a pending job; ``_chunk_description`` replaces it
        once the job has claimed its chunk."""
        return self.env._(
            "AI %(agent)s: queued documents of %(company)s",
            agent=self._agent_label(),
            company=company.name,
        )

    @api.model
    def _agent_label(self):
        return dict(self.env["ai.invoice.log"]._fields["agent"]._description_selection(self.env))[
            self._agent
        ]

    @api.model
    def _chunk_description(self, logs):
        """What the queue shows for a job that handled ``logs`` (``AI drafting: 37
        deliveries``)."""
        return self.env._(
            "AI %(agent)s: %(count)s document(s)", agent=self._agent_label(), count=len(logs)
        )

    # ------------------------------------------------------------------
    # The job
    # ------------------------------------------------------------------
    @api.model
    def _job_run(self, company):
        """Queue job of the agent for ``company``: drain its queued logs, one chunk.

        Claims up to the company's batch size of queued logs, oldest first, with
        ``FOR UPDATE SKIP LOCKED`` (two jobs never claim the same log; a killed job's
        claim goes with its transaction), runs them (``_run_chunk``: each in its own
        savepoint, one bad document fails alone) and leaves the next chunk to a
        follow-up job, so no job runs long. Idempotent: a log done meanwhile is not
        queued any more, and a rerun finds nothing left.

        A lost database connection (restart, fail-over, pooler reset) or a
        serialization failure is no business failure: nothing can be written on the
        dead cursor, so the job is handed back to queue_job, which retries it on the
        job function's pattern; its logs stay queued and complete on the retry.
        """
        if company._name == "ai.invoice.log":  # a job queued before chunks (19.0.1.3.0)
            company = company.company_id
        try:
            # whoever calls, work in the company; what a chunk reads once per job (the
            # rollout rules) is remembered under the job's token
            token = self.env.context.get("job_uuid") or str(uuid.uuid4())
            agent = self.with_company(company).with_context(ai_job_memo=token)
            logs = agent._claim(company)
            if not logs:
                agent._follow_up_later(company)
                return self.env._("Nothing queued.")
            results = agent._run_chunk(logs)
            agent._after_chunk(company, logs, results)
            return "\n".join(str(results[log.id]) for log in logs if log.id in results)
        except (InterfaceError, OperationalError) as exc:
            # no ``seconds``: the job function's retry pattern applies
            raise RetryableJobError(
                self.env._(
                    "Database connection lost or busy (%(error)s): retried later.", error=exc
                )
            ) from exc

    @api.model
    def _chunk_size(self, company):
        """How many queued logs one job claims (the company's *Documents per job*)."""
        return max(company.ai_batch_size, 1)

    @api.model
    def _claim(self, company, limit=None):
        """Lock and return the oldest queued logs of this agent for ``company`` that no
        other transaction holds, up to ``limit`` (default: the chunk size), each
        linked to the running job."""
        self.env["ai.invoice.log"].flush_model(["state", "agent", "company_id"])
        self.env.cr.execute(
            "SELECT id FROM ai_invoice_log WHERE agent = %s AND company_id = %s "
            "AND state = 'queued' AND COALESCE((source_data->>'retry_at')::timestamp, "
            "'-infinity') <= (now() AT TIME ZONE 'UTC') "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [self._agent, company.id, limit or self._chunk_size(company)],
        )
        logs = self.env["ai.invoice.log"].browse([row[0] for row in self.env.cr.fetchall()])
        job_uuid = self.env.context.get("job_uuid")
        if logs and job_uuid:
            logs._system_write({"job_uuid": job_uuid})
        return logs

    @api.model
    def _run_chunk(self, logs):
        """Run each claimed log in its own savepoint; ``{log id: result}``."""
        return {log.id: self._run_claimed(log) for log in logs}

    @api.model
    def _run_claimed(self, log):
        """``_run(log)`` in its own savepoint: done, or failed alone; busy (a lock
        another job holds): left queued for the follow-up job."""
        try:
            return self._attempt(log, self._run, log)[1]
        except RetryableJobError as exc:
            return self._defer(log, exc)

    @api.model
    def _defer(self, log, exc):
        """A claimed log whose document another job holds stays queued, not claimed
        again before the job function's retry pattern says (its tries counted on the
        log); still busy after ``BUSY_TRIES``, it fails for a person (Retry)."""
        tries = (log.source_data or {}).get("busy_tries", 0) + 1
        if tries >= BUSY_TRIES:
            return self._fail(log, str(exc))
        seconds = self._retry_seconds(tries)
        retry_at = fields.Datetime.now() + timedelta(seconds=seconds)
        log._system_write(
            {
                "source_data": dict(
                    log.source_data or {},
                    busy_tries=tries,
                    retry_at=fields.Datetime.to_string(retry_at),
                )
            }
        )
        return self.env._(
            "%(log)s: %(reason)s Retried in %(seconds)s s.",
            log=log.name,
            reason=exc,
            seconds=seconds,
        )

    @api.model
    def _retry_seconds(self, tries):
        """Seconds before a busy log's next try, on the job function's retry pattern."""
        # sudo: queue.job.function - the agent reads its own job function's pattern
        function = (
            self.env["queue.job.function"]
            .sudo()
            .search([("name", "=", f"<{self._name}>._job_run")], limit=1)
        )
        pattern = {int(step): seconds for step, seconds in (function.retry_pattern or {}).items()}
        steps = [pattern[step] for step in sorted(pattern) if tries >= step]
        return steps[-1] if steps else 10

    @api.model
    def _after_chunk(self, company, logs, results):
        """Describe the job by its chunk; leave what is still queued to a follow-up job
        (now, or when the earliest busy log may be tried again)."""
        job_uuid = self.env.context.get("job_uuid")
        if job_uuid:
            # sudo: queue.job - the queue shows each job by the chunk it handled; the
            # name is protected from RPC edits by queue_job's sentinel, which the
            # server-side job itself may present
            Job = self.env["queue.job"].sudo()
            Job.with_context(_job_edit_sentinel=Job.EDIT_SENTINEL).search(
                [("uuid", "=", job_uuid)]
            ).write({"name": self._chunk_description(logs)})
        self.env["ai.invoice.log"].flush_model(["state", "source_data"])
        self.env.cr.execute(
            "SELECT bool_or(source_data->>'retry_at' IS NULL), "
            "min((source_data->>'retry_at')::timestamp) FROM ai_invoice_log "
            "WHERE agent = %s AND company_id = %s AND state = 'queued'",
            [self._agent, company.id],
        )
        now_due, retry_at = self.env.cr.fetchone()
        if now_due:
            self._ensure_job(company)
        if retry_at:
            self._ensure_job(company, eta=max(retry_at, fields.Datetime.now()))

    @api.model
    def _follow_up_later(self, company):
        """Nothing to claim now: a job comes back when the earliest busy log is due
        (never a job for logs another job holds: it follows them up itself)."""
        self.env.cr.execute(
            "SELECT min((source_data->>'retry_at')::timestamp) FROM ai_invoice_log "
            "WHERE agent = %s AND company_id = %s AND state = 'queued' "
            "AND (source_data->>'retry_at')::timestamp > (now() AT TIME ZONE 'UTC')",
            [self._agent, company.id],
        )
        retry_at = self.env.cr.fetchone()[0]
        if retry_at:
            self._ensure_job(company, eta=retry_at)

    @api.model
    def _run_now(self, log):
        """Run one queued log at once, in the caller's transaction (Send & Print)."""
        try:
            if log.state != "queued":
                return f"{log.name} already processed ({log.state})"
            agent = self.with_company(log.company_id)
            log = log.with_env(agent.env)
            return agent._attempt(log, agent._run, log)[1]
        except (InterfaceError, OperationalError) as exc:
            raise RetryableJobError(str(exc)) from exc
