"""Tools described by a JSON schema rather than type hints: checking the schema, validating calls.

Used by :meth:`agentkit.tools.Tool.from_schema`, which OpenAI-format and MCP
imports build on. Validation follows JSON Schema Draft 2020-12 (or the draft a
schema names in ``$schema``), then fills in the defaults of missing optional
arguments.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Mapping

import jsonschema
from jsonschema.exceptions import SchemaError, ValidationError

from agentkit.errors import ToolArgumentError, ToolDefinitionError

__all__ = ["check_parameters", "schema_validator"]

_COMPOSED = ("allOf", "anyOf", "oneOf", "$ref", "if", "dependentSchemas")
_OPEN = ("additionalProperties", "patternProperties", "unevaluatedProperties")
_MAX_PROBLEM = 240


def _validator_class(schema: Mapping[str, Any]) -> type:
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)


def check_parameters(where: str, parameters: Any) -> dict:
    """Check that ``parameters`` is a valid JSON schema for an object of arguments.

    Args:
        where: Names the tool in error messages (``"tool 'pay'"``).
        parameters: The schema.

    Returns:
        A deep copy of the schema, so later changes by the caller do not reach the tool.

    Raises:
        ToolDefinitionError: not a dict, not ``"type": "object"``, or not a valid JSON schema.
    """
    if not isinstance(parameters, Mapping):
        raise ToolDefinitionError(
            f"{where}: 'parameters' must be a JSON schema object, got {type(parameters).__name__}"
        )
    if parameters.get("type") != "object":
        raise ToolDefinitionError(
            f"{where}: 'parameters' must have \"type\": \"object\" (arguments are passed by name), "
            f"got type {parameters.get('type')!r}"
        )
    try:
        _validator_class(parameters).check_schema(parameters)
    except SchemaError as exc:
        at = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ToolDefinitionError(f"{where}: invalid JSON schema for 'parameters' at {at}: {exc.message}") from None
    properties = parameters.get("properties", {})
    for name in parameters.get("required", []):
        if name not in properties and not any(k in parameters for k in _COMPOSED + _OPEN):
            raise ToolDefinitionError(f"{where}: required argument {name!r} is not among 'properties'")
    return copy.deepcopy(dict(parameters))


def schema_validator(tool_name: str, parameters: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], dict]:
    """A function that validates a call's arguments against ``parameters``.

    Like tools made with ``@tool``, unknown top-level arguments are rejected
    unless the schema says what to do with them (``additionalProperties`` and
    kin). The returned function gives a copy of the arguments with the
    defaults of missing optional properties filled in, at every depth that is
    plain ``properties``/``items`` nesting.

    Args:
        tool_name: Named in error messages.
        parameters: A schema already accepted by :func:`check_parameters`.

    Returns:
        ``validate(arguments) -> dict``, raising :class:`ToolArgumentError` with
        every problem named.
    """
    schema = copy.deepcopy(dict(parameters))
    strict = dict(schema)
    if "properties" in strict and not any(k in strict for k in _COMPOSED + _OPEN):
        strict["additionalProperties"] = False
    validator = _validator_class(strict)(strict, format_checker=None)
    allowed = ", ".join(schema.get("properties", {})) or "none"

    def validate(arguments: Mapping[str, Any]) -> dict:
        values = copy.deepcopy(dict(arguments))
        errors = sorted(validator.iter_errors(values), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
        if errors:
            problems: list[str] = []
            for err in errors:
                for problem in _describe(err):
                    if problem not in problems:
                        problems.append(problem)
            raise ToolArgumentError(
                f"invalid arguments for {tool_name!r}: " + "; ".join(problems) + f". Parameters: {allowed}."
            )
        _fill_defaults(schema, values)
        return values

    return validate


def _describe(err: ValidationError) -> list[str]:
    """One line per problem, naming the argument by its dotted path."""
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required" and isinstance(err.instance, Mapping):
        return [f"missing required argument {'.'.join(path + [str(name)])!r}"
                for name in err.validator_value if name not in err.instance]
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        known = err.schema.get("properties", {})
        patterns = err.schema.get("patternProperties", {})
        extra = [k for k in err.instance if k not in known and not any(re.search(p, k) for p in patterns)]
        return [f"unexpected argument {'.'.join(path + [k])!r}" for k in extra]
    where = ".".join(path) or "(arguments)"
    message = err.message if len(err.message) <= _MAX_PROBLEM else err.message[:_MAX_PROBLEM] + "..."
    return [f"argument {where!r}: {message}"]


def _fill_defaults(schema: Any, value: Any, root: Mapping[str, Any] | None = None) -> None:
    """Put the defaults of missing properties into ``value``, in place, following local ``$ref`` pointers."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if not isinstance(schema, Mapping):
        return
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            sub = _resolve(sub, root)
            if name not in value and isinstance(sub, Mapping) and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                _fill_defaults(sub, value[name], root)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            _fill_defaults(schema["items"], item, root)


def _resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    """Follow a ``#/$defs/...`` (or ``#/definitions/...``) reference; anything else as it is."""
    for _ in range(32):  # a chain of references, not a loop
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, Mapping) else None
        if node is None:
            return schema
        schema = node
    return schema
