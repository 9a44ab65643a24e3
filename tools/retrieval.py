"""Find the few tools relevant to a request, by embedding similarity in Chroma plus shared words.

A small on-device model can only be shown a handful of tool schemas per step.
:class:`ToolIndex` embeds several short documents per tool (``"name (app):
description"`` plus parameter names, and each example utterance) and scores a
tool by the mean similarity of its two best-matching documents, so that one
example that happens to share a turn of phrase with the request does not
decide alone, plus a small bonus for the words it shares with the request
(BM25), which catches app names and rare terms that a small embedding model
blurs, and one for the tools whose examples lead with the request's verb ("Text
Dave that it's paid" is a message, though its words are closer to paying). The
ranking puts an app ahead when the request names something of it (``named_apps``:
"Find Burger Barn" names a delivery store; see :func:`apps_named`), and the tools that take an
``amount`` when it states a sum of money; the one tool whose examples lead with the request's verb
is always offered. Tools of the phone's default apps (its own messages, calendar, ...)
get a further small bonus unless the request names another app, as a phone
assistant sends "text Jordan" to the default messaging app rather than to
some installed chat app whose description happens to be closer.

Example::

    index = ToolIndex(registry, default_embedder())
    [hit] = index.search("wake me up at seven", k=1)
    hit.tool.name   # 'set_alarm'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
import weakref
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from agentkit.embeddings import ChromaEmbeddingFunction, Embedder
from agentkit.tools._lexical import _STOP_WORDS, _WORD_RE, LexicalIndex, apps_named, words
from agentkit.tools.registry import Tool, ToolRegistry

__all__ = ["ToolHit", "ToolIndex", "apps_named"]

_FETCH_PER_HIT = 8
"""Documents fetched per requested tool, since one tool owns several documents."""
_MIN_FETCH = 100
"""Fewest documents fetched per search, so that most candidates have their two best documents in view."""
_LEXICAL_WEIGHT = 0.15
"""Bonus for the tool sharing the most (BM25-weighted) words with the request; others get a fraction."""
VERB_WEIGHT = 0.08
"""A ``verb_weight`` that helps retrieval alone: recall@1 0.749 -> 0.770 at 1,022 tools (docs/BENCHMARKS.md).
It is off by default because the agent did worse with it: it reorders the few tools a step is offered,
and the 1.5B then picked ``create_event`` for "Tell Grace that Sunday's dinner is off" (multi-app,
session 13)."""
_NAMED_APP_BONUS = 0.1
"""Ranking bonus for the tools of an app the request names something of (``named_apps``)."""
_AMOUNT_BONUS = 0.05
"""Ranking bonus for a tool with an ``amount`` parameter when the request states a sum of money
("Send Jack $18 for the pizza": send_money, not the event the pizza was for)."""
_AMOUNT_RE = re.compile(r"[$€£]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:dollars?|bucks|euros?|pounds|usd|eur|gbp)\b", re.I)
_APP_NAME_BONUS = 0.08
"""Ranking bonus for the tools of an app the request calls by its name, singular or plural ("put it
on my calendar", "email the office", "in my notes")."""
_SAYING = re.compile(r"\bthat\b|[:\"“]")
"""Where what a request asks to say begins ("Text Bob *that* ...", "Email Ann: ...")."""
_DEFAULT_APP_BONUS = 0.04
"""Bonus for a default app's tool when the request names no other app (chosen on the dev half of
``benchmarks/data/retrieval_queries.jsonl``: the smallest value with the best recall@5 there)."""


@dataclass(frozen=True)
class ToolHit:
    """One search result."""

    tool: Tool
    """The matching tool."""
    score: float
    """Relevance on the cosine scale (higher is closer): the mean cosine similarity of the tool's
    two best-matching documents to the query (its only one, if it has one), plus up to 0.15 for
    the words they share, plus up to ``verb_weight`` (off by default) when its examples lead with
    the request's first word (its verb, mostly); at most 1. (Ranking adds 0.04 for a default
    app's tool when the request names no other app, 0.1 for an app the request names
    something of, 0.08 for an app it calls by name; the score leaves these out, so thresholds
    on it do not move with the mix of apps in the registry.)"""


class ToolIndex:
    """A Chroma index of a registry's tools, searchable by meaning.

    Opening the index syncs it with the registry (see :meth:`sync`); call
    :meth:`sync` again after adding tools to the registry.

    Args:
        registry: The tools to index.
        embedder: Embeds tool documents and queries.
        path: Directory of a persistent index; ``None`` keeps it in memory,
            private to this object.
        collection: Chroma collection name.
        default_apps: The apps that answer a request naming no app (the
            phone's own apps, e.g. ``agentkit.tools.phone.APPS``): their tools
            rank a little higher unless the request names another app of the
            registry.
        verb_weight: A bonus shared by the tools whose examples start with the request's leading
            word ("Text Dave that it's paid": send_message, not pay_money_request); a word many
            tools start with ("find") gives each little. 0 (default) turns it off; see
            :data:`VERB_WEIGHT` for the measured trade-off.
    """

    def __init__(self, registry: ToolRegistry, embedder: Embedder, *,
                 path: str | Path | None = None, collection: str = "tools",
                 default_apps: Collection[str] = (), verb_weight: float = 0.0) -> None:
        self.registry = registry
        self.verb_weight = verb_weight
        self.embedder = embedder
        self.default_apps = frozenset(default_apps)
        settings = Settings(anonymized_telemetry=False)
        if path is None:
            # Every EphemeralClient in a process shares one store, so give this
            # index a collection of its own and drop it when the index goes.
            self._client = chromadb.EphemeralClient(settings)
            self._name = f"{collection}-{uuid.uuid4().hex}"
            weakref.finalize(self, _drop_collection, self._client, self._name)
        else:
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
            self._name = collection
        self._collection = self._open()
        self._lexical = LexicalIndex(())
        self._lone: set[str] = set()  # tools with a single document (no examples)
        self._other_apps: list[str] = []  # names of the apps that are not default, as " word word "
        self._verbs: dict[str, set[str]] = {}  # leading word of an example -> the tools with such examples
        self._priced: set[str] = set()  # tools with an ``amount`` parameter
        self._app_names: dict[str, set[str]] = {}  # app -> the words that name it (one-word apps)
        self.sync()

    def _open(self) -> chromadb.Collection:
        """Get the collection, recreating it empty if another embedder built it."""
        ef = ChromaEmbeddingFunction(self.embedder)
        options = dict(configuration={"hnsw": {"space": "cosine"}},
                       metadata={"embedder": self.embedder.name}, embedding_function=ef)
        coll = self._client.get_or_create_collection(self._name, **options)
        if (coll.metadata or {}).get("embedder") != self.embedder.name:
            self._client.delete_collection(self._name)
            coll = self._client.create_collection(self._name, **options)
        return coll

    def sync(self) -> int:
        """Bring the index in line with the registry.

        Embeds the documents of tools that are new or changed and deletes those
        of tools that changed or left the registry. Unchanged tools cost
        nothing, so reopening a persistent index embeds nothing. The word
        index is rebuilt from the registry (no model involved).

        Returns:
            The number of documents embedded.
        """
        wanted: dict[str, tuple[str, dict]] = {}
        for t in self.registry:
            digest = _digest(t)
            for i, text in enumerate(_documents(t)):
                wanted[f"{t.name}:{digest}:{i}"] = (text, {"tool": t.name, "app": t.app})
        stored = set(self._collection.get(include=[])["ids"])
        stale = sorted(stored - wanted.keys())
        if stale:
            self._collection.delete(ids=stale)
        new = [doc_id for doc_id in wanted if doc_id not in stored]
        if new:
            texts = [wanted[doc_id][0] for doc_id in new]
            self._collection.upsert(ids=new, documents=texts, embeddings=self.embedder.embed(texts),
                                    metadatas=[wanted[doc_id][1] for doc_id in new])
        self._lexical = LexicalIndex((meta["tool"], meta["app"], text) for text, meta in wanted.values())
        per_tool = Counter(meta["tool"] for _, meta in wanted.values())
        self._lone = {name for name, n in per_tool.items() if n == 1}
        self._verbs = {}
        for t in self.registry:
            for example in t.examples:
                if verb := _leading_word(example):
                    self._verbs.setdefault(verb, set()).add(t.name)
        self._priced = {t.name for t in self.registry if "amount" in t.parameters.get("properties", {})}
        self._app_names = {t.app: {w, w.removesuffix("s"), f"{w.removesuffix('s')}s"} for t in self.registry
                           if len(app_words := words(t.app)) == 1 and len(w := app_words[0]) > 3}
        self._other_apps = sorted({f" {' '.join(words(t.app))} " for t in self.registry
                                   if t.app not in self.default_apps and words(t.app)})
        return len(new)

    def search(self, query: str, k: int = 5, *, apps: Collection[str] | None = None,
               named_apps: Collection[str] = ()) -> list[ToolHit]:
        """The ``k`` tools closest in meaning to ``query``, best first.

        Args:
            query: The user's request (or the current step of it).
            k: How many tools to return at most.
            apps: Only consider tools of these apps; ``None`` means all.
            named_apps: Apps the request names something of (a store, a product: see
                :func:`apps_named`); their tools rank ahead of others scoring up to 0.1 higher.

        Returns:
            Up to ``k`` distinct tools with their scores, best first: by score, with a
            default app's tool ahead of another's that scores up to 0.04 higher when the
            request names no app outside ``default_apps``, and a tool with an ``amount``
            parameter ahead of one scoring up to 0.05 higher when the request states a sum of
            money ("$18", "20 dollars"), and the tools of an app the request calls by name
            ("on my calendar", "in a note"; not in what it asks to say: "text Bob *that* ...")
            ahead of others scoring up to 0.08 higher. When ``k >= 3`` and the request's
            leading word leads the examples of exactly one tool ("Email the office ..."), that
            tool is among them: if it ranks lower, it takes the last place, the others keeping
            their order.
        """
        if k < 1 or (apps is not None and not apps):
            return []
        where = None if apps is None else {"app": {"$in": sorted(apps)}}
        [vector] = self.embedder.embed([query])
        result = self._collection.query(query_embeddings=[vector], n_results=max(k * _FETCH_PER_HIT, _MIN_FETCH),
                                        where=where, include=["metadatas", "distances"])
        similarities: dict[str, list[float]] = {}
        for meta, distance in zip(result["metadatas"][0], result["distances"][0]):
            similarities.setdefault(str(meta["tool"]), []).append(1.0 - distance)
        if not similarities:
            return []
        # Only tools with a document among those fetched are ranked. One with a single
        # document in view: its second is no closer than the last document fetched.
        floor = 1.0 - result["distances"][0][-1]
        shared = self._lexical.scores(query, apps)
        padded = f" {' '.join(words(query))} "
        prefer_default = not any(app in padded for app in self._other_apps)
        lead_tools = self._verbs.get(_leading_word(query) or "", set())
        verb_tools = lead_tools if self.verb_weight else set()
        priced = self._priced if _AMOUNT_RE.search(query) else set()
        # what is to be said ("text them that you'll call them back", "...: the restaurant is booked")
        # names no app to use
        said = set(words(_SAYING.split(query, maxsplit=1)[0]))
        called = {app for app, forms in self._app_names.items() if forms & said}
        scores, boosted = {}, {}
        for name, sims in similarities.items():
            if len(sims) > 1:
                best, second = sorted(sims, reverse=True)[:2]
            else:
                best, second = sims[0], sims[0] if name in self._lone else floor
            verb = self.verb_weight / len(verb_tools) if name in verb_tools else 0.0
            scores[name] = min(1.0, (best + second) / 2 + _LEXICAL_WEIGHT * shared.get(name, 0.0) + verb)
            default = prefer_default and self._app_of(name) in self.default_apps
            boosted[name] = (scores[name] + (_DEFAULT_APP_BONUS if default else 0.0)
                             + (_NAMED_APP_BONUS if self._app_of(name) in named_apps else 0.0)
                           + (_AMOUNT_BONUS if name in priced else 0.0)
                           + (_APP_NAME_BONUS if self._app_of(name) in called else 0.0))
        ranked = [name for name in sorted(scores, key=boosted.__getitem__, reverse=True) if name in self.registry]
        if k >= 3 and len(lead_tools) == 1 and (only := next(iter(lead_tools))) in ranked[k:]:
            # the one tool whose examples lead with the request's verb ("Email the dental office
            # ..."): offered last of three or more, the rest in their order, rather than not at all
            ranked.insert(k - 1, ranked.pop(ranked.index(only)))
        return [ToolHit(self.registry.get(name), scores[name]) for name in ranked[:k]]

    def _app_of(self, name: str) -> str | None:
        return self.registry.get(name).app if name in self.registry else None


def _leading_word(text: str) -> str | None:
    """The word a request or example leads with, past politeness ("please text ..."): its verb, mostly."""
    for w in _WORD_RE.findall(text.lower())[:3]:
        if w not in _STOP_WORDS:
            return w
    return None


def _documents(t: Tool) -> list[str]:
    """The texts indexed for a tool: its name, app and description, then each example.

    The name ("set alarm") states the action in two words, which a small
    embedding model matches more reliably than a longer description.
    """
    params = [p.replace("_", " ") for p in t.parameters.get("properties", {})]
    summary = f"{t.name.replace('_', ' ')} ({t.app}): {t.description}"
    if params:
        summary += f" ({', '.join(params)})"
    return [summary, *t.examples]


def _digest(t: Tool) -> str:
    """A short hash of everything that goes into a tool's documents and metadata."""
    content = json.dumps([t.name, t.app, t.description, list(t.examples), t.parameters], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _drop_collection(client: chromadb.ClientAPI, name: str) -> None:
    with contextlib.suppress(NotFoundError):  # already dropped
        client.delete_collection(name)
