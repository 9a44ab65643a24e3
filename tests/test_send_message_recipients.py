"""send_message to several recipients at once: one message each, all or nothing."""

from __future__ import annotations

import pytest

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone import Phone
from phone_calls import call, changes, fails


def sent(phone: Phone, before: dict) -> list[dict]:
    """The messages added since ``before``."""
    old = {m["id"] for m in before["messages"]}
    return [m for m in phone.state()["messages"] if m["id"] not in old]


@pytest.mark.parametrize("to", ["Alice and Bob", "Alice, Bob", "alice; bob", "Alice & Bob", "Alice And Bob",
                                "Alice, and Bob"])
def test_two_contacts_get_one_message_each(phone, to):
    before = phone.state()
    result, diffs = changes(phone, "send_message", to=to, body="Dinner is at 8")
    assert result == {"status": "sent", "to": ["Alice Johnson", "Bob Smith"], "body": "Dinner is at 8",
                      "ids": ["m11", "m12"]}
    assert len(diffs) == 2
    new = sent(phone, before)
    assert [(m["id"], m["contact_id"], m["name"], m["number"]) for m in new] == [
        ("m11", "c1", "Alice Johnson", "+1 415 555 0101"), ("m12", "c2", "Bob Smith", "+1 415 555 0102")]
    assert all(m["body"] == "Dinner is at 8" and m["direction"] == "out" and m["read"] for m in new)
    assert new[0]["time"] == new[1]["time"] == "2026-11-25T09:00:00"


def test_contacts_and_a_raw_number(phone):
    before = phone.state()
    result = call(phone, "send_message", to="Bob Smith, +1 415 555 0199, Henry", body="Running late")
    assert result["to"] == ["Bob Smith", "+1 415 555 0199", "Henry Wilson"]
    new = sent(phone, before)
    assert [(m["contact_id"], m["number"]) for m in new] == [
        ("c2", "+1 415 555 0102"), (None, "+1 415 555 0199"), ("c8", "+1 415 555 0108")]
    assert result["ids"] == [m["id"] for m in new]


def test_a_contact_named_twice_gets_one_message(phone):
    before = phone.state()
    result = call(phone, "send_message", to="Alice, Bob and alice johnson", body="hi")
    assert result["to"] == ["Alice Johnson", "Bob Smith"] and len(sent(phone, before)) == 2
    # the same person by name and by number, or twice by name: one message, the one-recipient result
    for to in ["Alice and Alice", "Alice, +1 415 555 0101"]:
        before = phone.state()
        result = call(phone, "send_message", to=to, body="hi")
        assert result["to"] == "Alice Johnson" and "id" in result
        assert len(sent(phone, before)) == 1
    # the same unknown number twice, written two ways
    before = phone.state()
    call(phone, "send_message", to="Alice, 415 555 0199, +1 (415) 555-0199", body="hi")
    assert [m["number"] for m in sent(phone, before)] == ["+1 415 555 0101", "415 555 0199"]


@pytest.mark.parametrize("to, item, error", [
    ("Alice, Zed and Bob", "Zed", "no contact named 'Zed'"),
    ("Bob and Zebulon", "Zebulon", "no contact named 'Zebulon'"),
    ("Alice, son", "son", "'son' matches several contacts"),
])
def test_one_bad_item_sends_nothing(phone, to, item, error):
    before = phone.state()
    with pytest.raises(ToolExecutionError, match=error) as e:
        call(phone, "send_message", to=to, body="hi")
    assert item in str(e.value) and "Nothing was sent" in str(e.value)
    assert phone.state()["messages"] == before["messages"]
    assert phone.state() == before


def test_single_recipient_is_unchanged(phone):
    assert call(phone, "send_message", to="alice", body="hi") == {
        "status": "sent", "to": "Alice Johnson", "body": "hi", "id": "m11"}
    assert call(phone, "send_message", to="415 555 0199", body="hi") == {
        "status": "sent", "to": "415 555 0199", "body": "hi", "id": "m12"}
    # an unknown single name keeps its own error, without the list wording
    fails(phone, "send_message", r"^no contact named 'Zoe'\. Contacts: ", to="Zoe", body="hi")


def test_a_contact_whose_name_is_a_list_is_one_recipient():
    phone = Phone()
    with phone.transaction() as s:
        s["contacts"].append({"id": "c11", "name": "Tom and Jerry", "phone": "+1 415 555 0111"})
        s["contacts"].append({"id": "c12", "name": "Smith, Wesson", "phone": "+1 415 555 0112"})
    assert call(phone, "send_message", to="Tom and Jerry", body="hi")["to"] == "Tom and Jerry"
    assert call(phone, "send_message", to="Smith, Wesson", body="hi")["to"] == "Smith, Wesson"
    phone.close()


def test_calls_still_refuse_several_people(phone):
    fails(phone, "make_call", r"names 2 contacts \(Alice Johnson, Bob Smith\)", to="Alice and Bob")
    fails(phone, "make_call", "names 2 contacts", to="Alice, Bob")
