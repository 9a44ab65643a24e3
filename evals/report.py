"""The results of an eval run: per-task entries, aggregates, JSON and a text table.

The fields of ``report.json`` are documented in ``docs/TASKS.md``.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["Report", "TaskRun", "format_table", "write_json_atomic"]


@dataclass
class TaskRun:
    """The outcome of one task run (one repeat of one task)."""

    id: str
    """The task id."""
    repeat: int
    """Which repeat this is, from 0."""
    passed: bool
    """Whether the judge passed it."""
    reason: str | None = None
    """Why it failed (the judge's reason, the agent's error, or the exception)."""
    answer: str | None = None
    """The agent's final answer."""
    error: str | None = None
    """The message the agent stopped with, or ``"Type: message"`` if solve raised."""
    llm_calls: int = 0
    """Model calls the agent made."""
    cloud_calls: int = 0
    """Of those, calls routed to a cloud model."""
    prompt_tokens: int = 0
    """Prompt tokens over all calls."""
    completion_tokens: int = 0
    """Completion tokens over all calls."""
    prompt_tokens_evaluated: int | None = None
    """Prompt tokens actually computed (after prefix-cache hits), if the agent reports it."""
    seconds: float = 0.0
    """Wall time of the ``solve`` call."""
    tool_calls: list[Any] = field(default_factory=list)
    """The tool calls the agent made, as JSON values."""
    changes: list[str] = field(default_factory=list)
    """Every state change the run made, one line each."""
    plan: list[Any] = field(default_factory=list)
    """The agent's plan, one dict per step (``{"id", "text", "tool", "status", "result", "holds"}`` from
    agentkit's planning workflows), if it made one."""
    reflections: list[str] = field(default_factory=list)
    """The critic's findings on attempts that fell short, if the agent reports them."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return asdict(self)


@dataclass
class Report:
    """A whole eval run: metadata, per-run entries and the aggregates over them."""

    suite: str
    """The suite's name."""
    model: str | None = None
    """The model spec the caller ran, if given."""
    started_at: str = ""
    """ISO 8601 UTC time the run started."""
    finished_at: str | None = None
    """ISO 8601 UTC time the run ended; None while running (a partial report)."""
    repeat: int = 1
    """How many times each task was run (k)."""
    n_tasks: int = 0
    """Distinct tasks selected for the run."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Anything else the caller passed (router settings, git commit, ...)."""
    tasks: list[TaskRun] = field(default_factory=list)
    """One entry per run, in run order (task by task, repeats together)."""

    @property
    def complete(self) -> bool:
        """Whether the run finished (False for a report written mid-run)."""
        return self.finished_at is not None

    @property
    def n_runs(self) -> int:
        """Runs done so far (``n_tasks * repeat`` once complete)."""
        return len(self.tasks)

    @property
    def n_passed(self) -> int:
        """Runs that passed."""
        return sum(r.passed for r in self.tasks)

    @property
    def success_rate(self) -> float:
        """Passed runs / runs done, 0..1 (0 before any run)."""
        return self.n_passed / self.n_runs if self.tasks else 0.0

    def _by_task(self) -> dict[str, list[bool]]:
        out: dict[str, list[bool]] = {}
        for r in self.tasks:
            out.setdefault(r.id, []).append(r.passed)
        return out

    @property
    def pass_hat_k(self) -> float:
        """pass^k: fraction of tasks that passed every one of their runs."""
        by_task = self._by_task()
        return sum(all(v) for v in by_task.values()) / len(by_task) if by_task else 0.0

    @property
    def pass_at_k(self) -> float:
        """pass@k: fraction of tasks that passed at least one of their runs."""
        by_task = self._by_task()
        return sum(any(v) for v in by_task.values()) / len(by_task) if by_task else 0.0

    @property
    def median_seconds(self) -> float:
        """Median wall time of a run."""
        return statistics.median(r.seconds for r in self.tasks) if self.tasks else 0.0

    @property
    def llm_calls(self) -> int:
        """Total model calls."""
        return sum(r.llm_calls for r in self.tasks)

    @property
    def mean_llm_calls(self) -> float:
        """Model calls per run."""
        return self.llm_calls / self.n_runs if self.tasks else 0.0

    @property
    def cloud_calls(self) -> int:
        """Total calls routed to a cloud model."""
        return sum(r.cloud_calls for r in self.tasks)

    @property
    def cloud_share(self) -> float:
        """cloud_calls / llm_calls (0 when there were no calls)."""
        return self.cloud_calls / self.llm_calls if self.llm_calls else 0.0

    @property
    def prompt_tokens(self) -> int:
        """Total prompt tokens."""
        return sum(r.prompt_tokens for r in self.tasks)

    @property
    def completion_tokens(self) -> int:
        """Total completion tokens."""
        return sum(r.completion_tokens for r in self.tasks)

    @property
    def prompt_tokens_evaluated(self) -> int | None:
        """Total prompt tokens computed, or None if no run reported it."""
        values = [r.prompt_tokens_evaluated for r in self.tasks if r.prompt_tokens_evaluated is not None]
        return sum(values) if values else None

    _AGGREGATES = (
        "complete", "n_runs", "n_passed", "success_rate", "pass_hat_k", "pass_at_k",
        "median_seconds", "llm_calls", "mean_llm_calls", "cloud_calls", "cloud_share",
        "prompt_tokens", "completion_tokens", "prompt_tokens_evaluated",
    )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: metadata, aggregates, then ``tasks`` (one entry per run)."""
        out: dict[str, Any] = {
            "suite": self.suite,
            "model": self.model,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "repeat": self.repeat,
            "n_tasks": self.n_tasks,
        }
        for name in self._AGGREGATES:
            out[name] = getattr(self, name)
        out["metadata"] = dict(self.metadata)
        out["tasks"] = [r.to_dict() for r in self.tasks]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output (aggregates are recomputed)."""
        run_fields = {f.name for f in fields(TaskRun)}
        return cls(
            suite=data["suite"],
            model=data.get("model"),
            started_at=data.get("started_at", ""),
            finished_at=data.get("finished_at"),
            repeat=data.get("repeat", 1),
            n_tasks=data.get("n_tasks", 0),
            metadata=dict(data.get("metadata", {})),
            tasks=[TaskRun(**{k: v for k, v in r.items() if k in run_fields}) for r in data.get("tasks", [])],
        )

    @classmethod
    def load(cls, path: str | Path) -> Report:
        """Read a ``report.json`` written by :func:`~agentkit.evals.run_suite`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` via a temp file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_table(report: Report, *, reason_width: int = 70) -> str:
    """A plain-text table, one row per run, then a summary line.

    Args:
        report: The report to show.
        reason_width: Failure reasons are cut to this many characters.

    Returns:
        The table, lines joined with ``"\\n"`` (no trailing newline).
    """
    rows = []
    for r in report.tasks:
        label = r.id if report.repeat == 1 else f"{r.id}#{r.repeat}"
        rows.append((
            label,
            "pass" if r.passed else "FAIL",
            str(r.llm_calls),
            str(r.prompt_tokens + r.completion_tokens),
            f"{r.seconds:.1f}",
            "" if r.passed else _cut(r.reason or "", reason_width),
        ))
    header = ("task", "result", "calls", "tokens", "secs", "reason")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(5)]
    right = {2, 3, 4}

    def line(cells: tuple[str, ...]) -> str:
        parts = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells[:5])]
        return ("  ".join(parts) + "  " + cells[5]).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths) + ("-" * 6,))]
    out.extend(line(row) for row in rows)
    out.append("")
    out.append(summary_line(report))
    return "\n".join(out)


def summary_line(report: Report) -> str:
    """One line: passes, rate, pass^k, timing, calls, tokens, cloud share."""
    parts = [
        f"{report.suite}" + (f" [{report.model}]" if report.model else ""),
        f"{report.n_passed}/{report.n_runs} passed ({report.success_rate:.1%})",
    ]
    if report.repeat > 1:
        parts.append(f"pass^{report.repeat} {report.pass_hat_k:.1%}")
        parts.append(f"pass@{report.repeat} {report.pass_at_k:.1%}")
    parts += [
        f"median {report.median_seconds:.1f}s",
        f"{report.mean_llm_calls:.1f} calls/run",
        f"tokens {report.prompt_tokens} prompt + {report.completion_tokens} completion",
        f"cloud {report.cloud_share:.0%}",
    ]
    if not report.complete:
        parts.append("(partial)")
    return " | ".join(parts)
