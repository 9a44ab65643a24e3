"""The two kinds of error in agentkit.

* :class:`ModelRetry` and its children are mistakes **the model can fix**: bad
  arguments, an unknown tool, a tool that failed, output that could not be
  parsed. The agent turns them into a tool message and the loop goes on.
* :class:`AgentkitError` and its children are problems **the developer must
  fix**: bad configuration, a missing model file, a tool defined wrongly. They
  are raised to the caller.

This module is a leaf: it imports nothing from agentkit, so tools, memory and
the runtime can all depend on it.
"""

from __future__ import annotations

__all__ = [
    "AgentkitError",
    "ConfigurationError",
    "ModelLoadError",
    "ToolDefinitionError",
    "StepLimitError",
    "ModelRetry",
    "UnknownToolError",
    "ToolArgumentError",
    "ToolExecutionError",
    "ToolCallParseError",
]


class AgentkitError(Exception):
    """Base class for errors the developer must fix."""


class ConfigurationError(AgentkitError):
    """A setting, argument or spec given to agentkit is not valid."""


class ModelLoadError(AgentkitError):
    """A model could not be loaded (missing file, bad checksum, missing extra)."""


class ToolDefinitionError(AgentkitError):
    """A tool is declared wrongly (missing docstring, undocumented parameter, ...)."""


class StepLimitError(AgentkitError):
    """The agent used up its step budget without finishing."""


class ModelRetry(Exception):
    """Base class for errors the model can fix; sent back to it as a tool message.

    Args:
        message: What went wrong, for the model.
        choices: The values the argument may take instead, when the error lists them (the
            existing notes, say); the agent points out the one the user's request names.
    """

    def __init__(self, message: str = "", *, choices: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.choices = tuple(choices)


class UnknownToolError(ModelRetry):
    """The model called a tool that is not available."""


class ToolArgumentError(ModelRetry):
    """The model's arguments do not match the tool's schema."""


class ToolExecutionError(ModelRetry):
    """The tool ran and failed; the message says why (e.g. no such contact)."""


class ToolCallParseError(ModelRetry):
    """The model's reply looked like a tool call but could not be parsed."""
