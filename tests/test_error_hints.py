"""A failed lookup's error points out the existing record the user's request names."""

from agentkit import create_agent
from agentkit.errors import ToolExecutionError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.tools.phone import Phone
from agentkit.tools.phone._lookup import find_record


def test_a_lookup_error_lists_its_choices():
    notes = [{"id": "n1", "title": "Shopping list"}, {"id": "n3", "title": "Packing list"}]
    try:
        find_record(notes, "bag note", kind="note")
    except ToolExecutionError as exc:
        assert exc.choices == ("Shopping list", "Packing list")
        assert "Existing notes: n1: Shopping list; n3: Packing list" in str(exc)
    else:
        raise AssertionError("no error")


def test_the_error_names_the_note_the_request_names_and_the_retry_uses_it(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        call("append_to_note", note="SkyHigh's checked bag weight limit note", text="checked bag up to 23 kg"),
        call("append_to_note", note="Packing list", text="checked bag up to 23 kg"), "Added.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Add SkyHigh's checked bag limit, 23 kg, to my packing list note")
    first = r.tool_calls[0]
    assert not first["ok"] and first["result"].endswith('The request says "Packing list": use \'Packing list\'.')
    assert "23 kg" in next(n for n in phone.state()["notes"] if n["id"] == "n3")["body"]


def test_no_hint_when_the_request_names_no_choice_or_several(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        call("append_to_note", note="bag note", text="23 kg"), "There is no such note.",
        call("append_to_note", note="bag note", text="23 kg"), "There is no such note.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Add 23 kg to my bag note")
    assert "Existing notes" in r.tool_calls[0]["result"] and "The request says" not in r.tool_calls[0]["result"]
    r = agent.run("Add 23 kg to my packing list or my shopping list note")
    assert "Existing notes" in r.tool_calls[-1]["result"] and "The request says" not in r.tool_calls[-1]["result"]


def test_a_placeholder_is_sent_back_and_nothing_is_saved_until_the_real_value_is_found(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("create_note", title="Flight", body="SkyHigh confirmation number: [insert confirmation number here]"),
        call("search_emails", query="SkyHigh"),
        call("create_note", title="Flight", body="SkyHigh confirmation number: K7Q2LM"), "Saved.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Save my SkyHigh confirmation number in a note called Flight")
    first = r.tool_calls[0]
    assert not first["ok"] and "holds a placeholder ('[insert confirmation number here]')" in first["result"]
    assert [c["ok"] for c in r.tool_calls] == [False, True, True]
    new = [n for n in phone.state()["notes"] if n not in before["notes"]]
    assert [n["body"] for n in new] == ["SkyHigh confirmation number: K7Q2LM"]


def test_what_counts_as_a_placeholder():
    from agentkit._grounding import placeholders

    assert placeholders({"to": "<recipient name>", "body": "Hi"}) == {"to": "<recipient name>"}
    assert placeholders({"body": "Your code is XXX"}) == {"body": "XXX"}
    assert placeholders({"items": ["milk", "[your item]"]}) == {"items": "[your item]"}
    # brackets around a value, a heart, a code: values, not gaps
    assert placeholders({"body": "Dinner at 8 [booked]", "title": "Taxes {Q1}", "note": "love you <3",
                         "code": "K7Q2LM", "n": 3}) == {}


def test_a_message_that_copies_the_requests_that_day_is_sent_back(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("get_forecast", city="New York"),
        call("send_message", to="Emma", body="We should do the walking tour that day."),
        call("send_message", to="Emma", body="We should do the walking tour on Friday."), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Which is the first sunny day in New York this week? Text Emma that we should do the walking "
                  "tour that day.")
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert "says 'that day' as the request does" in r.tool_calls[1]["result"]
    new = [m for m in phone.state()["messages"] if m not in before["messages"]]
    assert [m["body"] for m in new] == ["We should do the walking tour on Friday."]


def test_a_failed_call_naming_another_apps_store_is_told_which_app_holds_it(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        call("search_restaurants", cuisine="Burger Barn"),
        call("search_restaurants", cuisine="Fries"),
        call("search_food_delivery", query="Burger Barn"), "Burger Barn delivers fries.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Does Burger Barn have fries?")
    first, second, third = r.tool_calls
    assert not first["ok"] and first["result"].endswith(
        "('Burger Barn' is in the delivery app, not restaurants: use a function of that app.)")
    assert not second["ok"] and "is in the" not in second["result"], second  # it names nothing of another app
    assert third["ok"]
    # a device without a vocabulary: no hint
    model = ScriptedChatModel(replies=[call("search_restaurants", cuisine="Burger Barn"), "No."])
    agent = create_agent(model, registry, context={"phone": phone}, index=index)
    assert "delivery app" not in agent.run("Does Burger Barn have fries?").tool_calls[0]["result"]


def test_what_counts_as_an_unresolved_reference():
    from agentkit._grounding import unresolved_references

    said = "Find the cheapest flight and text Bob that day and the price"
    assert unresolved_references({"to": "Bob", "body": "Flying that day, at that price"}, said) == {
        "body": "that day"}
    assert unresolved_references({"lines": ["ok", "See you That Day"]}, said) == {"lines": "That Day"}
    # the request's own reference only: a message may say "that time" when the request did not
    assert unresolved_references({"body": "Remember that time we went sailing?"}, said) == {}
    assert unresolved_references({"body": "Flying on Friday for $120", "n": 2}, said) == {}


def test_a_date_with_its_time_is_no_made_up_number():
    from agentkit._grounding import invented_numbers

    def nothing():
        return "Book Luigi's on Friday"

    assert invented_numbers({"date": "friday 2026-11-27 19:30", "when": "2026-11-27T19:30:00"}, nothing) == []
    assert invented_numbers({"to": "415 555 0199", "date": "2026-11-27 19:30"}, nothing) == ["to"]


def test_a_day_the_request_does_not_name_is_refused():
    import datetime

    from agentkit._grounding import dated_elsewhere

    today = datetime.date(2026, 11, 25)  # a Wednesday
    said = "Book Curry House for two at noon on Sunday"
    assert dated_elsewhere({"date": "tomorrow"}, said, today) == (["date"], ["sunday"])
    assert dated_elsewhere({"date": "2026-11-28", "time": "12:00"}, said, today) == (["date"], ["sunday"])
    # the named day, in any form; today is dated_today's to judge
    for ok in ("Sunday", "2026-11-29", "2026-11-29T12:00", "2026-11-25"):
        assert dated_elsewhere({"date": ok}, said, today) == ([], ["sunday"]), ok
    # a day found in the results, by date or by name; no day named at all: nothing to judge
    assert dated_elsewhere({"date": "2027-01-12"}, "Put the launch on the new date", today,
                           context="Decisions: launch moves to January 12.")[0] == []
    assert dated_elsewhere({"date": "2026-12-01"}, said, today, context="next free day: 2026-12-01")[0] == []
    assert dated_elsewhere({"date": "tomorrow"}, "Book Curry House for two at noon", today) == ([], [])
    # forms it does not read are left to the tool
    assert dated_elsewhere({"date": "the 3rd"}, said, today) == ([], ["sunday"])
    # "month day" is read as the next such day; a month and day named nowhere is refused
    assert dated_elsewhere({"date": "january 12"}, "Put it on January 12", today) == ([], ["january 12"])
    assert dated_elsewhere({"date": "december 25"}, said, today) == (["date"], ["sunday"])


def test_the_days_an_error_suggests_come_upcoming_first_with_their_iso_dates():
    import datetime

    from agentkit._grounding import dated_elsewhere, day_examples

    today = datetime.date(2026, 11, 25)
    # "yesterday" names when the notes were written, not the day to book: it goes last
    keys, days = dated_elsewhere({"date": "2026-11-12"}, "My notes from yesterday say the launch moved", today,
                                 context="launch moves to January 12.")
    assert keys == ["date"] and days == ["january 12", "yesterday"]
    # a small model turns "january 12" into 2026-11-12 by itself: the error gives the date (next January)
    assert day_examples(days, today) == "'january 12' (2027-01-12) or 'yesterday'"
    assert day_examples(["sunday", "march 3"], today) == "'sunday' or 'march 3' (2027-03-03)"


def test_a_booking_on_a_made_up_day_goes_back_and_the_named_day_is_booked(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("book_table", restaurant="Curry House", date="tomorrow", time="12:00", party_size=2),
        call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Book Curry House for two at noon on Sunday")
    assert [c["ok"] for c in r.tool_calls] == [False, True]
    assert "date='tomorrow' is a day the request does not name: it says sunday" in r.tool_calls[0]["result"]
    new = [b for b in phone.state()["restaurants"]["bookings"] if b not in before["restaurants"]["bookings"]]
    assert [b["date"] for b in new] == ["2026-11-29"]


def test_an_answer_with_a_made_up_number_is_sent_to_search_once(registry, index):
    model = ScriptedChatModel(replies=[
        "The number that texted you is 123-456-7890.",  # nothing was looked up
        call("read_messages"),
        "It was +1 415 555 0199.",
    ])
    agent = create_agent(model, registry, device=Phone(), index=index)
    r = agent.run("What number texted me about my package?")
    assert r.answer == "It was +1 415 555 0199." and not model.replies
    hint = model.calls[1]["messages"][-1]
    assert hint.type == "human" and "appears in no result so far, so it is made up" in hint.content
    assert "123-456-7890" not in hint.content  # (quoting it would make it "seen")
    assert model.calls[1]["tool_choice"] == "required"


def test_an_answer_whose_number_came_from_a_result_stands(registry, index):
    model = ScriptedChatModel(replies=[call("read_messages"), "It was +1 415 555 0199.",
                                       "It is 123-456-7890."])
    agent = create_agent(model, registry, device=Phone(), index=index)
    assert agent.run("What number texted me about my package?").answer == "It was +1 415 555 0199."
    assert len(model.replies) == 1  # no hint: the number is in the messages read
    # a second made-up answer after the hint stands: one hint per turn
    model = ScriptedChatModel(replies=["It is 123-456-7890.", call("search_contacts", query="package"),
                                       "It is 123-456-7890."])
    agent = create_agent(model, registry, device=Phone(), index=index)
    assert agent.run("What number texted me about my package?").answer == "It is 123-456-7890."
    assert not model.replies


def test_what_a_choice_hint_points_at():
    from agentkit._hints import choice_hint as hint

    choices = ("Yoga class", "Team standup", "Dentist appointment", "Game night")
    # the request names one: that one, before anything else
    assert hint(choices, tool="move_event", said="Move my yoga class", found="", args={"event": "yoga"}) == (
        " The request says \"Yoga class\": use 'Yoga class'.")
    # results found some but not all: those
    found = "- title: Game night; id: e7\n- title: Yoga class; id: e1"
    assert hint(choices, tool="move_event", said="Cancel today's things", found=found, args={"event": "e99"}) == (
        " The results above found 'Yoga class', 'Game night': call move_event again with those.")
    # a listing of every choice picks nothing; a word only one choice shares with the call does
    every = "\n".join(choices)
    assert hint(choices, tool="find_events", said="Push my team meeting", found=every,
                args={"query": "team meeting time"}) == (
        " Only 'Team standup' shares the word 'team' with your call: use 'Team standup' if that is the one meant.")
    # a word several choices share, or only words that name nothing: no hint
    assert hint(("Game night", "Movie night"), tool="find_events", said="x", found="", args={"query": "night"}) == ""
    assert hint(choices, tool="move_event", said="x", found="", args={"query": "this time", "n": 3}) == ""
    assert hint((), tool="move_event", said="Move my yoga class", found="", args={}) == ""
    # a choice the call already gave as one of its parts is not what failed (ma-062: "Fries" was found,
    # "vanilla milkshake" was not): the hint looks past it, here to the one other choice sharing a word
    menu = ("Classic burger", "Veggie burger", "Fries", "Chocolate milkshake")
    assert hint(menu, tool="add_to_food_cart", found="", args={"item": "fries, vanilla milkshake"},
                said="Order fries and a vanilla milkshake (chocolate is fine if they have no vanilla)") == (
        " Only 'Chocolate milkshake' shares the word 'milkshake' with your call: use item='fries, Chocolate "
        "milkshake' if that is the one meant.")  # the whole list: the fries were dropped (ma-062 at 4402a00)
    assert hint(menu, tool="add_to_food_cart", found="", args={"item": "vanilla milkshake"}, said="x").endswith(
        "use 'Chocolate milkshake' if that is the one meant.")  # no list: the choice itself
    places = ("Home 1200 Valencia St", "SFO Terminal 2 San Francisco International Airport")
    assert hint(places, tool="get_directions", found="", args={"destination": "123 Main St, San Francisco"},
                said="x").endswith("use 'SFO Terminal 2 San Francisco International Airport' if that is the one "
                                   "meant.")  # an address with a comma is one thing, not a list of the choices
    assert hint(menu, tool="add_to_food_cart", found="", args={"item": ["Fries", "shake"]}, said="fries") == ""
    # the store's name, which two burgers share a word with, does not hide the one milkshake (ma-062 at 6ab0b5e)
    assert hint(menu, tool="add_to_food_cart", found="", args={"item": "fries, vanilla milkshake",
                                                                "store": "Burger Barn"},
                said="Order fries and a vanilla milkshake from Burger Barn (chocolate is fine)").startswith(
        " Only 'Chocolate milkshake' shares the word 'milkshake'")
    # a word several choices hold ("night") picks none; one only one choice holds does
    assert hint(("Game night", "Movie night", "Game day"), tool="find_events", said="x", found="",
                args={"query": "the movie night party"}).startswith(" Only 'Movie night' shares the word 'movie'")


def test_a_failed_album_points_at_the_photos_the_search_found_and_the_retry_uses_them(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        call("search_photos", query="Golden Gate Park"),
        call("create_album", name="Park Day", photos=["photo1", "photo2"]),
        call("create_album", name="Park Day", photos=["Alice by the lake", "Bison in the paddock"]), "Made it.",
    ])
    agent = create_agent(model, registry, device=phone, index=index)
    r = agent.run("Make an album called Park Day with my Golden Gate Park photos")
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert r.tool_calls[1]["result"].endswith(
        "The results above found 'Alice by the lake', 'Bison in the paddock': call create_album again with "
        "those.")
    [album] = [a for a in phone.state()["photos"]["albums"] if a["name"] == "Park Day"]
    assert album["photos"] == ["ph6", "ph7"]


def test_an_event_search_in_other_words_points_at_the_one_event_sharing_a_word(registry, index):
    model = ScriptedChatModel(replies=[call("find_events", query="team sync call"),
                                       call("find_events", query="Team standup"), "At 9:30."])
    agent = create_agent(model, registry, device=Phone(), index=index)
    r = agent.run("When is my team meeting this morning?")
    assert [c["ok"] for c in r.tool_calls] == [False, True]
    assert r.tool_calls[0]["result"].endswith("Only 'Team standup' shares the word 'team' with your call: use "
                                              "'Team standup' if that is the one meant.")


def offered_per_call(registry, index, request, *replies, top_k=1):
    """Run ``request`` with a scripted model: the names of the tools each model call was offered, and the result."""
    model = ScriptedChatModel(replies=list(replies))
    r = create_agent(model, registry, device=Phone(), index=index, top_k=top_k).run(request)
    return [[t["name"] for t in c["tools"]] for c in model.calls], r


def test_a_call_told_another_app_holds_the_thing_gets_that_apps_tools_offered(registry, index):
    menu = call("get_menu", restaurant="Burger Barn")
    (first, then), r = offered_per_call(registry, index, "Show me the menu of the burger place", menu,
                                        "It is a delivery store.")
    assert first == ["get_menu"]
    assert "('Burger Barn' is in the delivery app, not restaurants" in r.tool_calls[0]["result"]
    assert then[0] == "get_menu" and then[1:] and len(then) <= 3
    assert all(registry.get(n).app == "delivery" for n in then[1:])
    # with every tool offered there is nothing to add
    (first, then), _ = offered_per_call(registry, index, "Show me the menu of the burger place", menu,
                                        "It is a delivery store.", top_k=len(registry))
    assert len(then) == len(first) == len(registry)


def test_a_function_an_error_names_is_offered_next(registry, index):
    (first, then), r = offered_per_call(registry, index, "Place my food order",
                                        call("place_food_order", address="work"), "The cart is empty.")
    assert first == ["place_food_order"]
    assert "add_to_food_cart" in r.tool_calls[0]["result"]
    assert then == ["place_food_order", "add_to_food_cart"]
    # a successful call's result names nothing to add, nor does an error naming the offered function
    (first, then), _ = offered_per_call(registry, index, "Show me the menu of Luigi's",
                                        call("get_menu", restaurant="Luigi's"), "Pasta.")
    assert then == first


def test_a_message_sent_back_word_for_word_to_whoever_sent_it_goes_back_to_the_model(registry, index):
    phone = Phone()
    before = phone.state()
    mom_said = "Don't forget Thanksgiving dinner tomorrow at 5! Please bring the pumpkin pie."
    model = ScriptedChatModel(replies=[
        call("read_messages", contact="Mom"),
        call("send_message", to="Mom", body=mom_said),
        call("send_message", to="Mom", body="I landed safely!"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, confirm=False)
    r = agent.run("Text Mom that I landed safely")
    assert mom_said in r.tool_calls[0]["result"]  # the phone holds her message, so the check has work to do
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert "word for word, a message they sent" in r.tool_calls[1]["result"]
    sent = [m["body"] for m in phone.state()["messages"] if m not in before["messages"]]
    assert sent == ["I landed safely!"]


def test_what_counts_as_an_echoed_message():
    from agentkit._grounding import echoed_messages

    results = "- from: Mom; body: Please bring the pumpkin pie.; unread: yes\n- from: Alice; body: See you at lunch today"

    def found():
        return results

    assert echoed_messages({"to": "Mom", "body": "Please bring the pumpkin pie."}, found, "Text Mom I landed") == ["body"]
    assert echoed_messages({"to": ["Mom"], "body": "please bring the pumpkin pie"}, found, "Text Mom") == ["body"]
    # passing someone's words on to another person (forwarding) is no echo
    assert echoed_messages({"to": "Bob", "body": "See you at lunch today"}, found, "Tell Bob what Alice said") == []
    # nor is a text the request itself gives
    assert echoed_messages({"to": "Mom", "body": "Please bring the pumpkin pie."}, found,
                           "Text Mom: please bring the pumpkin pie.") == []
    assert echoed_messages({"to": "Mom", "body": "I landed"}, found, "Text Mom I landed") == []
    # a day is no message (multi-app ma-009: an event's date, found in a step's answer beside its title)
    answer = "Look up the launch date -> The launch date from the meeting notes is November 24, 2026."
    assert echoed_messages({"title": "Launch", "date": "November 24, 2026", "start_time": "9:00"},
                           lambda: answer, "Put the launch on my calendar at 9am on the new date") == []
    assert echoed_messages({"title": "Launch", "body": "the launch date from the meeting notes"},
                           lambda: answer, "Put the launch on my calendar") == ["body"]


def test_a_time_a_booking_was_refused_at_is_not_used_after_another_was_booked(registry, index):
    phone = Phone()
    before = phone.state()
    booking = {"restaurant": "Luigi's", "date": "2026-11-27", "party_size": 2}
    event = {"title": "Dinner at Luigi's", "date": "2026-11-27", "duration_minutes": 90, "location": "Luigi's"}
    model = ScriptedChatModel(replies=[
        call("book_table", **booking, time="19:00"),
        call("book_table", **booking, time="19:30"),
        call("create_event", **event, start_time="7pm"),
        call("create_event", **event, start_time="19:30"), "Booked for 19:30 and on your calendar.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, confirm=False)
    r = agent.run("Book Luigi's for two on Friday at 7pm, or the next free time after that, and put the dinner "
                  "on my calendar.")
    assert "fully booked at 19:00" in r.tool_calls[0]["result"]  # the seed's Friday: the check has work to do
    assert [c["ok"] for c in r.tool_calls] == [False, True, False, True]
    assert "start_time='7pm' has 19:00, which an earlier call was refused at" in r.tool_calls[2]["result"]
    assert "at 19:30: use the time" in r.tool_calls[2]["result"]
    assert "restaurants app" not in r.tool_calls[2]["result"]  # a place is an event's location, not a hint
    made = [e["start"] for e in phone.state()["calendar"] if e not in before["calendar"]]
    assert made == ["2026-11-27T19:30:00"]


def test_what_counts_as_a_refused_time():
    from agentkit._grounding import refused_times

    failed = "Error: Luigi's is fully booked at 19:00 on 2026-11-27; the nearest free times: 19:30, 18:30"
    booked = "restaurant: Luigi's\ndate: 2026-11-27\ntime: 19:30\nparty_size: 2\nstatus: confirmed\nid: b2"
    clock = "date: 2026-11-25\ntime: 09:00\nweekday: Wednesday\ntimezone: America/Los_Angeles"
    assert refused_times({"start_time": "19:00"}, failed, booked) == {"start_time": ("19:00", "19:30")}
    assert refused_times({"body": "Dinner at 7 PM on Friday"}, failed, booked) == {"body": ("19:00", "19:30")}
    assert refused_times({"start": "2026-11-27T19:00:00"}, failed, booked) == {"start": ("19:00", "19:30")}
    assert refused_times({"start_time": "19:30"}, failed, booked) == {}  # the settled time
    assert refused_times({"start_time": "19:00"}, failed, clock) == {}  # a clock reading books nothing
    assert refused_times({"start_time": "19:00"}, "", booked) == {}  # nothing was refused
    other_day = booked.replace("2026-11-27", "2026-11-28")
    assert refused_times({"start_time": "19:00"}, failed, other_day) == {}  # a booking on another day


def test_the_places_a_request_sends_something_to():
    from agentkit._grounding import place_phrases

    assert place_phrases("Order pizza from Pizza Palace to my office, and text Bob") == ["my office"]
    assert place_phrases("Send flowers to Mom's house and a card to Mom's house") == ["Mom's house"]
    assert place_phrases("Get a taxi to work at 9") == ["work"]  # "at 9" is a time
    # a note, a street address and a person are no such places
    assert place_phrases("Buy a scarf and add it to my packing list note") == []
    assert place_phrases("Deliver it to 742 Evergreen Terrace") == []
    assert place_phrases("Order Mom the gift") == []
