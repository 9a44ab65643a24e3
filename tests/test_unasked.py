"""Plan steps that make a kind of change the request never asks for are not run."""

import json
from pathlib import Path

import pytest

from agentkit._unasked import unasked

SUITES = Path(__file__).resolve().parents[1] / "evals" / "suites"


@pytest.mark.parametrize("step, request_, kind", [
    ("Book a meeting with Bob at my office",
     "Order a margherita pizza from Pizza Palace to my office, and text Bob that lunch is coming.", "a booking"),
    ("Take a photo of the parking spot from the morning",
     "Write down my parking spot from this morning's photo in a note called Parking, then delete the photo.",
     "a photo"),
    ("Set the updated date and ID", "Buy the backpack and add whatever you bought to my packing list note.",
     "a setting"),
    ("If not, book Curry House for two at noon", "Text Alice that the picnic is on", "a booking"),
])
def test_a_kind_of_change_the_request_never_asks_for_is_named(step, request_, kind):
    assert unasked(step, request_) == kind


@pytest.mark.parametrize("step, request_", [
    ("Book Luigi's for two at 7pm", "Get us Luigi's for two at 7pm"),  # a party size asks for a booking
    ("Schedule the launch at 9am", "Put the launch on my calendar at 9am"),
    ("Set the team meeting time to 10am", "Push my team meeting this morning to 10am"),
    ("Change the order to a California roll", "I changed my mind about the pizza: order a California roll"),
    ("Set a reminder to pack an umbrella", "If it rains, remind me to pack an umbrella"),
    ("Text Bob that lunch is coming", "Order a pizza"),  # a verb of no policed kind is left alone
    ("Find Luigi's", "Text Bob"),  # and so is a lookup
])
def test_a_step_of_a_kind_the_request_asks_for_or_of_no_policed_kind_is_kept(step, request_):
    assert unasked(step, request_) is None


def test_no_suite_task_asks_for_a_change_its_own_words_would_refuse():
    # every task whose solution books or sets something says so in words the check knows
    kinds = {"a booking": {"book_table", "create_event"},
             "a setting": {"set_alarm", "set_timer", "move_event", "update_contact", "toggle_alarm", "set_volume",
                           "set_wifi", "set_bluetooth", "set_brightness", "set_airplane_mode", "set_do_not_disturb",
                           "set_home_address", "set_work_address"}}
    steps = {"a booking": ["Book it", "Reserve it", "Schedule it"], "a setting": ["Set it", "Change it", "Edit it"]}
    checked = 0
    for suite in ("single-app", "multi-app"):
        for task in json.loads((SUITES / f"{suite}.json").read_text())["tasks"]:
            for kind, tools in kinds.items():
                if tools & {c["name"] for c in task["solution"]}:
                    checked += 1
                    assert all(unasked(s, task["instruction"]) is None for s in steps[kind]), task["id"]
    assert checked > 40
