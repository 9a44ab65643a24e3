"""The simulated phone's apps; each module's ``TOOLS`` lists its tools."""

from agentkit.tools.phone.apps import calendar, clock, contacts, messages, notes, reminders, settings, weather
from agentkit.tools.phone.apps import (
    calls, delivery, email, files, maps, music, photos, restaurants, rides, shopping, translate, wallet, web,
)

__all__ = ["FIRST_TOOLS", "MORE_TOOLS", "TOOLS"]

FIRST_TOOLS = [
    *contacts.TOOLS, *messages.TOOLS, *calendar.TOOLS, *clock.TOOLS,
    *reminders.TOOLS, *notes.TOOLS, *settings.TOOLS, *weather.TOOLS,
]
"""The first eight apps' tools (what the ``single-app`` suite was written against)."""

MORE_TOOLS = [
    *email.TOOLS, *calls.TOOLS, *maps.TOOLS, *music.TOOLS, *photos.TOOLS, *files.TOOLS, *web.TOOLS,
    *restaurants.TOOLS, *delivery.TOOLS, *shopping.TOOLS, *rides.TOOLS, *wallet.TOOLS, *translate.TOOLS,
]
"""The thirteen later apps' tools."""

TOOLS = [*FIRST_TOOLS, *MORE_TOOLS]
"""Every phone tool, grouped by app."""
