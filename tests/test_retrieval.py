"""ToolIndex: retrieving the few relevant tools for a request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agentkit.testing import HashEmbedder
from agentkit.tools import Tool, ToolRegistry, tool
from agentkit.tools.openai_format import import_openai_tools
from agentkit.tools.retrieval import ToolHit, ToolIndex


@tool(app="clock", examples=["Wake me up at 7am", "Set an alarm for six thirty tomorrow"])
def set_alarm(time: str, label: str = "") -> dict:
    """Set an alarm that rings at a given time.

    Args:
        time: Time of day, like 07:00.
        label: Optional name for the alarm.
    """
    return {}


@tool(app="clock", examples=["Start a timer for ten minutes", "Count down 5 minutes"])
def start_timer(minutes: int) -> dict:
    """Start a countdown timer.

    Args:
        minutes: Length of the timer in minutes.
    """
    return {}


@tool(app="weather", examples=["What's the weather tomorrow?", "Will it rain in Paris today"])
def get_forecast(city: str) -> dict:
    """Get the weather forecast for a city.

    Args:
        city: City name.
    """
    return {}


@tool(app="contacts", examples=["What's Alice's phone number?", "Find Bob in my contacts"])
def find_contact(query: str) -> dict:
    """Look up a contact by name.

    Args:
        query: Part of the contact's name.
    """
    return {}


@tool(app="calendar", examples=["Add a meeting with Dana on Friday at 3pm", "Put lunch on my calendar"])
def create_event(title: str, start: str) -> dict:
    """Create a calendar event.

    Args:
        title: What the event is.
        start: When it starts, ISO 8601.
    """
    return {}


def make_send_message(examples: list[str]) -> Tool:
    def send_message(to: str, body: str) -> dict:
        """Send a text message to a contact.

        Args:
            to: Contact name or phone number.
            body: The message text.
        """
        return {}

    return tool(send_message, app="messages", examples=examples)


SEND_MESSAGE = make_send_message(["Text Alice that I'm running late", "Send a message to Bob"])
TOOLS = [set_alarm, start_timer, get_forecast, find_contact, create_event, SEND_MESSAGE]


def docs_of(t: Tool) -> int:
    return 1 + len(t.examples)


@pytest.fixture
def index() -> ToolIndex:
    return ToolIndex(ToolRegistry(TOOLS), HashEmbedder())


@pytest.mark.parametrize("query, expected", [
    ("set an alarm for 7am", "set_alarm"),
    ("start a timer for 3 minutes", "start_timer"),
    ("will it rain tomorrow", "get_forecast"),
    ("text Carol that I'm late", "send_message"),
    ("add a meeting on my calendar", "create_event"),
    ("find Alice's phone number", "find_contact"),
])
def test_search_puts_the_right_tool_first(index, query, expected):
    hits = index.search(query, k=3)
    assert hits[0].tool.name == expected
    assert all(isinstance(h, ToolHit) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_respects_k_and_returns_distinct_tools(index):
    assert len(index.search("alarm", k=2)) == 2
    hits = index.search("alarm", k=50)
    assert len(hits) == len(TOOLS)
    assert len({h.tool.name for h in hits}) == len(TOOLS)
    assert index.search("alarm", k=0) == []


def test_search_filters_by_app(index):
    hits = index.search("set an alarm for 7am", k=5, apps={"weather", "contacts"})
    assert {h.tool.app for h in hits} == {"weather", "contacts"}
    assert index.search("set an alarm", apps=[]) == []


def test_search_embeds_the_query_once():
    embedder = HashEmbedder()
    index = ToolIndex(ToolRegistry(TOOLS), embedder)
    embedder.calls.clear()
    index.search("wake me up", k=3)
    assert embedder.calls == [["wake me up"]]


def test_in_memory_indexes_are_independent():
    small = ToolIndex(ToolRegistry([set_alarm]), HashEmbedder())
    full = ToolIndex(ToolRegistry(TOOLS), HashEmbedder())
    assert [h.tool.name for h in small.search("weather", k=5)] == ["set_alarm"]
    assert len(full.search("weather", k=10)) == len(TOOLS)


def test_sync_embeds_only_tools_added_since(index):
    assert index.sync() == 0
    @tool(app="music", examples=["Play some jazz"])
    def play_music(query: str) -> dict:
        """Play a song, album or playlist.

        Args:
            query: What to play.
        """
        return {}

    index.registry.add(play_music)
    assert index.sync() == docs_of(play_music)
    assert index.search("play jazz music", k=1)[0].tool.name == "play_music"


def test_reopened_persistent_index_embeds_nothing(tmp_path):
    first = HashEmbedder()
    ToolIndex(ToolRegistry(TOOLS), first, path=tmp_path)
    assert sum(map(len, first.calls)) == sum(map(docs_of, TOOLS))

    again = HashEmbedder()
    index = ToolIndex(ToolRegistry(TOOLS), again, path=tmp_path)
    assert again.calls == []
    assert index.sync() == 0
    assert index.search("wake me up at 7", k=1)[0].tool.name == "set_alarm"


def test_changed_tool_is_the_only_one_re_embedded(tmp_path):
    ToolIndex(ToolRegistry(TOOLS), HashEmbedder(), path=tmp_path)
    changed = make_send_message(["Shoot Bob a quick note"])
    embedder = HashEmbedder()
    index = ToolIndex(ToolRegistry([*TOOLS[:-1], changed]), embedder, path=tmp_path)
    assert embedder.calls == [[
        "send message (messages): Send a text message to a contact. (to, body)", "Shoot Bob a quick note",
    ]]
    assert index.search("shoot a quick note", k=1)[0].tool is changed


def test_removed_tool_disappears(tmp_path):
    ToolIndex(ToolRegistry(TOOLS), HashEmbedder(), path=tmp_path)
    index = ToolIndex(ToolRegistry(TOOLS[1:]), HashEmbedder(), path=tmp_path)
    assert index.sync() == 0
    names = {h.tool.name for h in index.search("set an alarm for 7am", k=50)}
    assert names == {t.name for t in TOOLS[1:]}


def test_another_embedder_re_embeds_everything(tmp_path):
    ToolIndex(ToolRegistry(TOOLS), HashEmbedder(), path=tmp_path)
    other = HashEmbedder(dim=64)
    index = ToolIndex(ToolRegistry(TOOLS), other, path=tmp_path)
    assert sum(map(len, other.calls)) == sum(map(docs_of, TOOLS))
    assert index.search("wake me up at 7", k=1)[0].tool.name == "set_alarm"


@pytest.mark.slow
def test_real_embedder_finds_tools_by_meaning():
    from agentkit.embeddings import default_embedder

    index = ToolIndex(ToolRegistry(TOOLS), default_embedder())
    assert index.search("wake me up at seven", k=1)[0].tool.name == "set_alarm"
    assert index.search("is it going to be sunny in Rome?", k=1)[0].tool.name == "get_forecast"
    # The agent is shown the top few tools, so paraphrases only need to land there;
    # all-MiniLM-L6-v2 ranks some of these second or third (e.g. "half past six"
    # sits close to the timer's "Count down 5 minutes").
    cases = {
        "I need to get up at half past six": "set_alarm",
        "let Mum know I'll be home soon": "send_message",
        "remind me in 15 minutes to take the pasta off": "start_timer",
        "schedule a dentist appointment next Tuesday": "create_event",
        "what's Carol's number": "find_contact",
    }
    for query, expected in cases.items():
        hits = index.search(query, k=3)
        assert expected in [h.tool.name for h in hits], (query, [(h.tool.name, h.score) for h in hits])
        assert all(-1.0 <= h.score <= 1.0 + 1e-6 for h in hits)


# -- persistence, at the document level ------------------------------------------------------------

class CountingEmbedder(HashEmbedder):
    """A HashEmbedder that also counts the texts it embeds."""

    @property
    def embedded(self) -> int:
        return sum(map(len, self.calls))


def stored_ids(path, tool_name: str) -> list[str]:
    """Ids of the documents a persistent index at ``path`` holds for one tool, read with Chroma."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    return sorted(client.get_collection("tools").get(where={"tool": tool_name}, include=[])["ids"])


def test_reopened_index_embeds_nothing_and_still_finds_tools_by_their_words(tmp_path):
    ToolIndex(ToolRegistry(TOOLS), CountingEmbedder(), path=tmp_path)
    again = CountingEmbedder()
    index = ToolIndex(ToolRegistry(list(reversed(TOOLS))), again, path=tmp_path)
    assert again.embedded == 0
    assert index.sync() == 0
    assert again.calls == []
    # the word index is rebuilt from the registry on open, with no model call
    assert index.search("countdown timer minutes", k=1)[0].tool.name == "start_timer"
    assert again.calls == [["countdown timer minutes"]]


def test_changing_one_tool_re_embeds_its_documents_and_deletes_its_stale_ones(tmp_path):
    index = ToolIndex(ToolRegistry(TOOLS), CountingEmbedder(), path=tmp_path)
    before = stored_ids(tmp_path, "send_message")
    assert len(before) == docs_of(SEND_MESSAGE)
    others = {t.name: stored_ids(tmp_path, t.name) for t in TOOLS[:-1]}

    changed = make_send_message(["Shoot Bob a quick note", "Drop Carol a line", "Ping the team"])
    embedder = CountingEmbedder()
    index.embedder = embedder
    index.registry = ToolRegistry([*TOOLS[:-1], changed])
    assert index.sync() == docs_of(changed)
    assert embedder.embedded == docs_of(changed)
    after = stored_ids(tmp_path, "send_message")
    assert len(after) == docs_of(changed)
    assert not set(before) & set(after)  # every stale document of the old version is gone
    assert {t: stored_ids(tmp_path, t) for t in others} == others  # nobody else was touched
    assert index.sync() == 0
    assert index.search("drop Carol a line", k=1)[0].tool is changed


def test_search_scores_stay_on_the_cosine_scale_and_fall_with_rank(index):
    hits = index.search("set an alarm for 7am", k=len(TOOLS))
    assert all(-1.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_tool_without_examples_is_not_penalised_for_having_one_document():
    @tool(app="notes")
    def create_note(title: str) -> dict:
        """Create a new note with a title.

        Args:
            title: The note's title.
        """
        return {}

    index = ToolIndex(ToolRegistry([*TOOLS, create_note]), HashEmbedder())
    # its only document, word for word: as close as a tool gets (a tool's score averages
    # its two best documents, and this one has no second to drag it down)
    [hit] = index.search("create note (notes): Create a new note with a title. (title)", k=1)
    assert hit.tool.name == "create_note"
    assert hit.score == pytest.approx(1.0)


# -- the benchmark's tool bank and labelled requests --------------------------------------------------

BENCH_DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data"


@pytest.fixture(scope="module")
def toolbank() -> list[Tool]:
    definitions = json.loads((BENCH_DATA / "toolbank.json").read_text())

    def not_run(name: str, arguments: dict) -> None:
        raise RuntimeError(name)

    return import_openai_tools(definitions, not_run)


def test_toolbank_imports_and_its_names_are_unique_beside_the_built_ins(toolbank):
    from agentkit.tools.phone.apps import TOOLS as PHONE_TOOLS

    registry = ToolRegistry([*PHONE_TOOLS, *toolbank])  # raises on a name taken twice
    assert len(toolbank) >= 900
    assert len(registry) == len(PHONE_TOOLS) + len(toolbank) >= 1000
    assert len({t.app for t in toolbank}) >= 60
    assert not {t.app for t in toolbank} & {t.app for t in PHONE_TOOLS}
    assert all(2 <= len(t.examples) <= 3 for t in toolbank)


def test_toolbank_file_is_what_its_generator_writes():
    import importlib.util

    path = BENCH_DATA.parent / "make_toolbank.py"
    spec = importlib.util.spec_from_file_location("make_toolbank", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = json.loads((BENCH_DATA / "toolbank.json").read_text())
    assert module.read_spec(module.SPEC.read_text()) == written


def test_labelled_requests_name_existing_tools_and_copy_no_example(toolbank):
    from agentkit.tools.phone.apps import TOOLS as PHONE_TOOLS

    registry = ToolRegistry([*PHONE_TOOLS, *toolbank])
    lines = (BENCH_DATA / "retrieval_queries.jsonl").read_text().splitlines()
    requests = [json.loads(line) for line in lines if line.strip()]
    assert len(requests) >= 220
    assert all(set(r) == {"query", "expected"} and r["expected"] for r in requests)
    missing = sorted({n for r in requests for n in r["expected"] if n not in registry})
    assert missing == []
    assert len({r["query"] for r in requests}) == len(requests)

    def normal(text: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()

    examples = {normal(e) for t in registry for e in t.examples}
    assert [r["query"] for r in requests if normal(r["query"]) in examples] == []


def test_labelled_plan_steps_name_existing_tools_and_multi_app_tasks():
    from agentkit.evals import load_suite
    from agentkit.tools.phone.apps import TOOLS as PHONE_TOOLS

    names = {t.name for t in PHONE_TOOLS}
    tasks = {t.id: t for t in load_suite("multi-app").tasks}
    lines = [*(BENCH_DATA / "plan_steps.jsonl").read_text().splitlines(),
             *(BENCH_DATA / "plan_steps_heldout.jsonl").read_text().splitlines()]
    steps = [json.loads(line) for line in lines if line.strip()]
    assert len(steps) >= 50
    for s in steps:
        assert set(s) == {"task", "query", "expected"} and s["expected"], s
        assert s["task"] in tasks and set(s["expected"]) <= names, s
    assert len({(s["task"], s["query"]) for s in steps}) == len(steps)


def _third_party_chat() -> Tool:
    def pingo_send_chat(to: str, body: str) -> dict:
        """Send a text message to a contact.

        Args:
            to: Contact name or phone number.
            body: The message text.
        """
        return {}

    return tool(pingo_send_chat, app="pingo", examples=["Text Carol that I'm late", "Send a message to Bob"])


def test_default_apps_win_near_ties_unless_the_request_names_another_app():
    registry = ToolRegistry([*TOOLS, _third_party_chat()])
    plain = ToolIndex(registry, HashEmbedder())
    preferring = ToolIndex(registry, HashEmbedder(), default_apps={"messages", "clock"})

    def top(index: ToolIndex, query: str) -> list[tuple[str, float]]:
        return [(h.tool.name, round(h.score, 6)) for h in index.search(query, 2)]

    # a near tie (the third-party tool ahead by less than the 0.04 preference)
    near = top(plain, "tell Bob I'm late")
    assert [name for name, _ in near] == ["pingo_send_chat", "send_message"]
    assert 0 < near[0][1] - near[1][1] < 0.04
    # the default app takes it; scores are reported as they are, without the preference
    assert top(preferring, "tell Bob I'm late") == near[::-1]
    # naming the other app (in any case, its words in order) turns the preference off
    assert top(preferring, "tell Bob I'm late on Pingo")[0][0] == "pingo_send_chat"
    assert top(preferring, "tell Bob I'm late on Pingo") == top(plain, "tell Bob I'm late on Pingo")
    # a clear lead is not overturned
    clear = top(plain, "text Carol")
    assert clear[0][0] == "pingo_send_chat" and clear[0][1] - clear[1][1] > 0.04
    assert top(preferring, "text Carol") == clear


@tool(app="wallet", examples=["Pay Dave's money request", "Settle what I owe Dave"])
def pay_request(request: str) -> dict:
    """Pay a pending money request.

    Args:
        request: Who sent it or what it is for.
    """
    return {}


@tool(app="messages", examples=["Text Alice that I'll be late", "Text Bob the address"])
def text_someone(to: str, body: str) -> dict:
    """Send a text message.

    Args:
        to: Contact name.
        body: The text.
    """
    return {}


@tool(app="delivery", examples=["Order a pizza for delivery"])
def order_food(item: str) -> dict:
    """Order food for delivery.

    Args:
        item: The dish.
    """
    return {}


def test_tools_whose_examples_lead_with_the_requests_verb_get_a_bonus_when_asked():
    from agentkit.tools import retrieval

    registry = ToolRegistry([pay_request, text_someone, order_food])
    without = {h.tool.name: h.score for h in ToolIndex(registry, HashEmbedder()).search("Text Dave that it's paid", 3)}
    index = ToolIndex(registry, HashEmbedder(), verb_weight=retrieval.VERB_WEIGHT)
    with_verb = {h.tool.name: h.score for h in index.search("Text Dave that it's paid", 3)}
    assert with_verb["text_someone"] - without["text_someone"] == pytest.approx(0.08)
    assert with_verb["pay_request"] == pytest.approx(without["pay_request"])
    # the verb is the first word past politeness; a question leads with none
    assert retrieval._leading_word("Please text Dave") == "text"
    assert retrieval._leading_word("What's the weather?") is None


def test_an_app_the_request_names_something_of_ranks_first():
    from agentkit.tools.retrieval import apps_named

    vocabulary = {"delivery": ["Burger Barn", "Morning Bakery"], "shopping": ["Travel backpack"]}
    assert apps_named("Find a BURGER BARN near me", vocabulary) == {"delivery"}
    assert apps_named("find burger barns", vocabulary) == set()  # whole words only
    assert apps_named("buy the Northway travel backpack from Morning Bakery", vocabulary) == {"delivery", "shopping"}
    index = ToolIndex(ToolRegistry([pay_request, text_someone, order_food]), HashEmbedder())
    plain = index.search("Find Burger Barn", 3)
    named = index.search("Find Burger Barn", 3, named_apps={"delivery"})
    assert plain[0].tool.name != "order_food" and named[0].tool.name == "order_food"
    # the preference moves the ranking, not the scores
    assert {h.tool.name: h.score for h in plain} == {h.tool.name: h.score for h in named}


def test_the_phone_vocabulary_holds_its_stores_products_songs_and_places():
    from agentkit.tools.phone import Phone

    vocabulary = Phone().vocabulary()
    assert "Burger Barn" in vocabulary["delivery"] and "Luigi's" in vocabulary["restaurants"]
    assert "Wool scarf" in vocabulary["shopping"] and "Lighthouse" in vocabulary["music"]
    assert "Bright Smile Dental" in vocabulary["maps"] and "Home" not in vocabulary["maps"]


class RuleEmbedder:
    """Embeds a text as the unit vector at the angle its first matching rule gives, so that each
    document's cosine similarity to a query (angle 0) is set by the test."""

    name = "rule-embedder"

    def __init__(self, rules: dict[str, float]) -> None:
        self.rules = rules  # word in the text -> cosine similarity to a query

    def embed(self, texts):
        import math

        out = []
        for text in texts:
            cos = next((c for word, c in self.rules.items() if word in text.lower()), 1.0)
            out.append([cos, math.sqrt(max(0.0, 1 - cos * cos))])
        return out


def _quiet_tool(name: str, app: str, word: str, params: list[str], examples: list[str]) -> Tool:
    """A tool whose documents all hold ``word`` (its rule in RuleEmbedder) and share no word with the queries."""
    props = {p: {"type": "number" if p == "amount" else "string"} for p in params}
    return Tool.from_schema(name, f"The {word} tool.", {"type": "object", "properties": props},
                            lambda **kw: {}, app=app, examples=[f"{e} {word}" for e in examples])


def test_a_stated_sum_of_money_ranks_tools_with_an_amount_a_little_higher():
    registry = ToolRegistry([_quiet_tool("hand_over", "wallet", "zebra", ["to", "amount"], ["cash over"]),
                             _quiet_tool("find_party", "calendar", "yak", ["query"], ["party listing"])])
    index = ToolIndex(registry, RuleEmbedder({"zebra": 0.50, "yak": 0.53}))

    def ranked(query: str) -> list[tuple[str, float]]:
        return [(h.tool.name, round(h.score, 6)) for h in index.search(query, 2)]

    plain = ranked("Give Jack 18 for the pizza")
    assert [n for n, _ in plain] == ["find_party", "hand_over"]  # 0.03 behind without a sum
    for said in ("Give Jack $18 for the pizza", "Give Jack 18 dollars for the pizza", "Give Jack €7.50"):
        assert [n for n, _ in ranked(said)] == ["hand_over", "find_party"], said
    assert ranked("Give Jack $18 for the pizza") == plain[::-1]  # the ranking moves, not the scores
    # a number that is no sum of money changes nothing
    assert [n for n, _ in ranked("Give Jack 18 slices of pizza")] == ["find_party", "hand_over"]


def test_the_one_tool_whose_examples_lead_with_the_requests_verb_is_offered_last_rather_than_not_at_all():
    tools = [_quiet_tool("a_tool", "a", "ant", [], ["Look up"]), _quiet_tool("b_tool", "b", "bee", [], ["Look up"]),
             _quiet_tool("c_tool", "c", "cat", [], ["Look up"]), _quiet_tool("mail", "email", "dog", [], ["Email Bob"]),
             _quiet_tool("call", "calls", "eel", [], ["Ring Mom"]), _quiet_tool("ring_bell", "home", "fox", [], ["Ring"])]
    index = ToolIndex(ToolRegistry(tools), RuleEmbedder({"ant": 0.9, "bee": 0.8, "cat": 0.7, "dog": 0.4,
                                                         "eel": 0.3, "fox": 0.2}))

    def names(query: str, k: int) -> list[str]:
        return [h.tool.name for h in index.search(query, k)]

    assert names("Tell the dentist I'm late", 6) == ["a_tool", "b_tool", "c_tool", "mail", "call", "ring_bell"]
    # "email" leads only mail's examples: it takes the last of three places; the others keep their order
    assert names("Email the dentist I'm late", 3) == ["a_tool", "b_tool", "mail"]
    assert names("Please email the dentist", 4) == ["a_tool", "b_tool", "c_tool", "mail"]
    # a verb that leads two tools' examples, or one already offered, moves nothing
    assert names("Ring the dentist", 3) == ["a_tool", "b_tool", "c_tool"]
    assert names("Email the dentist", 5) == ["a_tool", "b_tool", "c_tool", "mail", "call"]
    # nor does it take the only place or one of two: those stay the best by meaning
    assert names("Email the dentist", 2) == ["a_tool", "b_tool"]


def test_an_app_the_request_calls_by_name_ranks_its_tools_a_little_higher():
    registry = ToolRegistry([_quiet_tool("jot_down", "notes", "yak", ["text"], ["jotting"]),
                             _quiet_tool("open_page", "web", "gnu", ["url"], ["page opened"])])
    # (a tool's first document holds its app's name, so "notes" also scores as a shared word: the
    # queries say "note", which shares none)
    index = ToolIndex(registry, RuleEmbedder({"yak": 0.50, "gnu": 0.56}))

    def ranked(query: str) -> list[tuple[str, float]]:
        return [(h.tool.name, round(h.score, 6)) for h in index.search(query, 2)]

    plain = ranked("Put lunch there")
    assert [n for n, _ in plain] == ["open_page", "jot_down"]  # 0.06 ahead when no app is named
    assert [n for n, _ in ranked("Put lunch in a note")] == ["jot_down", "open_page"]
    assert ranked("Put lunch in a note") == plain[::-1]  # the ranking moves, not the scores
    # what the request asks to say names no app to use
    assert [n for n, _ in ranked("Tell Bob that lunch is in a note")] == ["open_page", "jot_down"]
    assert [n for n, _ in ranked('Tell Bob: "lunch is in a note"')] == ["open_page", "jot_down"]
