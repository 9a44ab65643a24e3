"""What the plan and team graphs share about one user turn: its request, its messages, token usage.

Both run ReAct loops (``agentkit.graph``) inside a larger graph and make model
calls of their own (planner, critic, supervisor); these helpers find the turn's
request and messages, add up usage, and build the final answer that carries
the outer calls' usage so that the turn's result counts them.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

from agentkit.graph import FEEDBACK_NAME, retryable
from agentkit.tools.registry import ToolRegistry

__all__ = ["add_usage", "answer_with_overhead", "carried_calls", "emit", "request_of", "state_changes", "this_turn",
           "usage_of"]


def add_usage(a: dict | None, b: dict | None) -> dict:
    a = a or {}
    return {} if b is None else {k: a.get(k, 0) + b.get(k, 0) for k in {*a, *b}}


def usage_of(reply: AIMessage) -> dict:
    usage = reply.usage_metadata or {}
    cached = int((usage.get("input_token_details") or {}).get("cache_read", 0) or 0)
    return {"llm_calls": int((reply.response_metadata or {}).get("llm_calls", 1)),
            "input": int(usage.get("input_tokens", 0)), "output": int(usage.get("output_tokens", 0)),
            "cached": cached}


def emit(event: dict) -> None:
    """Send a custom stream event (for UIs) when the graph is being streamed."""
    try:
        from langgraph.config import get_stream_writer

        get_stream_writer()(event)
    except Exception:  # noqa: BLE001 - not streaming, or outside a run: nothing to tell
        pass


def request_of(messages: list[AnyMessage]) -> str:
    for m in reversed(messages):
        if isinstance(m, HumanMessage) and m.name != FEEDBACK_NAME:
            return str(m.content)
    return ""


def answer_with_overhead(text: str, over: dict) -> AIMessage:
    """The turn's final answer, carrying the usage of the calls made outside any ReAct loop
    (planner, critic, supervisor), so that the turn's result counts them."""
    usage = {"input_tokens": over.get("input", 0), "output_tokens": over.get("output", 0),
             "total_tokens": over.get("input", 0) + over.get("output", 0),
             "input_token_details": {"cache_read": over.get("cached", 0)}}
    return AIMessage(text, usage_metadata=usage, response_metadata={"llm_calls": over.get("llm_calls", 0)})


def state_changes(messages: list[AnyMessage], registry: ToolRegistry) -> list[ToolMessage]:
    """The successful calls among ``messages`` that changed state (what a later loop must not redo)."""
    return [m for m in messages if isinstance(m, ToolMessage) and m.status == "success"
            and registry.changes_state(m.name)]


def carried_calls(messages: list[AnyMessage], registry: ToolRegistry) -> list[ToolMessage]:
    """What a later loop of the same request must know of, in order: the successful state changes
    (not to be redone), the calls the user declined (not to be asked about again), and the calls
    that failed since the last state change (the very same call would fail again: a later loop
    that repeats one is told so instead of running it)."""
    tools = [m for m in messages if isinstance(m, ToolMessage)]
    changes = {i for i, m in enumerate(tools) if m.status == "success" and registry.changes_state(m.name)}
    since = max(changes, default=-1)
    return [m for i, m in enumerate(tools) if (
        i in changes or (isinstance(m.artifact, dict) and bool(m.artifact.get("declined")))
        or (i > since and m.status == "error" and isinstance(m.artifact, dict) and "name" in m.artifact
            and retryable(m)))]


def this_turn(messages: list[AnyMessage]) -> list[AnyMessage]:
    """The messages after the turn's request (steps keep their own requests out of the history)."""
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage) and messages[i].name != FEEDBACK_NAME:
            return messages[i + 1:]
    return list(messages)
