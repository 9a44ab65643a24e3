"""The ``agentkit`` command: run a request, inspect tools, run eval suites."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

from agentkit.errors import AgentkitError

__all__ = ["main"]


def _offline() -> None:
    # weights come from installed packages; never let a library reach for a hub
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _registry_and_index(args: argparse.Namespace, *, need_index: bool = True) -> tuple[Any, Any]:
    from agentkit.tools.loading import load_registry

    registry = load_registry()
    if not need_index:
        return registry, None
    from agentkit.embeddings import default_embedder
    from agentkit.tools.phone import APPS
    from agentkit.tools.retrieval import ToolIndex

    return registry, ToolIndex(registry, default_embedder(), default_apps=APPS)


def cmd_run(args: argparse.Namespace) -> int:
    from agentkit import create_agent
    from agentkit.models import load_model
    from agentkit.models.weights import cache_dir
    from agentkit.tools.phone import Phone, diff

    phone_path = Path(args.phone) if args.phone else cache_dir() / "phone.sqlite"
    phone_path.parent.mkdir(parents=True, exist_ok=True)
    phone = Phone(phone_path)
    if args.reset:
        phone.reset()
    before = phone.state()
    registry, index = _registry_and_index(args)
    jsonl = args.json and args.stream  # stdout holds only JSON Lines then
    print(f"model: {args.model}   phone: {phone_path}", file=sys.stderr if jsonl else sys.stdout, flush=True)
    agent = create_agent(load_model(args.model), registry, device=phone, index=index, top_k=args.top_k,
                         max_steps=args.max_steps, checkpointer=args.checkpoints, workflow=args.workflow,
                         confirm=True)
    out = sys.stderr if jsonl else sys.stdout
    if args.stream:
        done = _print_events(agent.stream(args.text, thread_id=args.thread), as_json=args.json)
        result = done.data["result"]
    else:
        result = agent.run(args.text, thread_id=args.thread)
    while result.pending:  # risky calls wait for the person at the terminal (or --yes)
        decisions = {p["id"]: _ask(p, args.yes, out) for p in result.pending}
        if args.stream:
            done = _print_events(agent.stream_resume(result.thread_id, decisions), as_json=args.json)
            result = done.data["result"]
        else:
            result = agent.resume(result.thread_id, decisions)
    changes = diff(before, phone.state())
    phone.close()
    if jsonl:
        print(json.dumps({**done.to_dict(), "changes": [str(c) for c in changes]}, ensure_ascii=False, default=str))
        return 0 if result.error is None else 1
    if args.json:
        out = result.to_dict()
        out["changes"] = [str(c) for c in changes]
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return 0 if result.error is None else 1
    for step in result.steps if not args.stream else []:  # streamed steps were shown as they came
        if step.kind != "answer":
            print(f"[{step.kind}] {step.text}")
    print()
    print(f"answer: {result.answer if result.answer is not None else '(none)'}")
    if result.error:
        print(f"stopped: {result.error}")
    print(f"device changes ({len(changes)}):")
    for c in changes:
        print(f"  {c}")
    if not changes:
        print("  (none)")
    print(f"\n{result.llm_calls} model calls, {result.prompt_tokens} prompt tokens "
          f"({result.prompt_tokens_evaluated} evaluated), {result.completion_tokens} generated, "
          f"{result.seconds:.1f} s, thread {result.thread_id}")
    return 0 if result.error is None else 1


def _ask(pending: dict, yes: bool, out: Any) -> Any:
    """The user's decision on one pending call: y(es), n(o) or e(dit) with JSON arguments; EOF denies."""
    print(f"[confirm] {pending['description']}", file=out, flush=True)
    if pending.get("preview"):  # what the call gave when rehearsed without effect
        print(f"  it would give: {'; '.join(pending['preview'].splitlines())[:300]}", file=out, flush=True)
    if yes:
        print("  approved (--yes)", file=out, flush=True)
        return "approve"
    while True:
        try:
            answer = input("  run it? [y]es / [n]o / [e]dit: ").strip().lower()
        except EOFError:
            print("  denied (no answer)", file=out, flush=True)
            return "deny"
        if answer in ("y", "yes"):
            return "approve"
        if answer in ("n", "no"):
            return "deny"
        if answer in ("e", "edit"):
            try:
                changed = json.loads(input('  arguments to change, as JSON (e.g. {"body": "..."}): '))
            except EOFError:
                return "deny"
            except json.JSONDecodeError as exc:
                print(f"  not JSON: {exc}", file=out, flush=True)
                continue
            if isinstance(changed, dict):
                return {"edit": changed}
            print("  give a JSON object of argument: value", file=out, flush=True)


def _print_events(events: Iterable[Any], *, as_json: bool, out: Any = None, tokens: bool = True,
                  indent: str = "") -> Any:
    """Print a turn's events as they arrive (one JSON object a line with ``as_json``).

    Tokens are printed inline, every other event on a line of its own.

    Args:
        events: The turn's events, ending with ``done``.
        as_json: One JSON object a line instead of text.
        out: Where to print (default: standard output).
        tokens: False leaves the tokens out (``eval --trace``: the steps, not the prose).
        indent: Put before every line of text.

    Returns:
        The ``done`` event, not printed.
    """
    out = out or sys.stdout
    inline = False
    for event in events:
        if event.kind == "done":
            if inline:
                print(file=out, flush=True)
            return event
        if as_json:
            print(json.dumps(event.to_dict(), ensure_ascii=False, default=str), file=out, flush=True)
        elif event.kind == "token":
            if tokens:
                out.write(event.data["text"])
                out.flush()
                inline = True
        else:
            if inline:
                print(file=out)
                inline = False
            print(indent + _event_line(event).replace("\n", "\n" + indent), file=out, flush=True)
    raise AgentkitError("the agent's event stream ended without a 'done' event")


def _event_line(event: Any) -> str:
    """One event (not a token) as a line of text."""
    d = event.data
    if event.kind == "step":
        where = f" {d['step']}: {d.get('text') or ''}".rstrip() if "step" in d else ""
        return f"[step] {d.get('node')}{where}"
    if event.kind == "plan":
        return "[plan]" + "".join(
            f"\n  {s.get('id')}. {s.get('text')}" + (f" (after {', '.join(map(str, s['depends_on']))})"
                                                    if s.get("depends_on") else "")
            for s in d.get("steps", []) if isinstance(s, dict))
    if event.kind == "decision":
        return (f"[decision] step {d.get('step')}: {d.get('found') or ''} "
                f"({'holds' if d.get('holds') else 'does not hold'}) -> {d.get('action') or 'nothing to do'}")
    if event.kind == "tool_call":
        args = ", ".join(f"{k}={v!r}" for k, v in (d.get("args") or {}).items())
        return f"[call] {d.get('name')}({args})"
    if event.kind == "tool_result":
        return f"[{'result' if d.get('ok') else 'error'}] {d.get('name')} -> {d.get('content')}"
    if event.kind == "interrupt":
        value = d.get("value")
        return f"[interrupt] {value.get('description', value) if isinstance(value, dict) else value}"
    return f"[{event.kind}] {json.dumps(d, ensure_ascii=False, default=str)}"


def cmd_tools_list(args: argparse.Namespace) -> int:
    registry, _ = _registry_and_index(args, need_index=False)
    groups = registry.by_app()
    print(f"{len(registry)} tools in {len(groups)} apps")
    for app, tools in groups.items():
        if args.app and app != args.app:
            continue
        print(f"\n{app} ({len(tools)})")
        for t in tools:
            flags = "".join(f for f, on in (("W", t.changes_state), ("S", t.sensitive)) if on)
            params = ", ".join(t.parameters.get("properties", {}))
            print(f"  {t.name}({params}) [{flags or '-'}]  {t.description}")
    print("\nflags: W changes device state, S sensitive")
    return 0


def cmd_tools_search(args: argparse.Namespace) -> int:
    _, index = _registry_and_index(args)
    for i, hit in enumerate(index.search(args.query, args.k), 1):
        print(f"{i}. {hit.tool.name:24s} {hit.score:.3f}  [{hit.tool.app}] {hit.tool.description}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from agentkit import create_agent
    from agentkit.evals import answer_confirmations, format_table, load_suite, run_suite
    from agentkit.models import load_model

    suite = load_suite(args.suite)
    registry, index = _registry_and_index(args)
    model = load_model(args.model, kv_reuse=not args.no_kv_reuse)

    def solve(phone: Any, instruction: str, *, confirm: list | None = None) -> Any:
        # the simulated user answers confirmation prompts with the task's decisions, then approves
        agent = create_agent(model, registry, device=phone, index=index, top_k=args.top_k, max_steps=args.max_steps,
                             workflow=args.workflow, confirm=True)
        if not args.trace:
            return answer_confirmations(agent, agent.run(instruction), list(confirm or []))
        def traced(events: Iterable[Any]) -> Any:  # the turn's RunResult, its steps shown on stderr
            return _print_events(events, as_json=False, out=sys.stderr, tokens=False, indent="  ").data["result"]

        print(f"\n[task] {instruction}", file=sys.stderr, flush=True)
        result = answer_confirmations(agent, traced(agent.stream(instruction)), list(confirm or []),
                                      resume=lambda thread, answers: traced(agent.stream_resume(thread, answers)))
        print(f"  [answer] {result.answer}" + (f"\n  [error] {result.error}" if result.error else ""),
              file=sys.stderr, flush=True)
        return result

    def verdict(run: Any) -> None:
        print(f"[{'pass' if run.passed else 'FAIL'}] {run.id}" + ("" if run.passed else f": {run.reason}"),
              file=sys.stderr, flush=True)

    out = Path(args.out) if args.out else None
    try:
        report = run_suite(suite, solve, out_dir=out, repeat=args.repeat, task_filter=args.filter,
                           model=args.model, metadata={"top_k": args.top_k, "max_steps": args.max_steps,
                                                       "kv_reuse": not args.no_kv_reuse, "workflow": args.workflow},
                           progress=not args.trace, on_run=verdict if args.trace else None)
    except KeyboardInterrupt:
        print(f"\ninterrupted; partial report in {out / 'report.json'}" if out else "\ninterrupted", file=sys.stderr)
        return 130
    print(format_table(report))
    if out:
        print(f"report: {out / 'report.json'}")
    return 0


def cmd_calls(args: argparse.Namespace) -> int:
    from agentkit.dryrun import DryRun
    from agentkit.models import load_model

    tools = None
    if args.tools:
        try:
            tools = json.loads(Path(args.tools).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise AgentkitError(f"cannot read tool definitions {args.tools!r}: {exc}") from None
        if isinstance(tools, dict) and "tools" in tools:
            tools = tools["tools"]
        if not isinstance(tools, list):
            raise AgentkitError(f"{args.tools!r} must hold a JSON list of tool definitions")
    try:
        source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    except OSError as exc:
        raise AgentkitError(f"cannot read {args.input!r}: {exc}") from None
    planner = DryRun(load_model(args.model), top_k=args.top_k)
    sink = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    n = errors = 0
    with source, sink:
        for record in planner.run_jsonl(source, tools):
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            n += 1
            if "error" in record:
                errors += 1
                print(f"agentkit: {record['error']}", file=sys.stderr)
    print(f"{n} lines, {errors} errors", file=sys.stderr)
    return 1 if errors else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    from agentkit.models.weights import DEFAULT_MODEL

    p = argparse.ArgumentParser(prog="agentkit", description="AI agents that operate phone apps.")
    sub = p.add_subparsers(dest="command", required=True)

    def agent_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--model", default=DEFAULT_MODEL, help="model name or .gguf path (default: %(default)s)")
        sp.add_argument("--top-k", type=int, default=5, help="tools shown to the model per turn")
        sp.add_argument("--max-steps", type=int, default=8, help="most model calls per turn")
        sp.add_argument("--workflow", default="react", choices=["react", "plan", "plan+refine", "supervisor", "swarm"],
                        help="agent topology (default: %(default)s)")

    r = sub.add_parser("run", help="handle one request on the simulated phone")
    r.add_argument("text", help="what the user says")
    agent_opts(r)
    r.add_argument("--phone", help="phone state file (default: ~/.cache/agentkit/phone.sqlite)")
    r.add_argument("--reset", action="store_true", help="reset the phone to its initial data first")
    r.add_argument("--thread", help="continue this conversation thread")
    r.add_argument("--checkpoints", help="SQLite file for conversation checkpoints")
    r.add_argument("--json", action="store_true", help="print the result as JSON")
    r.add_argument("--yes", action="store_true",
                   help="approve every risky call (payments, sending, calls, deleting) without asking")
    r.add_argument("--stream", action="store_true",
                   help="print events as they happen (with --json: one JSON object per event per line)")
    r.set_defaults(func=cmd_run)

    t = sub.add_parser("tools", help="list or search the tool registry")
    tsub = t.add_subparsers(dest="tools_command", required=True)
    tl = tsub.add_parser("list", help="list tools grouped by app")
    tl.add_argument("--app", help="only this app")
    tl.set_defaults(func=cmd_tools_list)
    ts = tsub.add_parser("search", help="the tools retrieval would offer for a query")
    ts.add_argument("query")
    ts.add_argument("-k", type=int, default=5)
    ts.set_defaults(func=cmd_tools_search)

    e = sub.add_parser("eval", help="run an eval suite judged by the phone's final state")
    e.add_argument("--suite", required=True, help="suite name (smoke, single-app, multi-app) or JSON path")
    e.add_argument("--out", help="directory for report.json")
    agent_opts(e)
    e.add_argument("--repeat", type=int, default=1, help="runs per task (for pass^k)")
    e.add_argument("--filter", help="only task ids matching this glob or substring")
    e.add_argument("--no-kv-reuse", action="store_true", help="re-evaluate the whole prompt each call")
    e.add_argument("--trace", action="store_true",
                   help="print each run's plan, calls, results, decisions and critiques to stderr, then its verdict")
    e.set_defaults(func=cmd_eval)

    c = sub.add_parser("calls", help="dry run: the tool calls the agent's first turn would make, executing nothing")
    c.add_argument("--tools", help="JSON file of OpenAI-style tool definitions (a line's own 'tools' wins)")
    c.add_argument("--input", required=True, help='JSONL of {"id", "messages": [...]} ("-" for stdin)')
    c.add_argument("--output", default="-", help='JSONL of {"id", "calls": [...]} (default: stdout)')
    c.add_argument("--model", default=DEFAULT_MODEL, help="model name or .gguf path (default: %(default)s)")
    c.add_argument("--top-k", type=int, default=5, help="tools shown to the model per line")
    c.set_defaults(func=cmd_calls)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agentkit`` command."""
    _offline()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AgentkitError as exc:
        print(f"agentkit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
