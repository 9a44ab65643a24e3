"""Restaurants app: find restaurants, read menus, check free tables, book and cancel."""

from __future__ import annotations

import datetime

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_date, parse_time
from agentkit.tools.phone._lookup import find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "book_table", "cancel_booking", "get_menu", "get_table_availability", "list_bookings",
           "search_restaurants"]

_CUISINES = {"sushi": "japanese", "ramen": "japanese", "pasta": "italian", "pizza": "italian",
             "tacos": "mexican", "burritos": "mexican", "vegan": "vegetarian", "veggie": "vegetarian",
             "curry": "indian", "dim sum": "chinese"}
_SLOT = datetime.timedelta(minutes=30)


def _find(places: list[dict], restaurant: str) -> dict:
    return find_record(places, restaurant, kind="restaurant", fields=("name",),
                       extra=lambda r: [r["name"].replace("'", "")])


def _slots(r: dict, day: datetime.date) -> list[str]:
    """Every half hour from opening until an hour before closing."""
    at = datetime.datetime.combine(day, parse_time(r["open"]))
    last = datetime.datetime.combine(day, parse_time(r["close"])) - datetime.timedelta(hours=1)
    out = []
    while at <= last:
        out.append(at.strftime("%H:%M"))
        at += _SLOT
    return out


def _free(data: dict, r: dict, day: datetime.date, party: int, now: datetime.datetime) -> list[str]:
    if not 1 <= party <= r["max_party"]:
        raise ToolExecutionError(f"{r['name']} takes parties of 1 to {r['max_party']}, not {party}")
    reserved = data["reserved"].get(r["id"], {})
    out = []
    for slot in _slots(r, day):
        when = f"{day.isoformat()}T{slot}"
        taken = reserved.get(when, 0) + sum(
            1 for b in data["bookings"]
            if b["restaurant_id"] == r["id"] and b["status"] == "confirmed" and f"{b['date']}T{b['time']}" == when)
        if taken < r["tables"] and datetime.datetime.fromisoformat(when) > now:
            out.append(slot)
    return out


@tool(app="restaurants", scopes=["restaurants.read"], examples=[
    "Find an Italian restaurant",
    "What restaurants are in the Mission?",
    "Any good sushi places?",
    "Show me French restaurants in Hayes Valley",
])
def search_restaurants(phone: Injected[Phone], cuisine: str | None = None, area: str | None = None) -> list[dict]:
    """Search restaurants by cuisine and/or neighborhood, best rated first.

    Args:
        cuisine: The kind of food the user wants; leave empty for any.
        area: The neighborhood the user named; leave empty for any.
    """
    places = phone.state()["restaurants"]["places"]
    c = norm(cuisine or "").removesuffix(" food").removesuffix(" restaurant")
    c = _CUISINES.get(c, c)
    a = norm(area or "").removeprefix("the ")
    hits = [r for r in places
            if (not c or c in norm(r["cuisine"]) or any(c in norm(m["item"]) for m in r["menu"]))
            and (not a or a in norm(r["area"]))]
    if not hits:
        cuisines = sorted({r["cuisine"] for r in places})
        areas = sorted({r["area"] for r in places})
        raise ToolExecutionError(f"no restaurant matches. Cuisines: {', '.join(cuisines)}. Areas: {', '.join(areas)}")
    return [{"name": r["name"], "cuisine": r["cuisine"], "area": r["area"], "address": r["address"],
             "price": r["price"], "rating": r["rating"], "hours": f"{r['open']}-{r['close']}"}
            for r in sorted(hits, key=lambda r: (-r["rating"], r["name"]))]


@tool(app="restaurants", scopes=["restaurants.read"], examples=[
    "What's on the menu at Luigi's?",
    "Show me Curry House's menu",
    "How much is the omakase at Sakura Sushi?",
])
def get_menu(phone: Injected[Phone], restaurant: str) -> dict:
    """Show a restaurant's menu with prices, and its opening hours.

    Args:
        restaurant: The restaurant's name as the user said it.
    """
    r = _find(phone.state()["restaurants"]["places"], restaurant)
    return {"restaurant": r["name"], "hours": f"{r['open']}-{r['close']}", "menu": r["menu"]}


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@tool(app="restaurants", scopes=["restaurants.read"], examples=[
    "Does Luigi's have a table on Friday?",
    "When is Le Petit Bistro free tomorrow for four?",
    "Is there a table at Sakura Sushi on Saturday evening?",
])
def get_table_availability(phone: Injected[Phone], restaurant: str, date: str, party_size: int = 2) -> dict:
    """List the times a restaurant has a free table on a day, for a party size.

    Args:
        restaurant: The restaurant's name as the user said it.
        date: The day: "today", "tomorrow", a weekday, or YYYY-MM-DD.
        party_size: Number of people (default 2).
    """
    data = phone.state()["restaurants"]
    r = _find(data["places"], restaurant)
    day = parse_date(date, phone.now.date())
    return {"restaurant": r["name"], "date": day.isoformat(), "party_size": party_size,
            "free_times": _free(data, r, day, party_size, phone.now)}


@tool(app="restaurants", changes_state=True, rehearsable=True, sensitive=True, scopes=["restaurants.book"], examples=[
    "Book a table for two at Luigi's on Friday at 1pm",
    "Reserve Le Petit Bistro tomorrow at 7:30 for four people",
    "Get me a table at Curry House tonight at 8",
])
def book_table(phone: Injected[Phone], restaurant: str, date: str, time: str, party_size: int = 2) -> dict:
    """Book a table at a restaurant for a day, time and number of people.

    Args:
        restaurant: The restaurant's name as the user said it.
        date: The day: "today", "tomorrow", a weekday, or YYYY-MM-DD.
        time: The time, as HH:MM (24-hour) or with am/pm.
        party_size: Number of people (default 2).
    """
    day = parse_date(date, phone.now.date())
    at = parse_time(time).strftime("%H:%M")
    with phone.transaction() as s:
        data = s["restaurants"]
        r = _find(data["places"], restaurant)
        free = _free(data, r, day, party_size, phone.now)
        if at not in free:
            why = "is not a booking time" if at not in _slots(r, day) else "is fully booked"
            # nearest first (a later one before an earlier one as near): what a booking app suggests
            wanted = _minutes(at)
            near = sorted(free, key=lambda t: (abs(_minutes(t) - wanted), _minutes(t) < wanted))[:6]
            times = ", ".join(near) or "none"
            raise ToolExecutionError(f"{r['name']} {why} at {at} on {day.isoformat()}; "
                                     f"the nearest free times: {times}")
        record = {"id": next_id(data["bookings"], "b"), "restaurant_id": r["id"], "restaurant": r["name"],
                  "date": day.isoformat(), "time": at, "party_size": party_size, "status": "confirmed"}
        data["bookings"].append(record)
    return record


@tool(app="restaurants", scopes=["restaurants.read"], examples=[
    "What restaurant reservations do I have?",
    "Show my bookings",
    "When is my dinner reservation?",
])
def list_bookings(phone: Injected[Phone]) -> list[dict]:
    """List confirmed restaurant bookings, soonest first."""
    bookings = [b for b in phone.state()["restaurants"]["bookings"] if b["status"] == "confirmed"]
    return sorted(bookings, key=lambda b: (b["date"], b["time"]))


@tool(app="restaurants", changes_state=True, rehearsable=True, sensitive=True, scopes=["restaurants.book"], examples=[
    "Cancel my reservation at Sakura Sushi",
    "Cancel my Sunday dinner reservation",
    "I can't make it to Luigi's, cancel the table",
])
def cancel_booking(phone: Injected[Phone], booking: str) -> dict:
    """Cancel a restaurant booking.

    Args:
        booking: The restaurant's name as the user said it, the booking's day, or its id.
    """
    with phone.transaction() as s:
        live = [b for b in s["restaurants"]["bookings"] if b["status"] == "confirmed"]
        if not live:
            raise ToolExecutionError("there are no bookings to cancel")
        try:
            day = parse_date(booking, phone.now.date()).isoformat()
        except ToolExecutionError:
            day = None
        on_day = [b for b in live if b["date"] == day]
        if len(on_day) == 1:
            record = on_day[0]
        else:
            record = find_record(live, booking, kind="booking", fields=("restaurant",))
        record["status"] = "cancelled"
    return record


TOOLS = [search_restaurants, get_menu, get_table_availability, book_table, list_bookings, cancel_booking]
