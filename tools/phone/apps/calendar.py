"""Calendar app: list, find, create, move and delete events."""

from __future__ import annotations

import datetime
import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_date, parse_time
from agentkit.tools.phone._lookup import find_contact, find_record, next_id, ranked
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "create_event", "delete_event", "find_events", "list_events", "move_event"]


def _iso(dt: datetime.datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _find_event(events: list[dict], event: str, date: str | None, today: datetime.date) -> dict:
    if date:
        day = parse_date(date, today).isoformat()
        events = [e for e in events if e["start"][:10] == day]
    return find_record(events, event, kind="event", fields=("title",),
                       extra=lambda e: [e.get("location") or ""])


def _check_booking_time(state: dict, start: datetime.datetime, said: str, start_time: str) -> None:
    """Refuse an event at a restaurant the user has a table at that day, at another time than the table's
    (a small model put "dinner at Luigi's" at 18:00 of a table booked at 19:30: ma-034)."""
    def words(text: str) -> str:  # ("Luigi's", "luigis": one name)
        return " ".join(re.findall(r"\w+", re.sub(r"['\u2019]", "", text.lower())))

    said = words(said)
    for b in (state.get("restaurants") or {}).get("bookings") or []:
        name = words(b["restaurant"])
        if (b["status"] == "confirmed" and b["date"] == start.date().isoformat() and name
                and f" {name} " in f" {said} " and b["time"] != start.strftime("%H:%M")):
            raise ToolExecutionError(
                f"{b['restaurant']} is booked for {b['time']} on {b['date']} (booking {b['id']}), not "
                f"{start_time}: start the event at {b['time']}")


@tool(app="calendar", scopes=["calendar.read"], examples=[
    "What's on my calendar today?",
    "What do I have tomorrow?",
    "Am I free on Friday?",
    "Show my schedule for Monday",
])
def list_events(phone: Injected[Phone], date: str = "today") -> dict:
    """List the calendar events on one day.

    Args:
        date: The day: "today", "tomorrow", a weekday like "friday", or YYYY-MM-DD.
    """
    day = parse_date(date, phone.now.date())
    events = sorted((e for e in phone.state()["calendar"] if e["start"][:10] == day.isoformat()),
                    key=lambda e: e["start"])
    return {"date": day.isoformat(), "weekday": day.strftime("%A"), "events": events}


_WHEN = frozenset("today tonight tomorrow yesterday this next morning afternoon evening time when week "
                  "monday tuesday wednesday thursday friday saturday sunday".split())


@tool(app="calendar", scopes=["calendar.read"], examples=[
    "When is my dentist appointment?",
    "When's my flight to New York?",
    "What meetings do I have with Bob?",
    "Where is game night?",
])
def find_events(phone: Injected[Phone], query: str) -> list[dict]:
    """Find calendar events by words in the title, place or attendees, on any date.

    Args:
        query: Words from the user's request to look for in titles, places or attendees.
    """
    words = query.lower().split()
    # "my team meeting this morning": when-words name no event, and would outvote "team" in the fallback
    words = [w for w in words if w.strip(",.?!") not in _WHEN] or words
    found = ranked(phone.state()["calendar"], words,
                   lambda e: " ".join([e["title"], e.get("location") or "", *e.get("attendees", [])]).lower())
    if not found:
        titles = [e["title"] for e in phone.state()["calendar"]]
        raise ToolExecutionError(f"no event matches {query!r}. Events: {', '.join(titles)}", choices=titles)
    return sorted(found, key=lambda e: e["start"])


def _attendees(contacts: list[dict], names: list[str] | None) -> list[str]:
    out = []
    for name in names or []:
        try:
            out.append(find_contact(contacts, name)["name"])
        except ToolExecutionError as exc:
            # Someone not in the address book can still be invited; an ambiguous name cannot.
            if "several" in str(exc):
                raise
            out.append(" ".join(str(name).split()))
    return out


@tool(app="calendar", changes_state=True, rehearsable=True, scopes=["calendar.write", "contacts.read"], examples=[
    "Schedule a meeting with Bob tomorrow at 3pm",
    "Add lunch with Grace on Friday at noon to my calendar",
    "Create an event 'Haircut' on 2026-12-01 at 10:00 for 30 minutes",
    "Put a call with Henry on Monday from 2 to 3pm",
])
def create_event(phone: Injected[Phone], title: str, date: str, start_time: str,
                 duration_minutes: int = 60, end_time: str | None = None,
                 location: str | None = None, attendees: list[str] | None = None) -> dict:
    """Create a calendar event.

    Args:
        title: Event title, in the user's words.
        date: The day: "tomorrow", "friday" or YYYY-MM-DD.
        start_time: Start time, e.g. "15:00" or "3pm".
        duration_minutes: Length in minutes (default 60); ignored when end_time is given.
        end_time: End time, e.g. "16:30", instead of a duration.
        location: Where it happens.
        attendees: Names of the people invited, as the user said them.
    """
    title = " ".join(str(title).split())
    if not title:
        raise ToolExecutionError("an event needs a title")
    day = parse_date(date, phone.now.date())
    start = datetime.datetime.combine(day, parse_time(start_time))
    if end_time:
        end = datetime.datetime.combine(day, parse_time(end_time))
        if end <= start:
            raise ToolExecutionError(f"end_time {end_time!r} is not after start_time {start_time!r}")
    else:
        if duration_minutes <= 0:
            raise ToolExecutionError("duration_minutes must be positive")
        end = start + datetime.timedelta(minutes=duration_minutes)
    with phone.transaction() as s:
        _check_booking_time(s, start, f"{title} {location or ''}", start_time)
        record = {
            "id": next_id(s["calendar"], "e"), "title": title, "start": _iso(start), "end": _iso(end),
            "location": (location or "").strip() or None,
            "attendees": _attendees(s["contacts"], attendees),
        }
        s["calendar"].append(record)
    return record


@tool(app="calendar", changes_state=True, rehearsable=True, scopes=["calendar.write"], examples=[
    "Move my dentist appointment to 4pm",
    "Push lunch with Alice to 1:30",
    "Reschedule the project review to Tuesday",
    "Move game night to Sunday at 6pm",
])
def move_event(phone: Injected[Phone], event: str, new_date: str | None = None,
               new_start_time: str | None = None) -> dict:
    """Move an existing event to another day and/or start time, keeping its length.

    Args:
        event: The event's title (or a word of it) as the user said it.
        new_date: The new day, e.g. "friday" or YYYY-MM-DD; leave empty to keep the day.
        new_start_time: The new start time, e.g. "16:00"; leave empty to keep the time.
    """
    if not new_date and not new_start_time:
        raise ToolExecutionError("give new_date and/or new_start_time")
    today = phone.now.date()
    with phone.transaction() as s:
        record = _find_event(s["calendar"], event, None, today)
        start = datetime.datetime.fromisoformat(record["start"])
        length = datetime.datetime.fromisoformat(record["end"]) - start
        day = parse_date(new_date, today) if new_date else start.date()
        at = parse_time(new_start_time) if new_start_time else start.time()
        start = datetime.datetime.combine(day, at)
        record["start"], record["end"] = _iso(start), _iso(start + length)
    return record


@tool(app="calendar", changes_state=True, rehearsable=True, sensitive=True, scopes=["calendar.write"], examples=[
    "Cancel my dentist appointment",
    "Delete the project review from my calendar",
    "Remove game night on Saturday",
])
def delete_event(phone: Injected[Phone], event: str, date: str | None = None) -> dict:
    """Delete (cancel) a calendar event.

    Args:
        event: The event's title (or a word of it) as the user said it.
        date: The event's day, only needed when several events share the title.
    """
    with phone.transaction() as s:
        record = _find_event(s["calendar"], event, date, phone.now.date())
        s["calendar"].remove(record)
    return {"deleted": record}


TOOLS = [list_events, find_events, create_event, move_event, delete_event]
