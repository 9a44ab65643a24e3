"""Finding contacts and records by the loose names a small model uses.

Every lookup tries stricter matches first (id, exact name, whole word, prefix,
substring, shared word stems) and stops at the first stage with any hit: one hit is the answer,
several are an ambiguity. Failures raise
:class:`~agentkit.errors.ToolExecutionError` listing the candidates, so the
model can retry with a better name.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from agentkit.errors import ToolExecutionError

__all__ = ["contact_or_number", "digits", "find_contact", "find_record", "is_number", "next_id", "norm",
           "ranked", "with_contact"]


def norm(text: object) -> str:
    """Lower-case, trimmed, single-spaced text."""
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def digits(text: object) -> str:
    """Only the digits of ``text`` (for comparing phone numbers)."""
    return re.sub(r"\D", "", str(text))


def is_number(text: str) -> bool:
    """Whether ``text`` looks like a phone number rather than a name."""
    return bool(re.fullmatch(r"[\d\s+().-]+", str(text).strip())) and len(digits(text)) >= 4


def _strip_filler(query: str) -> str:
    q = norm(query).strip("'\"")
    q = re.sub(r"^(my|the|to) ", "", q)
    q = re.sub(r"'s$", "", q)
    return q.strip()


_FILLER = frozenset("a an at for in my of on the to".split())


def _stem(word: str) -> str:
    return word[:4]


def _staged(query: str, items: list[dict], names: Callable[[dict], Iterable[str]]) -> list[dict]:
    """Items matching ``query`` at the strictest stage that has any match."""
    words = query.split()
    stages: list[Callable[[str], bool]] = [
        lambda n: n == query,
        lambda n: all(w in n.split() for w in words),
        lambda n: any(t.startswith(query) for t in [n, *n.split()]),
        lambda n: query in n,
        # every word shares a stem with a word of the name ("dental appointment" ~ "Dentist appointment");
        # a short word must start one of the name's words, so "zed and alice" is not Alice
        lambda n: all(any(_stem(w) == _stem(x) if len(w) >= 4 else x.startswith(w) or w in _FILLER
                          for x in n.split()) for w in words)
        and any(len(w) >= 4 for w in words),
    ]
    for matches in stages:
        hits = [it for it in items if any(matches(norm(n)) for n in names(it))]
        if hits:
            return hits
    return []


def ranked(records: Iterable[dict], words: list[str], text_of: Callable[[dict], str | list[str]]) -> list[dict]:
    """The records a search query finds, for search tools that look words up in a record's text.

    A record whose text (or one of its texts) holds every word matches, as before. When none does,
    the records whose texts together hold the most of the query's non-filler words are returned
    instead, if they hold at least half of them (rounded up). Order is kept; no words keep every record.

    Args:
        records: The records to search.
        words: The tool's normalised query words.
        text_of: A record's lower-cased text, or several texts (a store's name and each dish).
    """
    records = list(records)

    def texts(r: dict) -> list[str]:
        t = text_of(r)
        return [t] if isinstance(t, str) else list(t)

    found = [r for r in records if any(all(w in t for w in words) for t in texts(r))]
    content = list(dict.fromkeys(w for w in words if w not in _FILLER))
    if found or not content:
        return found
    counts = [sum(w in " ".join(texts(r)) for w in content) for r in records]
    best = max(counts, default=0)
    if best < max(1, (len(content) + 1) // 2):
        return []
    return [r for r, n in zip(records, counts) if n == best]


def find_contact(contacts: list[dict], query: str) -> dict:
    """Resolve a contact by name (full, first, last or partial) or phone number.

    Args:
        contacts: The ``contacts`` collection.
        query: ``"Alice"``, ``"alice johnson"``, ``"mom"``, ``"+1 415 555 0101"``, ...

    Returns:
        The one matching contact record.

    Raises:
        ToolExecutionError: no contact matches, or several do (the message lists them).
    """
    q = _strip_filler(query)
    if not q:
        raise ToolExecutionError("empty contact name; give a name such as 'Alice'")
    for c in contacts:
        if c.get("id") == q:
            return c
    listed = _listed_contacts(contacts, q)
    if len(listed) == 1:  # "Henry Wilson, 415 555 0142": a name and his number
        return listed[0]
    if listed:
        names = ", ".join(c["name"] for c in listed)
        raise ToolExecutionError(f"{query!r} names {len(listed)} contacts ({names}); give one name here "
                                 "and repeat the same function for each of them")
    if is_number(q):
        num = digits(q)
        hits = [c for c in contacts if digits(c.get("phone", "")).endswith(num)
                or (digits(c.get("phone", "")) and num.endswith(digits(c["phone"])))]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise ToolExecutionError(f"no contact has the number {query!r}")
    hits = _staged(q, contacts, lambda c: [c.get("name", "")])
    if not hits:
        hits = [c for c in contacts if q == norm(c.get("email", ""))]
    if len(hits) == 1:
        return hits[0]
    if hits:
        names = ", ".join(c["name"] for c in hits)
        raise ToolExecutionError(f"{query!r} matches several contacts: {names}. Use the full name.")
    known = ", ".join(c["name"] for c in contacts)
    raise ToolExecutionError(f"no contact named {query!r}. Contacts: {known}")


_LIST_SEP = re.compile(r"\s*(?:,|;|&|\band\b|\+(?!\s*\d))\s*", re.IGNORECASE)


def _listed_contacts(contacts: list[dict], q: str) -> list[dict]:
    """The distinct contacts a list such as "alice and bob" names, when every item names one; else []."""
    parts = [p for p in _LIST_SEP.split(q) if p]
    if len(parts) < 2 or any(norm(c.get("name", "")) == q for c in contacts):
        return []
    found: dict[str, dict] = {}
    for part in parts:
        try:
            c = find_contact(contacts, part)
        except ToolExecutionError:
            return []
        found.setdefault(c["id"], c)
    return list(found.values())


def contact_or_number(contacts: list[dict], query: str) -> dict | None:
    """The contact ``query`` names, or None when it is a phone number no contact has.

    Raises:
        ToolExecutionError: neither a known contact nor a phone number.
    """
    try:
        return find_contact(contacts, query)
    except ToolExecutionError:
        if not is_number(query):
            raise
        return None


def with_contact(records: list[dict], contacts: list[dict], query: str) -> list[dict]:
    """The records (messages, calls) with the contact ``query`` names, or with that number.

    Raises:
        ToolExecutionError: neither a known contact nor a phone number.
    """
    person = contact_or_number(contacts, query)
    if person is not None:
        return [r for r in records if r.get("contact_id") == person["id"]]
    return [r for r in records if digits(r.get("number", "")).endswith(digits(query))]


def find_record(records: list[dict], query: str, *, kind: str, fields: tuple[str, ...] = ("title",),
                extra: Callable[[dict], Iterable[str]] | None = None) -> dict:
    """Resolve one record of a collection by id or by (partial) title.

    Args:
        records: The collection to search.
        query: An id (``"e3"``) or a name such as ``"dentist"``.
        kind: What the records are, for messages (``"event"``, ``"note"``).
        fields: Record fields that name it.
        extra: More names for a record (e.g. an alarm's time).

    Returns:
        The one matching record.

    Raises:
        ToolExecutionError: nothing matches, or several do (the message lists them).
    """
    q = _strip_filler(query)
    q = re.sub(rf"\s+{re.escape(kind)}$", "", q)
    if not q:
        raise ToolExecutionError(f"empty {kind} name")

    def names(r: dict) -> list[str]:
        out = [str(r.get(f) or "") for f in fields]
        if len(fields) > 1:  # the label the listings below show ("Dave Brown Game night snacks") resolves too
            out.append(describe(r, fields))
        if extra is not None:
            out.extend(extra(r))
        return [n for n in out if n]

    for r in records:
        rid = norm(r.get("id", ""))
        # the id alone, or an entry copied from this function's own listing ("r2: Call the plumber")
        if rid and (q == rid or (q.startswith(rid + ":") and _staged(q[len(rid) + 1:].strip(), [r], names))):
            return r

    hits = _staged(q, records, names)
    if not hits and "," in q:  # "Sakura Sushi, 2026-11-25, 12:00 PM": the name, then details
        hits = _staged(q.split(",")[0].strip(), records, names)
        hits = hits if len(hits) == 1 else []
    if len(hits) == 1:
        return hits[0]
    listing = "; ".join(f"{r['id']}: {describe(r, fields)}" for r in (hits or records))
    choices = [describe(r, fields) for r in (hits or records)]
    if hits:
        raise ToolExecutionError(f"{query!r} matches several {kind}s ({listing}). Use the id.", choices=choices)
    if not records:
        raise ToolExecutionError(f"no {kind} matches {query!r}; there are none")
    raise ToolExecutionError(f"no {kind} matches {query!r}. Existing {kind}s: {listing}", choices=choices)


def describe(record: dict, fields: tuple[str, ...]) -> str:
    """A short label for a record, for error messages."""
    return " ".join(str(record.get(f)) for f in fields if record.get(f))


def next_id(records: list[dict], prefix: str) -> str:
    """A fresh id ``<prefix><n>``, one past the largest number in use."""
    used = [int(m[1]) for r in records if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", str(r.get("id"))))]
    return f"{prefix}{max(used, default=0) + 1}"
