"""docs/ADD_YOUR_OWN_APP.md: its code is examples/parking_app.py, which runs with a scripted model."""

import ast
import importlib.util
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

from agentkit.errors import ToolArgumentError, ToolExecutionError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.testing import HashEmbedder
from agentkit.tools import Tool

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ADD_YOUR_OWN_APP.md"
EXAMPLE = ROOT / "examples" / "parking_app.py"
MCP_SERVER = ROOT / "tests" / "data" / "mcp_parking_server.py"


def blocks(language: str) -> list[str]:
    return [b.rstrip("\n") for b in re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(), re.S | re.M)]


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("parking_app", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["parking_app"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["parking_app"]


@pytest.fixture(scope="module")
def embedder():
    return HashEmbedder()


def test_every_python_block_quotes_the_example_file():
    source = EXAMPLE.read_text()
    python = blocks("python")
    assert len(python) >= 5
    for block in python:
        assert block in source, f"docs block not in {EXAMPLE.name} (update one or the other):\n{block}"


def test_the_docs_show_every_definition_of_the_example():
    shown = "\n".join(blocks("python"))
    for node in ast.parse(EXAMPLE.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            assert f"def {node.name}(" in shown or f"class {node.name}:" in shown, node.name
    assert "TOOLS = [find_parking, start_parking]" in shown


def test_json_block_is_what_export_gives(example):
    (block,) = blocks("json")
    assert json.loads(block) == example.openai_definitions()


def test_toml_block_names_the_example_tools(example):
    (block,) = blocks("toml")
    points = tomllib.loads(block)["project"]["entry-points"]["agentkit.tools"]
    module, attr = points["parking"].split(":")
    assert module == EXAMPLE.stem and getattr(example, attr) is example.TOOLS
    assert all(isinstance(t, Tool) for t in example.TOOLS)


def test_quoted_error_messages_are_the_real_ones(example):
    text = " ".join(DOC.read_text().split())
    (imported,) = [t for t in example.tools_from_openai(example.openai_definitions(), example.ParkingApp())
                   if t.name == "start_parking"]
    with pytest.raises(ToolArgumentError) as bad_args:
        imported.invoke({"spot": "S1", "hours": "two", "minutes": 30})
    with pytest.raises(ToolExecutionError) as failed:
        example.start_parking.invoke({"spot": "X1", "hours": 1}, {"parking": example.ParkingApp()})
    assert str(bad_args.value) in text and str(failed.value) in text


def test_decorated_tools_run_in_an_agent_next_to_the_builtin_apps(example, embedder):
    parking = example.ParkingApp()
    model = ScriptedChatModel(replies=[
        call("find_parking", street="Station Road", max_price_per_hour=3),
        "S1 on Station Road is free, 2.50 EUR an hour.",
        call("start_parking", spot="X1", hours=2),  # a wrong spot: the tool's error goes back to the model
        call("start_parking", spot="S1", hours=2),
        "Parked at S1 for two hours, 5 EUR.",
    ])
    agent = example.build_agent(model, parking=parking, embedder=embedder)
    assert {"find_parking", "start_parking", "send_message"} <= set(agent.registry.names())

    first = agent.run("Find parking on Station Road under 3 euros")
    assert first.tool_calls[0]["ok"] and "spot: S1" in first.tool_calls[0]["result"]
    assert "find_parking" in first.offered_tools and len(first.offered_tools) == 5

    second = agent.run("Pay for two hours of parking at S1", thread_id=first.thread_id)
    assert [c["ok"] for c in second.tool_calls] == [False, True]
    assert "no parking spot 'X1'" in second.tool_calls[0]["result"]
    assert second.answer == "Parked at S1 for two hours, 5 EUR."
    assert parking.sessions == [{"spot": "S1", "hours": 2, "cost": 5.0}]


def test_openai_round_trip_of_the_example_behaves_the_same(example):
    parking = example.ParkingApp()
    tools = example.tools_from_openai(example.openai_definitions(), parking)
    assert [t.schema() for t in tools] == [t.schema() for t in example.TOOLS]
    assert [(t.app, t.changes_state, t.sensitive, t.scopes, t.examples) for t in tools] == [
        (t.app, t.changes_state, t.sensitive, t.scopes, t.examples) for t in example.TOOLS]
    model = ScriptedChatModel(replies=[call("start_parking", spot="M1", hours=0.5), "Done."])
    r = example.create_agent(model, tools).run("Start parking at M1 for half an hour")
    assert r.answer == "Done." and parking.sessions == [{"spot": "M1", "hours": 0.5, "cost": 0.75}]


def test_mcp_snippet_runs_against_a_real_server(example):
    model = ScriptedChatModel(replies=[call("find_spots", street="station"), "S1 and S2 are free."])
    assert example.ask_with_mcp_tools(model, str(MCP_SERVER), "Any spots near the station?") == "S1 and S2 are free."
    tool_message = [m for m in model.calls[1]["messages"] if m.type == "tool"][-1]
    assert tool_message.name == "find_spots" and "S1" in str(tool_message.content)
