"""Tools written in user code with @tool or Tool.from_schema: bad definitions fail early, and whole."""

import pytest

from agentkit import create_agent
from agentkit.errors import ToolArgumentError, ToolDefinitionError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.tools import Injected, Tool, ToolRegistry, tool
from agentkit.tools.loading import load_registry


class Garage:
    def __init__(self) -> None:
        self.open = False


@tool(app="garage", changes_state=True, examples=["open the garage door"])
def open_garage(garage: Injected[Garage], delay_seconds: int = 0) -> dict:
    """Open the garage door.

    Args:
        delay_seconds: Wait this long first.
    """
    garage.open = True
    return {"open": True, "delay_seconds": delay_seconds}


def test_user_tool_runs_in_an_agent_with_its_runtime_object():
    garage = Garage()
    model = ScriptedChatModel(replies=[call("open_garage"), "The garage is open."])
    r = create_agent(model, [open_garage], context={"garage": garage}).run("open the garage")
    assert r.answer == "The garage is open." and garage.open
    assert model.calls[0]["tools"][0]["parameters"]["properties"] == {
        "delay_seconds": {"type": "integer", "default": 0, "description": "Wait this long first."}}


def test_missing_description_is_an_error_at_definition():
    with pytest.raises(ToolDefinitionError, match=r"tool 'close_garage' \(.*\): a tool needs a docstring"):
        @tool(app="garage")
        def close_garage() -> dict:
            return {}

    with pytest.raises(ToolDefinitionError, match="parameter 'speed' has no description"):
        @tool(app="garage")
        def move(speed: int) -> dict:
            """Move the car."""


class NotSerialisable:
    pass


def test_type_without_a_json_schema_is_an_error_at_definition():
    with pytest.raises(ToolDefinitionError, match=r"tool 'park' \(.*\): cannot build a JSON schema"):
        @tool(app="garage")
        def park(car: NotSerialisable) -> dict:
            """Park a car.

            Args:
                car: The car.
            """


def test_duplicate_names_fail_whole_in_registry_and_create_agent():
    @tool(app="garage", name="open_garage")
    def open_again(garage: Injected[Garage]) -> dict:
        """Open the garage door again."""
        return {}

    registry = load_registry()
    before = registry.names()
    with pytest.raises(ToolDefinitionError, match=r"duplicate tool name\(s\) \['open_garage'\]"):
        registry.add_all([open_garage, open_again])
    assert registry.names() == before
    with pytest.raises(ToolDefinitionError, match=r"duplicate tool name\(s\) \['open_garage'\]"):
        create_agent(ScriptedChatModel(), [open_garage, open_again])


def test_from_schema_checks_like_the_imports():
    schema = {"type": "object", "properties": {"minutes": {"type": "integer", "minimum": 1}}, "required": ["minutes"]}
    t = Tool.from_schema("heat_car", "Pre-heat the car.", schema, lambda minutes: minutes * 2, app="car")
    assert t.invoke({"minutes": 5}) == 10
    with pytest.raises(ToolArgumentError, match="argument 'minutes': 0 is less than the minimum of 1"):
        t.invoke({"minutes": 0})
    with pytest.raises(ToolDefinitionError, match="tool 'heat_car': a tool needs a non-empty description"):
        Tool.from_schema("heat_car", "", schema, print, app="car")
    with pytest.raises(ToolDefinitionError, match="tool 'heat_car': invalid JSON schema for 'parameters' at properties"):
        Tool.from_schema("heat_car", "Heat.", {"type": "object", "properties": {"m": {"type": 3}}}, print, app="car")
    with pytest.raises(ToolDefinitionError, match="tool 'heat_car': fn must be callable"):
        Tool.from_schema("heat_car", "Heat.", schema, None, app="car")


def test_a_tool_built_by_hand_without_a_validator_says_how_to_build_it():
    bare = Tool(name="bare", description="Bare.", app="x", parameters={"type": "object", "properties": {}},
                fn=lambda: None)
    with pytest.raises(ToolDefinitionError, match="make it with @tool or Tool.from_schema"):
        bare.invoke({})
    assert ToolRegistry([bare]).names() == ["bare"]
