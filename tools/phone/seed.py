"""The default, deterministic state of the simulated phone.

The device clock reads Wednesday 2026-11-25 09:00. Everything else (messages,
events, the 7-day weather forecast) is placed around that date. No randomness
and no real clock: two calls return equal states.

The first eight apps' data is written out below; the later apps' data (email,
calls, maps, ...) lives in ``data/<app>.json`` next to this module, one file per
top-level state key.
"""

from __future__ import annotations

import datetime
import functools
import importlib.resources
import json

__all__ = ["default_seed", "MORE_APPS", "NOW"]

NOW = "2026-11-25T09:00:00"
"""The device clock in the default seed (a Wednesday)."""

_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]

_CONTACTS = [
    ("c1", "Alice Johnson", "+1 415 555 0101", "alice.johnson@example.com", "1990-03-14", True),
    ("c2", "Bob Smith", "+1 415 555 0102", "bob.smith@example.com", "1988-07-02", False),
    ("c3", "Carol White", "+1 415 555 0103", "carol.white@example.com", "1985-11-28", False),
    ("c4", "Dave Brown", "+1 415 555 0104", "dave.brown@example.com", None, False),
    ("c5", "Emma Davis", "+1 415 555 0105", "emma.davis@example.com", "1993-01-21", True),
    ("c6", "Frank Miller", "+1 415 555 0106", "frank.miller@example.com", None, False),
    ("c7", "Grace Lee", "+1 415 555 0107", "grace.lee@example.com", "1991-05-09", False),
    ("c8", "Henry Wilson", "+1 415 555 0108", "henry.wilson@example.com", None, False),
    ("c9", "Mom", "+1 415 555 0109", "mom@example.com", "1962-12-04", True),
    ("c10", "Jack Taylor", "+1 415 555 0110", "jack.taylor@example.com", None, False),
]

# (id, contact id or None, number, direction, body, time, read)
_MESSAGES = [
    ("m1", "c4", None, "in", "Game night Saturday at my place?", "2026-11-23T12:00:00", True),
    ("m2", "c4", None, "out", "Count me in!", "2026-11-23T12:20:00", True),
    ("m3", "c7", None, "in", "Thanks for the book recommendation!", "2026-11-23T16:40:00", True),
    ("m4", "c1", None, "in", "Are we still on for lunch Friday?", "2026-11-24T18:02:00", True),
    ("m5", "c1", None, "out", "Yes! 12:30 at Luigi's", "2026-11-24T18:10:00", True),
    ("m6", "c2", None, "in", "Can you send me the slides from today's meeting?", "2026-11-24T20:15:00", True),
    ("m7", "c2", None, "out", "Sure, I'll send them tomorrow morning", "2026-11-24T20:31:00", True),
    ("m8", "c9", None, "in", "Don't forget Thanksgiving dinner tomorrow at 5! Please bring the pumpkin pie.",
     "2026-11-25T07:45:00", False),
    ("m9", None, "+1 415 555 0199", "in", "Your package will arrive today between 2pm and 4pm.",
     "2026-11-25T08:05:00", False),
    ("m10", "c5", None, "in", "Running 10 minutes late for standup, start without me",
     "2026-11-25T08:30:00", False),
]

# (id, title, start, end, location, attendees)
_EVENTS = [
    ("e1", "Yoga class", "2026-11-24T18:00:00", "2026-11-24T19:00:00", "Downtown Studio", []),
    ("e2", "Team standup", "2026-11-25T09:30:00", "2026-11-25T09:45:00", "Zoom",
     ["Emma Davis", "Frank Miller"]),
    ("e3", "Dentist appointment", "2026-11-25T14:00:00", "2026-11-25T15:00:00",
     "Bright Smile Dental", []),
    ("e4", "Thanksgiving dinner", "2026-11-26T17:00:00", "2026-11-26T20:00:00", "Mom's house", ["Mom"]),
    ("e5", "Lunch with Alice", "2026-11-27T12:30:00", "2026-11-27T13:30:00", "Luigi's",
     ["Alice Johnson"]),
    ("e6", "Game night", "2026-11-28T19:00:00", "2026-11-28T23:00:00", "Dave's place", ["Dave Brown"]),
    ("e7", "Project review", "2026-11-30T10:00:00", "2026-11-30T11:00:00", "Conference Room B",
     ["Bob Smith", "Grace Lee"]),
    ("e8", "Flight to New York", "2026-12-03T08:15:00", "2026-12-03T16:45:00", "SFO Terminal 2", []),
]

_ALARMS = [
    {"id": "a1", "time": "06:30", "label": "Wake up", "enabled": True, "days": list(_WEEKDAYS)},
    {"id": "a2", "time": "07:30", "label": "Gym", "enabled": True, "days": ["tue", "thu"]},
    {"id": "a3", "time": "09:00", "label": "Weekend", "enabled": False, "days": ["sat", "sun"]},
]

_REMINDERS = [
    {"id": "r1", "title": "Buy milk", "due": None, "done": False, "list": "Groceries"},
    {"id": "r2", "title": "Call the plumber", "due": "2026-11-25T17:00:00", "done": False, "list": "Home"},
    {"id": "r3", "title": "Pay rent", "due": "2026-12-01T09:00:00", "done": False, "list": "Finance"},
    {"id": "r4", "title": "Return library books", "due": "2026-11-24", "done": True, "list": "Personal"},
]

_NOTES = [
    {"id": "n1", "title": "Shopping list", "body": "eggs, bread, coffee, apples",
     "updated": "2026-11-24T19:12:00"},
    {"id": "n2", "title": "Gift ideas", "body": "Mom: wool scarf\nAlice: Italian cookbook",
     "updated": "2026-11-20T21:05:00"},
    {"id": "n3", "title": "Packing list", "body": "passport, phone charger, warm jacket",
     "updated": "2026-11-22T10:30:00"},
]

_SETTINGS = {
    "wifi": True,
    "bluetooth": False,
    "do_not_disturb": False,
    "airplane_mode": False,
    "brightness": 60,
    "volume": 40,
}

# city -> (current (temp, condition, humidity %, wind km/h), 7 days of (condition, high, low) in °C)
_WEATHER = {
    "San Francisco": ((13, "Partly cloudy", 72, 14), [
        ("Partly cloudy", 15, 9), ("Sunny", 17, 9), ("Foggy", 14, 10), ("Rain", 13, 10),
        ("Rain", 12, 8), ("Partly cloudy", 14, 8), ("Sunny", 16, 9)]),
    "New York": ((4, "Cloudy", 65, 20), [
        ("Cloudy", 6, 1), ("Rain", 8, 3), ("Sunny", 5, -1), ("Snow", 1, -4),
        ("Partly cloudy", 3, -2), ("Sunny", 4, -1), ("Cloudy", 6, 2)]),
    "London": ((7, "Drizzle", 85, 18), [
        ("Drizzle", 9, 5), ("Cloudy", 10, 6), ("Rain", 8, 4), ("Partly cloudy", 9, 3),
        ("Sunny", 8, 2), ("Rain", 10, 6), ("Cloudy", 9, 5)]),
    "Paris": ((6, "Cloudy", 80, 12), [
        ("Cloudy", 9, 3), ("Rain", 8, 4), ("Sunny", 11, 2), ("Partly cloudy", 10, 4),
        ("Thunderstorms", 12, 7), ("Cloudy", 9, 5), ("Sunny", 8, 1)]),
    "Tokyo": ((12, "Sunny", 55, 9), [
        ("Sunny", 15, 7), ("Partly cloudy", 14, 8), ("Rain", 12, 9), ("Sunny", 16, 8),
        ("Sunny", 15, 6), ("Cloudy", 13, 7), ("Rain", 11, 8)]),
    "Sydney": ((24, "Sunny", 60, 16), [
        ("Sunny", 27, 18), ("Sunny", 29, 19), ("Thunderstorms", 25, 19), ("Partly cloudy", 26, 18),
        ("Windy", 23, 16), ("Sunny", 28, 18), ("Sunny", 30, 20)]),
    "Chicago": ((-1, "Windy", 70, 32), [
        ("Windy", 2, -4), ("Snow", 0, -6), ("Snow", -1, -7), ("Cloudy", 1, -5),
        ("Sunny", 3, -3), ("Partly cloudy", 4, -2), ("Rain", 5, 0)]),
}


def _contacts() -> list[dict]:
    out = []
    for cid, name, phone, email, birthday, favorite in _CONTACTS:
        rec = {"id": cid, "name": name, "phone": phone, "email": email, "favorite": favorite}
        if birthday:
            rec["birthday"] = birthday
        out.append(rec)
    return out


def _messages() -> list[dict]:
    by_id = {c[0]: c for c in _CONTACTS}
    out = []
    for mid, cid, number, direction, body, time, read in _MESSAGES:
        name = by_id[cid][1] if cid else number
        out.append({
            "id": mid, "contact_id": cid, "name": name, "number": by_id[cid][2] if cid else number,
            "direction": direction, "body": body, "time": time, "read": read,
        })
    return out


def _weather() -> dict:
    start = datetime.date.fromisoformat(NOW[:10])
    cities = {}
    for city, ((temp, cond, humidity, wind), days) in _WEATHER.items():
        cities[city] = {
            "current": {"temp": temp, "condition": cond, "humidity": humidity, "wind_kmh": wind},
            "forecast": [
                {"date": (start + datetime.timedelta(days=i)).isoformat(),
                 "condition": c, "high": hi, "low": lo}
                for i, (c, hi, lo) in enumerate(days)
            ],
        }
    return {"home": "San Francisco", "unit": "C", "cities": cities}


MORE_APPS = ("email", "calls", "maps", "music", "photos", "files", "web", "restaurants", "delivery",
             "shopping", "rides", "wallet", "translate")
"""State keys of the later apps, each seeded from ``data/<key>.json``."""


@functools.cache
def _data_text(app: str) -> str:
    return (importlib.resources.files("agentkit.tools.phone") / "data" / f"{app}.json").read_text("utf-8")


def default_seed() -> dict:
    """The default phone state: a fresh deep copy on every call.

    Returns:
        ``{app: data}`` for clock, contacts, messages, calendar, reminders,
        notes, settings and weather, then the keys in :data:`MORE_APPS`.
    """
    return {
        "clock": {
            "now": NOW,
            "timezone": "America/Los_Angeles",
            "alarms": [dict(a, days=list(a["days"])) for a in _ALARMS],
            "timers": [],
        },
        "contacts": _contacts(),
        "messages": _messages(),
        "calendar": [
            {"id": i, "title": t, "start": s, "end": e, "location": loc, "attendees": list(att)}
            for i, t, s, e, loc, att in _EVENTS
        ],
        "reminders": [dict(r) for r in _REMINDERS],
        "notes": [dict(n) for n in _NOTES],
        "settings": dict(_SETTINGS),
        "weather": _weather(),
        **{app: json.loads(_data_text(app)) for app in MORE_APPS},
    }
