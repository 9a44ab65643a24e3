"""A third-party agentkit app: tools exposed under the ``agentkit.tools`` entry-point group."""

from typing import Literal

from agentkit.tools import tool


@tool(app="coffee", changes_state=True, scopes=["coffee.order"],
      examples=["Order me a large latte", "get a flat white for pickup"])
def order_coffee(drink: str, size: Literal["small", "medium", "large"] = "medium") -> dict:
    """Order a coffee for pickup at the nearest cafe.

    Args:
        drink: What to order, e.g. "latte".
        size: Cup size.
    """
    return {"ordered": drink, "size": size, "pickup_in_minutes": 5}


TOOLS = [order_coffee]
