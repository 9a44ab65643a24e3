"""Reminders app: to-dos with an optional due date."""

from __future__ import annotations

import datetime
import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_date, parse_time
from agentkit.tools.phone._lookup import find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "complete_reminder", "create_reminder", "delete_reminder", "list_reminders"]


def _existing_list(reminders: list[dict], list_name: str) -> str:
    """The existing list ``list_name`` means ("groceries list" is "Groceries"), or a new list's name."""
    lists = {norm(r["list"]): r["list"] for r in reminders if r.get("list")}
    wanted = norm(list_name)
    if wanted in lists:
        return lists[wanted]
    words = set(re.findall(r"\w+", wanted)) - {"list", "lists", "reminder", "reminders", "my", "the", "to", "do"}
    close = [name for key, name in lists.items() if words and words <= set(re.findall(r"\w+", key))]
    if not close:
        close = [name for key, name in lists.items() if set(re.findall(r"\w+", key)) & words]
    return close[0] if len(close) == 1 else (" ".join(str(list_name).split()) or "Reminders")


@tool(app="reminders", changes_state=True, rehearsable=True, scopes=["reminders.write"], examples=[
    "Remind me to call the bank tomorrow at 10am",
    "Add 'buy eggs' to my groceries list",
    "Remind me to water the plants on Saturday",
    "Create a reminder to renew my passport",
])
def create_reminder(phone: Injected[Phone], title: str, due_date: str | None = None,
                    due_time: str | None = None, list_name: str = "Reminders") -> dict:
    """Create a reminder (a to-do), optionally due at a date and time.

    Args:
        title: What to be reminded of, in the user's words.
        due_date: The day it is due: "tomorrow", "saturday" or YYYY-MM-DD; empty for no date.
        due_time: The time it is due, as the user said it; empty if they gave no time.
        list_name: The list to put it in, if the user named one (default "Reminders").
    """
    title = " ".join(str(title).split())
    if not title:
        raise ToolExecutionError("a reminder needs a title")
    now = phone.now
    due = None
    if due_date or due_time:
        at = parse_time(due_time) if due_time else None
        if due_date:
            day = parse_date(due_date, now.date())
        else:
            # A time alone means its next occurrence: today, or tomorrow if already past.
            day = now.date() if at > now.time() else now.date() + datetime.timedelta(days=1)
        due = datetime.datetime.combine(day, at).isoformat(timespec="seconds") if at else day.isoformat()
    with phone.transaction() as s:
        reminders = s["reminders"]
        name = _existing_list(reminders, list_name)
        record = {"id": next_id(reminders, "r"), "title": title, "due": due, "done": False, "list": name}
        reminders.append(record)
    return record


@tool(app="reminders", scopes=["reminders.read"], examples=[
    "What are my reminders?",
    "What's on my groceries list?",
    "What do I still have to do?",
    "Show my completed reminders too",
])
def list_reminders(phone: Injected[Phone], include_done: bool = False, list_name: str | None = None) -> list[dict]:
    """List reminders, by default only the ones not done yet.

    Args:
        include_done: true to include completed reminders.
        list_name: Only this list, if the user named one; empty for all lists.
    """
    out = [r for r in phone.state()["reminders"] if include_done or not r.get("done")]
    if list_name:
        want = _singular(list_name)
        out = [r for r in out if want in _singular(r.get("list", ""))]
    return out


def _singular(name: str) -> str:
    """``"Grocery list"`` and ``"groceries"`` both become ``"grocery"``."""
    n = re.sub(r"\s+list$", "", norm(name))
    if n.endswith("ies"):
        return n[:-3] + "y"
    return n[:-1] if n.endswith("s") and not n.endswith("ss") else n


@tool(app="reminders", changes_state=True, rehearsable=True, scopes=["reminders.write"], examples=[
    "Mark 'buy milk' as done",
    "I called the plumber, tick it off",
    "Complete the pay rent reminder",
])
def complete_reminder(phone: Injected[Phone], reminder: str) -> dict:
    """Mark a reminder as done.

    Args:
        reminder: The reminder's title (or a word of it) as the user said it.
    """
    with phone.transaction() as s:
        record = find_record(s["reminders"], reminder, kind="reminder")
        record["done"] = True
    return record


@tool(app="reminders", changes_state=True, rehearsable=True, sensitive=True, scopes=["reminders.write"], examples=[
    "Delete the reminder about the plumber",
    "Remove 'pay rent' from my reminders",
    "Get rid of the buy milk reminder",
])
def delete_reminder(phone: Injected[Phone], reminder: str) -> dict:
    """Delete a reminder for good (use complete_reminder to tick one off).

    Args:
        reminder: The reminder's title (or a word of it) as the user said it.
    """
    with phone.transaction() as s:
        record = find_record(s["reminders"], reminder, kind="reminder")
        s["reminders"].remove(record)
    return {"deleted": record}


TOOLS = [create_reminder, list_reminders, complete_reminder, delete_reminder]
