"""Contacts app: look people up and keep their details."""

from __future__ import annotations

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._dates import parse_date
from agentkit.tools.phone._lookup import find_contact, is_number, next_id, norm
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "add_contact", "get_contact", "search_contacts", "update_contact"]


@tool(app="contacts", scopes=["contacts.read"], examples=[
    "Who do I know named Smith?",
    "Show me my favorite contacts",
    "Search my contacts for Grace",
    "Which contact has the number ending in 0107?",
])
def search_contacts(phone: Injected[Phone], query: str = "") -> list[dict]:
    """Search contacts by part of a name, number or email; an empty query lists everyone.

    Args:
        query: Part of a name, number or email from the request; "favorites" lists favorite contacts.
    """
    contacts = phone.state()["contacts"]
    q = norm(query)
    if q in ("favorite", "favorites", "favourites", "favourite"):
        return [c for c in contacts if c.get("favorite")]
    return [
        c for c in contacts
        if not q or any(q in norm(c.get(f) or "") for f in ("name", "phone", "email"))
        or (q.replace(" ", "").isdigit() and q.replace(" ", "") in norm(c.get("phone", "")).replace(" ", ""))
    ]


@tool(app="contacts", scopes=["contacts.read"], examples=[
    "What's Alice's phone number?",
    "When is Carol's birthday?",
    "Give me Bob's email address",
    "Show Mom's contact card",
])
def get_contact(phone: Injected[Phone], name: str) -> dict:
    """Get one contact's details: phone number, email, birthday.

    Args:
        name: The contact's name as the user said it; a first name is enough.
    """
    return find_contact(phone.state()["contacts"], name)


@tool(app="contacts", changes_state=True, rehearsable=True, scopes=["contacts.write"], examples=[
    "Add Laura Chen to my contacts, her number is 415 555 0123",
    "Save a new contact: Tom Baker, +1 212 555 0144",
    "Create a contact for my plumber Mike, 650 555 0188",
])
def add_contact(phone: Injected[Phone], name: str, phone_number: str, email: str | None = None,
                birthday: str | None = None) -> dict:
    """Save a new contact.

    Args:
        name: The new contact's full name.
        phone_number: The phone number, digits as given.
        email: Email address, if given.
        birthday: Birthday as YYYY-MM-DD, if given.
    """
    name = " ".join(str(name).split())
    if not name:
        raise ToolExecutionError("a contact needs a name")
    with phone.transaction() as s:
        contacts = s["contacts"]
        if any(norm(c["name"]) == norm(name) for c in contacts):
            raise ToolExecutionError(f"a contact named {name!r} already exists; use update_contact")
        record = {"id": next_id(contacts, "c"), "name": name, "phone": _phone_number(phone_number),
                  "email": (email or "").strip() or None, "favorite": False}
        if birthday:
            record["birthday"] = parse_date(birthday, phone.now.date()).isoformat()
        contacts.append(record)
    return record


@tool(app="contacts", changes_state=True, rehearsable=True, scopes=["contacts.write"], examples=[
    "Change Bob's number to 415 555 0177",
    "Update Grace's email to grace@newmail.com",
    "Make Jack a favorite contact",
    "Carol's birthday is on March 3rd 1985",
])
def update_contact(phone: Injected[Phone], name: str, phone_number: str | None = None,
                   email: str | None = None, birthday: str | None = None,
                   favorite: bool | None = None) -> dict:
    """Change an existing contact's number, email, birthday or favorite flag.

    Args:
        name: The contact's name as the user said it.
        phone_number: New phone number, if changing it.
        email: New email address, if changing it.
        birthday: New birthday as YYYY-MM-DD, if changing it.
        favorite: true to mark as favorite, false to unmark.
    """
    if phone_number is None and email is None and birthday is None and favorite is None:
        raise ToolExecutionError("nothing to change: give phone_number, email, birthday or favorite")
    with phone.transaction() as s:
        record = find_contact(s["contacts"], name)
        if phone_number is not None:
            record["phone"] = _phone_number(phone_number)
        if email is not None:
            record["email"] = email.strip() or None
        if birthday is not None:
            record["birthday"] = parse_date(birthday, phone.now.date()).isoformat()
        if favorite is not None:
            record["favorite"] = favorite
    return record


def _phone_number(value: object) -> str:
    """A phone number as given, if it is one (digits, spaces, + ( ) . -); else the model is told."""
    text = str(value).strip()
    if not is_number(text):
        raise ToolExecutionError(f"{text!r} is not a phone number: give the number's digits, "
                                 "such as '+1 415 555 0101', as the request or a result shows it")
    return text


TOOLS = [search_contacts, get_contact, add_contact, update_contact]
