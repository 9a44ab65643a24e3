"""Clock app: the time, alarms and timers."""

from __future__ import annotations

import datetime
import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_days, parse_time
from agentkit.tools.phone._lookup import find_record, next_id
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "delete_alarm", "get_time", "list_alarms", "set_alarm", "set_timer", "toggle_alarm"]


def _find_alarm(alarms: list[dict], alarm: str) -> dict:
    """An alarm by id, label or time (``"7:30"`` finds the 07:30 alarm)."""
    alarm = re.sub(r"^(my|the)\s+|\s+alarm$", "", str(alarm).strip(), flags=re.I) or str(alarm)
    try:
        at = parse_time(alarm).strftime("%H:%M")
    except ToolExecutionError:
        at = None
    if at is not None:
        hits = [a for a in alarms if a["time"] == at]
        if len(hits) == 1:
            return hits[0]
    return find_record(alarms, alarm, kind="alarm", fields=("label", "time"))


@tool(app="clock", scopes=["clock.read"], examples=[
    "What time is it?",
    "What's today's date?",
    "What day of the week is it?",
])
def get_time(phone: Injected[Phone]) -> dict:
    """Get the current date, time and weekday."""
    now = phone.now
    return {"date": now.date().isoformat(), "time": now.strftime("%H:%M"), "weekday": now.strftime("%A"),
            "timezone": phone.state()["clock"].get("timezone")}


@tool(app="clock", changes_state=True, rehearsable=True, scopes=["clock.write"], examples=[
    "Wake me up at 7am tomorrow",
    "Set an alarm for 6:45",
    "Set an alarm at 5:30 pm called Pick up kids on weekdays",
    "Alarm for 8 every Saturday and Sunday",
])
def set_alarm(phone: Injected[Phone], time: str, label: str | None = None,
              days: list[str] | None = None) -> dict:
    """Set a new alarm.

    Args:
        time: Alarm time, e.g. "07:00", "6:45" or "5:30 pm".
        label: A name for the alarm, only if the user gave one.
        days: Repeat days as three-letter weekday names, or ["weekdays"] or ["weekend"]; leave empty for a one-time alarm.
    """
    at = parse_time(time).strftime("%H:%M")
    with phone.transaction() as s:
        alarms = s["clock"]["alarms"]
        record = {"id": next_id(alarms, "a"), "time": at, "label": (label or "").strip() or "Alarm",
                  "enabled": True, "days": parse_days(days)}
        alarms.append(record)
    return record


@tool(app="clock", scopes=["clock.read"], examples=[
    "What alarms do I have?",
    "Is my gym alarm on?",
    "Show my alarms",
])
def list_alarms(phone: Injected[Phone]) -> list[dict]:
    """List all alarms with their times, labels, repeat days and whether they are on."""
    return sorted(phone.state()["clock"]["alarms"], key=lambda a: a["time"])


@tool(app="clock", changes_state=True, rehearsable=True, scopes=["clock.write"], examples=[
    "Turn off my 7:30 alarm",
    "Disable the gym alarm",
    "Turn on the weekend alarm",
    "Switch my 6:30 alarm back on",
])
def toggle_alarm(phone: Injected[Phone], alarm: str, enabled: bool) -> dict:
    """Turn an existing alarm on or off without deleting it.

    Args:
        alarm: The alarm's label or time, in the user's words.
        enabled: true to turn it on, false to turn it off.
    """
    with phone.transaction() as s:
        record = _find_alarm(s["clock"]["alarms"], alarm)
        record["enabled"] = enabled
    return record


@tool(app="clock", changes_state=True, rehearsable=True, sensitive=True, scopes=["clock.write"], examples=[
    "Delete my 6:30 alarm",
    "Remove the weekend alarm",
    "Get rid of the gym alarm",
])
def delete_alarm(phone: Injected[Phone], alarm: str) -> dict:
    """Delete an alarm for good.

    Args:
        alarm: The alarm's label or time, in the user's words.
    """
    with phone.transaction() as s:
        alarms = s["clock"]["alarms"]
        record = _find_alarm(alarms, alarm)
        alarms.remove(record)
    return {"deleted": record}


@tool(app="clock", changes_state=True, rehearsable=True, scopes=["clock.write"], examples=[
    "Set a timer for 10 minutes",
    "Start a 45 second timer",
    "Timer for 25 minutes for the pasta",
    "Set a one hour timer",
])
def set_timer(phone: Injected[Phone], minutes: int = 0, seconds: int = 0, label: str | None = None) -> dict:
    """Start a countdown timer.

    Args:
        minutes: Minutes to count down (an hour is 60).
        seconds: Extra seconds to count down.
        label: What the timer is for, only if the user said.
    """
    total = minutes * 60 + seconds
    if total <= 0:
        raise ToolExecutionError("the timer needs a positive duration: give minutes and/or seconds")
    now = phone.now
    with phone.transaction() as s:
        timers = s["clock"].setdefault("timers", [])
        record = {"id": next_id(timers, "t"), "label": (label or "").strip() or "Timer",
                  "duration_seconds": total, "started": now.isoformat(timespec="seconds"),
                  "ends": (now + datetime.timedelta(seconds=total)).isoformat(timespec="seconds")}
        timers.append(record)
    return record


TOOLS = [get_time, set_alarm, list_alarms, toggle_alarm, delete_alarm, set_timer]
