"""Notes app: free-text notes with a title."""

from __future__ import annotations

import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "append_to_note", "create_note", "delete_note", "search_notes"]


@tool(app="notes", changes_state=True, rehearsable=True, scopes=["notes.write"], examples=[
    "Make a note: the garage code is 4512",
    "Create a note called Book list with 'Dune, Circe'",
    "Jot down that the parking spot is B12",
    "Save the wifi password in a note called Home",
])
def create_note(phone: Injected[Phone], title: str, body: str = "") -> dict:
    """Create a new note.

    Args:
        title: A short title for the note.
        body: The note's text.
    """
    title = " ".join(str(title).split())
    if not title:
        raise ToolExecutionError("a note needs a title")
    with phone.transaction() as s:
        record = {"id": next_id(s["notes"], "n"), "title": title, "body": str(body).strip(),
                  "updated": phone.now.isoformat(timespec="seconds")}
        s["notes"].append(record)
    return record


@tool(app="notes", scopes=["notes.read"], examples=[
    "What's on my shopping list note?",
    "Find my note about gift ideas",
    "What did I write about the passport?",
    "Show all my notes",
])
def search_notes(phone: Injected[Phone], query: str = "") -> list[dict]:
    """Search notes by words in the title or text and show them; an empty query lists all notes.

    Args:
        query: Words from the user's request to look for.
    """
    notes = phone.state()["notes"]
    words = [w for w in re.findall(r"[\w']+", norm(query)) if w not in _STOPWORDS]
    if not words:
        return notes
    scored = [(sum(w in norm(n["title"] + " " + n["body"]) for w in words), n) for n in notes]
    best = max(score for score, _ in scored)
    # like a search box: notes with every word, else those with the most words in common
    return [n for score, n in scored if score == best and score > 0]


_STOPWORDS = {"a", "an", "the", "my", "me", "i", "in", "on", "of", "for", "to", "and", "note", "notes", "what",
              "what's", "whats", "is", "it", "its", "it's", "about", "find", "show", "search", "did", "do"}


@tool(app="notes", changes_state=True, rehearsable=True, scopes=["notes.write"], examples=[
    "Add milk to my shopping list note",
    "Append 'sunglasses' to the packing list",
    "Put 'Bob: headphones' in my gift ideas note",
])
def append_to_note(phone: Injected[Phone], note: str, text: str) -> dict:
    """Add text at the end of an existing note.

    Args:
        note: The note's title (or a word of it) as the user said it.
        text: The text to add.
    """
    text = str(text).strip()
    if not text:
        raise ToolExecutionError("nothing to append: text is empty")
    with phone.transaction() as s:
        record = find_record(s["notes"], note, kind="note")
        body = record["body"]
        # A comma-separated list stays one line; other notes get a new line.
        sep = ", " if body and "\n" not in body and "," in body and len(text) < 40 else "\n"
        record["body"] = f"{body}{sep}{text}" if body else text
        record["updated"] = phone.now.isoformat(timespec="seconds")
    return record


@tool(app="notes", changes_state=True, rehearsable=True, sensitive=True, scopes=["notes.write"], examples=[
    "Delete my old recipes note",
    "Remove the note about the garage code",
    "Trash the to-do note",
])
def delete_note(phone: Injected[Phone], note: str) -> dict:
    """Delete a note for good.

    Args:
        note: The note's title (or a word of it) as the user said it.
    """
    with phone.transaction() as s:
        record = find_record(s["notes"], note, kind="note")
        s["notes"].remove(record)
    return {"deleted": record}


TOOLS = [create_note, search_notes, append_to_note, delete_note]
