"""Translate app: an offline phrase table among a few languages, a small dictionary, a phrasebook."""

from __future__ import annotations

import re
import unicodedata

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import next_id
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "get_definition", "get_translation", "list_saved_translations",
           "list_translation_languages", "save_translation"]

_NATIVE = {"espanol": "es", "castellano": "es", "francais": "fr", "deutsch": "de", "italiano": "it"}


def _key(text: str) -> str:
    """Lower-case, accents and punctuation dropped: ``"¿Dónde está?"`` -> ``"donde esta"``."""
    plain = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain.lower().replace("'", "")).split())


def _language(data: dict, language: str) -> str:
    q = _key(language).removesuffix(" language")
    for code, name in data["languages"].items():
        if q in (code, _key(name)):
            return code
    if q in _NATIVE:
        return _NATIVE[q]
    raise ToolExecutionError(f"no offline translation for the language {language!r}; languages: "
                             + ", ".join(sorted(data["languages"].values())))


def _translate(data: dict, text: str, to_language: str, from_language: str | None) -> dict:
    target = _language(data, to_language)
    source = _language(data, from_language) if from_language else None
    q = _key(text)
    if not q:
        raise ToolExecutionError("nothing to translate: the text is empty")
    for row in data["phrases"]:
        for code in [source] if source else list(data["languages"]):
            forms = [row[code], *(row.get("also", []) if code == "en" else [])]
            if q in (_key(f) for f in forms):
                if code == target:
                    raise ToolExecutionError(f"{text!r} is already {data['languages'][target]}")
                return {"text": text, "from": data["languages"][code], "to": data["languages"][target],
                        "translation": row[target]}
    known = "; ".join(row["en"] for row in data["phrases"])
    raise ToolExecutionError(f"no offline translation for {text!r}. Known phrases (in English): {known}")


@tool(app="translate", scopes=["translate.read"], examples=[
    "How do you say thank you in French?",
    "Translate 'where is the train station' into German",
    "What does 'la cuenta, por favor' mean?",
    "Say 'a table for two, please' in Italian",
])
def get_translation(phone: Injected[Phone], text: str, to_language: str = "English",
                    from_language: str | None = None) -> dict:
    """Translate a common phrase among English, Spanish, French, German and Italian (offline).

    Args:
        text: The words to translate, as the user gave them.
        to_language: The language to translate into (default English).
        from_language: The language of the text, if the user said; leave empty to detect it.
    """
    return _translate(phone.state()["translate"], text, to_language, from_language)


@tool(app="translate", scopes=["translate.read"], examples=[
    "What does serendipity mean?",
    "Define ephemeral",
    "What's the meaning of the word frugal?",
])
def get_definition(phone: Injected[Phone], word: str) -> dict:
    """Look up an English word's meaning and part of speech in the offline dictionary.

    Args:
        word: The word to define.
    """
    q = _key(word).removeprefix("the word ").strip()
    for entry in phone.state()["translate"]["dictionary"]:
        if entry["word"] == q:
            return entry
    raise ToolExecutionError(f"{word!r} is not in the offline dictionary")


@tool(app="translate", scopes=["translate.read"], examples=[
    "Which languages can you translate?",
    "What languages does the translator support?",
    "Can you translate to Japanese?",
])
def list_translation_languages(phone: Injected[Phone]) -> list[str]:
    """List the languages the offline translator supports."""
    return sorted(phone.state()["translate"]["languages"].values())


@tool(app="translate", changes_state=True, rehearsable=True, scopes=["translate.write"], examples=[
    "Save 'where is the bathroom' in Spanish to my phrasebook",
    "Add the German for 'thank you' to my saved phrases",
    "Keep the French for 'the check, please' in my phrasebook",
])
def save_translation(phone: Injected[Phone], text: str, to_language: str,
                     from_language: str | None = None) -> dict:
    """Translate a phrase and save it to the phrasebook for later.

    Args:
        text: The words to translate, as the user gave them.
        to_language: The language to translate into.
        from_language: The language of the text, if the user said; leave empty to detect it.
    """
    with phone.transaction() as s:
        data = s["translate"]
        result = _translate(data, text, to_language, from_language)
        if any(_key(e["text"]) == _key(text) and e["to"] == result["to"] for e in data["saved"]):
            raise ToolExecutionError(f"{text!r} in {result['to']} is already in the phrasebook")
        record = {"id": next_id(data["saved"], "sv"), **result, "saved": phone.now.isoformat(timespec="seconds")}
        data["saved"].append(record)
    return record


@tool(app="translate", scopes=["translate.read"], examples=[
    "Show my phrasebook",
    "What phrases have I saved?",
    "List my saved translations",
])
def list_saved_translations(phone: Injected[Phone]) -> list[dict]:
    """List the phrases saved in the phrasebook with their translations."""
    return phone.state()["translate"]["saved"]


TOOLS = [get_translation, get_definition, list_translation_languages, save_translation, list_saved_translations]
