"""Web app: search a small offline corpus of pages, open results, keep bookmarks."""

from __future__ import annotations

import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "bookmark_web_page", "list_bookmarks", "read_web_page", "search_web"]

_STOP = {"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "what", "how",
         "do", "does", "i", "my", "me", "you", "it", "at", "by", "with", "when", "where", "who", "which",
         "much", "many", "long", "can", "should", "search", "web", "google", "look", "up", "find", "about"}


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", norm(text))


def _in(word: str, tokens: set[str]) -> bool:
    """Whether ``tokens`` hold ``word``, its plural or its singular ("eggs" finds "egg")."""
    return bool({word, word.rstrip("s"), word + "s"} & tokens)


def _snippet(text: str, words: list[str] = (), title: str = "") -> str:
    """The page's sentence holding the most of the query's words that its title lacks (the first on
    a tie), as a search engine shows the passage that answers the query, not the opening line."""
    sentences = re.split(r"(?<=[.!?])\s", text)
    shown = set(_tokens(title))
    words = [w for w in words if not _in(w, shown)]

    def hits(sentence: str) -> int:
        tokens = set(_tokens(sentence))
        return sum(_in(w, tokens) for w in words)

    best = max(sentences, key=hits)  # (max keeps the first of equals)
    return best if len(best) <= 160 else best[:157].rstrip() + "..."


def _find_page(pages: list[dict], page: str) -> dict:
    q = str(page).strip()
    for p in pages:
        if norm(p["url"]) == norm(q) or norm(p["url"]).split("://")[-1] == norm(q).split("://")[-1]:
            return p
    return find_record(pages, q, kind="page", fields=("title",))


@tool(app="web", scopes=["web.search"], examples=[
    "Search the web for how long to boil an egg",
    "Look up the height of Mount Everest",
    "When is Thanksgiving this year?",
    "How much should I tip at a restaurant?",
    "Find the web page with the museum's opening hours",
])
def search_web(phone: Injected[Phone], query: str, limit: int = 5) -> list[dict]:
    """Search the web; returns the best-matching pages with id, title, address and a snippet.

    Args:
        query: The words to search for.
        limit: Most results to return (default 5).
    """
    words = [w for w in _tokens(query) if w not in _STOP]
    if not words:
        raise ToolExecutionError(f"no search words in {query!r}; give the topic to search for")
    scored = []
    for p in phone.state()["web"]["pages"]:
        title, text = set(_tokens(p["title"])), set(_tokens(p["text"]))
        score = sum(3 * _in(w, title) + _in(w, text) for w in words)
        if score:
            scored.append((-score, p["id"], p))
    scored.sort(key=lambda t: (t[0], int(t[1][1:])))
    return [{"id": p["id"], "title": p["title"], "url": p["url"], "snippet": _snippet(p["text"], words, p["title"])}
            for _, _, p in scored[: max(1, limit)]]


@tool(app="web", scopes=["web.read"], examples=[
    "Open the first result",
    "Read the pumpkin pie recipe page",
    "Open the Golden Gate Park page",
])
def read_web_page(phone: Injected[Phone], page: str) -> dict:
    """Open a web page and read its full text.

    Args:
        page: The page's id or title from search results, or its address.
    """
    p = _find_page(phone.state()["web"]["pages"], page)
    return {"id": p["id"], "title": p["title"], "url": p["url"], "text": p["text"]}


@tool(app="web", changes_state=True, rehearsable=True, scopes=["web.write"], examples=[
    "Bookmark this page",
    "Save the baggage allowance page to my bookmarks",
    "Add the tipping guide to bookmarks",
])
def bookmark_web_page(phone: Injected[Phone], page: str) -> dict:
    """Save a web page to the bookmarks.

    Args:
        page: The page's id or title from search results, or its address.
    """
    with phone.transaction() as s:
        web = s["web"]
        p = _find_page(web["pages"], page)
        if any(b["page_id"] == p["id"] for b in web["bookmarks"]):
            raise ToolExecutionError(f"{p['title']!r} is already bookmarked")
        record = {"id": next_id(web["bookmarks"], "bm"), "page_id": p["id"], "title": p["title"],
                  "url": p["url"], "added": phone.now.isoformat(timespec="seconds")}
        web["bookmarks"].append(record)
    return record


@tool(app="web", scopes=["web.read"], examples=[
    "Show my bookmarks",
    "What pages have I saved?",
    "Open my bookmarked pages list",
])
def list_bookmarks(phone: Injected[Phone]) -> list[dict]:
    """List the bookmarked web pages."""
    return phone.state()["web"]["bookmarks"]


TOOLS = [search_web, read_web_page, bookmark_web_page, list_bookmarks]
