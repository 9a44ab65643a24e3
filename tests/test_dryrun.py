"""Dry-run of first-turn tool calls: nothing executes, bad lines don't stop the file."""

import json

import pytest
from langchain_core.messages import HumanMessage

from agentkit.cli import main
from agentkit.dryrun import DryRun, to_messages
from agentkit.errors import ConfigurationError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.testing import HashEmbedder

WEATHER = {"name": "get_weather", "description": "Weather for a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City"}},
                          "required": ["city"]}}
ALARM = {"type": "function", "function": {
    "name": "set_alarm", "description": "Set an alarm.",
    "parameters": {"type": "object", "properties": {"time": {"type": "string", "description": "HH:MM"}},
                   "required": ["time"]}}}


def test_first_turn_calls_are_returned_not_executed():
    model = ScriptedChatModel(replies=[call("get_weather", city="Paris")])
    planner = DryRun(model)
    calls = planner.calls([WEATHER, ALARM], [{"role": "user", "content": "Weather in Paris?"}])
    assert calls == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert len(model.calls) == 1  # stopped before the tools node: no second model call
    assert [t["name"] for t in model.calls[0]["tools"]] == ["get_weather", "set_alarm"]


def test_plain_answer_gives_no_calls_and_malformed_call_gets_a_retry():
    model = ScriptedChatModel(replies=["I can't help with that.",
                                       '<tool_call>{"name": "get_weather", "arguments": {"city": </tool_call>',
                                       call("get_weather", city="Paris")])
    planner = DryRun(model)
    assert planner.calls([WEATHER], [{"role": "user", "content": "Sing a song"}]) == []
    assert planner.calls([WEATHER], [{"role": "user", "content": "Paris weather"}]) == [
        {"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert "could not be used" in model.calls[-1]["messages"][-1].content


def test_large_tool_sets_are_retrieved_and_indexes_reused():
    tools = [{"name": f"tool_{i}", "description": f"Does thing number {i}.",
              "parameters": {"type": "object", "properties": {}}} for i in range(12)] + [WEATHER]
    model = ScriptedChatModel(replies=[call("get_weather", city="Oslo"), call("get_weather", city="Rome")])
    planner = DryRun(model, embedder=HashEmbedder(), top_k=3)
    planner.calls(tools, [{"role": "user", "content": "weather in Oslo"}])
    planner.calls(tools, [{"role": "user", "content": "weather in Rome"}])
    assert all(len(c["tools"]) == 3 for c in model.calls)
    assert len(planner._graphs) == 1


def test_messages_conversion_and_errors():
    msgs = to_messages([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}])
    assert isinstance(msgs[1], HumanMessage) and msgs[1].content == "hi"
    with pytest.raises(ConfigurationError, match="role"):
        to_messages([{"role": "robot", "content": "x"}])
    with pytest.raises(ConfigurationError, match="no user message"):
        to_messages([{"role": "system", "content": "x"}])


def test_jsonl_lines_own_tools_win_and_bad_lines_are_reported():
    model = ScriptedChatModel(replies=[call("set_alarm", time="07:00"), call("get_weather", city="Oslo")])
    lines = [
        json.dumps({"id": "a", "messages": [{"role": "user", "content": "alarm 7"}], "tools": [ALARM]}),
        "not json",
        json.dumps({"id": "b", "messages": [{"role": "user", "content": "Oslo weather"}]}),
        json.dumps({"id": "c", "messages": [{"role": "user", "content": "x"}], "tools": [{"name": "no_desc"}]}),
    ]
    out = list(DryRun(model).run_jsonl(lines, [WEATHER]))
    assert out[0] == {"id": "a", "calls": [{"name": "set_alarm", "arguments": {"time": "07:00"}}]}
    assert out[1]["calls"] == [] and "line 2" in out[1]["error"]
    assert out[2] == {"id": "b", "calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}
    assert out[3]["id"] == "c" and "description" in out[3]["error"]


@pytest.mark.slow
def test_cli_calls_with_a_real_model(tmp_path, capsys):
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([WEATHER, ALARM]))
    queries = tmp_path / "in.jsonl"
    queries.write_text("\n".join(json.dumps({"id": i, "messages": [{"role": "user", "content": q}]})
                                 for i, q in enumerate(["What's the weather in Paris?", "Wake me at 6:30"])))
    out = tmp_path / "out.jsonl"
    rc = main(["calls", "--tools", str(tools), "--input", str(queries), "--output", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rc == 0 and [r["id"] for r in rows] == [0, 1]
    assert rows[0]["calls"][0]["name"] == "get_weather" and "paris" in rows[0]["calls"][0]["arguments"]["city"].lower()
    assert rows[1]["calls"][0]["name"] == "set_alarm"
