"""Events for a UI: what an agent turn is doing, while it does it.

:func:`stream_events` turns a compiled LangGraph graph's stream into
:class:`Event` objects. It streams four LangGraph modes at once, subgraphs
included (each item arrives as a ``(namespace, mode, payload)`` tuple). Tokens,
custom events, tool calls, tool results and interrupts come from any depth (a
plan step's inner ReAct loop, say), the last three once each (by id, though the
enclosing node's update repeats them); ``step`` and ``plan`` events come from
the graph's own nodes only:

- ``"tasks"``: a node starting -> ``step`` ``{"node"}`` (LangGraph reports a
  task's start before it runs, so a UI can show what is running now);
- ``"updates"``: what a node returned -> ``plan`` ``{"steps"}`` for a ``plan``
  key, ``step`` ``{"node", "step", "text"}`` for a ``current_step`` key,
  ``tool_call`` ``{"name", "args", "id"}`` per call of an ``AIMessage``,
  ``tool_result`` ``{"name", "ok", "content", "id"}`` per ``ToolMessage``, and
  ``interrupt`` ``{"id", "value"}`` per LangGraph ``interrupt()``;
- ``"messages"``: model output chunks -> ``token`` ``{"text", "node"}``, prose
  only (chunks carrying tool calls are skipped; whole messages, which this mode
  also reports, are not tokens). A model that does not stream gives no tokens;
- ``"custom"``: what a node wrote with ``langgraph.config.get_stream_writer()``:
  a dict with a ``"kind"`` key becomes an event of that kind carrying the rest
  (anything else becomes a ``custom`` event ``{"value"}``). A plan step with a
  condition writes ``decision`` ``{"node", "step", "holds", "found", "action"}``
  when it is settled before it runs (with ``"ruled": True`` when a forecast's
  words overruled the model on a weather condition); the critic writes
  ``critique`` ``{"node", "checks", "finding", "set_aside"}`` with each verdict
  (the last: the checks whose proof was set aside, as of an app that cannot do
  the thing asked, a change beside the kind of record it makes, or a skipped
  condition of a thing with two branches or of an action in a request with
  none). In a swarm, a specialist that stopped with a part of the request no
  agent was given passes it on with ``handoff`` ``{"node", "to", "task", "why"}``.

The caller ends the stream with a ``done`` event (``Agent.stream`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage

__all__ = ["KINDS", "STREAM_MODES", "Event", "stream_events"]

KINDS = ("step", "plan", "decision", "critique", "handoff", "tool_call", "tool_result", "token", "interrupt", "done")
"""The event kinds agentkit itself emits (nodes may emit their own through the custom stream)."""

STREAM_MODES = ["updates", "messages", "custom", "tasks"]
"""The LangGraph stream modes :func:`stream_events` reads."""


@dataclass(frozen=True)
class Event:
    """One thing that happened during a turn, for display."""

    kind: str
    """``step``, ``plan``, ``tool_call``, ``tool_result``, ``token``, ``interrupt``, ``done`` (or a node's own)."""
    data: dict = field(default_factory=dict)
    """Details; the keys depend on ``kind`` (see the module docstring)."""

    def to_dict(self) -> dict:
        """As a plain dict ``{"kind", **data}``; values with a ``to_dict()`` (a RunResult) are converted."""
        return {"kind": self.kind, **{k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in self.data.items()}}


def stream_events(graph: Any, graph_input: Any, config: dict) -> Iterator[Event]:
    """Run ``graph`` on ``graph_input`` and yield what happens as :class:`Event` objects.

    Args:
        graph: A compiled LangGraph graph.
        graph_input: Its input (a state update, or a ``Command`` to resume).
        config: The run config (``thread_id``, ``recursion_limit``...).

    Yields:
        Events in the order they happen; no ``done`` event (the caller adds it).

    Raises:
        Whatever the graph raises.
    """
    plan: dict[Any, str] = {}
    seen: set[tuple[str, Any]] = set()
    for namespace, mode, payload in graph.stream(graph_input, config, stream_mode=STREAM_MODES, subgraphs=True):
        if mode == "messages":
            event = _token(*payload)
            if event is not None:
                yield event
        elif mode == "custom":
            yield _custom(payload)
        elif mode == "tasks":
            if "input" in payload and not namespace:  # a start (results carry "result" instead)
                yield Event("step", {"node": payload["name"]})
        elif mode == "updates":
            for node, update in payload.items():
                for event in _update_events(node, update, plan, root=not namespace):
                    key = (event.kind, event.data.get("id"))
                    if key[1] is not None and event.kind in _ONCE:
                        if key in seen:
                            continue
                        seen.add(key)
                    yield event


def _token(chunk: Any, meta: dict) -> Event | None:
    """A token event for a prose chunk of a model reply, else None."""
    if not isinstance(chunk, AIMessageChunk) or chunk.tool_call_chunks:
        return None
    text = _text(chunk.content)
    return Event("token", {"text": text, "node": meta.get("langgraph_node")}) if text else None


def _custom(item: Any) -> Event:
    if isinstance(item, dict) and isinstance(item.get("kind"), str):
        return Event(item["kind"], {k: v for k, v in item.items() if k != "kind"})
    return Event("custom", {"value": item})


_ONCE = ("tool_call", "tool_result", "interrupt")


def _update_events(node: str, update: Any, plan: dict[Any, str], *, root: bool) -> Iterator[Event]:
    """Events for one node's update; ``plan`` maps step ids to texts and is kept current.

    A subgraph's node (``root`` False) gives only tool calls, results and interrupts.
    """
    if node == "__interrupt__":
        for intr in update:
            yield Event("interrupt", {"id": getattr(intr, "id", None), "value": getattr(intr, "value", intr)})
        return
    if not isinstance(update, dict):
        return
    if root and isinstance(update.get("plan"), list):
        steps = [dict(s) if isinstance(s, dict) else s for s in update["plan"]]
        plan.clear()
        plan.update({s.get("id"): str(s.get("text", "")) for s in steps if isinstance(s, dict)})
        yield Event("plan", {"steps": steps})
    if root and "current_step" in update:
        step = update["current_step"]
        yield Event("step", {"node": node, "step": step, "text": plan.get(step)})
    messages = update.get("messages")
    if isinstance(messages, BaseMessage):
        messages = [messages]
    for m in messages if isinstance(messages, (list, tuple)) else []:
        if isinstance(m, AIMessage):
            for c in m.tool_calls:
                yield Event("tool_call", {"name": c["name"], "args": c["args"], "id": c.get("id")})
        elif isinstance(m, ToolMessage):
            yield Event("tool_result", {"name": m.name, "ok": m.status == "success", "content": _text(m.content),
                                        "id": m.tool_call_id})


def _text(content: Any) -> str:
    """The text of message content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content
                       if isinstance(b, str) or b.get("type") == "text")
    return str(content)
