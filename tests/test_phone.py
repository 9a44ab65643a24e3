"""The simulated phone: persistence, transactions, diffs, and the date/name parsers."""

from __future__ import annotations

import datetime
import json
import threading

import pytest
from hypothesis import given, strategies as st

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone import Change, Phone, default_seed, diff
from agentkit.tools.phone._dates import DAY_NAMES, parse_date, parse_days, parse_time
from agentkit.tools.phone._lookup import find_contact, find_record, next_id
from agentkit.tools.phone.seed import MORE_APPS

TODAY = datetime.date(2026, 11, 25)  # the seed's Wednesday


# --- Phone ------------------------------------------------------------------------------


def test_default_seed_is_deterministic_json_and_fresh():
    a, b = default_seed(), default_seed()
    assert a == b
    assert json.loads(json.dumps(a)) == a
    a["settings"]["wifi"] = "mutated"
    assert default_seed()["settings"]["wifi"] is True
    assert set(a) == {"clock", "contacts", "messages", "calendar", "reminders", "notes", "settings", "weather",
                      *MORE_APPS}


def test_seed_records_have_unique_string_ids():
    s = default_seed()
    for records in (s["contacts"], s["messages"], s["calendar"], s["reminders"], s["notes"],
                    s["clock"]["alarms"]):
        ids = [r["id"] for r in records]
        assert all(isinstance(i, str) for i in ids)
        assert len(ids) == len(set(ids))


def test_seed_first_names_are_distinct():
    names = [c["name"].split()[0].lower() for c in default_seed()["contacts"]]
    assert len(names) == len(set(names))


def test_now_is_the_seed_clock():
    phone = Phone()
    assert phone.now == datetime.datetime(2026, 11, 25, 9, 0)
    assert phone.now.strftime("%A") == "Wednesday"


def test_weather_forecast_starts_on_device_date():
    weather = default_seed()["weather"]
    assert weather["home"] in weather["cities"]
    assert len(weather["cities"]) >= 7
    for city in weather["cities"].values():
        dates = [d["date"] for d in city["forecast"]]
        assert dates[0] == "2026-11-25" and len(dates) == 7


def test_state_is_a_deep_copy():
    phone = Phone()
    s = phone.state()
    s["settings"]["wifi"] = False
    s["contacts"].clear()
    assert phone.state() == default_seed()
    assert phone.snapshot() == phone.state()


def test_custom_seed():
    phone = Phone(seed={"settings": {"wifi": False}, "clock": {"now": "2027-01-01T08:00:00"}})
    assert phone.state() == {"settings": {"wifi": False}, "clock": {"now": "2027-01-01T08:00:00"}}
    assert phone.now.year == 2027


def test_persistence_across_reopen(tmp_path):
    path = tmp_path / "phone.db"
    with Phone(path) as phone:
        phone.set("settings.wifi", False)
        with phone.transaction() as s:
            s["notes"].append({"id": "n9", "title": "T", "body": "B", "updated": "2026-11-25T09:00:00"})
        expected = phone.state()
    reopened = Phone(path, seed={"ignored": {}})  # an existing db keeps its state; the seed is unused
    assert reopened.state() == expected
    assert reopened.state()["settings"]["wifi"] is False
    reopened.close()


def test_reset_restores_seed_and_persists(tmp_path):
    path = tmp_path / "phone.db"
    phone = Phone(path)
    phone.set("settings.volume", 3)
    phone.reset()
    assert phone.state() == default_seed()
    phone.reset({"settings": {"volume": 1}})
    assert phone.state() == {"settings": {"volume": 1}}
    phone.close()
    assert Phone(path).state() == {"settings": {"volume": 1}}


def test_transaction_commits_on_normal_exit():
    phone = Phone()
    with phone.transaction() as s:
        s["settings"]["brightness"] = 5
        assert phone.state()["settings"]["brightness"] == 60  # not visible before commit
    assert phone.state()["settings"]["brightness"] == 5


def test_transaction_rolls_back_on_exception(tmp_path):
    path = tmp_path / "phone.db"
    phone = Phone(path)
    before = phone.state()
    with pytest.raises(RuntimeError, match="boom"):
        with phone.transaction() as s:
            s["settings"]["wifi"] = False
            s["contacts"].clear()
            raise RuntimeError("boom")
    assert phone.state() == before
    phone.close()
    assert Phone(path).state() == before


def test_non_json_state_is_refused_and_nothing_written():
    phone = Phone()
    before = phone.state()
    with pytest.raises(ValueError, match="JSON"):
        with phone.transaction() as s:
            s["settings"]["wifi"] = False
            s["notes"].append({"id": "n9", "when": datetime.datetime(2026, 1, 1)})
    assert phone.state() == before
    with pytest.raises(ValueError, match="JSON"):
        phone.set("settings.volume", float("nan"))


def test_nested_transaction_joins_outer():
    phone = Phone()
    with phone.transaction() as outer:
        with phone.transaction() as inner:
            assert inner is outer
            inner["settings"]["volume"] = 7
    assert phone.state()["settings"]["volume"] == 7


def test_set_dotted_paths():
    phone = Phone()
    phone.set("settings.wifi", False)
    phone.set("clock.alarms.a1.enabled", False)
    phone.set("clock.now", "2026-12-01T07:00:00")
    phone.set("settings.new_key", {"a": 1})
    s = phone.state()
    assert s["settings"]["wifi"] is False
    assert s["clock"]["alarms"][0]["enabled"] is False
    assert phone.now == datetime.datetime(2026, 12, 1, 7, 0)
    assert s["settings"]["new_key"] == {"a": 1}
    with pytest.raises(KeyError):
        phone.set("clock.alarms.zz.enabled", True)


def test_phone_is_usable_from_other_threads():
    phone = Phone()

    def work(i: int) -> None:
        for _ in range(10):
            with phone.transaction() as s:
                s["settings"]["volume"] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert phone.state()["settings"]["volume"] == 40 + 40


# --- diff -------------------------------------------------------------------------------


def test_diff_of_equal_states_is_empty():
    assert diff(default_seed(), default_seed()) == []


def test_diff_added_removed_changed_by_id():
    before = default_seed()
    after = default_seed()
    new_msg = {"id": "m99", "name": "Alice Johnson", "body": "hi"}
    after["messages"].append(new_msg)
    after["clock"]["alarms"] = [a for a in after["clock"]["alarms"] if a["id"] != "a1"]
    after["clock"]["alarms"][0]["enabled"] = False  # a2
    after["settings"]["wifi"] = False
    changes = diff(before, after)
    assert Change("messages.m99", "added", None, new_msg) in changes
    removed = [c for c in changes if c.op == "removed"]
    assert [c.path for c in removed] == ["clock.alarms.a1"]
    assert removed[0].before["label"] == "Wake up"
    assert Change("clock.alarms.a2.enabled", "changed", True, False) in changes
    assert Change("settings.wifi", "changed", True, False) in changes
    assert len(changes) == 4


def test_diff_reordering_a_collection_is_no_change():
    before = default_seed()
    after = default_seed()
    after["calendar"].reverse()
    assert diff(before, after) == []


def test_diff_plain_lists_and_keys():
    assert diff({"a": [1, 2]}, {"a": [2, 1]}) == [Change("a", "changed", [1, 2], [2, 1])]
    assert diff({"a": 1}, {"b": 1}) == [Change("a", "removed", 1, None), Change("b", "added", None, 1)]
    assert diff({"a": 1}, {"a": True}) == [Change("a", "changed", 1, True)]


def test_change_str():
    assert str(Change("settings.wifi", "changed", True, False)) == "~ settings.wifi: true -> false"
    assert str(Change("messages.m9", "added", None, {"body": "hi"})).startswith("+ messages.m9: ")
    assert str(Change("notes.n1", "removed", {"id": "n1"}, None)).startswith("- notes.n1: ")


# --- dates and times --------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2026-11-27", "2026-11-27"),
    ("2026-11-27T10:00:00", "2026-11-27"),
    ("today", "2026-11-25"),
    ("Tomorrow", "2026-11-26"),
    ("yesterday", "2026-11-24"),
    ("day after tomorrow", "2026-11-27"),
    ("friday", "2026-11-27"),
    ("Fri", "2026-11-27"),
    ("on Friday", "2026-11-27"),
    ("this friday", "2026-11-27"),
    ("next monday", "2026-11-30"),
    ("wednesday", "2026-12-02"),  # a weekday name is always ahead of today
    ("in 3 days", "2026-11-28"),
    ("in two weeks", "2026-12-09"),
    ("next week", "2026-12-02"),
    ("Nov 27", "2026-11-27"),
    ("27 November", "2026-11-27"),
    ("December 3rd", "2026-12-03"),
    ("Friday, November 27", "2026-11-27"),
    ("january 5", "2027-01-05"),  # month-day without year: the next such date
    ("11/27", "2026-11-27"),
    ("12/1/2026", "2026-12-01"),
    ("friday 2026-11-27 19:30", "2026-11-27"),  # a weekday with its date (and a time)
    ("Fri, 2026-11-27", "2026-11-27"),
])
def test_parse_date(text, expected):
    assert parse_date(text, TODAY).isoformat() == expected


@pytest.mark.parametrize("text", ["", "someday", "2026-13-01", "2026-02-30", "Feb 30", "32/11"])
def test_parse_date_rejects(text):
    with pytest.raises(ToolExecutionError, match="date"):
        parse_date(text, TODAY)


def test_a_weekday_with_another_days_date_is_refused_with_both_choices():
    with pytest.raises(ToolExecutionError, match=r"names a Friday, but 2026-11-25 is a Wednesday; give one of them: "
                                                 r"'friday' \(the next one is 2026-11-27\) or '2026-11-25'"):
        parse_date("friday 2026-11-25 19:30", TODAY)


@pytest.mark.parametrize("text, expected", [
    ("07:00", "07:00"), ("7:00", "07:00"), ("7:30", "07:30"), ("7am", "07:00"), ("7 am", "07:00"),
    ("7:30 pm", "19:30"), ("7:30PM", "19:30"), ("7.30pm", "19:30"), ("7 p.m.", "19:00"),
    ("19:30", "19:30"), ("1930", "19:30"), ("12am", "00:00"), ("12pm", "12:00"), ("noon", "12:00"),
    ("midnight", "00:00"), ("7", "07:00"), ("at 6:45", "06:45"), ("07:00:00", "07:00"),
    ("2026-11-27T10:15:00", "10:15"), ("8 o'clock", "08:00"),
])
def test_parse_time(text, expected):
    assert parse_time(text).strftime("%H:%M") == expected


@pytest.mark.parametrize("text", ["", "25:00", "7:60", "13pm", "0am", "soon", "7:3"])
def test_parse_time_rejects(text):
    with pytest.raises(ToolExecutionError, match="time"):
        parse_time(text)


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_time_roundtrips_24h(hour, minute):
    t = datetime.time(hour, minute)
    assert parse_time(t.strftime("%H:%M")) == t
    assert parse_time(f"{hour}:{minute:02d}") == t


@given(st.integers(1, 12), st.integers(0, 59), st.sampled_from(["am", "pm", " AM", " p.m."]))
def test_parse_time_12h_matches_strptime(hour, minute, suffix):
    expected = datetime.datetime.strptime(f"{hour}:{minute:02d} {suffix.strip('. ').replace('.', '')}",
                                          "%I:%M %p").time()
    assert parse_time(f"{hour}:{minute:02d}{suffix}") == expected


@given(st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)),
       st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)))
def test_parse_date_iso_is_exact(day, today):
    assert parse_date(day.isoformat(), today) == day


@given(st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)), st.integers(0, 6))
def test_weekday_names_are_one_to_seven_days_ahead(today, weekday):
    name = datetime.date(2024, 1, 1 + weekday).strftime("%A")  # 2024-01-01 is a Monday
    for text in (name, name.lower()[:3], f"next {name}"):
        got = parse_date(text, today)
        assert got.weekday() == weekday
        assert 1 <= (got - today).days <= 7


@given(st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)), st.integers(0, 400))
def test_in_n_days(today, n):
    assert parse_date(f"in {n} days", today) == today + datetime.timedelta(days=n)


@pytest.mark.parametrize("days, expected", [
    (None, []), ([], []), (["mon", "Wednesday"], ["mon", "wed"]), (["weekdays"], DAY_NAMES[:5]),
    ("weekends", ["sat", "sun"]), ("every day", DAY_NAMES), ("Mon, Fri", ["mon", "fri"]),
    (["fridays", "monday"], ["mon", "fri"]), ("tue and thu", ["tue", "thu"]),
])
def test_parse_days(days, expected):
    assert parse_days(days) == expected


def test_parse_days_rejects():
    with pytest.raises(ToolExecutionError, match="repeat days"):
        parse_days(["funday"])


# --- name resolution --------------------------------------------------------------------


@pytest.mark.parametrize("query, name", [
    ("Alice Johnson", "Alice Johnson"), ("alice", "Alice Johnson"), ("ALICE", "Alice Johnson"),
    ("johnson", "Alice Johnson"), ("ali", "Alice Johnson"), ("mom", "Mom"), ("my mom", "Mom"),
    ("Mom's", "Mom"), ("Dave", "Dave Brown"), ("c4", "Dave Brown"), ("+1 415 555 0102", "Bob Smith"),
    ("4155550102", "Bob Smith"), ("grace lee", "Grace Lee"), ("carol.white@example.com", "Carol White"),
])
def test_find_contact(query, name):
    assert find_contact(default_seed()["contacts"], query)["name"] == name


def test_find_contact_unknown_lists_contacts():
    with pytest.raises(ToolExecutionError, match="no contact named 'Zoe'.*Alice Johnson"):
        find_contact(default_seed()["contacts"], "Zoe")


def test_find_contact_ambiguous_lists_candidates():
    contacts = default_seed()["contacts"] + [{"id": "c11", "name": "Alice Cooper", "phone": "1"}]
    with pytest.raises(ToolExecutionError, match="several contacts: Alice Johnson, Alice Cooper"):
        find_contact(contacts, "alice")
    assert find_contact(contacts, "alice cooper")["id"] == "c11"
    with pytest.raises(ToolExecutionError, match="several"):
        find_contact(default_seed()["contacts"], "son")  # in Johnson and Wilson


def test_a_list_of_people_is_refused_not_narrowed_to_one():
    contacts = default_seed()["contacts"]
    # "Alice and Bob" used to resolve to Alice alone: a message would reach only half the people meant
    for query in ["Alice and Bob", "alice, bob & carol", "Alice + Bob"]:
        with pytest.raises(ToolExecutionError, match=r"names \d contacts \(Alice Johnson, Bob Smith.*repeat the same function for each"):
            find_contact(contacts, query)
    with pytest.raises(ToolExecutionError, match="no contact named 'Zed and Alice'"):
        find_contact(contacts, "Zed and Alice")  # one unknown: not silently the other
    # a name and that same person's number is one contact
    assert find_contact(contacts, "Henry Wilson, +1 415 555 0108")["name"] == "Henry Wilson"
    assert find_contact(contacts + [{"id": "c11", "name": "Tom and Jerry", "phone": "9"}], "Tom and Jerry")["id"] == "c11"


def test_find_record_stages_and_errors():
    notes = default_seed()["notes"]
    assert find_record(notes, "shopping", kind="note")["id"] == "n1"
    assert find_record(notes, "my shopping list note", kind="note")["id"] == "n1"
    assert find_record(notes, "n3", kind="note")["id"] == "n3"
    with pytest.raises(ToolExecutionError, match="no note matches 'recipes'.*n1: Shopping list"):
        find_record(notes, "recipes", kind="note")
    with pytest.raises(ToolExecutionError, match="several notes"):
        find_record(notes, "list", kind="note")
    # a name followed by details after a comma is that name, when the name alone is unique
    assert find_record(notes, "Packing list, updated last week", kind="note")["id"] == "n3"
    with pytest.raises(ToolExecutionError, match="no note matches 'list, for the trip'"):
        find_record(notes, "list, for the trip", kind="note")  # "list" alone is ambiguous
    # an entry copied back from the error's own listing names that record; a mismatched pair does not
    assert find_record(notes, "n3: Packing list", kind="note")["id"] == "n3"
    with pytest.raises(ToolExecutionError, match="no note matches 'n1: Packing list'"):
        find_record(notes, "n1: Packing list", kind="note")


def test_next_id():
    assert next_id([{"id": "m2"}, {"id": "m10"}, {"id": "x99"}], "m") == "m11"
    assert next_id([], "t") == "t1"


@given(st.text(max_size=30))
def test_parsers_fail_only_with_tool_execution_error(text):
    for parse in (lambda t: parse_date(t, TODAY), parse_time, parse_days):
        try:
            parse(text)
        except ToolExecutionError:
            pass


def test_a_rehearsal_writes_nothing_on_its_thread_and_leaves_other_threads_alone(tmp_path):
    phone = Phone(tmp_path / "p.sqlite")
    before = phone.state()
    with phone.rehearsal():
        with phone.transaction() as s:
            s["settings"]["wifi"] = not s["settings"]["wifi"]
            with phone.transaction() as inner:  # joins the rehearsed one
                inner["settings"]["brightness"] = 3
        phone.set("clock.alarms", [])
        assert phone.state() == before
        other = threading.Thread(target=phone.set, args=("settings.dark_mode", "other thread"))
        other.start()
        other.join()
    assert phone.state()["settings"]["dark_mode"] == "other thread"  # written: not the rehearsing thread
    phone.set("settings.brightness", 7)  # after the block, writes land again
    reopened = Phone(tmp_path / "p.sqlite")
    assert reopened.state()["settings"]["brightness"] == 7 and reopened.state()["clock"] == before["clock"]
