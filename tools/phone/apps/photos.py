"""Photos app: photo metadata (date, place, people), search and albums."""

from __future__ import annotations

import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_date
from agentkit.tools.phone._lookup import find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "add_to_album", "create_album", "delete_photo", "list_albums", "remove_from_album",
           "search_photos"]

_FILLER = {"photo", "photos", "picture", "pictures", "pics", "pic", "of", "from", "with", "at", "in", "the",
           "my", "me", "and", "all", "taken", "show", "last", "some"}


def _find_photo(items: list[dict], photo: str) -> dict:
    return find_record(items, photo, kind="photo", fields=("description",), extra=lambda p: [p["place"]])


def _find_album(albums: list[dict], album: str) -> dict:
    return find_record(albums, re.sub(r"\s+album$", "", norm(album)), kind="album", fields=("name",))


def _photo_ids(items: list[dict], photos: list[str]) -> list[str]:
    if not photos:
        raise ToolExecutionError("no photos given: list photo ids from search_photos")
    return list(dict.fromkeys(_find_photo(items, p)["id"] for p in photos))


def _day_prefix(date: str, phone: Phone) -> str:
    """``YYYY`` and ``YYYY-MM`` stay prefixes; anything else is read as one day."""
    text = str(date).strip()
    if re.fullmatch(r"\d{4}(-\d{2})?", text):
        return text
    return parse_date(text, phone.now.date()).isoformat()


@tool(app="photos", scopes=["photos.read"], examples=[
    "Show me photos of Mom",
    "Find my pictures from Golden Gate Park",
    "What photos did I take yesterday?",
    "Photos from last Thanksgiving",
])
def search_photos(phone: Injected[Phone], query: str = "", date: str | None = None) -> list[dict]:
    """Search photos by people, place, description or album, and/or by date, newest first.

    Args:
        query: Who or what is in the photo, or where it was taken, in the user's words; empty for any.
        date: A day, or a year as YYYY or a month as YYYY-MM; empty for any date.
    """
    photos = phone.state()["photos"]
    words = [w for w in re.findall(r"[\w']+", norm(query)) if w not in _FILLER]
    prefix = _day_prefix(date, phone) if date else ""
    albums = {}
    for al in photos["albums"]:
        for pid in al["photos"]:
            albums.setdefault(pid, []).append(al["name"])
    scored = []
    for p in photos["items"]:
        if not p["taken"].startswith(prefix):
            continue
        tokens = set(re.findall(r"[\w']+", norm(" ".join([p["place"], p["description"], *p["people"],
                                                          *albums.get(p["id"], [])]))))
        # Whole words, singular or plural: "park" finds "Park" but not "parking".
        scored.append((sum(bool({w, w + "s", w.removesuffix("s")} & tokens) for w in words), p))
    # Every word, else the most words if at least half of them ("10 people in my Halloween costume"
    # finds the photo described "Halloween costumes"), as the other apps' searches do.
    best = max((n for n, _ in scored), default=0)
    if best < len(words) and best < max(1, (len(words) + 1) // 2):
        return []
    hits = [dict(p, albums=albums.get(p["id"], [])) for n, p in scored if n == best]
    return sorted(hits, key=lambda p: p["taken"], reverse=True)


@tool(app="photos", scopes=["photos.read"], examples=[
    "What photo albums do I have?",
    "Show my albums",
    "How many photos are in my Favorites album?",
])
def list_albums(phone: Injected[Phone]) -> list[dict]:
    """List photo albums with the ids of the photos in each."""
    return [{"name": al["name"], "count": len(al["photos"]), "photos": al["photos"]}
            for al in phone.state()["photos"]["albums"]]


@tool(app="photos", changes_state=True, rehearsable=True, scopes=["photos.write"], examples=[
    "Make an album called Game Nights",
    "Create a Park Day album with the Golden Gate Park photos",
    "Start a new album named Halloween",
])
def create_album(phone: Injected[Phone], name: str, photos: list[str] | None = None) -> dict:
    """Create a new photo album, optionally with some photos in it.

    Args:
        name: The new album's name.
        photos: Ids of photos to put in it (from search_photos), if any.
    """
    name = " ".join(str(name).split())
    if not name:
        raise ToolExecutionError("an album needs a name")
    with phone.transaction() as s:
        data = s["photos"]
        if any(norm(al["name"]) == norm(name) for al in data["albums"]):
            raise ToolExecutionError(f"an album named {name!r} already exists; use add_to_album")
        ids = _photo_ids(data["items"], photos) if photos else []
        record = {"id": next_id(data["albums"], "al"), "name": name, "photos": ids}
        data["albums"].append(record)
    return {"name": name, "photos": ids}


@tool(app="photos", changes_state=True, rehearsable=True, scopes=["photos.write"], examples=[
    "Add the photo of Alice by the lake to Favorites",
    "Put the board games photo in my Game Nights album",
    "Add these pictures to the Thanksgiving album",
])
def add_to_album(phone: Injected[Phone], album: str, photos: list[str]) -> dict:
    """Add photos to an existing album.

    Args:
        album: The album's name as the user said it.
        photos: Ids of the photos to add (from search_photos).
    """
    with phone.transaction() as s:
        data = s["photos"]
        al = _find_album(data["albums"], album)
        ids = _photo_ids(data["items"], photos)
        new = [i for i in ids if i not in al["photos"]]
        if not new:
            raise ToolExecutionError(f"those photos are already in {al['name']!r}")
        al["photos"].extend(new)
    return {"album": al["name"], "added": new, "count": len(al["photos"])}


@tool(app="photos", changes_state=True, rehearsable=True, scopes=["photos.write"], examples=[
    "Take the bison photo out of Favorites",
    "Remove the pie picture from the Thanksgiving album",
    "Remove that photo from the album but keep it",
])
def remove_from_album(phone: Injected[Phone], album: str, photos: list[str]) -> dict:
    """Take photos out of an album; the photos themselves are kept.

    Args:
        album: The album's name as the user said it.
        photos: Ids of the photos to take out.
    """
    with phone.transaction() as s:
        data = s["photos"]
        al = _find_album(data["albums"], album)
        ids = _photo_ids(data["items"], photos)
        missing = [i for i in ids if i not in al["photos"]]
        if missing:
            raise ToolExecutionError(f"{', '.join(missing)} not in {al['name']!r}; it holds {', '.join(al['photos'])}")
        al["photos"] = [i for i in al["photos"] if i not in ids]
    return {"album": al["name"], "removed": ids, "count": len(al["photos"])}


@tool(app="photos", changes_state=True, rehearsable=True, sensitive=True, scopes=["photos.write"], examples=[
    "Delete the photo of the parking sign",
    "Remove the blurry yoga studio picture from my phone",
    "Trash that sunrise photo",
])
def delete_photo(phone: Injected[Phone], photo: str) -> dict:
    """Delete a photo for good (it also leaves every album).

    Args:
        photo: The photo's id (from search_photos) or words from its description.
    """
    with phone.transaction() as s:
        data = s["photos"]
        record = _find_photo(data["items"], photo)
        data["items"].remove(record)
        for al in data["albums"]:
            if record["id"] in al["photos"]:
                al["photos"].remove(record["id"])
    return {"deleted": record}


TOOLS = [search_photos, list_albums, create_album, add_to_album, remove_from_album, delete_photo]
