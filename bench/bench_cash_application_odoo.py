#!/usr/bin/env python3
"""Cash application in Odoo: load + score a batch of bank transactions against open invoices.

The Odoo-side companion of ``bench_cash_matching.py`` (pure engine). In a database with
ai_invoicing installed it creates customers (some with a known bank account), N posted
invoices and M incoming bank statement lines of known truth (reference in the label, bank
account only, payer name only, a one-character typo, two invoices in one payment, a partial
payment, noise), then times, with a cold ORM cache:

* the batch matching of the scheduled run (``_match``: load the company's open items, the
  bank accounts and the lines once, then score every line) and its SQL query count, for two
  batch sizes, to show the queries do not grow with the number of lines;
* the full batch (``_process``: matching, the sure matches applied one at a time with Odoo's
  reconciliation, suggestions and one log per line written);
* the single-transaction job path (``_process`` of one line, payer's items only).

Everything runs in one transaction that is rolled back: the database is left as it was.

Usage: python3 bench/bench_cash_application_odoo.py [--items 20000] [--lines 1000]
       [--db NAME --reuse]   (an existing database with ai_invoicing installed)
"""

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager

import benchdb  # bench/benchdb.py: the script's folder is on sys.path

SCENARIOS = [  # (name, weight)
    ("reference", 40),
    ("account_only", 15),
    ("name_only", 8),
    ("typo", 10),
    ("combination", 10),
    ("partial", 5),
    ("noise", 12),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="open invoices")
    parser.add_argument("--lines", type=int, default=1_000, help="bank transactions")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--db", default=f"ai_invoicing_cash_bench_{os.getpid()}")
    parser.add_argument(
        "--reuse", action="store_true", help="use the existing --db (rolled back at the end)"
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--python", default=sys.executable)
    return parser.parse_args()


@contextmanager
def measured(env, label, results):
    """Time and count the queries of the block, starting from a cold ORM cache."""
    cr = env.cr
    env.flush_all()
    env.invalidate_all()
    queries = cr.sql_log_count
    started = time.perf_counter()
    yield
    env.flush_all()
    results[label] = (time.perf_counter() - started, cr.sql_log_count - queries)


def iban(rng):
    return "BE" + "".join(str(rng.randrange(10)) for _ in range(14))


def build(env, args, rng):
    from odoo.fields import Command

    company = env.company
    company.write(
        {
            "ai_cash_enabled": True,
            "ai_cash_auto_apply": True,
            "ai_cash_threshold": 90.0,
            "ai_cash_margin": 10.0,
            "ai_llm_enabled": False,
        }
    )
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    n_partners = max(args.items // 10, 10)
    started = time.perf_counter()
    partners = env["res.partner"].create(
        [{"name": f"Bench Customer {i:05d} SA", "is_company": True} for i in range(n_partners)]
    )
    accounts = {}
    bank_vals = []
    for partner in partners[: n_partners * 3 // 10]:
        accounts[partner.id] = iban(rng)
        bank_vals.append({"acc_number": accounts[partner.id], "partner_id": partner.id})
    env["res.partner.bank"].create(bank_vals)
    invoices = env["account.move"]
    for start in range(0, args.items, 1000):
        vals = []
        for _i in range(start, min(start + 1000, args.items)):
            vals.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[rng.randrange(n_partners)].id,
                    "invoice_date": "2026-03-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": rng.randrange(1000, 500000) / 100,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        chunk = env["account.move"].create(vals)
        chunk.action_post()
        invoices |= chunk
        env.flush_all()
        env.invalidate_all()
        print(f"  {len(invoices)} invoices posted", flush=True)
    print(f"data: {time.perf_counter() - started:.0f} s to create the invoices", flush=True)

    pool = list(invoices)
    rng.shuffle(pool)
    by_partner = {}
    for invoice in invoices:
        by_partner.setdefault(invoice.partner_id.id, []).append(invoice)
    used = set()
    line_vals, truth = [], []
    names, weights = zip(*SCENARIOS, strict=True)
    while len(line_vals) < args.lines and pool:
        scenario = rng.choices(names, weights)[0]
        invoice = pool.pop()
        if invoice.id in used:
            continue
        used.add(invoice.id)
        amount = invoice.amount_total
        vals = {"journal_id": journal.id, "date": "2026-03-12", "amount": amount}
        expected = {invoice.id}
        if scenario == "reference":
            vals["payment_ref"] = f"Payment {invoice.name} thank you"
        elif scenario == "account_only":
            if invoice.partner_id.id not in accounts:
                vals["payment_ref"] = invoice.name
            else:
                vals["account_number"] = accounts[invoice.partner_id.id]
                vals["payment_ref"] = "transfer"
        elif scenario == "name_only":
            vals["partner_name"] = invoice.partner_id.name.upper()
            vals["payment_ref"] = "payment"
        elif scenario == "typo":
            # one digit dropped: swapping two digits of a sequential number mostly gives the
            # number of another open invoice, which no engine can tell from a typo
            name = invoice.name
            vals["payment_ref"] = name[:-3] + name[-2:]
        elif scenario == "combination":
            others = [
                i for i in by_partner[invoice.partner_id.id] if i.id not in used and i != invoice
            ]
            if others:
                other = others[0]
                used.add(other.id)
                vals["amount"] = amount + other.amount_total
                vals["payment_ref"] = f"{invoice.name} {other.name}"
                expected.add(other.id)
            else:
                vals["payment_ref"] = invoice.name
        elif scenario == "partial":
            vals["amount"] = round(amount * 0.4, 2)
            vals["payment_ref"] = f"{invoice.name} part 1"
        else:
            vals["amount"] = rng.randrange(1, 99) + 0.01
            vals["payment_ref"] = "card settlement"
            expected = set()
        line_vals.append(vals)
        truth.append(expected)
    lines = env["account.bank.statement.line"].create(line_vals)
    env.flush_all()
    return company, lines, dict(zip(lines.ids, truth, strict=True))


def run(args):
    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["--addons-path", benchdb.addons_path(), "-d", args.db])
    registry = Registry(args.db)
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = Environment(cr, odoo.SUPERUSER_ID, {})
        company, lines, truth = build(env, args, rng)
        agent_user = env.ref("ai_invoicing.user_ai_agent")
        agent_env = env(user=agent_user.id, context={"allowed_company_ids": [company.id]})
        agent = agent_env["ai.invoice.agent.cash"]
        lines = lines.with_env(agent_env)
        open_items = agent_env["account.move.line"].search_count(agent._open_items_domain(company))
        print(f"{open_items} open items, {len(lines)} bank transactions", flush=True)

        results = {}
        agent._match(company, lines[:5])  # warm the registry caches (not measured)
        half = lines[: len(lines) // 2]
        with measured(agent_env, "load_full", results):
            agent._load(company, lines)
        with measured(agent_env, "match_half", results):
            agent._match(company, half)
        with measured(agent_env, "match_full", results):
            agent._match(company, lines)
        singles = lines[:20]
        single_samples = []
        for line in singles:
            with measured(agent_env, "single", results):
                agent._match(company, line)
            single_samples.append(results["single"])
        with measured(agent_env, "process", results):
            logs = agent._process(lines, "scheduled")

        decisions = {}
        for log in logs:
            decisions[log.decision] = decisions.get(log.decision, 0) + 1
        applied = agent_env["ai.cash.suggestion"].search(
            [("statement_line_id", "in", lines.ids), ("state", "=", "accepted")]
        )
        wrong = [
            s for s in applied if set(s.move_line_ids.move_id.ids) != truth[s.statement_line_id.id]
        ]
        top = agent_env["ai.cash.suggestion"].search(
            [("statement_line_id", "in", lines.ids), ("rank", "=", 1)]
        )
        top_right = sum(
            1 for s in top if set(s.move_line_ids.move_id.ids) == truth[s.statement_line_id.id]
        )
        expected_lines = sum(1 for t in truth.values() if t)

        def show(label, key, count):
            seconds, queries = results[key]
            print(
                f"{label:<46} {seconds:7.2f} s  {queries:6d} queries"
                f"  ({count / seconds:8.0f} lines/s)"
            )

        print()
        show(f"match {len(half)} lines (load + score)", "match_half", len(half))
        show(f"match {len(lines)} lines (load + score)", "match_full", len(lines))
        show("  of which loading (items, accounts, lines)", "load_full", len(lines))
        show(f"full batch of {len(lines)} (match, apply, write)", "process", len(lines))
        single_s = sum(s for s, _q in single_samples) / len(single_samples)
        single_q = sum(q for _s, q in single_samples) / len(single_samples)
        label = "single-line job, matching (mean of 20)"
        print(f"{label:<46} {single_s:7.3f} s  {single_q:6.0f} queries")
        if applied:
            per_apply = (results["process"][0] - results["match_full"][0]) / len(applied)
            print(f"{'apply + write, per applied line':<46} {per_apply:7.3f} s")
        print()
        print(f"decisions: {decisions}")
        print(
            f"applied automatically: {len(applied)}, wrong: {len(wrong)}; best suggestion right "
            f"for {top_right} of {expected_lines} lines that pay invoices"
        )
        cr.rollback()
    odoo.sql_db.close_db(args.db)


def main():
    args = parse_args()
    benchdb.main(run, args, create=not args.reuse)


if __name__ == "__main__":
    main()
