"""Tools from and to OpenAI function-calling JSON.

A definition is ``{"name", "description", "parameters"}`` (``parameters`` a
JSON schema with ``"type": "object"``), the same wrapped as
``{"type": "function", "function": {...}}`` (Chat Completions), or flat with
``"type": "function"`` beside the other keys (Responses API). ``"strict"`` is
accepted and not kept. agentkit's App-Intents-like
metadata rides along under an optional ``"x-agentkit"`` key::

    {"type": "function",
     "function": {"name": "pay_parking",
                  "description": "Pay for a parking spot.",
                  "parameters": {"type": "object",
                                 "properties": {"spot": {"type": "string"}},
                                 "required": ["spot"]},
                  "x-agentkit": {"app": "parking", "changes_state": true,
                                 "sensitive": true, "scopes": ["parking.pay"]}}}
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterable, Mapping

from agentkit.errors import ToolDefinitionError
from agentkit.tools.registry import Tool

__all__ = ["METADATA_KEY", "export_openai_tools", "import_openai_tools"]

METADATA_KEY = "x-agentkit"
"""Key of agentkit's metadata (app, examples, changes_state, sensitive, scopes, finished_by) in a definition."""

_FUNCTION_KEYS = frozenset({"name", "description", "parameters", "strict", METADATA_KEY})
_METADATA_FIELDS = ("app", "examples", "changes_state", "sensitive", "scopes", "finished_by")
_NO_PARAMETERS = {"type": "object", "properties": {}}


def import_openai_tools(
    definitions: Iterable[Mapping[str, Any]],
    executor: Callable[[str, dict], Any],
    *,
    app: str = "imported",
    examples: Iterable[str] = (),
    changes_state: bool = False,
    sensitive: bool = False,
    scopes: Iterable[str] = (),
) -> list[Tool]:
    """Tools from OpenAI function definitions; ``executor`` runs their calls.

    Each call's arguments are checked against the definition's JSON schema
    first (a :class:`~agentkit.errors.ToolArgumentError` names each problem, so
    the model can fix it), missing optional arguments get their defaults, and
    then ``executor(name, arguments)`` runs. An exception from the executor
    reaches the model as a :class:`~agentkit.errors.ToolExecutionError`.

    The keyword arguments are the metadata of every tool; a definition's
    ``"x-agentkit"`` object overrides them for that tool.

    Args:
        definitions: A list of ``{"name", "description", "parameters"}`` dicts,
            or of ``{"type": "function", "function": {...}}`` wrappers.
        executor: ``executor(name, arguments) -> result`` runs one call.
        app: The app that owns the tools.
        examples: Example user utterances, used for retrieval.
        changes_state: Whether the tools change device state.
        sensitive: Whether the actions need extra care (money, privacy, others).
        scopes: Permissions they need, as ``area.action`` strings.

    Returns:
        The tools, in the order given; register them with
        ``ToolRegistry.add_all`` or pass them to ``create_agent``.

    Raises:
        ToolDefinitionError: a definition is bad (no description, an invalid
            schema, a bad or duplicate name, unknown keys); the message names
            the definition and its tool, and no tool is returned.
    """
    if isinstance(definitions, (Mapping, str, bytes)):
        raise ToolDefinitionError(
            f"definitions must be a list of function definitions, got a single {type(definitions).__name__}"
        )
    if not callable(executor):
        raise ToolDefinitionError(f"executor must be callable as executor(name, arguments), got {executor!r}")
    defaults = {"app": app, "examples": examples, "changes_state": changes_state,
                "sensitive": sensitive, "scopes": scopes}
    tools: list[Tool] = []
    first_seen: dict[str, int] = {}
    for i, definition in enumerate(definitions):
        spec = _unwrap(i, definition)
        name = spec.get("name")
        where = f"OpenAI definition #{i} ({name!r})" if name is not None else f"OpenAI definition #{i}"
        if name is None:
            raise ToolDefinitionError(f"{where}: missing 'name'")
        unknown = sorted(set(spec) - _FUNCTION_KEYS)
        if unknown:
            raise ToolDefinitionError(
                f"{where}: unknown key(s) {unknown}; a function definition has {sorted(_FUNCTION_KEYS)}"
            )
        if "description" not in spec:
            raise ToolDefinitionError(f"{where}: missing 'description' (the model chooses tools by it)")
        if name in first_seen:
            raise ToolDefinitionError(f"{where}: duplicate tool name {name!r} (definition #{first_seen[name]} has it)")
        first_seen[name] = i
        try:
            tools.append(Tool.from_schema(
                name, spec["description"], spec.get("parameters", _NO_PARAMETERS), _caller(executor, name),
                **_metadata(where, spec.get(METADATA_KEY), defaults),
            ))
        except ToolDefinitionError as exc:
            raise ToolDefinitionError(f"OpenAI definition #{i}: {exc}") from None
    return tools


def export_openai_tools(tools: Iterable[Tool], *, metadata: bool = False) -> list[dict]:
    """OpenAI function definitions for ``tools`` (a list of tools or a ``ToolRegistry``).

    Args:
        tools: The tools.
        metadata: Also write each tool's agentkit metadata under ``"x-agentkit"``
            (the OpenAI API itself does not accept that key).

    Returns:
        ``[{"type": "function", "function": {"name", "description", "parameters"}}, ...]``;
        runtime-injected parameters are not in the schemas.

    Raises:
        ToolDefinitionError: an item is not a :class:`Tool`.
    """
    out = []
    for t in tools:
        if not isinstance(t, Tool):
            raise ToolDefinitionError(f"expected a Tool (use @tool), got {t!r}")
        function = {"name": t.name, "description": t.description, "parameters": copy.deepcopy(t.parameters)}
        if metadata:
            function[METADATA_KEY] = {"app": t.app, "examples": list(t.examples), "changes_state": t.changes_state,
                                      "sensitive": t.sensitive, "scopes": list(t.scopes)}
            if t.finished_by:
                function[METADATA_KEY]["finished_by"] = t.finished_by
        out.append({"type": "function", "function": function})
    return out


def _unwrap(i: int, definition: Any) -> Mapping[str, Any]:
    """The function dict of a definition, wrapped or not."""
    if not isinstance(definition, Mapping):
        raise ToolDefinitionError(f"OpenAI definition #{i}: expected a JSON object, got {definition!r}")
    if "function" not in definition:
        if definition.get("type", "function") != "function":
            raise ToolDefinitionError(f"OpenAI definition #{i}: type must be 'function', got {definition['type']!r}")
        # the Responses API's flat form carries "type" beside the function's own keys
        return {k: v for k, v in definition.items() if k != "type"}
    if definition.get("type") != "function" or set(definition) != {"type", "function"}:
        raise ToolDefinitionError(
            f"OpenAI definition #{i}: a wrapped definition is {{\"type\": \"function\", \"function\": {{...}}}}, "
            f"got keys {sorted(definition)} with type {definition.get('type')!r}"
        )
    if not isinstance(definition["function"], Mapping):
        raise ToolDefinitionError(f"OpenAI definition #{i}: 'function' must be a JSON object")
    return definition["function"]


def _metadata(where: str, extra: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """The keyword defaults, overridden by the definition's ``x-agentkit`` object."""
    if extra is None:
        return dict(defaults)
    if not isinstance(extra, Mapping):
        raise ToolDefinitionError(f"{where}: {METADATA_KEY!r} must be a JSON object, got {extra!r}")
    unknown = sorted(set(extra) - set(_METADATA_FIELDS))
    if unknown:
        raise ToolDefinitionError(f"{where}: unknown {METADATA_KEY!r} key(s) {unknown}; allowed: {list(_METADATA_FIELDS)}")
    return {**defaults, **extra}


def _caller(executor: Callable[[str, dict], Any], name: str) -> Callable[..., Any]:
    def call(**arguments: Any) -> Any:
        return executor(name, arguments)

    call.__name__ = call.__qualname__ = name
    return call
