"""The ``multi-app`` suite: its shape, its reference solutions, how precise its checks are, and the
``confirm`` / ``tags`` task fields it introduced. No model is involved."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from agentkit.errors import ConfigurationError
from agentkit.evals import Task, judge, load_suite, parse_suite
from agentkit.evals.runner import apply_setup
from agentkit.evals.tasks import Confirmation
from agentkit.tools.phone import TOOLS, Phone, default_registry

SUITE = load_suite("multi-app")
SUITE_FILE = Path(__file__).parent.parent / "evals" / "suites" / "multi-app.json"
REGISTRY = default_registry()
APP_OF = {t.name: t.app for t in TOOLS}
SENSITIVE = {t.name for t in TOOLS if t.sensitive}
WRITES = {t.name for t in TOOLS if t.changes_state}
IDS = [t.id for t in SUITE.tasks]


def replay(task: Task, calls: list[dict[str, Any]]) -> tuple[dict, dict, str | None]:
    """Run ``calls`` on a fresh phone set up for ``task``: (initial state, final state, first error)."""
    phone = Phone()
    try:
        apply_setup(phone, task)
        initial = phone.state()
        for call in calls:
            try:
                REGISTRY.get(call["name"]).invoke(call["arguments"], {"phone": phone})
            except Exception as exc:  # a failing call fails the run, like the reference solver
                return initial, phone.state(), f"{call['name']}: {exc}"
        return initial, phone.state(), None
    finally:
        phone.close()


def passes(task: Task, calls: list[dict[str, Any]]) -> bool:
    """Whether replaying ``calls`` meets the task's state checks (answers aside)."""
    initial, final, error = replay(task, calls)
    return error is None and judge(dataclasses.replace(task, answer=None), initial, final, None).passed


# ---------------------------------------------------------------- shape


def test_suite_loads_with_enough_tasks() -> None:
    assert SUITE.name == "multi-app" and SUITE.description
    assert len(SUITE.tasks) >= 60
    assert all(re.fullmatch(r"ma-\d{3}", t.id) for t in SUITE.tasks)
    assert len({t.instruction for t in SUITE.tasks}) == len(SUITE.tasks)


def test_the_file_round_trips_through_the_loader() -> None:
    """Every field of the file, ``confirm`` and ``tags`` included, survives ``Task.to_dict``."""
    assert SUITE.to_dict()["tasks"] == json.loads(SUITE_FILE.read_text())["tasks"]
    assert parse_suite(SUITE.to_dict()).to_dict() == SUITE.to_dict()


@pytest.mark.parametrize("task", SUITE.tasks, ids=IDS)
def test_solution_uses_2_to_6_calls_over_at_least_2_apps(task: Task) -> None:
    names = [call["name"] for call in task.solution]
    assert all(name in APP_OF for name in names), names
    assert 2 <= len(names) <= 6
    assert len({APP_OF[name] for name in names}) >= 2, names
    assert set(names) <= set(task.tools) and all(name in APP_OF for name in task.tools)


def test_mix_of_call_counts_and_every_app_covered() -> None:
    counts = Counter(min(len(t.solution), 4) for t in SUITE.tasks)
    assert counts[2] >= 20 and counts[3] >= 20 and counts[4] >= 12, counts
    used = {APP_OF[call["name"]] for t in SUITE.tasks for call in t.solution}
    assert used == {t.app for t in TOOLS}


# ---------------------------------------------------------------- reference solutions


# (every solution reaching its own expected state: test_evals.py, for every shipped suite)


def test_doing_nothing_fails_every_task() -> None:
    passing = [t.id for t in SUITE.tasks if t.expect and passes(t, [])]
    assert all(t.expect for t in SUITE.tasks)
    assert not passing


def _state_changing_steps(task: Task) -> Iterator[int]:
    """Indexes of the solution calls that change the state when the solution is replayed."""
    phone = Phone()
    apply_setup(phone, task)
    for i, call in enumerate(task.solution):
        before = phone.state()
        REGISTRY.get(call["name"]).invoke(call["arguments"], {"phone": phone})
        if phone.state() != before:
            yield i
    phone.close()


@pytest.mark.parametrize("task", SUITE.tasks, ids=IDS)
def test_leaving_out_any_state_changing_step_fails(task: Task) -> None:
    solution = list(task.solution)
    steps = list(_state_changing_steps(task))
    assert steps, "a task must change something"
    for i in steps:
        assert not passes(task, solution[:i] + solution[i + 1:]), f"passes without {solution[i]}"


def _mutations(call: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Wrong versions of one argument: another person, another time, day, amount or place."""
    for key, value in call["arguments"].items():
        if key in ("to", "person") and not str(value).startswith("+"):
            yield key, "Henry Wilson" if "henry" not in str(value).lower() else "Frank Miller"
        elif key in ("time", "start_time", "new_start_time", "due_time"):
            yield key, "23:10"
        elif key in ("date", "due_date", "new_date"):
            yield key, "2026-12-09"
        elif key in ("party_size", "amount", "minutes"):
            yield key, value + 1
        elif key == "address" and call["name"] == "place_food_order":
            yield key, "Ferry Building"


@pytest.mark.parametrize("task", SUITE.tasks, ids=IDS)
def test_a_wrong_recipient_time_day_or_amount_fails(task: Task) -> None:
    solution = [copy.deepcopy(dict(call)) for call in task.solution]
    tried = []
    for i, call in enumerate(solution):
        if call["name"] not in WRITES:
            continue
        for key, wrong in _mutations(call):
            mutated = copy.deepcopy(solution)
            mutated[i]["arguments"][key] = wrong
            tried.append(f"{call['name']}.{key}={wrong!r}")
            assert not passes(task, mutated), f"passes with {tried[-1]}"


# ---------------------------------------------------------------- confirmations and tags


def test_tag_counts() -> None:
    tags = Counter(tag for t in SUITE.tasks for tag in t.tags)
    assert tags["confirmation"] >= 12 and tags["recovery"] >= 10, tags
    decisions = [{c.decision for c in t.confirm} for t in SUITE.tasks]
    assert sum("deny" in d for d in decisions) >= 4
    assert sum("edit" in d for d in decisions) >= 3
    assert set(tags) <= {"confirmation", "recovery", "conditional"}


@pytest.mark.parametrize("task", SUITE.tasks, ids=IDS)
def test_confirm_decisions_fit_the_solution(task: Task) -> None:
    """A denied call is left out of the solution, an edited one carries the edited values."""
    sensitive_calls = [call for call in task.solution if call["name"] in SENSITIVE]
    uses_sensitive = bool(sensitive_calls) or any(name in SENSITIVE for name in task.tools)
    assert ("confirmation" in task.tags) == uses_sensitive
    if not task.confirm:
        return
    run = [c for c in task.confirm if c.decision != "deny"]
    assert len(run) == len(sensitive_calls), "one approve/edit per sensitive call in the solution"
    for decision, call in zip(run, sensitive_calls):
        for arg, value in decision.edit.items():
            assert call["arguments"].get(arg) == value, (call, decision)
    if any(c.decision == "deny" for c in task.confirm):
        denied = set(task.tools) - {call["name"] for call in task.solution}
        assert denied and denied <= SENSITIVE, "list the denied tool in 'tools'"
    assert "recovery" not in task.tags, "a failing sensitive call would shift the prompts"


def test_docs_confirmation_example_is_a_suite_task() -> None:
    text = (Path(__file__).parent.parent / "docs" / "TASKS.md").read_text()
    blocks = [json.loads(b.split("```", 1)[0]) for b in text.split("```json\n")[1:]]
    (example,) = [b for b in blocks if "confirm" in b]
    assert SUITE.task(example["id"]).to_dict() == parse_suite({"tasks": [example]}, default_name="x").tasks[0].to_dict()


def test_confirmation_lookup_approves_past_the_list() -> None:
    task = SUITE.task("ma-013")
    assert task.confirm == (Confirmation("edit", {"ride_type": "premium"}), Confirmation("approve"))
    assert task.confirmation(0).edit == {"ride_type": "premium"}
    assert task.confirmation(1).decision == task.confirmation(7).decision == "approve"
    assert SUITE.task("ma-001").confirm == () and SUITE.task("ma-001").confirmation(0).decision == "approve"
    assert [c.to_dict() for c in SUITE.task("ma-012").confirm] == ["approve", "deny"]


def _inline(**fields: Any) -> dict[str, Any]:
    return {"name": "inline", "tasks": [{"id": "t-1", "instruction": "do it", **fields}]}


def test_confirm_and_tags_parse() -> None:
    (task,) = parse_suite(_inline(confirm=["approve", "deny", {"edit": {"body": "hi", "n": 2}}],
                                  tags=["confirmation", "x"])).tasks
    assert [c.decision for c in task.confirm] == ["approve", "deny", "edit"]
    assert task.confirm[2].edit == {"body": "hi", "n": 2} and task.tags == ("confirmation", "x")
    assert task.to_dict()["confirm"] == ["approve", "deny", {"edit": {"body": "hi", "n": 2}}]
    (bare,) = parse_suite(_inline()).tasks
    assert bare.confirm == () and bare.tags == () and "confirm" not in bare.to_dict()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"confirm": "approve"}, "task 't-1': 'confirm' must be a list of decisions"),
        ({"confirm": ["yes"]}, r"task 't-1': confirm\[0\] must be \"approve\", \"deny\" or \{\"edit\""),
        ({"confirm": ["approve", "Approve"]}, r"confirm\[1\] must be .*got 'Approve'"),
        ({"confirm": [None]}, r"confirm\[0\] must be .*got None"),
        ({"confirm": [{"edit": {}}]}, r"confirm\[0\]: 'edit' must be a non-empty object"),
        ({"confirm": [{"edit": ["body"]}]}, r"confirm\[0\]: 'edit' must be a non-empty object"),
        ({"confirm": [{"edit": {" ": 1}}]}, r"confirm\[0\]: 'edit' has an empty argument name"),
        ({"confirm": [{"edit": {"a": 1}, "deny": True}]}, r"confirm\[0\] must be"),
        ({"confirm": [{"approve": True}]}, r"confirm\[0\] must be"),
        ({"tags": "recovery"}, "task 't-1': 'tags' must be a list of non-empty strings"),
        ({"tags": [""]}, "'tags' must be a list of non-empty strings"),
        ({"tags": ["ok", 3]}, "'tags' must be a list of non-empty strings"),
    ],
)
def test_bad_confirm_or_tags_name_the_task_and_field(tmp_path: Path, fields: dict, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_inline(**fields)))
    with pytest.raises(ConfigurationError, match=message) as info:
        load_suite(path)
    assert str(path) in str(info.value)
