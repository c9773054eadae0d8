#!/usr/bin/env python3
"""Follow-up planning at scale: queries per batch for two batch sizes, side by side.

Builds C customers and I posted customer invoices in a fresh database (default 2,000 and
10,000: due dates spread from 20 days ahead to 90 days late, 5 % in EUR, 2 % disputed,
credit notes for a tenth of the customers, a third of the customers already
reminded at the first level), then runs ``ai.dunning.planner._run_followups`` over every
customer once per batch size, each time from the same data (rolled back in between):

* planning queries per batch: reading the batch's open items, customers, rates, planning,
  statuses and escalations (``_plan_batch`` without the enqueue) - the figure that must
  not grow with the batch size;
* enqueue queries per reminder: one ``ai.invoice.log`` and one queue job per customer to
  remind (``_enqueue``), by design proportional to the reminders, not to the batch;
* the run's total queries and wall time, and a rerun right after it (nothing queued twice).

Usage: python3 bench/bench_dunning.py [--customers 2000] [--invoices 10000]
       [--batch-sizes 100 400] [--db NAME] [--template DB] [--keep-db]
"""

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

import benchdb  # bench/benchdb.py: the script's folder is on sys.path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--seed", type=int, default=12)
    return benchdb.add_database_args(parser, "ai_invoicing_bench_dunning").parse_args()


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
def ensure_accounting(env):
    company = benchdb.ensure_accounting(env)
    eur = env.ref("base.EUR")
    if company.currency_id != eur:
        eur.active = True
        env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.9, "name": "2000-01-01", "company_id": company.id}
        )
    return company, eur


def build_data(env, args):
    """Customers, posted invoices, credit notes, earlier reminders."""
    rng = random.Random(args.seed)
    company, eur = ensure_accounting(env)
    company.write(
        {
            "ai_followup_enabled": True,
            "ai_followup_min_amount": 20.0,
            "ai_followup_escalation_days": 14,
            "ai_llm_enabled": False,
        }
    )
    env["ai.dunning.level"]._ensure_default_levels(company)
    today = time_today(env)
    started = time.monotonic()
    customers = env["res.partner"].create(
        [
            {
                "name": f"Bench Customer {i:05d}",
                "is_company": True,
                "email": f"ap{i}@bench.example.com",
            }
            for i in range(args.customers)
        ]
    )
    Move = env["account.move"].with_context(tracking_disable=True, mail_create_nolog=True)
    vals_list = []
    for index in range(args.invoices):
        customer = customers[index % args.customers]
        days_overdue = rng.randint(-20, 90)
        due = today - timedelta(days=days_overdue)
        vals_list.append(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": min(due, today) - timedelta(days=10),
                "invoice_date_due": due,
                "currency_id": (eur if rng.random() < 0.05 else company.currency_id).id,
                "ai_followup_blocked": rng.random() < 0.02,
                "ai_followup_block_reason": "bench dispute",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Service",
                            "quantity": 1,
                            "price_unit": round(rng.uniform(10, 5000), 2),
                            "tax_ids": [],
                        },
                    )
                ],
            }
        )
    for _index in range(args.customers // 10):  # credit notes for 10 % of the customers
        vals_list.append(
            {
                "move_type": "out_refund",
                "partner_id": customers[rng.randrange(args.customers)].id,
                "invoice_date": today - timedelta(days=5),
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "quantity": 1, "price_unit": 50.0, "tax_ids": []})
                ],
            }
        )
    moves = Move.browse()
    for start in range(0, len(vals_list), 500):
        chunk = Move.create(vals_list[start : start + 500])
        chunk.action_post()
        moves |= chunk
        env.cr.commit()
        print(f"  {len(moves)} invoices posted ({time.monotonic() - started:.0f} s)", flush=True)
    invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
    first = env["ai.dunning.level"].search([("company_id", "=", company.id)])[1]
    reminded = customers.filtered(lambda c: c.id % 3 == 0).with_company(company)
    reminded._ai_followup_write(
        {
            "ai_followup_last_level_id": first.id,
            "ai_followup_last_level_sequence": first.sequence,
            "ai_followup_last_sent": today - timedelta(days=5),
            "ai_followup_status": "reminded",
        }
    )
    env.cr.commit()
    print(
        f"built {len(customers)} customers, {len(invoices)} invoices, "
        f"{len(moves) - len(invoices)} credit notes in "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    return company


def time_today(env):
    from odoo import fields

    return fields.Date.context_today(env["res.partner"])


# ---------------------------------------------------------------------------
# Measure
# ---------------------------------------------------------------------------
class Meter:
    """Queries and time of each ``_plan_batch`` call, the enqueue part apart."""

    def __init__(self, env):
        self.env = env
        self.batches = []  # (customers, planning queries, enqueue queries, reminders, seconds)
        self._enqueue = []

    def patches(self):
        planner_cls = type(self.env["ai.dunning.planner"])
        agent_cls = type(self.env["ai.invoice.agent.dunning"])
        original_batch = planner_cls._plan_batch
        original_enqueue = agent_cls._enqueue
        meter = self

        def plan_batch(planner, company, partners, levels, today, trigger):
            cr = planner.env.cr
            cr.flush()
            meter._enqueue = []
            queries, started = cr.sql_log_count, time.perf_counter()
            stats = original_batch(planner, company, partners, levels, today, trigger)
            cr.flush()
            total = cr.sql_log_count - queries
            enqueue = sum(meter._enqueue)
            meter.batches.append(
                (
                    len(partners),
                    total - enqueue,
                    enqueue,
                    stats["queued"],
                    time.perf_counter() - started,
                )
            )
            return stats

        def enqueue(agent, records, trigger):
            cr = agent.env.cr
            cr.flush()
            queries = cr.sql_log_count
            logs = original_enqueue(agent, records, trigger)
            cr.flush()
            meter._enqueue.append(cr.sql_log_count - queries)
            return logs

        return (
            patch.object(planner_cls, "_plan_batch", plan_batch),
            patch.object(agent_cls, "_enqueue", enqueue),
        )


def measure_run(env, company, batch_size):
    meter = Meter(env)
    p1, p2 = meter.patches()
    env.invalidate_all()
    with p1, p2:
        queries, started = env.cr.sql_log_count, time.perf_counter()
        stats = env["ai.dunning.planner"]._run_followups(
            company, trigger="manual", batch_size=batch_size
        )
        env.cr.flush()
        seconds, queries = time.perf_counter() - started, env.cr.sql_log_count - queries
    return meter, stats, seconds, queries


def summary(meter, stats, seconds, queries):
    size = max(b[0] for b in meter.batches)
    full = [b for b in meter.batches if b[0] == size]
    steady = full[1:] or full  # the first batch also loads the levels, currencies, rules
    planning = [b[1] for b in steady]
    reminders = sum(b[3] for b in meter.batches)
    enqueue = sum(b[2] for b in meter.batches)
    return {
        "batches": len(meter.batches),
        "customers": stats["customers"],
        "queued": stats["queued"],
        "plan_first": full[0][1],
        "plan_min": min(planning),
        "plan_max": max(planning),
        "enqueue_per_reminder": enqueue / reminders if reminders else 0.0,
        "batch_total": statistics.mean(b[1] + b[2] for b in steady),
        "queries": queries,
        "seconds": seconds,
        "ms_per_customer": seconds * 1000 / max(stats["customers"], 1),
        "queries_per_customer": queries / max(stats["customers"], 1),
        "skips": Counter({k: v for k, v in stats.items() if k not in ("customers", "queued")}),
    }


def print_table(results):
    sizes = list(results)
    rows = [
        ("batches", "{batches}"),
        ("customers planned", "{customers}"),
        ("reminders queued", "{queued}"),
        ("planning queries, first batch", "{plan_first}"),
        ("planning queries / next full batches (min)", "{plan_min}"),
        ("planning queries / next full batches (max)", "{plan_max}"),
        ("enqueue queries / reminder (log + job)", "{enqueue_per_reminder:.1f}"),
        ("all queries / full batch (mean)", "{batch_total:.0f}"),
        ("total queries of the run", "{queries}"),
        ("queries per customer", "{queries_per_customer:.2f}"),
        ("total time of the run (s)", "{seconds:.1f}"),
        ("time per customer (ms)", "{ms_per_customer:.2f}"),
        ("rerun: reminders queued", "{rerun_queued}"),
        ("rerun: planning queries / batch (max)", "{rerun_plan_max}"),
        ("rerun: total time (s)", "{rerun_seconds:.1f}"),
    ]
    header = f"{'':44}" + "".join(f"{'batch ' + str(size):>14}" for size in sizes)
    print(header)
    print("-" * len(header))
    for label, fmt in rows:
        print(f"{label:44}" + "".join(f"{fmt.format(**results[s]):>14}" for s in sizes))
    first = results[sizes[0]]
    print("\nplans of the first run:", dict(first["skips"]))


def run(args):
    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["--addons-path", benchdb.addons_path(), "-d", args.db])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = Environment(cr, odoo.SUPERUSER_ID, {})
        company = build_data(env, args)
        results = {}
        for batch_size in args.batch_sizes:
            print(f"planning every customer in batches of {batch_size} ...", flush=True)
            cr.execute("SAVEPOINT bench_run")
            result = summary(*measure_run(env, company, batch_size))
            rerun = summary(*measure_run(env, company, batch_size))
            result.update(
                rerun_queued=rerun["queued"],
                rerun_plan_max=rerun["plan_max"],
                rerun_seconds=rerun["seconds"],
            )
            results[batch_size] = result
            cr.execute("ROLLBACK TO SAVEPOINT bench_run")
            env.invalidate_all()
        print()
        print(
            f"{args.customers} customers, {args.invoices} invoices "
            "(rules-only; one log and one queue job per reminder queued)"
        )
        print_table(results)
        cr.rollback()
    odoo.sql_db.close_db(args.db)


def main():
    benchdb.main(run, parse_args())


if __name__ == "__main__":
    main()
