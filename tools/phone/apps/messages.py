"""Messages app: send texts and read the conversation history."""

from __future__ import annotations

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import _LIST_SEP, contact_or_number, digits, next_id, norm, ranked, with_contact
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "read_messages", "send_message"]


def _recipients(contacts: list[dict], to: str) -> list[tuple[dict | None, str]]:
    """The distinct (contact or None, number) pairs ``to`` names: one recipient, or a list of them.

    The whole text is tried first, so a contact whose own name holds "and" or a comma stays one
    recipient; only when that fails is it split into items, each of which must resolve.
    """
    try:
        return [_recipient(contacts, to)]
    except ToolExecutionError:
        parts = [p.strip() for p in _LIST_SEP.split(str(to)) if p.strip()]
        if len(parts) < 2:
            raise
    found: list[tuple[dict | None, str]] = []
    for part in parts:
        try:
            contact, number = _recipient(contacts, part)
        except ToolExecutionError as e:
            raise ToolExecutionError(f"{str(e).rstrip('.')}. Nothing was sent.") from e
        if not any(_same(contact, number, *other) for other in found):
            found.append((contact, number))
    return found


def _same(contact: dict | None, number: str, other: dict | None, other_number: str) -> bool:
    """Whether two recipients are one: the same contact, or the same raw number ("+1 415..." ~ "415...")."""
    if contact or other:
        return bool(contact and other and contact["id"] == other["id"])
    a, b = digits(number), digits(other_number)
    return a.endswith(b) or b.endswith(a)


def _recipient(contacts: list[dict], query: str) -> tuple[dict | None, str]:
    contact = contact_or_number(contacts, query)
    return contact, contact["phone"] if contact else str(query).strip()


@tool(app="messages", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["messages.send", "contacts.read"], examples=[
    "Text Alice that I'll be 10 minutes late",
    "Send a message to Mom saying I'll bring the pie",
    "Tell Bob the slides are in his inbox",
    "Message 415 555 0199 thanks",
    "Text Alice and Bob that dinner is at 8",
])
def send_message(phone: Injected[Phone], to: str, body: str) -> dict:
    """Send a text message to a contact or phone number.

    Args:
        to: The recipient(s): a contact name as the user said it, or a phone number; several
            separated by commas ('Alice, Bob') each get the message.
        body: The message text.
    """
    body = str(body).strip()
    if not body:
        raise ToolExecutionError("the message body is empty")
    with phone.transaction() as s:
        recipients = _recipients(s["contacts"], to)
        messages = s["messages"]
        time = phone.now.isoformat(timespec="seconds")
        records = []
        for contact, number in recipients:
            record = {
                "id": next_id(messages, "m"),
                "contact_id": contact["id"] if contact else None,
                "name": contact["name"] if contact else number,
                "number": number,
                "direction": "out",
                "body": body,
                "time": time,
                "read": True,
            }
            messages.append(record)
            records.append(record)
    if len(records) == 1:
        return {"status": "sent", "to": records[0]["name"], "body": body, "id": records[0]["id"]}
    return {"status": "sent", "to": [r["name"] for r in records], "body": body,
            "ids": [r["id"] for r in records]}


@tool(app="messages", scopes=["messages.read", "contacts.read"], examples=[
    "What did Mom text me?",
    "Do I have any unread messages?",
    "Show my recent texts",
    "Find the text about the dentist",
    "Who texted me about the delivery?",
])
def read_messages(phone: Injected[Phone], contact: str | None = None, query: str | None = None,
                  unread_only: bool = False, limit: int = 10) -> list[dict]:
    """Read or search text messages, newest first: optionally only one contact's, only those about
    something, or only unread ones.

    Args:
        contact: Only messages with this contact (name or number); leave empty for all.
        query: Only messages with these words (e.g. "package"); leave empty for all.
        unread_only: true to show only unread incoming messages.
        limit: Most messages to return (default 10).
    """
    state = phone.state()
    messages = state["messages"]
    if contact:
        messages = with_contact(messages, state["contacts"], contact)
    if words := norm(query or "").split():
        messages = ranked(messages, words, lambda m: norm(f"{m['name']} {m['body']}"))
    if unread_only:
        messages = [m for m in messages if m["direction"] == "in" and not m.get("read", True)]
    messages = sorted(messages, key=lambda m: m["time"], reverse=True)[: max(1, limit)]
    return [
        {"id": m["id"], ("from" if m["direction"] == "in" else "to"): m["name"], "body": m["body"],
         "time": m["time"], **({"unread": True} if m["direction"] == "in" and not m.get("read", True) else {})}
        for m in messages
    ]


TOOLS = [send_message, read_messages]
