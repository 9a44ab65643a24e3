"""The tool registry and the simulated phone's apps (import name ``agentkit.tools``)."""

from agentkit.tools.registry import Injected, Tool, ToolRegistry, tool

__all__ = ["Injected", "Tool", "ToolRegistry", "tool"]
