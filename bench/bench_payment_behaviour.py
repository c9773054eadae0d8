#!/usr/bin/env python3
"""Payment behaviour refresh per draft as the paid history grows, side by side.

Builds a database whose customers have paid invoices (default 1,000 -> 5,000 -> 20,000
paid invoices over 10 customers, i.e. 100 -> 2,000 each: from the 100-invoice window a
refresh reads, to twenty times it), then, at each size, for 10 drafts of 10 customers
whose payment behaviour is stale (an invoice of theirs was just paid):

* the refresh a draft triggers (``ai.payment.behaviour._get_for`` on one stale customer):
  queries and milliseconds;
* the payment-terms check of that draft with the policy on, against the same checks with
  the policy off (``account.move.ai.checks._run_batch``): extra queries and milliseconds;
* a fresh customer's read (nothing stale: no refresh);
* the scheduled run over the customers paid since its last run (10 customers).

The paid history is made fast: one invoice is posted and paid through Odoo (payment
register, reconciliation), then copied in SQL (the invoice, its receivable line and its
partial reconciliation with the payment's line), with invoice dates, due dates and payment
dates spread so that some are paid late. Only what the refresh reads is copied.

Usage: python3 bench/bench_payment_behaviour.py [--sizes 1000 5000 20000] [--customers 10]
       [--drafts 10] [--db NAME] [--template DB] [--keep-db]
"""

import argparse
import statistics
import time
from datetime import timedelta

import benchdb  # bench/benchdb.py: the script's folder is on sys.path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--drafts", type=int, default=10)
    return benchdb.add_database_args(parser, "ai_invoicing_bench_payment").parse_args()


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
def setup(env, args):
    """Customers, the policy, one invoice paid through Odoo (the template of the copies)."""
    from odoo import fields

    company = benchdb.ensure_accounting(env)
    company.write({"ai_llm_enabled": False, "ai_payment_terms_policy": False})
    env["ai.payment.term.rule"].create(
        {
            "company_id": company.id,
            "condition": "late_share",
            "payment_term_id": env.ref("account.account_payment_term_30days").id,
        }
    )
    customers = env["res.partner"].create(
        [
            {"name": f"Bench Payer {i:03d}", "is_company": True, "email": f"p{i}@b.example.com"}
            for i in range(args.customers)
        ]
    )
    today = fields.Date.context_today(env["res.partner"])
    invoice = new_invoice(env, customers[0], today - timedelta(days=40))
    invoice.action_post()
    bank = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create({"payment_date": today, "journal_id": bank.id})._create_payments()
    partial = invoice.line_ids.matched_credit_ids
    assert partial, "the template invoice is reconciled"
    # the copies get their own journal: Odoo numbers new invoices from the journal's last one
    env["account.journal"].create(
        {"name": "Bench History", "code": "BNCH", "type": "sale", "company_id": company.id}
    )
    env.cr.commit()
    return company, customers, invoice, partial, bank


def new_invoice(env, partner, day):
    return env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": day,
            "invoice_date_due": day + timedelta(days=30),
            "invoice_line_ids": [
                (0, 0, {"name": "Service", "quantity": 1, "price_unit": 500.0, "tax_ids": []})
            ],
        }
    )


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def copy_paid_invoices(env, template, partial, customers, start, count):
    """``count`` copies of ``template`` (paid), customers round-robin, numbered from
    ``start``; dates spread over two years, one in three paid 5 to 60 days late."""
    cr = env.cr
    env.flush_all()
    move_cols = _columns(cr, "account_move")
    overrides = {
        "name": "'BENCH/' || g",
        "partner_id": "cust[1 + (g %% %(n)s)]",
        "commercial_partner_id": "cust[1 + (g %% %(n)s)]",
        "date": "CURRENT_DATE - (40 + (g %% 700))",
        "invoice_date": "CURRENT_DATE - (40 + (g %% 700))",
        "invoice_date_due": "CURRENT_DATE - (10 + (g %% 700))",
        "payment_reference": "'BENCH/' || g",
        "sequence_number": "g",
        "sequence_prefix": "'BENCH/'",
        "journal_id": "(SELECT id FROM account_journal WHERE code = 'BNCH' LIMIT 1)",
    }
    select = ", ".join(overrides.get(col, f"m.{col}") for col in move_cols)
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_new ON COMMIT DROP AS
        WITH inserted AS (
            INSERT INTO account_move ({", ".join(move_cols)})
            SELECT {select}
              FROM account_move m,
                   generate_series(%(start)s, %(end)s) AS g,
                   (SELECT %(customers)s::int[] AS cust) AS c
             WHERE m.id = %(template)s
         RETURNING id, sequence_number AS g, invoice_date_due
        ) SELECT * FROM inserted
        """,
        {
            "n": len(customers),
            "start": start,
            "end": start + count - 1,
            "customers": customers.ids,
            "template": template.id,
        },
    )
    line_cols = _columns(cr, "account_move_line")
    line_overrides = {
        "move_id": "new.id",
        "move_name": "'BENCH/' || new.g",
        "journal_id": "(SELECT id FROM account_journal WHERE code = 'BNCH' LIMIT 1)",
    }
    line_select = ", ".join(line_overrides.get(col, f"l.{col}") for col in line_cols)
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
        WITH inserted AS (
            INSERT INTO account_move_line ({", ".join(line_cols)})
            SELECT {line_select}
              FROM account_move_line l, bench_new new
             WHERE l.id = %(line)s
         RETURNING id, move_id
        ) SELECT * FROM inserted
        """,
        {"line": partial.debit_move_id.id},
    )
    part_cols = _columns(cr, "account_partial_reconcile")
    part_overrides = {
        "debit_move_id": "bl.id",
        "full_reconcile_id": "NULL",
        "exchange_move_id": "NULL",
        # one in three paid 5 to 60 days late, the others on time
        "max_date": "new.invoice_date_due + CASE WHEN new.g %% 3 = 0 "
        "THEN 5 + (new.g %% 56) ELSE -2 END",
    }
    part_select = ", ".join(part_overrides.get(col, f"p.{col}") for col in part_cols)
    cr.execute(
        f"""
        INSERT INTO account_partial_reconcile ({", ".join(part_cols)})
        SELECT {part_select}
          FROM account_partial_reconcile p, bench_lines bl
          JOIN bench_new new ON new.id = bl.move_id
         WHERE p.id = %(partial)s
        """,
        {"partial": partial.id},
    )
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE account_partial_reconcile")
    cr.commit()
    env.invalidate_all()


# ---------------------------------------------------------------------------
# Measure
# ---------------------------------------------------------------------------
def counted(env, func):
    cr = env.cr
    env.flush_all()
    env.invalidate_all()
    queries, started = cr.sql_log_count, time.perf_counter()
    result = func()
    env.flush_all()
    return result, cr.sql_log_count - queries, (time.perf_counter() - started) * 1000


def measure(env, company, customers, args, bank):
    """Per draft: refresh of a stale customer, the policy check's extra cost, a fresh read."""
    Behaviour = env["ai.payment.behaviour"]
    Checks = env["account.move.ai.checks"]
    from odoo import fields

    today = fields.Date.context_today(env["res.partner"])
    drafted = customers[: args.drafts]
    # every customer's row exists; then each drafted customer gets an invoice paid now,
    # which marks its row stale (account.partial.reconcile)
    Behaviour._refresh({(company.id, c.id) for c in customers})
    Behaviour._cron_refresh()  # remembers where the reconciliations stand
    drafts = env["account.move"]
    for customer in drafted:
        paid = new_invoice(env, customer, today - timedelta(days=45))
        paid.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": today, "journal_id": bank.id})._create_payments()
        drafts |= new_invoice(env, customer, today)
    env.cr.commit()
    stale = Behaviour.search([("stale", "=", True), ("partner_id", "in", drafted.ids)])
    assert len(stale) == len(drafted), "a payment marks its customer stale"

    refresh_q, refresh_ms, check_q, check_ms, fresh_q, fresh_ms = [], [], [], [], [], []
    window = []  # (paid invoices in the figures, % paid late) of each refreshed customer
    env.cr.execute("SAVEPOINT bench_measure")
    for draft in drafts:
        pair = {(company.id, draft.commercial_partner_id.id)}
        # the refresh one draft triggers
        rows, queries, ms = counted(env, lambda pair=pair: Behaviour._get_for(pair))
        row = next(iter(rows.values()))
        window.append((row.invoices_paid, row.late_share))
        refresh_q.append(queries)
        refresh_ms.append(ms)
        # a fresh customer's read: no refresh
        _rows, queries, ms = counted(env, lambda pair=pair: Behaviour._get_for(pair))
        fresh_q.append(queries)
        fresh_ms.append(ms)
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_measure")
    env.invalidate_all()
    for draft in drafts:
        company.ai_payment_terms_policy = False
        _r, off_q, off_ms = counted(env, lambda draft=draft: Checks._run_batch(draft))
        # stale again for a like-for-like draft (the refresh above was rolled back)
        company.ai_payment_terms_policy = True
        _r, on_q, on_ms = counted(env, lambda draft=draft: Checks._run_batch(draft))
        check_q.append(on_q - off_q)
        check_ms.append(on_ms - off_ms)
    company.ai_payment_terms_policy = False
    env.cr.execute("SAVEPOINT bench_cron")
    count, cron_q, cron_ms = counted(env, Behaviour._cron_refresh)
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_cron")
    env.cr.rollback()
    env.invalidate_all()
    return {
        "window_paid": statistics.mean(w[0] for w in window),
        "late_share": statistics.mean(w[1] for w in window),
        "refresh_q": statistics.mean(refresh_q),
        "refresh_q_max": max(refresh_q),
        "refresh_ms": statistics.median(refresh_ms),
        "check_q": statistics.mean(check_q),
        "check_ms": statistics.median(check_ms),
        "fresh_q": statistics.mean(fresh_q),
        "fresh_ms": statistics.median(fresh_ms),
        "cron_customers": count,
        "cron_q": cron_q,
        "cron_ms": cron_ms,
    }


def print_table(results, customers):
    sizes = list(results)
    rows = [
        ("paid invoices per customer", "{per_customer}"),
        ("paid invoices in a customer's figures (mean)", "{window_paid:.0f}"),
        ("paid late in those figures (%, mean)", "{late_share:.1f}"),
        ("refresh of a stale customer: queries (mean)", "{refresh_q:.1f}"),
        ("refresh of a stale customer: queries (max)", "{refresh_q_max}"),
        ("refresh of a stale customer: ms (median)", "{refresh_ms:.1f}"),
        ("policy check, extra queries per draft (mean)", "{check_q:.1f}"),
        ("policy check, extra ms per draft (median)", "{check_ms:.1f}"),
        ("fresh customer read: queries (mean)", "{fresh_q:.1f}"),
        ("fresh customer read: ms (median)", "{fresh_ms:.1f}"),
        ("scheduled run: customers refreshed", "{cron_customers}"),
        ("scheduled run: queries", "{cron_q}"),
        ("scheduled run: ms", "{cron_ms:.0f}"),
    ]
    header = f"{'':48}" + "".join(f"{str(size) + ' paid':>14}" for size in sizes)
    print(header)
    print("-" * len(header))
    for label, fmt in rows:
        print(f"{label:48}" + "".join(f"{fmt.format(**results[s]):>14}" for s in sizes))
    print(f"\n{customers} customers; a refresh reads at most the latest 100 invoices each.")


def run(args):
    import odoo
    from odoo.api import Environment
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["--addons-path", benchdb.addons_path(), "-d", args.db])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = Environment(cr, odoo.SUPERUSER_ID, {})
        started = time.monotonic()
        company, customers, template, partial, bank = setup(env, args)
        results, made = {}, 1
        for size in sorted(args.sizes):
            copy_paid_invoices(env, template, partial, customers, made + 1, size - made)
            made = size
            print(f"{size} paid invoices ({time.monotonic() - started:.0f} s); measuring ...")
            results[size] = measure(env, company, customers, args, bank)
            results[size]["per_customer"] = size // len(customers)
        print()
        print_table(results, len(customers))
    odoo.sql_db.close_db(args.db)


def main():
    benchdb.main(run, parse_args())


if __name__ == "__main__":
    main()
