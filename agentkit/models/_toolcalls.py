"""Finding tool calls in a model's text reply.

Small models write tool calls in several shapes: Qwen's ``<tool_call>`` blocks,
a fenced ```json block, or a bare JSON object. This parser accepts all three
and reports calls it cannot decode as invalid (with the reason), so the agent
can hand the reason back to the model instead of guessing.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ParsedReply", "parse_reply", "new_call_id", "looks_like_tool_call_start"]

_TAG_RE = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON|tool_call)?[ \t]*\n?(.*?)(?:```|$)", re.S)
_ARG_KEYS = ("arguments", "parameters", "args", "input")


@dataclass
class ParsedReply:
    """Text and tool calls found in one reply."""

    content: str
    """The prose left after removing tool-call blocks."""
    tool_calls: list[dict] = field(default_factory=list)
    """Decoded calls: ``{"name", "args", "id"}``."""
    invalid_tool_calls: list[dict] = field(default_factory=list)
    """Calls that could not be decoded: ``{"name", "args", "id", "error"}``."""


def new_call_id() -> str:
    """A short unique id for a tool call."""
    return "call_" + uuid.uuid4().hex[:12]


def looks_like_tool_call_start(text: str) -> bool:
    """Whether a reply that begins with ``text`` is heading for a tool call."""
    t = text.lstrip()
    return t.startswith(("<tool_call>", "```", "{", "[{"))


def _as_call(obj: Any) -> tuple[str, Any] | None:
    """(name, raw arguments) if ``obj`` has the shape of a call, else None."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # OpenAI shape
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return None
    for key in _ARG_KEYS:
        if key in obj:
            return name, obj[key]
    if set(obj) == {"name"}:
        return name, {}
    return None


def _decode_block(block: str) -> tuple[list[tuple[str, Any]], str | None]:
    """Decode one candidate block. Returns (calls, error)."""
    block = block.strip()
    if not block:
        return [], "empty tool call"
    try:
        obj = json.loads(block)
    except json.JSONDecodeError as exc:
        # one object followed by junk is common: take the first complete value
        try:
            obj, _ = json.JSONDecoder().raw_decode(block)
        except json.JSONDecodeError:
            return [], f"tool call is not valid JSON ({exc.msg} at position {exc.pos})"
    items = obj if isinstance(obj, list) else [obj]
    calls = [c for c in (_as_call(i) for i in items) if c is not None]
    if not calls:
        return [], 'tool call JSON needs the shape {"name": ..., "arguments": {...}}'
    return calls, None


def _normalise_args(raw: Any) -> tuple[dict | None, str | None]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            return None, f"arguments are not valid JSON ({exc.msg})"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return None, f"arguments must be a JSON object, got {type(raw).__name__}"
    return raw, None


def parse_reply(text: str) -> ParsedReply:
    """Split a model reply into prose, tool calls and undecodable calls.

    Args:
        text: The raw reply.

    Returns:
        A :class:`ParsedReply`. Prose that merely contains JSON unrelated to a
        call (no ``name``) stays prose.
    """
    tagged = list(_TAG_RE.finditer(text))
    if tagged:
        spans = tagged
        strict = True
    else:
        spans = list(_FENCE_RE.finditer(text))
        strict = False
        if not spans:
            stripped = text.strip()
            if stripped.startswith(("{", "[")):
                spans = [re.match(r"\s*(.*)", text, re.S)]  # the whole reply
    result = ParsedReply(content=text)
    removed: list[tuple[int, int]] = []
    for m in spans:
        block = m.group(1)
        calls, error = _decode_block(block)
        if error:
            if strict or block.lstrip().startswith("{") and '"name"' in block:
                result.invalid_tool_calls.append(
                    {"name": None, "args": block, "id": new_call_id(), "error": error, "type": "invalid_tool_call"}
                )
                removed.append(m.span())
            continue
        for name, raw_args in calls:
            args, arg_error = _normalise_args(raw_args)
            if arg_error:
                result.invalid_tool_calls.append(
                    {"name": name, "args": json.dumps(raw_args) if not isinstance(raw_args, str) else raw_args,
                     "id": new_call_id(), "error": arg_error, "type": "invalid_tool_call"}
                )
            else:
                result.tool_calls.append({"name": name, "args": args, "id": new_call_id(), "type": "tool_call"})
        removed.append(m.span())
    if removed:
        pieces, last = [], 0
        for start, end in sorted(removed):
            pieces.append(text[last:start])
            last = end
        pieces.append(text[last:])
        result.content = "".join(pieces).strip()
    return result
