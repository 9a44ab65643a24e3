"""Music app: search the library, control playback, the queue and playlists."""

from __future__ import annotations

import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_record, next_id, norm, ranked
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "add_to_playlist", "add_to_queue", "create_playlist", "get_now_playing",
           "list_playlists", "pause_music", "play_music", "search_music"]

_FIELDS = ("title", "artist", "album", "genre")


def _song(s: dict) -> dict:
    return {"title": s["title"], "artist": s["artist"], "album": s["album"]}


def _find_song(library: list[dict], song: str) -> dict:
    return find_record(library, song, kind="song", fields=("title",),
                       extra=lambda s: [f"{s['title']} by {s['artist']}"])


def _find_playlist(playlists: list[dict], playlist: str) -> dict:
    return find_record(playlists, re.sub(r"\s+playlist$", "", norm(playlist)), kind="playlist", fields=("name",))


def _player(music: dict) -> dict:
    by_id = {s["id"]: s for s in music["library"]}
    p = music["player"]
    return {"status": p["status"], "now_playing": _song(by_id[p["current"]]) if p["current"] else None,
            "up_next": [by_id[i]["title"] for i in p["queue"]]}


def _choose(music: dict, query: str) -> list[str]:
    """Song ids for a play request: a playlist, a song title, or everything by an artist, album or genre."""
    q = re.sub(r"^(some|songs by|music by|the album|the song|album|song|my)\s+", "", norm(query))
    q = re.sub(r"\s+(playlist|music|songs)$", "", q)
    for pl in music["playlists"]:
        if norm(pl["name"]) == q:
            return list(pl["songs"])
    library = music["library"]
    for field in _FIELDS:
        hits = [s["id"] for s in library if norm(s[field]) == q]
        if hits:
            return hits
    words = q.split()
    hits = [s["id"] for s in library if all(w in norm(" ".join(s[f] for f in _FIELDS)) for w in words)]
    if hits:
        return hits
    artists = sorted({s["artist"] for s in library})
    lists = [pl["name"] for pl in music["playlists"]]
    raise ToolExecutionError(f"nothing in the library matches {query!r}. Artists: {', '.join(artists)}. "
                             f"Playlists: {', '.join(lists)}")


@tool(app="music", scopes=["music.read"], examples=[
    "What songs do I have by Nova Reyes?",
    "Search my music for jazz",
    "Do I have the song Lighthouse?",
])
def search_music(phone: Injected[Phone], query: str) -> dict:
    """Search the music library for songs (by title, artist, album or genre) and playlists.

    Args:
        query: Words from the user's request: a title, artist, album, genre or playlist name.
    """
    music = phone.state()["music"]
    words = norm(query).split()
    songs = [_song(s) | {"genre": s["genre"]}
             for s in ranked(music["library"], words, lambda s: norm(" ".join(s[f] for f in _FIELDS)))]
    lists = [pl["name"] for pl in ranked(music["playlists"], words, lambda pl: norm(pl["name"]))]
    return {"songs": songs, "playlists": lists}


@tool(app="music", changes_state=True, rehearsable=True, scopes=["music.play"], examples=[
    "Play some jazz",
    "Play my Morning Run playlist",
    "Put on Neon Hearts",
    "Resume the music",
])
def play_music(phone: Injected[Phone], query: str = "") -> dict:
    """Play a song, artist, album, genre or playlist; with nothing named, resume what was paused.

    Args:
        query: What to play, in the user's words; leave empty to resume.
    """
    with phone.transaction() as s:
        music = s["music"]
        player = music["player"]
        if not norm(query):
            if not player["current"]:
                raise ToolExecutionError("nothing to resume: say what to play")
            player["status"] = "playing"
        else:
            ids = _choose(music, query)
            player.update(status="playing", current=ids[0], queue=ids[1:])
        result = _player(music)
    return result


@tool(app="music", changes_state=True, rehearsable=True, scopes=["music.play"], examples=[
    "Pause the music",
    "Stop playing",
    "Pause this song",
])
def pause_music(phone: Injected[Phone]) -> dict:
    """Pause the song that is playing."""
    with phone.transaction() as s:
        player = s["music"]["player"]
        if player["status"] != "playing":
            raise ToolExecutionError(f"nothing is playing (the player is {player['status']})")
        player["status"] = "paused"
        result = _player(s["music"])
    return result


@tool(app="music", changes_state=True, rehearsable=True, scopes=["music.play"], examples=[
    "Add Paper Boats to the queue",
    "Add Pulse to my queue",
    "Queue up Open Road by Ridgeback",
])
def add_to_queue(phone: Injected[Phone], song: str) -> dict:
    """Add a song to the end of the play queue.

    Args:
        song: The song's title as the user said it.
    """
    with phone.transaction() as s:
        music = s["music"]
        record = _find_song(music["library"], song)
        music["player"]["queue"].append(record["id"])
        result = _player(music)
    return result


@tool(app="music", scopes=["music.read"], examples=[
    "What song is this?",
    "What's playing right now?",
    "What's next in the queue?",
])
def get_now_playing(phone: Injected[Phone]) -> dict:
    """Show the player: playing, paused or stopped, the current song and the songs queued next."""
    return _player(phone.state()["music"])


@tool(app="music", scopes=["music.read"], examples=[
    "What playlists do I have?",
    "What's on my Chill Evening playlist?",
    "Show my playlists",
])
def list_playlists(phone: Injected[Phone]) -> list[dict]:
    """List playlists with their songs."""
    music = phone.state()["music"]
    by_id = {s["id"]: s for s in music["library"]}
    return [{"name": pl["name"], "songs": [f"{by_id[i]['title']} - {by_id[i]['artist']}" for i in pl["songs"]]}
            for pl in music["playlists"]]


@tool(app="music", changes_state=True, rehearsable=True, scopes=["music.write"], examples=[
    "Create a playlist called Road Trip",
    "Make a new playlist Focus with Nocturne in Rain and Quiet Corner",
    "Start a workout playlist",
])
def create_playlist(phone: Injected[Phone], name: str, songs: list[str] | None = None) -> dict:
    """Create a new playlist, optionally with some songs.

    Args:
        name: The new playlist's name.
        songs: Titles of songs to put in it, if the user named any.
    """
    name = " ".join(str(name).split())
    if not name:
        raise ToolExecutionError("a playlist needs a name")
    with phone.transaction() as s:
        music = s["music"]
        if any(norm(pl["name"]) == norm(name) for pl in music["playlists"]):
            raise ToolExecutionError(f"a playlist named {name!r} already exists; use add_to_playlist")
        ids = [_find_song(music["library"], t)["id"] for t in songs or []]
        record = {"id": next_id(music["playlists"], "pl"), "name": name, "songs": list(dict.fromkeys(ids))}
        music["playlists"].append(record)
    return {"name": name, "songs": len(record["songs"])}


@tool(app="music", changes_state=True, rehearsable=True, scopes=["music.write"], examples=[
    "Add Lighthouse to my Chill Evening playlist",
    "Put Run to You on the Morning Run playlist",
    "Save Smoke Rings to Dinner Party",
])
def add_to_playlist(phone: Injected[Phone], playlist: str, song: str) -> dict:
    """Add a song to an existing playlist.

    Args:
        playlist: The playlist's name as the user said it.
        song: The song's title as the user said it.
    """
    with phone.transaction() as s:
        music = s["music"]
        pl = _find_playlist(music["playlists"], playlist)
        record = _find_song(music["library"], song)
        if record["id"] in pl["songs"]:
            raise ToolExecutionError(f"{record['title']!r} is already on {pl['name']!r}")
        pl["songs"].append(record["id"])
    return {"playlist": pl["name"], "added": record["title"], "songs": len(pl["songs"])}


TOOLS = [search_music, play_music, pause_music, add_to_queue, get_now_playing, list_playlists,
         create_playlist, add_to_playlist]
