"""A small MCP server for tests, built with the SDK's MCPServer (FastMCP before mcp 2).

Run as ``python mcp_parking_server.py`` (stdio). ``--broken`` also serves a
tool without a description, which agentkit must refuse.
"""

import os
import sys
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

server = MCPServer("parking-test")
reservations: list[dict] = []


class Vehicle(BaseModel):
    plate: str = Field(description="Licence plate.")
    kind: Literal["car", "motorbike", "van"] = Field("car", description="Kind of vehicle.")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def find_spots(street: str, max_price: float = 3.0) -> dict[str, Any]:
    """Find free parking spots on a street."""
    return {"street": street, "max_price": max_price, "spots": [f"{street[:1].upper()}{n}" for n in (1, 2)]}


@server.tool(annotations=ToolAnnotations(read_only_hint=False))
def reserve_spot(spot: str, hours: int, vehicle: Vehicle, extras: list[Literal["ev_charger", "wide"]] = []) -> dict[str, Any]:
    """Reserve a parking spot for a vehicle."""
    if hours > 8:
        raise ToolError(f"at most 8 hours, asked for {hours}")
    reservation = {"spot": spot, "hours": hours, "plate": vehicle.plate, "kind": vehicle.kind, "extras": extras}
    reservations.append(reservation)
    return reservation


@server.tool(name="get-rate", structured_output=False)
def get_rate(zone: str) -> str:
    """Hourly rate of a parking zone."""
    return f"zone {zone}: 2.50 EUR/h"


@server.tool()
def server_state() -> dict[str, Any]:
    """Reservations made so far and the server's process id."""
    return {"reservations": reservations, "pid": os.getpid()}


if "--broken" in sys.argv:

    @server.tool()
    def undocumented(x: int) -> int:
        return x


if __name__ == "__main__":
    server.run("stdio")
