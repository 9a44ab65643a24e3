"""The @tool decorator, schemas from type hints and docstrings, validation, the registry."""

from typing import Literal

import pytest

from agentkit.errors import ToolArgumentError, ToolDefinitionError, ToolExecutionError, UnknownToolError
from agentkit.tools import Injected, ToolRegistry, tool
from agentkit.tools.loading import load_registry


class Box:
    def __init__(self) -> None:
        self.items: list[str] = []


@tool(app="demo", changes_state=True, examples=["put apples in the box"])
def put(box: Injected[Box], item: str, count: int = 1, colour: Literal["red", "green"] = "red") -> dict:
    """Put items in the box.

    Args:
        item: What to put in.
        count: How many,
            at least one.
        colour: Colour of the items.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    box.items.extend([item] * count)
    return {"size": len(box.items)}


def test_schema_from_hints_and_docstring():
    s = put.schema()
    assert s["name"] == "put" and s["description"] == "Put items in the box."
    props = s["parameters"]["properties"]
    assert set(props) == {"item", "count", "colour"}  # the injected box is hidden
    assert props["count"] == {"type": "integer", "default": 1, "description": "How many, at least one."}
    assert props["colour"]["enum"] == ["red", "green"]
    assert s["parameters"]["required"] == ["item"]
    assert put.injected == ("box",) and put.changes_state and put.app == "demo"


def test_invoke_injects_and_runs():
    box = Box()
    assert put.invoke({"item": "apple", "count": 2}, {"box": box}) == {"size": 2}
    assert box.items == ["apple", "apple"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"item": "a", "count": "many"}, "argument 'count'"),
        ({"count": 2}, "missing required argument 'item'"),
        ({"item": "a", "size": 3}, "unexpected argument 'size'"),
        ({"item": "a", "colour": "blue"}, "argument 'colour'"),
        (["item"], "must be a JSON object"),
    ],
)
def test_bad_arguments_are_model_fixable(args, fragment):
    box = Box()
    with pytest.raises(ToolArgumentError, match=fragment):
        put.invoke(args, {"box": box})
    assert box.items == []


def test_tool_failure_is_wrapped_with_reason():
    box = Box()
    with pytest.raises(ToolExecutionError, match="put failed: count must be at least 1"):
        put.invoke({"item": "a", "count": 0}, {"box": box})


def test_missing_runtime_object_is_reported():
    with pytest.raises(ToolExecutionError, match="runtime object 'box'"):
        put.invoke({"item": "a"}, {})


def test_undocumented_parameter_is_a_definition_error():
    with pytest.raises(ToolDefinitionError, match="parameter 'b' has no description"):
        @tool(app="x")
        def f(a: int, b: int) -> int:
            """Add.

            Args:
                a: First.
            """


def test_missing_docstring_and_hints_are_definition_errors():
    with pytest.raises(ToolDefinitionError, match="needs a docstring"):
        @tool(app="x")
        def g(a: int) -> int:
            return a

    with pytest.raises(ToolDefinitionError, match="no type hint"):
        @tool(app="x")
        def h(a) -> int:
            """H.

            Args:
                a: A.
            """


def test_registry_rejects_duplicates_atomically():
    reg = ToolRegistry([put])
    with pytest.raises(ToolDefinitionError, match="duplicate"):
        reg.add(put)

    @tool(app="demo")
    def other() -> str:
        """Other."""
        return "x"

    with pytest.raises(ToolDefinitionError, match="duplicate"):
        reg.add_all([other, put])
    assert reg.names() == ["put"]  # nothing half-registered


def test_unknown_tool_suggests_close_names():
    reg = ToolRegistry([put])
    with pytest.raises(UnknownToolError, match="unknown tool 'putt'.*'put'"):
        reg.get("putt")


def test_builtin_apps_register_through_entry_points():
    reg = load_registry()
    apps = reg.by_app()
    assert {"messages", "clock", "calendar", "contacts", "reminders", "notes", "settings", "weather"} <= set(apps)
    assert "send_message" in reg and reg.get("send_message").sensitive


def test_a_parameter_named_title_survives_schema_cleaning():
    @tool(app="notes")
    def make_note(title: str, body: str) -> dict:
        """Make a note.

        Args:
            title: The note's title.
            body: The text.
        """
        return {}

    props = make_note.schema()["parameters"]["properties"]
    assert props["title"] == {"type": "string", "description": "The note's title."}
    assert "title" not in make_note.schema()["parameters"]


def test_scopes_are_kept_and_checked():
    @tool(app="bank", scopes=["payments.send", "contacts.read"])
    def pay(to: str) -> str:
        """Pay someone.

        Args:
            to: Who.
        """
        return to

    assert pay.scopes == ("payments.send", "contacts.read")
    for bad in ("payments.send", ["payments"], ["a.b.c"], [""]):
        with pytest.raises(ToolDefinitionError, match="scope"):
            tool(pay.fn, app="bank", scopes=bad)


def test_finished_by_names_the_capability_that_completes_a_tool_and_travels_in_openai_metadata():
    from agentkit.tools.openai_format import export_openai_tools, import_openai_tools

    @tool(app="shop", changes_state=True, finished_by="checkout")
    def add_to_cart(item: str) -> str:
        """Add an item to the cart.

        Args:
            item: What to add.
        """
        return item

    assert add_to_cart.finished_by == "checkout" and put.finished_by is None
    (d,) = export_openai_tools([add_to_cart], metadata=True)
    assert d["function"]["x-agentkit"]["finished_by"] == "checkout"
    (again,) = import_openai_tools([d], lambda name, args: None)
    assert again.finished_by == "checkout"
    for bad in ("check out!", 3, ""):
        with pytest.raises(ToolDefinitionError, match="finished_by"):
            tool(add_to_cart.fn, app="shop", finished_by=bad)
    with pytest.raises(ToolDefinitionError, match="finished_by"):
        import_openai_tools([{**d["function"], "x-agentkit": {"finished_by": ["checkout"]}}], lambda n, a: None)


def test_the_registry_says_whether_a_name_changes_state():
    reg = ToolRegistry([put])
    assert reg.changes_state("put") is True
    assert reg.changes_state("nope") is False and reg.changes_state(None) is False and reg.changes_state(["put"]) is False


def test_a_tool_is_rehearsable_only_when_it_says_so():
    @tool(app="notes")
    def read(title: str) -> str:
        """Read a note.

        Args:
            title: Its title.
        """
        return title

    @tool(app="notes", changes_state=True)
    def post(title: str) -> str:
        """Post a note to a server.

        Args:
            title: Its title.
        """
        return title

    assert not read.rehearsable and not post.rehearsable  # it may reach a server unless it says otherwise
    assert tool(post.fn, app="notes", changes_state=True, rehearsable=True).rehearsable
    assert load_registry().get("delete_photo").rehearsable  # the phone's tools write through its transactions
    with pytest.raises(ToolDefinitionError, match="'rehearsable' must be true or false"):
        tool(post.fn, app="notes", changes_state=True, rehearsable="yes")
