"""Human confirmation of risky tool calls: pause the graph, show what will happen, act on the answer.

The ``confirm`` node sits between the model and the tools. For each call the
policy flags, it raises a LangGraph ``interrupt`` whose value describes the
call; the run stops there, checkpointed, and continues (in this process or
another one, given the same checkpointer and thread) when the caller resumes
with a decision:

- ``"approve"``: run the call as proposed;
- ``"deny"``: do not run it; the model is told the user declined;
- ``{"edit": {"body": "..."}}``: run it with these arguments changed.

Example::

    agent = create_agent(device=phone, confirm=True, checkpointer="runs/threads.sqlite")
    r = agent.run("Pay Bob $20 for lunch")
    r.pending[0]["description"]   # "send_payment: to='Bob', amount=20, ..."
    r = agent.resume(r.thread_id, "approve")
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Union

from agentkit.errors import ConfigurationError
from agentkit.tools.registry import Tool

__all__ = ["ConfirmPolicy", "Decision", "describe_call", "parse_decision", "sensitive_tools"]

Decision = Union[str, Mapping[str, Any]]
"""``"approve"``, ``"deny"`` or ``{"edit": {argument: value}}``."""

ConfirmPolicy = Callable[[Tool, dict], bool]
"""Whether a proposed call (tool, arguments) needs the user's confirmation."""


def sensitive_tools(tool: Tool, args: dict) -> bool:
    """The default policy: confirm every call of a tool declared ``sensitive``."""
    return tool.sensitive


def describe_call(tool: Tool, args: dict) -> str:
    """One line for the user: what the call will do, with its arguments."""
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    return f"{tool.name}({shown}): {tool.description}"


def parse_decision(decision: Any) -> dict[str, Any]:
    """Normalize a decision to ``{"action": "approve"|"deny"|"edit", "args": {...}}``.

    Raises:
        ConfigurationError: anything else (a typo must not approve or deny by accident).
    """
    if isinstance(decision, str) and decision in ("approve", "deny"):
        return {"action": decision, "args": {}}
    if isinstance(decision, Mapping) and set(decision) == {"edit"} and isinstance(decision["edit"], Mapping):
        return {"action": "edit", "args": dict(decision["edit"])}
    if isinstance(decision, Mapping) and decision.get("action") in ("approve", "deny", "edit"):
        return {"action": decision["action"], "args": dict(decision.get("args") or {})}
    raise ConfigurationError(
        f"a confirmation decision is 'approve', 'deny' or {{'edit': {{argument: value}}}}, got {decision!r}")
