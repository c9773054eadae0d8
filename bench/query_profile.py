"""Which queries a code path runs, and where each comes from (used by bench_invoicing.py).

``QueryRecorder`` hooks Odoo's cursor (``threading.current_thread().query_hooks``, the
hook Odoo's own SQL profiler uses) and keeps, for every query of the block, its text and
the call stack. ``classify`` names each query's origin:

* ``queue_job: <function>`` - queue_job's own bookkeeping (load, started, lock, store);
* ``runner: set_job_enqueued`` - the runner's UPDATE before it calls /queue_job/runjob;
* ``engine: sale.order._create_invoices`` - Odoo's engine (both paths);
* ``ours: <file>:<function>`` - the innermost ai_invoicing function that ran the query
  (an override that only calls ``super()`` is passed through: the query is the parent's);
* ``ours in engine: ...`` - our overrides' own queries inside Odoo's engine;
* ``commit`` - the flush of the final commit.

No ``odoo`` import here: this module only reads stacks. Re-read a saved profile with
``python3 bench/query_profile.py bench/results/profile-<size>-<stamp>-queries.json``.
"""

import collections
import re
import threading
import traceback

ADDON = "/ai_invoicing/"
QUEUE_JOB = "/queue_job/"
ENGINE = ("_create_invoices",)
PASS_THROUGH_FILES = ("/odoo/api.py", "/odoo/tools/", "/contextlib.py", "/odoo/orm/decorators.py")


class QueryRecorder:
    """Record the queries run in this thread inside the ``with`` block."""

    def __init__(self):
        self.entries = []

    def __enter__(self):
        thread = threading.current_thread()
        if not hasattr(thread, "query_hooks"):
            thread.query_hooks = []
        thread.query_hooks.append(self._hook)
        return self

    def __exit__(self, *exc):
        threading.current_thread().query_hooks.remove(self._hook)

    def _hook(self, cr, query, params, start, delay):
        frames = [
            (frame.filename, frame.lineno, frame.name)
            for frame in traceback.extract_stack()[:-2]
            if any(part in frame.filename for part in ("/odoo/", "/bench/", ADDON))
        ]
        try:
            full = cr._format(query, params)
        except Exception:  # noqa: BLE001 - a query we cannot render is still counted
            full = str(query)
        self.entries.append(
            {
                "query": str(query),
                "full_query": full[:2000],
                "ms": round(delay * 1000, 3),
                "stack": frames,
            }
        )


def short(frame, parent=None):
    filename, lineno, name = frame
    if name == "<lambda>" and parent:
        name = f"{parent[2]}.<lambda>"
    parts = filename.split("/")
    tail = "/".join(parts[-2:]) if parts[-2] in ("models", "controllers") else parts[-1]
    if "/addons/" in filename:
        addon = filename.split("/addons/")[-1].split("/")[0]
        tail = f"{addon}/{'/'.join(filename.split('/addons/')[-1].split('/')[1:])}"
    return f"{tail}:{name}"


def _is_ours(frame):
    return ADDON in frame[0] and "/tests/" not in frame[0]


def _own_frame(frames):
    """Index of the innermost frame of ours that runs the query itself (not via super())."""
    for index in range(len(frames) - 1, -1, -1):
        if not _is_ours(frames[index]):
            continue
        deeper = [f for f in frames[index + 1 :] if not any(p in f[0] for p in PASS_THROUGH_FILES)]
        if deeper and deeper[0][2] == frames[index][2] and not _is_ours(deeper[0]):
            continue  # ``super().name()`` of an override: the parent's query
        return index
    return None


def _engine_frame(frames):
    for index, frame in enumerate(frames):
        if frame[2] in ENGINE and "/sale" in frame[0] and not _is_ours(frame):
            return index
    return None


def phase(frames):
    """The step of our job the query belongs to: the first function of ours under ``_run``."""
    names = [f[2] for f in frames if _is_ours(f)]
    for anchor in ("_run", "_job_run"):
        if anchor in names:
            after = names[names.index(anchor) + 1 :]
            return after[0] if after else anchor
    return names[0] if names else None


FLUSH = {
    "sql_db.py": {"flush"},
    "environments.py": {"flush", "flush_all", "_recompute_all"},
    "models.py": {"flush_model", "flush_recordset", "_flush", "_flush_search"},
}


def _flush_frame(frames):
    for index, (filename, _lineno, name) in enumerate(frames):
        if name in FLUSH.get(filename.rsplit("/", 1)[-1], ()) and "/odoo/" in filename:
            return index
    return None


def _parent(frames, index):
    ours = [f for f in frames[:index] if _is_ours(f)]
    return ours[-1] if ours else None


def classify(entry):
    frames = entry["stack"]
    flush = _flush_frame(frames)
    if flush is not None:
        return "flush @ " + _classify(frames[:flush])
    return _classify(frames)


def _classify(frames):
    own = _own_frame(frames)
    engine = _engine_frame(frames)
    if engine is not None:
        if own is not None and own > engine:
            return f"ours in engine: {short(frames[own], _parent(frames, own))}"
        return "engine: sale.order._create_invoices"
    if own is not None:
        return f"ours: {short(frames[own], _parent(frames, own))}"
    if any(f[2] == "timed_perform" for f in frames):
        return "end of the job function"
    queue_job = [f for f in frames if QUEUE_JOB in f[0]]
    if queue_job:
        return f"queue_job: {queue_job[-1][2]}"
    if any(f[2] == "set_job_enqueued" for f in frames):
        return "runner: set_job_enqueued"
    return "commit"


WORDS = re.compile(r"\s+")


def shape(query):
    """A query without its parameters, short: ``SELECT ... FROM "sale_order" ...``."""
    text = WORDS.sub(" ", query).strip()
    verb = text.split(" ", 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', text, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else ''}".strip()


def summarize(entries):
    """{origin: Counter(shape)} and the SQL time per origin."""
    by_origin = collections.defaultdict(collections.Counter)
    ms = collections.Counter()
    for entry in entries:
        origin = classify(entry)
        by_origin[origin][shape(entry["query"])] += 1
        ms[origin] += entry["ms"]
    return by_origin, ms


def normalized(query):
    return WORDS.sub(" ", query).strip()


def engine_delta(ai_entries, native_entries):
    """Engine queries the AI path runs more (+) or fewer (-) than native, by query text."""
    ai = collections.Counter(
        normalized(e["query"]) for e in ai_entries if classify(e).startswith("engine")
    )
    native = collections.Counter(
        normalized(e["query"]) for e in native_entries if classify(e).startswith("engine")
    )
    delta = collections.Counter(ai)
    delta.subtract(native)
    return {q: n for q, n in delta.items() if n}


def match(ai_entries, native_entries):
    """Mark each AI query ``shared`` when native runs the same query text, else extra.

    Engine queries are matched first; a query of ours that native runs inside its
    engine (a read our blockers made earlier, a flush at our savepoint instead of at
    the commit) is shared, not extra. Returns (flags, native queries AI never runs).
    """
    left = collections.Counter(normalized(e["query"]) for e in native_entries)
    order = sorted(
        range(len(ai_entries)), key=lambda i: not classify(ai_entries[i]).startswith("engine")
    )
    shared = [False] * len(ai_entries)
    for index in order:
        text = normalized(ai_entries[index]["query"])
        if left[text] > 0:
            left[text] -= 1
            shared[index] = True
    return shared, +left


def report(ai_entries, native_entries, labels=("AI job", "native _create_invoices")):
    """Text table: every query of the AI path by origin, against native."""
    ai, ai_ms = summarize(ai_entries)
    native, _native_ms = summarize(native_entries)
    shared, native_only = match(ai_entries, native_entries)
    extra = collections.defaultdict(collections.Counter)
    for entry, is_shared in zip(ai_entries, shared, strict=True):
        if not is_shared:
            extra[classify(entry)][shape(entry["query"])] += 1
    lines = [
        f"{labels[0]}: {len(ai_entries)} queries, {labels[1]}: {len(native_entries)} "
        f"queries, difference: {len(ai_entries) - len(native_entries):+d}",
        f"queries of the first also run by the second (same text): {sum(shared)}; "
        f"first only: {len(ai_entries) - sum(shared)}; second only: {sum(native_only.values())}",
        "",
        f"EXTRA queries of {labels[0]} (no twin in {labels[1]}), by origin:",
        f"{'origin':<78} {'n':>4}  query shapes",
    ]
    for origin in sorted(extra, key=lambda o: -sum(extra[o].values())):
        shapes = ", ".join(f"{s} x{n}" for s, n in extra[origin].most_common())
        lines.append(f"{origin:<78} {sum(extra[origin].values()):>4}  {shapes}")
    lines += ["", f"Queries of {labels[1]} that {labels[0]} does not run (by text):"]
    for query, count in native_only.most_common():
        lines.append(f"  -{count}  {query[:200]}")
    lines += [
        "",
        f"ALL queries by origin ({labels[0]} vs {labels[1]}; shared ones included):",
        f"{'origin':<78} {'AI':>4} {'nat':>4} {'diff':>5} {'AI ms':>7}  query shapes",
    ]
    origins = sorted(set(ai) | set(native), key=lambda o: ("engine" in o, o))
    for origin in origins:
        n_ai, n_nat = sum(ai[origin].values()), sum(native[origin].values())
        shapes = ", ".join(f"{s} x{n}" for s, n in (ai[origin] or native[origin]).most_common())
        lines.append(
            f"{origin:<78} {n_ai:>4} {n_nat:>4} {n_ai - n_nat:>+5} {ai_ms[origin]:>7.1f}  {shapes}"
        )
    if labels[0] == "AI job":
        phases = collections.Counter(phase(e["stack"]) or classify(e) for e in ai_entries)
        lines += ["", "AI job queries by step of _run:"]
        lines += [f"  {name:<40} {count:>4}" for name, count in phases.most_common()]
        delta = engine_delta(ai_entries, native_entries)
        lines += ["", "Engine queries that differ (AI minus native), by text (moved by our reads):"]
        for query, count in sorted(delta.items(), key=lambda item: -abs(item[1])):
            lines.append(f"  {count:+d}  {query[:220]}")
    return "\n".join(lines)


def stack_text(entry):
    return " > ".join(short(f) for f in entry["stack"] if "/bench/" not in f[0])


if __name__ == "__main__":  # python3 bench/query_profile.py bench/results/profile-...-queries.json
    import json
    import sys

    with open(sys.argv[1]) as data:
        recorded = json.load(data)
    print(report(recorded["ai_job"], recorded["native"]))
