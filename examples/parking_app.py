"""Add your own app: a parking app with two tools, next to the phone's built-in apps.

docs/ADD_YOUR_OWN_APP.md walks through this file; tests/test_ext_docs.py runs
it and checks that the page quotes it exactly. Try it on the on-device model:

    python examples/parking_app.py "Find parking on Station Road under 3 euros"
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from agentkit import create_agent
from agentkit.tools import Injected, Tool, tool
from agentkit.tools.loading import load_registry
from agentkit.tools.mcp import MCPToolset
from agentkit.tools.openai_format import export_openai_tools, import_openai_tools
from agentkit.tools.phone import Phone


@dataclass
class ParkingApp:
    """The parking app's state: the spots it knows and the sessions it started."""

    spots: dict[str, dict] = field(default_factory=lambda: {
        "S1": {"street": "Station Road", "price_per_hour": 2.5},
        "S2": {"street": "Station Road", "price_per_hour": 4.0},
        "M1": {"street": "Market Square", "price_per_hour": 1.5},
    })
    """Spot id -> street and hourly price in euros."""
    sessions: list[dict] = field(default_factory=list)
    """Paid parking sessions, oldest first."""


@tool(app="parking", scopes=["location.read"],
      examples=["Find parking near the station", "Where can I park cheaply on Market Square?"])
def find_parking(parking: Injected[ParkingApp], street: str, max_price_per_hour: float = 5.0) -> list[dict]:
    """Find free parking spots on a street, cheapest first.

    Args:
        street: Street or place name, e.g. "Station Road".
        max_price_per_hour: Highest acceptable hourly price in euros.
    """
    taken = {s["spot"] for s in parking.sessions}
    found = [{"spot": spot, **info} for spot, info in parking.spots.items()
             if street.lower() in info["street"].lower()
             and info["price_per_hour"] <= max_price_per_hour and spot not in taken]
    return sorted(found, key=lambda s: s["price_per_hour"])


@tool(app="parking", changes_state=True, sensitive=True, scopes=["payments.send"],
      examples=["Pay for two hours of parking at S1", "Start parking at M1 for half an hour"])
def start_parking(parking: Injected[ParkingApp], spot: str, hours: float) -> dict:
    """Start a paid parking session at a spot.

    Args:
        spot: Spot id from find_parking, e.g. "S1".
        hours: How long to park, in hours (at most 4).
    """
    if spot not in parking.spots:
        raise ValueError(f"no parking spot {spot!r}; call find_parking first")
    if not 0 < hours <= 4:
        raise ValueError(f"hours must be more than 0 and at most 4, got {hours}")
    session = {"spot": spot, "hours": hours, "cost": round(hours * parking.spots[spot]["price_per_hour"], 2)}
    parking.sessions.append(session)
    return session


TOOLS = [find_parking, start_parking]


def build_agent(model="qwen2.5-0.5b", *, parking: ParkingApp | None = None, embedder=None):
    """The phone's built-in apps plus the parking app, on the on-device model by default."""
    tools = [*load_registry(), *TOOLS]
    return create_agent(model, tools, device=Phone(), context={"parking": parking or ParkingApp()},
                        embedder=embedder)


def openai_definitions() -> list[dict]:
    """The parking tools as OpenAI function-calling JSON, agentkit's metadata under "x-agentkit"."""
    return export_openai_tools(TOOLS, metadata=True)


def tools_from_openai(definitions: list[dict], parking: ParkingApp) -> list[Tool]:
    """Tools rebuilt from OpenAI JSON, as for a service that publishes only schemas."""
    handlers = {"find_parking": find_parking, "start_parking": start_parking}

    def execute(name: str, arguments: dict) -> object:
        # A real executor would send an HTTP request; this one runs the Python functions.
        return handlers[name](parking, **arguments)

    return import_openai_tools(definitions, execute, app="parking")


def tools_from_mcp_server(script: str) -> MCPToolset:
    """Tools served by an MCP server, started over stdio; close the toolset to stop it."""
    return MCPToolset(sys.executable, [script], app="parking")


def ask_with_mcp_tools(model, script: str, request: str) -> str | None:
    """One request answered with an MCP server's tools; the server stops afterwards."""
    with tools_from_mcp_server(script) as server:
        agent = create_agent(model, server.tools)
        return agent.run(request).answer


def main(request: str) -> None:
    """Run one request on the on-device model and print what happened."""
    parking = ParkingApp()
    agent = build_agent(parking=parking)
    result = agent.run(request)
    for step in result.steps:
        print(f"[{step.kind}] {step.text}")
    print("answer:", result.answer)
    print("parking sessions:", parking.sessions)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "Find parking on Station Road under 3 euros")
