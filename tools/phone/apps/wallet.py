"""Wallet app: a money balance, paying and requesting money from contacts, transactions."""

from __future__ import annotations

import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_contact, find_record, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "get_wallet_balance", "list_transactions", "pay_money_request", "request_money",
           "send_money"]

MAX_AMOUNT = 1000.0
"""The most one transfer or request may be, in the wallet's currency."""


def _amount(amount: float) -> float:
    value = round(float(amount) + 1e-9, 2)
    if value <= 0:
        raise ToolExecutionError(f"the amount must be positive, got {amount!r}")
    if value > MAX_AMOUNT:
        raise ToolExecutionError(f"the amount {value:.2f} is over the {MAX_AMOUNT:.2f} limit per transfer")
    return value


def _view(t: dict) -> dict:
    return {k: t[k] for k in ("id", "kind", "name", "amount", "note", "time", "status")}


def _record(s: dict, kind: str, contact: dict, amount: float, note: str, status: str, time: str) -> dict:
    txs = s["wallet"]["transactions"]
    record = {"id": next_id(txs, "tx"), "kind": kind, "contact_id": contact["id"], "name": contact["name"],
              "amount": amount, "note": " ".join(str(note).split()), "time": time, "status": status}
    txs.append(record)
    return record


@tool(app="wallet", scopes=["payments.read"], examples=[
    "What's my wallet balance?",
    "How much money do I have in my wallet?",
    "Does anyone owe me money?",
])
def get_wallet_balance(phone: Injected[Phone]) -> dict:
    """Show the wallet balance and the pending money requests (to pay and to receive)."""
    w = phone.state()["wallet"]
    pending = [t for t in w["transactions"] if t["status"] == "pending"]
    return {"balance": w["balance"], "currency": w["currency"],
            "requests_to_pay": [_view(t) for t in pending if t["kind"] == "request_in"],
            "requests_sent": [_view(t) for t in pending if t["kind"] == "request_out"]}


@tool(app="wallet", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["payments.send", "contacts.read"], examples=[
    "Send Bob 20 dollars for lunch",
    "Pay Alice $12.50",
    "Transfer 50 to Mom",
])
def send_money(phone: Injected[Phone], to: str, amount: float, note: str = "") -> dict:
    """Send money from the wallet balance to a contact.

    Args:
        to: The contact's name as the user said it.
        amount: How much, in dollars.
        note: What it is for, if the user said.
    """
    value = _amount(amount)
    with phone.transaction() as s:
        contact = find_contact(s["contacts"], to)
        w = s["wallet"]
        if value > w["balance"]:
            raise ToolExecutionError(f"not enough money: the balance is {w['balance']:.2f}, "
                                     f"the payment {value:.2f}")
        w["balance"] = round(w["balance"] - value, 2)
        record = _record(s, "sent", contact, value, note, "completed", phone.now.isoformat(timespec="seconds"))
    return _view(record) | {"balance": w["balance"]}


@tool(app="wallet", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["payments.request", "contacts.read"], examples=[
    "Request 30 dollars from Carol for the tickets",
    "Ask Jack to pay me back $15",
    "Send Frank a money request for 40",
])
def request_money(phone: Injected[Phone], person: str, amount: float, note: str = "") -> dict:
    """Ask a contact to pay you an amount; the request stays pending until they pay.

    Args:
        person: The contact's name as the user said it.
        amount: How much, in dollars.
        note: What it is for, if the user said.
    """
    value = _amount(amount)
    with phone.transaction() as s:
        contact = find_contact(s["contacts"], person)
        record = _record(s, "request_out", contact, value, note, "pending", phone.now.isoformat(timespec="seconds"))
    return _view(record)


@tool(app="wallet", changes_state=True, rehearsable=True, sensitive=True, scopes=["payments.send"], examples=[
    "Pay Dave's money request",
    "Pay the request for game night snacks",
    "Settle what I owe Dave",
])
def pay_money_request(phone: Injected[Phone], request: str) -> dict:
    """Pay a pending money request someone sent you, from the wallet balance.

    Args:
        request: Who sent the request (a contact name) or what it is for, or its id.
    """
    with phone.transaction() as s:
        w = s["wallet"]
        pending = [t for t in w["transactions"] if t["kind"] == "request_in" and t["status"] == "pending"]
        if not pending:
            raise ToolExecutionError("there are no money requests to pay")
        q = " ".join(re.sub(r"'s\b|\b(money|requests?|from|for|the|my)\b", " ", norm(request)).split())
        req = find_record(pending, q or request, kind="request", fields=("name", "note"))
        if req["amount"] > w["balance"]:
            raise ToolExecutionError(f"not enough money: the balance is {w['balance']:.2f}, "
                                     f"the request {req['amount']:.2f}")
        w["balance"] = round(w["balance"] - req["amount"], 2)
        req["status"] = "paid"
        contact = {"id": req["contact_id"], "name": req["name"]}
        record = _record(s, "sent", contact, req["amount"], req["note"], "completed",
                         phone.now.isoformat(timespec="seconds"))
    return _view(record) | {"paid_request": req["id"], "balance": w["balance"]}


@tool(app="wallet", scopes=["payments.read", "contacts.read"], examples=[
    "Show my recent transactions",
    "How much did I send Bob?",
    "What payments have I received?",
    "List my money transfers with Alice",
])
def list_transactions(phone: Injected[Phone], contact: str | None = None, limit: int = 10) -> list[dict]:
    """List wallet transactions (sent, received and requests), newest first.

    Args:
        contact: Only transactions with this contact; leave empty for all.
        limit: Most transactions to return (default 10).
    """
    state = phone.state()
    txs = state["wallet"]["transactions"]
    if contact:
        person = find_contact(state["contacts"], contact)
        txs = [t for t in txs if t["contact_id"] == person["id"]]
    return [_view(t) for t in sorted(txs, key=lambda t: t["time"], reverse=True)[: max(1, limit)]]


TOOLS = [get_wallet_balance, send_money, request_money, pay_money_request, list_transactions]
