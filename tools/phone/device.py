"""The simulated phone: app state kept as JSON in SQLite, with snapshots and diffs.

The state is a dict ``{app_name: data}`` of plain JSON values. Collections
(``messages``, ``calendar``, ``clock.alarms``, ...) are lists of records, each
with a string ``"id"``. Every write goes through :meth:`Phone.transaction`, which
commits all changed apps in one SQLite transaction, so a crash or an exception
never leaves half a state behind.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Literal

__all__ = ["Change", "Phone", "diff"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS state (app TEXT PRIMARY KEY, data TEXT NOT NULL)"


def _to_json(app: str, data: Any) -> str:
    """Serialise one app's data, refusing anything that is not plain JSON."""
    try:
        return json.dumps(data, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"state of app {app!r} must be plain JSON data: {exc}") from None


class Phone:
    """A stateful, persisted, resettable simulated phone.

    Safe to share between threads (a LangGraph ``ToolNode`` runs tools in a
    worker thread): every read and write holds one re-entrant lock.

    Args:
        path: SQLite file to keep the state in; ``None`` keeps it in memory.
        seed: State to fill a new or empty database with; defaults to
            :func:`agentkit.tools.phone.default_seed`.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, seed: dict | None = None) -> None:
        self._path = ":memory:" if path is None else os.fspath(path)
        self._lock = threading.RLock()
        self._local = threading.local()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so one write is one transaction.
        self._conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._conn.execute(_SCHEMA)
        rows = self._conn.execute("SELECT app, data FROM state").fetchall()
        if rows:
            self._state = {app: json.loads(data) for app, data in rows}
        else:
            self._state = {}
            self._write(seed if seed is not None else _default_seed())

    def __repr__(self) -> str:
        return f"Phone({self._path!r})"

    def __enter__(self) -> Phone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def state(self) -> dict:
        """A deep copy of the full state ``{app: data}``; use it as a snapshot."""
        with self._lock:
            return copy.deepcopy(self._state)

    snapshot = state

    def reset(self, seed: dict | None = None) -> None:
        """Replace the whole state by ``seed`` (the default seed when ``None``)."""
        self._write(seed if seed is not None else _default_seed())

    def set(self, path: str, value: Any) -> None:
        """Set one value by dotted path, e.g. ``"settings.wifi"`` or ``"clock.alarms.a1.enabled"``.

        Inside a list of records a path part names a record by its ``"id"`` (or
        by index). Missing dict keys along the way are created.

        Raises:
            KeyError: a list along the path has no such record.
            ValueError: the path is empty or ``value`` is not JSON data.
        """
        parts = [p for p in str(path).split(".") if p]
        if not parts:
            raise ValueError(f"empty state path {path!r}")
        with self.transaction() as s:
            node: Any = s
            for i, part in enumerate(parts[:-1]):
                if isinstance(node, list):
                    node = _record(node, part, path)
                else:
                    if not isinstance(node.get(part), (dict, list)):
                        node[part] = {}
                    node = node[part]
            last = parts[-1]
            if isinstance(node, list):
                target = _record(node, last, path)
                node[node.index(target)] = copy.deepcopy(value)
            else:
                node[last] = copy.deepcopy(value)

    @contextmanager
    def transaction(self) -> Iterator[dict]:
        """Yield a mutable deep copy of the state; write it back atomically on exit.

        On an exception nothing is written and the exception propagates. A
        transaction opened inside another on the same thread joins the outer one.
        Inside :meth:`rehearsal` nothing is written either.
        """
        with self._lock:
            outer = getattr(self._local, "working", None)
            if outer is not None:
                yield outer
                return
            working = copy.deepcopy(self._state)
            self._local.working = working
            try:
                yield working
            finally:
                self._local.working = None
            if not getattr(self._local, "rehearsing", False):
                self._write(working)

    @contextmanager
    def rehearsal(self) -> Iterator[None]:
        """Run tools without effect: transactions opened on this thread inside the block see and change
        a copy of the state that is then dropped, as if an exception had undone them.

        The agent rehearses a call before asking the user to confirm it, so a call that would fail (no
        photo matches, the slot is taken) goes back to the model instead of to the user, and the prompt
        can show what the call will do. Other threads write as usual meanwhile.
        """
        before = getattr(self._local, "rehearsing", False)
        self._local.rehearsing = True
        try:
            yield
        finally:
            self._local.rehearsing = before

    @property
    def now(self) -> datetime.datetime:
        """The device clock (fixed, from ``state["clock"]["now"]``)."""
        with self._lock:
            return datetime.datetime.fromisoformat(self._state["clock"]["now"])

    @property
    def location(self) -> str | None:
        """The user's home city (from the weather app's settings)."""
        with self._lock:
            return (self._state.get("weather") or {}).get("home")

    def vocabulary(self) -> dict[str, list[str]]:
        """Names the user's data gives things, by app: delivery stores, restaurants, products (with and
        without brand), songs, artists, playlists and map places. Tool retrieval prefers the apps whose
        names a request mentions ("Find Burger Barn" is the delivery app's), as an assistant's app
        vocabulary does; a name several apps hold counts for each of them."""
        with self._lock:
            s = self._state

            def names(app: str, key: str, *fields: str) -> list[str]:
                records = (s.get(app) or {}).get(key) or []
                return [str(r[f]) for r in records if isinstance(r, dict) for f in fields if r.get(f)]

            products = (s.get("shopping") or {}).get("products") or []
            out = {
                "delivery": names("delivery", "stores", "name"),
                "restaurants": names("restaurants", "places", "name"),
                "shopping": [*names("shopping", "products", "name"),
                             *(f"{p['brand']} {p['name']}" for p in products if p.get("brand") and p.get("name"))],
                "music": [*names("music", "library", "title", "artist"), *names("music", "playlists", "name")],
                # one-word places ("Home", "Work") are words of too many requests
                "maps": [n for n in names("maps", "places", "name") if len(n.split()) > 1],
            }
        return {app: list(dict.fromkeys(v)) for app, v in out.items() if v}

    def close(self) -> None:
        """Close the database; the phone cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def _write(self, new_state: dict) -> None:
        if not isinstance(new_state, dict) or not all(isinstance(k, str) for k in new_state):
            raise ValueError("state must be a dict keyed by app name")
        encoded = {app: _to_json(app, data) for app, data in new_state.items()}
        with self._lock:
            old = {app: _to_json(app, data) for app, data in self._state.items()}
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for app in old.keys() - encoded.keys():
                    conn.execute("DELETE FROM state WHERE app = ?", (app,))
                for app, text in encoded.items():
                    if old.get(app) != text:
                        conn.execute(
                            "INSERT INTO state (app, data) VALUES (?, ?) "
                            "ON CONFLICT(app) DO UPDATE SET data = excluded.data",
                            (app, text),
                        )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            # Keep the cache as the JSON round trip, so tuples etc. never leak in.
            self._state = {app: json.loads(text) for app, text in encoded.items()}


def _record(records: list, part: str, path: str) -> Any:
    for r in records:
        if isinstance(r, dict) and r.get("id") == part:
            return r
    if part.isdigit() and int(part) < len(records):
        return records[int(part)]
    raise KeyError(f"no record {part!r} along state path {path!r}")


def _default_seed() -> dict:
    from agentkit.tools.phone.seed import default_seed

    return default_seed()


@dataclass(frozen=True)
class Change:
    """One difference between two states."""

    path: str
    """Dotted path; records in a collection are named by id (``messages.m12``)."""
    op: Literal["added", "removed", "changed"]
    """What happened at ``path``."""
    before: Any
    """The old value (``None`` when added)."""
    after: Any
    """The new value (``None`` when removed)."""

    def __str__(self) -> str:
        def show(v: Any) -> str:
            return json.dumps(v, ensure_ascii=False, sort_keys=True)

        if self.op == "added":
            return f"+ {self.path}: {show(self.after)}"
        if self.op == "removed":
            return f"- {self.path}: {show(self.before)}"
        return f"~ {self.path}: {show(self.before)} -> {show(self.after)}"


def _is_collection(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(r, dict) and isinstance(r.get("id"), str) for r in value
    )


def diff(before: dict, after: dict) -> list[Change]:
    """The changes that turn ``before`` into ``after``.

    Dicts are compared key by key; lists of records with an ``"id"`` are
    compared record by record (a new message is one ``added`` change at
    ``messages.<id>``); any other values are compared whole.

    Args:
        before: The earlier state (or any JSON value).
        after: The later state.

    Returns:
        The changes, in a stable order.
    """
    changes: list[Change] = []
    _diff(before, after, "", changes)
    return changes


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _diff(a: Any, b: Any, path: str, out: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b:
                out.append(Change(_join(path, key), "removed", a[key], None))
            else:
                _diff(a[key], b[key], _join(path, key), out)
        for key in b:
            if key not in a:
                out.append(Change(_join(path, key), "added", None, b[key]))
        return
    if _is_collection(a) and _is_collection(b) and (a or b):
        old = {r["id"]: r for r in a}
        new = {r["id"]: r for r in b}
        for rid, rec in old.items():
            if rid not in new:
                out.append(Change(_join(path, rid), "removed", rec, None))
            else:
                _diff(rec, new[rid], _join(path, rid), out)
        for rid, rec in new.items():
            if rid not in old:
                out.append(Change(_join(path, rid), "added", None, rec))
        return
    if a != b or type(a) is not type(b):
        out.append(Change(path, "changed", a, b))
