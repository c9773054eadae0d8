# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import re
from contextlib import contextmanager
from operator import attrgetter
from unittest import mock

from odoo import SUPERUSER_ID
from odoo.fields import Command
from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import JobsTrap

from .fake_llm_server import FakeOpenAIServer


class RunnerJobsTrap(JobsTrap):
    """queue_job's ``JobsTrap`` whose ``perform_enqueued_jobs`` runs each job as the
    job runner does: the job is stored, loaded back from the database in a fresh
    superuser environment (its records and arguments rebuilt with the uid and context
    they were stored with, nothing left in the cache), started, performed in a
    savepoint and marked done. A job that only works with the delaying user's rights
    or cached values fails here as it fails in production.
    """

    def perform_enqueued_jobs(self):
        jobs, self.enqueued_jobs = self.enqueued_jobs, []
        return [perform_as_runner(job) for job in sorted(jobs, key=attrgetter("priority"))]


def perform_as_runner(job):
    """Store ``job`` and run it as queue_job's runner (``RunJobController``) would."""
    env = job.env
    Job.store(job)  # the class's own store: the trap mocks the instance's
    env.flush_all()
    env.invalidate_all()
    runner_env = env(user=SUPERUSER_ID, su=False, context={})
    loaded = Job.load(runner_env, job.uuid)
    loaded.set_started()
    loaded.store()
    with runner_env.cr.savepoint():
        result = loaded.perform()
    job.result = loaded.result
    loaded.set_done()
    loaded.store()
    runner_env.flush_all()
    env.invalidate_all()
    return result


@contextmanager
def trap_jobs():
    """Like queue_job's ``trap_jobs``, but the jobs are performed as the runner does."""
    with (
        mock.patch("odoo.addons.queue_job.delay.Job", name="Job Class", unsafe=True) as job_cls,
        RunnerJobsTrap(job_cls) as trap,
    ):
        yield trap


class AiInvoicingCommon(AccountTestInvoicingCommon):
    """Real company, chart of accounts, warehouse, stock and users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # The test user (accountman) also sells and manages AI invoicing.
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("sales_team.group_sale_manager").id),
            Command.link(cls.env.ref("ai_invoicing.group_ai_invoicing_manager").id),
        ]
        cls.company.write(
            {
                "ai_invoicing_enabled": True,
                "ai_trigger_on_delivery": True,
                "ai_trigger_on_confirm": True,
                "ai_review_threshold": 10000.0,
                "ai_review_new_customers": False,
                "ai_auto_post": False,
                "ai_llm_enabled": False,
            }
        )
        cls.Log = cls.env["ai.invoice.log"]
        cls.agent = cls.env.ref("ai_invoicing.user_ai_agent")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.country_be = cls.env.ref("base.be")
        cls.partner_a.country_id = cls.country_be
        cls.partner_b.country_id = cls.country_be
        cls.product_deliv = cls._create_product(
            name="Widget (delivered)",
            type="consu",
            is_storable=True,
            invoice_policy="delivery",
            lst_price=100.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.product_order = cls._create_product(
            name="Setup fee (ordered)",
            type="service",
            invoice_policy="order",
            lst_price=50.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls._stock(cls.product_deliv, 1000)
        cls.reviewer = new_test_user(
            cls.env,
            login="ai_reviewer",
            name="Rita Reviewer",
            email="rita@example.com",
            company_id=cls.company.id,
            groups="ai_invoicing.group_ai_invoicing_reviewer",
        )
        cls.warehouse_user = new_test_user(
            cls.env,
            login="ai_wh_user",
            name="Walter Warehouse",
            company_id=cls.company.id,
            groups="stock.group_stock_user",
        )

    @classmethod
    def _customer(cls, name, **values):
        """A Belgian company customer with its own e-mail address (from its name)."""
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "country_id": cls.country_be.id,
                "email": f"ap@{re.sub('[^a-z0-9]+', '-', name.lower()).strip('-')}.example.com",
                **values,
            }
        )

    @classmethod
    def _stock(cls, product, qty, company=None):
        warehouse = cls.warehouse
        if company:
            warehouse = cls.env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
        cls.env["stock.quant"].with_company(warehouse.company_id)._update_available_quantity(
            product, warehouse.lot_stock_id, qty
        )

    def _order(self, lines, partner=None, confirm=True, **values):
        """A sale order; ``lines`` is a list of (product, qty) or (product, qty, extra vals)."""
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.partner_a).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": line[0].id,
                            "product_uom_qty": line[1],
                            **(line[2] if len(line) > 2 else {}),
                        }
                    )
                    for line in lines
                ],
                **values,
            }
        )
        if confirm:
            # the helper's confirmation asks no agent (a queued request would be drained by
            # the next job of the company); tests of the confirmation confirm themselves
            with self._without_agents(order.company_id):
                order.action_confirm()
        return order

    @contextmanager
    def _without_agents(self, company=None):
        """Confirm, deliver, post without asking the drafting agent: its triggers off.
        (A trapped job is not enough: the request stays queued, and the company's next
        job would take it.)"""
        company = company or self.company
        triggers = {
            "ai_trigger_on_confirm": company.ai_trigger_on_confirm,
            "ai_trigger_on_delivery": company.ai_trigger_on_delivery,
        }
        company.write(dict.fromkeys(triggers, False))
        try:
            with trap_jobs():
                yield
        finally:
            company.write(triggers)

    def _deliver(self, picking, quantities=None, backorder=True, user=None):
        """Validate ``picking`` for ``quantities`` ({product: qty}, default all)."""
        picking = picking.with_user(user) if user else picking
        for move in picking.move_ids:
            qty = (quantities or {}).get(move.product_id, move.product_uom_qty)
            move.quantity = qty
            move.picked = True
        res = picking.button_validate()
        if isinstance(res, dict) and res.get("res_model") == "stock.backorder.confirmation":
            wizard = Form.from_action(self.env, res).save()
            if backorder:
                wizard.process()
            else:
                wizard.process_cancel_backorder()
        return picking

    def _deliver_and_run(self, picking, quantities=None, user=None):
        """Validate a delivery, check one job was enqueued, run it; return the log."""
        with trap_jobs() as trap:
            self._deliver(picking, quantities, user=user)
            log = self.Log.search([("picking_id", "=", picking.id)])
            self.assertEqual(len(log), 1, "one log per validated delivery")
            trap.assert_jobs_count(1, only=self._job_function(log))
            trap.perform_enqueued_jobs()
        return log

    def _peppol_customer(self, customer):
        """``customer`` receives by Peppol from this company, through Odoo's own demo
        mode of the Peppol proxy (no network: the access point is mocked)."""
        if "account_peppol" not in self.env["ir.module.module"]._installed():
            self.skipTest("account_peppol is not installed in this database")
        self.env["ir.config_parameter"].sudo().set_param("account_peppol.edi.mode", "demo")
        self.company.partner_id.write(
            {"country_id": self.country_be.id, "vat": "BE0477472701", "street": "Rue 1"}
        )
        self.company.write(
            {
                "peppol_eas": "0208",
                "peppol_endpoint": "0477472701",
                "account_peppol_proxy_state": "sender",
            }
        )
        customer.write(
            {
                "vat": "BE0202239951",
                "street": "Rue de la Loi 16",
                "city": "Brussels",
                "zip": "1000",
                "peppol_eas": "0208",
                "peppol_endpoint": "0202239951",
                "invoice_sending_method": "peppol",
            }
        )
        customer.button_account_peppol_check_partner_endpoint(company=self.company)
        if not self.company.account_peppol_edi_user:
            self.env["account_edi_proxy_client.user"]._register_proxy_user(
                self.company, "peppol", "demo"
            )

    def _job_function(self, log):
        """The queue job function that runs ``log`` (one per agent)."""
        return log._agent_model()._job_run

    def _run_log(self, log):
        """Run the job of ``log``'s agent as the agents enqueue it and queue_job's runner
        runs it (it claims ``log`` with the other queued logs of its company), and its
        follow-up jobs; the first job's result."""
        with trap_jobs() as trap:
            log._agent_model()._delay(log)
            return self._drain(trap)[0]

    def _drain(self, trap, rounds=20):
        """Perform the trapped jobs and the follow-up jobs they leave, as the runner
        would; the results, in the order the jobs ran."""
        results = []
        for _round in range(rounds):
            jobs = list(trap.enqueued_jobs)
            if not jobs:
                return results
            trap.perform_enqueued_jobs()
            results += [job.result for job in jobs]
        raise AssertionError(f"the queue was not drained in {rounds} rounds")

    def _system_log(self, record, trigger, agent="invoice_draft"):
        """A second queued log for ``record``, as a race between two enqueues would leave."""
        model = self.env["ai.invoice.agent"]._agent_models()[agent]
        vals = dict(model._prepare_log_vals(record, trigger), agent=agent)
        return self.Log._system_create([vals]).with_user(self.agent)

    def _start_fake_llm(self, max_retries=1):
        """Point the company at a loopback OpenAI-compatible server (real openai client)."""
        server = FakeOpenAIServer()
        server.__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        self.company.write(
            {
                "ai_llm_enabled": True,
                "ai_llm_base_url": server.base_url,
                "ai_llm_model": "fake-model",
                "ai_llm_timeout": 1.0,
                "ai_llm_max_retries": max_retries,
            }
        )
        self.company.sudo().ai_llm_api_key = "sk-test-SECRET"
        return server
