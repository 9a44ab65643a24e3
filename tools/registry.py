"""Tools as typed functions, and the registry that holds them.

A tool is a plain Python function with type hints and a Google-style docstring.
The JSON schema the model sees is built from the hints and the ``Args:``
section; a parameter without a description is an error when the tool is
defined, not when it runs. Parameters annotated ``Injected[T]`` are runtime
objects (the simulated phone, a user profile) that the executor passes in by
name; the model never sees them.

Example::

    @tool(app="messages", changes_state=True,
          examples=["Text Alice that I'm running late"])
    def send_message(phone: Injected[Phone], to: str, body: str) -> dict:
        '''Send a text message to a contact.

        Args:
            to: Contact name or phone number.
            body: The message text.
        '''
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Iterable, Iterator, Mapping

import pydantic

from agentkit.errors import (
    ToolArgumentError,
    ToolDefinitionError,
    ToolExecutionError,
    UnknownToolError,
    ModelRetry,
)

__all__ = ["Injected", "Tool", "ToolRegistry", "tool"]


class _InjectedMarker:
    """Marks a parameter as filled by the runtime, hidden from the model."""

    def __repr__(self) -> str:
        return "INJECTED"


_INJECTED = _InjectedMarker()


class Injected:
    """``Injected[T]``: a parameter the runtime passes by name; not in the schema."""

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[item, _INJECTED]


_NAME_RE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,63}$")
"""OpenAI's name rule plus dots (public function-calling sets use names like ``math.factorial``)."""


@dataclass(frozen=True, eq=False)
class Tool:
    """One app capability: a function plus its App-Intents-like metadata."""

    name: str
    """Unique name the model calls it by."""
    description: str
    """What it does, from the docstring's summary."""
    app: str
    """The app that owns the capability (``messages``, ``clock``, ...)."""
    parameters: dict
    """JSON schema of the model-visible arguments."""
    fn: Callable[..., Any]
    """The function that runs it."""
    examples: tuple[str, ...] = ()
    """Example user utterances that should lead to this tool."""
    changes_state: bool = False
    """Whether calling it changes the device's state."""
    sensitive: bool = False
    """Whether it touches money, private data or other people (confirm first)."""
    injected: tuple[str, ...] = ()
    """Parameter names filled by the runtime, hidden from the model."""
    scopes: tuple[str, ...] = ()
    """Permissions the capability needs (``contacts.read``, ``messages.send``, ...)."""
    finished_by: str | None = None
    """The capability that completes what this one starts (``place_food_order`` for
    ``add_to_food_cart``): a turn that calls this one and never that one after it has left
    its work unfinished, unless the request names what this one fills (its name's last word,
    "cart"). The plan critic then adds a step that calls it."""
    rehearsable: bool = False
    """Whether every effect it has goes through the device's transactions, so that it can run inside the
    device's ``rehearsal()`` without effect. The agent rehearses such a call before asking the user to
    confirm it: a call that would fail goes back to the model unasked, and the prompt shows the result
    the call would have (``preview``). Off unless declared: even a read-only tool may reach a server, which
    the user has not approved yet."""
    args_model: type[pydantic.BaseModel] | None = field(default=None, repr=False)
    """Pydantic model used to validate arguments (tools made with ``@tool``)."""
    validator: Callable[[Mapping[str, Any]], dict] | None = field(default=None, repr=False)
    """Validates arguments when there is no ``args_model`` (tools made with :meth:`from_schema`)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    @classmethod
    def from_schema(
        cls,
        name: str,
        description: str,
        parameters: Mapping[str, Any],
        fn: Callable[..., Any],
        *,
        app: str,
        examples: Iterable[str] = (),
        changes_state: bool = False,
        sensitive: bool = False,
        scopes: Iterable[str] = (),
        finished_by: str | None = None,
    ) -> Tool:
        """A tool described by a JSON schema instead of type hints (OpenAI or MCP definitions).

        Calls are validated against ``parameters`` (JSON Schema Draft 2020-12, or
        the draft its ``$schema`` names), missing optional arguments get their
        defaults, and ``fn`` is called with the arguments as keywords.

        Args:
            name: Tool name.
            description: What the tool does.
            parameters: JSON schema of the arguments; ``"type": "object"`` at the root.
            fn: Runs a call.
            app: The app that owns the capability.
            examples: Example user utterances, used for retrieval.
            changes_state: Whether the tool changes device state.
            sensitive: Whether the action needs extra care (money, privacy, others).
            scopes: Permissions it needs, as ``area.action`` strings.
            finished_by: The capability that completes what this one starts (see :attr:`finished_by`).

        Returns:
            The :class:`Tool`.

        Raises:
            ToolDefinitionError: a bad name, description, schema or metadata; the message names the tool.
        """
        from agentkit.tools._schema import check_parameters, schema_validator

        where = f"tool {name!r}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ToolDefinitionError(f"{where}: name must match {_NAME_RE.pattern}")
        if not isinstance(description, str) or not description.strip():
            raise ToolDefinitionError(f"{where}: a tool needs a non-empty description of what it does")
        if not app or not isinstance(app, str):
            raise ToolDefinitionError(f"{where}: 'app' must be a non-empty string")
        if not callable(fn):
            raise ToolDefinitionError(f"{where}: fn must be callable, got {fn!r}")
        if isinstance(examples, str):
            raise ToolDefinitionError(f"{where}: 'examples' must be a list of strings, got the string {examples!r}")
        examples = tuple(examples)
        if not all(isinstance(e, str) for e in examples):
            raise ToolDefinitionError(f"{where}: 'examples' must be a list of strings, got {examples!r}")
        for flag, value in (("changes_state", changes_state), ("sensitive", sensitive)):
            if not isinstance(value, bool):
                raise ToolDefinitionError(f"{where}: {flag!r} must be true or false, got {value!r}")
        schema = check_parameters(where, parameters)
        return cls(
            name=name,
            description=description,
            app=app,
            parameters=schema,
            fn=fn,
            examples=examples,
            changes_state=changes_state,
            sensitive=sensitive,
            scopes=_check_scopes(scopes, where),
            finished_by=_check_finished_by(finished_by, where),
            validator=schema_validator(name, schema),
        )

    def schema(self) -> dict:
        """The OpenAI-style function schema: ``{"name", "description", "parameters"}``."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    def validate(self, arguments: Mapping[str, Any]) -> dict:
        """Check ``arguments`` against the schema and return them coerced.

        Raises:
            ToolArgumentError: the arguments do not fit; the message names each problem.
        """
        if not isinstance(arguments, Mapping):
            raise ToolArgumentError(
                f"arguments for {self.name!r} must be a JSON object, got {type(arguments).__name__}"
            )
        if self.args_model is None:
            if self.validator is None:
                raise ToolDefinitionError(
                    f"tool {self.name!r} has no way to check its arguments; make it with @tool or Tool.from_schema"
                )
            return self.validator(arguments)
        try:
            model = self.args_model.model_validate(dict(arguments))
        except pydantic.ValidationError as exc:
            problems = []
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "(arguments)"
                if err["type"] == "extra_forbidden":
                    problems.append(f"unexpected argument {where!r}")
                elif err["type"] == "missing":
                    problems.append(f"missing required argument {where!r}")
                else:
                    problems.append(f"argument {where!r}: {err['msg']} (got {err.get('input')!r})")
            allowed = ", ".join(self.parameters.get("properties", {})) or "none"
            raise ToolArgumentError(
                f"invalid arguments for {self.name!r}: " + "; ".join(problems)
                + f". Parameters: {allowed}."
            ) from None
        return {k: getattr(model, k) for k in type(model).model_fields}

    def invoke(self, arguments: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> Any:
        """Validate ``arguments``, inject runtime objects from ``context`` and run.

        Raises:
            ToolArgumentError: bad arguments (the model can fix it).
            ToolExecutionError: the tool raised; the message carries its reason.
        """
        values = self.validate(arguments)
        context = context or {}
        for name in self.injected:
            if name not in context:
                raise ToolExecutionError(
                    f"tool {self.name!r} needs the runtime object {name!r}, which the agent was not given"
                )
            values[name] = context[name]
        try:
            return self.fn(**values)
        except ModelRetry:
            raise
        except Exception as exc:  # a tool's own failure goes back to the model
            raise ToolExecutionError(f"{self.name} failed: {exc}") from exc


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into (summary, {param: description})."""
    summary: list[str] = []
    params: dict[str, str] = {}
    section = None
    current = None
    param_indent = None
    for line in inspect.cleandoc(doc).splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if indent == 0 and _SECTION_RE.match(stripped):
            section, current, param_indent = _SECTION_RE.match(stripped).group(1), None, None
            continue
        if section is None:
            summary.append(stripped)
        elif section in ("Args", "Arguments", "Parameters") and stripped:
            m = _PARAM_RE.match(stripped)
            if m and (param_indent is None or indent <= param_indent):
                param_indent = indent
                current = m.group(1)
                params[current] = m.group(2).strip()
            elif current is not None:
                params[current] = f"{params[current]} {stripped}".strip()
    return " ".join(s for s in summary if s).strip(), params


_SECTION_RE = re.compile(r"^(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_PARAM_RE = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _is_injected(annotation: Any) -> bool:
    if typing.get_origin(annotation) is Annotated:
        return any(isinstance(m, _InjectedMarker) for m in annotation.__metadata__)
    return False


def _strip_titles(schema: Any, in_properties: bool = False) -> Any:
    """Drop pydantic's ``title`` keys, but not a *parameter* named ``title``."""
    if isinstance(schema, dict):
        return {
            k: _strip_titles(v, in_properties=(k == "properties" and not in_properties))
            for k, v in schema.items()
            if in_properties or k != "title"
        }
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def _inline_refs(schema: dict) -> dict:
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/$defs/"):
                return walk(defs[node["$ref"].split("/")[-1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def _build(fn: Callable[..., Any], *, name: str | None, app: str, examples: Iterable[str],
           changes_state: bool, sensitive: bool, description: str | None,
           scopes: Iterable[str] = (), finished_by: str | None = None, rehearsable: bool = False) -> Tool:
    tool_name = name or fn.__name__
    where = f"tool {tool_name!r} ({getattr(fn, '__module__', '?')})"
    if not _NAME_RE.match(tool_name):
        raise ToolDefinitionError(f"{where}: name must match {_NAME_RE.pattern}")
    if not app or not isinstance(app, str):
        raise ToolDefinitionError(f"{where}: 'app' must be a non-empty string")
    doc = inspect.getdoc(fn)
    if not doc and description is None:
        raise ToolDefinitionError(f"{where}: a tool needs a docstring describing what it does")
    summary, param_docs = _parse_docstring(doc or "")
    desc = (description or summary).strip()
    if not desc:
        raise ToolDefinitionError(f"{where}: the docstring has no summary line")
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        raise ToolDefinitionError(f"{where}: cannot resolve type hints: {exc}") from exc
    sig = inspect.signature(fn)
    fields: dict[str, Any] = {}
    injected: list[str] = []
    for pname, param in sig.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(f"{where}: *args/**kwargs are not allowed in tools")
        if pname not in hints:
            raise ToolDefinitionError(f"{where}: parameter {pname!r} has no type hint")
        annotation = hints[pname]
        if _is_injected(annotation):
            injected.append(pname)
            continue
        if pname not in param_docs or not param_docs[pname]:
            raise ToolDefinitionError(
                f"{where}: parameter {pname!r} has no description in the docstring's Args: section"
            )
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[pname] = (annotation, pydantic.Field(default, description=param_docs[pname]))
    unknown_docs = set(param_docs) - set(fields) - set(injected)
    if unknown_docs:
        raise ToolDefinitionError(f"{where}: docstring documents unknown parameter(s) {sorted(unknown_docs)}")
    try:
        args_model = pydantic.create_model(
            f"{tool_name}_args", __config__=pydantic.ConfigDict(extra="forbid"), **fields
        )
        schema = _inline_refs(_strip_titles(args_model.model_json_schema()))
    except Exception as exc:
        raise ToolDefinitionError(f"{where}: cannot build a JSON schema: {exc}") from exc
    schema.pop("additionalProperties", None)
    schema.setdefault("properties", {})
    return Tool(
        name=tool_name,
        description=desc,
        app=app,
        parameters=schema,
        fn=fn,
        examples=tuple(examples),
        changes_state=changes_state,
        sensitive=sensitive,
        injected=tuple(injected),
        scopes=_check_scopes(scopes, where),
        finished_by=_check_finished_by(finished_by, where),
        rehearsable=_check_flag("rehearsable", rehearsable, where),
        args_model=args_model,
    )


def _check_flag(flag: str, value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ToolDefinitionError(f"{where}: {flag!r} must be true or false, got {value!r}")
    return value


_SCOPE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _check_scopes(scopes: Iterable[str], where: str) -> tuple[str, ...]:
    if isinstance(scopes, str):
        raise ToolDefinitionError(f"{where}: 'scopes' must be a list of strings, got the string {scopes!r}")
    out = tuple(scopes)
    for s in out:
        if not isinstance(s, str) or not _SCOPE_RE.match(s):
            raise ToolDefinitionError(f"{where}: scope {s!r} must look like 'area.action' (e.g. 'messages.send')")
    return out


def _check_finished_by(name: Any, where: str) -> str | None:
    if name is not None and (not isinstance(name, str) or not _NAME_RE.match(name)):
        raise ToolDefinitionError(f"{where}: 'finished_by' must be a tool name, got {name!r}")
    return name


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    app: str,
    name: str | None = None,
    description: str | None = None,
    examples: Iterable[str] = (),
    changes_state: bool = False,
    sensitive: bool = False,
    scopes: Iterable[str] = (),
    finished_by: str | None = None,
    rehearsable: bool = False,
) -> Any:
    """Declare a function as a tool.

    Args:
        fn: The function (when used as ``@tool(app=...)`` this is filled in).
        app: The app that owns the capability.
        name: Tool name; defaults to the function's name.
        description: Overrides the docstring summary.
        examples: Example user utterances, used for retrieval.
        changes_state: Whether the tool changes device state.
        sensitive: Whether the action needs extra care (money, privacy, others).
        scopes: Permissions it needs, as ``area.action`` strings (``payments.send``).
        finished_by: The capability that completes what this one starts (``place_food_order``
            for a cart); see :attr:`Tool.finished_by`.
        rehearsable: Every effect goes through the device's transactions (see :attr:`Tool.rehearsable`).

    Returns:
        A :class:`Tool` (or a decorator that makes one).

    Raises:
        ToolDefinitionError: the function cannot be turned into a tool.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        return _build(f, name=name, app=app, examples=examples, changes_state=changes_state,
                      sensitive=sensitive, description=description, scopes=scopes, finished_by=finished_by,
                      rehearsable=rehearsable)

    return wrap(fn) if fn is not None else wrap


class ToolRegistry:
    """A set of tools keyed by unique name."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        self.add_all(tools)

    def add(self, t: Tool) -> Tool:
        """Register one tool.

        Raises:
            ToolDefinitionError: not a Tool, or the name is taken.
        """
        if not isinstance(t, Tool):
            raise ToolDefinitionError(f"expected a Tool (use @tool), got {t!r}")
        if t.name in self._tools:
            raise ToolDefinitionError(f"duplicate tool name {t.name!r}")
        self._tools[t.name] = t
        return t

    def add_all(self, tools: Iterable[Tool]) -> None:
        """Register several tools; none is added if any one is bad."""
        tools = list(tools)
        names = [t.name for t in tools if isinstance(t, Tool)]
        for t in tools:
            if not isinstance(t, Tool):
                raise ToolDefinitionError(f"expected a Tool (use @tool), got {t!r}")
        dupes = {n for n in names if names.count(n) > 1} | (set(names) & set(self._tools))
        if dupes:
            raise ToolDefinitionError(f"duplicate tool name(s) {sorted(dupes)}")
        for t in tools:
            self._tools[t.name] = t

    def get(self, name: str) -> Tool:
        """Look a tool up by name.

        Raises:
            UnknownToolError: no such tool; the message suggests close names.
        """
        try:
            return self._tools[name]
        except KeyError:
            close = difflib.get_close_matches(str(name), self._tools, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownToolError(f"unknown tool {name!r}.{hint}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def changes_state(self, name: object) -> bool:
        """Whether ``name`` is a registered tool that changes the device's state (False if unknown)."""
        t = self._tools.get(name) if isinstance(name, str) else None
        return t is not None and t.changes_state

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        """All tool names, in registration order."""
        return list(self._tools)

    def by_app(self) -> dict[str, list[Tool]]:
        """Tools grouped by app, apps sorted by name."""
        groups: dict[str, list[Tool]] = {}
        for t in self._tools.values():
            groups.setdefault(t.app, []).append(t)
        return dict(sorted(groups.items()))


def to_jsonable(value: Any) -> Any:
    """Make a tool's return value JSON-serialisable (for tool messages)."""
    try:
        json.dumps(value)
        return value
    except TypeError:
        if isinstance(value, pydantic.BaseModel):
            return value.model_dump(mode="json")
        if isinstance(value, (list, tuple)):
            return [to_jsonable(v) for v in value]
        if isinstance(value, dict):
            return {str(k): to_jsonable(v) for k, v in value.items()}
        return str(value)
