"""The simulated phone's apps; each module's ``TOOLS`` lists its tools."""

from agentkit.tools.phone.apps import calendar, clock, contacts, messages, notes, reminders, settings, weather
from agentkit.tools.phone.apps import (
    calls, delivery, email, files, maps, music, photos, restaurants, rides, shopping, translate, wallet, web,
)

__all__ = ["MORE_TOOLS", "TOOLS"]

TOOLS = [
    *contacts.TOOLS, *messages.TOOLS, *calendar.TOOLS, *clock.TOOLS,
    *reminders.TOOLS, *notes.TOOLS, *settings.TOOLS, *weather.TOOLS,
]
"""Every phone tool, grouped by app."""

MORE_TOOLS = [
    *email.TOOLS, *calls.TOOLS, *maps.TOOLS, *music.TOOLS, *photos.TOOLS, *files.TOOLS, *web.TOOLS,
    *restaurants.TOOLS, *delivery.TOOLS, *shopping.TOOLS, *rides.TOOLS, *wallet.TOOLS, *translate.TOOLS,
]
"""The later apps' tools, not yet part of :data:`TOOLS` (to be merged into it)."""
