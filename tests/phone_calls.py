"""Calling phone tools the way the agent does: ``tool.invoke(args, {"phone": phone})``."""

import pytest

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone import Phone, default_registry, diff

REGISTRY = default_registry()
"""Every built-in phone tool."""


def call(phone: Phone, tool_name: str, /, **args):
    return REGISTRY.get(tool_name).invoke(args, {"phone": phone})


def changes(phone: Phone, tool_name: str, /, **args):
    """Run a tool and return (result, [str(change), ...])."""
    before = phone.state()
    result = call(phone, tool_name, **args)
    return result, [str(c) for c in diff(before, phone.state())]


def fails(phone: Phone, tool_name: str, match: str, /, **args) -> None:
    """The call raises ToolExecutionError matching ``match`` and leaves the phone as it was."""
    before = phone.state()
    with pytest.raises(ToolExecutionError, match=match):
        call(phone, tool_name, **args)
    assert phone.state() == before
