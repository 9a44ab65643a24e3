"""Every phone tool, called the way the agent calls it: ``tool.invoke(args, {"phone": phone})``."""

from __future__ import annotations

import importlib.metadata

import pytest

from agentkit.errors import ToolArgumentError, ToolExecutionError
from agentkit.tools.phone import TOOLS, Phone
from agentkit.tools.phone.apps import FIRST_TOOLS
from agentkit.tools.registry import Tool
from phone_calls import REGISTRY, call, changes
APPS = {"contacts", "messages", "calendar", "clock", "reminders", "notes", "settings", "weather",
        "email", "calls", "maps", "music", "photos", "files", "web", "restaurants", "delivery", "shopping",
        "rides", "wallet", "translate"}




# --- the catalogue ----------------------------------------------------------------------


def test_catalogue_shape():
    assert len(TOOLS) >= 100
    assert all(isinstance(t, Tool) for t in TOOLS)
    assert set(REGISTRY.by_app()) == APPS
    for t in TOOLS:
        assert t.injected == ("phone",), t.name
        assert 3 <= len(t.examples) <= 5, t.name
        assert "phone" not in t.parameters["properties"], t.name
        assert len(t.description) < 140, t.name


def test_descriptions_are_distinct():
    descriptions = [t.description for t in TOOLS]
    assert len(set(descriptions)) == len(descriptions)


def test_schemas_list_every_required_parameter():
    for t in TOOLS:
        props = t.parameters["properties"]
        for name in t.parameters.get("required", []):
            assert name in props, f"{t.name}: required {name!r} missing from the schema's properties"
        assert set(props) == set(t.args_model.model_fields), t.name


def test_sensitive_and_state_flags():
    from agentkit.tools.phone.apps import FIRST_TOOLS

    sensitive = {t.name for t in FIRST_TOOLS if t.sensitive}
    assert sensitive == {"send_message", "delete_event", "delete_alarm", "delete_reminder", "delete_note"}
    for t in TOOLS:
        read_only = t.name.startswith(("get_", "list_", "search_", "find_", "read_"))
        assert t.changes_state is not read_only, t.name


def test_entry_point_exposes_tools():
    eps = importlib.metadata.entry_points(group="agentkit.tools")
    phone_ep = [ep for ep in eps if ep.name == "phone"]
    assert phone_ep and phone_ep[0].load() is TOOLS


@pytest.mark.parametrize("t", [t for t in FIRST_TOOLS if not t.changes_state], ids=lambda t: t.name)
def test_read_only_tools_change_nothing(phone, t):
    # (the later apps' read-only tools are covered in test_phone_apps_more.py)
    required = t.parameters.get("required", [])
    args = {"find_events": {"query": "dentist"}, "get_contact": {"name": "alice"}}.get(t.name, {})
    assert set(required) <= set(args)
    before = phone.state()
    t.invoke(args, {"phone": phone})
    assert phone.state() == before


# --- contacts ---------------------------------------------------------------------------


def test_search_contacts(phone):
    assert [c["name"] for c in call(phone, "search_contacts", query="smith")] == ["Bob Smith"]
    assert len(call(phone, "search_contacts")) == 10
    assert {c["name"] for c in call(phone, "search_contacts", query="favorites")} == {
        "Alice Johnson", "Emma Davis", "Mom"}
    assert [c["name"] for c in call(phone, "search_contacts", query="0107")] == ["Grace Lee"]
    assert call(phone, "search_contacts", query="nobody") == []


def test_get_contact(phone):
    assert call(phone, "get_contact", name="carol")["birthday"] == "1985-11-28"
    assert call(phone, "get_contact", name="Mom")["phone"] == "+1 415 555 0109"
    with pytest.raises(ToolExecutionError, match="no contact named 'Zoe'"):
        call(phone, "get_contact", name="Zoe")


def test_add_contact(phone):
    rec, diffs = changes(phone, "add_contact", name="Laura  Chen", phone_number="415 555 0123",
                         email="laura@example.com")
    assert rec["id"] == "c11" and rec["name"] == "Laura Chen"
    assert len(diffs) == 1 and diffs[0].startswith("+ contacts.c11")
    assert call(phone, "get_contact", name="laura")["email"] == "laura@example.com"
    with pytest.raises(ToolExecutionError, match="already exists"):
        call(phone, "add_contact", name="alice johnson", phone_number="1")


def test_a_contact_s_phone_number_must_be_one(phone):
    # a small model saved the flight code "K7Q2LM" as the number of a contact called Flight
    before = phone.state()
    with pytest.raises(ToolExecutionError, match="'K7Q2LM' is not a phone number"):
        call(phone, "add_contact", name="Flight", phone_number="K7Q2LM")
    with pytest.raises(ToolExecutionError, match="is not a phone number"):
        call(phone, "update_contact", name="bob", phone_number="his new one", favorite=True)
    assert phone.state() == before
    assert call(phone, "add_contact", name="Gym", phone_number="+1 (415) 555-0188")["phone"] == "+1 (415) 555-0188"


def test_update_contact(phone):
    _, diffs = changes(phone, "update_contact", name="bob", phone_number="415 555 0177", favorite=True)
    assert sorted(diffs) == sorted([
        '~ contacts.c2.phone: "+1 415 555 0102" -> "415 555 0177"',
        "~ contacts.c2.favorite: false -> true",
    ])
    call(phone, "update_contact", name="jack", birthday="1990-02-03")
    assert call(phone, "get_contact", name="jack")["birthday"] == "1990-02-03"
    with pytest.raises(ToolExecutionError, match="nothing to change"):
        call(phone, "update_contact", name="bob")


# --- messages ---------------------------------------------------------------------------


def test_send_message_to_contact(phone):
    result, diffs = changes(phone, "send_message", to="alice", body="I'll be 10 minutes late")
    assert result == {"status": "sent", "to": "Alice Johnson", "body": "I'll be 10 minutes late", "id": "m11"}
    assert len(diffs) == 1 and diffs[0].startswith("+ messages.m11")
    msg = phone.state()["messages"][-1]
    assert msg | {"time": None} == {
        "id": "m11", "contact_id": "c1", "name": "Alice Johnson", "number": "+1 415 555 0101",
        "direction": "out", "body": "I'll be 10 minutes late", "time": None, "read": True}
    assert msg["time"] == "2026-11-25T09:00:00"


def test_send_message_to_raw_number(phone):
    call(phone, "send_message", to="+1 415 555 0199", body="Thanks!")
    assert phone.state()["messages"][-1]["contact_id"] is None
    assert call(phone, "send_message", to="4155550102", body="hi")["to"] == "Bob Smith"


@pytest.mark.parametrize("to, error", [("Zoe", "no contact named"), ("son", "several contacts")])
def test_send_message_bad_recipient_changes_nothing(phone, to, error):
    before = phone.state()
    with pytest.raises(ToolExecutionError, match=error):
        call(phone, "send_message", to=to, body="hi")
    assert phone.state() == before


def test_send_message_empty_body(phone):
    with pytest.raises(ToolExecutionError, match="empty"):
        call(phone, "send_message", to="bob", body="  ")


def test_read_messages(phone):
    mom = call(phone, "read_messages", contact="mom")
    assert len(mom) == 1 and "pumpkin pie" in mom[0]["body"] and mom[0]["from"] == "Mom"
    unread = call(phone, "read_messages", unread_only=True)
    assert [m["id"] for m in unread] == ["m10", "m9", "m8"]
    assert all(m["unread"] for m in unread)
    latest = call(phone, "read_messages", limit=2)
    assert [m["id"] for m in latest] == ["m10", "m9"]
    alice = call(phone, "read_messages", contact="Alice")
    assert [("to" in m, m["id"]) for m in alice] == [(True, "m5"), (False, "m4")]
    assert [m["id"] for m in call(phone, "read_messages", contact="+1 415 555 0199")] == ["m9"]
    package = call(phone, "read_messages", query="my package")
    assert [m["id"] for m in package] == ["m9"] and package[0]["from"] == "+1 415 555 0199"
    assert call(phone, "read_messages", query="pumpkin pie", contact="Alice") == []
    assert [m["id"] for m in call(phone, "read_messages", query="pumpkin pie", contact="Mom")] == \
        [m["id"] for m in mom]


# --- calendar ---------------------------------------------------------------------------


def test_list_events(phone):
    today = call(phone, "list_events")
    assert today["date"] == "2026-11-25" and today["weekday"] == "Wednesday"
    assert [e["title"] for e in today["events"]] == ["Team standup", "Dentist appointment"]
    assert [e["id"] for e in call(phone, "list_events", date="friday")["events"]] == ["e5"]
    assert call(phone, "list_events", date="2026-11-29")["events"] == []
    with pytest.raises(ToolExecutionError, match="cannot read 'someday' as a date"):
        call(phone, "list_events", date="someday")


def test_find_events(phone):
    assert [e["id"] for e in call(phone, "find_events", query="dentist")] == ["e3"]
    assert [e["id"] for e in call(phone, "find_events", query="bob")] == ["e7"]
    assert call(phone, "find_events", query="new york")[0]["start"] == "2026-12-03T08:15:00"
    with pytest.raises(ToolExecutionError, match="no event matches"):
        call(phone, "find_events", query="wedding")


def test_create_event_with_duration(phone):
    rec, diffs = changes(phone, "create_event", title="Meeting with Bob", date="tomorrow",
                         start_time="3pm", attendees=["bob", "Zed Quinn"])
    assert rec == {"id": "e9", "title": "Meeting with Bob", "start": "2026-11-26T15:00:00",
                   "end": "2026-11-26T16:00:00", "location": None, "attendees": ["Bob Smith", "Zed Quinn"]}
    assert len(diffs) == 1


def test_create_event_with_end_time(phone):
    rec = call(phone, "create_event", title="Haircut", date="2026-12-01", start_time="10:00",
               end_time="10:45", location="Salon")
    assert (rec["start"], rec["end"], rec["location"]) == ("2026-12-01T10:00:00", "2026-12-01T10:45:00", "Salon")
    with pytest.raises(ToolExecutionError, match="not after"):
        call(phone, "create_event", title="X", date="today", start_time="10:00", end_time="9:00")
    with pytest.raises(ToolExecutionError, match="time"):
        call(phone, "create_event", title="X", date="today", start_time="25:00")


def test_move_event_keeps_duration(phone):
    _, diffs = changes(phone, "move_event", event="dentist", new_start_time="4pm")
    assert sorted(diffs) == [
        '~ calendar.e3.end: "2026-11-25T15:00:00" -> "2026-11-25T17:00:00"',
        '~ calendar.e3.start: "2026-11-25T14:00:00" -> "2026-11-25T16:00:00"',
    ]
    rec = call(phone, "move_event", event="project review", new_date="tuesday")
    assert (rec["start"], rec["end"]) == ("2026-12-01T10:00:00", "2026-12-01T11:00:00")
    with pytest.raises(ToolExecutionError, match="new_date and/or new_start_time"):
        call(phone, "move_event", event="dentist")


def test_delete_event(phone):
    result, diffs = changes(phone, "delete_event", event="Game night")
    assert result["deleted"]["id"] == "e6"
    assert diffs == [diffs[0]] and diffs[0].startswith("- calendar.e6")
    with pytest.raises(ToolExecutionError, match="no event matches 'wedding'"):
        call(phone, "delete_event", event="wedding")


def test_delete_event_ambiguous_then_by_date(phone):
    call(phone, "create_event", title="Game night", date="2026-12-05", start_time="19:00")
    with pytest.raises(ToolExecutionError, match="several events.*e6.*e9"):
        call(phone, "delete_event", event="game night")
    assert call(phone, "delete_event", event="game night", date="2026-12-05")["deleted"]["id"] == "e9"


# --- clock ------------------------------------------------------------------------------


def test_get_time(phone):
    assert call(phone, "get_time") == {"date": "2026-11-25", "time": "09:00", "weekday": "Wednesday",
                                       "timezone": "America/Los_Angeles"}


def test_set_alarm(phone):
    rec, diffs = changes(phone, "set_alarm", time="7am")
    assert rec == {"id": "a4", "time": "07:00", "label": "Alarm", "enabled": True, "days": []}
    assert len(diffs) == 1
    rec = call(phone, "set_alarm", time="5:30 pm", label="Pick up kids", days=["weekdays"])
    assert (rec["time"], rec["days"]) == ("17:30", ["mon", "tue", "wed", "thu", "fri"])
    with pytest.raises(ToolExecutionError, match="time"):
        call(phone, "set_alarm", time="half past")


def test_list_alarms(phone):
    assert [a["time"] for a in call(phone, "list_alarms")] == ["06:30", "07:30", "09:00"]


@pytest.mark.parametrize("alarm", ["7:30", "07:30", "7:30am", "gym", "Gym alarm", "my 7:30 alarm", "a2"])
def test_toggle_alarm_by_time_or_label(phone, alarm):
    _, diffs = changes(phone, "toggle_alarm", alarm=alarm, enabled=False)
    assert diffs == ["~ clock.alarms.a2.enabled: true -> false"]


def test_toggle_alarm_unknown(phone):
    with pytest.raises(ToolExecutionError, match="no alarm matches '5am'"):
        call(phone, "toggle_alarm", alarm="5am", enabled=True)


def test_delete_alarm(phone):
    result, diffs = changes(phone, "delete_alarm", alarm="weekend")
    assert result["deleted"]["id"] == "a3"
    assert len(diffs) == 1 and diffs[0].startswith("- clock.alarms.a3")


def test_set_timer(phone):
    rec, diffs = changes(phone, "set_timer", minutes=10, label="pasta")
    assert rec == {"id": "t1", "label": "pasta", "duration_seconds": 600, "started": "2026-11-25T09:00:00",
                   "ends": "2026-11-25T09:10:00"}
    assert diffs[0].startswith("+ clock.timers.t1")
    assert call(phone, "set_timer", seconds=45)["duration_seconds"] == 45
    with pytest.raises(ToolExecutionError, match="positive duration"):
        call(phone, "set_timer")


# --- reminders --------------------------------------------------------------------------


def test_create_reminder(phone):
    rec = call(phone, "create_reminder", title="Call the bank", due_date="tomorrow", due_time="10am")
    assert rec == {"id": "r5", "title": "Call the bank", "due": "2026-11-26T10:00:00", "done": False,
                   "list": "Reminders"}
    assert call(phone, "create_reminder", title="Eggs", list_name="groceries")["list"] == "Groceries"
    assert call(phone, "create_reminder", title="Plants", due_date="saturday")["due"] == "2026-11-28"
    # a time alone means its next occurrence: 8am has passed at 09:00, so tomorrow
    assert call(phone, "create_reminder", title="A", due_time="8am")["due"] == "2026-11-26T08:00:00"
    assert call(phone, "create_reminder", title="B", due_time="6pm")["due"] == "2026-11-25T18:00:00"


def test_list_reminders(phone):
    assert [r["id"] for r in call(phone, "list_reminders")] == ["r1", "r2", "r3"]
    assert len(call(phone, "list_reminders", include_done=True)) == 4
    for name in ("groceries", "Grocery list", "grocery"):
        assert [r["title"] for r in call(phone, "list_reminders", list_name=name)] == ["Buy milk"]


def test_complete_reminder(phone):
    _, diffs = changes(phone, "complete_reminder", reminder="plumber")
    assert diffs == ["~ reminders.r2.done: false -> true"]


def test_delete_reminder(phone):
    result, diffs = changes(phone, "delete_reminder", reminder="Pay rent")
    assert result["deleted"]["id"] == "r3" and len(diffs) == 1


# --- notes ------------------------------------------------------------------------------


def test_create_note(phone):
    rec, diffs = changes(phone, "create_note", title="Garage code", body="4512")
    assert rec == {"id": "n4", "title": "Garage code", "body": "4512", "updated": "2026-11-25T09:00:00"}
    assert len(diffs) == 1


def test_search_notes(phone):
    assert [n["id"] for n in call(phone, "search_notes", query="gift")] == ["n2"]
    assert [n["id"] for n in call(phone, "search_notes", query="passport")] == ["n3"]
    assert len(call(phone, "search_notes")) == 3


def test_append_to_note(phone):
    rec = call(phone, "append_to_note", note="shopping list", text="milk")
    assert rec["body"] == "eggs, bread, coffee, apples, milk"
    rec = call(phone, "append_to_note", note="gift ideas", text="Bob: headphones")
    assert rec["body"].endswith("\nBob: headphones")
    with pytest.raises(ToolExecutionError, match="several notes"):
        call(phone, "append_to_note", note="list", text="x")


def test_delete_note(phone):
    result, diffs = changes(phone, "delete_note", note="packing list")
    assert result["deleted"]["id"] == "n3" and diffs[0].startswith("- notes.n3")


# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, key, value, before", [
    ("set_wifi", "wifi", False, True),
    ("set_bluetooth", "bluetooth", True, False),
    ("set_do_not_disturb", "do_not_disturb", True, False),
    ("set_airplane_mode", "airplane_mode", True, False),
])
def test_switches(phone, name, key, value, before):
    result, diffs = changes(phone, name, on=value)
    assert result == {key: value}
    assert diffs == [f"~ settings.{key}: {str(before).lower()} -> {str(value).lower()}"]


def test_switch_accepts_loose_booleans(phone):
    call(phone, "set_wifi", on="off")
    assert phone.state()["settings"]["wifi"] is False


@pytest.mark.parametrize("name, key", [("set_brightness", "brightness"), ("set_volume", "volume")])
def test_levels(phone, name, key):
    assert call(phone, name, level=80) == {key: 80}
    assert call(phone, name, level="0") == {key: 0}
    before = phone.state()
    for bad in (101, -1, "loud", 50.5, None):
        with pytest.raises(ToolArgumentError, match="level"):
            call(phone, name, level=bad)
    assert phone.state() == before


def test_get_settings(phone):
    assert call(phone, "get_settings") == {"wifi": True, "bluetooth": False, "do_not_disturb": False,
                                           "airplane_mode": False, "brightness": 60, "volume": 40}


# --- weather ----------------------------------------------------------------------------


def test_get_weather(phone):
    home = call(phone, "get_weather")
    assert home["city"] == "San Francisco" and home["current"]["temp"] == 13
    paris = call(phone, "get_weather", city="paris", date="tomorrow")
    assert paris == {"city": "Paris", "unit": "C", "date": "2026-11-26", "condition": "Rain", "high": 8, "low": 4}
    assert call(phone, "get_weather", city="NYC", date="saturday")["condition"] == "Snow"
    with pytest.raises(ToolExecutionError, match="no weather for 'Atlantis'.*London"):
        call(phone, "get_weather", city="Atlantis")
    with pytest.raises(ToolExecutionError, match="forecasts cover 2026-11-25 to 2026-12-01"):
        call(phone, "get_weather", date="2026-12-10")


def test_get_forecast(phone):
    fc = call(phone, "get_forecast", city="Tokyo", days=3)
    assert fc["city"] == "Tokyo" and [d["date"] for d in fc["forecast"]] == [
        "2026-11-25", "2026-11-26", "2026-11-27"]
    assert len(call(phone, "get_forecast")["forecast"]) == 7


# --- bad arguments change nothing -------------------------------------------------------


@pytest.mark.parametrize("name, args", [
    ("send_message", {"to": "Alice"}),
    ("send_message", {"to": "Alice", "body": "hi", "subject": "x"}),
    ("send_message", {"to": ["Alice"], "body": "hi"}),
    ("set_wifi", {"on": "maybe"}),
    ("set_alarm", {"time": 7}),
    ("set_alarm", {"time": "07:00", "days": "mon"}),
    ("set_timer", {"minutes": "ten"}),
    ("create_event", {"title": "X", "date": "today", "start_time": "10:00", "duration_minutes": "long"}),
    ("complete_reminder", {"reminder": {"id": "r1"}}),
    ("get_contact", {}),
])
def test_wrong_type_args_raise_argument_error_and_change_nothing(phone, name, args):
    before = phone.state()
    with pytest.raises(ToolArgumentError):
        REGISTRY.get(name).invoke(args, {"phone": phone})
    assert phone.state() == before


def test_invoke_without_phone_fails_clearly():
    with pytest.raises(ToolExecutionError, match="runtime object 'phone'"):
        REGISTRY.get("get_time").invoke({}, {})


def test_tools_work_on_a_persisted_phone(tmp_path):
    path = tmp_path / "p.db"
    with Phone(path) as phone:
        call(phone, "send_message", to="mom", body="On my way")
    with Phone(path) as phone:
        assert phone.state()["messages"][-1]["body"] == "On my way"


def test_search_notes_works_like_a_search_box(phone):
    titles = lambda q: [n["title"] for n in call(phone, "search_notes", query=q)]
    assert titles("What's in my shopping list note?") == ["Shopping list"]
    assert titles("shopping zebra") == ["Shopping list"]  # most words in common wins
    assert titles("zebra") == []
    assert len(titles("")) == len(phone.state()["notes"])


@pytest.mark.parametrize("said, stored", [("Groceries", "Groceries"), ("groceries reminders", "Groceries"),
                                          ("my Groceries list", "Groceries"), ("Garden", "Garden")])
def test_create_reminder_files_into_the_list_the_user_meant(phone, said, stored):
    assert call(phone, "create_reminder", title="eggs", list_name=said)["list"] == stored


def test_records_are_found_by_word_stems_when_nothing_closer_matches():
    from agentkit.tools.phone._lookup import find_record

    events = Phone().state()["calendar"]
    assert find_record(events, "dental appointment", kind="event")["title"] == "Dentist appointment"
    with pytest.raises(ToolExecutionError, match="no event matches"):
        find_record(events, "dental surgery", kind="event")
