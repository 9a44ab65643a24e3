"""Ablation on the multi-app suite: the same tasks, model and conditions under each workflow.

Runs the suite once per workflow (plain ReAct, plan-and-execute, plan + self-refine,
supervisor, swarm) with one loaded on-device model, the simulated user approving,
denying or editing risky calls as each task says, and prints per workflow: success
rate, LLM calls, prompt tokens (and how many were evaluated after KV reuse) and
median seconds per task, each also as a ratio to plain ReAct in the same run.
Reports go to ``runs/ablation/<workflow>/report.json``.

Usage: python benchmarks/ablation.py [--workflows react,plan,plan+refine,supervisor,swarm,plan-tools]
       [--every N] [--offset I] [--suite multi-app] [--model NAME]

``--every N`` keeps every N-th task (ids in suite order, starting with the first, or with
the task at index ``--offset``), a fixed subset for a quicker comparison; the table says
which tasks ran. ``--every 4 --offset 1`` is a second subset, disjoint from ``--every 4``.
``benchmarks/ablation_at.sh COMMIT OUT ...`` runs it on one commit's code from a worktree, so the
checkout can change during the hours a run takes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from agentkit import create_agent  # noqa: E402
from agentkit.evals import answer_confirmations  # noqa: E402
from agentkit.embeddings import default_embedder  # noqa: E402
from agentkit.evals import load_suite, run_suite  # noqa: E402
from agentkit.evals.tasks import Suite  # noqa: E402
from agentkit.models import DEFAULT_MODEL, load_model  # noqa: E402
from agentkit.tools.loading import load_registry  # noqa: E402
from agentkit.tools.phone import APPS  # noqa: E402
from agentkit.tools.retrieval import ToolIndex  # noqa: E402
from agentkit.workflow import Workflow  # noqa: E402

WORKFLOWS = ("react", "plan", "plan+refine", "supervisor", "swarm")
VARIANTS = {"plan-tools": Workflow(kind="plan", plan_tools=128),
            "plan-tools+refine": Workflow(kind="plan", refine=True, plan_tools=128)}
"""Extra workflows by name: the planner names each step's function (``Workflow.plan_tools``)."""


def code_version() -> str | None:
    """The commit of the code this script runs (``+dirty`` with uncommitted changes); None outside git."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha + ("+dirty" if dirty else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workflows", default=",".join(WORKFLOWS), help="comma-separated, first is the baseline")
    ap.add_argument("--every", type=int, default=1, help="keep every N-th task")
    ap.add_argument("--offset", type=int, default=0, help="index of the first task kept (with --every)")
    ap.add_argument("--suite", default="multi-app")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--out", default="runs/ablation")
    args = ap.parse_args()

    suite = load_suite(args.suite)
    if args.every < 1 or not 0 <= args.offset < args.every:
        ap.error("--every must be >= 1 and 0 <= --offset < --every")
    tasks = suite.tasks[args.offset:: args.every]
    suite = Suite(name=suite.name, description=suite.description, tasks=tasks)
    registry = load_registry()
    index = ToolIndex(registry, default_embedder(), default_apps=APPS)
    model = load_model(args.model)
    version = code_version()
    rows = []
    for workflow in args.workflows.split(","):
        def solve(phone, instruction, *, confirm, workflow=workflow):
            agent = create_agent(model, registry, device=phone, index=index, workflow=VARIANTS.get(workflow, workflow),
                                 confirm=True)
            return answer_confirmations(agent, agent.run(instruction), list(confirm))

        t0 = time.perf_counter()
        report = run_suite(suite, solve, out_dir=Path(args.out) / workflow.replace("+", "-"), model=args.model,
                           metadata={"workflow": workflow, "every": args.every, "offset": args.offset,
                                     "commit": version}, progress=True)
        runs = report.tasks
        rows.append({
            "workflow": workflow, "n": len(runs), "passed": sum(r.passed for r in runs),
            "calls": statistics.mean(r.llm_calls for r in runs),
            "prompt": statistics.mean(r.prompt_tokens for r in runs),
            "evaluated": statistics.mean((r.prompt_tokens_evaluated or 0) for r in runs),
            "median_s": statistics.median(r.seconds for r in runs), "wall_s": time.perf_counter() - t0,
        })
        print(f"{workflow}: {rows[-1]['passed']}/{len(runs)} passed, wall {rows[-1]['wall_s']:.0f} s", flush=True)
        table(rows, f"{args.suite}: {len(tasks)} tasks (every {args.every}, from index {args.offset}), "
                    f"model {args.model}")


def table(rows: list[dict], title: str) -> None:
    """The rows so far, with ratios to the first (the baseline)."""
    base = rows[0]
    print(f"\n{title}, baseline {base['workflow']}")
    print(f"{'workflow':<12} {'success':>8} {'LLM calls':>10} {'prompt tok':>11} {'evaluated':>10} {'median s':>9}"
          f"   {'x calls':>7} {'x prompt':>8} {'x time':>7}")
    for r in rows:
        print(f"{r['workflow']:<12} {r['passed'] / r['n']:>8.3f} {r['calls']:>10.1f} {r['prompt']:>11.0f} "
              f"{r['evaluated']:>10.0f} {r['median_s']:>9.1f}   {r['calls'] / base['calls']:>7.2f} "
              f"{r['prompt'] / base['prompt']:>8.2f} {r['median_s'] / base['median_s']:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
