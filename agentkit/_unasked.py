"""Plan steps that make a kind of change the request never asks for.

A 1.5B planner invents steps from the request's words: "Order a pizza to my office, and text
Bob that lunch is coming" gains "Book a meeting with Bob at my office" (ma-057 at 532e5a0), a
note about a photo gains "Take a photo of the parking spot" (ma-010), a note's record gains "Set
the updated date and ID" (ma-037). Each such step changes the phone in a way nobody asked for.

:func:`unasked` names the kind of change a step makes when its leading verb is of a kind
(booking, setting, taking a photo) and nothing in the request asks for that kind: none of the
kind's words ("book", "table", "calendar", "for four" for a booking) appear in it. Any other
verb, a lookup, or a step of a kind the request does ask for is left alone: the check is for
the plain inventions above, not a reading of the request.
"""

from __future__ import annotations

import re

__all__ = ["unasked"]

_KINDS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    # kind: (a step's leading verbs, the request's words that ask for that kind, a phrase that does)
    "a booking": (frozenset({"book", "reserve", "schedule"}),
                  frozenset({"book", "reserve", "reservation", "table", "schedule", "calendar", "meeting", "event",
                             "appointment", "invite", "restaurant"}),
                  r"\bfor (?:two|three|four|five|six|seven|eight|\d+)\b"),
    "a setting": (frozenset({"set", "change", "adjust", "modify", "edit"}),
                  frozenset({"set", "change", "update", "move", "push", "reschedule", "adjust", "modify", "edit",
                             "alarm", "timer", "remind", "reminder", "wake", "turn", "rename", "new", "postpone",
                             "delay", "shift", "switch", "mode", "volume", "brightness", "wifi", "bluetooth",
                             "address", "number", "favorite", "make", "mute", "silence", "disturb"}),
                  None),
    "a photo": (frozenset({"take", "capture", "snap", "shoot"}),
                frozenset({"take", "capture", "snap", "shoot", "selfie", "camera"}), None),
}
_LEAD = re.compile(r"\W*(?:(?:if not|if|when|unless|otherwise|else)\b[^,]*,\s*)?([a-z]+)", re.IGNORECASE)
"""A step's leading verb, after a condition's lead-in ("If it's dry, book ...")."""


def _stem(word: str) -> str:
    """"changed", "changes", "change" -> "chang"; "booking" -> "book"."""
    for end in ("ing", "ed", "es", "s"):
        if word.endswith(end) and len(word) - len(end) >= 3:
            word = word[: -len(end)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _stems(words) -> set[str]:
    return {_stem(w.lower()) for w in words}


_STEMMED = {kind: (_stems(verbs), _stems(asks), phrase) for kind, (verbs, asks, phrase) in _KINDS.items()}


def unasked(step: str, request: str) -> str | None:
    """The kind of change (``"a booking"``) that ``step`` makes and ``request`` never asks for, or None."""
    lead = _LEAD.match(step)
    if lead is None:
        return None
    verb = _stem(lead.group(1).lower())
    said = _stems(re.findall(r"[a-z]+", request.lower()))
    for kind, (verbs, asks, phrase) in _STEMMED.items():
        if verb in verbs:
            if said & asks or (phrase and re.search(phrase, request, re.IGNORECASE)):
                return None
            return kind
    return None
