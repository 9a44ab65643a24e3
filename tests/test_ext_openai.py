"""Tools from OpenAI function-calling JSON: schemas, validation, defaults, round trip, bad definitions."""

import copy
from typing import Literal

import pytest

from agentkit import create_agent
from agentkit.errors import ModelRetry, ToolArgumentError, ToolDefinitionError, ToolExecutionError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.tools import Injected, Tool, ToolRegistry, tool
from agentkit.tools.openai_format import export_openai_tools, import_openai_tools

BOOK = {
    "name": "book_table",
    "description": "Book a restaurant table.",
    "parameters": {
        "type": "object",
        "properties": {
            "restaurant": {"type": "string", "description": "Restaurant name."},
            "party": {
                "type": "object",
                "description": "Who is coming.",
                "properties": {
                    "size": {"type": "integer", "minimum": 1, "maximum": 12},
                    "seating": {"type": "string", "enum": ["inside", "terrace"], "default": "inside"},
                },
                "required": ["size"],
            },
            "dishes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "vegan": {"type": "boolean", "default": False}},
                    "required": ["name"],
                },
                "default": [],
            },
            "time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "default": "19:00"},
        },
        "required": ["restaurant", "party"],
    },
}
CANCEL = {
    "type": "function",
    "function": {
        "name": "cancel_booking",
        "description": "Cancel a booking.",
        "parameters": {"type": "object", "properties": {"booking_id": {"type": "string"}}, "required": ["booking_id"]},
        "x-agentkit": {"app": "dining", "changes_state": True, "sensitive": True, "scopes": ["dining.cancel"],
                       "examples": ["cancel my dinner reservation"]},
    },
}


class Recorder:
    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.fail = fail

    def __call__(self, name: str, arguments: dict) -> dict:
        self.calls.append((name, copy.deepcopy(arguments)))
        if self.fail:
            raise self.fail
        return {"ok": True, "tool": name}


@pytest.fixture
def executor():
    return Recorder()


@pytest.fixture
def tools(executor):
    return {t.name: t for t in import_openai_tools([BOOK, CANCEL], executor, app="restaurants")}


def test_both_shapes_import_with_metadata_from_keywords_or_x_agentkit(tools):
    book, cancel = tools["book_table"], tools["cancel_booking"]
    assert isinstance(book, Tool) and book.schema() == {k: BOOK[k] for k in ("name", "description", "parameters")}
    assert (book.app, book.changes_state, book.sensitive, book.scopes) == ("restaurants", False, False, ())
    assert (cancel.app, cancel.changes_state, cancel.sensitive) == ("dining", True, True)
    assert cancel.scopes == ("dining.cancel",) and cancel.examples == ("cancel my dinner reservation",)
    assert "x-agentkit" not in cancel.schema()


def test_responses_api_flat_shape_imports(executor):
    flat = {"type": "function", **{k: BOOK[k] for k in ("name", "description", "parameters")}}
    (t,) = import_openai_tools([flat], executor)
    assert t.name == "book_table" and t.app == "imported"


def test_valid_call_runs_executor_with_defaults_filled_at_every_depth(tools, executor):
    out = tools["book_table"].invoke({"restaurant": "Luigi's", "party": {"size": 4}, "dishes": [{"name": "pizza"}]})
    assert out == {"ok": True, "tool": "book_table"}
    assert executor.calls == [("book_table", {
        "restaurant": "Luigi's",
        "party": {"size": 4, "seating": "inside"},
        "dishes": [{"name": "pizza", "vegan": False}],
        "time": "19:00",
    })]


def test_defaults_are_copies_not_shared(tools, executor):
    tools["book_table"].invoke({"restaurant": "A", "party": {"size": 1}})
    executor.calls[0][1]["dishes"].append("mutated")
    tools["book_table"].invoke({"restaurant": "B", "party": {"size": 1}})
    assert executor.calls[-1][1]["dishes"] == []
    assert BOOK["parameters"]["properties"]["dishes"]["default"] == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"party": {"size": 2}}, "missing required argument 'restaurant'"),
        ({"restaurant": "A", "party": {}}, "missing required argument 'party.size'"),
        ({"restaurant": "A", "party": {"size": "two"}}, "argument 'party.size': 'two' is not of type 'integer'"),
        ({"restaurant": "A", "party": {"size": 40}}, "argument 'party.size': 40 is greater than the maximum of 12"),
        ({"restaurant": "A", "party": {"size": 2, "seating": "roof"}}, "argument 'party.seating': 'roof' is not one of"),
        ({"restaurant": "A", "party": {"size": 2}, "dishes": [{"vegan": True}]}, "missing required argument 'dishes.0.name'"),
        ({"restaurant": "A", "party": {"size": 2}, "time": "7pm"}, "argument 'time': '7pm' does not match"),
        ({"restaurant": "A", "party": {"size": 2}, "tip": 5}, "unexpected argument 'tip'"),
        (["restaurant"], "must be a JSON object"),
    ],
)
def test_bad_arguments_are_model_fixable_and_never_reach_the_executor(tools, executor, args, fragment):
    with pytest.raises(ToolArgumentError, match="invalid arguments for 'book_table'|must be a JSON object") as info:
        tools["book_table"].invoke(args)
    assert fragment in str(info.value)
    if isinstance(args, dict):
        assert str(info.value).endswith("Parameters: restaurant, party, dishes, time.")
    assert executor.calls == []


def test_every_problem_is_named_at_once(tools):
    with pytest.raises(ToolArgumentError) as info:
        tools["book_table"].invoke({"party": {"size": 0}, "extra": 1})
    message = str(info.value)
    for fragment in ("missing required argument 'restaurant'", "unexpected argument 'extra'", "argument 'party.size'"):
        assert fragment in message


def test_schema_that_allows_more_keys_accepts_them(executor):
    open_schema = {"name": "log_event", "description": "Log an event.",
                   "parameters": {"type": "object", "properties": {"kind": {"type": "string"}},
                                  "additionalProperties": {"type": "number"}}}
    (t,) = import_openai_tools([open_schema], executor)
    t.invoke({"kind": "x", "score": 1.5})
    with pytest.raises(ToolArgumentError, match="argument 'label'"):
        t.invoke({"kind": "x", "label": "not a number"})


def test_draft_07_schema_is_honoured(executor):
    d7 = {"name": "set_volume", "description": "Set the volume.",
          "parameters": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                         "properties": {"level": {"type": "integer", "exclusiveMaximum": 11}},
                         "required": ["level"]}}
    (t,) = import_openai_tools([d7], executor)
    t.invoke({"level": 10})
    with pytest.raises(ToolArgumentError, match="argument 'level'"):
        t.invoke({"level": 11})


def test_executor_failure_reaches_the_model_as_execution_error():
    (t,) = import_openai_tools([BOOK], Recorder(fail=RuntimeError("fully booked")))
    with pytest.raises(ToolExecutionError, match="book_table failed: fully booked"):
        t.invoke({"restaurant": "A", "party": {"size": 2}})
    (t,) = import_openai_tools([BOOK], Recorder(fail=ModelRetry("say which restaurant")))
    with pytest.raises(ModelRetry, match="say which restaurant"):
        t.invoke({"restaurant": "A", "party": {"size": 2}})


def test_round_trip_keeps_name_description_parameters(executor):
    exported = export_openai_tools(import_openai_tools([BOOK, CANCEL], executor))
    assert exported == [
        {"type": "function", "function": {k: BOOK[k] for k in ("name", "description", "parameters")}},
        {"type": "function", "function": {k: v for k, v in CANCEL["function"].items() if k != "x-agentkit"}},
    ]
    with_metadata = export_openai_tools(import_openai_tools([BOOK, CANCEL], executor), metadata=True)
    assert with_metadata[1] == CANCEL
    again = import_openai_tools(with_metadata, executor)
    assert export_openai_tools(again, metadata=True) == with_metadata


class Oven:
    def __init__(self) -> None:
        self.temperature = 0


@tool(app="kitchen", changes_state=True, scopes=["kitchen.heat"], examples=["preheat the oven to 200"])
def preheat(oven: Injected[Oven], degrees: int, mode: Literal["fan", "grill"] = "fan") -> dict:
    """Preheat the oven.

    Args:
        degrees: Target temperature in Celsius.
        mode: Heating mode.
    """
    oven.temperature = degrees
    return {"temperature": degrees, "mode": mode}


def test_decorated_tools_export_and_reimport_with_the_same_behaviour(executor):
    (d,) = export_openai_tools([preheat], metadata=True)
    assert d["function"]["parameters"]["properties"].keys() == {"degrees", "mode"}  # the injected oven is hidden
    assert d["function"]["x-agentkit"] == {"app": "kitchen", "examples": ["preheat the oven to 200"],
                                           "changes_state": True, "sensitive": False, "scopes": ["kitchen.heat"]}
    (t,) = import_openai_tools([d], executor)
    assert t.schema() == preheat.schema() and (t.app, t.changes_state, t.scopes) == ("kitchen", True, ("kitchen.heat",))
    t.invoke({"degrees": 200})
    assert executor.calls == [("preheat", {"degrees": 200, "mode": "fan"})]
    for bad in ({"degrees": "hot"}, {"degrees": 200, "mode": "steam"}, {}):
        with pytest.raises(ToolArgumentError):
            t.invoke(bad)
        with pytest.raises(ToolArgumentError):
            preheat.invoke(bad, {"oven": Oven()})


def test_export_accepts_a_registry_and_rejects_non_tools():
    assert export_openai_tools(ToolRegistry([preheat]))[0]["function"]["name"] == "preheat"
    with pytest.raises(ToolDefinitionError, match="expected a Tool"):
        export_openai_tools([BOOK])


def test_agent_calls_imported_tools(executor):
    model = ScriptedChatModel(replies=[call("book_table", restaurant="Luigi's", party={"size": 2}), "Booked."])
    agent = create_agent(model, import_openai_tools([BOOK, CANCEL], executor))
    r = agent.run("Book Luigi's for two")
    assert r.answer == "Booked." and r.tool_calls[0]["ok"]
    assert executor.calls[0][1]["party"] == {"size": 2, "seating": "inside"}
    assert {t["name"] for t in model.calls[0]["tools"]} == {"book_table", "cancel_booking"}


def _with(**changes):
    d = copy.deepcopy(BOOK)
    for k, v in changes.items():
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    return d


GOOD = {"name": "ok_tool", "description": "Fine.", "parameters": {"type": "object", "properties": {}}}


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (_with(description=None), "#1 ('book_table'): missing 'description'"),
        (_with(description="  "), "tool 'book_table': a tool needs a non-empty description"),
        (_with(parameters={"type": "object", "properties": {"party": {"type": "strng"}}}),
         "tool 'book_table': invalid JSON schema for 'parameters' at properties/party/type"),
        (_with(parameters={"type": "object", "properties": {"a": {"minimum": "one"}}}),
         "invalid JSON schema for 'parameters' at properties/a/minimum"),
        (_with(parameters={"type": "array", "items": {"type": "string"}}), "must have \"type\": \"object\""),
        (_with(parameters=["restaurant"]), "'parameters' must be a JSON schema object"),
        (_with(parameters={"type": "object", "properties": {}, "required": ["who"]}),
         "required argument 'who' is not among 'properties'"),
        (_with(name="book table"), "tool 'book table': name must match"),
        (_with(name="book/table"), "tool 'book/table': name must match"),
        (_with(name=None), "#1: missing 'name'"),
        (_with(paramters={}), "unknown key(s) ['paramters']"),
        (_with(**{"x-agentkit": {"app": "dining", "sensitiv": True}}), "unknown 'x-agentkit' key(s) ['sensitiv']"),
        (_with(**{"x-agentkit": {"scopes": ["payments"]}}), "scope 'payments' must look like 'area.action'"),
        (_with(**{"x-agentkit": {"changes_state": "yes"}}), "'changes_state' must be true or false"),
        (_with(**{"x-agentkit": {"examples": "book a table"}}), "'examples' must be a list of strings"),
        ({"type": "tool", "function": BOOK}, "a wrapped definition is"),
        ("book_table", "#1: expected a JSON object"),
    ],
)
def test_bad_definition_is_a_clear_error_and_nothing_is_registered(executor, bad, fragment):
    registry = ToolRegistry()
    with pytest.raises(ToolDefinitionError) as info:
        registry.add_all(import_openai_tools([GOOD, bad, CANCEL], executor))
    assert fragment in str(info.value)
    assert len(registry) == 0 and executor.calls == []


def test_duplicate_names_are_refused_within_one_import_and_against_a_registry(executor):
    with pytest.raises(ToolDefinitionError, match=r"#2 \('book_table'\): duplicate tool name 'book_table' \(definition #0"):
        import_openai_tools([BOOK, CANCEL, BOOK], executor)
    registry = ToolRegistry(import_openai_tools([BOOK], executor))
    with pytest.raises(ToolDefinitionError, match=r"duplicate tool name\(s\) \['book_table'\]"):
        registry.add_all(import_openai_tools([CANCEL, BOOK], executor))
    assert registry.names() == ["book_table"]


def test_wrong_container_or_executor_is_refused(executor):
    with pytest.raises(ToolDefinitionError, match="a list of function definitions, got a single dict"):
        import_openai_tools(BOOK, executor)
    with pytest.raises(ToolDefinitionError, match="executor must be callable"):
        import_openai_tools([BOOK], None)
