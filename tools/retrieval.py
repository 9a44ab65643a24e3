"""Find the few tools relevant to a request, by embedding similarity in Chroma.

A small on-device model can only be shown a handful of tool schemas per step.
:class:`ToolIndex` embeds several short documents per tool (``"app:
description"`` plus parameter names, and each example utterance) and scores a
tool by its best-matching document.

Example::

    index = ToolIndex(registry, default_embedder())
    [hit] = index.search("wake me up at seven", k=1)
    hit.tool.name   # 'set_alarm'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
import weakref
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from agentkit.embeddings import ChromaEmbeddingFunction, Embedder
from agentkit.tools.registry import Tool, ToolRegistry

__all__ = ["ToolHit", "ToolIndex"]

_FETCH_PER_HIT = 8
"""Documents fetched per requested tool, since one tool owns several documents."""


@dataclass(frozen=True)
class ToolHit:
    """One search result."""

    tool: Tool
    """The matching tool."""
    score: float
    """Cosine similarity of the tool's best-matching document to the query (higher is closer)."""


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
    """

    def __init__(self, registry: ToolRegistry, embedder: Embedder, *,
                 path: str | Path | None = None, collection: str = "tools") -> None:
        self.registry = registry
        self.embedder = embedder
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
        nothing, so reopening a persistent index embeds nothing.

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
        return len(new)

    def search(self, query: str, k: int = 5, *, apps: Collection[str] | None = None) -> list[ToolHit]:
        """The ``k`` tools closest in meaning to ``query``, best first.

        Args:
            query: The user's request (or the current step of it).
            k: How many tools to return at most.
            apps: Only consider tools of these apps; ``None`` means all.

        Returns:
            Up to ``k`` distinct tools with their scores, highest score first.
        """
        if k < 1 or (apps is not None and not apps):
            return []
        where = None if apps is None else {"app": {"$in": sorted(apps)}}
        [vector] = self.embedder.embed([query])
        result = self._collection.query(query_embeddings=[vector], n_results=k * _FETCH_PER_HIT,
                                        where=where, include=["metadatas", "distances"])
        best: dict[str, float] = {}
        for meta, distance in zip(result["metadatas"][0], result["distances"][0]):
            name = str(meta["tool"])
            best[name] = max(best.get(name, -1.0), 1.0 - distance)
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        return [ToolHit(self.registry.get(name), score)
                for name, score in ranked if name in self.registry][:k]


def _documents(t: Tool) -> list[str]:
    """The texts indexed for a tool: its description, then each example."""
    params = [p.replace("_", " ") for p in t.parameters.get("properties", {})]
    summary = f"{t.app}: {t.description}"
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
