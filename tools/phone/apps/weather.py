"""Weather app: offline, deterministic conditions and 7-day forecasts."""

from __future__ import annotations

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_date
from agentkit.tools.phone._lookup import norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "get_forecast", "get_weather"]

_ALIASES = {"sf": "San Francisco", "nyc": "New York", "new york city": "New York", "ny": "New York"}


def _city(weather: dict, city: str | None) -> str:
    if not city or norm(city) in ("here", "home", "my city", "current location"):
        return weather["home"]
    q = norm(city).split(",")[0].strip()
    q = norm(_ALIASES.get(q) or q)
    names = list(weather["cities"])
    for stage in (lambda n: n == q, lambda n: n.startswith(q), lambda n: q in n or n in q):
        hits = [n for n in names if stage(norm(n))]
        if len(hits) == 1:
            return hits[0]
    raise ToolExecutionError(f"no weather for {city!r}. Cities: {', '.join(names)}")


@tool(app="weather", scopes=["weather.read", "location.read"], examples=[
    "What's the weather like?",
    "Will it rain in London tomorrow?",
    "What's the weather in Paris on Friday?",
    "How cold is it in Chicago right now?",
])
def get_weather(phone: Injected[Phone], city: str | None = None, date: str = "today") -> dict:
    """Get the weather for one day in a city: condition, high and low (°C); today also has the current temperature.

    Args:
        city: The city the user named; leave empty if they named none.
        date: The day: "today", "tomorrow", a weekday or YYYY-MM-DD (up to 6 days ahead).
    """
    weather = phone.state()["weather"]
    name = _city(weather, city)
    data = weather["cities"][name]
    day = parse_date(date, phone.now.date()).isoformat()
    for entry in data["forecast"]:
        if entry["date"] == day:
            out = {"city": name, "unit": weather.get("unit", "C"), **entry}
            if day == phone.now.date().isoformat():
                out["current"] = data["current"]
            return out
    first, last = data["forecast"][0]["date"], data["forecast"][-1]["date"]
    raise ToolExecutionError(f"no forecast for {day}; forecasts cover {first} to {last}")


@tool(app="weather", scopes=["weather.read", "location.read"], examples=[
    "What's the forecast for this week?",
    "Give me the 5-day forecast for Tokyo",
    "Which day this week will be sunny in New York?",
])
def get_forecast(phone: Injected[Phone], city: str | None = None, days: int = 7) -> dict:
    """Get the multi-day weather forecast for a city (condition, high and low per day, °C).

    Args:
        city: The city the user named; leave empty if they named none.
        days: How many days, 1 to 7 (default 7).
    """
    weather = phone.state()["weather"]
    name = _city(weather, city)
    today = phone.now.date().isoformat()
    days = max(1, min(7, days))
    upcoming = [d for d in weather["cities"][name]["forecast"] if d["date"] >= today][:days]
    return {"city": name, "unit": weather.get("unit", "C"), "forecast": upcoming}


TOOLS = [get_weather, get_forecast]
