"""Tool retrieval at scale: 1,000+ tools (built-in phone apps plus a third-party bank), real embedder.

Builds a registry of the built-in phone tools (``TOOLS``, 21 apps) and
the fictional third-party bank in ``benchmarks/data/toolbank.json`` (imported
with ``import_openai_tools``; its executor raises, since nothing is called),
then reports:

1. Indexing: the time to build a persistent ``ToolIndex`` with the real
   embedder, the time to reopen it and how many documents the reopen embeds
   (0), and how many documents changing one tool's description re-embeds
   (only that tool's) and deletes (that tool's stale ones).
2. Retrieval on the labelled requests in ``benchmarks/data/retrieval_queries.jsonl``:
   recall@1, recall@5 (a hit when any expected tool is in the top k) and MRR
   (reciprocal rank of the first expected tool, 0 beyond the fetched 10),
   and search latency p50/p95 including the query embedding, after a
   warm-up. The same figures for the built-in tools alone (the requests that
   have a built-in answer, scored on those answers) show what scale costs.
   Both are also split into two halves by a hash of the request ("dev" and
   "held-out"), so a change tuned while looking at one half can be checked
   on the other.
3. With ``--llm-baseline`` (off by default; loads the on-device model): for a
   few requests, prompt tokens and seconds to the first token when the prompt
   holds the retrieved top-5 tools, against every tool's schema (its token
   count against the context window; it does not fit) and against the
   largest number of tools that does fit (``--llm-slice N`` adds a fixed
   N-tool slice when it fits ``--llm-n-ctx``). The model is loaded with KV
   reuse off and one token to generate, so each call's wall time is the
   time to the first token of a cold prompt. A large ``--llm-n-ctx`` (such
   as 32768, the model's trained window) makes the largest prompt take
   minutes per request on a phone-class CPU.

Labelling rules for the requests: a request that names an app goes to that
app's tool; one that names none goes to the phone's own app when it has the
capability (as a phone assistant uses the default app); where several tools
are equally right (two smart-light apps, two airlines holding a booking) all
are listed. No request is copied from any tool's examples, and this script
checks that.

Usage: python benchmarks/bench_retrieval_scale.py [-k 5] [--show-misses]
       [--llm-baseline [--llm-queries 5] [--llm-n-ctx 4096] [--llm-slice 100]]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from agentkit.embeddings import default_embedder  # noqa: E402
from agentkit.tools import Tool, ToolRegistry  # noqa: E402
from agentkit.tools.openai_format import import_openai_tools  # noqa: E402
from agentkit.tools.phone import APPS, TOOLS  # noqa: E402
from agentkit.tools.retrieval import ToolIndex  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
TOOLBANK = DATA / "toolbank.json"
QUERIES = DATA / "retrieval_queries.jsonl"
TARGET_RECALL_AT_5 = 0.95
TARGET_P50_MS = 20.0
_MRR_DEPTH = 10


def load_bank() -> list[Tool]:
    """The third-party tools; calling one raises, as this benchmark never runs them."""

    def not_run(name: str, arguments: dict) -> None:
        raise RuntimeError(f"{name} is a benchmark stand-in and does nothing")

    return import_openai_tools(json.loads(TOOLBANK.read_text()), not_run)


def load_queries() -> list[dict]:
    """``[{"query", "expected"}, ...]`` from the labelled file."""
    return [json.loads(line) for line in QUERIES.read_text().splitlines() if line.strip()]


def split_of(query: str) -> str:
    """A fixed half of the requests: "dev" or "held-out", by a hash of the text."""
    return "dev" if hashlib.sha256(query.encode()).digest()[0] % 2 == 0 else "held-out"


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


class CountingEmbedder:
    """Wraps an embedder and counts the texts it embeds (same name, so a stored index is reused)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts = 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


def stored_documents(path: Path, tool_name: str) -> list[str]:
    """Ids of the documents a persistent index at ``path`` holds for one tool (read with Chroma)."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    collection = client.get_collection("tools")
    return sorted(collection.get(where={"tool": tool_name}, include=[])["ids"])


def evaluate(index: ToolIndex, queries: list[dict], k: int) -> dict:
    """Recall@1, recall@k, MRR and latencies (query embedding included) over ``queries``."""
    rows = []
    for q in queries:
        t0 = time.perf_counter()
        # k=10 for MRR; the index fetches the same 100 documents for k=5, so the time is k=5's too
        hits = index.search(q["query"], _MRR_DEPTH)
        ms = (time.perf_counter() - t0) * 1000
        names = [h.tool.name for h in hits]
        rows.append(rescore({**q, "names": names, "ms": ms}, q["expected"]))
    return summarize(rows, k)


def rescore(row: dict, expected: list[str]) -> dict:
    """A result row ranked against another list of expected tools."""
    rank = next((i + 1 for i, n in enumerate(row["names"]) if n in expected), None)
    return {**row, "expected": expected, "rank": rank}


def summarize(rows: list[dict], k: int) -> dict:
    """Aggregate per-request rows (rank of the first expected tool, latency)."""
    n = len(rows)
    ms = sorted(r["ms"] for r in rows)
    return {
        "n": n,
        "r1": sum(r["rank"] == 1 for r in rows) / n,
        "rk": sum(r["rank"] is not None and r["rank"] <= k for r in rows) / n,
        "mrr": sum(1 / r["rank"] for r in rows if r["rank"]) / n,
        "p50": statistics.median(ms),
        "p95": ms[min(n - 1, round(0.95 * (n - 1)))],
        "rows": rows,
    }


def line(label: str, s: dict, k: int) -> str:
    return (f"  {label:<28s} n={s['n']:<4d} recall@1 {s['r1']:.3f}  recall@{k} {s['rk']:.3f}  "
            f"MRR {s['mrr']:.3f}  p50 {s['p50']:.1f} ms  p95 {s['p95']:.1f} ms")


def warm_up(index: ToolIndex, queries: list[dict]) -> None:
    for q in queries[:20]:
        index.search(q["query"], _MRR_DEPTH)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--show-misses", action="store_true", help="print each request missed in the top k")
    ap.add_argument("--llm-baseline", action="store_true",
                    help="also measure prompt tokens and time to first token on the on-device model")
    ap.add_argument("--llm-queries", type=int, default=5, help="requests measured by --llm-baseline")
    ap.add_argument("--llm-n-ctx", type=int, default=4096, help="context window the model is loaded with")
    ap.add_argument("--llm-slice", type=int, default=100, help="also measure a fixed slice of this many tools, if it fits")
    args = ap.parse_args()
    k = args.k

    builtins = list(TOOLS)
    bank = load_bank()
    registry = ToolRegistry([*builtins, *bank])  # rejects a name twice
    builtin_names = {t.name for t in builtins}
    queries = load_queries()
    unknown = sorted({n for q in queries for n in q["expected"] if n not in registry})
    if unknown:
        raise SystemExit(f"{QUERIES.name} expects tools that are not registered: {unknown}")
    examples = {_normal(e) for t in registry for e in t.examples}
    copied = [q["query"] for q in queries if _normal(q["query"]) in examples]

    print(f"registry: {len(registry)} tools in {len({t.app for t in registry})} apps "
          f"({len(builtins)} built-in tools in {len({t.app for t in builtins})} apps, "
          f"{len(bank)} third-party tools in {len({t.app for t in bank})} apps)")
    n_builtin_q = sum(all(n in builtin_names for n in q["expected"]) for q in queries)
    n_bank_q = sum(all(n not in builtin_names for n in q["expected"]) for q in queries)
    print(f"requests: {len(queries)} ({n_builtin_q} built-in targets, {n_bank_q} third-party, "
          f"{len(queries) - n_builtin_q - n_bank_q} either); identical to a tool example: {len(copied)}"
          + (f" {copied}" if copied else ""))
    print()

    embedder = default_embedder()
    t0 = time.perf_counter()
    embedder.embed(["load the model"])
    print(f"embedder {embedder.name}: model loaded in {time.perf_counter() - t0:.1f} s, {embedder.threads} thread(s)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index"
        counting = CountingEmbedder(embedder)
        t0 = time.perf_counter()
        index = ToolIndex(registry, counting, path=path, default_apps=APPS)
        build = time.perf_counter() - t0
        documents = counting.texts
        print(f"persistent index built in {build:.1f} s: {documents} documents embedded "
              f"({documents / build:.0f}/s, {documents / len(registry):.1f} per tool)")

        reopen_counting = CountingEmbedder(embedder)
        t0 = time.perf_counter()
        index = ToolIndex(registry, reopen_counting, path=path, default_apps=APPS)
        reopen = time.perf_counter() - t0
        again = index.sync()
        print(f"reopened in {reopen * 1000:.0f} ms: {reopen_counting.texts} documents embedded on open, "
              f"sync() -> {again}")

        target = registry.get("tunely_play")
        before = stored_documents(path, target.name)
        changed = dataclasses.replace(target, description=target.description + " Works with car stereos too.")
        index.registry = ToolRegistry([changed if t.name == target.name else t for t in registry])
        t0 = time.perf_counter()
        re_embedded = index.sync()
        resync = time.perf_counter() - t0
        after = stored_documents(path, target.name)
        print(f"changed the description of {target.name}: sync() -> {re_embedded} documents re-embedded in "
              f"{resync * 1000:.0f} ms; that tool now has {len(after)} documents, "
              f"{len(set(before) - set(after))} stale ones deleted, {len(set(before) & set(after))} left over")
        index.registry = registry
        index.sync()  # back to the bank as committed
        print()

        warm_up(index, queries)
        scale = evaluate(index, queries, k)

        small = ToolIndex(ToolRegistry(builtins), embedder, path=Path(tmp) / "builtins", default_apps=APPS)
        warm_up(small, queries)
        builtin_queries = [{"query": q["query"], "expected": [n for n in q["expected"] if n in builtin_names]}
                           for q in queries if any(n in builtin_names for n in q["expected"])]
        alone = evaluate(small, builtin_queries, k)
        llm_requests = spread(queries, args.llm_queries)
        retrieved = {q["query"]: [h.tool for h in index.search(q["query"], k)] for q in llm_requests}
        # the same requests at scale, scored on their built-in answers only
        builtin_expected = {q["query"]: q["expected"] for q in builtin_queries}
        scale_on_builtin = summarize([rescore(r, builtin_expected[r["query"]])
                                      for r in scale["rows"] if r["query"] in builtin_expected], k)

    print(f"retrieval, top {k} (targets: recall@{k} >= {TARGET_RECALL_AT_5:.2f}, p50 <= {TARGET_P50_MS:.0f} ms)")
    print(line(f"all {len(registry)} tools", scale, k))
    for name, keep in (("built-in targets", lambda r: all(n in builtin_names for n in r["expected"])),
                       ("third-party targets", lambda r: all(n not in builtin_names for n in r["expected"]))):
        print(line(f"  {name}", summarize([r for r in scale["rows"] if keep(r)], k), k))
    for half in ("dev", "held-out"):
        print(line(f"  {half} half", summarize([r for r in scale["rows"] if split_of(r["query"]) == half], k), k))
    print(line(f"built-ins alone ({len(builtins)} tools)", alone, k))
    print(line("  same requests at scale", scale_on_builtin, k))
    ok_recall = scale["rk"] >= TARGET_RECALL_AT_5
    ok_p50 = scale["p50"] <= TARGET_P50_MS
    print(f"  scale vs built-ins alone: {len(registry) / len(builtins):.1f}x the tools, "
          f"p50 latency {scale['p50'] / alone['p50']:.2f}x, p95 {scale['p95'] / alone['p95']:.2f}x, "
          f"recall@{k} {scale_on_builtin['rk'] - alone['rk']:+.3f} on the built-in requests")
    print(f"  targets: recall@{k} {scale['rk']:.3f} {'meets' if ok_recall else 'MISSES'} >= {TARGET_RECALL_AT_5}, "
          f"p50 {scale['p50']:.1f} ms {'meets' if ok_p50 else 'MISSES'} <= {TARGET_P50_MS:.0f} ms")
    if args.show_misses:
        for r in scale["rows"]:
            if r["rank"] is None or r["rank"] > k:
                print(f"  miss: {r['query']!r} expects {r['expected']}, got {r['names'][:k]}")

    if args.llm_baseline:
        print()
        llm_baseline(retrieved, registry, k, args.llm_n_ctx, args.llm_slice, scale["p50"])


def spread(queries: list[dict], n: int) -> list[dict]:
    """``n`` requests taken at even steps through the file (so not all from one app)."""
    step = max(1, len(queries) // max(n, 1))
    return queries[::step][:n]


def llm_baseline(retrieved: dict[str, list[Tool]], registry: ToolRegistry, k: int,
                 n_ctx: int, slice_size: int, search_p50_ms: float) -> None:
    """Prompt tokens and time to first token: retrieved top-k tools against all (or as many as fit).

    Args:
        retrieved: For each request measured, the top-k tools the index found.
        registry: Every tool.
        k: How many tools were retrieved.
        n_ctx: Context window to load the model with.
        slice_size: Also measure the first this-many tools, if they fit.
        search_p50_ms: Median retrieval time, shown beside the top-k figure.
    """
    from langchain_core.messages import HumanMessage

    from agentkit.models import DEFAULT_MODEL, load_model

    # kv_reuse off: every call evaluates its whole prompt (a cold first step);
    # one token generated, so the wall time is the time to the first token.
    model = load_model(DEFAULT_MODEL, n_ctx=n_ctx, kv_reuse=False, max_tokens=1)
    llm = model.load()
    trained = next((int(v) for key, v in llm.metadata.items() if key.endswith(".context_length")), None)
    every = list(registry)

    def prompt_tokens(query: str, tools: list[Tool]) -> int:
        # rendered and tokenized as the backend does it (bind_tools offers Tool.schema())
        text = model._renderer.render([HumanMessage(query)], [t.schema() for t in tools] or None)
        return len(llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))

    def first_token_seconds(query: str, tools: list[Tool]) -> tuple[float, int]:
        t0 = time.perf_counter()
        reply = model.bind_tools(tools).invoke([HumanMessage(query)])
        return time.perf_counter() - t0, int(reply.usage_metadata["input_tokens"])

    def largest_fitting(query: str) -> int:
        lo, hi = 0, len(every)
        while lo < hi:  # the most leading tools whose prompt leaves room for the one token
            mid = (lo + hi + 1) // 2
            if prompt_tokens(query, every[:mid]) + 1 <= n_ctx:
                lo = mid
            else:
                hi = mid - 1
        return lo

    first_token_seconds("warm up", [])
    rows = []
    for query, top in retrieved.items():
        fit = largest_fitting(query)
        row = {"all_tokens": prompt_tokens(query, every), "fit": fit}
        row["top_s"], row["top_tokens"] = first_token_seconds(query, top)
        row["fit_s"], row["fit_tokens"] = first_token_seconds(query, every[:fit])
        if prompt_tokens(query, every[:slice_size]) + 1 <= n_ctx:
            row["slice_s"], row["slice_tokens"] = first_token_seconds(query, every[:slice_size])
        rows.append(row)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print(f"LLM baseline: {model.name_for_reports}, n_ctx {n_ctx} (trained context {trained}), "
          f"{model.n_threads} threads, {len(rows)} requests, medians")
    print(f"  top-{k} retrieved tools    {med('top_tokens'):8.0f} prompt tokens  "
          f"first token {med('top_s'):6.2f} s (+ {search_p50_ms:.0f} ms retrieval)")
    fits = med("all_tokens") + 1 <= n_ctx
    fits_trained = trained is not None and med("all_tokens") + 1 <= trained
    print(f"  all {len(every)} tools          {med('all_tokens'):8.0f} prompt tokens  "
          + (f"fits n_ctx {n_ctx}" if fits else f"does NOT fit n_ctx {n_ctx}")
          + ("" if fits_trained else f" nor the trained context {trained}")
          + f" ({med('all_tokens') / med('top_tokens'):.0f}x the top-{k} prompt)")
    print(f"  largest that fits: {med('fit'):.0f} tools {med('fit_tokens'):5.0f} prompt tokens  "
          f"first token {med('fit_s'):6.2f} s ({med('fit_s') / med('top_s'):.1f}x top-{k}; "
          f"{med('fit_tokens') / med('top_tokens'):.1f}x the tokens)")
    if all("slice_s" in r for r in rows):
        print(f"  fixed {slice_size}-tool slice   {med('slice_tokens'):8.0f} prompt tokens  "
              f"first token {med('slice_s'):6.2f} s ({med('slice_s') / med('top_s'):.1f}x top-{k}; "
              f"{med('slice_tokens') / med('top_tokens'):.1f}x the tokens)")
    else:
        print(f"  fixed {slice_size}-tool slice: does not fit n_ctx {n_ctx} (try --llm-n-ctx 32768)")


if __name__ == "__main__":
    main()
