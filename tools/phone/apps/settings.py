"""Settings app: radios, do-not-disturb, brightness and volume."""

from __future__ import annotations

from typing import Annotated

import pydantic

from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = [
    "TOOLS", "get_settings", "set_airplane_mode", "set_bluetooth", "set_brightness",
    "set_do_not_disturb", "set_volume", "set_wifi",
]

Level = Annotated[int, pydantic.Field(ge=0, le=100)]


def _set(phone: Phone, key: str, value: object) -> dict:
    with phone.transaction() as s:
        s["settings"][key] = value
    return {key: value}


@tool(app="settings", changes_state=True, rehearsable=True, scopes=["settings.write"], examples=[
    "Turn off wifi",
    "Switch wi-fi back on",
    "Disconnect from wifi",
])
def set_wifi(phone: Injected[Phone], on: bool) -> dict:
    """Turn Wi-Fi on or off.

    Args:
        on: true to turn Wi-Fi on, false to turn it off.
    """
    return _set(phone, "wifi", on)


@tool(app="settings", changes_state=True, rehearsable=True, scopes=["settings.write"], examples=[
    "Turn on bluetooth",
    "Switch bluetooth off",
    "Enable bluetooth so I can use my headphones",
])
def set_bluetooth(phone: Injected[Phone], on: bool) -> dict:
    """Turn Bluetooth on or off.

    Args:
        on: true to turn Bluetooth on, false to turn it off.
    """
    return _set(phone, "bluetooth", on)


@tool(app="settings", changes_state=True, rehearsable=True, scopes=["settings.write"], examples=[
    "Turn on do not disturb",
    "Silence notifications",
    "Turn off DND",
    "I'm going into a meeting, don't let anything disturb me",
])
def set_do_not_disturb(phone: Injected[Phone], on: bool) -> dict:
    """Turn Do Not Disturb (silence notifications) on or off.

    Args:
        on: true to silence notifications, false to allow them again.
    """
    return _set(phone, "do_not_disturb", on)


@tool(app="settings", changes_state=True, rehearsable=True, scopes=["settings.write"], examples=[
    "Turn on airplane mode",
    "Switch off flight mode",
    "Put my phone in airplane mode",
])
def set_airplane_mode(phone: Injected[Phone], on: bool) -> dict:
    """Turn airplane (flight) mode on or off.

    Args:
        on: true to turn airplane mode on, false to turn it off.
    """
    return _set(phone, "airplane_mode", on)


@tool(app="settings", changes_state=True, rehearsable=True, scopes=["settings.write"], examples=[
    "Set the brightness to 80%",
    "Dim the screen to 20",
    "Make the screen as bright as possible",
])
def set_brightness(phone: Injected[Phone], level: Level) -> dict:
    """Set the screen brightness.

    Args:
        level: Brightness from 0 (darkest) to 100 (brightest).
    """
    return _set(phone, "brightness", level)


@tool(app="settings", changes_state=True, rehearsable=True, scopes=["settings.write"], examples=[
    "Set the volume to 50",
    "Turn the volume down to 10 percent",
    "Mute the sound",
    "Max volume please",
])
def set_volume(phone: Injected[Phone], level: Level) -> dict:
    """Set the sound volume.

    Args:
        level: Volume from 0 (mute) to 100 (loudest).
    """
    return _set(phone, "volume", level)


@tool(app="settings", scopes=["settings.read"], examples=[
    "Is bluetooth on?",
    "What's my screen brightness?",
    "Is do not disturb on?",
    "Am I connected to wifi?",
])
def get_settings(phone: Injected[Phone]) -> dict:
    """Show the current settings: wifi, bluetooth, do not disturb, airplane mode, brightness, volume."""
    return phone.state()["settings"]


TOOLS = [set_wifi, set_bluetooth, set_do_not_disturb, set_airplane_mode, set_brightness, set_volume,
         get_settings]
