"""The later phone apps (``MORE_TOOLS``), called the way the agent calls them, and every tool's scopes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentkit.errors import ToolArgumentError
from agentkit.tools.phone import default_seed
from agentkit.tools.phone.apps import FIRST_TOOLS, MORE_TOOLS, TOOLS
from agentkit.tools.phone.seed import MORE_APPS
from agentkit.tools.registry import Tool
from phone_calls import REGISTRY, call, changes, fails

DOC = Path(__file__).resolve().parents[1] / "docs" / "APPS.md"
READ_PREFIXES = ("get_", "list_", "search_", "find_", "read_")


# --- the catalogue ----------------------------------------------------------------------


def test_counts_and_unique_names():
    names = [t.name for t in TOOLS]
    assert len(names) == len(set(names))
    assert len(TOOLS) >= 100
    assert len({t.app for t in TOOLS}) >= 15
    assert not {t.app for t in FIRST_TOOLS} & {t.app for t in MORE_TOOLS}


def test_tools_is_the_first_eight_apps_then_the_later_thirteen():
    assert len(FIRST_TOOLS) == 34 and TOOLS == [*FIRST_TOOLS, *MORE_TOOLS]
    assert {t.app for t in FIRST_TOOLS} == {"contacts", "messages", "calendar", "clock", "reminders", "notes",
                                            "settings", "weather"}


def test_every_tool_declares_scopes():
    for t in TOOLS:
        assert t.scopes, f"{t.name} declares no scope"
        assert len(set(t.scopes)) == len(t.scopes), t.name
        if t.changes_state:
            assert any(not s.endswith(".read") for s in t.scopes), f"{t.name} changes state with read scopes only"


def test_scopes_are_documented():
    doc = DOC.read_text("utf-8")
    for scope in sorted({s for t in TOOLS for s in t.scopes}):
        assert f"`{scope}`" in doc, f"scope {scope!r} is missing from docs/APPS.md"
    for app in {t.app for t in TOOLS}:
        count = sum(t.app == app for t in TOOLS)
        assert re.search(rf"\| `{app}` \| {count} \|", doc), f"docs/APPS.md: wrong or missing row for {app!r}"


def test_more_tools_follow_the_catalogue_rules():
    descriptions = [t.description for t in TOOLS]
    assert len(set(descriptions)) == len(descriptions)
    for t in MORE_TOOLS:
        assert isinstance(t, Tool)
        assert t.injected == ("phone",), t.name
        assert 3 <= len(t.examples) <= 5, t.name
        assert "phone" not in t.parameters["properties"], t.name
        assert len(t.description) < 140, t.name
        assert t.changes_state is not t.name.startswith(READ_PREFIXES), t.name


def test_sensitive_flags():
    assert {t.name for t in MORE_TOOLS if t.sensitive} == {
        "send_email", "reply_email", "delete_email", "make_call", "delete_voicemail", "delete_photo",
        "delete_file", "book_table", "cancel_booking", "place_food_order", "checkout_shopping_cart",
        "request_ride", "cancel_ride", "send_money", "request_money", "pay_money_request"}


def test_seed_has_the_later_apps_with_unique_ids():
    seed = default_seed()
    assert set(MORE_APPS) <= set(seed)
    collections = [seed["email"]["messages"], seed["calls"]["log"], seed["calls"]["voicemail"],
                   seed["maps"]["places"], seed["music"]["library"], seed["music"]["playlists"],
                   seed["photos"]["items"], seed["photos"]["albums"], seed["files"]["items"], seed["web"]["pages"],
                   seed["restaurants"]["places"], seed["restaurants"]["bookings"], seed["delivery"]["stores"],
                   seed["delivery"]["orders"], seed["shopping"]["products"], seed["shopping"]["orders"],
                   seed["rides"]["rides"], seed["wallet"]["transactions"]]
    for records in collections:
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) and all(isinstance(i, str) for i in ids)


READ_ARGS = {
    "read_email": {"email": "Grace"}, "search_emails": {"query": "flight"},
    "get_directions": {"destination": "Ferry Building"}, "get_travel_time": {"destination": "work"},
    "search_places": {"query": "cafe"}, "search_music": {"query": "jazz"},
    "search_files": {"query": "router"}, "read_text_file": {"file": "router_setup.txt"},
    "search_web": {"query": "everest"}, "read_web_page": {"page": "w1"},
    "get_menu": {"restaurant": "Luigi's"}, "get_table_availability": {"restaurant": "Luigi's", "date": "friday"},
    "search_products": {"query": "scarf"}, "get_ride_estimate": {"destination": "airport"},
    "get_translation": {"text": "hello", "to_language": "Spanish"}, "get_definition": {"word": "frugal"},
}


@pytest.mark.parametrize("t", [t for t in MORE_TOOLS if not t.changes_state], ids=lambda t: t.name)
def test_read_only_tools_change_nothing(phone, t):
    args = READ_ARGS.get(t.name, {})
    assert set(t.parameters.get("required", [])) <= set(args)
    before = phone.state()
    t.invoke(args, {"phone": phone})
    assert phone.state() == before


# --- email ------------------------------------------------------------------------------


def test_list_and_read_emails(phone):
    inbox = call(phone, "list_emails")
    assert [m["id"] for m in inbox][:2] == ["em6", "em3"] and inbox[0]["unread"] is True
    assert [m["id"] for m in call(phone, "list_emails", unread_only=True)] == ["em6", "em3", "em4"]
    assert call(phone, "list_emails", folder="sent")[0]["to"] == "bob.smith@example.com"
    assert call(phone, "read_email", email="the email from Grace")["subject"] == "Project review agenda"
    fails(phone, "list_emails", "folders: inbox, sent, archive, trash", folder="spam")
    fails(phone, "read_email", "no email matches", email="wedding invitation")


def test_search_emails(phone):
    assert [m["id"] for m in call(phone, "search_emails", query="pumpkin")] == ["em8"]
    assert call(phone, "search_emails", query="pumpkin", folder="inbox") == []
    fails(phone, "search_emails", "empty query", query="  ")


def test_send_email(phone):
    result, diffs = changes(phone, "send_email", to="Bob, frank.miller@example.com", subject="Budget",
                            body="Numbers are final")
    assert result == {"status": "sent", "id": "em9", "to": ["bob.smith@example.com", "frank.miller@example.com"],
                      "subject": "Budget"}
    assert len(diffs) == 1 and diffs[0].startswith("+ email.messages.em9")
    fails(phone, "send_email", "no contact named 'Zoe'", to="Zoe", subject="x", body="hi")
    fails(phone, "send_email", "body is empty", to="Bob", subject="x", body=" ")


def test_reply_email(phone):
    result, diffs = changes(phone, "reply_email", email="Alice", body="Booked it")
    assert result["to"] == ["alice.johnson@example.com"] and result["subject"] == "Re: Lunch on Friday"
    assert phone.state()["email"]["messages"][-1]["in_reply_to"] == "em1"
    _, diffs = changes(phone, "reply_email", email="expense report", body="Will do")
    assert "~ email.messages.em6.read: false -> true" in diffs
    fails(phone, "reply_email", "sent by you", email="Budget numbers", body="again")


def test_archive_and_delete_email(phone):
    _, diffs = changes(phone, "archive_email", email="library")
    assert diffs == ['~ email.messages.em5.folder: "inbox" -> "archive"']
    fails(phone, "archive_email", "already in archive", email="library")
    _, diffs = changes(phone, "delete_email", email="expense report")
    assert diffs == ['~ email.messages.em6.folder: "inbox" -> "trash"']
    fails(phone, "delete_email", "no email matches", email="lottery")


# --- calls ------------------------------------------------------------------------------


def test_make_call(phone):
    result, diffs = changes(phone, "make_call", to="mom")
    assert result == {"status": "calling", "to": "Mom", "number": "+1 415 555 0109", "id": "k7"}
    assert len(diffs) == 1 and diffs[0].startswith("+ calls.log.k7")
    assert call(phone, "make_call", to="415 555 0199")["to"] == "415 555 0199"
    fails(phone, "make_call", "no contact named", to="Zoe")


def test_call_log_and_missed_calls(phone):
    assert [c["id"] for c in call(phone, "list_recent_calls", limit=3)] == ["k6", "k5", "k4"]
    assert [c["id"] for c in call(phone, "list_recent_calls", contact="Dave")] == ["k2"]
    assert [c["name"] for c in call(phone, "list_missed_calls")] == ["Bob Smith", "+1 415 555 0199", "Henry Wilson"]
    fails(phone, "list_recent_calls", "no contact named", contact="Zoe")


def test_voicemail(phone):
    assert [v["id"] for v in call(phone, "list_voicemails", unheard_only=True)] == ["v3", "v1"]
    result, diffs = changes(phone, "play_voicemail")
    assert result["from"] == "Bob Smith" and "slides" in result["transcript"]
    assert diffs == ["~ calls.voicemail.v3.heard: false -> true"]
    assert call(phone, "play_voicemail", voicemail="Henry's")["id"] == "v1"
    fails(phone, "play_voicemail", "no voicemail matches", voicemail="Grace")
    result, diffs = changes(phone, "delete_voicemail", voicemail="Bright Smile Dental")
    assert result["deleted"]["id"] == "v2" and diffs[0].startswith("- calls.voicemail.v2")
    fails(phone, "delete_voicemail", "no voicemail matches", voicemail="Zoe")


# --- maps -------------------------------------------------------------------------------


def test_search_places(phone):
    cafes = call(phone, "search_places", query="coffee shop nearby")
    assert [(p["name"], p["distance_km"]) for p in cafes] == [("Ritual Coffee", 0.5), ("Blue Bottle Coffee", 5.2)]
    assert [p["name"] for p in call(phone, "search_places", query="Italian restaurant in the Mission")] == [
        "Bella Napoli"]
    fails(phone, "search_places", "Kinds of places:.*pharmacy", query="zoo")


def test_directions_and_travel_time(phone):
    d = call(phone, "get_directions", destination="Ferry Building")
    assert (d["from"]["name"], d["to"]["address"], d["distance_km"], d["duration_minutes"]) == (
        "Home", "1 Ferry Building", 6.9, 20)
    walk = call(phone, "get_directions", destination="Blue Bottle Coffee", origin="work", mode="walking")
    assert (walk["mode"], walk["distance_km"], walk["duration_minutes"]) == ("walk", 0.6, 8)
    assert call(phone, "get_directions", destination="Ferry Building") == d  # deterministic
    t = call(phone, "get_travel_time", destination="the airport")
    assert t["to"] == "SFO Terminal 2" and t["minutes"]["drive"] < t["minutes"]["walk"]
    fails(phone, "get_directions", "unknown travel mode 'teleport'", destination="work", mode="teleport")
    fails(phone, "get_directions", "no place matches", destination="Atlantis")
    fails(phone, "get_directions", "already at", destination="home")
    fails(phone, "get_travel_time", "no place matches 'Atlantis'", destination="Atlantis")


def test_current_location(phone):
    assert call(phone, "get_current_location") == {
        "name": "Home", "address": "1200 Valencia St", "area": "Mission", "city": "San Francisco",
        "home": "1200 Valencia St", "work": "500 Howard St"}


def test_set_home_and_work(phone):
    result, diffs = changes(phone, "set_home_address", address="350 Hayes St, Hayes Valley")
    assert result == {"home": {"name": "Home", "address": "350 Hayes St", "area": "Hayes Valley"}}
    assert '~ maps.places.p1.address: "1200 Valencia St" -> "350 Hayes St"' in diffs
    result = call(phone, "set_work_address", address="12 Lombard St, North Beach")
    assert result["work"]["area"] == "North Beach"
    assert call(phone, "get_travel_time", destination="work")["from"] == "Home"
    fails(phone, "set_work_address", "add its neighborhood", address="1 Infinite Loop")
    fails(phone, "set_home_address", "give the new home address", address="  ")


# --- music ------------------------------------------------------------------------------


def test_search_music(phone):
    found = call(phone, "search_music", query="jazz")
    assert [s["title"] for s in found["songs"]] == ["Autumn Waltz", "Smoke Rings", "Quiet Corner"]
    assert call(phone, "search_music", query="chill")["playlists"] == ["Chill Evening"]


def test_play_pause_and_queue(phone):
    fails(phone, "pause_music", "nothing is playing")
    fails(phone, "play_music", "nothing to resume")
    result, diffs = changes(phone, "play_music", query="my Morning Run playlist")
    assert result["now_playing"]["title"] == "Run to You" and result["up_next"] == ["Pulse", "Open Road", "Thunder Line"]
    assert '~ music.player.status: "stopped" -> "playing"' in diffs
    assert call(phone, "pause_music")["status"] == "paused"
    assert call(phone, "play_music")["status"] == "playing"
    assert call(phone, "add_to_queue", song="Lighthouse by The Lanterns")["up_next"][-1] == "Lighthouse"
    now = call(phone, "get_now_playing")
    assert now["status"] == "playing" and now["up_next"][-1] == "Lighthouse"
    assert call(phone, "play_music", query="Ridgeback")["up_next"] == ["Thunder Line"]
    fails(phone, "play_music", "Artists: .*The Lanterns", query="polka")
    fails(phone, "add_to_queue", "no song matches", song="Yesterday")


def test_playlists(phone):
    assert call(phone, "list_playlists")[1] == {
        "name": "Chill Evening",
        "songs": ["Blue Morning - The Lanterns", "Quiet Corner - Miles Carter Trio", "Nocturne in Rain - Clara Whitfield"]}
    result, diffs = changes(phone, "create_playlist", name="Focus", songs=["Nocturne in Rain", "quiet corner"])
    assert result == {"name": "Focus", "songs": 2} and diffs[0].startswith("+ music.playlists.pl4")
    fails(phone, "create_playlist", "already exists", name="focus")
    fails(phone, "create_playlist", "no song matches", name="Road Trip", songs=["Highway Song"])
    _, diffs = changes(phone, "add_to_playlist", playlist="Chill Evening playlist", song="Lighthouse")
    assert diffs == ['~ music.playlists.pl2.songs: ["s1", "s9", "s14"] -> ["s1", "s9", "s14", "s3"]']
    fails(phone, "add_to_playlist", "already on", playlist="Chill Evening", song="Lighthouse")
    fails(phone, "add_to_playlist", "no playlist matches", playlist="Workout", song="Pulse")


# --- photos -----------------------------------------------------------------------------


def test_search_photos(phone):
    assert [p["id"] for p in call(phone, "search_photos", query="photos of Mom")] == ["ph5", "ph2", "ph1"]
    assert [p["id"] for p in call(phone, "search_photos", date="2025")] == ["ph2", "ph1"]
    assert [p["id"] for p in call(phone, "search_photos", query="thanksgiving")] == ["ph2", "ph1"]
    assert [p["id"] for p in call(phone, "search_photos", date="yesterday")] == ["ph9"]
    assert [p["id"] for p in call(phone, "search_photos", query="park", date="2026-11")] == ["ph7", "ph6"]
    fails(phone, "search_photos", "cannot read 'someday' as a date", date="someday")


def test_search_photos_falls_back_to_the_most_words(phone):
    # no photo holds "10" or "people": the one holding the other two words is found
    assert [p["id"] for p in call(phone, "search_photos", query="10 people in my Halloween costume")] == ["ph3"]
    # one word of three is not enough
    assert call(phone, "search_photos", query="halloween zebra giraffe") == []
    assert call(phone, "search_photos", query="zebra") == []


def test_albums(phone):
    assert call(phone, "list_albums")[0] == {"name": "Thanksgiving", "count": 2, "photos": ["ph1", "ph2"]}
    result, diffs = changes(phone, "create_album", name="Park Day", photos=["ph6", "ph7"])
    assert result == {"name": "Park Day", "photos": ["ph6", "ph7"]} and diffs[0].startswith("+ photos.albums.al3")
    fails(phone, "create_album", "already exists", name="favorites")
    fails(phone, "create_album", "no photo matches 'ph99'", name="X", photos=["ph99"])
    _, diffs = changes(phone, "add_to_album", album="favorites", photos=["ph3"])
    assert diffs == ['~ photos.albums.al2.photos: ["ph5", "ph6"] -> ["ph5", "ph6", "ph3"]']
    fails(phone, "add_to_album", "already in", album="Favorites", photos=["ph3"])
    fails(phone, "add_to_album", "no album matches", album="Vacation", photos=["ph3"])
    _, diffs = changes(phone, "remove_from_album", album="Thanksgiving album", photos=["ph2"])
    assert diffs == ['~ photos.albums.al1.photos: ["ph1", "ph2"] -> ["ph1"]']
    fails(phone, "remove_from_album", "not in 'Thanksgiving'", album="Thanksgiving", photos=["ph9"])


def test_delete_photo_leaves_albums(phone):
    result, diffs = changes(phone, "delete_photo", photo="ph6")
    assert result["deleted"]["description"] == "Alice by the lake"
    assert sorted(diffs)[0].startswith("- photos.items.ph6")
    assert phone.state()["photos"]["albums"][1]["photos"] == ["ph5"]
    fails(phone, "delete_photo", "no photo matches", photo="ph99")


# --- files ------------------------------------------------------------------------------


def test_list_and_search_files(phone):
    top = call(phone, "list_files")
    assert top == {"folder": "/", "folders": ["/Documents", "/Downloads", "/Work", "/Pictures"], "files": []}
    docs = call(phone, "list_files", folder="documents")
    assert docs["folders"] == ["/Documents/Notes", "/Documents/Recipes"]
    assert [f["name"] for f in docs["files"]] == ["Resume.pdf", "Taxes 2025.pdf"]
    assert call(phone, "list_files", folder="Recipes")["files"][0]["name"] == "Pumpkin pie.txt"
    assert [f["path"] for f in call(phone, "search_files", query="boarding pass")] == [
        "/Downloads/boarding_pass_SH212.pdf"]
    assert [f["name"] for f in call(phone, "search_files", query="cinnamon")] == ["Pumpkin pie.txt"]
    fails(phone, "list_files", "no folder 'Music'. Folders: /, /Documents", folder="Music")
    fails(phone, "search_files", "empty query", query=" ")


def test_read_text_file(phone):
    assert "HOME-5G" in call(phone, "read_text_file", file="router_setup.txt")["text"]
    assert call(phone, "read_text_file", file="meeting notes")["path"].endswith("Meeting notes 2026-11-24.txt")
    fails(phone, "read_text_file", "is a PDF file", file="Resume.pdf")
    fails(phone, "read_text_file", "no file matches", file="diary")


def test_rename_move_create_delete_files(phone):
    result, diffs = changes(phone, "rename_file", file="Resume.pdf", new_name="Resume 2026")
    assert result == {"renamed": "/Documents/Resume.pdf", "path": "/Documents/Resume 2026.pdf"}
    assert diffs == ['~ files.items.f1.path: "/Documents/Resume.pdf" -> "/Documents/Resume 2026.pdf"']
    fails(phone, "rename_file", "already exists", file="Resume 2026", new_name="Taxes 2025.pdf")
    fails(phone, "rename_file", "plain file name", file="Resume 2026", new_name="Work/x.pdf")
    # renaming to its own name changes nothing, so it is no change (a later change of it is not a repeat)
    before = phone.state()
    fails(phone, "rename_file", "already has that name; nothing was renamed", file="Resume 2026",
          new_name="Resume 2026.pdf")
    fails(phone, "rename_file", "already has that name", file="Resume 2026", new_name="Resume 2026")
    assert phone.state() == before
    result = call(phone, "move_file", file="boarding pass", folder="Documents")
    assert result["path"] == "/Documents/boarding_pass_SH212.pdf"
    fails(phone, "move_file", "already in /Documents", file="boarding pass", folder="/Documents")
    fails(phone, "move_file", "no folder 'Travel'", file="invoice", folder="Travel")
    _, diffs = changes(phone, "create_folder", name="Travel")
    assert diffs == ['~ files.folders: ["/Documents", "/Documents/Notes", "/Documents/Recipes", "/Downloads", '
                     '"/Work", "/Pictures"] -> ["/Documents", "/Documents/Notes", "/Documents/Recipes", '
                     '"/Downloads", "/Work", "/Pictures", "/Travel"]']
    assert call(phone, "move_file", file="invoice", folder="travel")["path"] == "/Travel/invoice_1042.pdf"
    fails(phone, "create_folder", "already exists", name="travel")
    result, diffs = changes(phone, "delete_file", file="2025 taxes")
    assert result["deleted"]["path"] == "/Documents/Taxes 2025.pdf" and diffs[0].startswith("- files.items.f2")
    fails(phone, "delete_file", "no file matches", file="holiday video")


# --- web --------------------------------------------------------------------------------


def test_search_and_read_web(phone):
    results = call(phone, "search_web", query="how long to boil an egg")
    assert results[0]["id"] == "w6" and results[0]["snippet"] == "Place eggs in boiling water."
    assert [r["id"] for r in call(phone, "search_web", query="height of Mount Everest")] == ["w10"]
    # the snippet is the passage with the query's words, not the page's first sentence
    [skyhigh] = [r for r in call(phone, "search_web", query="SkyHigh checked bag weight limit") if r["id"] == "w2"]
    assert skyhigh["snippet"] == "Economy Plus and higher include one checked bag up to 23 kg."
    assert call(phone, "search_web", query="quantum chromodynamics") == []
    fails(phone, "search_web", "no search words", query="what is the")
    page = call(phone, "read_web_page", page="w4")
    assert "Thursday, November 26" in page["text"]
    assert call(phone, "read_web_page", page="https://parks.example.org/golden-gate-park")["id"] == "w3"
    fails(phone, "read_web_page", "no page matches", page="w99")


def test_bookmarks(phone):
    result, diffs = changes(phone, "bookmark_web_page", page="tipping guide")
    assert result["page_id"] == "w9" and diffs[0].startswith("+ web.bookmarks.bm2")
    assert [b["page_id"] for b in call(phone, "list_bookmarks")] == ["w3", "w9"]
    fails(phone, "bookmark_web_page", "already bookmarked", page="w3")


# --- restaurants ------------------------------------------------------------------------


def test_search_restaurants_and_menu(phone):
    assert [r["name"] for r in call(phone, "search_restaurants", cuisine="sushi")] == ["Sakura Sushi"]
    assert [r["name"] for r in call(phone, "search_restaurants", cuisine="Italian")] == ["Luigi's", "Bella Napoli"]
    assert [r["name"] for r in call(phone, "search_restaurants", cuisine="italian", area="the Mission")] == [
        "Bella Napoli"]
    fails(phone, "search_restaurants", "Cuisines: Chinese, French", cuisine="Ethiopian")
    menu = call(phone, "get_menu", restaurant="luigis")
    assert menu["restaurant"] == "Luigi's" and {"item": "Tiramisu", "price": 9.0} in menu["menu"]
    fails(phone, "get_menu", "no restaurant matches", restaurant="Chez Nobody")


def test_table_availability(phone):
    free = call(phone, "get_table_availability", restaurant="Luigi's", date="friday")["free_times"]
    assert "12:30" not in free and "19:00" not in free and free[:3] == ["11:30", "12:00", "13:00"]
    tonight = call(phone, "get_table_availability", restaurant="Sakura Sushi", date="today")["free_times"]
    assert tonight[0] == "17:00" and tonight[-1] == "21:00"
    fails(phone, "get_table_availability", "parties of 1 to 6", restaurant="Sakura", date="friday", party_size=9)


def test_book_and_cancel_table(phone):
    # the free times nearest the one asked for, a later one first when as near (for "or the next free time")
    fails(phone, "book_table", "fully booked at 12:30.*nearest free times: 13:00, 12:00, 13:30, 11:30, 14:00, 14:30$",
          restaurant="Luigi's", date="friday", time="12:30")
    fails(phone, "book_table", "fully booked at 19:00.*nearest free times: 19:30, 18:30, 20:00, 18:00",
          restaurant="Luigi's", date="friday", time="7pm")
    fails(phone, "book_table", "not a booking time", restaurant="Sakura Sushi", date="friday", time="9am")
    result, diffs = changes(phone, "book_table", restaurant="Luigi's", date="friday", time="1pm", party_size=2)
    assert result == {"id": "b2", "restaurant_id": "rs1", "restaurant": "Luigi's", "date": "2026-11-27",
                      "time": "13:00", "party_size": 2, "status": "confirmed"}
    assert len(diffs) == 1
    assert [b["id"] for b in call(phone, "list_bookings")] == ["b2", "b1"]
    _, diffs = changes(phone, "cancel_booking", booking="sunday")
    assert diffs == ['~ restaurants.bookings.b1.status: "confirmed" -> "cancelled"']
    assert call(phone, "cancel_booking", booking="Luigi's")["status"] == "cancelled"
    assert call(phone, "list_bookings") == []
    fails(phone, "cancel_booking", "no bookings to cancel", booking="Luigi's")


def test_an_event_at_a_booked_restaurant_starts_at_the_table_time(phone):
    # ma-034 at 532e5a0: a table booked for 19:30, then "dinner at Luigi's" put on the calendar at 18:00
    before = phone.state()
    call(phone, "book_table", restaurant="Luigi's", date="friday", time="19:30", party_size=2)
    fails(phone, "create_event", re.escape("Luigi's is booked for 19:30 on 2026-11-27 (booking b2), not 18:00: "
                                           "start the event at 19:30"),
          title="Dinner", date="friday", start_time="18:00", location="Luigi's")
    fails(phone, "create_event", "booked for 19:30", title="Dinner at luigis", date="friday", start_time="6pm")
    assert phone.state()["calendar"] == before["calendar"]  # refused: nothing added
    assert call(phone, "create_event", title="Dinner", date="friday", start_time="7:30pm", location="Luigi's")
    # another day, another place, or a cancelled table: no such check
    assert call(phone, "create_event", title="Lunch at Luigi's", date="saturday", start_time="12:00")
    assert call(phone, "create_event", title="Drinks", date="friday", start_time="18:00", location="Zeitgeist")
    call(phone, "cancel_booking", booking="Luigi's")
    assert call(phone, "create_event", title="Dinner", date="friday", start_time="18:00", location="Luigi's")


def test_full_slot_fills_up(phone):
    for _ in range(2):
        call(phone, "book_table", restaurant="Sakura Sushi", date="friday", time="18:00")
    fails(phone, "book_table", "fully booked", restaurant="Sakura Sushi", date="friday", time="18:00")


# --- food delivery ----------------------------------------------------------------------


def test_search_food_delivery(phone):
    pho = call(phone, "search_food_delivery", query="pho")
    assert [s["store"] for s in pho] == ["Pho Saigon"] and len(pho[0]["items"]) == 4
    pizza = call(phone, "search_food_delivery", query="pizzas")
    assert [s["store"] for s in pizza] == ["Pizza Palace"]
    assert [s["store"] for s in call(phone, "search_food_delivery", query="tiramisu")] == ["Pizza Palace"]
    assert len(call(phone, "search_food_delivery")) == 5


def test_food_cart_and_order(phone):
    fails(phone, "place_food_order", "cart is empty")
    fails(phone, "clear_food_cart", "already empty")
    cart, diffs = changes(phone, "add_to_food_cart", item="a beef pho")
    assert cart["store"] == "Pho Saigon" and cart["total"] == 15.49 and cart["ordered"].startswith("not yet")
    cart = call(phone, "add_to_food_cart", item="spring rolls", quantity=2)
    assert cart["subtotal"] == 27.5 and cart["total"] == 29.49
    fails(phone, "add_to_food_cart", "holds dishes from Pho Saigon", item="fries")
    fails(phone, "add_to_food_cart", "no menu item matches", item="lobster")
    fails(phone, "add_to_food_cart", "at least 1", item="banh mi", quantity=0)
    assert call(phone, "get_food_cart") == cart
    order, diffs = changes(phone, "place_food_order")
    assert order == {"id": "o2", "store": "Pho Saigon", "total": 29.49, "placed": "2026-11-25T09:00:00",
                     "eta": "2026-11-25T09:30:00", "status": "preparing", "minutes_left": 30,
                     "address": "1200 Valencia St"}
    assert any(d.startswith("+ delivery.orders.o2") for d in diffs)
    assert call(phone, "get_food_cart")["items"] == []
    assert call(phone, "get_food_order_status")["id"] == "o2"
    assert call(phone, "get_food_order_status", order="o1")["status"] == "delivered"
    fails(phone, "get_food_order_status", "no order matches", order="Burger Barn")
    phone.set("clock.now", "2026-11-25T09:15:00")
    assert call(phone, "get_food_order_status", order="o2")["status"] == "on the way"


def test_several_dishes_in_one_call(phone):
    cart, diffs = changes(phone, "add_to_food_cart", item="a margherita pizza and garlic knots", store="Pizza Palace")
    assert [(i["name"], i["quantity"]) for i in cart["items"]] == [("Margherita pizza", 1), ("Garlic knots", 1)]
    cart = call(phone, "add_to_food_cart", item="Tiramisu, caesar salad", quantity=2)
    assert [i["name"] for i in cart["items"]][2:] == ["Tiramisu", "Caesar salad"] and cart["items"][3]["quantity"] == 2
    # one part that is no dish: nothing is added, and the error names that part
    fails(phone, "add_to_food_cart", "no menu item matches 'lobster'. Existing menu items", item="pepperoni pizza and lobster")
    assert call(phone, "get_food_cart") == cart
    # dishes of two stores: nothing is added
    call(phone, "clear_food_cart")
    fails(phone, "add_to_food_cart", "come from different stores", item="fries and a croissant")
    assert call(phone, "get_food_cart")["items"] == []
    # a list whose whole text is near one dish is still a list: the fries are not added alone
    # and the dish that was found is named, to give again (ma-062: the fries were dropped)
    fails(phone, "add_to_food_cart", "vanilla milkshake.*Nothing was added, not 'Fries' either: give it again",
          item="fries, vanilla milkshake", store="Burger Barn")
    assert call(phone, "get_food_cart")["items"] == []


def test_a_store_is_not_a_delivery_address(phone):
    call(phone, "add_to_food_cart", item="pepperoni pizza")
    # the call to make comes first (ma-061: "leave it empty for home" and the store was given again)
    fails(phone, "place_food_order", "names the store Pizza Palace, not where to deliver. To deliver home, call "
          "place_food_order again with no address;", address="Pizza Palace")
    # another store than the cart's: the error says what the cart holds and how to order from that store
    fails(phone, "place_food_order", re.escape("the cart holds dishes from Pizza Palace, not Sushi Express: to order "
          "from Sushi Express, clear the cart (clear_food_cart)"), address="Sushi Express, San Francisco, CA 94103, USA")
    assert call(phone, "get_food_cart")["items"][0]["name"] == "Pepperoni pizza"  # nothing was ordered
    assert call(phone, "place_food_order", address="work")["address"] == "500 Howard St"


def test_food_order_to_work_and_clear(phone):
    call(phone, "add_to_food_cart", item="croissant", store="Morning Bakery")
    assert call(phone, "place_food_order", address="work")["address"] == "500 Howard St"
    call(phone, "add_to_food_cart", item="fries")
    _, diffs = changes(phone, "clear_food_cart")
    assert sorted(diffs)[0].startswith("~ delivery.cart")
    fails(phone, "add_to_food_cart", "no store matches", item="fries", store="Nowhere Diner")


# --- shopping ---------------------------------------------------------------------------


def test_search_products(phone):
    assert [p["name"] for p in call(phone, "search_products", query="yoga mat", max_price=50)] == ["Yoga mat"]
    assert call(phone, "search_products", query="headphones", max_price=50) == []
    assert [p["name"] for p in call(phone, "search_products", query="electronics")][:2] == [
        "Phone case", "USB-C charger 65W"]


def test_shopping_cart_and_checkout(phone):
    fails(phone, "checkout_shopping_cart", "cart is empty")
    cart, diffs = changes(phone, "add_to_shopping_cart", product="wool scarf")
    assert cart == {"items": [{"name": "Wool scarf", "quantity": 1, "price": 34.0}], "subtotal": 34.0,
                    "shipping": 4.99, "total": 38.99, "ordered": "not yet (checkout_shopping_cart orders the cart)"}
    assert len(diffs) == 1
    cart = call(phone, "add_to_shopping_cart", product="phone cases", quantity=2)
    assert cart["subtotal"] == 73.98 and cart["shipping"] == 0.0
    fails(phone, "add_to_shopping_cart", "out of stock", product="travel backpack")
    fails(phone, "add_to_shopping_cart", "no product matches", product="hoverboard")
    removed = call(phone, "remove_from_shopping_cart", product="scarf")
    assert removed["removed"] == "Wool scarf" and removed["total"] == 39.98
    fails(phone, "remove_from_shopping_cart", "no cart item matches", product="yoga mat")
    assert call(phone, "get_shopping_cart")["total"] == 39.98
    order, diffs = changes(phone, "checkout_shopping_cart")
    assert order == {"id": "so2", "total": 39.98, "delivery_date": "2026-11-28", "address": "1200 Valencia St",
                     "status": "ordered"}
    assert call(phone, "get_shopping_cart")["items"] == []
    history = call(phone, "list_shopping_orders")
    assert [(o["id"], o["status"]) for o in history] == [("so2", "ordered"), ("so1", "delivered")]


def test_a_shop_product_in_the_food_cart_and_a_dish_in_the_shop_s_cart_point_to_the_other_cart(phone):
    before = phone.state()
    fails(phone, "add_to_food_cart", "'a wool scarf' is no dish: it is 'Wool scarf', a product of the shop; "
                                      "add it with add_to_shopping_cart", item="a wool scarf")
    fails(phone, "add_to_shopping_cart", "'garlic knots' is no product of the shop: it is 'Garlic knots' on "
                                         "Pizza Palace's menu; add it with add_to_food_cart", product="garlic knots")
    # neither: the plain error, and nothing changed
    fails(phone, "add_to_food_cart", "no menu item matches", item="hoverboard")
    fails(phone, "add_to_shopping_cart", "no product matches", product="hoverboard")
    assert phone.state() == before


# --- rides ------------------------------------------------------------------------------


def test_ride_estimate(phone):
    est = call(phone, "get_ride_estimate", destination="work")
    assert (est["pickup"], est["destination"]) == ("Home", "Work")
    prices = [o["price"] for o in est["options"]]
    assert prices == sorted(prices) and [o["type"] for o in est["options"]] == ["standard", "xl", "premium"]
    assert call(phone, "get_ride_estimate", destination="work") == est
    fails(phone, "get_ride_estimate", "no place matches", destination="Atlantis")


def test_request_track_cancel_ride(phone):
    est = call(phone, "get_ride_estimate", destination="work")
    ride, diffs = changes(phone, "request_ride", destination="work", ride_type="XL")
    assert ride["id"] == "rd2" and ride["type"] == "xl" and ride["status"] == "driver on the way"
    assert ride["price"] == est["options"][1]["price"] and ride["driver_arrives_in_minutes"] == 7
    assert len(diffs) == 1 and diffs[0].startswith("+ rides.rides.rd2")
    fails(phone, "request_ride", "still active", destination="home", pickup="work")
    assert call(phone, "get_ride_status")["driver"] == ride["driver"]
    assert call(phone, "get_ride_status", ride="Ferry Building")["status"] == "completed"
    fails(phone, "get_ride_status", "no ride matches", ride="Atlantis")
    phone.set("clock.now", "2026-11-25T09:10:00")
    assert call(phone, "get_ride_status")["status"] == "on the trip"
    _, diffs = changes(phone, "cancel_ride")
    assert diffs == ['~ rides.rides.rd2.status: "active" -> "cancelled"']
    fails(phone, "cancel_ride", "no active ride")
    assert [r["status"] for r in call(phone, "list_rides")] == ["cancelled", "completed"]


def test_request_ride_bad_values(phone):
    fails(phone, "request_ride", "types: standard, xl, premium", destination="work", ride_type="helicopter")
    fails(phone, "request_ride", "both Home", destination="home")


# --- wallet -----------------------------------------------------------------------------


def test_wallet_balance(phone):
    w = call(phone, "get_wallet_balance")
    assert w["balance"] == 245.5 and w["currency"] == "USD"
    assert [r["name"] for r in w["requests_to_pay"]] == ["Dave Brown"]
    assert [r["name"] for r in w["requests_sent"]] == ["Carol White"]


def test_send_money(phone):
    result, diffs = changes(phone, "send_money", to="bob", amount=20, note="lunch")
    assert result["balance"] == 225.5 and result["name"] == "Bob Smith" and result["kind"] == "sent"
    assert len(diffs) == 2 and "~ wallet.balance: 245.5 -> 225.5" in diffs
    assert any(d.startswith("+ wallet.transactions.tx6") for d in diffs)
    fails(phone, "send_money", "not enough money", to="bob", amount=500)
    fails(phone, "send_money", "over the 1000.00 limit", to="bob", amount=2000)
    fails(phone, "send_money", "must be positive", to="bob", amount=-5)
    fails(phone, "send_money", "no contact named", to="Zoe", amount=5)


def test_request_and_pay_money(phone):
    result, diffs = changes(phone, "request_money", person="jack", amount=15, note="movie")
    assert (result["kind"], result["status"], result["amount"]) == ("request_out", "pending", 15.0)
    assert len(diffs) == 1
    fails(phone, "request_money", "no contact named", person="Zoe", amount=5)
    paid, diffs = changes(phone, "pay_money_request", request="Dave's money request")
    assert paid["paid_request"] == "tx4" and paid["balance"] == 230.5
    assert '~ wallet.transactions.tx4.status: "pending" -> "paid"' in diffs
    fails(phone, "pay_money_request", "no money requests to pay", request="Dave")


@pytest.mark.parametrize("request_", ["Dave Brown Game night snacks", "Dave's money request for the game night snacks",
                                      "tx4: Dave Brown Game night snacks"])
def test_a_request_is_found_by_who_and_what_together(phone, request_):
    # words of the payer's name and of the note, as the "no request matches" listing shows them
    paid, _ = changes(phone, "pay_money_request", request=request_)
    assert paid["paid_request"] == "tx4"


def test_list_transactions(phone):
    assert [t["id"] for t in call(phone, "list_transactions", limit=2)] == ["tx5", "tx4"]
    assert [t["id"] for t in call(phone, "list_transactions", contact="Alice")] == ["tx1"]
    fails(phone, "list_transactions", "no contact named", contact="Zoe")


def test_wallet_amount_must_be_a_number(phone):
    before = phone.state()
    with pytest.raises(ToolArgumentError, match="amount"):
        call(phone, "send_money", to="bob", amount="a lot")
    assert phone.state() == before


@pytest.mark.parametrize("name, args", [
    ("send_email", {"to": "Bob", "subject": "x"}),
    ("create_album", {"name": "X", "photos": "ph1"}),
    ("book_table", {"restaurant": "Luigi's", "date": "friday", "time": "13:00", "party_size": "four"}),
    ("add_to_food_cart", {"item": "fries", "quantity": "two"}),
    ("search_products", {"query": "mat", "max_price": "cheap"}),
    ("request_ride", {"destination": "work", "seats": 2}),
    ("play_voicemail", {"voicemail": ["v1"]}),
    ("get_translation", {}),
])
def test_wrong_type_args_raise_argument_error_and_change_nothing(phone, name, args):
    before = phone.state()
    with pytest.raises(ToolArgumentError):
        REGISTRY.get(name).invoke(args, {"phone": phone})
    assert phone.state() == before


# --- translate --------------------------------------------------------------------------


def test_translation(phone):
    assert call(phone, "get_translation", text="thank you", to_language="French")["translation"] == "merci"
    back = call(phone, "get_translation", text="¿Dónde está el baño?")
    assert (back["from"], back["to"], back["translation"]) == ("Spanish", "English", "where is the bathroom?")
    assert call(phone, "get_translation", text="I'm sorry", to_language="de")["translation"] == "es tut mir leid"
    assert call(phone, "get_translation", text="Danke", to_language="italiano")["translation"] == "grazie"
    fails(phone, "get_translation", "languages: English, French, German, Italian, Spanish",
          text="hello", to_language="Japanese")
    fails(phone, "get_translation", "Known phrases", text="the quick brown fox", to_language="French")
    fails(phone, "get_translation", "already English", text="hello", to_language="English")


def test_definition_and_languages(phone):
    assert call(phone, "get_definition", word="Serendipity")["part_of_speech"] == "noun"
    fails(phone, "get_definition", "not in the offline dictionary", word="flibbertigibbet")
    assert call(phone, "list_translation_languages") == ["English", "French", "German", "Italian", "Spanish"]


def test_phrasebook(phone):
    result, diffs = changes(phone, "save_translation", text="where is the bathroom", to_language="Spanish")
    assert result["translation"] == "¿dónde está el baño?" and diffs[0].startswith("+ translate.saved.sv1")
    assert [e["id"] for e in call(phone, "list_saved_translations")] == ["sv1"]
    fails(phone, "save_translation", "already in the phrasebook", text="Where is the bathroom?", to_language="es")
    fails(phone, "save_translation", "Known phrases", text="where is the zoo", to_language="es")
