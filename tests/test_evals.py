"""Tests of the eval harness: task loading, the judge, the runner and the report."""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentkit.errors import ConfigurationError
from agentkit.evals import (
    Report,
    reference_solver,
    Suite,
    Task,
    format_table,
    judge,
    list_suites,
    load_suite,
    parse_suite,
    run_suite,
)
from agentkit.evals import _match
from agentkit.evals.runner import apply_setup
from agentkit.tools.phone import Phone

SEED: dict[str, Any] = {
    "settings": {"wifi": True, "bluetooth": False, "brightness": 60},
    "clock": {
        "alarms": [
            {"id": "a1", "time": "06:30", "label": "Wake up", "enabled": True, "days": ["mon", "tue"]},
            {"id": "a2", "time": "07:30", "label": "Gym", "enabled": False, "days": []},
        ],
        "timers": [],
    },
    "messages": [
        {"id": "m1", "name": "Bob Smith", "body": "See you at 6", "sent": False},
    ],
    "reminders": [
        {"id": "r1", "title": "Buy milk", "done": False},
        {"id": "r2", "title": "Call mom", "done": False},
    ],
}


def state(**edits: Any) -> dict[str, Any]:
    """A copy of SEED with top-level apps replaced."""
    s = copy.deepcopy(SEED)
    s.update(copy.deepcopy(edits))
    return s


def task(**fields: Any) -> Task:
    """A task parsed from a dict, with defaults for id and instruction."""
    raw = {"id": "t-1", "instruction": "do it", **fields}
    return parse_suite({"name": "s", "tasks": [raw]}).tasks[0]


def sent(s: dict[str, Any], **record: Any) -> dict[str, Any]:
    """``s`` with one message appended."""
    s = copy.deepcopy(s)
    s["messages"].append(record)
    return s


# ---------------------------------------------------------------- matchers


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        ("Alice Johnson", "  alice johnson ", True),
        ("Alice", "Alice Johnson", False),
        (True, True, True),
        (True, 1, False),
        (1, True, False),
        (7, 7.0, True),
        ("7", 7, False),
        (None, None, True),
        (None, "", False),
        (["Mon", "tue"], ["tue", "mon"], True),
        (["mon", "mon"], ["mon", "tue"], False),
        (["mon"], ["mon", "tue"], False),
        ({"a": "X"}, {"a": "x"}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"contains": "10 MIN"}, "I'll be 10 minutes late", True),
        ({"contains": "late"}, "on time", False),
        ({"contains": "bob"}, ["Alice", "Bob Smith"], True),
        ({"contains": "12"}, 1234, True),
        ({"contains": "x"}, None, False),
        ({"any_of": ["07:00", "7:00"]}, "7:00", True),
        ({"any_of": [{"contains": "gym"}, "run"]}, "GYM time", True),
        ({"any_of": ["a", "b"]}, "c", False),
        ({"regex": r"^0?7:00$"}, "7:00", True),
        ({"regex": r"^wake"}, "WAKE UP", True),
        ({"regex": r"^\d+$"}, "abc", False),
        ([{"contains": "ali"}, "bob"], ["Bob", "Alice"], True),
    ],
)
def test_matches(expected: Any, actual: Any, ok: bool) -> None:
    assert _match.matches(expected, actual) is ok


_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
_literals = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5).filter(lambda k: k not in _match.OPERATORS), inner, max_size=4),
    max_leaves=12,
)


@given(_literals)
def test_every_literal_matches_itself(value: Any) -> None:
    assert _match.matches(value, copy.deepcopy(value))


@given(st.text(max_size=20), st.text(max_size=20))
def test_contains_agrees_with_casefolded_substring(needle: str, hay: str) -> None:
    assert _match.matches({"contains": needle}, hay) == (needle.strip().casefold() in hay.casefold())


@given(st.lists(st.text(max_size=4), max_size=6), st.randoms())
def test_list_literals_ignore_order(items: list[str], rnd: Any) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert _match.matches(items, shuffled)


def test_resolve_walks_dicts_and_records_by_id() -> None:
    assert _match.resolve(SEED, "settings.wifi") is True
    assert _match.resolve(SEED, "clock.alarms.a2.label") == "Gym"
    assert _match.resolve(SEED, "clock.alarms.a9") is _match.MISSING
    assert _match.resolve(SEED, "settings.wifi.x") is _match.MISSING


# ---------------------------------------------------------------- judge: equals


def test_equals_passes_and_fails_with_reason() -> None:
    t = task(expect=[{"path": "settings.wifi", "equals": False}])
    after = state(settings={**SEED["settings"], "wifi": False})
    assert judge(t, SEED, after, None).passed
    verdict = judge(t, SEED, SEED, None)
    assert not verdict.passed
    assert verdict.reason == "settings.wifi is True, expected False"


def test_equals_with_matcher_and_missing_path() -> None:
    t = task(expect=[{"path": "clock.alarms.a1.label", "equals": {"contains": "wake"}}])
    assert judge(t, SEED, SEED, None).passed
    t = task(expect=[{"path": "settings.airplane", "equals": True}])
    verdict = judge(t, SEED, SEED, None)
    assert verdict.reason == "settings.airplane does not exist, expected True"


# ---------------------------------------------------------------- judge: added


def test_added_exactly_one_matching_record() -> None:
    t = task(expect=[{"path": "messages", "added": {"name": "Alice Johnson", "body": {"contains": "10 minutes"}}}])
    after = sent(SEED, id="m2", name="alice johnson", body="I'll be 10 minutes late", sent=True)
    assert judge(t, SEED, after, None).passed


def test_added_none_found_names_the_near_miss() -> None:
    t = task(expect=[{"path": "messages", "added": {"name": "Alice Johnson", "body": {"contains": "10 minutes"}}}])
    after = sent(SEED, id="m2", name="Alice Johnson", body="running late")
    verdict = judge(t, SEED, after, None)
    assert not verdict.passed
    assert verdict.reason.startswith(
        'expected 1 new record in messages matching {"name": "Alice Johnson", "body": {"contains": "10 minutes"}}, found 0'
    )
    assert "m2: body is 'running late', expected something containing '10 minutes'" in verdict.reason


def test_added_ignores_existing_records_and_rejects_two_matches() -> None:
    t = task(expect=[{"path": "messages", "added": {"name": "Bob Smith"}}])
    verdict = judge(t, SEED, SEED, None)
    assert verdict.reason == 'expected 1 new record in messages matching {"name": "Bob Smith"}, found 0'
    twice = sent(sent(SEED, id="m2", name="Bob Smith", body="a"), id="m3", name="Bob Smith", body="b")
    verdict = judge(t, SEED, twice, None)
    assert "found 2 (m2, m3)" in verdict.reason


def test_added_into_empty_or_missing_collection() -> None:
    t = task(expect=[{"path": "clock.timers", "added": {"minutes": 10}}])
    after = state(clock={**SEED["clock"], "timers": [{"id": "t1", "minutes": 10}]})
    assert judge(t, SEED, after, None).passed
    t = task(expect=[{"path": "notes", "added": {"title": {"contains": "ideas"}}}])
    after = state(notes=[{"id": "n1", "title": "Ideas"}])
    assert judge(t, SEED, after, None).passed


def test_added_on_a_non_collection_fails() -> None:
    t = task(expect=[{"path": "settings", "added": {"wifi": True}}])
    reason = judge(t, SEED, SEED, None).reason
    assert reason.startswith("settings is not a collection before the run")


# ---------------------------------------------------------------- judge: removed


def test_removed() -> None:
    t = task(expect=[{"path": "clock.alarms", "removed": {"id": "a1"}}])
    after = state(clock={**SEED["clock"], "alarms": SEED["clock"]["alarms"][1:]})
    assert judge(t, SEED, after, None).passed
    assert judge(t, SEED, SEED, None).reason == (
        'expected a record in clock.alarms matching {"id": "a1"} to be removed, but a1 still there'
    )


def test_removed_by_fields_and_absent_before() -> None:
    t = task(expect=[{"path": "clock.alarms", "removed": {"time": {"any_of": ["7:30", "07:30"]}}}])
    after = state(clock={**SEED["clock"], "alarms": SEED["clock"]["alarms"][:1]})
    assert judge(t, SEED, after, None).passed
    t = task(expect=[{"path": "clock.alarms", "removed": {"label": "Nap"}}])
    assert judge(t, SEED, SEED, None).reason == 'no record in clock.alarms matched {"label": "Nap"} before the run'


# ---------------------------------------------------------------- judge: changed


def test_changed() -> None:
    t = task(expect=[{"path": "reminders", "changed": {"id": "r2"}, "to": {"done": True}}])
    after = copy.deepcopy(SEED)
    after["reminders"][1]["done"] = True
    assert judge(t, SEED, after, None).passed
    assert judge(t, SEED, SEED, None).reason == "reminders.r2.done is False, expected True"


def test_changed_is_picked_by_the_record_before_the_run() -> None:
    t = task(expect=[{"path": "reminders", "changed": {"title": "Buy milk"}, "to": {"title": {"contains": "oat"}}}])
    after = copy.deepcopy(SEED)
    after["reminders"][0]["title"] = "Buy oat milk"
    assert judge(t, SEED, after, None).passed


def test_changed_record_gone_or_absent() -> None:
    t = task(expect=[{"path": "reminders", "changed": {"id": "r2"}, "to": {"done": True}}])
    after = state(reminders=SEED["reminders"][:1])
    reason = judge(t, SEED, after, None).reason
    assert reason == 'no record in reminders matching {"id": "r2"} is in both states'


def test_changed_field_missing_afterwards() -> None:
    t = task(expect=[{"path": "reminders", "changed": {"id": "r1"}, "to": {"due": "2026-12-01"}}])
    assert judge(t, SEED, SEED, None).reason == "reminders.r1.due is missing, expected '2026-12-01'"


# ---------------------------------------------------------------- judge: nothing else changed


def test_unexpected_change_fails_even_when_checks_hold() -> None:
    t = task(expect=[{"path": "settings.wifi", "equals": False}])
    after = state(settings={**SEED["settings"], "wifi": False, "bluetooth": True})
    verdict = judge(t, SEED, after, None)
    assert not verdict.passed
    assert verdict.reason == "unexpected change: settings.bluetooth changed False -> True"


def test_unexpected_added_record_is_reported() -> None:
    t = task(expect=[{"path": "settings.wifi", "equals": True}])
    after = sent(SEED, id="m2", name="Alice", body="hi")
    assert judge(t, SEED, after, None).reason.startswith("unexpected change: messages.m2 added {")


def test_allow_and_check_paths_permit_changes() -> None:
    after = sent(SEED, id="m2", name="Alice", body="hi")
    after["reminders"][0]["done"] = True
    t = task(
        expect=[{"path": "reminders", "changed": {"id": "r1"}, "to": {"done": True}}],
        allow=["messages"],
    )
    assert judge(t, SEED, after, None).passed
    # "messages" allows "messages.m2", but "message" must not.
    t = task(expect=[{"path": "reminders", "changed": {"id": "r1"}, "to": {"done": True}}], allow=["message"])
    assert not judge(t, SEED, after, None).passed


def test_empty_expect_means_nothing_may_change() -> None:
    t = task()
    assert judge(t, SEED, SEED, None).passed
    after = copy.deepcopy(SEED)
    after["clock"]["alarms"][1]["enabled"] = True
    assert judge(t, SEED, after, None).reason == "unexpected change: clock.alarms.a2.enabled changed False -> True"


def test_all_failures_are_listed() -> None:
    t = task(
        expect=[{"path": "settings.wifi", "equals": False}],
        answer={"contains_any": ["done"]},
    )
    after = state(settings={**SEED["settings"], "brightness": 10})
    verdict = judge(t, SEED, after, "ok")
    assert verdict.failures == (
        "settings.wifi is True, expected False",
        "unexpected change: settings.brightness changed 60 -> 10",
        "answer does not mention any of ['done']",
    )
    assert verdict.reason == "; ".join(verdict.failures)


# ---------------------------------------------------------------- judge: answers


def test_answer_contains_any() -> None:
    t = task(answer={"contains_any": ["12", "twelve"]})
    assert judge(t, SEED, SEED, "You have TWELVE unread messages").passed
    assert judge(t, SEED, SEED, "You have 11").reason == "answer does not mention any of ['12', 'twelve']"
    assert judge(t, SEED, SEED, None).reason == "no answer given, expected one mentioning ['12', 'twelve']"


def test_answer_contains_all() -> None:
    t = task(answer={"contains_all": ["Gym", "7:30"]})
    assert judge(t, SEED, SEED, "Your gym alarm is at 7:30").passed
    assert judge(t, SEED, SEED, "gym at 8").reason == "answer does not mention ['7:30']"


def test_answer_is_ignored_without_an_answer_check() -> None:
    assert judge(task(), SEED, SEED, None).passed


# ---------------------------------------------------------------- loader


GOOD = {
    "name": "demo",
    "description": "a demo",
    "tasks": [
        {
            "id": "messages-001",
            "instruction": "Text Alice that I'll be 10 minutes late",
            "setup": {"settings.wifi": True},
            "expect": [{"path": "messages", "added": {"name": "Alice Johnson", "body": {"contains": "10 minutes"}}}],
            "allow": ["contacts"],
            "tools": ["send_message"],
            "solution": [{"name": "send_message", "arguments": {"to": "Alice", "body": "I'll be 10 minutes late"}}],
        },
        {
            "id": "clock-001",
            "instruction": "How many alarms do I have?",
            "expect": [],
            "answer": {"contains_any": ["2", "two"]},
        },
    ],
}


def write(tmp_path: Path, data: Any, name: str = "suite.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_load_suite_from_path_and_round_trip(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD))
    assert suite.name == "demo"
    assert [t.id for t in suite.tasks] == ["messages-001", "clock-001"]
    first = suite.task("messages-001")
    assert first.setup == {"settings.wifi": True}
    assert first.allowed_paths == ("messages", "contacts")
    assert first.expect[0].kind == "added"
    assert suite.task("clock-001").answer.contains_any == ("2", "two")
    assert parse_suite(suite.to_dict()).to_dict() == suite.to_dict()
    assert load_suite(str(tmp_path / "suite.json")).name == "demo"


def test_load_suite_name_defaults_to_file_stem(tmp_path: Path) -> None:
    data = {"tasks": GOOD["tasks"]}
    assert load_suite(write(tmp_path, data, "my-suite.json")).name == "my-suite"


def test_shipped_suites_load_by_name() -> None:
    for name in list_suites():
        suite = load_suite(name)
        assert suite.name and suite.tasks


def test_unknown_suite_name_lists_shipped_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown suite 'no-such-suite'; shipped suites: \["):
        load_suite("no-such-suite")


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_suite(tmp_path / "nope.json")
    path = write(tmp_path, "{not json")
    with pytest.raises(ConfigurationError, match=r"suite\.json: not valid JSON"):
        load_suite(path)


def bad_task(**edits: Any) -> dict[str, Any]:
    raw = copy.deepcopy(GOOD["tasks"][0])
    for key, value in edits.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return {"name": "demo", "tasks": [raw]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a suite must be a JSON object, got a list"),
        ({"name": "x", "tasks": {}}, "'tasks' must be a list, got an object"),
        ({"name": "x", "tasks": [], "version": 2}, "unknown field 'version'"),
        (bad_task(id=None), r"tasks\[0\]: missing or empty 'id'"),
        (bad_task(id=""), r"tasks\[0\]: missing or empty 'id'"),
        (bad_task(instruction=None), "task 'messages-001': missing or empty 'instruction'"),
        (bad_task(expekt=[]), "task 'messages-001': unknown field 'expekt'"),
        (bad_task(setup=["x"]), "task 'messages-001': 'setup' must be an object"),
        (bad_task(setup={"settings..wifi": 1}), "setup key 'settings..wifi' is not a dotted path"),
        (bad_task(expect={}), "'expect' must be a list"),
        (
            bad_task(expect=[{"path": "settings.wifi", "is": False}]),
            r"task 'messages-001': expect\[0\] \(settings.wifi\): unknown check form; a check needs exactly one of "
            r"\['equals', 'added', 'removed', 'changed'\], got \['is'\]",
        ),
        (
            bad_task(expect=[{"path": "settings.wifi", "equals": False, "added": {"a": 1}}]),
            r"unknown check form.*got \['equals', 'added'\]",
        ),
        (bad_task(expect=[{"equals": False}]), r"expect\[0\]: 'path' must be a dotted path string"),
        (bad_task(expect=[{"path": "reminders", "changed": {"id": "r1"}}]), "a 'changed' check needs 'to'"),
        (bad_task(expect=[{"path": "settings.wifi", "equals": 1, "to": {}}]), "unknown field 'to'"),
        (bad_task(expect=[{"path": "messages", "added": {}}]), "'added' must be a non-empty object"),
        (bad_task(expect=[{"path": "messages", "added": {"contains": "x"}}]), "not a matcher itself"),
        (
            bad_task(expect=[{"path": "messages", "added": {"body": {"regex": "("}}}]),
            r"'added' field 'body': 'regex' '\(' does not compile",
        ),
        (
            bad_task(expect=[{"path": "messages", "added": {"body": {"contains": "x", "other": 1}}}]),
            "mixes the operator 'contains' with other keys",
        ),
        (bad_task(expect=[{"path": "a.b", "equals": {"any_of": []}}]), "'any_of' takes a non-empty list"),
        (bad_task(expect=[{"path": "a.b", "equals": {"contains": 3}}]), "'contains' takes a string"),
        (bad_task(answer={"contains": ["x"]}), "'answer': unknown field 'contains'"),
        (bad_task(answer={"contains_any": []}), "'answer' needs a non-empty 'contains_any' or 'contains_all'"),
        (bad_task(answer={"contains_any": "12"}), "'contains_any' must be a list of non-empty strings"),
        (bad_task(allow="messages"), "'allow' must be a list of non-empty strings"),
        (bad_task(solution=[{"arguments": {}}]), r"solution\[0\] must be an object with a string 'name'"),
        (
            bad_task(solution=[{"name": "call_contact", "arguments": {}}]),
            r"solution\[0\]: tool 'call_contact' is not listed in 'tools' \['send_message'\]",
        ),
    ],
)
def test_malformed_suites_raise_precise_errors(tmp_path: Path, data: Any, message: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ConfigurationError, match=message) as info:
        load_suite(path)
    assert str(path) in str(info.value)


def test_duplicate_ids(tmp_path: Path) -> None:
    data = {"name": "d", "tasks": [GOOD["tasks"][1], GOOD["tasks"][1]]}
    with pytest.raises(ConfigurationError, match=r"duplicate task id 'clock-001' \(tasks\[0\] and tasks\[1\]\)"):
        load_suite(write(tmp_path, data))


# ---------------------------------------------------------------- runner


@dataclass
class Result:
    """What a fake agent returns, shaped like the real agent's result."""

    answer: str | None = None
    llm_calls: int = 1
    prompt_tokens: int = 100
    completion_tokens: int = 10
    cloud_calls: int = 0
    error: str | None = None
    tool_calls: list = field(default_factory=list)
    plan: list = field(default_factory=list)
    reflections: list = field(default_factory=list)


def make_phone() -> Phone:
    return Phone(seed=copy.deepcopy(SEED))


RUN_SUITE = parse_suite(
    {
        "name": "fake",
        "tasks": [
            {"id": "wifi-off", "instruction": "Turn wifi off", "expect": [{"path": "settings.wifi", "equals": False}]},
            {
                "id": "text-bob",
                "instruction": "Text Bob hi",
                "expect": [{"path": "messages", "added": {"name": "Bob Smith", "body": "hi"}}],
            },
            {"id": "alarms-count", "instruction": "How many alarms?", "answer": {"contains_any": ["2", "two"]}},
            {
                "id": "wifi-on",
                "instruction": "Turn wifi on",
                "setup": {"settings.wifi": False},
                "expect": [{"path": "settings.wifi", "equals": True}],
            },
        ],
    }
)


def fake_agent(phone: Phone, instruction: str) -> Result:
    """Does the right thing for every task but 'Text Bob hi', where it raises."""
    if instruction == "Turn wifi off":
        phone.set("settings.wifi", False)
        return Result(answer="Done", llm_calls=2, cloud_calls=1,
                      tool_calls=[{"name": "set_wifi", "arguments": {"on": False}}],
                      plan=[{"id": 1, "text": "Turn wifi off", "tool": "set_wifi"}],
                      reflections=["Not done yet: the wifi."])
    if instruction == "Turn wifi on":
        assert phone.state()["settings"]["wifi"] is False, "setup was not applied"
        phone.set("settings.wifi", True)
        return Result(answer="Done")
    if instruction == "How many alarms?":
        return Result(answer=f"You have {len(phone.state()['clock']['alarms'])} alarms")
    raise RuntimeError("model fell over")


def test_run_suite_judges_every_task_and_survives_exceptions(tmp_path: Path) -> None:
    report = run_suite(RUN_SUITE, fake_agent, make_phone=make_phone, progress=False,
                       out_dir=tmp_path / "run", model="fake-model", metadata={"commit": "abc"})
    by_id = {r.id: r for r in report.tasks}
    assert [r.id for r in report.tasks] == ["wifi-off", "text-bob", "alarms-count", "wifi-on"]
    assert by_id["wifi-off"].passed and by_id["alarms-count"].passed and by_id["wifi-on"].passed
    assert not by_id["text-bob"].passed
    assert by_id["text-bob"].reason == "RuntimeError: model fell over"
    assert by_id["text-bob"].error == "RuntimeError: model fell over"
    assert by_id["wifi-off"].changes == ["settings.wifi changed True -> False"]
    assert by_id["wifi-off"].tool_calls == [{"name": "set_wifi", "arguments": {"on": False}}]
    assert by_id["wifi-off"].plan == [{"id": 1, "text": "Turn wifi off", "tool": "set_wifi"}]
    assert by_id["wifi-on"].plan == []
    assert by_id["wifi-off"].reflections == ["Not done yet: the wifi."] and by_id["wifi-on"].reflections == []
    assert by_id["alarms-count"].answer == "You have 2 alarms"
    assert report.n_tasks == 4 and report.n_passed == 3
    assert report.success_rate == 0.75 == report.pass_hat_k
    assert report.llm_calls == 2 + 0 + 1 + 1
    assert report.cloud_share == pytest.approx(1 / 4)
    assert report.prompt_tokens == 300 and report.completion_tokens == 30
    assert report.model == "fake-model" and report.complete

    saved = json.loads((tmp_path / "run" / "report.json").read_text())
    assert saved == json.loads(json.dumps(report.to_dict()))
    assert saved["success_rate"] == 0.75 and saved["suite"] == "fake"
    assert saved["metadata"] == {"commit": "abc"}
    assert set(saved["tasks"][0]) >= {
        "id", "passed", "reason", "llm_calls", "prompt_tokens", "completion_tokens",
        "seconds", "answer", "tool_calls", "error", "repeat", "plan",
    }
    assert Report.load(tmp_path / "run" / "report.json").to_dict() == saved
    assert not list((tmp_path / "run").glob("*.tmp"))


def test_a_do_nothing_agent_fails_state_tasks() -> None:
    report = run_suite(RUN_SUITE, lambda phone, instruction: None, make_phone=make_phone, progress=False)
    assert [r.passed for r in report.tasks] == [False, False, False, False]
    assert report.tasks[0].reason == "settings.wifi is True, expected False"
    assert report.tasks[2].reason == "no answer given, expected one mentioning ['2', 'two']"
    assert report.llm_calls == 0 and report.cloud_share == 0.0


def test_agent_error_fails_the_task_even_if_state_fits() -> None:
    def gives_up(phone: Phone, instruction: str) -> Result:
        phone.set("settings.wifi", False)
        return Result(error="step limit reached")

    report = run_suite(RUN_SUITE, gives_up, make_phone=make_phone, progress=False, task_filter="wifi-off")
    (run,) = report.tasks
    assert not run.passed
    assert run.error == "step limit reached"
    assert run.reason == "agent stopped with error: step limit reached"


def test_repeat_and_pass_hat_k() -> None:
    calls = {"n": 0}

    def flaky(phone: Phone, instruction: str) -> Result:
        calls["n"] += 1
        if instruction == "Turn wifi off" and calls["n"] != 2:
            phone.set("settings.wifi", False)
        if instruction == "Turn wifi on":
            phone.set("settings.wifi", True)
        return Result()

    report = run_suite(RUN_SUITE, flaky, make_phone=make_phone, progress=False, repeat=3, task_filter="wifi-*")
    assert [(r.id, r.repeat, r.passed) for r in report.tasks] == [
        ("wifi-off", 0, True), ("wifi-off", 1, False), ("wifi-off", 2, True),
        ("wifi-on", 0, True), ("wifi-on", 1, True), ("wifi-on", 2, True),
    ]
    assert report.n_tasks == 2 and report.n_runs == 6 and report.n_passed == 5
    assert report.success_rate == pytest.approx(5 / 6)
    assert report.pass_hat_k == 0.5
    assert report.pass_at_k == 1.0
    table = format_table(report)
    assert "wifi-off#1" in table and "pass^3 50.0%" in table


def test_each_run_gets_a_fresh_phone() -> None:
    seen = []

    def records(phone: Phone, instruction: str) -> Result:
        seen.append(phone.state()["settings"]["wifi"])
        phone.set("settings.wifi", False)
        return Result()

    run_suite(RUN_SUITE, records, make_phone=make_phone, progress=False, repeat=2, task_filter="wifi-off")
    assert seen == [True, True]


def test_bad_setup_is_reported_before_any_run() -> None:
    suite = parse_suite({"name": "d", "tasks": [
        {"id": "ok", "instruction": "a"},
        {"id": "bad", "instruction": "b", "setup": {"clock.alarms.a9.enabled": True}},
    ]})
    calls = []
    with pytest.raises(ConfigurationError, match=r"task 'bad': setup 'clock.alarms.a9.enabled' cannot be applied"):
        run_suite(suite, lambda phone, instruction: calls.append(instruction), make_phone=make_phone, progress=False)
    assert calls == []


def test_task_filter_substring_and_no_match() -> None:
    report = run_suite(RUN_SUITE, fake_agent, make_phone=make_phone, progress=False, task_filter="alarms")
    assert [r.id for r in report.tasks] == ["alarms-count"]
    with pytest.raises(ConfigurationError, match="no task in suite 'fake' matches 'zzz'"):
        run_suite(RUN_SUITE, fake_agent, make_phone=make_phone, progress=False, task_filter="zzz")
    with pytest.raises(ConfigurationError, match="repeat must be at least 1"):
        run_suite(RUN_SUITE, fake_agent, make_phone=make_phone, progress=False, repeat=0)


def test_partial_report_is_valid_json_after_each_task(tmp_path: Path) -> None:
    snapshots = []

    def peeking(phone: Phone, instruction: str) -> Result:
        snapshots.append(json.loads((tmp_path / "report.json").read_text()))
        return fake_agent(phone, instruction) if instruction != "Text Bob hi" else Result()

    run_suite(RUN_SUITE, peeking, make_phone=make_phone, progress=False, out_dir=tmp_path)
    assert [len(s["tasks"]) for s in snapshots] == [0, 1, 2, 3]
    assert all(s["finished_at"] is None and s["complete"] is False for s in snapshots)
    assert snapshots[1]["tasks"][0]["id"] == "wifi-off"
    final = json.loads((tmp_path / "report.json").read_text())
    assert final["complete"] is True and len(final["tasks"]) == 4


def test_keyboard_interrupt_stops_and_leaves_partial_report(tmp_path: Path) -> None:
    def interrupted(phone: Phone, instruction: str) -> Result:
        if instruction == "Text Bob hi":
            raise KeyboardInterrupt
        return fake_agent(phone, instruction)

    with pytest.raises(KeyboardInterrupt):
        run_suite(RUN_SUITE, interrupted, make_phone=make_phone, progress=False, out_dir=tmp_path)
    partial = json.loads((tmp_path / "report.json").read_text())
    assert partial["complete"] is False and [t["id"] for t in partial["tasks"]] == ["wifi-off"]


def test_progress_bar_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    run_suite(RUN_SUITE, fake_agent, make_phone=make_phone, progress=True, task_filter="wifi")
    out, err = capsys.readouterr()
    assert out == ""
    assert "pass 2/2 (100%)" in err


def test_default_phone_and_setup() -> None:
    suite = parse_suite({"name": "d", "tasks": [{
        "id": "x", "instruction": "turn wifi on", "setup": {"settings.wifi": False},
        "expect": [{"path": "settings.wifi", "equals": True}],
    }]})

    def turn_on(phone: Phone, instruction: str) -> Result:
        phone.set("settings.wifi", True)
        return Result()

    assert run_suite(suite, turn_on, progress=False).success_rate == 1.0


# ---------------------------------------------------------------- table


def test_format_table() -> None:
    report = run_suite(RUN_SUITE, fake_agent, make_phone=make_phone, progress=False, model="m")
    table = format_table(report, reason_width=20)
    lines = table.splitlines()
    assert lines[0].split() == ["task", "result", "calls", "tokens", "secs", "reason"]
    assert lines[2].split()[:4] == ["wifi-off", "pass", "2", "110"]
    assert lines[3].split()[:2] == ["text-bob", "FAIL"]
    assert lines[3].endswith("RuntimeError: mod...")
    assert lines[-1].startswith("fake [m] | 3/4 passed (75.0%) | median ")
    assert "cloud 25%" in lines[-1]


def test_empty_report_table() -> None:
    table = format_table(Report(suite="s"))
    assert "0/0 passed (0.0%)" in table and "(partial)" in table


# ---------------------------------------------------------------- docs


def docs_suite() -> Suite:
    text = (Path(__file__).parent.parent / "docs" / "TASKS.md").read_text()
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    return parse_suite(json.loads(block), source="docs/TASKS.md")


def test_docs_example_suite_is_valid() -> None:
    suite = docs_suite()
    assert [t.id for t in suite.tasks] == ["messages-001", "clock-001"]
    alarm = suite.task("clock-001")
    before = copy.deepcopy(SEED)
    before["clock"]["alarms"][1]["enabled"] = True
    assert judge(alarm, before, SEED, "It was set for 7:30.").passed
    assert not judge(alarm, before, before, "It was set for 7:30.").passed


def test_docs_example_passes_with_its_reference_solution_on_the_real_phone() -> None:
    suite = docs_suite()
    report = run_suite(suite, reference_solver(suite), progress=False)
    assert [(r.id, r.passed, r.reason) for r in report.tasks] == [
        ("messages-001", True, None), ("clock-001", True, None),
    ]
    assert report.tasks[1].changes == ["clock.alarms.a2.enabled changed True -> False"]
    assert report.tasks[1].tool_calls[1]["name"] == "toggle_alarm"


def test_reference_solver_reports_tool_errors_and_ambiguity() -> None:
    suite = parse_suite({"name": "r", "tasks": [
        {"id": "x", "instruction": "go", "solution": [{"name": "no_such_tool", "arguments": {}}]},
    ]})
    (run,) = run_suite(suite, reference_solver(suite), progress=False).tasks
    assert not run.passed and run.error.startswith("no_such_tool: ")
    twins = parse_suite({"name": "r", "tasks": [
        {"id": "x", "instruction": "go", "solution": [{"name": "get_time", "arguments": {}}]},
        {"id": "y", "instruction": "go"},
    ]})
    with pytest.raises(ConfigurationError, match="share the instruction 'go'"):
        reference_solver(twins)


@pytest.mark.parametrize("name", list_suites())
def test_shipped_suite_reference_solutions_reach_the_expected_state(name: str) -> None:
    """Every shipped task's ``solution`` must satisfy its own state checks (answers aside)."""
    suite = load_suite(name)
    solve = reference_solver(suite)
    problems = []
    for task in suite.tasks:
        phone = Phone()
        apply_setup(phone, task)
        initial = phone.state()
        result = solve(phone, task.instruction)
        verdict = judge(dataclasses.replace(task, answer=None), initial, phone.state(), None)
        if result.error or not verdict.passed:
            problems.append(f"{task.id}: {result.error or verdict.reason}")
    assert not problems, "\n".join(problems)


def test_a_solver_taking_confirm_gets_the_task_s_decisions_and_the_agent_obeys_them():
    from agentkit import create_agent
    from agentkit.evals import answer_confirmations
    from agentkit.evals import parse_suite, run_suite
    from agentkit.models import ScriptedChatModel
    from agentkit.models.scripted import call
    from agentkit.testing import HashEmbedder

    suite = parse_suite({"name": "c", "description": "confirmation", "tasks": [
        {"id": "deny", "instruction": "Text Alice and Bob hi", "confirm": ["deny"],
         "expect": [{"path": "messages", "added": {"name": "Bob Smith", "body": "hi"}}]},
        {"id": "edit", "instruction": "Text Alice hi", "confirm": [{"edit": {"body": "hello"}}],
         "expect": [{"path": "messages", "added": {"name": "Alice Johnson", "body": "hello"}}]},
        {"id": "plain", "instruction": "Text Alice hi",
         "expect": [{"path": "messages", "added": {"name": "Alice Johnson", "body": "hi"}}]},
    ]}, source="inline")
    scripts = {"deny": [call("send_message", to="Alice", body="hi"), "Alice declined.",
                        call("send_message", to="Bob", body="hi"), "Sent."],
               "edit": [call("send_message", to="Alice", body="hi"), "Sent."],
               "plain": [call("send_message", to="Alice", body="hi"), "Sent."]}
    seen = {}

    def solve(phone, instruction, *, confirm):
        task = "deny" if "Bob" in instruction else ("edit" if not seen.get("edit") else "plain")
        seen[task] = list(confirm)
        agent = create_agent(ScriptedChatModel(replies=list(scripts[task])), device=phone,
                             embedder=HashEmbedder(), confirm=True)
        result = agent.run(instruction)
        if task == "deny":  # one turn per recipient in this script
            result = answer_confirmations(agent, result, list(confirm))
            result = agent.run("and Bob", thread_id=result.thread_id)
        return answer_confirmations(agent, result, list(confirm) if task != "deny" else [])

    report = run_suite(suite, solve)
    assert seen == {"deny": ["deny"], "edit": [{"edit": {"body": "hello"}}], "plain": []}
    assert [t.passed for t in report.tasks] == [True, True, True], [t.reason for t in report.tasks]
