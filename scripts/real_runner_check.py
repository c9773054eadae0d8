"""Drive a prefork Odoo server with queue_job's job runner over JSON-RPC, as the people
who trigger the agents do, inject two faults, then assert from the database.

Started by scripts/check_real_runner.sh (which starts and stops the server). Steps:
1. as admin: settings, a warehouse user (stock only), an accountant without AI rights,
   a project user; products with stock, customers, orders;
2. four clients confirm the orders (admin) and validate their deliveries (warehouse
   user): every fourth delivery partially, with a backorder validated later;
3. faults: one HTTP worker running an agent's job is killed (SIGKILL), and once all
   deliveries are validated, the server's database connections are cut
   (pg_terminate_backend) while a job runs;
4. the accountant posts the drafted invoices (approving is an AI reviewer's: admin),
   which queues their sending; the project user reaches a milestone;
5. asserts: every delivery invoiced exactly once with the delivered quantities, every
   posted AI invoice sent once, every log final, no failed job; prints the throughput
   (deliveries drafted per minute) and the p50/p95 delay from validation to invoice.
Only loopback: the server listens on 127.0.0.1; mails stay in Odoo's outgoing queue.
"""

import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg2

AI_CHANNEL = "root.ai_invoicing"
FINAL_LOG_STATES = ("done", "needs_review", "failed")


class RpcError(Exception):
    pass


class Client:
    """One JSON-RPC client logged in as one user (``/jsonrpc``, service ``object``)."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = self._call("common", "login", [db, login, password])
        if not self.uid:
            raise RpcError(f"login refused for {login}")

    def _call(self, service, method, args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        request = urllib.request.Request(
            self.url + "/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise RpcError(data.get("message") or answer["error"].get("message"))
        return answer.get("result")

    def __call__(self, model, method, *args, **kwargs):
        for attempt in range(4):
            try:
                return self._call(
                    "object",
                    "execute_kw",
                    [self.db, self.uid, self.password, model, method, list(args), kwargs],
                )
            except RpcError as exc:
                # Odoo retries a serialization failure itself (5 times), then answers with
                # it; under four clients reserving the same stock that happens: a person
                # presses the button again
                if "could not serialize access" not in str(exc) or attempt == 3:
                    raise
                time.sleep(0.5 * (attempt + 1))
        return None


def wait_for_server(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/web/login", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise SystemExit(f"the server did not answer on {url} within {seconds} s")


def xmlid(admin, name):
    module, _dot, ref = name.partition(".")
    rows = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", ref)],
        fields=["res_id"],
    )
    return rows[0]["res_id"]


class Check:
    def __init__(self, args):
        self.args = args
        self.db = psycopg2.connect(dbname=args.db)
        self.db.autocommit = True
        self.start = None
        self.faults = {}
        self.errors = []

    # -- database ------------------------------------------------------------
    def sql(self, query, params=None):
        for attempt in range(3):
            try:
                with self.db.cursor() as cr:
                    cr.execute(query, params)
                    return cr.fetchall() if cr.description else None
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                if attempt == 2:
                    raise
                self.db = psycopg2.connect(dbname=self.args.db)
                self.db.autocommit = True
        return None

    def running_ai_job(self, alive=False):
        """(uuid, worker pid) of the oldest started AI job; ``alive``: one whose worker
        still lives (a killed worker's job stays started until the runner requeues it)."""
        rows = self.sql(
            "SELECT uuid, worker_pid FROM queue_job WHERE state = 'started' AND channel = %s "
            "AND date_created >= %s ORDER BY date_started",
            (AI_CHANNEL, self.start),
        )
        for uuid, pid in rows or ():
            if not alive:
                return uuid, pid
            try:
                os.kill(pid, 0)
            except (ProcessLookupError, TypeError):
                continue
            return uuid, pid
        return None

    def wait_until(self, what, predicate, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if predicate():
                return True
            time.sleep(0.5)
        self.errors.append(f"timed out after {seconds} s waiting for {what}")
        return False

    # -- set-up -------------------------------------------------------------
    def setup(self):
        url, db = self.args.url, self.args.db
        self.admin = admin = Client(url, db, "admin", "admin")
        self.start = self.sql("SELECT now() AT TIME ZONE 'UTC'")[0][0]
        # wkhtmltopdf loads the report's styles from report.url: this server, not the
        # template database's web.base.url (a refused connection costs a second per PDF)
        admin("ir.config_parameter", "set_param", "report.url", url)
        company_id = admin("res.users", "read", [admin.uid], ["company_id"])[0]["company_id"][0]
        self.company_id = company_id
        country = admin("res.company", "read", [company_id], ["country_id"])[0]["country_id"][0]
        admin(
            "res.company",
            "write",
            [company_id],
            {
                "ai_invoicing_enabled": True,
                "ai_trigger_on_delivery": True,
                "ai_invoicing_mode": "per_delivery",
                "ai_auto_post": False,
                "ai_auto_send": True,
                "ai_review_new_customers": False,
                "ai_review_threshold": 0.0,
                "ai_llm_enabled": False,
            },
        )
        groups = {
            "runner_picker": ["stock.group_stock_user"],
            "runner_accountant": ["account.group_account_invoice"],
            "runner_project": [
                "project.group_project_user",
                "hr_timesheet.group_hr_timesheet_user",
            ],
        }
        for login, xmlids in groups.items():
            admin(
                "res.users",
                "create",
                {
                    "name": login.replace("_", " ").title(),
                    "login": login,
                    "password": login + "-pw",
                    "company_id": company_id,
                    "company_ids": [(6, 0, [company_id])],
                    "group_ids": [(6, 0, [xmlid(admin, name) for name in xmlids])],
                },
            )
        self.picker = Client(url, db, "runner_picker", "runner_picker-pw")
        self.accountant = Client(url, db, "runner_accountant", "runner_accountant-pw")
        self.project_user = Client(url, db, "runner_project", "runner_project-pw")
        ai_user = xmlid(admin, "ai_invoicing.group_ai_invoicing_user")
        rights = admin(
            "res.users", "read", [self.accountant.uid, self.picker.uid], ["all_group_ids"]
        )
        assert all(ai_user not in r["all_group_ids"] for r in rights), "no AI rights for them"

        warehouse = admin(
            "stock.warehouse",
            "search_read",
            [("company_id", "=", company_id)],
            fields=["lot_stock_id"],
            limit=1,
        )[0]
        self.products = []
        for name, price in (("Runner keg", 120.0), ("Runner crate", 35.0)):
            product = admin(
                "product.product",
                "create",
                {
                    "name": name,
                    "type": "consu",
                    "is_storable": True,
                    "invoice_policy": "delivery",
                    "list_price": price,
                },
            )
            quant = admin(
                "stock.quant",
                "create",
                {
                    "product_id": product,
                    "location_id": warehouse["lot_stock_id"][0],
                    "inventory_quantity": 10000,
                },
                context={"inventory_mode": True},
            )
            admin("stock.quant", "action_apply_inventory", [quant])
            self.products.append(product)
        self.customers = [
            admin(
                "res.partner",
                "create",
                {
                    "name": f"Runner customer {i}",
                    "is_company": True,
                    "country_id": country,
                    "email": f"ap{i}@runner.example.com",
                },
            )
            for i in range(4)
        ]
        self.orders = [
            admin(
                "sale.order",
                "create",
                {
                    "partner_id": self.customers[i % len(self.customers)],
                    "order_line": [
                        (0, 0, {"product_id": self.products[0], "product_uom_qty": 3}),
                        (0, 0, {"product_id": self.products[1], "product_uom_qty": 2 + i % 3}),
                    ],
                },
            )
            for i in range(self.args.orders)
        ]
        self.setup_project()

    def setup_project(self):
        """A milestone order (bridge ai_invoicing_project); skipped when not installed."""
        admin = self.admin
        installed = admin(
            "ir.module.module",
            "search_count",
            [("name", "=", "ai_invoicing_project"), ("state", "=", "installed")],
        )
        self.milestone = None
        if not installed:
            print("ai_invoicing_project is not installed: no project user step")
            return
        admin(
            "res.users",
            "write",
            [admin.uid],
            {"group_ids": [(4, xmlid(admin, "project.group_project_milestone"))]},
        )
        product = admin(
            "product.product",
            "create",
            {
                "name": "Runner website",
                "type": "service",
                "invoice_policy": "delivery",
                "service_type": "milestones",
                "service_tracking": "project_only",
                "list_price": 2000.0,
            },
        )
        order = admin(
            "sale.order",
            "create",
            {
                "partner_id": self.customers[0],
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
            },
        )
        admin("sale.order", "action_confirm", [order])
        line = admin(
            "sale.order.line", "search_read", [("order_id", "=", order)], fields=["project_id"]
        )[0]
        admin("project.project", "write", [line["project_id"][0]], {"allow_milestones": True})
        self.milestone = admin(
            "project.milestone",
            "create",
            {
                "name": "Design",
                "project_id": line["project_id"][0],
                "sale_line_id": line["id"],
                "quantity_percentage": 0.5,
            },
        )
        self.project_order = order

    # -- the people ---------------------------------------------------------
    def confirm_and_deliver(self, index):
        order = self.orders[index]
        self.admin("sale.order", "action_confirm", [order])
        picking = self.picker(
            "stock.picking",
            "search",
            [("sale_id", "=", order), ("state", "not in", ("done", "cancel"))],
        )
        partial = index % 4 == 0
        self.validate(picking, partial)
        if partial:
            backorder = self.picker(
                "stock.picking",
                "search",
                [("sale_id", "=", order), ("state", "not in", ("done", "cancel"))],
            )
            if not backorder:
                raise RpcError(f"no backorder for order {order}")
            self.validate(backorder, partial=False)

    def validate(self, picking_ids, partial):
        moves = self.picker(
            "stock.move",
            "search_read",
            [("picking_id", "in", picking_ids)],
            fields=["product_uom_qty", "product_id"],
        )
        for move in moves:
            qty = (
                1
                if partial and move["product_id"][0] == self.products[0]
                else move["product_uom_qty"]
            )
            self.picker("stock.move", "write", [move["id"]], {"quantity": qty, "picked": True})
        action = self.picker("stock.picking", "button_validate", picking_ids)
        if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
            context = action.get("context") or {}
            wizard = self.picker("stock.backorder.confirmation", "create", {}, context=context)
            self.picker("stock.backorder.confirmation", "process", [wizard], context=context)

    # -- faults --------------------------------------------------------------
    def kill_a_worker_running_a_job(self, stop):
        """SIGKILL the HTTP worker that runs an agent's job (once), mid-chunk: after the
        job has run a moment, when it holds claimed logs."""
        while not stop.is_set():
            job = self.running_ai_job()
            if job and job[1] and job[1] != self.args.server_pid:
                time.sleep(0.3)
                if self.running_ai_job() != job:
                    continue
                try:
                    os.kill(job[1], signal.SIGKILL)
                except ProcessLookupError:
                    continue
                self.faults["worker killed"] = job[0]
                return
            time.sleep(0.05)

    def cut_connections_during_a_job(self):
        """pg_terminate_backend every connection of the server while a job runs (once)."""
        deadline = time.time() + 120
        while time.time() < deadline:
            job = self.running_ai_job(alive=True)
            if job:
                cut = self.sql(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.args.db,),
                )[0][0]
                self.faults["connections cut"] = job[0]
                self.faults["connections cut count"] = cut
                return
            time.sleep(0.05)
        self.errors.append("no job ran after the deliveries: no connection cut")

    # -- waiting ------------------------------------------------------------
    def drafting_logs_final(self):
        rows = self.sql(
            "SELECT count(*) FILTER (WHERE l.state NOT IN %s), count(*) FROM ai_invoice_log l "
            "JOIN stock_picking p ON p.id = l.picking_id WHERE l.agent = 'invoice_draft' "
            "AND p.sale_id = ANY(%s)",
            (FINAL_LOG_STATES, self.orders),
        )[0]
        return rows[1] > 0 and rows[0] == 0

    def our_ai_invoices(self, states):
        rows = self.sql(
            "SELECT DISTINCT m.id FROM account_move m JOIN ai_invoice_log l ON l.move_id = m.id "
            "WHERE l.agent IN ('invoice_draft', 'project_invoice') AND l.create_date >= %s "
            "AND m.state IN %s",
            (self.start, tuple(states)),
        )
        return [row[0] for row in rows]

    def post_drafts(self):
        """Approve what waits for review (admin, an AI reviewer), then post as the accountant."""
        drafts = self.our_ai_invoices(["draft"])
        pending = [
            row[0]
            for row in self.sql(
                "SELECT id FROM account_move WHERE id = ANY(%s) AND ai_review_state = 'pending'",
                (drafts,),
            )
        ]
        if pending:
            context = {"default_move_ids": pending, "default_decision": "approve"}
            wizard = self.admin("ai.invoice.review.wizard", "create", {}, context=context)
            self.admin("ai.invoice.review.wizard", "action_confirm", [wizard], context=context)
        for start in range(0, len(drafts), 10):
            self.accountant("account.move", "action_post", drafts[start : start + 10])
        return drafts

    def all_sent(self):
        rows = self.sql(
            "SELECT count(*) FILTER (WHERE NOT COALESCE(is_move_sent, FALSE)), count(*) "
            "FROM account_move "
            "WHERE id = ANY(%s)",
            (self.posted,),
        )[0]
        return rows[0] == 0

    def no_ai_job_left(self):
        rows = self.sql(
            "SELECT count(*) FROM queue_job WHERE channel = %s AND date_created >= %s "
            "AND state NOT IN ('done', 'failed', 'cancelled')",
            (AI_CHANNEL, self.start),
        )
        return rows[0][0] == 0

    # -- the run --------------------------------------------------------------
    def run(self):
        wait_for_server(self.args.url)
        self.setup()
        stop = threading.Event()
        killer = threading.Thread(target=self.kill_a_worker_running_a_job, args=(stop,))
        if self.args.faults:
            killer.start()
        began = time.time()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(self.confirm_and_deliver, range(len(self.orders))))
        validated = time.time() - began
        print(
            f"{len(self.orders)} orders confirmed and delivered by 4 clients in {validated:.1f} s"
        )
        if self.args.faults:
            self.cut_connections_during_a_job()
        self.wait_until("the drafting logs", self.drafting_logs_final, 240)
        stop.set()
        if self.args.faults:
            killer.join()
        if self.milestone:
            self.project_user("project.milestone", "write", [self.milestone], {"is_reached": True})
            self.wait_until(
                "the milestone's invoice",
                lambda: (
                    self.sql(
                        "SELECT count(*) FROM ai_invoice_log WHERE agent = 'project_invoice' "
                        "AND state IN %s AND create_date >= %s",
                        (FINAL_LOG_STATES, self.start),
                    )[0][0]
                    > 0
                ),
                120,
            )
        self.posted = []
        if self.args.send:
            self.posted = self.post_drafts()
            self.wait_until("the sending of the posted invoices", self.all_sent, 300)
        self.wait_until("the end of every AI job", self.no_ai_job_left, 180)
        self.lone_delivery()
        self.verify()
        self.report()
        return not self.errors

    def lone_delivery(self):
        """One more order delivered on the idle server: seconds from validation to draft."""
        admin = self.admin
        order = admin(
            "sale.order",
            "create",
            {
                "partner_id": self.customers[0],
                "order_line": [(0, 0, {"product_id": self.products[0], "product_uom_qty": 1})],
            },
        )
        self.orders.append(order)
        admin("sale.order", "action_confirm", [order])
        picking = self.picker("stock.picking", "search", [("sale_id", "=", order)])
        started = time.time()  # wall clock: from the picker's click to the draft in the database
        self.validate(picking, partial=False)

        def drafted():
            rows = self.sql(
                "SELECT 1 FROM ai_invoice_log l WHERE l.picking_id = ANY(%s) "
                "AND l.move_id IS NOT NULL",
                (picking,),
            )
            if rows:
                self.lone = round(time.time() - started, 2)
            return bool(rows)

        self.lone = None
        deadline = time.time() + 60
        while time.time() < deadline and not drafted():
            time.sleep(0.05)
        if self.lone is None:
            self.errors.append("the lone delivery was not drafted within 60 s")

    def verify(self):
        errors = self.errors
        lines = self.sql(
            "SELECT l.id, l.qty_delivered, l.qty_invoiced FROM sale_order_line l "
            "WHERE l.order_id = ANY(%s) AND l.display_type IS NULL",
            (self.orders,),
        )
        wrong = [row for row in lines if abs(row[1] - row[2]) > 1e-6 or row[1] <= 0]
        if wrong:
            errors.append(f"order lines not invoiced exactly as delivered: {wrong[:5]}")
        doubled = self.sql(
            "SELECT picking_id, count(*) FROM ai_invoice_log WHERE agent = 'invoice_draft' "
            "AND decision = 'drafted' AND picking_id IS NOT NULL AND create_date >= %s "
            "GROUP BY picking_id HAVING count(*) > 1",
            (self.start,),
        )
        if doubled:
            errors.append(f"deliveries drafted twice: {doubled}")
        pickings = self.sql(
            "SELECT count(*) FROM stock_picking WHERE sale_id = ANY(%s) AND state = 'done'",
            (self.orders,),
        )[0][0]
        logged = self.sql(
            "SELECT count(DISTINCT picking_id) FROM ai_invoice_log WHERE agent = 'invoice_draft' "
            "AND picking_id IN (SELECT id FROM stock_picking WHERE sale_id = ANY(%s))",
            (self.orders,),
        )[0][0]
        if pickings != logged:
            errors.append(f"{pickings} deliveries validated, {logged} with a drafting log")
        not_final = self.sql(
            "SELECT name, agent, state, left(error, 300) FROM ai_invoice_log "
            "WHERE create_date >= %s "
            "AND state NOT IN ('done', 'needs_review', 'approved')",
            (self.start,),
        )
        if not_final:
            errors.append(f"logs not final or failed: {not_final[:5]}")
        failed_jobs = self.sql(
            "SELECT uuid, name, exc_message FROM queue_job WHERE channel = %s "
            "AND date_created >= %s AND state IN ('failed', 'cancelled')",
            (AI_CHANNEL, self.start),
        )
        if failed_jobs:
            errors.append(f"failed jobs: {failed_jobs[:3]}")
        sends = self.sql(
            "SELECT m.id, m.is_move_sent, "
            "(SELECT count(*) FROM ai_invoice_log l WHERE l.move_id = m.id "
            " AND l.agent = 'delivery' AND l.decision = 'sent'), "
            "(SELECT count(*) FROM mail_message mm WHERE mm.model = 'account.move' "
            " AND mm.res_id = m.id AND mm.message_type = 'comment' AND mm.author_id IS NOT NULL "
            " AND EXISTS (SELECT 1 FROM mail_message_res_partner_rel r "
            "             WHERE r.mail_message_id = mm.id)) "
            "FROM account_move m WHERE m.id = ANY(%s)",
            (self.posted,),
        )
        not_once = [row for row in sends if not row[1] or row[2] != 1 or row[3] != 1]
        if not_once:
            errors.append(
                f"posted AI invoices not sent exactly once (id, sent, logs, mails): {not_once[:5]}"
            )
        if self.args.send and not self.posted:
            errors.append("nothing was posted")
        for fault in ("worker killed", "connections cut") if self.args.faults else ():
            uuid = self.faults.get(fault)
            if not uuid:
                errors.append(f"fault not injected: {fault}")
                continue
            state, retry, name = self.sql(
                "SELECT state, retry, name FROM queue_job WHERE uuid = %s", (uuid,)
            )[0]
            if state != "done":
                errors.append(f"the job hit by '{fault}' ended {state}")
            # the chunk the job claimed again on its rerun (the killed run's claim went
            # with its transaction): each of its logs done once (see 'drafted twice')
            claimed = self.sql("SELECT count(*) FROM ai_invoice_log WHERE job_uuid = %s", (uuid,))
            self.faults[fault] = (
                f"{uuid[:8]}… ({name}) ended {state} after {retry} attempt(s), "
                f"{claimed[0][0]} log(s) claimed by its last run"
            )
        if self.milestone:
            project = self.sql(
                "SELECT m.amount_untaxed FROM ai_invoice_log l "
                "JOIN account_move m ON m.id = l.move_id "
                "WHERE l.agent = 'project_invoice' AND l.create_date >= %s",
                (self.start,),
            )
            if [row[0] for row in project] != [1000.0]:
                errors.append(f"the milestone at 50% should draft 1,000.00 once: {project}")

    def report(self):
        delays = [
            row[0]
            for row in self.sql(
                "SELECT EXTRACT(EPOCH FROM m.create_date - l.create_date) FROM ai_invoice_log l "
                "JOIN account_move m ON m.id = l.move_id "
                "JOIN stock_picking p ON p.id = l.picking_id "
                "WHERE l.agent = 'invoice_draft' AND l.move_id IS NOT NULL "
                "AND p.sale_id = ANY(%s)",
                (self.orders,),
            )
        ]
        span = self.sql(
            "SELECT EXTRACT(EPOCH FROM max(m.create_date) - min(l.create_date)), count(*) "
            "FROM ai_invoice_log l JOIN account_move m ON m.id = l.move_id "
            "JOIN stock_picking p ON p.id = l.picking_id WHERE l.agent = 'invoice_draft' "
            "AND p.sale_id = ANY(%s)",
            (self.orders,),
        )[0]
        print(
            "== Real runner: prefork server (3 HTTP workers), job runner over HTTP, "
            "channels root:2,root.ai_invoicing:1"
        )
        for fault, what in self.faults.items():
            print(f"   fault: {fault}: {what}")
        if delays:
            delays.sort()
            p95 = delays[min(len(delays) - 1, int(round(0.95 * (len(delays) - 1))))]
            per_minute = 60.0 * span[1] / float(span[0]) if span[0] else 0.0
            print(
                f"   deliveries drafted: {len(delays)}; throughput {per_minute:.0f} per minute; "
                f"validation to invoice p50 {statistics.median(delays):.1f} s, p95 {p95:.1f} s, "
                f"max {delays[-1]:.1f} s"
            )
        jobs = self.sql(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ai_invoice_log l "
            "WHERE l.job_uuid = j.uuid)), COALESCE(sum(j.exec_time), 0) FROM queue_job j "
            "WHERE j.model_name = 'ai.invoice.agent.draft' AND j.date_created >= %s",
            (self.start,),
        )[0]
        capacity = 60.0 * len(delays) / float(jobs[2]) if jobs[2] else 0.0
        print(
            f"   drafting jobs: {jobs[0]} ({jobs[1]} with a chunk) for {len(delays)} "
            f"deliveries, {float(jobs[2]):.0f} s of job time: {capacity:.0f} deliveries per "
            f"minute of drafting; lone delivery on the idle server drafted in "
            f"{self.lone if self.lone is not None else '?'} s"
        )
        print(f"   posted by the accountant and sent: {len(self.posted)}")
        if self.errors:
            print("!!! REAL RUNNER CHECK FAILED")
            for error in self.errors:
                print(f"   - {error}")
        else:
            print(
                "   every delivery invoiced once with its delivered quantities, every posted "
                "AI invoice sent once, every log final, no failed job: passed"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--orders", type=int, default=24)
    parser.add_argument(
        "--no-send",
        dest="send",
        action="store_false",
        help="the accountant posts nothing: drafting only (a load measurement)",
    )
    parser.add_argument(
        "--no-faults",
        dest="faults",
        action="store_false",
        help="no killed worker nor cut connections (a load measurement)",
    )
    args = parser.parse_args()
    sys.exit(0 if Check(args).run() else 1)


if __name__ == "__main__":
    main()
