"""Search tools fall back to their best partial matches when no record holds every query word."""

from __future__ import annotations

from agentkit.tools.phone._lookup import ranked
from phone_calls import call, fails


def _names(rows: list[dict], key: str = "name") -> list[str]:
    return [r[key] for r in rows]


def test_ranked_keeps_full_matches_then_falls_back_to_the_best_half():
    rows = [{"t": "red apple"}, {"t": "green apple pie"}, {"t": "pear"}, {"t": "apple pie"}]

    def find(words: list[str]) -> list[str]:
        return [r["t"] for r in ranked(rows, words, lambda r: r["t"])]

    assert find(["apple"]) == ["red apple", "green apple pie", "apple pie"]
    assert find([]) == ["red apple", "green apple pie", "pear", "apple pie"]
    assert find(["apple", "pie", "tart", "cake"]) == ["green apple pie", "apple pie"]  # 2 of 4, in order
    assert find(["apple", "tart", "cake"]) == []  # 1 of 3 is under half
    assert find(["the", "apple", "for", "tart"]) == ["red apple", "green apple pie", "apple pie"]  # fillers don't count
    # several texts: all words in one text, or the most words across them
    assert ranked([{"t": "pie"}], ["apple", "pie"], lambda r: ["apple", r["t"]]) == [{"t": "pie"}]


def test_a_long_delivery_query_finds_the_store_by_name_and_dishes(phone):
    found = call(phone, "search_food_delivery", query="margherita pizza garlic knots pizza palace")
    assert _names(found, "store") == ["Pizza Palace"]
    assert {"Margherita pizza", "Garlic knots"} <= set(_names(found[0]["items"]))
    assert "Tiramisu" not in _names(found[0]["items"])
    # the store's name alone matched enough: its whole menu
    sushi = call(phone, "search_food_delivery", query="sushi express tonight")
    assert _names(sushi, "store") == ["Sushi Express"] and len(sushi[0]["items"]) == 4


def test_partial_queries_return_the_best_match(phone):
    assert _names(call(phone, "find_events", query="dentist appointment downtown clinic"), "title") == [
        "Dentist appointment"]
    assert [m["id"] for m in call(phone, "search_emails", query="flight confirmation united airlines")] == ["em2"]
    assert [f["path"] for f in call(phone, "search_files", query="my boarding pass pdf document")] == [
        "/Downloads/boarding_pass_SH212.pdf"]
    assert _names(call(phone, "search_places", query="italian restaurant mission district dinner")) == [
        "Bella Napoli"]
    assert _names(call(phone, "search_music", query="lighthouse lanterns acoustic")["songs"], "title") == [
        "Lighthouse"]
    assert _names(call(phone, "search_products", query="wireless earbuds noise cancelling")) == [
        "Wireless earbuds", "Noise-cancelling headphones"]  # a tie, cheapest first
    # playing is an action, not a search: a partial match is refused rather than guessed
    fails(phone, "play_music", "nothing in the library", query="Lighthouse by The Lanterns")


def test_event_search_ignores_the_words_that_say_when(phone):
    def titles(query: str) -> list[str]:
        return _names(call(phone, "find_events", query=query), "title")

    assert titles("team meeting time") == titles("team meeting this morning") == ["Team standup"]
    assert titles("dentist checkup this afternoon") == ["Dentist appointment"]
    assert titles("game night") == ["Game night"]
    assert titles("friday lunch") == ["Lunch with Alice"]
    fails(phone, "find_events", "no event matches", query="today")  # only when-words: nothing to look for


def test_queries_sharing_under_half_their_words_find_nothing(phone):
    assert call(phone, "search_food_delivery", query="tacos burritos pizza") == []
    assert call(phone, "search_products", query="purple yoga mat extra thick") == []
    assert call(phone, "search_music", query="smooth jazz songs") == {"songs": [], "playlists": []}
    assert call(phone, "search_emails", query="pumpkin", folder="inbox") == []


def test_exact_queries_return_what_they_did_before(phone):
    assert call(phone, "search_food_delivery", query="margherita pizza") == [
        {"store": "Pizza Palace", "cuisine": "Pizza", "eta_minutes": 35, "fee": 2.99,
         "items": [{"name": "Margherita pizza", "price": 14.5}]}]
    assert [(s["store"], _names(s["items"])) for s in call(phone, "search_food_delivery", query="chicken")] == [
        ("Pho Saigon", ["Chicken pho"]), ("Sushi Express", ["Chicken teriyaki bowl"])]
    assert _names(call(phone, "search_products", query="yoga mat", max_price=50)) == ["Yoga mat"]
    assert call(phone, "search_products", query="headphones", max_price=50) == []  # the budget does not widen it
    assert _names(call(phone, "search_places", query="coffee shop nearby")) == ["Ritual Coffee", "Blue Bottle Coffee"]
    assert [m["id"] for m in call(phone, "search_emails", query="flight")] == ["em2"]
