"""The on-device backend inside the agent, against llama.cpp's own figures, same run.

Runs a suite's instructions through the agent on the default model and reports:

1. Decode speed: tokens/s the agent's backend got while generating (its own
   wall clock, including grammar checks and Python), against llama.cpp's
   own per-token decode timing (``llama_perf_context``) over the same calls,
   and against plain llama-cpp-python generation of free text.
2. KV-cache reuse: prompt tokens evaluated on steps 2+ of each task with
   reuse on, against the same agent with reuse off.

Usage: python benchmarks/bench_backend.py [--suite smoke] [--model qwen2.5-0.5b]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import llama_cpp  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402

from agentkit import create_agent  # noqa: E402
from agentkit.embeddings import default_embedder  # noqa: E402
from agentkit.evals import load_suite  # noqa: E402
from agentkit.evals.runner import apply_setup  # noqa: E402
from agentkit.models import load_model  # noqa: E402
from agentkit.tools.loading import load_registry  # noqa: E402
from agentkit.tools.phone import Phone  # noqa: E402
from agentkit.tools.retrieval import ToolIndex  # noqa: E402


def run_tasks(model, suite, registry, index) -> list[list[dict]]:
    """Per task, the response metadata of each model call, in order."""
    per_task = []
    for task in suite.tasks:
        phone = Phone()
        apply_setup(phone, task)
        agent = create_agent(model, registry, device=phone, index=index)
        result = agent.run(task.instruction)
        calls = [m.response_metadata for m in agent.history(result.thread_id) if isinstance(m, AIMessage)]
        per_task.append(calls)
        phone.close()
    return per_task


def llama_perf(model) -> tuple[int, float]:
    """(tokens decoded one at a time, milliseconds) from llama.cpp's own counters."""
    data = llama_cpp.llama_perf_context(model.load()._ctx.ctx)
    return int(data.n_eval), float(data.t_eval_ms)


def plain_generation_rate(model, n_tokens: int = 128) -> float:
    """Tokens/s of llama-cpp-python's own create_completion on free text, greedy."""
    llm = model.load()
    llm.reset()
    t0 = time.perf_counter()
    out = llm.create_completion("Write a long story about a phone that could talk.", max_tokens=n_tokens,
                                temperature=0.0)
    first_done = time.perf_counter()
    n = out["usage"]["completion_tokens"]
    # time per token excluding the short prompt: measure the prompt alone and subtract
    llm.reset()
    t1 = time.perf_counter()
    llm.create_completion("Write a long story about a phone that could talk.", max_tokens=1, temperature=0.0)
    prompt_only = time.perf_counter() - t1
    return (n - 1) / ((first_done - t0) - prompt_only)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", default="smoke")
    ap.add_argument("--model", default="qwen2.5-0.5b")
    args = ap.parse_args()

    suite = load_suite(args.suite)
    registry = load_registry()
    index = ToolIndex(registry, default_embedder())
    reuse = load_model(args.model)
    no_reuse = load_model(args.model, kv_reuse=False)

    n0, t0 = llama_perf(reuse)
    with_reuse = run_tasks(reuse, suite, registry, index)
    n1, t1 = llama_perf(reuse)
    without_reuse = run_tasks(no_reuse, suite, registry, index)
    plain = plain_generation_rate(reuse)

    calls = [c for task in with_reuse for c in task]
    gen_tokens = sum(c["completion_tokens"] for c in calls)
    gen_seconds = sum(c["decode_seconds"] for c in calls)
    agent_rate = gen_tokens / gen_seconds
    llama_rate = (n1 - n0) / ((t1 - t0) / 1000.0)

    def later_steps(per_task: list[list[dict]]) -> tuple[int, int]:
        evaluated = sum(c["prompt_tokens_evaluated"] for task in per_task for c in task[1:])
        n_steps = sum(max(0, len(task) - 1) for task in per_task)
        return evaluated, n_steps

    ev_on, steps_on = later_steps(with_reuse)
    ev_off, steps_off = later_steps(without_reuse)
    first_on = statistics.median(task[0]["prompt_seconds"] for task in with_reuse if task)
    later_on = [c["prompt_seconds"] for task in with_reuse for c in task[1:]]
    later_off = [c["prompt_seconds"] for task in without_reuse for c in task[1:]]

    print(f"model {args.model}, suite {args.suite} ({len(suite.tasks)} tasks), {os.cpu_count()} cores")
    print()
    print("decode speed (tokens/s)")
    print(f"  agent backend, own wall clock   {agent_rate:7.1f}   ({gen_tokens} tokens in {gen_seconds:.1f} s, "
          f"{sum(c.get('grammar_fallbacks', 0) for c in calls)} grammar fallbacks)")
    print(f"  llama.cpp's own decode timing   {llama_rate:7.1f}   (same calls, llama_perf_context)")
    print(f"  llama-cpp-python free text      {plain:7.1f}   (create_completion, 128 tokens)")
    print(f"  ratio agent / llama.cpp         {agent_rate / llama_rate:7.2f}   (target >= 0.90)")
    print(f"  ratio agent / free text         {agent_rate / plain:7.2f}")
    print()
    print("prompt tokens evaluated on steps 2+ of a task")
    print(f"  with KV reuse      {ev_on:6d} over {steps_on} steps ({ev_on / max(steps_on, 1):.0f}/step), "
          f"median prompt time {statistics.median(later_on) if later_on else 0:.2f} s")
    print(f"  without KV reuse   {ev_off:6d} over {steps_off} steps ({ev_off / max(steps_off, 1):.0f}/step), "
          f"median prompt time {statistics.median(later_off) if later_off else 0:.2f} s")
    print(f"  reduction          {ev_off / max(ev_on, 1):6.1f}x fewer with reuse (target >= 5x)")
    print(f"  (first step of a task: median prompt time {first_on:.2f} s)")


if __name__ == "__main__":
    main()
