"""Ride hailing app: price estimates, requesting, tracking and cancelling rides."""

from __future__ import annotations

import datetime

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._geo import distance_km, find_place, travel_minutes
from agentkit.tools.phone._lookup import find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "cancel_ride", "get_ride_estimate", "get_ride_status", "list_rides", "request_ride"]

_TYPE_WORDS = {"regular": "standard", "normal": "standard", "economy": "standard", "cheapest": "standard",
               "large": "xl", "big": "xl", "suv": "xl", "van": "xl", "luxury": "premium", "black": "premium",
               "comfort": "premium"}


def _trip(state: dict, destination: str, pickup: str | None) -> tuple[dict, dict, float, int]:
    start, end = find_place(state, pickup), find_place(state, destination)
    if start["id"] == end["id"]:
        raise ToolExecutionError(f"the pickup and the destination are both {end['name']}")
    km = distance_km(start, end)
    return start, end, km, travel_minutes(km, "drive")


def _price(t: dict, km: float, minutes: int) -> float:
    return round(t["base"] + t["per_km"] * km + t["per_minute"] * minutes + 1e-9, 2)


def _ride_type(types: list[dict], ride_type: str) -> dict:
    name = norm(ride_type).removesuffix(" ride")
    name = _TYPE_WORDS.get(name, name)
    for t in types:
        if t["type"] == name:
            return t
    raise ToolExecutionError(f"no ride type {ride_type!r}; types: {', '.join(t['type'] for t in types)}")


def _phase(ride: dict, now: datetime.datetime) -> dict:
    out = {k: ride[k] for k in ("id", "type", "pickup", "destination", "price", "driver", "car", "plate",
                                "requested")}
    if ride["status"] != "active":
        return out | {"status": ride["status"]}
    elapsed = (now - datetime.datetime.fromisoformat(ride["requested"])).total_seconds() / 60
    if elapsed < ride["pickup_minutes"]:
        return out | {"status": "driver on the way", "driver_arrives_in_minutes": int(ride["pickup_minutes"] - elapsed)}
    if elapsed < ride["pickup_minutes"] + ride["duration_minutes"]:
        left = ride["pickup_minutes"] + ride["duration_minutes"] - elapsed
        return out | {"status": "on the trip", "minutes_to_destination": int(left)}
    return out | {"status": "completed"}


@tool(app="rides", scopes=["rides.read", "location.read"], examples=[
    "How much is a ride to the airport?",
    "Get me a price for a car to the Ferry Building",
    "How much would an XL to Mom's house cost?",
])
def get_ride_estimate(phone: Injected[Phone], destination: str, pickup: str | None = None) -> dict:
    """Estimate a ride's price, trip time and pickup wait for each ride type.

    Args:
        destination: Where to go: a place name, an address, "home" or "work".
        pickup: Where to be picked up; leave empty for the current location.
    """
    state = phone.state()
    start, end, km, minutes = _trip(state, destination, pickup)
    return {"pickup": start["name"], "destination": end["name"], "distance_km": km, "trip_minutes": minutes,
            "options": [{"type": t["type"], "price": _price(t, km, minutes), "seats": t["seats"],
                         "pickup_minutes": t["pickup_minutes"]} for t in state["rides"]["types"]]}


@tool(app="rides", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["rides.request", "payments.charge", "location.read"],
      examples=[
          "Get me a ride to work",
          "Book a car to SFO",
          "Order an XL to Dave's place",
          "Get me a premium ride home from the Ferry Building",
      ])
def request_ride(phone: Injected[Phone], destination: str, pickup: str | None = None,
                 ride_type: str = "standard") -> dict:
    """Request a ride now, paid with the card on file; a driver is assigned.

    Args:
        destination: Where to go: a place name, an address, "home" or "work".
        pickup: Where to be picked up; leave empty for the current location.
        ride_type: standard, xl (six seats) or premium (default standard).
    """
    now = phone.now
    with phone.transaction() as s:
        data = s["rides"]
        active = [r for r in data["rides"] if _phase(r, now)["status"] in ("driver on the way", "on the trip")]
        if active:
            raise ToolExecutionError(f"ride {active[0]['id']} to {active[0]['destination']} is still active; "
                                     "cancel it first")
        t = _ride_type(data["types"], ride_type)
        start, end, km, minutes = _trip(s, destination, pickup)
        driver = data["drivers"][len(data["rides"]) % len(data["drivers"])]
        record = {"id": next_id(data["rides"], "rd"), "type": t["type"], "pickup": start["name"],
                  "destination": end["name"], "distance_km": km, "duration_minutes": minutes,
                  "price": _price(t, km, minutes), "driver": driver["name"], "car": driver["car"],
                  "plate": driver["plate"], "requested": now.isoformat(timespec="seconds"),
                  "pickup_minutes": t["pickup_minutes"], "status": "active"}
        data["rides"].append(record)
    return _phase(record, now)


@tool(app="rides", scopes=["rides.read"], examples=[
    "Where's my driver?",
    "How far away is my ride?",
    "What car is picking me up?",
])
def get_ride_status(phone: Injected[Phone], ride: str | None = None) -> dict:
    """Track a ride: driver, car and plate, and whether the driver is on the way, on the trip or done.

    Args:
        ride: The ride's id or destination; leave empty for the latest ride.
    """
    rides = phone.state()["rides"]["rides"]
    if not rides:
        raise ToolExecutionError("there are no rides")
    record = (find_record(rides, ride, kind="ride", fields=("destination",)) if ride
              else max(rides, key=lambda r: r["requested"]))
    return _phase(record, phone.now)


@tool(app="rides", changes_state=True, rehearsable=True, sensitive=True, scopes=["rides.request"], examples=[
    "Cancel my ride",
    "I don't need the car anymore, cancel it",
    "Cancel the ride to the airport",
])
def cancel_ride(phone: Injected[Phone]) -> dict:
    """Cancel the ride that is on its way or under way."""
    now = phone.now
    with phone.transaction() as s:
        active = [r for r in s["rides"]["rides"] if _phase(r, now)["status"] in ("driver on the way", "on the trip")]
        if not active:
            raise ToolExecutionError("there is no active ride to cancel")
        active[0]["status"] = "cancelled"
    return _phase(active[0], now)


@tool(app="rides", scopes=["rides.read"], examples=[
    "Show my past rides",
    "How much did my last ride cost?",
    "List my ride history",
])
def list_rides(phone: Injected[Phone]) -> list[dict]:
    """List rides, newest first, with route, price and status."""
    now = phone.now
    rides = sorted(phone.state()["rides"]["rides"], key=lambda r: r["requested"], reverse=True)
    return [_phase(r, now) for r in rides]


TOOLS = [get_ride_estimate, request_ride, get_ride_status, cancel_ride, list_rides]
