"""Write ``benchmarks/data/toolbank.json``: ~900 OpenAI function definitions of fictional third-party apps.

The bank stands in for the tools a phone gathers once third-party apps plug
in: banks, airlines, smart home, streaming, social networks and so on, with
competitors that overlap each other and the built-in apps (other messengers,
music players, ride apps). It is written from the compact spec in
``benchmarks/toolbank_apps.txt``; nothing is random and nothing is fetched,
so the same spec always gives the same file, byte for byte.

Spec format (one tool per line; ``#`` starts a comment line)::

    @template bank                      tools shared by every app that uses the template
    get_balance | Get the balance of a {App} account. | account:e(checking/savings)=checking | What's my {App} balance?; ...
    @app ledgerly | Ledgerly | bank -find_atm     key | display name | templates, "-tool" drops one
    round_ups | ...                     tools of this app only

A tool line is ``name | description | parameters | examples``; the last two
may be empty or left off. ``{App}`` is the app's display name and ``{app}``
its key. The tool's name is ``<app key>_<name>``. A description may hold
alternatives ``first || second``: the n-th app that uses a template gets the
n-th (cycling), so competitors do not all word a feature alike.

Parameters are comma-separated ``name[?]:type["description"][=default]``; a
``?`` or a default makes one optional. Types: ``s`` string, ``i`` integer,
``n`` number, ``b`` boolean, ``d`` date, ``t`` time of day, ``dt`` date-time,
``i(1..9)``/``n(0..)`` bounded numbers, ``e(a/b/c)`` enum, ``[T]`` array of T,
``{name:type, ...}`` nested object. Parameters without a description get one
from :data:`PARAM_DOCS` or their name.

Usage: python benchmarks/make_toolbank.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "toolbank_apps.txt"
OUT = HERE / "data" / "toolbank.json"

PARAM_DOCS = {
    "query": "Search words.",
    "account": "Which account.",
    "limit": "Most results to return.",
    "date": "Date, YYYY-MM-DD.",
    "start_date": "First day, YYYY-MM-DD.",
    "end_date": "Last day, YYYY-MM-DD.",
    "time": "Time of day, HH:MM (24-hour).",
    "amount": "Amount of money, in the account's currency.",
    "currency": "ISO 4217 currency code, like USD.",
    "city": "City name.",
    "address": "Street address.",
    "note": "Optional note shown to the other side.",
    "memo": "Optional memo kept with the transaction.",
    "message": "The message text.",
    "text": "The text.",
    "title": "Title.",
    "description": "Free-text description.",
    "rating": "Stars, 1 to 5.",
    "quantity": "How many.",
    "duration_minutes": "Length in minutes.",
    "confirmation_code": "Booking confirmation code (6 letters or digits).",
    "reservation_id": "Reservation id, from the reservations list.",
    "order_id": "Order id, from the orders list.",
    "user": "Username or display name.",
    "contact": "Contact name, username or phone number.",
    "chat": "Chat or group name.",
    "on": "true to turn it on, false to turn it off.",
    "enabled": "true to enable, false to disable.",
    "room": "Room name, like kitchen or bedroom.",
    "device": "Device name.",
    "profile": "Profile name.",
    "city_or_zip": "City name or ZIP code.",
    "near": "Address or place to search around; the current location if omitted.",
    "radius_km": "Search radius in kilometres.",
    "page": "Result page, starting at 1.",
    "sort": "Sort order.",
    "language": "Language code, like en or es.",
    "pet": "The pet's name.",
    "vehicle": "The vehicle's nickname; the default vehicle if omitted.",
    "symbol": "Ticker or coin symbol, like AAPL or BTC.",
    "policy_number": "Insurance policy number.",
}

TYPES = {
    "s": {"type": "string"},
    "i": {"type": "integer"},
    "n": {"type": "number"},
    "b": {"type": "boolean"},
    "d": {"type": "string", "format": "date"},
    "t": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    "dt": {"type": "string", "format": "date-time"},
}


class SpecError(ValueError):
    """The spec has a line that cannot be read; the message names it."""


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` on ``sep`` outside brackets, braces, parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quoted:
        raise SpecError(f"unbalanced brackets or quotes in {text!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_type(text: str) -> tuple[dict, str]:
    """The JSON schema of the type at the start of ``text``, and what follows it."""
    if text.startswith("["):
        end = _closing(text, 0)
        items, rest = parse_type(text[1:end])
        if rest.strip():
            raise SpecError(f"unexpected {rest!r} in array type {text!r}")
        return {"type": "array", "items": items}, text[end + 1:]
    if text.startswith("{"):
        end = _closing(text, 0)
        return parse_object(text[1:end]), text[end + 1:]
    if text.startswith("e("):
        end = _closing(text, 1)
        return {"type": "string", "enum": text[2:end].split("/")}, text[end + 1:]
    m = re.match(r"(dt|[sinbdt])(\((-?[\d.]*)\.\.(-?[\d.]*)\))?", text)
    if not m:
        raise SpecError(f"unknown type in {text!r}")
    schema = dict(TYPES[m.group(1)])
    if m.group(2):
        cast = int if schema["type"] == "integer" else float
        if m.group(3):
            schema["minimum"] = cast(m.group(3))
        if m.group(4):
            schema["maximum"] = cast(m.group(4))
    return schema, text[m.end():]


def _closing(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    raise SpecError(f"no closing bracket in {text!r}")


def parse_object(text: str) -> dict:
    """An object schema from a comma-separated parameter list."""
    properties, required = {}, []
    for item in split_top(text):
        m = re.match(r"(\w+)(\?)?:(.*)$", item, re.S)
        if not m:
            raise SpecError(f"bad parameter {item!r}")
        name, optional, rest = m.group(1), bool(m.group(2)), m.group(3)
        schema, rest = parse_type(rest)
        dm = re.match(r'\s*"([^"]*)"', rest)
        description = PARAM_DOCS.get(name, name.replace("_", " ").capitalize() + ".")
        if dm:
            description, rest = dm.group(1), rest[dm.end():]
        if schema.get("type") not in ("object",):
            schema = {**schema, "description": description}
        else:
            schema = {"type": "object", "description": description, **{k: v for k, v in schema.items() if k != "type"}}
        rest = rest.strip()
        if rest.startswith("="):
            raw = rest[1:].strip()
            try:
                default = json.loads(raw)
            except json.JSONDecodeError:
                default = raw
            schema["default"] = default
            optional = True
        elif rest:
            raise SpecError(f"unexpected {rest!r} after parameter {name!r}")
        if name in properties:
            raise SpecError(f"parameter {name!r} twice in {text!r}")
        properties[name] = schema
        if not optional:
            required.append(name)
    out: dict = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def read_spec(text: str) -> list[dict]:
    """Every app's tool definitions, in spec order."""
    templates: dict[str, list[str]] = {}
    users: dict[str, int] = {}
    apps: list[tuple[str, str, list[tuple[str, int]], set[str], list[str]]] = []
    current: list[str] | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@template "):
            current = templates.setdefault(line.split()[1], [])
        elif line.startswith("@app "):
            key, display, *uses = [p.strip() for p in line[5:].split("|")]
            words = uses[0].split() if uses else []
            used = [w for w in words if not w.startswith("-")]
            for name in used:
                if name not in templates:
                    raise SpecError(f"line {lineno}: unknown template {name!r}")
            picks = []
            for name in used:
                picks.append((name, users.get(name, 0)))
                users[name] = users.get(name, 0) + 1
            current = []
            apps.append((key, display, picks, {w[1:] for w in words if w.startswith("-")}, current))
        elif current is None:
            raise SpecError(f"line {lineno}: a tool line before any @template or @app")
        else:
            current.append(f"{lineno}\t{line}")
    definitions = []
    for key, display, picks, dropped, own in apps:
        lines = [(line, nth) for name, nth in picks for line in templates[name]] + [(line, 0) for line in own]
        for entry, nth in lines:
            lineno, line = entry.split("\t", 1)
            try:
                definition = _tool(line, key, display, nth)
            except SpecError as exc:
                raise SpecError(f"line {lineno} ({key}): {exc}") from None
            if definition["name"].removeprefix(key + "_") not in dropped:
                definitions.append(definition)
    return definitions


def _tool(line: str, key: str, display: str, nth: int) -> dict:
    fields = [f.strip() for f in re.split(r"(?<!\|)\|(?!\|)", line)]
    if len(fields) < 2 or len(fields) > 4:
        raise SpecError(f"expected 'name | description | parameters | examples', got {line!r}")
    name, description, params, examples = (fields + ["", ""])[:4]

    def fill(s: str) -> str:
        return s.replace("{App}", display).replace("{app}", key)

    choices = [c.strip() for c in description.split("||")]
    definition: dict = {
        "name": f"{key}_{name}",
        "description": fill(choices[nth % len(choices)]),
        "parameters": parse_object(params) if params else {"type": "object", "properties": {}},
    }
    meta: dict = {"app": key}
    if examples:
        meta["examples"] = [fill(e.strip()) for e in examples.split(";") if e.strip()]
    definition["x-agentkit"] = meta
    return definition


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that the committed file is up to date")
    args = ap.parse_args()
    definitions = read_spec(SPEC.read_text())
    names = [d["name"] for d in definitions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"duplicate tool names: {duplicates}")
    # one definition per line: small, and a change to one tool is a one-line diff
    text = "[\n" + ",\n".join(json.dumps(d, ensure_ascii=False) for d in definitions) + "\n]\n"
    apps = {d["x-agentkit"]["app"] for d in definitions}
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            sys.exit(f"{OUT} is out of date: run python benchmarks/make_toolbank.py")
        print(f"{OUT.name} is up to date: {len(definitions)} tools, {len(apps)} apps")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(definitions)} tools, {len(apps)} apps)")


if __name__ == "__main__":
    main()
