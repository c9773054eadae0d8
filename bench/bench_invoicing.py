#!/usr/bin/env python3
"""Invoice drafting: ai_invoicing's queue jobs vs ``sale.order._create_invoices``.

Builds identical pairs of confirmed orders in a fresh database, validates their
deliveries (each validation in its own committed transaction, the AI trigger on
for one order of the pair and off for its twin) and drafts one invoice per order:

* AI path: the job the validation enqueued, performed exactly as queue_job's
  runner does it: the runner's ``UPDATE ... state='enqueued'``, then
  ``RunJobController._acquire_job`` (load, set_started, store, commit, lock) and
  ``RunJobController._runjob`` (perform in a savepoint, set_done, store, commit)
  on a fresh registry cursor;
* native path: ``sale.order._create_invoices()`` on the twin order, in its own
  transaction with a commit, as the same agent user in the same company.

Every sample starts on a new cursor (cold ORM cache) and AI / native alternate
per pair. The queries are counted with ``odoo.sql_db.sql_counter`` (every query
of every cursor of the process, commits included). With ``--sizes 200,2000``
the pairs accumulate in one database: the figures at 2,000 include the growth
from the invoices, logs and jobs already there, and each size prints its first
and last 100 pairs side by side.

After each size one extra pair is profiled: every query of the AI job and of
the native call with its call stack, grouped by origin (bench/results/), and a
second extra pair under cProfile.

``--batch N`` drafts N more orders (one customer each) through consolidated
billing (*Draft Invoices Now*, one batch job per chunk, performed like the
runner does) against ``_create_invoices`` on the N twins one by one.
``--llm`` has the agents call a loopback OpenAI-compatible server.

Usage: python3 bench/bench_invoicing.py [--sizes 200,2000] [--batch 1000] [--no-checks]
       [--llm] [--db NAME] [--keep-db] [--template NAME]
"""

import argparse
import copy
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time

import benchdb  # bench/benchdb.py: the script's folder is on sys.path

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
BUILD_CHUNK = 100
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="200,2000", help="invoices per path, cumulative (e.g. 200,2000)"
    )
    parser.add_argument("--orders", type=int, help="one size only (same as --sizes N)")
    parser.add_argument("--lines", type=int, default=3, help="lines per order")
    parser.add_argument("--customers", type=int, default=20, help="customers, round-robin")
    parser.add_argument("--block", type=int, default=100, help="pairs per growth row")
    parser.add_argument("--batch", type=int, default=0, help="orders drafted by batch jobs")
    parser.add_argument("--db", default=f"ai_invoicing_bench_{os.getpid()}")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--template",
        help="database with ai_invoicing installed to copy (made on first use)",
    )
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled pairs")
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
    args = parser.parse_args()
    args.sizes = sorted({args.orders} if args.orders else {int(s) for s in args.sizes.split(",")})
    return args


# ----------------------------------------------------------------------
# Database
# ----------------------------------------------------------------------
# ----------------------------------------------------------------------
# Samples: one committed transaction each, on a fresh cursor
# ----------------------------------------------------------------------
class Bench:
    def __init__(self, registry, args):
        import odoo

        self.odoo = odoo
        self.registry = registry
        self.args = args

    def counter(self):
        return self.odoo.sql_db.sql_counter

    def env(self, cr, uid=None, context=None):
        from odoo.api import Environment

        return Environment(cr, uid or self.odoo.SUPERUSER_ID, context or {})

    def transaction(self, func, uid=None, context=None):
        """Run ``func(env)`` in its own transaction on a new cursor, committed."""
        with self.registry.cursor() as cr:
            return func(self.env(cr, uid, context))

    def measure(self, func, uid=None, context=None):
        """(seconds, queries) of ``func(env)`` in its own committed transaction."""
        queries, started = self.counter(), time.perf_counter()
        self.transaction(func, uid, context)
        return {"s": time.perf_counter() - started, "q": self.counter() - queries}

    # -- the AI path, as queue_job's runner and its /queue_job/runjob controller do it
    def run_job(self, uuid):
        """One job: the runner's enqueued UPDATE, then the controller's acquire + runjob.

        Returns the sample with ``perform_q``/``perform_s``, the part inside the job
        function (ours); the rest is queue_job's bookkeeping.
        """
        from odoo.addons.queue_job.controllers.main import RunJobController

        sample = {}
        queries, started = self.counter(), time.perf_counter()
        self.set_job_enqueued(uuid)
        with self.registry.cursor() as cr:  # /queue_job/runjob: superuser, fresh env
            env = self.env(cr)
            job = RunJobController._acquire_job(env, uuid)
            assert job, f"job {uuid} not acquired"
            job.perform = self._timed_perform(job, sample)
            RunJobController._runjob(env, job)
        sample.update(s=time.perf_counter() - started, q=self.counter() - queries)
        return sample

    def set_job_enqueued(self, uuid):
        """The runner's UPDATE (jobrunner/runner.py), on its own connection."""
        with self.registry.cursor() as cr:
            cr.execute(
                "UPDATE queue_job SET state=%s, date_enqueued=date_trunc('seconds', "
                "now() at time zone 'utc') WHERE uuid=%s",
                ("enqueued", uuid),
            )

    def _timed_perform(self, job, sample):
        perform = job.perform

        def timed_perform():
            queries, started = self.counter(), time.perf_counter()
            result = perform()
            # what leaving _try_perform_job's savepoint flushes is still the job's work
            job.env.flush_all()
            sample["perform_s"] = time.perf_counter() - started
            sample["perform_q"] = self.counter() - queries
            return result

        return timed_perform


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------
def setup_data(env, args):
    company = env.company
    company.write(dict.fromkeys(CHECK_FIELDS, not args.no_checks))
    company.write(
        {
            "ai_invoicing_enabled": True,
            "ai_trigger_on_delivery": False,  # switched on for the AI validations only
            "ai_trigger_on_confirm": False,
            "ai_auto_post": False,  # no posting: no delivery jobs
            "ai_review_new_customers": False,
            "ai_llm_enabled": False,
            "ai_invoicing_mode": "per_delivery",
        }
    )
    # customers the checks find nothing to say about: nothing is held for review (each
    # order's goods differ from its customer's other invoices: no twin orders)
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench Customer {n}",
                "country_id": env.ref("base.be").id,
                "is_company": True,
                "email": f"bench.customer.{n}@example.com",
            }
            for n in range(args.customers)
        ]
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
            for i in range(args.lines)
        ]
    )
    stock = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1).lot_stock_id
    total = 3 * (max(args.sizes) + 40) + 2 * args.batch
    for product in products:
        env["stock.quant"]._update_available_quantity(product, stock, 4 * total + 100)
    agent = env.ref("ai_invoicing.user_ai_agent")
    admin = env.ref("base.user_admin")
    return {
        "company": company.id,
        "partners": partners.ids,
        "products": products.ids,
        "agent": agent.id,
        "admin": admin.id,
        "context": {"allowed_company_ids": [company.id]},
    }


def build_pairs(bench, data, count, offset, partners=None, copies=2):
    """``count`` sets of ``copies`` identical confirmed orders: one id list per copy (AI,
    native per order, native per chunk), built in chunks."""
    ids = [[] for _copy in range(copies)]
    for start in range(0, count, BUILD_CHUNK):
        size = min(BUILD_CHUNK, count - start)

        def build(env, start=start, size=size):
            vals = []
            for i in range(start, start + size):
                n = offset + i
                partner = partners[i] if partners else data["partners"][n % len(data["partners"])]
                vals.append(
                    {
                        "partner_id": partner,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": product,
                                    # a different basket per order of a customer (5 x 5
                                    # x 5 x 15 kinds; 20 customers: the same basket
                                    # for one customer every 7,500 orders), discounts
                                    # within the price check's 20 % tolerance
                                    "product_uom_qty": 1 + (n // 5**index) % 5,
                                    "discount": 5 + (n // 125) % 15,
                                },
                            )
                            for index, product in enumerate(data["products"])
                        ],
                    }
                )
            Order = env["sale.order"].with_company(data["company"])
            # sale.order.create writes the name into the dicts: a fresh copy per order
            orders = [Order.create(copy.deepcopy(vals)) for _copy in range(copies)]
            Order.union(*orders).action_confirm()
            for target, created in zip(ids, orders, strict=True):
                target.extend(created.ids)

        bench.transaction(build)
    return ids


def set_trigger(bench, data, on):
    def write(env):
        env["res.company"].browse(data["company"]).ai_trigger_on_delivery = on

    bench.transaction(write)


def validate_order(order_id):
    def validate(env):
        pickings = env["sale.order"].browse(order_id).picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings._action_done()

    return validate


def validate_pairs(bench, data, ai_ids, native_ids, chunk_ids=()):
    """Validate each pair's deliveries, trigger on for the AI order and off for its twin
    (alternating, measured); the per-chunk twins with the trigger off (not measured)."""
    on, off = [], []
    for index, (ai_id, native_id) in enumerate(zip(ai_ids, native_ids, strict=True)):
        runs = [(True, ai_id, on), (False, native_id, off)]
        for trigger, order_id, samples in runs if index % 2 else reversed(runs):
            set_trigger(bench, data, trigger)
            samples.append(bench.measure(validate_order(order_id), data["admin"], data["context"]))
    set_trigger(bench, data, False)
    for order_id in chunk_ids:
        bench.transaction(validate_order(order_id), data["admin"], data["context"])
    return on, off


def pending_job(bench, model="ai.invoice.agent.draft"):
    """uuid of the agent's next pending job (the drain job of the company), or None."""

    def read(env):
        job = env["queue.job"].search(
            [("model_name", "=", model), ("state", "=", "pending")], order="id", limit=1
        )
        return job.uuid or None

    return bench.transaction(read)


def claimed_by(bench, uuid):
    """Sale order ids of the logs the job ``uuid`` claimed."""

    def read(env):
        logs = env["ai.invoice.log"].search_fetch([("job_uuid", "=", uuid)], ["sale_order_id"])
        return logs.sale_order_id.ids

    return bench.transaction(read)


def create_invoices(order_ids, grouped=False):
    def create(env):
        env["sale.order"].browse(order_ids)._create_invoices(grouped=grouped)

    return create


def draft_pairs(bench, data, ai_ids, native_ids, chunk_ids, done_before=0):
    """Alternate per chunk: the agent's next job as the runner does it (it claims the next
    chunk of queued deliveries), the same orders' twins natively one by one (each in its
    own committed transaction), and their per-chunk twins natively in one call."""
    native_of = dict(zip(ai_ids, native_ids, strict=True))
    chunk_of = dict(zip(ai_ids, chunk_ids, strict=True))
    ai_samples, native_samples, chunk_samples = [], [], []
    started, drafted = time.monotonic(), 0
    while uuid := pending_job(bench):
        sample = {}

        def ai(sample=sample, uuid=uuid):
            sample.update(bench.run_job(uuid))
            sample["orders"] = claimed_by(bench, uuid)

        ai()
        orders = sample["orders"]
        ai_samples.append(sample)  # an empty follow-up job too: its cost counts
        if not orders:
            continue
        twins = [native_of[oid] for oid in orders]
        chunk_twins = [chunk_of[oid] for oid in orders]
        runs = [
            lambda twins=twins: native_samples.extend(
                bench.measure(create_invoices([oid]), data["agent"], data["context"])
                for oid in twins
            ),
            lambda chunk_twins=chunk_twins: chunk_samples.append(
                dict(
                    bench.measure(
                        create_invoices(chunk_twins, grouped=True),
                        data["agent"],
                        data["context"],
                    ),
                    n=len(chunk_twins),
                )
            ),
        ]
        for func in runs if len(ai_samples) % 2 else reversed(runs):
            func()
        drafted += len(orders)
        print(
            f"  {done_before + drafted:>6} drafted ({time.monotonic() - started:.0f} s): "
            f"job of {len(orders)}: {sample['s'] * 1000 / len(orders):.1f} ms "
            f"{sample['q'] / len(orders):.1f} q per invoice",
            flush=True,
        )
    return ai_samples, native_samples, chunk_samples


# ----------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------
def mean_ms(samples, key="s"):
    return statistics.mean(s[key] for s in samples) * 1000


def median_ms(samples):
    return statistics.median(s["s"] for s in samples) * 1000


def mean_q(samples, key="q"):
    return statistics.mean(s[key] for s in samples)


def per_invoice(samples, key="s"):
    """(ms, queries) per invoice of samples that each drafted ``n`` (or ``orders``)."""
    count = sum(len(s["orders"]) if "orders" in s else s.get("n", 1) for s in samples)
    return (
        sum(s[key] for s in samples) * 1000 / count,
        sum(s["q"] for s in samples) / count,
    )


def ratio_row(label, ai, native):
    (ai_ms, ai_q), (nat_ms, nat_q) = ai, native
    return (
        f"{label:<34} {ai_ms:8.1f} {nat_ms:8.1f} {ai_ms / nat_ms:7.2f} x {ai_ms - nat_ms:+7.1f}"
        f"   {ai_q:7.1f} {nat_q:7.1f} {ai_q - nat_q:+7.1f}"
    )


def pair_row(label, ai, native):
    return ratio_row(label, (mean_ms(ai), mean_q(ai)), (mean_ms(native), mean_q(native)))


HEADER = (
    f"{'per invoice':<34} {'AI ms':>8} {'nat ms':>8} {'ratio':>9} {'diff':>7}"
    f"   {'AI q':>7} {'nat q':>7} {'diff':>7}"
)


def report_size(size, ai, native, chunk, val_on, val_off, block):
    print()
    print(f"=== {size} invoices per path (all so far, cumulative) ===")
    print(HEADER)
    ai_inv = per_invoice(ai)
    print(ratio_row("AI jobs vs native per order", ai_inv, per_invoice(native)))
    print(ratio_row("AI jobs vs native per chunk", ai_inv, per_invoice(chunk)))
    print(pair_row("validation on / off", val_on, val_off))
    jobs = [s for s in ai if s["orders"]]
    sizes = [len(s["orders"]) for s in jobs]
    inside = sum(s["perform_q"] for s in ai)
    total = sum(s["q"] for s in ai)
    print(
        f"AI jobs: {len(ai)} ({len(ai) - len(jobs)} empty follow-ups), chunk sizes "
        f"{min(sizes)}-{max(sizes)}; queries {total} = {inside} in the job function (ours) + "
        f"{total - inside} queue_job bookkeeping; job function time "
        f"{sum(s['perform_s'] for s in ai) * 1000 / sum(sizes):.1f} ms per invoice"
    )
    print(f"growth, by blocks of about {block} invoices (cumulative numbering):")
    print(HEADER.replace("per invoice", "invoices   "))
    done, start, rows = 0, 0, []
    for index, sample in enumerate(jobs):
        done += len(sample["orders"])
        if done - start >= block or index == len(jobs) - 1:
            rows.append((start, done, index))
            start = done
    first_job, nat_at = 0, 0
    for start, end, last_job in rows:
        block_jobs = jobs[first_job : last_job + 1]
        block_chunks = chunk[first_job : last_job + 1]
        count = end - start
        print(
            ratio_row(
                f"{start + 1}-{end} vs per order",
                per_invoice(block_jobs),
                per_invoice(native[nat_at : nat_at + count]),
            )
        )
        print(
            ratio_row(
                f"{start + 1}-{end} vs per chunk",
                per_invoice(block_jobs),
                per_invoice(block_chunks),
            )
        )
        first_job, nat_at = last_job + 1, nat_at + count


def summarize_logs(bench, order_ids):
    def read(env):
        logs = env["ai.invoice.log"].search([("sale_order_id", "in", order_ids)])
        return {
            "logs": len(logs),
            "drafted": len(logs.filtered("move_id")),
            "failed": len(logs.filtered(lambda log: log.state == "failed")),
            "review": len(logs.filtered("review_required")),
            "llm_calls": sum(logs.mapped("llm_called")),
            "tokens": sum(logs.mapped("total_tokens")),
        }

    return bench.transaction(read)


# ----------------------------------------------------------------------
# Profiles of one extra pair
# ----------------------------------------------------------------------
def profile_pair(bench, data, label, offset, chunk=10):
    """SQL origin of every query of one AI job drafting ``chunk`` deliveries and of the
    native calls on their twins one by one; then the same under cProfile."""
    import query_profile

    os.makedirs(RESULTS, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    recorders = {}

    def prepare(round_index, record_validation=False):
        """``chunk`` deliveries validated: (their pending job, native twins, chunk twins);
        baskets no other order of the run has (the twin check would hold them)."""
        ai_ids, native_ids, chunk_twins = build_pairs(
            bench, data, chunk, offset=offset + round_index * chunk, copies=3
        )
        if record_validation:
            for trigger, order_id in ((True, ai_ids[0]), (False, native_ids[0])):
                set_trigger(bench, data, trigger)
                with query_profile.QueryRecorder() as recorders[trigger]:
                    bench.measure(validate_order(order_id), data["admin"], data["context"])
            ai_ids, native_ids = ai_ids[1:], native_ids[1:]
        validate_pairs(bench, data, ai_ids, native_ids, chunk_twins)
        return pending_job(bench), native_ids, chunk_twins

    uuid, native_ids, chunk_twins = prepare(0, record_validation=True)
    with query_profile.QueryRecorder() as ai_rec:
        bench.run_job(uuid)
    with query_profile.QueryRecorder() as nat_rec:
        for oid in native_ids:
            bench.measure(create_invoices([oid]), data["agent"], data["context"])
    with query_profile.QueryRecorder() as chunk_rec:
        bench.measure(create_invoices(chunk_twins, grouped=True), data["agent"], data["context"])
    base = os.path.join(RESULTS, f"profile-{label}-{stamp}")
    with open(f"{base}-queries.json", "w") as out:
        json.dump({"ai_job": ai_rec.entries, "native": nat_rec.entries}, out, indent=1)
    text = query_profile.report(ai_rec.entries, nat_rec.entries)
    text_chunk = query_profile.report(
        ai_rec.entries, chunk_rec.entries, ("AI job", "native _create_invoices per chunk")
    )
    validation = query_profile.report(
        recorders[True].entries, recorders[False].entries, ("trigger on", "trigger off")
    )
    with open(f"{base}-validation.json", "w") as out:
        json.dump({"ai_job": recorders[True].entries, "native": recorders[False].entries}, out)
    with open(f"{base}-queries.txt", "w") as out:
        out.write(f"One AI job drafting {chunk} deliveries vs {chunk} native calls\n\n")
        out.write(text + "\n\n===== The same AI job vs one native call for the chunk =====\n")
        out.write(text_chunk + "\n\n===== Delivery validation, trigger on vs off =====\n")
        out.write(validation + "\n\nEvery query of the AI job, in order:\n")
        for entry in ai_rec.entries:
            out.write(
                f"\n[{query_profile.classify(entry)}] {entry['ms']:.2f} ms\n"
                f"  {query_profile.normalized(entry['full_query'])[:400]}\n"
                f"  {query_profile.stack_text(entry)}\n"
            )
    print(f"\n--- SQL profile: one AI job of {chunk} deliveries vs {chunk} native calls ---")
    print(text)
    print(f"\n--- the same AI job vs one native call on {chunk} twins ---")
    print(text_chunk)
    print("\n--- SQL profile of one delivery validation, trigger on vs off ---")
    print(validation)
    uuid, native_ids, _chunk_twins = prepare(1)
    stats = {}
    for name, func in (
        ("ai_job", lambda: bench.run_job(uuid)),
        (
            "native",
            lambda: [
                bench.measure(create_invoices([oid]), data["agent"], data["context"])
                for oid in native_ids
            ],
        ),
    ):
        profiler = cProfile.Profile()
        profiler.runcall(func)
        profiler.dump_stats(f"{base}-{name}.prof")
        buffer = io.StringIO()
        report = pstats.Stats(profiler, stream=buffer).sort_stats("cumulative")
        report.print_stats("ai_invoicing/(models|services)", 50)  # ours (overrides too)
        report.print_stats(60)
        stats[name] = buffer.getvalue()
    with open(f"{base}-cprofile.txt", "w") as out:
        for name, text in stats.items():
            out.write(f"===== {name} =====\n{text}\n")
    print(f"cProfile of a second chunk: {base}-cprofile.txt and {base}-*.prof")


# ----------------------------------------------------------------------
# Batch mode
# ----------------------------------------------------------------------
def run_batch(bench, data, count):
    """``count`` orders (one customer each) by consolidated billing vs one by one natively."""

    def partners(env):
        country = env.ref("base.be").id
        vals = [
            {
                "name": f"Bench Batch Customer {i}",
                "country_id": country,
                "is_company": True,
                "email": f"bench.batch.{i}@example.com",
            }
            for i in range(count)
        ]
        return env["res.partner"].create(vals).ids

    print(f"\nbatch mode: building {2 * count} orders of {count} customers ...", flush=True)
    partner_ids = bench.transaction(partners)
    ai_ids, native_ids = build_pairs(bench, data, count, 0, partner_ids)
    for order_id in ai_ids + native_ids:  # trigger off: nothing enqueued
        bench.transaction(validate_order(order_id), data["admin"], data["context"])
    print(f"  built and validated; drafting {count} orders in batch jobs ...", flush=True)

    def draft_now(env):
        env["sale.order"].browse(ai_ids).action_ai_draft_invoices_now()

    enqueue = bench.measure(draft_now, data["admin"], data["context"])

    native_of = dict(zip(ai_ids, native_ids, strict=True))
    ai_jobs, native = [], []
    index = 0
    while uuid := pending_job(bench, "ai.invoice.agent.billing"):
        sample = bench.run_job(uuid)
        ai_jobs.append(sample)

        def chunk(env, uuid=uuid):
            logs = env["ai.invoice.log"].search(
                [("job_uuid", "=", uuid), ("agent", "=", "billing")]
            )
            return [oid for log in logs for oid in log.source_data["order_ids"]]

        twins = [native_of[oid] for oid in bench.transaction(chunk)]
        native.extend(
            bench.measure(create_invoices([oid]), data["agent"], data["context"]) for oid in twins
        )
        index += 1
        print(f"  batch job {index} and its {len(twins)} native twins done", flush=True)
    ai_s = enqueue["s"] + sum(s["s"] for s in ai_jobs)
    ai_q = enqueue["q"] + sum(s["q"] for s in ai_jobs)
    nat_s, nat_q = sum(s["s"] for s in native), sum(s["q"] for s in native)
    logs = summarize_logs(bench, ai_ids)
    print(f"\n=== batch mode: {count} orders, {len(ai_jobs)} batch jobs ===")
    print(f"AI invoices drafted: {logs['drafted']} (failed {logs['failed']})")
    print(
        f"{'':<30} {'total s':>8} {'ms/order':>9} {'queries':>8} {'q/order':>8}\n"
        f"{'batch jobs (+ Draft Now)':<30} {ai_s:8.1f} {ai_s * 1000 / count:9.1f} "
        f"{ai_q:8d} {ai_q / count:8.1f}\n"
        f"{'native one by one':<30} {nat_s:8.1f} {nat_s * 1000 / count:9.1f} "
        f"{nat_q:8d} {nat_q / count:8.1f}\n"
        f"{'ratio batch / native':<30} {ai_s / nat_s:8.2f} x{'':<10}{ai_q / nat_q:8.2f} x\n"
        f"(Draft Now itself: {enqueue['s'] * 1000:.0f} ms, {enqueue['q']} queries)"
    )


# ----------------------------------------------------------------------
def start_fake_llm(company, count):
    """Enable the LLM for ``company`` against a scripted loopback server."""
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
    server.script(*[completion(answer, prompt_tokens=600, completion_tokens=80)] * (count + 10))
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


def run(args):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["--addons-path", benchdb.addons_path(), "-d", args.db])
    registry = Registry(args.db)
    bench = Bench(registry, args)
    data = bench.transaction(lambda env: setup_data(env, args))
    fake_llm = None
    if args.llm:
        calls = 2 * sum(args.sizes) + 10
        fake_llm = bench.transaction(
            lambda env: start_fake_llm(env["res.company"].browse(data["company"]), calls)
        )
    mode = ("LLM" if args.llm else "rules-only") + (", checks off" if args.no_checks else "")
    print(f"mode: {mode}; sizes {args.sizes}; {args.lines} lines per order", flush=True)
    ai_all, native_all, chunk_all, on_all, off_all, ai_orders = [], [], [], [], [], []
    profiled = []
    done = 0
    for size in args.sizes:
        count = size - done
        started = time.monotonic()
        print(f"\nbuilding {3 * count} confirmed orders ...", flush=True)
        ai_ids, native_ids, chunk_ids = build_pairs(bench, data, count, offset=done, copies=3)
        print(f"  built in {time.monotonic() - started:.0f} s; validating ...", flush=True)
        on, off = validate_pairs(bench, data, ai_ids, native_ids, chunk_ids)
        print(f"  validated in {time.monotonic() - started:.0f} s; drafting ...", flush=True)
        ai, native, chunk = draft_pairs(
            bench, data, ai_ids, native_ids, chunk_ids, done_before=done
        )
        ai_all += ai
        native_all += native
        chunk_all += chunk
        on_all += on
        off_all += off
        ai_orders += ai_ids
        done = size
        report_size(size, ai_all, native_all, chunk_all, on_all, off_all, args.block)
        logs = summarize_logs(bench, ai_orders)
        print(
            f"AI logs {logs['logs']}, invoices drafted {logs['drafted']}, failed "
            f"{logs['failed']}, held for review {logs['review']}; LLM calls per invoice "
            f"{logs['llm_calls'] / max(logs['logs'], 1):.2f}, tokens per invoice "
            f"{logs['tokens'] / max(logs['logs'], 1):.1f}",
            flush=True,
        )
        if not args.no_profile:
            profile_pair(bench, data, f"{size}", offset=max(args.sizes) + 20 * len(profiled))
            profiled.append(size)
    if args.batch:
        run_batch(bench, data, args.batch)
    if fake_llm:
        fake_llm.__exit__(None, None, None)
    odoo.sql_db.close_db(args.db)


def main():
    benchdb.main(run, parse_args())


if __name__ == "__main__":
    main()
