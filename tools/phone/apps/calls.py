"""Phone calls app: place calls, the call log, missed calls and voicemail."""

from __future__ import annotations

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import contact_or_number, digits, find_record, is_number, next_id, with_contact
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "delete_voicemail", "list_missed_calls", "list_recent_calls", "list_voicemails",
           "make_call", "play_voicemail"]


def _entry(c: dict) -> dict:
    out = {"id": c["id"], "name": c["name"], "number": c["number"], "direction": c["direction"],
           "time": c["time"]}
    if c["direction"] != "missed":
        out["duration_seconds"] = c["duration_seconds"]
    return out


def _find_voicemail(state: dict, voicemail: str) -> dict:
    box = state["calls"]["voicemail"]
    if is_number(voicemail):
        hits = [v for v in box if digits(v["number"]).endswith(digits(voicemail))]
        if len(hits) == 1:
            return hits[0]
    return find_record(box, voicemail, kind="voicemail", fields=("name",))


@tool(app="calls", changes_state=True, rehearsable=True, sensitive=True,
      scopes=["calls.make", "contacts.read"], examples=[
    "Call Mom",
    "Phone Bob back",
    "Dial 415 555 0199",
    "Ring Alice on her mobile",
])
def make_call(phone: Injected[Phone], to: str) -> dict:
    """Start a phone call to a contact or a phone number.

    Args:
        to: Who to call: a contact name as the user said it, or a phone number.
    """
    with phone.transaction() as s:
        contact = contact_or_number(s["contacts"], to)
        log = s["calls"]["log"]
        number = contact["phone"] if contact else str(to).strip()
        record = {"id": next_id(log, "k"), "contact_id": contact["id"] if contact else None,
                  "name": contact["name"] if contact else number, "number": number, "direction": "out",
                  "time": phone.now.isoformat(timespec="seconds"), "duration_seconds": 0}
        log.append(record)
    return {"status": "calling", "to": record["name"], "number": number, "id": record["id"]}


@tool(app="calls", scopes=["calls.read", "contacts.read"], examples=[
    "Show my recent calls",
    "When did I last talk to Mom?",
    "Who called me yesterday?",
    "What's my call history with Dave?",
])
def list_recent_calls(phone: Injected[Phone], contact: str | None = None, limit: int = 10) -> list[dict]:
    """List the call log (incoming, outgoing and missed calls), newest first.

    Args:
        contact: Only calls with this contact (name or number); leave empty for all.
        limit: Most calls to return (default 10).
    """
    state = phone.state()
    log = state["calls"]["log"]
    if contact:
        log = with_contact(log, state["contacts"], contact)
    log = sorted(log, key=lambda c: c["time"], reverse=True)[: max(1, limit)]
    return [_entry(c) for c in log]


@tool(app="calls", scopes=["calls.read"], examples=[
    "Did I miss any calls?",
    "Who tried to call me?",
    "Show my missed calls",
])
def list_missed_calls(phone: Injected[Phone]) -> list[dict]:
    """List missed calls, newest first, with who called and when."""
    missed = [c for c in phone.state()["calls"]["log"] if c["direction"] == "missed"]
    return [_entry(c) for c in sorted(missed, key=lambda c: c["time"], reverse=True)]


@tool(app="calls", scopes=["calls.read"], examples=[
    "Do I have any voicemail?",
    "List my voicemails",
    "Any new voice messages?",
])
def list_voicemails(phone: Injected[Phone], unheard_only: bool = False) -> list[dict]:
    """List voicemails, newest first: who left them, when, and whether they were heard.

    Args:
        unheard_only: true to list only voicemails not listened to yet.
    """
    box = [v for v in phone.state()["calls"]["voicemail"] if not unheard_only or not v["heard"]]
    return [{"id": v["id"], "from": v["name"], "time": v["time"], "duration_seconds": v["duration_seconds"],
             "heard": v["heard"]} for v in sorted(box, key=lambda v: v["time"], reverse=True)]


@tool(app="calls", changes_state=True, rehearsable=True, scopes=["calls.read", "calls.write"], examples=[
    "Play Bob's voicemail",
    "What did Henry say in his voicemail?",
    "Listen to my latest voicemail",
])
def play_voicemail(phone: Injected[Phone], voicemail: str = "latest") -> dict:
    """Play a voicemail: returns its transcript and marks it as heard.

    Args:
        voicemail: Whose voicemail (a name or number as the user said it), its id, or "latest".
    """
    with phone.transaction() as s:
        box = s["calls"]["voicemail"]
        if not box:
            raise ToolExecutionError("there are no voicemails")
        if str(voicemail).strip().lower() in ("latest", "last", "newest", "new", ""):
            record = max(box, key=lambda v: v["time"])
        else:
            record = _find_voicemail(s, voicemail)
        record["heard"] = True
    return {"id": record["id"], "from": record["name"], "time": record["time"],
            "transcript": record["transcript"]}


@tool(app="calls", changes_state=True, rehearsable=True, sensitive=True, scopes=["calls.write"], examples=[
    "Delete the voicemail from Bright Smile Dental",
    "Erase Henry's voicemail",
    "Clear out Bob's voicemail",
])
def delete_voicemail(phone: Injected[Phone], voicemail: str) -> dict:
    """Delete a voicemail for good.

    Args:
        voicemail: Whose voicemail (a name or number as the user said it), or its id.
    """
    with phone.transaction() as s:
        record = _find_voicemail(s, voicemail)
        s["calls"]["voicemail"].remove(record)
    return {"deleted": {"id": record["id"], "from": record["name"], "time": record["time"]}}


TOOLS = [make_call, list_recent_calls, list_missed_calls, list_voicemails, play_voicemail, delete_voicemail]
