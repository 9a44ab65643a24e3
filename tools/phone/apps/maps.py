"""Maps app: find places, get directions and travel times, keep the home and work addresses."""

from __future__ import annotations

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._geo import (
    MODES, all_places, compass, distance_km, find_place, parse_mode, travel_minutes,
)
from agentkit.tools.phone._lookup import norm, ranked
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "get_current_location", "get_directions", "get_travel_time", "search_places",
           "set_home_address", "set_work_address"]

_SYNONYMS = {"coffee": "cafe", "café": "cafe", "cafes": "cafe", "groceries": "grocery", "supermarket": "grocery",
             "drugstore": "pharmacy", "chemist": "pharmacy", "petrol": "gas", "restaurants": "restaurant",
             "food": "restaurant", "parks": "park", "doctor": "hospital", "shop": "", "shops": "", "place": ""}


def _brief(p: dict) -> dict:
    return {"name": p["name"], "address": p["address"], "area": p["area"]}


@tool(app="maps", scopes=["maps.read", "location.read"], examples=[
    "Find a coffee shop nearby",
    "Where's the closest pharmacy?",
    "Search for parks near me",
    "Is there an Italian restaurant in the Mission?",
])
def search_places(phone: Injected[Phone], query: str) -> list[dict]:
    """Search places (shops, cafes, parks, restaurants, ...) by name, kind or area, nearest first.

    Args:
        query: The kind of place, its name or its area, in the user's words.
    """
    words = [_SYNONYMS.get(w, w) for w in norm(query).replace("near me", "").replace("nearby", "").split()]
    words = [w for w in words if w and w not in ("a", "an", "the", "in", "near", "closest", "nearest", "some")]
    state = phone.state()
    here = find_place(state, None)
    places = [p for p in all_places(state) if p["id"] not in (state["maps"]["home"], state["maps"]["work"])]
    found = ranked(places, words, lambda p: norm(" ".join([p["name"], p.get("category", ""), p["address"], p["area"]])))
    hits = [dict(_brief(p), category=p.get("category"), distance_km=distance_km(here, p)) for p in found]
    if not hits:
        kinds = sorted({p.get("category", "") for p in all_places(state)} - {"", "home", "office"})
        raise ToolExecutionError(f"no place matches {query!r}. Kinds of places: {', '.join(kinds)}")
    return sorted(hits, key=lambda h: (h["distance_km"], h["name"]))[:8]


@tool(app="maps", scopes=["maps.read", "location.read"], examples=[
    "How do I get to the Ferry Building?",
    "Directions to Mom's house",
    "Walking directions from work to Blue Bottle Coffee",
    "Navigate to the airport",
])
def get_directions(phone: Injected[Phone], destination: str, origin: str | None = None,
                   mode: str = "drive") -> dict:
    """Get directions from one place to another: distance, duration and steps.

    Args:
        destination: Where to go: a place name, an address, "home" or "work".
        origin: Where to start; leave empty for the current location.
        mode: How to travel: drive, transit, bike or walk (default drive).
    """
    state = phone.state()
    how = parse_mode(mode)
    start, end = find_place(state, origin), find_place(state, destination)
    if start["id"] == end["id"]:
        raise ToolExecutionError(f"you are already at {end['name']} ({end['address']})")
    km = distance_km(start, end)
    steps = [f"Head {compass(start, end)} from {start['address']}",
             f"Continue {km} km towards {end['area']}",
             f"Arrive at {end['name']}, {end['address']}"]
    return {"from": _brief(start), "to": _brief(end), "mode": how, "distance_km": km,
            "duration_minutes": travel_minutes(km, how), "steps": steps}


@tool(app="maps", scopes=["maps.read", "location.read"], examples=[
    "How long does it take to get to work?",
    "How far is the airport?",
    "How long would it take to walk to Dolores Park?",
])
def get_travel_time(phone: Injected[Phone], destination: str, origin: str | None = None) -> dict:
    """Get the distance to a place and the travel time by car, transit, bike and on foot.

    Args:
        destination: Where to go: a place name, an address, "home" or "work".
        origin: Where to start; leave empty for the current location.
    """
    state = phone.state()
    start, end = find_place(state, origin), find_place(state, destination)
    km = distance_km(start, end)
    return {"from": start["name"], "to": end["name"], "distance_km": km,
            "minutes": {how: travel_minutes(km, how) for how in MODES}}


@tool(app="maps", scopes=["location.read"], examples=[
    "Where am I?",
    "What's my current location?",
    "What neighborhood am I in?",
])
def get_current_location(phone: Injected[Phone]) -> dict:
    """Get the phone's current location: place, address, area and city, plus the saved home and work."""
    state = phone.state()
    here = find_place(state, None)
    return {**_brief(here), "city": phone.location,
            "home": find_place(state, "home")["address"], "work": find_place(state, "work")["address"]}


def _set_saved(phone: Phone, label: str, address: str) -> dict:
    text = " ".join(str(address).split())
    if not text:
        raise ToolExecutionError(f"give the new {label} address")
    with phone.transaction() as s:
        maps = s["maps"]
        target = next(p for p in maps["places"] if p["id"] == maps[label])
        try:
            known = find_place(s, text)
        except ToolExecutionError:
            known = None
        if known is not None and known["id"] not in (maps["home"], maps["work"]):
            x, y, area, street = known["x"], known["y"], known["area"], known["address"]
        else:
            areas = [a for a in maps["areas"] if norm(a) in norm(text)]
            if not areas:
                raise ToolExecutionError(
                    f"cannot place {address!r} on the map; add its neighborhood, one of: "
                    + ", ".join(maps["areas"]))
            area = max(areas, key=len)
            (x, y), street = maps["areas"][area], text
        target.update(address=street, area=area, x=x, y=y)
    return {label: _brief(target)}


@tool(app="maps", changes_state=True, rehearsable=True, scopes=["maps.write"], examples=[
    "Set my home address to 350 Hayes St, Hayes Valley",
    "I moved, my new home is 2100 Chestnut St in the Marina",
    "Change my home location to 88 Market St, Downtown",
])
def set_home_address(phone: Injected[Phone], address: str) -> dict:
    """Change the saved home address used for directions, deliveries and rides.

    Args:
        address: The new home address, with its neighborhood, or the name of a known place.
    """
    return _set_saved(phone, "home", address)


@tool(app="maps", changes_state=True, rehearsable=True, scopes=["maps.write"], examples=[
    "Set my work address to 215 Folsom St, SoMa",
    "My office is now at the Ferry Building",
    "Update my work location to 630 Columbus Ave in North Beach",
])
def set_work_address(phone: Injected[Phone], address: str) -> dict:
    """Change the saved work (office) address used for directions and rides.

    Args:
        address: The new work address, with its neighborhood, or the name of a known place.
    """
    return _set_saved(phone, "work", address)


TOOLS = [search_places, get_directions, get_travel_time, get_current_location, set_home_address,
         set_work_address]
