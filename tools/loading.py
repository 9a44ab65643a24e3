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
    Either every entry point loads or no registry is made.

    Raises:
        ToolDefinitionError: an entry point does not load, holds something
            else, or has a tool whose name another entry point has; the
            message names the entry point(s).
    """
    tools: list[Tool] = []
    source: dict[str, str] = {}
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        where = f"entry point {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:
            raise ToolDefinitionError(f"{where} failed to load: {type(exc).__name__}: {exc}") from exc
        if callable(obj) and not isinstance(obj, Tool):
            try:
                obj = obj()
            except Exception as exc:
                raise ToolDefinitionError(f"{where}: calling it failed: {type(exc).__name__}: {exc}") from exc
        try:
            items = [obj] if isinstance(obj, Tool) else list(obj)
        except TypeError:
            raise ToolDefinitionError(f"{where} must name a list of Tools (or a function returning one), got {obj!r}") from None
        bad = [i for i in items if not isinstance(i, Tool)]
        if bad:
            raise ToolDefinitionError(f"{where} holds non-tools: {bad[:3]!r}")
        for t in items:
            if t.name in source:
                raise ToolDefinitionError(f"{where}: tool name {t.name!r} is taken by {source[t.name]}")
            source[t.name] = where
        tools.extend(items)
    return ToolRegistry(tools)
