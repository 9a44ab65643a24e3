"""Checks that a tool call's arguments come from the conversation, not from the model's imagination.

Small models fill optional arguments nobody asked for (``list_name="Reminders"``),
copy a parameter's description as its value, or make up a phone number to
satisfy a required argument. These helpers find such arguments so the graph can
drop them (optional ones) or send the call back to the model (the rest).
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Callable, Iterable

__all__ = ["copied_descriptions", "dated_elsewhere", "dated_today", "day_examples", "echoed_messages",
           "invented_addresses", "invented_numbers", "place_phrases", "placeholders", "prune_ungrounded",
           "refused_times"]


_WORD = re.compile(r"[^\W\d_]{3,}")


def _stems(text: str) -> set[str]:
    return {w[:4] for w in _WORD.findall(text.casefold())}


def _grounded(value: Any, stems: set[str]) -> bool:
    """Whether a text argument could come from the conversation: it has digits (dates, times,
    amounts are often rewritten) or shares a word stem with it."""
    if isinstance(value, list):
        return all(_grounded(v, stems) for v in value)
    if not isinstance(value, str) or any(ch.isdigit() for ch in value):
        return True
    words = _stems(value)
    return not words or bool(words & stems)


def prune_ungrounded(args: dict, schema: dict, context: str) -> dict:
    """``args`` without the optional text arguments that nothing in ``context`` mentions."""
    required = set(schema.get("required", []))
    stems = _stems(context)
    return {k: v for k, v in args.items() if k in required or _grounded(v, stems)}


def copied_descriptions(tool: Any, args: dict) -> list[str]:
    """Arguments whose value is (mostly) their own parameter description: a weak model's copy."""
    props = tool.parameters.get("properties", {})
    out = []
    for k, v in args.items():
        desc = str(props.get(k, {}).get("description", ""))
        words = _WORD.findall(str(v).casefold()) if isinstance(v, str) else []
        if len(words) >= 4 and desc:
            known = set(_WORD.findall(desc.casefold()))
            if sum(w in known for w in words) / len(words) >= 0.75:
                out.append(k)
    return out


_PLACEHOLDER = re.compile(
    r"[\[<{][^\]>}\n]{0,40}\b(?:insert|enter|your|here|name|number|date|time|address|recipient|"
    r"placeholder|amount|code)\b[^\]>}\n]{0,40}[\]>}]|\binsert\b[^.\n]{0,40}\bhere\b|\b[xX]{3,}\b")


def placeholders(args: dict) -> dict[str, str]:
    """Text arguments holding a template's gap instead of a value ("[insert confirmation number
    here]", "<recipient name>", "XXX"), by argument name, with the gap: a small model writes one
    when it has not looked the value up, and saving or sending it would pass the gap on."""
    return _first_matches(args, _PLACEHOLDER)


def _first_matches(args: dict, pattern: re.Pattern, keep: Callable[[str], bool] = lambda found: True) -> dict[str, str]:
    """By argument name, the first of its texts (a text or a list's items) whose first match of
    ``pattern`` ``keep`` accepts, with that match."""
    out = {}
    for k, v in args.items():
        for text in v if isinstance(v, list) else [v]:
            m = pattern.search(text) if isinstance(text, str) else None
            if m and keep(m.group(0)):
                out[k] = m.group(0)
                break
    return out


_REFERENCE = re.compile(r"\b(?:that|the same) (day|date|time|place|address|number|amount|price)\b", re.IGNORECASE)


def unresolved_references(args: dict, request: str) -> dict[str, str]:
    """Text arguments that copy a reference of the request ("that day") instead of what it refers to,
    by argument name, with the reference: "text Emma we should do the tour that day" asks for the day
    an earlier answer found; the person reading the text cannot know which day "that day" is."""
    said = {m.group(0).lower() for m in _REFERENCE.finditer(request)}
    return _first_matches(args, _REFERENCE, lambda found: found.lower() in said)


def _squash(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def echoed_messages(args: dict, found: Callable[[], str], request: str) -> list[str]:
    """Text arguments (three words or more) that repeat word for word a line of ``found()`` (the
    results so far) which also names whom the call is for (another argument: a name, or a list of
    names), unless ``request`` says that text: a small model asked to "text Mom that I landed" reads
    her messages first and sends hers back to her. A day or a time ("November 24, 2026") is no
    message. ``found`` is only called when the call has both."""
    texts = {k: _squash(v) for k, v in args.items() if isinstance(v, str) and len(v.split()) >= 3}
    texts = {k: text for k, text in texts.items() if not _is_when(text)}
    people = [_squash(x) for k, v in args.items() if k not in texts
              for x in (v if isinstance(v, list) else [v]) if isinstance(x, str) and x.strip()]
    if not texts or not people:
        return []
    lines = [f" {_squash(line)} " for line in found().splitlines()]
    said = f" {_squash(request)} "
    return [k for k, text in texts.items() if text and f" {text} " not in said and any(
        f" {text} " in line and any(f" {who} " in line for who in people if who) for line in lines)]


_REFUSED = re.compile(r"\b(?:booked|unavailable|not available|taken|sold out)\s+at\s+(\d{1,2}:\d{2})"
                      r"(?:\s+on\s+(\d{4}-\d{2}-\d{2}))?", re.IGNORECASE)
"""A time a tool refused: "Luigi's is fully booked at 19:00 on 2026-11-27"."""
_SETTLED = re.compile(r"^date: (\d{4}-\d{2}-\d{2})\ntime: (\d{1,2}:\d{2})\n(?:.*\n){0,4}?id: \S", re.MULTILINE)
"""A record made for a time (a result's ``date:`` and ``time:`` lines, then its ``id:``): a booking."""
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b|(?<!\d)(\d{1,2}):(\d{2})(?!\d)", re.IGNORECASE)


def _clock_times(text: str) -> set[str]:
    """The times of day in ``text`` as HH:MM ("7pm", "7:30 PM", "19:00", "2026-11-27T19:00:00")."""
    out = set()
    for m in _CLOCK.finditer(text):
        if m.group(3):
            hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
            out.add(f"{hour:02d}:{int(m.group(2) or 0):02d}")
        else:
            out.add(f"{int(m.group(4)):02d}:{m.group(5)}")
    return out


def _hhmm(time: str) -> str:
    hour, minute = time.split(":")
    return f"{int(hour):02d}:{minute}"


def refused_times(args: dict, failed: str, found: str) -> dict[str, tuple[str, str]]:
    """Text arguments holding a time that a tool refused in ``failed`` (earlier errors: "fully booked
    at 19:00 on 2026-11-27") when ``found`` (earlier results) holds a record made since for another
    time that day (a booking at 19:30): ``{key: (refused, settled)}``. Asked for "7pm, or the next free
    time", a small model books 19:30 and then puts 19:00 on the calendar."""
    times = {k: _clock_times(v) for k, v in args.items() if isinstance(v, str)}
    if not any(times.values()):
        return {}
    refused = {(_hhmm(t), day) for t, day in _REFUSED.findall(failed)}
    if not refused:
        return {}
    settled = [(day, _hhmm(t)) for day, t in _SETTLED.findall(found)]
    out = {}
    for k, ts in times.items():
        for t, day in refused:
            other = [s for d, s in settled if (not day or d == day) and s != t and (s, day) not in refused]
            if t in ts and other:
                out[k] = (t, other[-1])
    return out


_NUMBER = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


_DATE_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?")


def _long_numbers(text: str) -> list[str]:
    """The digits of each phone-, card- or account-like number in ``text`` (7+ digits; not dates,
    nor a date with its time, "2026-11-25 19:30")."""
    out = []
    for m in _NUMBER.findall(_DATE_TIME.sub(" ", text)):
        digits = re.sub(r"\D", "", m)
        if len(digits) >= 7 and not _DATE.fullmatch(m.strip()):
            out.append(digits)
    return out


def invented_numbers(args: dict, context: Callable[[], str]) -> list[str]:
    """Text arguments holding a long number (a phone, card or account number: 7+ digits, not a
    date) that appears nowhere in ``context()``; digits are compared without spaces or punctuation,
    and a country code added or dropped still matches. ``context`` is only called when some
    argument holds such a number."""
    return _unseen(args, context, _long_numbers, lambda d, s: d in s or s in d)


def _unseen(args: dict, context: Callable[[], str], extract: Callable[[str], Iterable[str]],
            same: Callable[[str, str], bool]) -> list[str]:
    """Text arguments holding something ``extract`` finds that is ``same`` as nothing it finds in
    ``context()``, which is only called when some argument holds something."""
    found = {k: list(extract(v)) for k, v in args.items() if isinstance(v, str)}
    if not any(found.values()):
        return []
    seen = set(extract(context()))
    return [k for k, items in found.items() if any(not any(same(x, s) for s in seen) for x in items)]


_STREET = re.compile(r"\b(\d{1,6})\s+((?:[A-Z0-9][\w'.-]*\s+){1,3}?)(?i:st|street|ave|avenue|rd|road|blvd|"
                     r"boulevard|way|lane|ln|dr|drive|pl|place|ct|court|ter|terrace)\b")
"""A street address: a number, one to three capitalised words, a street word ("123 Main St")."""


def _streets(text: str) -> set[str]:
    """Each street address in ``text`` as its number and first name word ("123 main" of "123 Main St.")."""
    return {f"{m.group(1)} {m.group(2).split()[0].lower()}" for m in _STREET.finditer(text)}


def invented_addresses(args: dict, context: Callable[[], str]) -> list[str]:
    """Text arguments holding a street address ("123 Main St.") whose number and street appear nowhere
    in ``context()``: a small model told "deliver to my office" writes an office address of its own
    (ma-057), where the place's name ("work") finds the real one. ``context`` is only called when some
    argument holds one."""
    return _unseen(args, context, _streets, str.__eq__)


_PLACE_NOUN = r"(?:office|work|workplace|home|house|place|apartment|flat|hotel|gym|school|studio)"
_PLACE_PHRASE = re.compile(
    rf"\b(?:to|at)\s+((?:my|our|the)\s+{_PLACE_NOUN}|home|work|[A-Z][\w-]*'s(?:\s+{_PLACE_NOUN})?)\b")
"""Where a request sends something: "to my office", "at Mom's house", "to work"."""


def place_phrases(request: str) -> list[str]:
    """The places ``request`` names as where something goes or happens ("to my office": "my office"),
    for the refusal of a made-up street address: the place's name finds the real one."""
    return list(dict.fromkeys(m.group(1) for m in _PLACE_PHRASE.finditer(request)))


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_DAY = re.compile(rf"({'|'.join(_MONTHS)}) (\d{{1,2}})")
_OTHER_DAY = re.compile(rf"\b(?:tomorrow|yesterday|{'|'.join(_DAYS)}|{_MONTH_DAY.pattern})\b")
_TODAY = re.compile(r"\b(?:today|tonight|now|this (?:morning|afternoon|evening))\b")
_DATE_PARAM = re.compile(r"date|day|due|when")


_WHEN_WORDS = frozenset([*_DAYS, *_MONTHS, *(w[:3] for w in (*_DAYS, *_MONTHS)), "sept",
                         *"st nd rd th at on of the this next am pm noon midnight today tomorrow yesterday morning "
                          "afternoon evening night".split()])


def _is_when(text: str) -> bool:
    """Whether ``text`` (squashed) only says a day or a time ("november 24 2026", "friday at 9 am")."""
    return all(w in _WHEN_WORDS or w.isdigit() or re.fullmatch(r"\d+(?:st|nd|rd|th|am|pm)", w) for w in text.split())


def dated_today(args: dict, request: str, today: datetime.date, *, context: str = "") -> tuple[list[str], list[str]]:
    """Date arguments set to today (``"today"`` or today's YYYY-MM-DD) when ``request`` or
    ``context`` names another day and ``request`` (the user's words) never says today: small
    models default to today's date. Returns those arguments' names and the days named."""
    text = f"{request}\n{context}".casefold()
    named = [m.group(0) for m in _OTHER_DAY.finditer(text) if m.group(0) != _DAYS[today.weekday()]]
    if not named or _TODAY.search(request.casefold()):
        return [], []
    keys = [k for k, v in args.items() if isinstance(v, str) and _DATE_PARAM.search(k)
            and (v.strip().casefold() == "today" or v.strip().startswith(today.isoformat()))]
    return keys, _upcoming_first(named)


def _as_date(value: str, today: datetime.date) -> datetime.date | None:
    """The day a date argument names, for the forms :func:`dated_elsewhere` reads (else None)."""
    if value in ("tomorrow", "yesterday"):
        return today + datetime.timedelta(days=1 if value == "tomorrow" else -1)
    if value in _DAYS:
        return today + datetime.timedelta(days=(_DAYS.index(value) - today.weekday()) % 7)
    month_day = _MONTH_DAY.fullmatch(value)
    try:
        if month_day:  # the next such day from today, as the phone's date parser reads it
            day = datetime.date(today.year, _MONTHS.index(month_day[1]) + 1, int(month_day[2]))
            return day if day >= today else day.replace(year=today.year + 1)
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def day_examples(days: list[str], today: datetime.date) -> str:
    """The days a date may be given as, for an error: "'sunday' or 'january 12' (2027-01-12)". A month
    and day leaves the year open, so its date is given too (a small model writes "january 12" as
    2026-11-12 by itself)."""
    shown = []
    for name in days[:3]:
        day = _as_date(name, today) if _MONTH_DAY.fullmatch(name) else None
        shown.append(f"{name!r}" + (f" ({day.isoformat()})" if day is not None else ""))
    return " or ".join(shown)


def dated_elsewhere(args: dict, said: str, today: datetime.date, *, context: str = "") -> tuple[list[str], list[str]]:
    """Date arguments on a day that neither the request (``said``) nor ``context`` (results so far)
    names, when they name some day: "tomorrow" or a made-up date for what the user asked for on
    Sunday. A value written as the text has it, a day named by weekday, "month day", "tomorrow" or
    "yesterday", or an ISO date found in the results passes; today is :func:`dated_today`'s to
    judge, and forms this check does not read ("the 3rd", "next week") are left to the tool.
    Returns those arguments' names and the days named."""
    text = f"{said}\n{context}".casefold()
    named = list(dict.fromkeys(m.group(0) for m in _OTHER_DAY.finditer(text)))
    if not named:
        return [], []
    keys = []
    for k, v in args.items():
        value = v.strip().casefold() if isinstance(v, str) else ""
        if not value or not _DATE_PARAM.search(k) or value in text:
            continue
        day = _as_date(value, today)
        if day is None or day == today:
            continue
        forms = {_DAYS[day.weekday()], f"{_MONTHS[day.month - 1]} {day.day}"}
        forms |= {name for name, delta in (("tomorrow", 1), ("yesterday", -1))
                  if day == today + datetime.timedelta(days=delta)}
        if not forms & set(named):
            keys.append(k)
    return keys, _upcoming_first(named)


def _upcoming_first(named: list[str]) -> list[str]:
    """The days named, once each, "yesterday" last: a change is seldom meant for a past day, and a
    small model copies the first day an error suggests ("my notes from yesterday say the launch moved
    to January 12")."""
    return sorted(dict.fromkeys(named), key=lambda day: day == "yesterday")
