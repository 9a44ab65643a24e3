"""Shopping app: search products, keep a cart, check out and see past orders."""

from __future__ import annotations

import datetime
import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._geo import find_place
from agentkit.tools.phone._lookup import find_record, next_id, norm, ranked
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "add_to_shopping_cart", "checkout_shopping_cart", "get_shopping_cart",
           "list_shopping_orders", "remove_from_shopping_cart", "search_products"]

FREE_SHIPPING_FROM = 35.0
SHIPPING = 4.99
DELIVERY_DAYS = 3


def _money(x: float) -> float:
    return round(x + 1e-9, 2)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _find_product(products: list[dict], product: str) -> dict:
    q = re.sub(r"^(a|an|one|some|the)\s+", "", norm(product))
    try:
        return find_record(products, q, kind="product", fields=("name",), extra=lambda p: [f"{p['brand']} {p['name']}"])
    except ToolExecutionError as exc:
        singular = " ".join(_singular(w) for w in q.split())
        if "no product" not in str(exc) or singular == q:
            raise
        return find_record(products, singular, kind="product", fields=("name",))


def _a_product(products: list[dict], text: str) -> str | None:
    """The name of the one product ``text`` names, if it names one (the delivery app's cart points a
    product here)."""
    try:
        return _find_product(products, text)["name"]
    except ToolExecutionError:
        return None


def _cart_view(cart: list[dict]) -> dict:
    subtotal = _money(sum(i["price"] * i["quantity"] for i in cart))
    shipping = 0.0 if not cart or subtotal >= FREE_SHIPPING_FROM else SHIPPING
    view = {"items": [{"name": i["name"], "quantity": i["quantity"], "price": i["price"]} for i in cart],
            "subtotal": subtotal, "shipping": shipping, "total": _money(subtotal + shipping)}
    return {**view, "ordered": "not yet (checkout_shopping_cart orders the cart)"} if cart else view


@tool(app="shopping", scopes=["shopping.read"], examples=[
    "Search for wireless earbuds",
    "Find a yoga mat under 50 dollars",
    "How much is the Italian cookbook?",
    "Show me electronics",
])
def search_products(phone: Injected[Phone], query: str, max_price: float | None = None) -> list[dict]:
    """Search the shop's products by name, brand or category, cheapest first.

    Args:
        query: The kind of product, its name or brand, in the user's words.
        max_price: Highest price in dollars, if the user gave a budget.
    """
    words = [_singular(w) for w in norm(query).split() if w not in ("a", "an", "some", "the", "for")]
    found = ranked(phone.state()["shopping"]["products"], words,
                   lambda p: norm(" ".join([p["name"], p["brand"], p["category"]])))
    hits = [{k: p[k] for k in ("name", "brand", "category", "price", "rating", "in_stock")}
            for p in found if max_price is None or p["price"] <= max_price]  # the budget does not widen the search
    return sorted(hits, key=lambda p: (p["price"], p["name"]))


@tool(app="shopping", changes_state=True, rehearsable=True,
      scopes=["shopping.write"], finished_by="checkout_shopping_cart", examples=[
    "Add the wool scarf to my cart",
    "Put two phone cases in my shopping cart",
    "Add the Italian cookbook to the basket",
    "Buy a phone charger",
])
def add_to_shopping_cart(phone: Injected[Phone], product: str, quantity: int = 1) -> dict:
    """Add a product to the shopping cart.

    Args:
        product: The product's name as the user said it.
        quantity: How many (default 1).
    """
    if quantity < 1:
        raise ToolExecutionError("quantity must be at least 1")
    with phone.transaction() as s:
        data = s["shopping"]
        try:
            p = _find_product(data["products"], product)
        except ToolExecutionError as exc:
            from agentkit.tools.phone.apps.delivery import _a_dish  # (delivery imports this module's _a_product)

            dish = _a_dish(s["delivery"]["stores"], product) if "no product" in str(exc) else None
            if dish is None:
                raise
            raise ToolExecutionError(f"{product!r} is no product of the shop: it is {dish}; add it with "
                                     "add_to_food_cart (then place_food_order). Nothing was added.") from exc
        if not p["in_stock"]:
            raise ToolExecutionError(f"{p['name']!r} is out of stock")
        line = next((i for i in data["cart"] if i["product_id"] == p["id"]), None)
        if line:
            line["quantity"] += quantity
        else:
            data["cart"].append({"product_id": p["id"], "name": p["name"], "price": p["price"], "quantity": quantity})
        view = _cart_view(data["cart"])
    return view


@tool(app="shopping", changes_state=True, rehearsable=True, scopes=["shopping.write"], examples=[
    "Take the headphones out of my cart",
    "Remove the phone case from the shopping cart",
    "I don't want the yoga mat anymore, remove it",
])
def remove_from_shopping_cart(phone: Injected[Phone], product: str) -> dict:
    """Remove a product from the shopping cart.

    Args:
        product: The product's name as the user said it.
    """
    with phone.transaction() as s:
        cart = s["shopping"]["cart"]
        if not cart:
            raise ToolExecutionError("the shopping cart is empty")
        line = find_record([dict(i, id=i["product_id"]) for i in cart], product, kind="cart item", fields=("name",))
        cart[:] = [i for i in cart if i["product_id"] != line["product_id"]]
        view = _cart_view(cart)
    return {"removed": line["name"]} | view


@tool(app="shopping", scopes=["shopping.read"], examples=[
    "What's in my shopping cart?",
    "How much is my cart?",
    "Show my basket",
])
def get_shopping_cart(phone: Injected[Phone]) -> dict:
    """Show the shopping cart: products, subtotal, shipping and total."""
    return _cart_view(phone.state()["shopping"]["cart"])


@tool(app="shopping", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["shopping.order", "payments.charge"], examples=[
    "Check out my cart",
    "Buy what's in my shopping cart",
    "Place the order for my cart",
])
def checkout_shopping_cart(phone: Injected[Phone]) -> dict:
    """Buy everything in the shopping cart with the card on file, shipped to the home address."""
    now = phone.now
    with phone.transaction() as s:
        data = s["shopping"]
        if not data["cart"]:
            raise ToolExecutionError("the shopping cart is empty; add products with add_to_shopping_cart first")
        view = _cart_view(data["cart"])
        record = {"id": next_id(data["orders"], "so"), "items": data["cart"], "subtotal": view["subtotal"],
                  "shipping": view["shipping"], "total": view["total"], "placed": now.isoformat(timespec="seconds"),
                  "delivery_date": (now.date() + datetime.timedelta(days=DELIVERY_DAYS)).isoformat(),
                  "address": find_place(s, "home")["address"], "status": "ordered"}
        data["orders"].append(record)
        data["cart"] = []
    return {k: record[k] for k in ("id", "total", "delivery_date", "address", "status")}


@tool(app="shopping", scopes=["shopping.read"], examples=[
    "What have I ordered online?",
    "Show my order history",
    "When does my last order arrive?",
])
def list_shopping_orders(phone: Injected[Phone]) -> list[dict]:
    """List past shopping orders, newest first, with items, total, delivery date and status."""
    today = phone.now.date().isoformat()
    out = []
    for o in sorted(phone.state()["shopping"]["orders"], key=lambda o: o["placed"], reverse=True):
        status = "delivered" if o["status"] == "ordered" and o["delivery_date"] <= today else o["status"]
        out.append({"id": o["id"], "items": [f"{i['quantity']} x {i['name']}" for i in o["items"]],
                    "total": o["total"], "placed": o["placed"], "delivery_date": o["delivery_date"],
                    "status": status})
    return out


TOOLS = [search_products, add_to_shopping_cart, remove_from_shopping_cart, get_shopping_cart,
         checkout_shopping_cart, list_shopping_orders]
