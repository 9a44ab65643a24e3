"""What a failed lookup's error adds for a small model: which of the things it lists is meant.

A tool that cannot resolve a name (a note, an event, a photo) raises an error listing the
existing ones (``ModelRetry.choices``). A 1.5B model then mostly retries its own wording, or
picks the first entry listed. :func:`choice_hint` points at the entry that the request names,
that the results so far found, or that shares a word with what the model asked for, in that
order, and says nothing when none or several fit.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["choice_hint"]

_MAX_FOUND = 6
"""More found choices than this is a listing, not a pick: no hint."""
_COMMON = frozenset(
    "about after also before from have here into just like make more only over some than that them then there "
    "these they this those time today what when where which with your".split())
"""Words of four letters or more that name nothing (a query's "time", "this", "with")."""


_LIST = re.compile(r"[,;]|\band\b")
"""Where a text argument that lists things splits ("fries, vanilla milkshake", "fries and a shake")."""


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _choices_in(choices: tuple[str, ...], text: str) -> list[str]:
    """The distinct choices that ``text`` holds as whole words, in any case, in the choices' order."""
    padded = f" {_words(text)} "
    return [c for c in dict.fromkeys(choices) if (w := _words(c)) and f" {w} " in padded]


def named_choice(choices: tuple[str, ...], said: str) -> str | None:
    """The one choice (an existing note, say) that the user's words name as whole words, if exactly one is."""
    named = _choices_in(choices, said)
    return named[0] if len(named) == 1 else None


def found_choices(choices: tuple[str, ...], found: str) -> list[str]:
    """The choices that earlier results show (a search listed these photos), when they are some of them
    but not all (a listing of everything picks nothing) and at most a handful."""
    hits = _choices_in(choices, found)
    return hits if 0 < len(hits) < len(set(choices)) and len(hits) <= _MAX_FOUND else []


def _key(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


def near_choice(choices: tuple[str, ...], asked: str) -> tuple[str, str] | None:
    """``(choice, word)``: the one choice that shares a distinctive word with what the model asked for
    ('team meeting time' and 'Team standup' share 'team'), if exactly one choice shares any. A word
    several choices hold picks none of them: the store's name in ``add_to_food_cart(item="fries,
    vanilla milkshake", store="Burger Barn")`` is no sign of a "Classic burger" (ma-062 at 6ab0b5e)."""
    wanted = {_key(w) for w in _words(asked).split() if len(w) >= 4 and w not in _COMMON and not w.isdigit()}
    if not wanted:
        return None
    held = {c: [w for w in _words(c).split() if _key(w) in wanted] for c in dict.fromkeys(choices)}
    holders = Counter(_key(w) for words in held.values() for w in set(words))
    shared = {c: distinct[0] for c, words in held.items() if (distinct := [w for w in words if holders[_key(w)] == 1])}
    return next(iter(shared.items())) if len(shared) == 1 else None


def _arg_texts(args: dict) -> list[str]:
    """A call's text arguments, lists' items included."""
    return [t for v in args.values() for t in (v if isinstance(v, list) else [v]) if isinstance(t, str)]


def _texts(args: dict) -> str:
    """A call's text arguments, lists' items included, as one text."""
    return " ".join(_arg_texts(args))


def _parts(args: dict) -> set[str]:
    """Each text argument's parts (split at commas, semicolons and "and"; a list's items), as words."""
    return {w for t in _arg_texts(args) for part in _LIST.split(t) if (w := _words(part))}


def _in_list(args: dict, word: str, choice: str, choices: tuple[str, ...]) -> str | None:
    """``key='...'``: the text argument that lists several of the ``choices`` and one thing that is none,
    which holds ``word``, with that one replaced by ``choice`` ("fries, vanilla milkshake": "fries,
    Chocolate milkshake"); None if no argument is such a list ("123 Main St, San Francisco" is one place)."""
    known = {_words(c) for c in choices}
    for key, value in args.items():
        parts = [p.strip() for p in _LIST.split(value) if p.strip()] if isinstance(value, str) else []
        holding = [p for p in parts if word in {_key(w) for w in _words(p).split()}]
        if len(parts) >= 2 and len(holding) == 1 and all(_words(p) in known for p in parts if p != holding[0]):
            return f"{key}={value.replace(holding[0], choice, 1)!r}"
    return None


def choice_hint(choices: tuple[str, ...], *, tool: str, said: str, found: str, args: dict) -> str:
    """The sentence to add to a failed call's error, or an empty string.

    Args:
        choices: The existing things the error lists (``ModelRetry.choices``).
        tool: The failed call's function (a small model given a file's new path calls another one).
        said: The user's words (the request, the step).
        found: What the results so far showed (successful calls, earlier steps' results).
        args: The failed call's arguments.
    """
    # a choice the call gave word for word, as one of its parts ("fries, vanilla milkshake"), is not what
    # failed: pointing at it sent a small model back to order the fries alone (ma-062 at 134ee58)
    given, listed = _parts(args), choices
    choices = tuple(c for c in choices if _words(c) not in given)
    if not choices:
        return ""
    if hint := named_choice(choices, said):
        return f' The request says "{hint}": use {hint!r}.'
    if hits := found_choices(choices, found):
        return (f" The results above found {', '.join(map(repr, hits))}: call {tool} again with "
                f"{'that' if len(hits) == 1 else 'those'}.")
    if near := near_choice(choices, _texts(args)):
        choice, word = near
        # in a list, the whole list with that one replaced: told to use the shake, a small model added the
        # shake alone and the fries were never ordered (ma-062 at 4402a00)
        use = _in_list(args, _key(word), choice, listed) or repr(choice)
        return f" Only {choice!r} shares the word {word!r} with your call: use {use} if that is the one meant."
    return ""
