"""Field matchers and state paths shared by the task loader and the judge.

A *matcher* is what a task file puts where a value is expected:

* a literal: equal after normalisation (strings compared case-insensitively
  after ``strip``; ``true`` never equals ``1``; ints and floats compare by
  value; a list equals another list with the same items in any order; a dict
  equals a dict with the same keys whose values match);
* ``{"contains": "..."}``: case-insensitive substring of a string (of any
  item, for a list; of ``str(value)`` for a number);
* ``{"any_of": [m1, m2, ...]}``: any of the matchers matches;
* ``{"regex": "..."}``: ``re.search``, case-insensitive, on a string (on any
  item, for a list; on ``str(value)`` for a number).

A dict is an operator only when its single key is one of the three names; a
dict that mixes an operator name with other keys is rejected by
:func:`validate`.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

OPERATORS = ("contains", "any_of", "regex")
"""The operator names a matcher dict may use."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Returned by :func:`resolve` and :func:`get_field` for a path that is not there."""


def is_operator(value: Any) -> bool:
    """Whether ``value`` is an operator matcher (``{"contains": ...}`` etc.)."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in OPERATORS


def validate(value: Any) -> None:
    """Check that a matcher is well formed.

    Args:
        value: The matcher as read from JSON.

    Raises:
        ValueError: With a message naming what is wrong.
    """
    if isinstance(value, dict):
        ops = [k for k in value if k in OPERATORS]
        if ops and len(value) > 1:
            raise ValueError(
                f"matcher {value!r} mixes the operator {ops[0]!r} with other keys; "
                f"an operator must be the only key"
            )
        if is_operator(value):
            op, arg = next(iter(value.items()))
            if op == "contains" and not isinstance(arg, str):
                raise ValueError(f"'contains' takes a string, got {arg!r}")
            if op == "regex":
                if not isinstance(arg, str):
                    raise ValueError(f"'regex' takes a string, got {arg!r}")
                try:
                    re.compile(arg)
                except re.error as exc:
                    raise ValueError(f"'regex' {arg!r} does not compile: {exc}") from None
            if op == "any_of":
                if not isinstance(arg, list) or not arg:
                    raise ValueError(f"'any_of' takes a non-empty list, got {arg!r}")
                for item in arg:
                    validate(item)
            return
        for item in value.values():
            validate(item)
    elif isinstance(value, list):
        for item in value:
            validate(item)


def _norm_str(s: str) -> str:
    return s.strip().casefold()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def literal_equal(expected: Any, actual: Any) -> bool:
    """Equality of two JSON values under the normalisation in the module doc."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if _is_number(expected) and _is_number(actual):
        return expected == actual
    if isinstance(expected, str) and isinstance(actual, str):
        return _norm_str(expected) == _norm_str(actual)
    if isinstance(expected, list) and isinstance(actual, list):
        return _multiset_match(expected, actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            matches(v, actual[k]) for k, v in expected.items()
        )
    if expected is None or actual is None:
        return expected is None and actual is None
    return type(expected) is type(actual) and expected == actual


def _multiset_match(expected: list, actual: list) -> bool:
    if len(expected) != len(actual):
        return False
    unused = list(actual)
    for item in expected:
        for i, candidate in enumerate(unused):
            if matches(item, candidate):
                del unused[i]
                break
        else:
            return False
    return True


def _text_of(actual: Any) -> str | None:
    if isinstance(actual, str):
        return actual
    if _is_number(actual):
        return str(actual)
    return None


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` satisfies the matcher ``expected``."""
    if not is_operator(expected):
        return literal_equal(expected, actual)
    op, arg = next(iter(expected.items()))
    if op == "any_of":
        return any(matches(option, actual) for option in arg)
    if isinstance(actual, list):
        return any(matches(expected, item) for item in actual)
    text = _text_of(actual)
    if text is None:
        return False
    if op == "contains":
        return _norm_str(arg) in text.casefold()
    return re.search(arg, text, re.IGNORECASE) is not None


def describe(expected: Any) -> str:
    """A short human phrase for a matcher, used in failure reasons."""
    if not is_operator(expected):
        return repr(expected)
    op, arg = next(iter(expected.items()))
    if op == "contains":
        return f"something containing {arg!r}"
    if op == "regex":
        return f"something matching /{arg}/"
    return "any of [" + ", ".join(describe(a) for a in arg) + "]"


def get_field(record: Mapping[str, Any], key: str) -> Any:
    """A record's field; a dotted key reaches into nested dicts. ``MISSING`` if absent."""
    if key in record:
        return record[key]
    return resolve(record, key)


def record_mismatch(spec: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    """The first field of ``record`` that does not satisfy ``spec``, as a phrase; None if all do."""
    for key, expected in spec.items():
        actual = get_field(record, key)
        if actual is MISSING:
            return f"{key} is missing, expected {describe(expected)}"
        if not matches(expected, actual):
            return f"{key} is {short(actual)}, expected {describe(expected)}"
    return None


def matches_record(spec: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether every field named in ``spec`` matches in ``record``."""
    return record_mismatch(spec, record) is None


def resolve(root: Any, path: str) -> Any:
    """The value at a dotted path, or ``MISSING``.

    A segment indexes a dict by key; on a list of records it picks the record
    whose ``id`` equals the segment (so ``clock.alarms.a2.enabled`` works, the
    same shape as the paths of the phone's ``diff``).
    """
    node = root
    for segment in path.split("."):
        if isinstance(node, dict):
            if segment not in node:
                return MISSING
            node = node[segment]
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, dict) and str(item.get("id")) == segment:
                    node = item
                    break
            else:
                return MISSING
        else:
            return MISSING
    return node


def under(path: str, prefix: str) -> bool:
    """Whether dotted ``path`` is ``prefix`` or lies below it."""
    return path == prefix or path.startswith(prefix + ".")


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

