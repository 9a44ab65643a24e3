"""Word-overlap scoring (BM25) of tools' documents, the lexical half of tool retrieval.

Embeddings of a small model blur rare and made-up words (app names such as
"Zoomcab", terms such as "HDMI" or "VO2 max"); counting shared words catches
them. Built in memory from the same documents that are embedded, so it costs
no model call and needs no storage.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping

__all__ = ["LexicalIndex", "apps_named", "names_in"]

_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    "a about an and are as at be by can could d do does for from has have how i in is it its ll m me my "
    "of on or please re s so t that the this to up ve was what whats when where which who will with would "
    "you your".split()
)
_K1 = 1.2
_B = 0.75


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text``, without stop words."""
    return [w for w in _WORD_RE.findall(text.lower()) if w not in _STOP_WORDS]


class LexicalIndex:
    """BM25 over documents, each owned by a tool; a tool scores as its best document.

    Args:
        documents: ``(tool name, app, text)`` for every document.
    """

    def __init__(self, documents: Iterable[tuple[str, str, str]]) -> None:
        self._owners: list[tuple[str, str]] = []
        self._lengths: list[int] = []
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, (tool, app, text) in enumerate(documents):
            counts = Counter(words(text))
            self._owners.append((tool, app))
            self._lengths.append(sum(counts.values()))
            for word, n in counts.items():
                self._postings[word].append((i, n))
        self._average = sum(self._lengths) / len(self._lengths) if self._lengths else 1.0

    def scores(self, query: str, apps: Collection[str] | None = None) -> dict[str, float]:
        """Each matching tool's BM25 score, divided by the best one's (so the best is 1.0).

        Args:
            query: The request.
            apps: Only score tools of these apps; ``None`` means all.

        Returns:
            ``{tool name: score in (0, 1]}`` for tools sharing at least one word with the query.
        """
        n = len(self._owners)
        per_document: dict[int, float] = defaultdict(float)
        for word in set(words(query)):
            postings = self._postings.get(word)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for i, count in postings:
                norm = _K1 * (1 - _B + _B * self._lengths[i] / self._average)
                per_document[i] += idf * count * (_K1 + 1) / (count + norm)
        best: dict[str, float] = {}
        for i, score in per_document.items():
            tool, app = self._owners[i]
            if (apps is None or app in apps) and score > best.get(tool, 0.0):
                best[tool] = score
        top = max(best.values(), default=0.0)
        return {tool: score / top for tool, score in best.items()} if top > 0 else {}


def names_in(text: str, vocabulary: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{app: name}`` for the apps of ``vocabulary`` (``{app: [names of things in it]}``) one of whose
    names ``text`` contains as whole words, in any case ("order fries from burger barn" holds the
    delivery app's "Burger Barn"); the first such name of each app."""
    padded = f" {' '.join(_WORD_RE.findall(text.lower()))} "
    found = {}
    for app, names in vocabulary.items():
        for name in names:
            if (said := " ".join(_WORD_RE.findall(str(name).lower()))) and f" {said} " in padded:
                found[app] = str(name)
                break
    return found


def apps_named(text: str, vocabulary: Mapping[str, Iterable[str]]) -> set[str]:
    """The apps :func:`names_in` finds in ``text``: retrieval prefers their tools."""
    return set(names_in(text, vocabulary))
