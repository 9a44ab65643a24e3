"""Email app: read, search, send, reply to, archive and delete emails."""

from __future__ import annotations

import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_contact, find_record, next_id, norm, ranked
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "archive_email", "delete_email", "list_emails", "read_email", "reply_email",
           "search_emails", "send_email"]

FOLDERS = ("inbox", "sent", "archive", "trash")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _folder(name: str) -> str:
    f = norm(name).removesuffix(" folder")
    f = {"archived": "archive", "deleted": "trash", "bin": "trash", "outbox": "sent"}.get(f, f)
    if f not in FOLDERS:
        raise ToolExecutionError(f"no email folder {name!r}; folders: {', '.join(FOLDERS)}")
    return f


def _summary(m: dict) -> dict:
    out = {"id": m["id"], "from": m["from_name"], "subject": m["subject"], "time": m["time"]}
    if m["folder"] == "sent":
        out = {"id": m["id"], "to": ", ".join(m["to"]), "subject": m["subject"], "time": m["time"]}
    if not m.get("read", True):
        out["unread"] = True
    return out


def _find_email(messages: list[dict], email: str) -> dict:
    email = re.sub(r"^(the |my )?((e-?mail|mail|message) )?(from|about|called|titled) ", "", norm(email))
    return find_record(messages, email, kind="email", fields=("subject", "from_name"),
                       extra=lambda m: [m["from"]])


def _addresses(contacts: list[dict], to: str) -> list[str]:
    out = []
    for part in [p for p in re.split(r"[,;]| and ", str(to)) if p.strip()]:
        part = part.strip()
        if _EMAIL_RE.match(part):
            out.append(part.lower())
            continue
        contact = find_contact(contacts, part)
        if not contact.get("email"):
            raise ToolExecutionError(f"{contact['name']} has no email address; give the address itself")
        out.append(contact["email"])
    if not out:
        raise ToolExecutionError("no recipient: give a contact name or an email address")
    return out


@tool(app="email", scopes=["email.read"], examples=[
    "Do I have any new emails?",
    "Show my inbox",
    "What emails did I send this week?",
    "List my unread mail",
])
def list_emails(phone: Injected[Phone], folder: str = "inbox", unread_only: bool = False,
                limit: int = 10) -> list[dict]:
    """List emails in a folder, newest first: sender, subject, time and whether unread.

    Args:
        folder: The folder: inbox, sent, archive or trash (default inbox).
        unread_only: true to list only unread emails.
        limit: Most emails to return (default 10).
    """
    f = _folder(folder)
    found = [m for m in phone.state()["email"]["messages"] if m["folder"] == f]
    if unread_only:
        found = [m for m in found if not m.get("read", True)]
    found.sort(key=lambda m: m["time"], reverse=True)
    return [_summary(m) for m in found[: max(1, limit)]]


@tool(app="email", scopes=["email.read"], examples=[
    "Read the email from Grace",
    "What does the dentist's email say?",
    "Open the email about the expense report",
])
def read_email(phone: Injected[Phone], email: str) -> dict:
    """Show one email in full: sender, recipients, subject, time and text.

    Args:
        email: The email's subject or sender name as the user said it, or its id.
    """
    return _find_email(phone.state()["email"]["messages"], email)


@tool(app="email", scopes=["email.read"], examples=[
    "Find the email with my flight confirmation",
    "Search my mail for the recipe",
    "Any emails from Frank?",
    "Look for emails about the project review",
])
def search_emails(phone: Injected[Phone], query: str, folder: str | None = None) -> list[dict]:
    """Search emails in all folders by words in the sender, subject or text.

    Args:
        query: Words from the user's request to look for.
        folder: Only this folder (inbox, sent, archive or trash); leave empty for all.
    """
    words = norm(query).split()
    if not words:
        raise ToolExecutionError("empty query: give words to look for")
    f = _folder(folder) if folder else None
    messages = [m for m in phone.state()["email"]["messages"] if f is None or m["folder"] == f]
    hits = ranked(messages, words,
                  lambda m: norm(" ".join([m["from_name"], m["from"], *m["to"], m["subject"], m["body"]])))
    return sorted((dict(_summary(m), folder=m["folder"]) for m in hits), key=lambda m: m["time"], reverse=True)


@tool(app="email", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["email.send", "contacts.read"], examples=[
    "Email Bob the budget numbers are final",
    "Send an email to Frank with subject Expense report saying it's submitted",
    "Write an email to alice.johnson@example.com about Friday",
])
def send_email(phone: Injected[Phone], to: str, subject: str, body: str) -> dict:
    """Send a new email to one or more contacts or email addresses.

    Args:
        to: The recipients: contact names or email addresses, separated by commas.
        subject: The subject line.
        body: The email text.
    """
    body, subject = str(body).strip(), " ".join(str(subject).split())
    if not body:
        raise ToolExecutionError("the email body is empty")
    with phone.transaction() as s:
        recipients = _addresses(s["contacts"], to)
        box = s["email"]
        record = {"id": next_id(box["messages"], "em"), "folder": "sent", "from": box["address"],
                  "from_name": "Me", "to": recipients, "subject": subject or "(no subject)", "body": body,
                  "time": phone.now.isoformat(timespec="seconds"), "read": True}
        box["messages"].append(record)
    return {"status": "sent", "id": record["id"], "to": recipients, "subject": record["subject"]}


@tool(app="email", changes_state=True, rehearsable=True, sensitive=True, scopes=["email.send", "email.read"], examples=[
    "Reply to Alice's email saying I booked the table",
    "Answer Frank's email: I'll send it tomorrow",
    "Reply to the project review email with 'Looks good'",
])
def reply_email(phone: Injected[Phone], email: str, body: str) -> dict:
    """Reply to the sender of an email; the subject gets a "Re:" prefix.

    Args:
        email: The email being answered: its subject or sender name as the user said it, or its id.
        body: The reply text.
    """
    body = str(body).strip()
    if not body:
        raise ToolExecutionError("the reply body is empty")
    with phone.transaction() as s:
        box = s["email"]
        original = _find_email(box["messages"], email)
        if original["folder"] == "sent":
            raise ToolExecutionError(f"email {original['id']} was sent by you; use send_email to write again")
        subject = original["subject"]
        record = {"id": next_id(box["messages"], "em"), "folder": "sent", "from": box["address"],
                  "from_name": "Me", "to": [original["from"]],
                  "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
                  "body": body, "time": phone.now.isoformat(timespec="seconds"), "read": True,
                  "in_reply_to": original["id"]}
        original["read"] = True
        box["messages"].append(record)
    return {"status": "sent", "id": record["id"], "to": record["to"], "subject": record["subject"]}


def _move(phone: Phone, email: str, folder: str) -> dict:
    with phone.transaction() as s:
        record = _find_email(s["email"]["messages"], email)
        if record["folder"] == folder:
            raise ToolExecutionError(f"email {record['id']} ({record['subject']!r}) is already in {folder}")
        record["folder"] = folder
    return {"id": record["id"], "subject": record["subject"], "folder": folder}


@tool(app="email", changes_state=True, rehearsable=True, scopes=["email.write"], examples=[
    "Archive the library newsletter",
    "Move the dentist email to the archive",
    "Archive the email from SkyHigh",
])
def archive_email(phone: Injected[Phone], email: str) -> dict:
    """Move an email to the archive folder, out of the inbox.

    Args:
        email: The email's subject or sender name as the user said it, or its id.
    """
    return _move(phone, email, "archive")


@tool(app="email", changes_state=True, rehearsable=True, sensitive=True, scopes=["email.write"], examples=[
    "Delete the email from the library",
    "Trash the expense report email",
    "Get rid of the newsletter email",
])
def delete_email(phone: Injected[Phone], email: str) -> dict:
    """Delete an email (move it to the trash folder).

    Args:
        email: The email's subject or sender name as the user said it, or its id.
    """
    return _move(phone, email, "trash")


TOOLS = [list_emails, read_email, search_emails, send_email, reply_email, archive_email, delete_email]
