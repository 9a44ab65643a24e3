"""Loading tools from the ``agentkit.tools`` entry-point group (built-in apps included)."""

from __future__ import annotations

from importlib.metadata import entry_points

from agentkit.errors import ToolDefinitionError
from agentkit.tools.registry import Tool, ToolRegistry

__all__ = ["GROUP", "load_registry"]

GROUP = "agentkit.tools"


def load_registry(group: str = GROUP) -> ToolRegistry:
    """A registry of every tool that installed packages expose under ``group``.

    Each entry point names a list of :class:`Tool` (or a function returning one).

    Raises:
        ToolDefinitionError: an entry point does not load or holds something else;
            the message names the entry point.
    """
    tools: list[Tool] = []
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:
            raise ToolDefinitionError(f"entry point {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        if callable(obj) and not isinstance(obj, Tool):
            obj = obj()
        items = [obj] if isinstance(obj, Tool) else list(obj)
        bad = [i for i in items if not isinstance(i, Tool)]
        if bad:
            raise ToolDefinitionError(f"entry point {ep.name!r} ({ep.value}) holds non-tools: {bad[:3]!r}")
        tools.extend(items)
    return ToolRegistry(tools)
