#!/usr/bin/env python3
"""Invoice drafting: ai_invoicing's job path vs ``sale.order._create_invoices``.

Builds 2 x N identical confirmed orders in a fresh database, validates their
deliveries, then drafts one invoice per order:

* AI path: the queue jobs the validations enqueued, loaded and performed like
  queue_job's runner does (lock, re-checks, Odoo's engine, narrative, routing,
  log, chatter) in rules-only mode;
* native path: ``sale.order._create_invoices()`` called directly.

Both run as the same agent user and the same company. It prints per-invoice
wall time and SQL query count of each path and their ratio (target <= 1.15).

With ``--llm`` the agents call a local OpenAI-compatible server (loopback,
real ``openai`` client) and the LLM calls and tokens per invoice are printed.

Usage: python3 bench/bench_invoicing.py [--orders 200] [--llm] [--db NAME] [--keep-db]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per path")
    parser.add_argument("--lines", type=int, default=3, help="lines per order")
    parser.add_argument("--db", default=f"ai_invoicing_bench_{os.getpid()}")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument(
        "--no-checks",
        action="store_true",
        help="switch the deterministic checks off (the drafting path alone)",
    )
    parser.add_argument(
        "--llm",
        action="store_true",
        help="LLM mode: a local OpenAI-compatible server answers every narrative request",
    )
    return parser.parse_args()


def addons_path():
    import odoo.addons

    odoo_dirs = [p for p in odoo.addons.__path__ if os.path.isdir(os.path.join(p, "account"))]
    return ",".join(odoo_dirs + [REPO])


def create_database(args):
    print(f"creating database {args.db} with ai_invoicing installed ...", flush=True)
    subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    started = time.monotonic()
    subprocess.run(
        [
            args.python,
            "-m",
            "odoo",
            "--addons-path",
            addons_path(),
            "-d",
            args.db,
            "-i",
            "ai_invoicing",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )
    print(f"  installed in {time.monotonic() - started:.0f} s", flush=True)


@contextmanager
def measured(env, samples):
    """Append (seconds, queries) of the block to ``samples``.

    Each sample starts with a cold ORM cache: a queued job and a user's click
    both run in a fresh transaction.
    """
    cr = env.cr
    cr.flush()
    env.invalidate_all()
    queries = cr.sql_log_count
    started = time.perf_counter()
    yield
    cr.flush()
    samples.append((time.perf_counter() - started, cr.sql_log_count - queries))


def build_orders(env, partner, products, count, lines):
    Order = env["sale.order"]
    vals = [
        {
            "partner_id": partner.id,
            "order_line": [
                (0, 0, {"product_id": product.id, "product_uom_qty": 1 + (i % 4), "discount": 5})
                for product in products[:lines]
            ],
        }
        for i in range(count)
    ]
    orders = Order.create(vals)
    orders.action_confirm()
    return orders


def validate(pickings):
    for picking in pickings:
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
    pickings._action_done()


CHECK_FIELDS = (
    "ai_check_taxes",
    "ai_check_vat",
    "ai_check_currency",
    "ai_check_quantities",
    "ai_check_prices",
    "ai_check_duplicates",
    "ai_check_unusual_amount",
    "ai_check_channel",
)


def setup_data(env, lines, checks=True):
    company = env.company
    company.write(dict.fromkeys(CHECK_FIELDS, checks))
    company.write(
        {
            "ai_invoicing_enabled": True,
            "ai_trigger_on_delivery": False,  # switched on for the AI set only
            "ai_trigger_on_confirm": False,
            "ai_auto_post": False,
            "ai_review_new_customers": False,
            "ai_llm_enabled": False,
        }
    )
    partner = env["res.partner"].create(
        {"name": "Bench Customer", "country_id": env.ref("base.be").id, "is_company": True}
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {i}",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 10.0 + i,
            }
            for i in range(lines)
        ]
    )
    stock = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1).lot_stock_id
    for product in products:
        env["stock.quant"]._update_available_quantity(product, stock, 100000)
    return company, partner, products


def start_fake_llm(company, count):
    """Enable the LLM for ``company`` against a scripted loopback server."""
    import json

    from odoo.addons.ai_invoicing.tests.fake_llm_server import FakeOpenAIServer, completion

    server = FakeOpenAIServer().__enter__()
    answer = json.dumps(
        {
            "customer_note": "Thank you for your order.",
            "rationale": "Invoices the validated delivery.",
            "risk_flags": [],
            "confidence": 0.9,
        }
    )
    server.script(*[completion(answer, prompt_tokens=600, completion_tokens=80)] * (count + 5))
    company.write(
        {
            "ai_llm_enabled": True,
            "ai_llm_base_url": server.base_url,
            "ai_llm_model": "bench-model",
            "ai_llm_api_key": "bench-key",
            "ai_llm_daily_call_budget": 0,
            "ai_llm_daily_token_budget": 0,
        }
    )
    return server


def summarize(label, samples):
    seconds = [s for s, _q in samples]
    queries = [q for _s, q in samples]
    mean_ms = statistics.mean(seconds) * 1000
    mean_q = statistics.mean(queries)
    print(
        f"{label:<28} {mean_ms:9.1f} ms/invoice  (median {statistics.median(seconds) * 1000:.1f})"
        f"  {mean_q:7.1f} queries/invoice"
    )
    return mean_ms, mean_q


def run(args):
    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry

    from odoo.addons.queue_job.job import Job

    odoo.tools.config.parse_config(["--addons-path", addons_path(), "-d", args.db])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = Environment(cr, odoo.SUPERUSER_ID, {})
        company, partner, products = setup_data(env, args.lines, checks=not args.no_checks)
        if args.llm:
            fake_llm = start_fake_llm(company, args.orders)
        agent = env.ref("ai_invoicing.user_ai_agent")
        n = args.orders
        print(f"building {2 * n} confirmed orders of {args.lines} lines ...", flush=True)
        ai_orders = build_orders(env, partner, products, n, args.lines)
        native_orders = build_orders(env, partner, products, n, args.lines)

        validate_native = []
        for picking in native_orders.picking_ids:  # trigger off: no job
            with measured(env, validate_native):
                validate(picking)
        company.ai_trigger_on_delivery = True
        validate_ai = []
        for picking in ai_orders.picking_ids:
            with measured(env, validate_ai):
                validate(picking)
        company.ai_trigger_on_delivery = False

        jobs = env["queue.job"].search(
            [("model_name", "=", "ai.invoice.log"), ("state", "=", "pending")], order="id"
        )
        print(f"{len(jobs)} jobs enqueued; drafting ...", flush=True)
        ai_samples, native_samples = [], []
        native_env = env(user=agent.id, context={"allowed_company_ids": [company.id]})
        pairs = list(zip(jobs, native_orders.with_env(native_env), strict=False))
        for index, (job_record, order) in enumerate(pairs):
            job = Job.load(env, job_record.uuid)
            runs = [(ai_samples, job.perform), (native_samples, order._create_invoices)]
            for samples, func in runs if index % 2 else reversed(runs):
                with measured(env, samples):
                    func()

        logs = env["ai.invoice.log"].search([("sale_order_id", "in", ai_orders.ids)])
        drafted = logs.filtered(lambda log: log.move_id)
        print()
        print(f"orders per path: {len(pairs)}, AI invoices drafted: {len(drafted)}")
        val_ai_ms, val_ai_q = summarize("validation, AI trigger on", validate_ai)
        val_nat_ms, val_nat_q = summarize("validation, AI trigger off", validate_native)
        print(
            f"{'ratio on / off':<28} {val_ai_ms / val_nat_ms:9.2f} x time        "
            f"{val_ai_q / val_nat_q:7.2f} x queries"
        )
        mode = ("LLM" if args.llm else "rules-only") + (", no checks" if args.no_checks else "")
        ai_ms, ai_q = summarize(f"AI job ({mode})", ai_samples)
        nat_ms, nat_q = summarize("native _create_invoices", native_samples)
        print(
            f"{'ratio AI / native':<28} {ai_ms / nat_ms:9.2f} x time        "
            f"{ai_q / nat_q:7.2f} x queries"
        )
        print(
            f"LLM calls per invoice: {sum(logs.mapped('llm_called')) / max(len(logs), 1):.2f}, "
            f"tokens per invoice: {sum(logs.mapped('total_tokens')) / max(len(logs), 1):.1f}"
        )
        cr.rollback()
        if args.llm:
            fake_llm.__exit__(None, None, None)
    odoo.sql_db.close_db(args.db)


def main():
    args = parse_args()
    sys.path.insert(0, REPO)
    create_database(args)
    try:
        run(args)
    finally:
        if not args.keep_db:
            subprocess.run(["dropdb", "--if-exists", args.db], check=False)


if __name__ == "__main__":
    main()
