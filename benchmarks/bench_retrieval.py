"""Tool retrieval quality and latency on the suites' instructions, real embedder.

Recall@k: for each task, the fraction of its labelled tools (``tools`` in the
task file) found in the top k retrieved, averaged over tasks. The baseline in
the same run is offering every tool (recall 1.0 by construction, but k = all
tools' schemas in the prompt): the prompt-size cost of that is printed too.

With ``--vocabulary`` it ranks a second time with the apps each instruction names something of
(a store, a product: ``Phone.vocabulary``), as ``create_agent`` does, after the plain ranking.

Usage: python benchmarks/bench_retrieval.py [--suite single-app] [-k 5] [--vocabulary]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from agentkit.embeddings import default_embedder  # noqa: E402
from agentkit.evals import load_suite  # noqa: E402
from agentkit.tools.loading import load_registry  # noqa: E402
from agentkit.evals.runner import apply_setup  # noqa: E402
from agentkit.tools.phone import Phone  # noqa: E402
from agentkit.tools.retrieval import _NAMED_APP_BONUS, ToolIndex, apps_named  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", default="single-app")
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--vocabulary", action="store_true",
                    help="also rank with the apps each instruction names something of (the phone's vocabulary)")
    args = ap.parse_args()

    suite = load_suite(args.suite)
    registry = load_registry()
    t0 = time.perf_counter()
    index = ToolIndex(registry, default_embedder())
    build = time.perf_counter() - t0
    index.search("warm up", args.k)
    print(f"index built in {build:.1f} s (model load included)")

    if args.vocabulary:  # the baseline in the same run: the same index without the phone's vocabulary
        report(suite, index, args.k, lambda task: ())
        print(f"\n+ the phone's vocabulary (apps_named on each task's phone, bonus {_NAMED_APP_BONUS})")

        def named(task):
            phone = Phone()
            apply_setup(phone, task)
            return apps_named(task.instruction, phone.vocabulary())
    else:
        def named(task):
            return ()
    report(suite, index, args.k, named)


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
        for k in recalls:
            recalls[k].append(len(labels & set(names[:k])) / len(labels))
        top1.append(names[0] in labels)
        if labels - set(names):
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
