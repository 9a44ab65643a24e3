"""Streaming events for a UI: the event mapping, Agent.stream, model token streaming, `agentkit run --stream`."""

import json
import operator
from functools import reduce
from typing import Annotated, TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import interrupt

from agentkit import create_agent
from agentkit.cli import main
from agentkit.errors import ModelLoadError
from agentkit.events import Event, stream_events
from agentkit.models import ScriptedChatModel
from agentkit.models._toolcalls import parse_reply
from agentkit.models.llamacpp import _ProseStream
from agentkit.models.scripted import call
from agentkit.tools import tool
from agentkit.tools.phone import Phone


def script():
    return [call("send_message", to="Alice", body="I'll be 10 minutes late"), "Done, Alice knows she is late."]


def agent_for(replies, registry, index):
    return create_agent(ScriptedChatModel(replies=list(replies)), registry, device=Phone(), index=index)


def squeeze(events):
    """Event kinds with runs of tokens shown once."""
    kinds = [e.kind for e in events]
    return [k for i, k in enumerate(kinds) if k != "token" or i == 0 or kinds[i - 1] != "token"]


# -- Agent.stream ------------------------------------------------------------------------------


def test_one_tool_turn_streams_steps_call_result_tokens_done(registry, index):
    events = list(agent_for(script(), registry, index).stream("Text Alice that I'll be 10 minutes late"))
    assert squeeze(events) == ["step", "step", "tool_call", "step", "tool_result", "step", "token", "done"]
    assert [e.data["node"] for e in events if e.kind == "step"] == ["retrieve_tools", "model", "tools", "model"]
    call_event = next(e for e in events if e.kind == "tool_call")
    assert call_event.data["name"] == "send_message" and call_event.data["args"]["to"] == "Alice"
    result_event = next(e for e in events if e.kind == "tool_result")
    assert result_event.data["name"] == "send_message" and result_event.data["ok"] is True
    assert "Alice Johnson" in result_event.data["content"] and result_event.data["id"] == call_event.data["id"]
    tokens = [e for e in events if e.kind == "token"]
    assert len(tokens) > 1 and {e.data["node"] for e in tokens} == {"model"}


def test_done_carries_what_run_returns_and_tokens_make_the_answer(registry, index):
    ran = agent_for(script(), registry, index).run("Text Alice that I'll be 10 minutes late")
    events = list(agent_for(script(), registry, index).stream("Text Alice that I'll be 10 minutes late"))
    done = events[-1]
    assert done.kind == "done" and set(done.data) == {"answer", "error", "thread_id", "result"}
    streamed = done.data["result"]
    assert done.data["answer"] == streamed.answer == ran.answer == "Done, Alice knows she is late."
    assert done.data["error"] is None and done.data["thread_id"] == streamed.thread_id
    got, want = streamed.to_dict(), ran.to_dict()
    for d in (got, want):
        d.pop("seconds"), d.pop("thread_id")
    assert got == want
    assert "".join(e.data["text"] for e in events if e.kind == "token") == ran.answer
    json.dumps(done.to_dict())  # the result is converted, so a done event is JSON-able


def test_stream_continues_a_thread(registry, index):
    agent = agent_for(["Hello!", "Still here."], registry, index)
    first = list(agent.stream("hi"))[-1]
    second = list(agent.stream("are you there", thread_id=first.data["thread_id"]))[-1]
    assert second.data["answer"] == "Still here." and second.data["thread_id"] == first.data["thread_id"]
    assert len(agent.history(first.data["thread_id"])) == 4


def test_an_agentkit_error_ends_with_done_and_the_error(registry, index):
    def broken(messages, tools):
        raise ModelLoadError("weights went missing")

    ran = agent_for([broken], registry, index).run("turn off wifi")
    events = list(agent_for([broken], registry, index).stream("turn off wifi"))
    assert events[-1].kind == "done" and [e.kind for e in events].count("done") == 1
    assert events[-1].data["error"] == ran.error == "ModelLoadError: weights went missing"
    assert events[-1].data["answer"] is None and events[-1].data["result"].error == ran.error


# -- stream_events on hand-built graphs --------------------------------------------------------


class _State(TypedDict, total=False):
    messages: Annotated[list, add_messages]
    plan: list
    current_step: int
    count: Annotated[int, operator.add]


def _graph(*nodes, inner=False):
    g = StateGraph(_State)
    for fn in nodes:
        g.add_node(fn.__name__, fn)
    for a, b in zip([START, *[f.__name__ for f in nodes]], [*[f.__name__ for f in nodes], END]):
        g.add_edge(a, b)
    return g.compile() if inner else g.compile(checkpointer=InMemorySaver())


def _events(graph, graph_input=None, thread="t"):
    return list(stream_events(graph, graph_input if graph_input is not None else {"messages": []},
                              {"configurable": {"thread_id": thread}}))


def test_custom_stream_items_become_events():
    def worker(state):
        write = get_stream_writer()
        write({"kind": "progress", "done": 1, "of": 3})
        write("not a dict")
        return {"count": 1}

    events = _events(_graph(worker))
    assert events == [Event("step", {"node": "worker"}), Event("progress", {"done": 1, "of": 3}),
                      Event("custom", {"value": "not a dict"})]


def test_plan_and_current_step_updates_become_plan_and_step_events():
    steps = [{"id": 1, "text": "find Bob's number", "depends_on": [], "status": "todo"},
             {"id": 2, "text": "text Bob", "depends_on": [1], "status": "todo"}]

    def planner(state):
        return {"plan": steps}

    def executor(state):
        return {"current_step": 2}

    events = _events(_graph(planner, executor))
    assert events == [Event("step", {"node": "planner"}), Event("plan", {"steps": steps}),
                      Event("step", {"node": "executor"}),
                      Event("step", {"node": "executor", "step": 2, "text": "text Bob"})]


def test_interrupt_becomes_an_interrupt_event():
    asked = {"tool": "send_message", "args": {"to": "Bob", "body": "hi"}, "description": "send 'hi' to Bob"}

    def confirm(state):
        answer = interrupt(asked)
        return {"messages": [AIMessage(f"answer: {answer}")]}

    graph = _graph(confirm)
    events = _events(graph)
    assert [e.kind for e in events] == ["step", "interrupt"]
    pending = graph.get_state({"configurable": {"thread_id": "t"}}).interrupts
    assert events[1].data == {"id": pending[0].id, "value": asked}


def test_tool_call_chunks_and_whole_messages_are_not_tokens():
    model = ScriptedChatModel(replies=[call("set_wifi", on=False), "Wi-Fi is off."])

    def agent(state):
        return {"messages": [model.invoke(state["messages"]), model.invoke(state["messages"])]}

    events = _events(_graph(agent), {"messages": [HumanMessage("wifi off")]})
    assert [e.kind for e in events] == ["step", "token", "token", "token", "tool_call"]
    assert "".join(e.data["text"] for e in events if e.kind == "token") == "Wi-Fi is off."


def test_a_loop_inside_a_node_streams_tokens_and_each_call_once():
    model = ScriptedChatModel(replies=[call("set_wifi", on=False), "Wi-Fi is off."])

    def think(state):
        return {"messages": [model.invoke(state["messages"])]}

    def act(state):
        return {"messages": [ToolMessage("done", tool_call_id=state["messages"][-1].tool_calls[0]["id"],
                                         name="set_wifi")]}

    def answer(state):
        return {"messages": [model.invoke(state["messages"])]}

    loop = _graph(think, act, answer, inner=True)

    def step(state, config):  # like a plan step: a whole loop inside one node
        final = loop.invoke({"messages": state["messages"]}, config)
        return {"messages": final["messages"][len(state["messages"]):]}

    events = _events(_graph(step), {"messages": [HumanMessage("wifi off")]})
    # the loop's call and result show while it runs, not again when the node returns them
    assert squeeze(events) == ["step", "tool_call", "tool_result", "token"]
    assert events[0].data == {"node": "step"} and events[-1].data == {"text": "off.", "node": "answer"}


# -- model streaming -----------------------------------------------------------------------------


@pytest.mark.parametrize("reply", ["Sure thing, it is done.", call("set_wifi", on=False),
                                   '<tool_call>\n{"name": "set_wifi", "arguments": {"on": false}}\n</tool_call>'])
def test_scripted_stream_adds_up_to_invoke(reply):
    chunks = list(ScriptedChatModel(replies=[reply]).stream([HumanMessage("hi")]))
    whole = ScriptedChatModel(replies=[reply]).invoke([HumanMessage("hi")])
    total = reduce(operator.add, chunks)
    assert total.content == whole.content and total.usage_metadata == whole.usage_metadata
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [(c["name"], c["args"]) for c in whole.tool_calls]
    assert total.response_metadata == whole.response_metadata
    assert len(chunks) == (5 if isinstance(reply, str) and not reply.startswith("<") else 1)


def _final_content(text: str, parsed: bool, stops: list[str]) -> str:
    """The content the llama backend gives for raw reply ``text`` (see LlamaCppChatModel._to_message)."""
    for s in stops:
        if s in text:
            text = text[: text.index(s)]
    return parse_reply(text).content if parsed else text.strip()


def _feed(text: str, parsed: bool, stops: list[str], step: int = 1) -> tuple[list[str], str]:
    sink = _ProseStream(parsed=parsed, stops=stops)
    for end in range(step, len(text) + step, step):
        sink.update(text[:end])
    final = _final_content(text, parsed, stops)
    sink.finish(final)
    return sink.pending, final


@pytest.mark.parametrize("text,parsed,streamed", [
    ("The weather in Rome is sunny.", True, "The weather in Rome is sunny."),
    ("  Hello there.  ", False, "Hello there."),
    ('Let me check. <tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>', True, "Let me check."),
    ('{"name": "get_weather", "arguments": {"city": "Rome"}}', True, ""),
    ('```json\n{"name": "get_weather", "arguments": {}}\n```', True, ""),
    ("Sure, see below:\n```json\n{\"name\": \"x\"}\n```", True, "Sure, see below:"),
    ("Okay. STOP and more", False, "Okay."),
])
def test_prose_stream_sends_prose_only_and_adds_up(text, parsed, streamed):
    stops = ["STOP"] if "STOP" in text else []
    pieces, final = _feed(text, parsed, stops)
    assert "".join(pieces) == final
    sink = _ProseStream(parsed=parsed, stops=stops)
    for end in range(1, len(text) + 1):
        sink.update(text[:end])
    assert "".join(sink.pending) == streamed  # what went out while decoding, before finish()


def test_prose_stream_holds_back_an_unfinished_character_and_trailing_space():
    sink = _ProseStream(parsed=True)
    for text in ["Caf", "Caf\ufffd", "Café ", "Café au", "Café au lait <tool", "Café au lait <tool_call>"]:
        sink.update(text)
    assert sink.pending == ["Caf", "é", " au", " lait"]


_PARTS = list('ab {}[]`<>_/\n"') + ["<tool_call>", "</tool_call>", "```", "STOP", '"name": "x"', "Hi there."]


@given(st.lists(st.sampled_from(_PARTS), max_size=30).map("".join), st.booleans(),
       st.sampled_from([[], ["STOP"], ["}", "STOP"]]), st.integers(1, 4))
def test_prose_stream_never_sends_more_than_the_final_content(text, parsed, stops, step):
    pieces, final = _feed(text, parsed, stops, step)
    # every piece went out before the end, yet all of them together are exactly the content
    assert "".join(pieces) == (final if isinstance(final, str) else "")


# -- the CLI -------------------------------------------------------------------------------------


def _scripted_cli(monkeypatch, registry, index, replies):
    from agentkit import cli, models

    monkeypatch.setattr(models, "load_model", lambda spec, **kw: ScriptedChatModel(replies=list(replies)))
    monkeypatch.setattr(cli, "_registry_and_index", lambda args, need_index=True: (registry, index))


def test_run_stream_prints_events_then_the_summary(monkeypatch, capsys, tmp_path, registry, index):
    _scripted_cli(monkeypatch, registry, index, [call("set_wifi", on=False), "Wi-Fi is now off."])
    assert main(["run", "Turn off wifi", "--phone", str(tmp_path / "p.sqlite"), "--reset", "--stream"]) == 0
    out = capsys.readouterr().out
    assert "[step] model\n[call] set_wifi(on=False)\n[step] tools\n[result] set_wifi -> " in out
    assert "\n[step] model\nWi-Fi is now off.\n" in out
    assert "answer: Wi-Fi is now off." in out and "~ settings.wifi: true -> false" in out
    assert "[tools]" not in out  # the summary does not repeat the streamed steps


def test_run_stream_json_prints_json_lines(monkeypatch, capsys, tmp_path, registry, index):
    _scripted_cli(monkeypatch, registry, index, [call("set_wifi", on=False), "Wi-Fi is now off."])
    code = main(["run", "Turn off wifi", "--phone", str(tmp_path / "p.sqlite"), "--reset", "--stream", "--json"])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 0 and "model:" in captured.err
    assert [x["kind"] for x in lines][-1] == "done" and "tool_call" in [x["kind"] for x in lines]
    done = lines[-1]
    assert done["answer"] == "Wi-Fi is now off." and done["changes"] == ["~ settings.wifi: true -> false"]
    assert done["result"]["tool_calls"][0]["name"] == "set_wifi"


# -- the real model (slow) -----------------------------------------------------------------------


@tool(app="demo")
def get_weather(city: str) -> dict:
    """Get the weather forecast for a city.

    Args:
        city: City name.
    """
    return {"city": city, "forecast": "sunny"}


@pytest.fixture(scope="module")
def qwen():
    from agentkit.models import load_model

    return load_model("qwen2.5-0.5b")


@pytest.mark.slow
def test_real_model_streams_prose_tokens_that_add_up_to_invoke(qwen):
    prompt = [SystemMessage("You are a friendly assistant."), HumanMessage("Describe a cat in two sentences.")]
    qwen.invoke(prompt)  # same KV-cache state for the two calls compared below
    chunks = list(qwen.stream(prompt))
    whole = qwen.invoke(prompt)
    assert len(chunks) > 5
    total = reduce(operator.add, chunks)
    assert total.content == whole.content and total.usage_metadata == whole.usage_metadata
    assert {k: v for k, v in total.response_metadata.items() if not k.endswith("seconds")} == \
        {k: v for k, v in whole.response_metadata.items() if not k.endswith("seconds")}


@pytest.mark.slow
def test_real_model_streams_a_tool_call_as_one_final_chunk(qwen):
    bound = qwen.bind_tools([get_weather])
    prompt = [SystemMessage("You are a phone assistant. Call a function when one fits."),
              HumanMessage("What's the weather in Rome?")]
    bound.invoke(prompt)  # same KV-cache state for the two calls compared below
    chunks = list(bound.stream(prompt))
    whole = bound.invoke(prompt)
    assert whole.tool_calls and all(not c.content for c in chunks)
    total = reduce(operator.add, chunks)
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [(c["name"], c["args"]) for c in whole.tool_calls]
    assert total.usage_metadata == whole.usage_metadata


@pytest.mark.slow
def test_real_agent_stream_yields_tokens_and_the_same_answer_as_run(qwen):
    agent = create_agent(qwen, [get_weather], system_prompt="You are a friendly assistant. Answer in plain text.")
    ran = agent.run("Say hello and tell me one fact about cats.")
    events = list(agent.stream("Say hello and tell me one fact about cats."))
    tokens = [e.data["text"] for e in events if e.kind == "token"]
    assert ran.answer and len(tokens) > 3
    assert events[-1].kind == "done" and events[-1].data["answer"] == ran.answer == "".join(tokens).strip()


@pytest.mark.slow
def test_cli_run_stream_json_on_the_default_model(capsys, tmp_path):
    code = main(["run", "Turn off wifi", "--phone", str(tmp_path / "phone.sqlite"), "--reset", "--json", "--stream"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and lines[-1]["kind"] == "done" and lines[-1]["error"] is None
    assert lines[-1]["changes"] == ["~ settings.wifi: true -> false"]
    assert any(x["kind"] == "tool_call" and x["name"] == "set_wifi" for x in lines)
