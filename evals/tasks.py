"""Task and suite models, and the loader that validates task files.

A suite is a JSON file ``{"name", "description", "tasks": [...]}``; the format
is documented in ``docs/TASKS.md``. :func:`load_suite` takes the name of a
suite shipped in ``agentkit/evals/suites/`` or a path to any file, and raises
:class:`~agentkit.errors.ConfigurationError` naming the file, the task and the
field for anything malformed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping

from agentkit.errors import ConfigurationError
from agentkit.evals import _match

__all__ = ["AnswerCheck", "Check", "Confirmation", "Suite", "Task", "list_suites", "load_suite", "parse_suite"]

CheckKind = Literal["equals", "added", "removed", "changed"]
_CHECK_KINDS: tuple[str, ...] = ("equals", "added", "removed", "changed")
_SUITE_KEYS = ("name", "description", "tasks")
_TASK_KEYS = ("id", "instruction", "setup", "expect", "allow", "answer", "tools", "solution", "confirm", "tags")
_ANSWER_KEYS = ("contains_any", "contains_all")
_DECISIONS = ("approve", "deny")


@dataclass(frozen=True)
class Check:
    """One condition on the final phone state."""

    path: str
    """Dotted path from the state root (``settings.wifi``, ``clock.alarms``)."""
    kind: CheckKind
    """Which form: ``equals``, ``added``, ``removed`` or ``changed``."""
    spec: Any
    """The expected value (``equals``) or the record matcher (the other forms)."""
    to: Mapping[str, Any] | None = None
    """For ``changed``: the fields the record must have afterwards."""

    def to_dict(self) -> dict[str, Any]:
        """The check as it appears in a task file."""
        out: dict[str, Any] = {"path": self.path, self.kind: self.spec}
        if self.to is not None:
            out["to"] = self.to
        return out


@dataclass(frozen=True)
class AnswerCheck:
    """What the agent's final answer must mention (case-insensitive substrings)."""

    contains_any: tuple[str, ...] = ()
    """At least one of these must appear (ignored when empty)."""
    contains_all: tuple[str, ...] = ()
    """Every one of these must appear."""

    def to_dict(self) -> dict[str, Any]:
        """The answer check as it appears in a task file."""
        out: dict[str, Any] = {}
        if self.contains_any:
            out["contains_any"] = list(self.contains_any)
        if self.contains_all:
            out["contains_all"] = list(self.contains_all)
        return out


@dataclass(frozen=True)
class Confirmation:
    """The simulated user's answer to one confirmation prompt for a sensitive tool call."""

    decision: Literal["approve", "deny", "edit"]
    """``approve``: run the call as asked; ``deny``: do not run it; ``edit``: change arguments, then run it."""
    edit: Mapping[str, Any] = field(default_factory=dict)
    """For ``edit``: argument name -> the value the user puts in its place."""

    def to_dict(self) -> str | dict[str, Any]:
        """The decision as it appears in a task file: ``"approve"``, ``"deny"`` or ``{"edit": {...}}``."""
        if self.decision == "edit":
            return {"edit": dict(self.edit)}
        return self.decision


APPROVE = Confirmation("approve")
"""The answer to every confirmation prompt a task's ``confirm`` list does not cover."""


@dataclass(frozen=True)
class Task:
    """One instruction for the agent, and how to judge the outcome."""

    id: str
    """Unique within its suite, e.g. ``messages-001``."""
    instruction: str
    """What the user says to the agent."""
    setup: Mapping[str, Any] = field(default_factory=dict)
    """Dotted path -> value, applied with ``phone.set`` over the default seed."""
    expect: tuple[Check, ...] = ()
    """Checks on the final state; all must hold."""
    allow: tuple[str, ...] = ()
    """Extra paths that may change; paths named in ``expect`` are always allowed."""
    answer: AnswerCheck | None = None
    """What the final answer must mention, for questions."""
    tools: tuple[str, ...] = ()
    """Tool names a correct solution uses (labels for retrieval recall)."""
    solution: tuple[Mapping[str, Any], ...] = ()
    """Reference tool calls ``{"name", "arguments"}`` that solve the task."""
    confirm: tuple[Confirmation, ...] = ()
    """The user's answers, in order, to the confirmation prompts for sensitive calls."""
    tags: tuple[str, ...] = ()
    """Free-form labels (``confirmation``, ``recovery``, ``conditional``, ...)."""

    def confirmation(self, index: int) -> Confirmation:
        """The user's answer to the ``index``-th (0-based) confirmation prompt; approve beyond the list."""
        return self.confirm[index] if 0 <= index < len(self.confirm) else APPROVE

    @property
    def allowed_paths(self) -> tuple[str, ...]:
        """Every path under which a change is not a failure."""
        return tuple(c.path for c in self.expect) + self.allow

    def to_dict(self) -> dict[str, Any]:
        """The task as it appears in a task file (round-trips through :func:`parse_suite`)."""
        out: dict[str, Any] = {"id": self.id, "instruction": self.instruction}
        if self.setup:
            out["setup"] = dict(self.setup)
        out["expect"] = [c.to_dict() for c in self.expect]
        if self.allow:
            out["allow"] = list(self.allow)
        if self.answer is not None:
            out["answer"] = self.answer.to_dict()
        if self.tools:
            out["tools"] = list(self.tools)
        if self.solution:
            out["solution"] = [dict(call) for call in self.solution]
        if self.confirm:
            out["confirm"] = [c.to_dict() for c in self.confirm]
        if self.tags:
            out["tags"] = list(self.tags)
        return out


@dataclass(frozen=True)
class Suite:
    """A named list of tasks."""

    name: str
    """Short name, e.g. ``single-app``."""
    tasks: tuple[Task, ...]
    """The tasks, in file order."""
    description: str = ""
    """What the suite measures."""
    source: str | None = None
    """The file it was loaded from, if any."""

    def task(self, task_id: str) -> Task:
        """The task with this id.

        Raises:
            KeyError: If there is none.
        """
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)

    def to_dict(self) -> dict[str, Any]:
        """The suite as a task file."""
        return {
            "name": self.name,
            "description": self.description,
            "tasks": [t.to_dict() for t in self.tasks],
        }


def _suites_dir() -> Any:
    return resources.files("agentkit.evals").joinpath("suites")


def list_suites() -> list[str]:
    """Names of the suites shipped with agentkit, sorted."""
    folder = _suites_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def load_suite(name_or_path: str | Path) -> Suite:
    """Load and validate a suite.

    Args:
        name_or_path: The name of a shipped suite (``"single-app"``, a file in
            ``agentkit/evals/suites/``) or the path of a JSON file. A ``Path``,
            or a string ending in ``.json`` or containing a path separator, is
            taken as a path.

    Returns:
        The validated suite.

    Raises:
        ConfigurationError: The suite does not exist, is not valid JSON, or a
            task is malformed; the message names the file, task id and field.
    """
    text_name = str(name_or_path)
    is_path = (
        isinstance(name_or_path, Path)
        or text_name.endswith(".json")
        or "/" in text_name
        or "\\" in text_name
    )
    if is_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise ConfigurationError(f"suite file {str(path)!r} does not exist")
        source, text = str(path), path.read_text(encoding="utf-8")
    else:
        entry = _suites_dir().joinpath(f"{text_name}.json")
        if not entry.is_file():
            raise ConfigurationError(
                f"unknown suite {text_name!r}; shipped suites: {list_suites()}"
            )
        source, text = f"suites/{text_name}.json", entry.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid JSON: {exc}") from None
    default_name = Path(source).stem
    return parse_suite(data, source=source, default_name=default_name)


def parse_suite(data: Any, *, source: str = "<suite>", default_name: str | None = None) -> Suite:
    """Validate a suite already read from JSON.

    Args:
        data: The decoded JSON object.
        source: Named in error messages (usually the file).
        default_name: The suite's name when ``data`` has no ``"name"``.

    Returns:
        The validated suite.

    Raises:
        ConfigurationError: For anything malformed, naming ``source``, the
            task id and the field.
    """
    if not isinstance(data, dict):
        raise ConfigurationError(f"{source}: a suite must be a JSON object, got {_type(data)}")
    _no_unknown_keys(data, _SUITE_KEYS, f"{source}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(f"{source}: 'name' must be a non-empty string, got {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigurationError(f"{source}: 'description' must be a string")
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list):
        raise ConfigurationError(f"{source}: 'tasks' must be a list, got {_type(raw_tasks)}")
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_tasks):
        task = _parse_task(raw, source, index)
        if task.id in seen:
            raise ConfigurationError(
                f"{source}: duplicate task id {task.id!r} (tasks[{seen[task.id]}] and tasks[{index}])"
            )
        seen[task.id] = index
        tasks.append(task)
    return Suite(name=name, description=description, tasks=tuple(tasks), source=source)


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _no_unknown_keys(data: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = [k for k in data if k not in known]
    if unknown:
        raise ConfigurationError(f"{where}: unknown field {unknown[0]!r}; known fields: {list(known)}")


def _string_list(value: Any, where: str, *, allow_empty_items: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and (allow_empty_items or v.strip()) for v in value
    ):
        raise ConfigurationError(f"{where} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _parse_task(raw: Any, source: str, index: int) -> Task:
    where = f"{source}: tasks[{index}]"
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: a task must be a JSON object, got {_type(raw)}")
    task_id = raw.get("id")
    if not isinstance(task_id, str) or not task_id.strip():
        raise ConfigurationError(f"{where}: missing or empty 'id' (a non-empty string)")
    where = f"{source}: task {task_id!r}"
    _no_unknown_keys(raw, _TASK_KEYS, where)

    instruction = raw.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        raise ConfigurationError(f"{where}: missing or empty 'instruction' (a non-empty string)")

    setup = raw.get("setup", {})
    if not isinstance(setup, dict):
        raise ConfigurationError(f"{where}: 'setup' must be an object of dotted path -> value")
    for key in setup:
        if not key or any(not part for part in key.split(".")):
            raise ConfigurationError(f"{where}: setup key {key!r} is not a dotted path")

    raw_expect = raw.get("expect", [])
    if not isinstance(raw_expect, list):
        raise ConfigurationError(f"{where}: 'expect' must be a list of checks")
    expect = tuple(_parse_check(c, f"{where}: expect[{i}]") for i, c in enumerate(raw_expect))

    allow = _string_list(raw.get("allow", []), f"{where}: 'allow'")

    answer = None
    if raw.get("answer") is not None:
        answer = _parse_answer(raw["answer"], f"{where}: 'answer'")

    tools = _string_list(raw.get("tools", []), f"{where}: 'tools'")

    raw_solution = raw.get("solution", [])
    if not isinstance(raw_solution, list):
        raise ConfigurationError(f"{where}: 'solution' must be a list of tool calls")
    solution = []
    for i, call in enumerate(raw_solution):
        at = f"{where}: solution[{i}]"
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise ConfigurationError(f"{at} must be an object with a string 'name', got {call!r}")
        _no_unknown_keys(call, ("name", "arguments"), at)
        if not isinstance(call.get("arguments", {}), dict):
            raise ConfigurationError(f"{at}: 'arguments' must be an object")
        if tools and call["name"] not in tools:
            raise ConfigurationError(
                f"{at}: tool {call['name']!r} is not listed in 'tools' {list(tools)}"
            )
        solution.append({"name": call["name"], "arguments": dict(call.get("arguments", {}))})

    raw_confirm = raw.get("confirm", [])
    if not isinstance(raw_confirm, list):
        raise ConfigurationError(
            f"{where}: 'confirm' must be a list of decisions (\"approve\", \"deny\" or {{\"edit\": {{...}}}}), "
            f"got {_type(raw_confirm)}"
        )
    confirm = tuple(_parse_decision(d, f"{where}: confirm[{i}]") for i, d in enumerate(raw_confirm))

    tags = _string_list(raw.get("tags", []), f"{where}: 'tags'")

    return Task(
        id=task_id,
        instruction=instruction,
        setup=dict(setup),
        expect=expect,
        allow=allow,
        answer=answer,
        tools=tools,
        solution=tuple(solution),
        confirm=confirm,
        tags=tags,
    )


def _parse_decision(raw: Any, where: str) -> Confirmation:
    if isinstance(raw, str) and raw in _DECISIONS:
        return Confirmation(raw)  # type: ignore[arg-type]
    if isinstance(raw, dict) and list(raw) == ["edit"]:
        edit = raw["edit"]
        if not isinstance(edit, dict) or not edit:
            raise ConfigurationError(
                f"{where}: 'edit' must be a non-empty object of argument -> new value, got {edit!r}"
            )
        for name in edit:
            if not name.strip():
                raise ConfigurationError(f"{where}: 'edit' has an empty argument name")
        return Confirmation("edit", dict(edit))
    raise ConfigurationError(
        f'{where} must be "approve", "deny" or {{"edit": {{argument: new value}}}}, got {raw!r}'
    )


def _parse_check(raw: Any, where: str) -> Check:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: a check must be a JSON object, got {_type(raw)}")
    path = raw.get("path")
    if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
        raise ConfigurationError(f"{where}: 'path' must be a dotted path string, got {path!r}")
    where = f"{where} ({path})"
    kinds = [k for k in raw if k in _CHECK_KINDS]
    if len(kinds) != 1:
        other = sorted(set(raw) - {"path", "to"})
        raise ConfigurationError(
            f"{where}: unknown check form; a check needs exactly one of "
            f"{list(_CHECK_KINDS)}, got {kinds or other}"
        )
    kind = kinds[0]
    known = ("path", kind, "to") if kind == "changed" else ("path", kind)
    _no_unknown_keys(raw, known, where)
    spec = raw[kind]
    to = None
    if kind == "equals":
        _validate_matcher(spec, f"{where}: 'equals'")
    else:
        _validate_record_spec(spec, f"{where}: {kind!r}")
        if kind == "changed":
            if "to" not in raw:
                raise ConfigurationError(f"{where}: a 'changed' check needs 'to'")
            to = raw["to"]
            _validate_record_spec(to, f"{where}: 'to'")
    return Check(path=path, kind=kind, spec=spec, to=to)


def _validate_record_spec(spec: Any, where: str) -> None:
    if not isinstance(spec, dict) or not spec:
        raise ConfigurationError(f"{where} must be a non-empty object of field -> matcher, got {spec!r}")
    if _match.is_operator(spec):
        raise ConfigurationError(
            f"{where} must be an object of field -> matcher, not a matcher itself: {spec!r}"
        )
    for key, value in spec.items():
        _validate_matcher(value, f"{where} field {key!r}")


def _validate_matcher(value: Any, where: str) -> None:
    try:
        _match.validate(value)
    except ValueError as exc:
        raise ConfigurationError(f"{where}: {exc}") from None


def _parse_answer(raw: Any, where: str) -> AnswerCheck:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where} must be an object, got {_type(raw)}")
    _no_unknown_keys(raw, _ANSWER_KEYS, where)
    any_ = _string_list(raw.get("contains_any", []), f"{where}: 'contains_any'")
    all_ = _string_list(raw.get("contains_all", []), f"{where}: 'contains_all'")
    if not any_ and not all_:
        raise ConfigurationError(f"{where} needs a non-empty 'contains_any' or 'contains_all'")
    return AnswerCheck(contains_any=any_, contains_all=all_)
