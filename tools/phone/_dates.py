"""Forgiving parsers for the dates, times and weekdays a small model writes.

Dates: ``2026-11-27``, ``today``, ``tomorrow``, ``yesterday``, ``day after
tomorrow``, ``in 3 days``, weekday names (``friday``, ``fri``, ``this friday``,
``next friday``: all mean the next such day after today), ``Nov 27``,
``27 November``, ``11/27``, ``11/27/2026``; an ISO date-time keeps its date.

Times: ``07:00``, ``7:30``, ``7am``, ``7 am``, ``7:30 pm``, ``7.30pm``,
``19:30``, ``1930``, ``7``, ``noon``, ``midnight``; an ISO date-time keeps its time.

Every failure raises :class:`~agentkit.errors.ToolExecutionError` with the
accepted forms in the message, so the model can retry.
"""

from __future__ import annotations

import datetime
import re

from agentkit.errors import ToolExecutionError

__all__ = ["parse_date", "parse_time", "parse_days", "DAY_NAMES"]

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"""Canonical weekday abbreviations, Monday first (``date.weekday()`` order)."""

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
_MONTHS.update({name[:3]: n for name, n in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_DATE_HELP = ("use YYYY-MM-DD (e.g. 2026-11-27), 'today', 'tomorrow', a weekday such as 'friday', "
              "or 'in 3 days'")
_TIME_HELP = "use HH:MM in 24-hour time (e.g. 07:00 or 19:30) or '7am' / '7:30 pm'"

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_IN_DAYS = re.compile(r"^in (\d+|a|one|two|three|four|five|six|seven) (day|days|week|weeks)$")
_WORD_NUMS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(?::\d{2})?\s*(am|pm|a\.m\.?|p\.m\.?|a|p)?$")
_COMPACT_TIME = re.compile(r"^(\d{2})(\d{2})$")


def _clean(text: str) -> str:
    text = str(text).strip().lower().rstrip(".!?")
    text = re.sub(r"[,]", " ", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _make_date(year: int, month: int, day: int, original: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ToolExecutionError(f"{original!r} is not a valid date; {_DATE_HELP}") from None


def parse_date(text: str, today: datetime.date) -> datetime.date:
    """Read a date written as ISO or in words, relative to ``today``.

    Args:
        text: What the model wrote (``"2026-11-27"``, ``"tomorrow"``, ``"next monday"``, ...).
        today: The device's date.

    Returns:
        The date. A weekday name means the next such day after today (1-7 days
        ahead); a month and day without a year means the next such date from today.

    Raises:
        ToolExecutionError: the text is not a date in any accepted form.
    """
    original = text
    if isinstance(text, datetime.datetime):
        return text.date()
    if isinstance(text, datetime.date):
        return text
    t = _clean(text)
    if not t:
        raise ToolExecutionError(f"empty date; {_DATE_HELP}")
    t = re.sub(r"^(on|the|due|by) ", "", t)
    if t in ("today", "tonight", "now", "this evening", "this morning", "this afternoon"):
        return today
    if t in ("tomorrow", "tmrw", "tomorrow morning", "tomorrow evening", "tomorrow night"):
        return today + datetime.timedelta(days=1)
    if t == "yesterday":
        return today - datetime.timedelta(days=1)
    if t in ("day after tomorrow", "the day after tomorrow"):
        return today + datetime.timedelta(days=2)
    if t in ("next week", "in a week"):
        return today + datetime.timedelta(days=7)
    m = re.match(r"^([a-z]+),? (\d{4}-.*)$", t)
    if m and m[1] in _WEEKDAYS:  # "friday 2026-11-27": the date, if it is that weekday
        day = parse_date(m[2], today)
        if day.weekday() != _WEEKDAYS[m[1]]:
            named = parse_date(m[1], today)
            raise ToolExecutionError(
                f"{original!r} names a {named.strftime('%A')}, but {day.isoformat()} is a {day.strftime('%A')}; "
                f"give one of them: {m[1]!r} (the next one is {named.isoformat()}) or {day.isoformat()!r}")
        return day
    m = _ISO_DATE.match(t)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), original)
    m = _IN_DAYS.match(t)
    if m:
        n = int(m[1]) if m[1].isdigit() else _WORD_NUMS[m[1]]
        return today + datetime.timedelta(days=n * (7 if m[2].startswith("week") else 1))
    words = t.split(" ")
    if words[0] in ("this", "next", "coming", "on") and len(words) == 2:
        words = words[1:]
    if len(words) == 1 and words[0] in _WEEKDAYS:
        ahead = (_WEEKDAYS[words[0]] - today.weekday()) % 7 or 7
        return today + datetime.timedelta(days=ahead)
    m = _SLASH_DATE.match(t)
    if m:
        month, day = int(m[1]), int(m[2])
        if m[3]:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return _make_date(year, month, day, original)
        return _next_month_day(month, day, today, original)
    md = _month_day(words)
    if md is not None:
        month, day, year = md
        if year is not None:
            return _make_date(year, month, day, original)
        return _next_month_day(month, day, today, original)
    raise ToolExecutionError(f"cannot read {original!r} as a date; {_DATE_HELP}")


def _month_day(words: list[str]) -> tuple[int, int, int | None] | None:
    """``nov 27``, ``november 27 2026``, ``27 nov``, ``friday nov 27``."""
    if words and words[0] in _WEEKDAYS and len(words) > 1:
        words = words[1:]
    if len(words) not in (2, 3):
        return None
    year = None
    if len(words) == 3:
        if not re.fullmatch(r"\d{4}", words[2]):
            return None
        year = int(words[2])
        words = words[:2]
    a, b = words
    if a in _MONTHS and b.isdigit():
        return _MONTHS[a], int(b), year
    if b in _MONTHS and a.isdigit():
        return _MONTHS[b], int(a), year
    return None


def _next_month_day(month: int, day: int, today: datetime.date, original: str) -> datetime.date:
    candidate = _make_date(today.year, month, day, original)
    if candidate < today:
        candidate = _make_date(today.year + 1, month, day, original)
    return candidate


def parse_time(text: str) -> datetime.time:
    """Read a clock time.

    Args:
        text: What the model wrote (``"07:00"``, ``"7am"``, ``"7:30 pm"``, ``"noon"``, ...).

    Returns:
        The time (hours and minutes).

    Raises:
        ToolExecutionError: the text is not a time, or the hour/minute is out of range.
    """
    original = text
    if isinstance(text, datetime.datetime):
        return text.time().replace(second=0, microsecond=0)
    if isinstance(text, datetime.time):
        return text.replace(second=0, microsecond=0)
    t = _clean(text).replace("o'clock", "").replace("oclock", "").strip()
    t = re.sub(r"^(at|@) ", "", t)
    if t in ("noon", "midday", "12 noon"):
        return datetime.time(12, 0)
    if t == "midnight":
        return datetime.time(0, 0)
    iso = re.match(r"^\d{4}-\d{2}-\d{2}[t ](\d{1,2}:\d{2}.*)$", t)
    if iso:
        t = iso[1]
    m = _COMPACT_TIME.match(t)
    if m:
        hour, minute, suffix = int(m[1]), int(m[2]), None
    else:
        m = _TIME.match(t)
        if not m:
            raise ToolExecutionError(f"cannot read {original!r} as a time; {_TIME_HELP}")
        hour, minute, suffix = int(m[1]), int(m[2] or 0), m[3]
    if suffix:
        if not 1 <= hour <= 12:
            raise ToolExecutionError(f"{original!r}: the hour must be 1-12 with am/pm; {_TIME_HELP}")
        if suffix.startswith("p"):
            hour = hour % 12 + 12
        else:
            hour = hour % 12
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ToolExecutionError(f"{original!r} is not a valid time; {_TIME_HELP}")
    return datetime.time(hour, minute)


_DAY_GROUPS = {
    "weekdays": DAY_NAMES[:5], "weekday": DAY_NAMES[:5], "workdays": DAY_NAMES[:5],
    "weekends": DAY_NAMES[5:], "weekend": DAY_NAMES[5:],
    "daily": DAY_NAMES, "every day": DAY_NAMES, "everyday": DAY_NAMES, "all": DAY_NAMES,
    "once": [], "never": [], "none": [],
}


def parse_days(days: list[str] | str | None) -> list[str]:
    """Read repeat days for an alarm.

    Args:
        days: Weekday names (``["mon", "Friday"]``), a group (``"weekdays"``,
            ``"weekends"``, ``"daily"``), a comma-separated string, or nothing.

    Returns:
        Canonical abbreviations in week order (``["mon", "fri"]``); empty means once.

    Raises:
        ToolExecutionError: a part is not a weekday or group.
    """
    if days is None:
        return []
    items = [days] if isinstance(days, str) else list(days)
    chosen: set[str] = set()
    for item in items:
        whole = _clean(item)
        if whole in _DAY_GROUPS:
            chosen.update(_DAY_GROUPS[whole])
            continue
        for part in re.split(r"[\s,&/]+", whole):
            if part in ("", "every", "on", "and"):
                continue
            if part in _DAY_GROUPS:
                chosen.update(_DAY_GROUPS[part])
            elif part in _WEEKDAYS or part.rstrip("s") in _WEEKDAYS:
                chosen.add(DAY_NAMES[_WEEKDAYS.get(part, _WEEKDAYS.get(part.rstrip("s")))])
            else:
                raise ToolExecutionError(
                    f"cannot read {item!r} as repeat days; use weekday names like 'mon', 'friday', "
                    "or 'weekdays', 'weekends', 'daily'"
                )
    return [d for d in DAY_NAMES if d in chosen]
