"""The simulated phone's apps; each module's ``TOOLS`` lists its tools."""

from agentkit.tools.phone.apps import calendar, clock, contacts, messages, notes, reminders, settings, weather

__all__ = ["TOOLS"]

TOOLS = [
    *contacts.TOOLS, *messages.TOOLS, *calendar.TOOLS, *clock.TOOLS,
    *reminders.TOOLS, *notes.TOOLS, *settings.TOOLS, *weather.TOOLS,
]
"""Every phone tool, grouped by app."""
