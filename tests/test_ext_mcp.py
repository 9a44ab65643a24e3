"""Tools from a real MCP server over stdio: listing, validation, calls, errors, clean shutdown."""

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from agentkit import create_agent
from agentkit.errors import ConfigurationError, ToolArgumentError, ToolDefinitionError, ToolExecutionError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.tools import ToolRegistry
from agentkit.tools.mcp import MCPToolset, import_mcp_tools

SERVER = str(Path(__file__).parent / "data" / "mcp_parking_server.py")
VEHICLE = {"plate": "AB-123"}


@pytest.fixture(scope="module")
def server():
    with MCPToolset(sys.executable, [SERVER], app="parking", scopes=["parking.book"]) as toolset:
        yield toolset


@pytest.fixture(scope="module")
def tools(server):
    return {t.name: t for t in server.tools}


def _mcp_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("mcp ")]


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_server_tools_become_agentkit_tools(tools):
    assert sorted(tools) == ["find_spots", "get_rate", "reserve_spot", "server_state"]  # 'get-rate' renamed
    find, reserve = tools["find_spots"], tools["reserve_spot"]
    assert find.description == "Find free parking spots on a street."
    assert {t.app for t in tools.values()} == {"parking"} and reserve.scopes == ("parking.book",)
    assert (find.changes_state, reserve.changes_state) == (False, True)  # from readOnlyHint
    assert tools["get_rate"].changes_state is False  # no hint: the keyword default
    props = reserve.parameters["properties"]
    assert set(props) == {"spot", "hours", "vehicle", "extras"} and reserve.parameters["required"] == ["spot", "hours", "vehicle"]


def test_calls_go_to_the_server_with_defaults_filled(tools):
    assert tools["find_spots"].invoke({"street": "main street"}) == {
        "street": "main street", "max_price": 3.0, "spots": ["M1", "M2"]}
    out = tools["reserve_spot"].invoke({"spot": "M1", "hours": 2, "vehicle": VEHICLE, "extras": ["wide"]})
    assert out == {"spot": "M1", "hours": 2, "plate": "AB-123", "kind": "car", "extras": ["wide"]}
    # defaults behind the schema's $ref are filled in locally too
    assert tools["reserve_spot"].validator({"spot": "M1", "hours": 2, "vehicle": VEHICLE}) == {
        "spot": "M1", "hours": 2, "vehicle": {"plate": "AB-123", "kind": "car"}, "extras": []}
    assert tools["get_rate"].invoke({"zone": "B"}) == "zone B: 2.50 EUR/h"  # no structured content: the text


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"spot": "M1", "hours": "two", "vehicle": VEHICLE}, "argument 'hours': 'two' is not of type 'integer'"),
        ({"spot": "M1", "hours": 1, "vehicle": {}}, "missing required argument 'vehicle.plate'"),
        ({"spot": "M1", "hours": 1, "vehicle": {"plate": "X", "kind": "tank"}}, "'tank' is not one of"),
        ({"spot": "M1", "hours": 1, "vehicle": VEHICLE, "extras": ["sauna"]}, "argument 'extras.0'"),
        ({"spot": "M1", "hours": 1}, "missing required argument 'vehicle'"),
        ({"spot": "M1", "hours": 1, "vehicle": VEHICLE, "minutes": 5}, "unexpected argument 'minutes'"),
    ],
)
def test_bad_arguments_are_refused_before_the_server_sees_them(tools, args, fragment):
    before = tools["server_state"].invoke({})["reservations"]
    with pytest.raises(ToolArgumentError, match="invalid arguments for 'reserve_spot'") as info:
        tools["reserve_spot"].invoke(args)
    assert fragment in str(info.value)
    assert tools["server_state"].invoke({})["reservations"] == before


def test_server_side_errors_become_execution_errors(server, tools):
    with pytest.raises(ToolExecutionError, match="reserve_spot failed: .*at most 8 hours, asked for 12"):
        tools["reserve_spot"].invoke({"spot": "M1", "hours": 12, "vehicle": VEHICLE})
    with pytest.raises(ToolExecutionError, match="no_such_tool failed: .*no_such_tool"):
        server.call("no_such_tool", {})


def test_agent_drives_mcp_tools_from_sync_code(server):
    model = ScriptedChatModel(replies=[call("find_spots", street="harbour"), "Spots H1 and H2 are free."])
    r = create_agent(model, server.tools, top_k=5).run("Where can I park at the harbour?")
    assert r.answer == "Spots H1 and H2 are free." and r.tool_calls[0]["ok"]
    assert "H1" in r.tool_calls[0]["result"]


def test_close_stops_the_server_and_the_thread():
    toolset = MCPToolset(sys.executable, [SERVER])
    state = next(t for t in toolset.tools if t.name == "server_state")
    pid = state.invoke({})["pid"]
    toolset.close()
    toolset.close()  # twice is fine
    assert _gone(pid), "the server process is still running"
    assert not toolset._thread.is_alive()
    with pytest.raises(ToolExecutionError, match="server_state failed: the MCP server .* is closed"):
        state.invoke({})


def test_import_mcp_tools_returns_plain_tools():
    tools = import_mcp_tools(sys.executable, [SERVER], app="parking", prefix="p_")
    assert sorted(t.name for t in tools) == ["p_find_spots", "p_get_rate", "p_reserve_spot", "p_server_state"]
    assert tools[0].invoke({"street": "elm"})["spots"] == ["E1", "E2"]  # its server runs until exit


def test_server_with_a_bad_tool_is_refused_whole_and_stopped():
    threads_before = set(_mcp_threads())
    registry = ToolRegistry()
    with pytest.raises(ToolDefinitionError, match=r"tool 'undocumented': missing description"):
        registry.add_all(import_mcp_tools(sys.executable, [SERVER, "--broken"]))
    assert len(registry) == 0
    time.sleep(0.1)
    assert {t for t in _mcp_threads() if t.is_alive()} <= threads_before


def test_server_that_does_not_start_reports_its_stderr():
    crash = "import sys; sys.stderr.write('missing API key'); sys.exit(3)"
    with pytest.raises(ConfigurationError, match=r"did not start: .*Server stderr: \.\.\.missing API key"):
        MCPToolset(sys.executable, ["-c", crash])
    with pytest.raises(ConfigurationError, match="did not start"):
        MCPToolset("agentkit-no-such-command-xyz")


def test_duplicate_names_after_renaming_are_refused(tmp_path):
    script = tmp_path / "clash.py"
    script.write_text(
        "from mcp.server.mcpserver import MCPServer\n"
        "s = MCPServer('clash')\n"
        "@s.tool(name='get-rate')\n"
        "def a(zone: str) -> str:\n    'Rate A.'\n    return zone\n"
        "@s.tool(name='get_rate')\n"
        "def b(zone: str) -> str:\n    'Rate B.'\n    return zone\n"
        "s.run('stdio')\n"
    )
    with pytest.raises(ToolDefinitionError, match=r"tool 'get_rate': its agentkit name 'get_rate' is taken by tool 'get-rate'"):
        MCPToolset(sys.executable, [str(script)])
