"""Run a suite: a fresh phone per task, the caller's ``solve``, the judge, a report.

``solve(phone, instruction)`` is whatever drives the agent; the runner only
reads these attributes of what it returns (all optional, duck-typed):
``answer``, ``llm_calls``, ``prompt_tokens``, ``completion_tokens``,
``prompt_tokens_evaluated``, ``cloud_calls``, ``error``, ``tool_calls``, ``plan``, ``reflections``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import inspect
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from tqdm import tqdm

from agentkit.errors import ConfigurationError
from agentkit.evals.judge import describe_change, judge
from agentkit.evals.report import Report, TaskRun, write_json_atomic
from agentkit.evals.tasks import Suite, Task
from agentkit.tools.phone import Phone, diff

__all__ = ["answer_confirmations", "apply_setup", "run_suite", "run_task", "select_tasks"]

REPORT_FILE = "report.json"


def run_suite(
    suite: Suite,
    solve: Callable[[Phone, str], Any],
    *,
    out_dir: Path | None = None,
    repeat: int = 1,
    progress: bool = True,
    task_filter: str | None = None,
    model: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    make_phone: Callable[[], Phone] | None = None,
    on_run: Callable[[TaskRun], None] | None = None,
) -> Report:
    """Run every task of ``suite`` (``repeat`` times each) and judge it.

    Each run gets a fresh phone with the task's ``setup`` applied. An exception
    from ``solve`` fails that run (reason ``"Type: message"``) and the suite goes
    on; ``KeyboardInterrupt`` stops it, leaving the partial ``report.json``.

    Args:
        suite: The suite, e.g. from :func:`~agentkit.evals.load_suite`.
        solve: Called as ``solve(phone, instruction)``; returns the agent's
            result (see the module doc for the attributes read).
        out_dir: If given, ``out_dir/report.json`` is written (atomically)
            after every run and at the end.
        repeat: Runs per task (k, for pass^k); at least 1.
        progress: Show a tqdm bar on stderr with the running success rate.
        task_filter: Only tasks whose id matches: a shell glob
            (``"messages-*"``) if it has ``*?[``, else a substring.
        model: Recorded in the report.
        metadata: Recorded in the report (JSON values).
        make_phone: Builds the phone for each run; defaults to
            ``agentkit.tools.phone.Phone`` (the default seed).
        on_run: Called with each judged run as it finishes (after the report is written).

    Returns:
        The :class:`~agentkit.evals.Report`.

    Raises:
        ConfigurationError: ``repeat`` < 1, ``task_filter`` selects nothing,
            or a task's ``setup`` does not fit the phone (checked before any run).
    """
    if repeat < 1:
        raise ConfigurationError(f"repeat must be at least 1, got {repeat!r}")
    tasks = select_tasks(suite, task_filter)
    if make_phone is None:
        make_phone = Phone
    # A broken setup is the suite's fault: find it before spending model time.
    for task in tasks:
        if task.setup:
            phone = make_phone()
            try:
                apply_setup(phone, task)
            finally:
                _close(phone)
    report = Report(
        suite=suite.name,
        model=model,
        started_at=_now(),
        repeat=repeat,
        n_tasks=len(tasks),
        metadata=dict(metadata or {}),
    )
    report_path = Path(out_dir) / REPORT_FILE if out_dir is not None else None
    if report_path is not None:
        write_json_atomic(report_path, report.to_dict())

    bar = tqdm(total=len(tasks) * repeat, file=sys.stderr, disable=not progress, unit="run",
               desc=suite.name, dynamic_ncols=True)
    try:
        for task in tasks:
            for k in range(repeat):
                bar.set_description(f"{suite.name} {task.id}")
                report.tasks.append(run_task(task, solve, make_phone=make_phone, repeat_index=k))
                if report_path is not None:
                    write_json_atomic(report_path, report.to_dict())
                if on_run is not None:
                    on_run(report.tasks[-1])
                bar.update(1)
                bar.set_postfix_str(
                    f"pass {report.n_passed}/{report.n_runs} ({report.success_rate:.0%})"
                )
    finally:
        bar.close()
    report.finished_at = _now()
    if report_path is not None:
        write_json_atomic(report_path, report.to_dict())
    return report


def run_task(
    task: Task,
    solve: Callable[[Phone, str], Any],
    *,
    make_phone: Callable[[], Phone],
    repeat_index: int = 0,
) -> TaskRun:
    """Run one task once on a fresh phone and judge it.

    Args:
        task: The task.
        solve: As for :func:`run_suite`.
        make_phone: Builds the fresh phone.
        repeat_index: Recorded as ``TaskRun.repeat``.

    Returns:
        The judged :class:`~agentkit.evals.report.TaskRun`.
    """
    phone = make_phone()
    try:
        return _run_on(phone, task, solve, repeat_index)
    finally:
        _close(phone)


def _run_on(phone: Phone, task: Task, solve: Callable[[Phone, str], Any], repeat_index: int) -> TaskRun:
    apply_setup(phone, task)
    initial = phone.state()
    run = TaskRun(id=task.id, repeat=repeat_index, passed=False)
    start = time.perf_counter()
    try:
        result = _solve(solve, phone, task)
    except Exception as exc:
        run.seconds = time.perf_counter() - start
        run.error = run.reason = f"{type(exc).__name__}: {exc}"
        run.changes = [describe_change(c) for c in diff(initial, phone.state())]
        return run
    run.seconds = time.perf_counter() - start
    final = phone.state()

    answer = getattr(result, "answer", None)
    run.answer = answer if answer is None else str(answer)
    run.error = _opt_str(getattr(result, "error", None))
    run.llm_calls = int(getattr(result, "llm_calls", 0) or 0)
    run.cloud_calls = int(getattr(result, "cloud_calls", 0) or 0)
    run.prompt_tokens = int(getattr(result, "prompt_tokens", 0) or 0)
    run.completion_tokens = int(getattr(result, "completion_tokens", 0) or 0)
    evaluated = getattr(result, "prompt_tokens_evaluated", None)
    run.prompt_tokens_evaluated = None if evaluated is None else int(evaluated)
    run.tool_calls = [_jsonable(c) for c in (getattr(result, "tool_calls", None) or [])]
    run.plan = [_jsonable(st) for st in (getattr(result, "plan", None) or [])]
    run.reflections = [str(r) for r in (getattr(result, "reflections", None) or [])]
    run.changes = [describe_change(c) for c in diff(initial, final)]

    verdict = judge(task, initial, final, run.answer)
    if run.error is not None:
        # An agent that gave up has not done the task, even if the state happens to fit.
        run.reason = f"agent stopped with error: {run.error}"
        if not verdict.passed:
            run.reason += f"; {verdict.reason}"
    else:
        run.passed = verdict.passed
        run.reason = verdict.reason
    return run


def _solve(solve: Callable[..., Any], phone: Phone, task: Task) -> Any:
    """Call ``solve``, passing the task's confirmation decisions when it takes a ``confirm`` keyword.

    The decisions are ``"approve"``, ``"deny"`` or ``{"edit": {...}}``, in the order the prompts
    should be answered; prompts beyond them are approved.
    """
    try:
        takes_confirm = "confirm" in inspect.signature(solve).parameters
    except (TypeError, ValueError):  # a builtin or C callable: no signature to read
        takes_confirm = False
    if takes_confirm:
        return solve(phone, task.instruction, confirm=[c.to_dict() for c in task.confirm])
    return solve(phone, task.instruction)


def apply_setup(phone: Phone, task: Task) -> None:
    """Apply ``task.setup`` to ``phone`` with ``phone.set``.

    Raises:
        ConfigurationError: A setup path does not fit the phone's state.
    """
    for path, value in task.setup.items():
        try:
            phone.set(path, value)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ConfigurationError(
                f"task {task.id!r}: setup {path!r} cannot be applied: {exc}"
            ) from exc


def select_tasks(suite: Suite, task_filter: str | None) -> list[Task]:
    """The tasks of ``suite`` whose id matches ``task_filter`` (all if None).

    Raises:
        ConfigurationError: If the filter matches no task.
    """
    if task_filter is None:
        return list(suite.tasks)
    if any(ch in task_filter for ch in "*?["):
        tasks = [t for t in suite.tasks if fnmatch.fnmatchcase(t.id, task_filter)]
    else:
        tasks = [t for t in suite.tasks if task_filter in t.id]
    if not tasks:
        raise ConfigurationError(f"no task in suite {suite.name!r} matches {task_filter!r}")
    return tasks


def _close(phone: Any) -> None:
    close = getattr(phone, "close", None)
    if close is not None:
        close()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _jsonable(value: Any) -> Any:
    """A tool call (dict, dataclass, pydantic model or object) as a JSON value."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    elif hasattr(value, "to_dict"):
        value = value.to_dict()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif not isinstance(value, (dict, list, str, int, float, bool, type(None))):
        attrs = {k: getattr(value, k) for k in ("name", "arguments", "args", "result") if hasattr(value, k)}
        value = attrs or str(value)
    return json.loads(json.dumps(value, default=str))


def answer_confirmations(agent: Any, result: Any, decisions: list, *, most: int = 12,
                         resume: Callable[[str, dict], Any] | None = None) -> Any:
    """Play the simulated user of a task's confirmations: resume a paused run with ``decisions``
    in order (then "approve") until it stops asking.

    Args:
        agent: The agent that made ``result``.
        result: Its result, perhaps paused (``pending``).
        decisions: The task's decisions, taken from the front.
        most: Most confirmation prompts answered in one turn.
        resume: Called as ``resume(thread_id, {pending id: decision})`` for the next result;
            default ``agent.resume`` (a caller that shows events passes a streaming one).

    Returns:
        The last result (it covers the whole turn). Gives up with ``error`` set after ``most`` prompts.
    """
    resume = resume or agent.resume
    asked = 0
    while result.pending:
        if asked >= most:
            result.error = f"more than {most} confirmation prompts in one turn"
            return result
        answers = {p["id"]: (decisions.pop(0) if decisions else "approve") for p in result.pending}
        asked += len(answers)
        result = resume(result.thread_id, answers)
    return result
