"""One ablation table from runs over disjoint task subsets of the same code.

``benchmarks/ablation.py --every 4`` and ``--every 4 --offset 1`` run two disjoint quarters of a
suite (each takes hours on 2 cores); this merges their reports, workflow by workflow, into the
figures of the union: tasks passed, success rate, mean LLM calls and prompt tokens per task,
median seconds, and each as a ratio (success: a difference in points) to the first workflow.
It refuses to merge what does not belong together: reports of different commits (as
``ablation.py`` records them), a task run twice, or unequal task sets across workflows.

Usage: python benchmarks/combine.py RUN_DIR [RUN_DIR ...] [--tasks] [--baseline WORKFLOW]

Each RUN_DIR holds ``<workflow>/report.json`` (``runs/abl45`` holds ``plan-refine/report.json``).
``--tasks`` adds a pass/fail line per task and workflow, to see which tasks a change moved.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from agentkit.evals.report import Report, TaskRun


class Mismatch(ValueError):
    """Reports that cannot be merged into one figure."""


def gather(dirs: list[Path]) -> tuple[dict[str, list[TaskRun]], dict[str, str], list[str]]:
    """Runs by workflow (in first-seen order: by directory name), the commit of each workflow, and notes on partial reports.

    Raises:
        Mismatch: different commits for one table, a task run twice for one workflow, or no report.
    """
    runs: dict[str, list[TaskRun]] = {}
    commits: dict[str, str] = {}
    notes: list[str] = []
    for d in dirs:
        paths = sorted(d.glob("*/report.json"))
        if not paths:
            raise Mismatch(f"no <workflow>/report.json under {d}")
        for path in paths:
            report = Report.load(path)
            workflow = str(report.metadata.get("workflow") or path.parent.name)
            commit = report.metadata.get("commit")
            if commit is not None:
                seen = set(commits.values()) - {str(commit)}
                if seen:
                    raise Mismatch(f"{path} ran commit {commit}, other reports ran {', '.join(sorted(seen))}")
                commits[workflow] = str(commit)
            if not report.complete:
                notes.append(f"{path}: partial ({report.n_runs} of {report.n_tasks * report.repeat} runs)")
            have = {r.id for r in runs.get(workflow, [])}
            twice = sorted(have & {r.id for r in report.tasks})
            if twice:
                raise Mismatch(f"{workflow}: {', '.join(twice)} ran twice ({path} repeats an earlier report)")
            runs.setdefault(workflow, []).extend(report.tasks)
    sets = {w: frozenset(r.id for r in rs) for w, rs in runs.items()}
    if len(set(sets.values())) > 1:
        first = next(iter(sets))
        odd = [w for w in sets if sets[w] != sets[first]]
        raise Mismatch(f"{', '.join(odd)} ran other tasks than {first} (a partial report? run it out first)")
    return runs, commits, notes


def rows(runs: dict[str, list[TaskRun]]) -> list[dict]:
    """The figures of each workflow's runs."""
    return [{"workflow": w, "n": len(rs), "passed": sum(r.passed for r in rs),
             "calls": statistics.mean(r.llm_calls for r in rs), "prompt": statistics.mean(r.prompt_tokens for r in rs),
             "median_s": statistics.median(r.seconds for r in rs)} for w, rs in runs.items()]


def table(figures: list[dict]) -> str:
    """The figures as text, with ratios to the first row."""
    base = figures[0]
    out = [f"{'workflow':<12} {'passed':>8} {'success':>8} {'LLM calls':>10} {'prompt tok':>11} {'median s':>9}"
           f"   {'pts':>6} {'x calls':>7} {'x prompt':>8} {'x time':>7}"]
    for r in figures:
        rate = r["passed"] / r["n"]
        out.append(f"{r['workflow']:<12} {r['passed']:>4}/{r['n']:<3} {rate:>8.3f} {r['calls']:>10.1f} {r['prompt']:>11.0f}"
                   f" {r['median_s']:>9.1f}   {100 * (rate - base['passed'] / base['n']):>+6.1f}"
                   f" {r['calls'] / base['calls']:>7.2f} {r['prompt'] / base['prompt']:>8.2f}"
                   f" {r['median_s'] / base['median_s']:>7.2f}")
    return "\n".join(out)


def per_task(runs: dict[str, list[TaskRun]]) -> str:
    """A line per task: pass (+) or fail (-) under each workflow, then the first failure's reason."""
    ids = sorted({r.id for rs in runs.values() for r in rs})
    by = {w: {r.id: r for r in rs} for w, rs in runs.items()}
    lines = []
    for i in ids:
        marks = " ".join("+" if by[w][i].passed else "-" for w in runs)
        why = next((by[w][i].reason for w in runs if not by[w][i].passed), "") or ""
        lines.append(f"{i:<8} {marks}  {why[:90]}")
    return f"task     {' '.join(w[0] for w in runs)}  ({', '.join(runs)})\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", type=Path, help="run directories, each with <workflow>/report.json")
    ap.add_argument("--tasks", action="store_true", help="a pass/fail line per task and workflow")
    ap.add_argument("--baseline", help="the workflow the ratios are to (default: the first, by directory name)")
    args = ap.parse_args(argv)
    try:
        runs, commits, notes = gather(args.dirs)
    except Mismatch as exc:
        print(f"combine: {exc}", file=sys.stderr)
        return 2
    if args.baseline:
        if args.baseline not in runs:
            print(f"combine: no {args.baseline!r} runs; there are: {', '.join(runs)}", file=sys.stderr)
            return 2
        runs = {args.baseline: runs[args.baseline], **runs}
    commit = next(iter(commits.values()), None)
    n = len(next(iter(runs.values())))
    print(f"{n} tasks from {', '.join(map(str, args.dirs))}; code {commit or 'not recorded'}"
          + ("" if len(commits) == len(runs) else " (some reports record no commit)"))
    for note in notes:
        print(f"note: {note}")
    print(table(rows(runs)))
    if args.tasks:
        print()
        print(per_task(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
