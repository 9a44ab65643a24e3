"""Messages app: send texts and read the conversation history."""

from __future__ import annotations

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import contact_or_number, next_id, with_contact
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "read_messages", "send_message"]


@tool(app="messages", changes_state=True, sensitive=True, scopes=["messages.send", "contacts.read"], examples=[
    "Text Alice that I'll be 10 minutes late",
    "Send a message to Mom saying I'll bring the pie",
    "Tell Bob the slides are in his inbox",
    "Message 415 555 0199 thanks",
])
def send_message(phone: Injected[Phone], to: str, body: str) -> dict:
    """Send a text message to a contact or phone number.

    Args:
        to: The recipient: a contact name as the user said it, or a phone number.
        body: The message text.
    """
    body = str(body).strip()
    if not body:
        raise ToolExecutionError("the message body is empty")
    with phone.transaction() as s:
        contact = contact_or_number(s["contacts"], to)
        messages = s["messages"]
        record = {
            "id": next_id(messages, "m"),
            "contact_id": contact["id"] if contact else None,
            "name": contact["name"] if contact else str(to).strip(),
            "number": contact["phone"] if contact else str(to).strip(),
            "direction": "out",
            "body": body,
            "time": phone.now.isoformat(timespec="seconds"),
            "read": True,
        }
        messages.append(record)
    return {"status": "sent", "to": record["name"], "body": body, "id": record["id"]}


@tool(app="messages", scopes=["messages.read", "contacts.read"], examples=[
    "What did Mom text me?",
    "Do I have any unread messages?",
    "Read my last messages from Alice",
    "Show my recent texts",
])
def read_messages(phone: Injected[Phone], contact: str | None = None, unread_only: bool = False,
                  limit: int = 10) -> list[dict]:
    """Read text messages, newest first, optionally only one contact's or only unread ones.

    Args:
        contact: Only messages with this contact (name or number); leave empty for all.
        unread_only: true to show only unread incoming messages.
        limit: Most messages to return (default 10).
    """
    state = phone.state()
    messages = state["messages"]
    if contact:
        messages = with_contact(messages, state["contacts"], contact)
    if unread_only:
        messages = [m for m in messages if m["direction"] == "in" and not m.get("read", True)]
    messages = sorted(messages, key=lambda m: m["time"], reverse=True)[: max(1, limit)]
    return [
        {"id": m["id"], ("from" if m["direction"] == "in" else "to"): m["name"], "body": m["body"],
         "time": m["time"], **({"unread": True} if m["direction"] == "in" and not m.get("read", True) else {})}
        for m in messages
    ]


TOOLS = [send_message, read_messages]
