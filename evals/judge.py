"""Judge one task run from the phone state before and after, and the answer.

The judge is a pure function: it never touches a phone, only the two state
dicts (``phone.state()`` before and after) and the agent's final answer. The
semantics of each check are documented in ``docs/TASKS.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from agentkit.evals import _match
from agentkit.evals._match import MISSING, describe, short
from agentkit.evals.tasks import AnswerCheck, Check, Task
from agentkit.tools.phone import diff

__all__ = ["Verdict", "judge", "describe_change"]


@dataclass(frozen=True)
class Verdict:
    """Whether a run passed, and if not, why."""

    passed: bool
    """True when every check held, nothing else changed and the answer fits."""
    reason: str | None = None
    """The failures joined with ``"; "``; None when passed."""
    failures: tuple[str, ...] = field(default=())
    """Each failure on its own, in order: checks, unexpected changes, answer."""


def judge(
    task: Task,
    initial_state: Mapping[str, Any],
    final_state: Mapping[str, Any],
    answer: str | None,
) -> Verdict:
    """Judge a run of ``task``.

    Args:
        task: The task that was run.
        initial_state: ``phone.state()`` after setup, before the agent ran.
        final_state: ``phone.state()`` after the agent finished.
        answer: The agent's final answer text, or None if it gave none.

    Returns:
        A :class:`Verdict`; its reason lists every failure, e.g.
        ``"settings.wifi is True, expected False"``.
    """
    failures: list[str] = []
    for check in task.expect:
        problem = check_state(check, initial_state, final_state)
        if problem:
            failures.append(problem)
    allowed = task.allowed_paths
    for change in diff(initial_state, final_state):
        if not any(_match.under(change.path, a) for a in allowed):
            failures.append(f"unexpected change: {describe_change(change)}")
    if task.answer is not None:
        problem = check_answer(task.answer, answer)
        if problem:
            failures.append(problem)
    if failures:
        return Verdict(passed=False, reason="; ".join(failures), failures=tuple(failures))
    return Verdict(passed=True)


def describe_change(change: Any) -> str:
    """One line for a phone ``Change``: ``"settings.wifi changed False -> True"``."""
    if change.op == "added":
        return f"{change.path} added {short(change.after)}"
    if change.op == "removed":
        return f"{change.path} removed (was {short(change.before)})"
    return f"{change.path} changed {short(change.before)} -> {short(change.after)}"


def check_state(check: Check, initial: Mapping[str, Any], final: Mapping[str, Any]) -> str | None:
    """Why ``check`` fails on this pair of states, or None if it holds."""
    if check.kind == "equals":
        actual = _match.resolve(final, check.path)
        if actual is MISSING:
            return f"{check.path} does not exist, expected {describe(check.spec)}"
        if not _match.matches(check.spec, actual):
            return f"{check.path} is {short(actual)}, expected {describe(check.spec)}"
        return None

    before, problem = _collection(initial, check.path, "before the run")
    if problem:
        return problem
    after, problem = _collection(final, check.path, "after the run")
    if problem:
        return problem
    before_ids = {_id(r) for r in before}
    after_by_id = {_id(r): r for r in after}
    spec_text = _spec_text(check.spec)

    if check.kind == "added":
        new = [r for r in after if _id(r) not in before_ids]
        hits = [r for r in new if _match.matches_record(check.spec, r)]
        if len(hits) == 1:
            return None
        reason = f"expected 1 new record in {check.path} matching {spec_text}, found {len(hits)}"
        if not hits and new:
            near = [f"{_id(r)}: {_match.record_mismatch(check.spec, r)}" for r in new[:3]]
            reason += f" (new records: {'; '.join(near)}{'; ...' if len(new) > 3 else ''})"
        elif len(hits) > 1:
            reason += f" ({', '.join(_id(r) for r in hits)})"
        return reason

    if check.kind == "removed":
        matching = [r for r in before if _match.matches_record(check.spec, r)]
        if not matching:
            return f"no record in {check.path} matched {spec_text} before the run"
        if any(_id(r) not in after_by_id for r in matching):
            return None
        ids = ", ".join(_id(r) for r in matching)
        return f"expected a record in {check.path} matching {spec_text} to be removed, but {ids} still there"

    # changed: the record is picked by its state before the run, judged after.
    candidates = [
        r for r in before if _match.matches_record(check.spec, r) and _id(r) in after_by_id
    ]
    if not candidates:
        return f"no record in {check.path} matching {spec_text} is in both states"
    problems = []
    for record in candidates:
        mismatch = _match.record_mismatch(check.to, after_by_id[_id(record)])
        if mismatch is None:
            return None
        problems.append(f"{check.path}.{_id(record)}.{mismatch}")
    return "; ".join(problems[:3])


def check_answer(spec: AnswerCheck, answer: str | None) -> str | None:
    """Why ``answer`` does not satisfy ``spec``, or None if it does."""
    if answer is None or not answer.strip():
        wanted = list(spec.contains_any or spec.contains_all)
        return f"no answer given, expected one mentioning {wanted}"
    text = answer.casefold()
    if spec.contains_any and not any(s.strip().casefold() in text for s in spec.contains_any):
        return f"answer does not mention any of {list(spec.contains_any)}"
    missing = [s for s in spec.contains_all if s.strip().casefold() not in text]
    if missing:
        return f"answer does not mention {missing}"
    return None


def _collection(state: Mapping[str, Any], path: str, when: str) -> tuple[list, str | None]:
    value = _match.resolve(state, path)
    if value is MISSING:
        # An app whose collection appears only after the run starts out empty.
        return [], None
    if not isinstance(value, list):
        return [], f"{path} is not a collection {when} (it is {short(value)})"
    return [r for r in value if isinstance(r, dict)], None


def _id(record: Mapping[str, Any]) -> str:
    return str(record.get("id"))


def _spec_text(spec: Mapping[str, Any]) -> str:
    text = json.dumps(spec, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."
