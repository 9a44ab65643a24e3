"""Places, distances and travel times for the maps, rides and restaurants apps.

Every place has flat ``x``/``y`` coordinates in kilometres (east, north) on
the map of the home city. Road distance is the straight line times a fixed
detour factor, and each travel mode has a fixed average speed, so the same two
places always give the same distance and duration.
"""

from __future__ import annotations

import math

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_record, norm

__all__ = ["MODES", "all_places", "compass", "distance_km", "find_place", "parse_mode", "travel_minutes"]

MODES = {"drive": (25.0, 3), "transit": (15.0, 6), "bike": (14.0, 0), "walk": (4.8, 0)}
"""Travel mode -> (average speed in km/h, fixed minutes for parking or waiting)."""

_MODE_WORDS = {"driving": "drive", "car": "drive", "walking": "walk", "foot": "walk", "on foot": "walk",
               "cycling": "bike", "bicycle": "bike", "biking": "bike", "bus": "transit", "train": "transit",
               "public transport": "transit", "public transit": "transit"}
_DETOUR = 1.3
_SAVED = {"home": "home", "home address": "home", "house": "home", "work": "work", "work address": "work",
          "office": "work", "workplace": "work"}


def all_places(state: dict) -> list[dict]:
    """Saved map places plus restaurants, each with ``id``, ``name``, ``address``, ``area``, ``x``, ``y``."""
    places = list(state["maps"]["places"])
    for r in state.get("restaurants", {}).get("places", []):
        places.append({"id": r["id"], "name": r["name"], "category": f"{r['cuisine']} restaurant",
                       "address": r["address"], "area": r["area"], "x": r["x"], "y": r["y"]})
    return places


def find_place(state: dict, query: str | None) -> dict:
    """Resolve a place by name, address, id, ``home``, ``work`` or ``here`` (empty means here).

    Raises:
        ToolExecutionError: nothing matches, or several places do (the message lists them).
    """
    maps = state["maps"]
    places = all_places(state)
    q = norm(query or "").strip()
    q = q[3:] if q.startswith("my ") else q
    by_id = {p["id"]: p for p in places}
    if q in ("", "here", "current location", "location", "where i am", "me"):
        return by_id[maps["current"]]
    saved = _SAVED.get(q[4:] if q.startswith("the ") else q)
    if saved:
        return by_id[maps[saved]]
    hits = [p for p in places if q == norm(p["address"])
            or any(q.startswith(norm(p["address"]) + sep) for sep in (",", " in "))]
    if len(hits) == 1:
        return hits[0]
    return find_record(places, query, kind="place", fields=("name", "address"))


def distance_km(a: dict, b: dict) -> float:
    """Road distance between two places, in km (one decimal)."""
    straight = math.hypot(a["x"] - b["x"], a["y"] - b["y"])
    return round(straight * _DETOUR, 1) if straight else 0.0


def parse_mode(text: str) -> str:
    """A travel mode name (``drive``, ``transit``, ``bike``, ``walk``) from loose words.

    Raises:
        ToolExecutionError: not a known mode.
    """
    m = norm(text)
    m = _MODE_WORDS.get(m, m)
    if m not in MODES:
        raise ToolExecutionError(f"unknown travel mode {text!r}; use one of: {', '.join(MODES)}")
    return m


def travel_minutes(km: float, how: str) -> int:
    """Whole minutes to cover ``km`` by mode ``how``."""
    speed, fixed = MODES[how]
    return math.ceil(km / speed * 60) + fixed if km else 0


def compass(a: dict, b: dict) -> str:
    """The compass direction from ``a`` to ``b`` (``north``, ``south-east``, ...)."""
    dx, dy = b["x"] - a["x"], b["y"] - a["y"]
    ns = "north" if dy > abs(dx) / 2 else "south" if -dy > abs(dx) / 2 else ""
    ew = "east" if dx > abs(dy) / 2 else "west" if -dx > abs(dy) / 2 else ""
    return "-".join(p for p in (ns, ew) if p) or "north"
