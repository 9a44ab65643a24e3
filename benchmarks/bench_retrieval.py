"""Tool retrieval quality and latency on the suites' instructions, real embedder.

Recall@k: for each task, the fraction of its labelled tools (``tools`` in the
task file) found in the top k retrieved, averaged over tasks. The baseline in
the same run is offering every tool (recall 1.0 by construction, but k = all
tools' schemas in the prompt): the prompt-size cost of that is printed too.

With ``--vocabulary`` it ranks a second time with the apps each instruction names something of
(a store, a product: ``Phone.vocabulary``), as ``create_agent`` does, after the plain ranking.

With ``--steps FILE`` the queries are plan steps instead (JSON lines of ``task``, ``query`` and
``expected`` tools, such as ``benchmarks/data/plan_steps.jsonl``: step texts the on-device planner
wrote for multi-app tasks, labelled with the function each step needs), each ranked with its
task's phone vocabulary under ``--vocabulary``. That file's steps are the failing ones the
session-15 retrieval changes were made for, so its figures are a development set; ``plan_steps_heldout.jsonl``
holds 31 steps of later runs, labelled after those changes were made.

Usage: python benchmarks/bench_retrieval.py [--suite single-app] [-k 5] [--vocabulary] [--steps FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from agentkit.embeddings import default_embedder  # noqa: E402
from agentkit.evals import load_suite  # noqa: E402
from agentkit.tools.loading import load_registry  # noqa: E402
from agentkit.evals.runner import apply_setup  # noqa: E402
from agentkit.tools.phone import APPS, Phone  # noqa: E402
from agentkit.tools.retrieval import _NAMED_APP_BONUS, ToolIndex, apps_named  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", help="suite name or JSON path (default: single-app; multi-app with --steps)")
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--vocabulary", action="store_true",
                    help="also rank with the apps each instruction names something of (the phone's vocabulary)")
    ap.add_argument("--steps", help="JSON lines of plan steps (task, query, expected) to rank instead of the "
                                    "suite's instructions (their tasks are looked up in --suite)")
    args = ap.parse_args()

    suite = load_suite(args.suite or ("multi-app" if args.steps else "single-app"))
    if args.steps:
        suite = steps_suite(suite, args.steps)
    registry = load_registry()
    t0 = time.perf_counter()
    # steps are ranked as the agent ranks them, the phone's own apps preferred
    index = ToolIndex(registry, default_embedder(), default_apps=APPS if args.steps else ())
    build = time.perf_counter() - t0
    index.search("warm up", args.k)
    print(f"index built in {build:.1f} s (model load included)")

    if args.vocabulary:  # the baseline in the same run: the same index without the phone's vocabulary
        report(suite, index, args.k, lambda task: ())
        print(f"\n+ the phone's vocabulary (apps_named on each task's phone, bonus {_NAMED_APP_BONUS})")

        def named(task):
            phone = Phone()
            apply_setup(phone, getattr(task, "task", task))
            return apps_named(task.instruction, phone.vocabulary())
    else:
        def named(task):
            return ()
    report(suite, index, args.k, named)


def steps_suite(suite, path: str) -> SimpleNamespace:
    """The labelled steps of ``path`` as a suite: each step an "instruction" with its tools, and its
    task (whose phone gives the vocabulary)."""
    by_id = {t.id: t for t in suite.tasks}
    steps = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            row = json.loads(line)
            if row["task"] not in by_id:
                raise SystemExit(f"{path}:{i}: task {row['task']!r} is not in suite {suite.name!r} (give --suite)")
            steps.append(SimpleNamespace(id=f"{row['task']}#{i}", instruction=row["query"],
                                         tools=tuple(row["expected"]), task=by_id[row["task"]], any_of=True))
    return SimpleNamespace(name=f"{suite.name} steps ({os.path.basename(path)})", tasks=steps)


def report(suite, index: ToolIndex, k_max: int, named) -> None:
    recalls: dict[int, list[float]] = {1: [], 3: [], k_max: []}
    top1 = []
    latencies = []
    misses = []
    for task in suite.tasks:
        apps = named(task)
        t = time.perf_counter()
        hits = index.search(task.instruction, k_max, named_apps=apps)
        latencies.append((time.perf_counter() - t) * 1000)
        names = [h.tool.name for h in hits]
        labels = set(task.tools)
        for k in recalls:  # a step's labels are alternatives: finding one is enough
            found = len(labels & set(names[:k]))
            recalls[k].append(min(found, 1) if getattr(task, "any_of", False) else found / len(labels))
        top1.append(names[0] in labels)
        if (labels.isdisjoint(names) if getattr(task, "any_of", False) else labels - set(names)):
            misses.append((task.id, task.instruction, sorted(labels - set(names)), names))

    def schema_chars(tools) -> int:
        return sum(len(json.dumps({"type": "function", "function": t.schema()})) for t in tools)

    mean_k = statistics.mean(schema_chars([h.tool for h in index.search(t.instruction, k_max)])
                             for t in suite.tasks)
    registry = index.registry
    all_chars = schema_chars(list(registry))
    print(f"suite {suite.name}: {len(suite.tasks)} instructions, {len(registry)} tools")
    for k, values in sorted(recalls.items()):
        print(f"  recall@{k:<2d} {statistics.mean(values):.3f}")
    print(f"  top-1 is a labelled tool: {sum(top1) / len(top1):.3f}")
    print(f"  search latency (query embedding + Chroma): p50 {statistics.median(latencies):.1f} ms, "
          f"p90 {sorted(latencies)[int(0.9 * len(latencies))]:.1f} ms")
    print(f"  tool schemas in the prompt: top-{k_max} {mean_k:.0f} chars vs all {len(registry)} tools "
          f"{all_chars} chars ({all_chars / mean_k:.1f}x larger)")
    for tid, text, missing, got in misses:
        print(f"  miss {tid}: {text!r} needs {missing}, got {got}")


if __name__ == "__main__":
    main()
