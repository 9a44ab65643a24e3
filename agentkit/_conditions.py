"""Conditions a rule settles without a model: what the weather will be.

Asked "is it going to rain on Friday?" of a forecast that says Foggy, a small
model answers yes about as often as no: it knows fog is wet. The forecast's own
words settle it, so the plan's ``decide`` call checks its model's answer here.
"""

from __future__ import annotations

import re

__all__ = ["contradicts", "weather_holds"]

_KINDS = {
    "rain": {"rain", "rainy", "raining", "rains", "shower", "showers", "drizzle", "drizzly", "thunderstorm",
             "thunderstorms", "storm", "storms", "stormy", "pour", "pouring", "wet"},
    "snow": {"snow", "snowy", "snowing", "snows", "sleet", "hail"},
    "sun": {"sun", "sunny", "sunshine", "clear"},
    "cloud": {"cloud", "clouds", "cloudy", "overcast"},
    "fog": {"fog", "foggy", "mist", "misty"},
    "wind": {"wind", "windy", "gusty"},
}
_DRY = {"dry"}
_NOT = re.compile(r"\b(?:not|no|never|without)\b|n't\b", re.IGNORECASE)
_FORECAST = re.compile(r"\bcondition:\s*([A-Za-z][A-Za-z ]*)")
"""A weather lookup's condition line (``condition: Partly cloudy``)."""


def _kinds(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return {kind for kind, names in _KINDS.items() if words & names}


def weather_holds(condition: str, found: str, results: str) -> tuple[bool, str] | None:
    """Whether a weather ``condition`` ("it is going to rain on Friday", "it's not dry") holds, by
    the forecast in ``results`` that the model's ``found`` names (or the only one there is), with
    that forecast's words; None when the condition is not about the weather or the forecast is not
    clear (two in the results and ``found`` names neither, or one that names no weather).

    "Dry" holds for anything but rain or snow; any other weather word holds for its own kind
    ("rain" for Drizzle or Thunderstorms, "cloudy" for Partly cloudy). A negation turns it round.
    """
    words = set(re.findall(r"[a-z]+", condition.lower()))
    asked, dry = _kinds(condition), bool(words & _DRY)
    if bool(asked) == dry:  # no weather asked, or "dry" mixed with another kind ("dry and sunny")
        return None
    forecasts = list(dict.fromkeys(m.group(1).strip() for m in _FORECAST.finditer(results)))
    named = [f for f in forecasts if f.lower() in found.lower()]
    named = [f for f in named if not any(f.lower() in g.lower() and f != g for g in named)]  # Partly cloudy
    if len(named) != 1:
        named = forecasts if len(forecasts) == 1 else []
    if not named or not _kinds(named[0]):
        return None
    kinds = _kinds(named[0])
    holds = not kinds & {"rain", "snow"} if dry else bool(kinds & asked)
    return (not holds if _NOT.search(condition) else holds), named[0]


def contradicts(text: str, forecast: str) -> bool:
    """Whether a sentence of ``text`` says something of the weather that ``forecast`` (a forecast's own
    words, "Foggy") rules out: "Yes, it is going to rain" of fog. A sentence that names the forecast
    itself is taken as reading it."""
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        if forecast.lower() in sentence.lower():
            continue
        said = weather_holds(sentence, forecast, f"condition: {forecast}")
        if said is not None and not said[0]:
            return True
    return False
