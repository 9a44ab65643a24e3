"""The simulated phone and its apps' tools (import name ``agentkit.tools.phone``).

Example::

    from agentkit.tools.phone import Phone, default_registry

    phone = Phone()                      # in memory, default seed
    registry = default_registry()
    registry.get("set_wifi").invoke({"on": False}, {"phone": phone})
"""

from agentkit.tools.phone.device import Change, Phone, diff
from agentkit.tools.phone.seed import default_seed
from agentkit.tools.phone.apps import TOOLS
from agentkit.tools.registry import ToolRegistry

__all__ = ["APPS", "Change", "Phone", "TOOLS", "default_registry", "default_seed", "diff"]

APPS = frozenset(t.app for t in TOOLS)
"""The phone's own apps: the defaults that answer a request naming no app."""


def default_registry() -> ToolRegistry:
    """A new :class:`ToolRegistry` holding every phone tool."""
    return ToolRegistry(TOOLS)
