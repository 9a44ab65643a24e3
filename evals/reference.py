"""A ``solve`` that replays each task's reference ``solution``: a check on the suite itself.

Running a suite with :func:`reference_solver` should pass every task whose
checks are on the state; a failure means the task's ``expect``/``allow`` or its
``solution`` is wrong. The reference has no language model, so its answer is
only the JSON of the tool results, and ``answer`` checks may fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from agentkit.errors import ConfigurationError
from agentkit.evals.tasks import Suite
from agentkit.tools.phone import Phone, default_registry
from agentkit.tools.registry import ToolRegistry, to_jsonable

__all__ = ["ReferenceResult", "reference_solver"]


@dataclass
class ReferenceResult:
    """What the reference solver returns, shaped like an agent's result."""

    answer: str | None = None
    """The tool results as JSON lines (there is no model to phrase an answer)."""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """The calls replayed, each with its ``result``."""
    error: str | None = None
    """The first tool error, if a reference call failed."""
    llm_calls: int = 0
    """Always 0: no model is involved."""


def reference_solver(suite: Suite, *, registry: ToolRegistry | None = None) -> Callable[[Phone, str], ReferenceResult]:
    """A ``solve`` for :func:`~agentkit.evals.run_suite` that replays reference solutions.

    Args:
        suite: The suite whose tasks' ``solution`` calls to replay; the task is
            found by its instruction.
        registry: Where to find the tools; defaults to every phone tool.

    Returns:
        ``solve(phone, instruction) -> ReferenceResult``. A tool error stops the
        replay and is reported as the result's ``error``.

    Raises:
        ConfigurationError: Two tasks share an instruction but not a solution.
    """
    tools = registry if registry is not None else default_registry()
    solutions: dict[str, tuple] = {}
    for task in suite.tasks:
        previous = solutions.setdefault(task.instruction, task.solution)
        if previous != task.solution:
            raise ConfigurationError(
                f"tasks share the instruction {task.instruction!r} but not the solution; "
                f"the reference solver cannot tell them apart (second: {task.id!r})"
            )

    def solve(phone: Phone, instruction: str) -> ReferenceResult:
        result = ReferenceResult()
        outputs = []
        for call in solutions.get(instruction, ()):
            entry: dict[str, Any] = {"name": call["name"], "arguments": dict(call["arguments"])}
            result.tool_calls.append(entry)
            try:
                output = tools.get(call["name"]).invoke(call["arguments"], {"phone": phone})
            except Exception as exc:  # recorded as the run's error, which fails the task
                result.error = f"{call['name']}: {type(exc).__name__}: {exc}"
                break
            entry["result"] = to_jsonable(output)
            outputs.append(json.dumps(entry["result"], ensure_ascii=False, default=str))
        result.answer = "\n".join(outputs) or None
        return result

    return solve
