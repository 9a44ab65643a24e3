"""The ReAct graph with a scripted model: happy path, bad input, limits, checkpoints."""


import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agentkit import create_agent
from agentkit.errors import ModelLoadError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.testing import HashEmbedder
from agentkit.tools.phone import Phone, diff
from agentkit.tools.retrieval import ToolIndex


def make(replies, registry, index, phone, **kw):
    model = ScriptedChatModel(replies=list(replies))
    return model, create_agent(model, registry, device=phone, index=index, **kw)


def test_happy_path_sends_one_message(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Alice", body="I'll be 10 minutes late"), "Done, Alice knows."],
                        registry, index, phone)
    r = agent.run("Text Alice that I'll be 10 minutes late")
    assert r.answer == "Done, Alice knows." and r.error is None and r.llm_calls == 2
    changes = diff(before, phone.state())
    assert len(changes) == 1 and changes[0].op == "added" and changes[0].after["name"] == "Alice Johnson"
    # the model saw only the retrieved tools, and send_message among them
    offered = [t["name"] for t in model.calls[0]["tools"]]
    assert len(offered) == 5 and "send_message" in offered and offered == r.offered_tools
    assert [s.kind for s in r.steps] == ["tools", "call", "result", "answer"]


def test_system_prompt_shows_device_clock(registry, index):
    phone = Phone()
    model, agent = make(["Hello"], registry, index, phone)
    agent.run("hi")
    assert "2026-11-25" in model.calls[0]["messages"][0].content


def test_reply_that_is_not_valid_json_gets_feedback_and_recovers(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make(['<tool_call>\n{"name": "set_wifi", "arguments": {"on": fal\n</tool_call>',
                         call("set_wifi", on=False), "Wi-Fi is off."], registry, index, phone)
    r = agent.run("turn off wifi")
    assert r.answer == "Wi-Fi is off." and r.error is None
    feedback = model.calls[1]["messages"][-1]
    assert isinstance(feedback, HumanMessage) and "not valid JSON" in feedback.content
    assert [c.path for c in diff(before, phone.state())] == ["settings.wifi"]


def test_unknown_tool_is_reported_to_the_model(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_sms", to="Bob", body="hi"), "Sorry, I could not do that."], registry, index, phone)
    r = agent.run("text bob hi")
    err = model.calls[1]["messages"][-1]
    assert isinstance(err, ToolMessage) and err.status == "error"
    assert "unknown tool 'send_sms'" in err.content and "send_message" in err.content
    assert phone.state() == before and r.tool_calls[0]["ok"] is False


def test_wrong_argument_type_changes_nothing(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("set_brightness", level="very bright"), call("set_brightness", level=90), "Done."],
                        registry, index, phone)
    r = agent.run("max brightness please")
    first_error = model.calls[1]["messages"][-1]
    assert "argument 'level'" in first_error.content
    assert phone.state()["settings"]["brightness"] == 90
    assert [c.path for c in diff(before, phone.state())] == ["settings.brightness"]
    assert r.answer == "Done."


def test_tool_that_raises_leaves_state_intact(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Zebulon", body="hi"), "I could not find Zebulon."],
                        registry, index, phone)
    r = agent.run("text Zebulon hi")
    assert "Zebulon" in model.calls[1]["messages"][-1].content
    assert phone.state() == before and r.answer == "I could not find Zebulon."


def test_repeated_state_change_is_not_executed_twice(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Bob", body="hi"), call("send_message", to="Bob", body="hi"),
                         "Sent."], registry, index, phone)
    r = agent.run("text bob hi")
    assert len(diff(before, phone.state())) == 1
    assert r.answer == "Sent."
    # the repeat was answered by asking again, with tool calls switched off
    assert r.llm_calls == 3


def test_near_duplicate_state_change_is_not_executed(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Alice", body="late"), call("send_message", to="Alice Johnson", body="late"),
                         "Sent."], registry, index, phone)
    r = agent.run("text alice late")
    assert len(diff(before, phone.state())) == 1 and r.answer == "Sent."


def test_a_group_message_to_the_same_people_named_in_full_is_not_sent_again(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Emma, Frank", body="Moved to 10"),
                         call("send_message", to="Frank Miller and Emma Davis", body="Moved to 10"), "Sent."],
                        registry, index, phone)
    r = agent.run("text emma and frank that it moved to 10")
    assert [c["ok"] for c in r.tool_calls] == [True] and r.llm_calls == 3  # the repeat: asked again, prose only
    assert len(diff(before, phone.state())) == 2  # one message to each of the two
    # a group with someone else in it is another message
    model, agent = make([call("send_message", to="Emma, Frank", body="Moved to 10"),
                         call("send_message", to="Emma, Frank, Bob", body="Moved to 10"), "Sent."],
                        registry, index, Phone())
    assert [c["ok"] for c in agent.run("text emma and frank, then bob too").tool_calls] == [True, True]


def test_a_corrected_call_after_a_failure_runs(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Zebulon", body="late"), call("send_message", to="Alice", body="late"),
                         "Sent to Alice."], registry, index, phone)
    r = agent.run("text alice late")
    assert [c["ok"] for c in r.tool_calls] == [False, True]
    assert len(diff(before, phone.state())) == 1


def test_two_different_messages_both_go_out(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Alice", body="hi"), call("send_message", to="Bob", body="hi"),
                         "Both sent."], registry, index, phone)
    agent.run("text alice and bob hi")
    assert len(diff(before, phone.state())) == 2


def test_repeated_failing_call_turns_into_an_answer(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("send_message", to="Zebulon", body="hi")] * 4, registry, index, phone)
    r = agent.run("text Zebulon hi")
    # the repeat is pointed at the error once, then asked for prose about the failure; the last
    # scripted reply is still a call, so the runtime answers with the error the model already saw
    assert "That exact call already failed: Error: no contact named 'Zebulon'" in model.calls[2]["messages"][-1].content
    assert "what could not be done" in model.calls[3]["messages"][-1].content
    assert model.calls[3]["tool_choice"] == "none"
    assert r.answer.startswith("I could not do that. Error:") and "Zebulon" in r.answer
    assert r.llm_calls == 4 and phone.state() == before


def test_a_repeated_failing_call_is_shown_its_error_and_can_correct_itself(registry, index):
    phone = Phone()
    model, agent = make([call("send_message", to="Zebulon", body="hi"), call("send_message", to="Zebulon", body="hi"),
                         call("send_message", to="Bob Smith", body="hi"), "Sent."], registry, index, phone)
    r = agent.run("text Bob (Zebulon) hi")
    assert [(c["args"]["to"], c["ok"]) for c in r.tool_calls] == [("Zebulon", False), ("Bob Smith", True)]
    assert r.answer == "Sent." and r.llm_calls == 4


def test_step_limit_stops_with_precise_message(registry, index):
    phone = Phone()
    replies = [call("get_weather", city=f"City{i}") for i in range(3)]
    model, agent = make(replies, registry, index, phone, max_steps=3)
    r = agent.run("weather everywhere")
    assert r.answer is None and r.error == "step limit reached: 3 model calls without a final answer"


def test_developer_errors_stop_the_run_with_a_message(registry, index):
    phone = Phone()
    before = phone.state()

    def boom(messages, tools):
        raise ModelLoadError("weights vanished")

    model, agent = make([call("set_wifi", on=False), boom], registry, index, phone)
    r = agent.run("wifi off")
    assert r.error == "ModelLoadError: weights vanished"
    assert phone.state()["settings"]["wifi"] is False  # the completed call stands, nothing half-done
    assert [c.path for c in diff(before, phone.state())] == ["settings.wifi"]


def test_thread_resumes_from_sqlite_checkpoint_in_a_new_agent(registry, index, tmp_path):
    db = tmp_path / "threads.sqlite"
    phone = Phone(tmp_path / "phone.sqlite")
    _, agent = make([call("set_alarm", time="07:00"), "Alarm set for 7."], registry, index, phone, checkpointer=db)
    first = agent.run("wake me at 7", thread_id="t1")
    assert first.answer == "Alarm set for 7."
    phone.close()

    phone2 = Phone(tmp_path / "phone.sqlite")  # as after a restart
    model2, agent2 = make(["You asked for a 7:00 alarm."], registry, index, phone2, checkpointer=db)
    second = agent2.run("what did I ask?", thread_id="t1")
    seen = model2.calls[0]["messages"]
    assert any(isinstance(m, HumanMessage) and m.content == "wake me at 7" for m in seen)
    assert second.answer == "You asked for a 7:00 alarm." and second.llm_calls == 1
    assert any(a["time"] == "07:00" for a in phone2.state()["clock"]["alarms"])


def test_small_registry_offers_every_tool_without_an_index():
    from agentkit.tools.phone.apps.settings import set_wifi, get_settings

    phone = Phone()
    model = ScriptedChatModel(replies=["ok"])
    agent = create_agent(model, [set_wifi, get_settings], device=phone)
    agent.run("hi")
    assert {t["name"] for t in model.calls[0]["tools"]} == {"set_wifi", "get_settings"}


def _bank_tools(ledger):
    from agentkit.tools.registry import tool

    @tool(app="bank", changes_state=True, sensitive=True, scopes=["payments.send"])
    def pay(to: str, amount: float) -> dict:
        """Send money.

        Args:
            to: Who gets it.
            amount: How much.
        """
        ledger.append((to, amount))
        return {"status": "paid"}

    @tool(app="bank", scopes=["payments.read"])
    def balance() -> dict:
        """The account balance."""
        return {"balance": 100 - sum(a for _, a in ledger)}

    return [pay, balance]


def test_call_outside_granted_scopes_is_refused_and_never_runs():
    ledger = []
    model = ScriptedChatModel(replies=[call("balance"), call("pay", to="Bob", amount=20), "I may not send money."])
    agent = create_agent(model, _bank_tools(ledger), scopes=["payments.read"])
    r = agent.run("check my balance then pay Bob 20")
    assert ledger == [] and r.answer == "I may not send money."
    assert [c["ok"] for c in r.tool_calls] == [True, False]
    refusal = model.calls[2]["messages"][-1]
    assert isinstance(refusal, ToolMessage) and "Permission denied" in refusal.content
    assert "payments.send" in refusal.content


def test_area_wildcard_and_default_grant_scopes():
    ledger = []
    agent = create_agent(ScriptedChatModel(replies=[call("pay", to="Bob", amount=5), "Paid."]),
                         _bank_tools(ledger), scopes=["payments.*"])
    assert agent.run("pay Bob 5").tool_calls[0]["ok"] and ledger == [("Bob", 5)]
    agent = create_agent(ScriptedChatModel(replies=[call("pay", to="Ann", amount=1), "Paid."]), _bank_tools(ledger))
    agent.run("pay Ann 1")
    assert ledger[-1] == ("Ann", 1)


@pytest.mark.parametrize("bad", ["payments.send", ["payments"], ["Payments.Send"], [3]])
def test_bad_scopes_are_a_configuration_error(bad):
    from agentkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="scopes"):
        create_agent(ScriptedChatModel(replies=[]), _bank_tools([]), scopes=bad)


def test_identical_calls_in_one_reply_run_once(registry, index):
    phone = Phone()
    before = phone.state()
    twice = AIMessage(content="", tool_calls=[
        {"name": "send_message", "args": {"to": "Bob", "body": "hi"}, "id": f"c{i}", "type": "tool_call"}
        for i in range(2)])
    model, agent = make([twice, "Sent."], registry, index, phone)
    r = agent.run("text bob hi")
    assert len(diff(before, phone.state())) == 1
    assert [c["ok"] for c in r.tool_calls] == [True, False]


def test_invented_optional_arguments_are_dropped(registry, index):
    phone = Phone()
    model, agent = make([call("read_messages", contact="John Doe", unread_only=True, limit=5), "You have 3."],
                        registry, index, phone)
    r = agent.run("How many unread messages do I have?")
    assert r.tool_calls[0]["args"] == {"unread_only": True, "limit": 5} and r.tool_calls[0]["ok"]
    # an argument the request does mention stays, and required ones always stay
    model, agent = make([call("read_messages", contact="Mom"), call("send_message", to="Zed", body="x"), "ok"],
                        registry, index, phone)
    r = agent.run("What did Mom text me?")
    assert r.tool_calls[0]["args"] == {"contact": "Mom"} and r.tool_calls[1]["args"] == {"to": "Zed", "body": "x"}


def test_after_the_first_failed_call_the_next_reply_must_be_a_call(registry, index):
    phone = Phone()
    model, agent = make([call("toggle_alarm", alarm="07:00", enabled=False),
                         call("toggle_alarm", alarm="Gym", enabled=False), "Gym alarm off."], registry, index, phone)
    r = agent.run("Turn off my gym alarm")
    assert [c["tool_choice"] for c in model.calls] == ["required", "required", None]
    assert phone.state()["clock"]["alarms"][1]["enabled"] is False and r.answer == "Gym alarm off."
    # a second failure is not forced again: the model may give up in words
    model, agent = make([call("toggle_alarm", alarm="x"), call("toggle_alarm", alarm="y"), "No such alarm."],
                        registry, index, phone, require_tool_above=None)
    r = agent.run("Turn off my gym alarm")
    assert [c["tool_choice"] for c in model.calls] == [None, "required", None] and r.answer == "No such alarm."


def test_answer_hint_follows_read_only_results_only_in_the_prompt(registry, index):
    phone = Phone()
    model, agent = make([call("get_settings"), "Bluetooth is off."], registry, index, phone)
    agent.run("Is bluetooth on?")
    hint = model.calls[1]["messages"][-1]
    assert isinstance(hint, HumanMessage) and '"Is bluetooth on?"' in hint.content
    assert not any(m.content == hint.content for m in agent.history(agent_thread(agent)))
    model, agent = make([call("set_wifi", on=False), "Wi-Fi off."], registry, index, phone)
    agent.run("turn off wifi")
    assert isinstance(model.calls[1]["messages"][-1], ToolMessage)  # no hint after a state change
    model, agent = make([call("set_brightness", level="max"), "Failed."], registry, index, phone)
    agent.run("brightness max")
    assert isinstance(model.calls[1]["messages"][-1], ToolMessage)  # no hint after a failure


def agent_thread(agent):
    return next(iter({c.config["configurable"]["thread_id"] for c in agent.checkpointer.list(None)}))


def test_echoed_template_markup_is_removed_from_answers(registry, index):
    phone = Phone()
    model, agent = make([call("get_time"), "<tool_response>\nIt is 09:00.\n</tool_response>"], registry, index, phone)
    assert agent.run("what time is it?").answer == "It is 09:00."
    echo = '<tools>\n{"type": "function", "function": {"name": "get_time"}}\n</tools>\nIt is 09:00.</tools>'
    model, agent = make([call("get_time"), echo], registry, index, phone)
    assert agent.run("what time is it?").answer == "It is 09:00."


def test_a_clearly_best_tool_is_called_by_name_on_the_first_step(registry, index):
    from agentkit.tools.phone.apps.settings import get_settings, set_wifi

    phone = Phone()
    tools = [set_wifi, get_settings]

    def scripted(scores):
        model = ScriptedChatModel(replies=[call("set_wifi", on=False), "Off."])
        agent = create_agent(model, tools, device=phone, top_k=1)
        agent.config.retrieve = lambda q, k: list(scores)
        agent.run("wifi off")
        return [c["tool_choice"] for c in model.calls]

    assert scripted([("set_wifi", 0.9), ("get_settings", 0.5)]) == ["set_wifi", None]
    assert scripted([("set_wifi", 0.9), ("get_settings", 0.85)]) == ["required", None]
    assert scripted([("set_wifi", 0.3), ("get_settings", 0.1)]) == [None, None]  # not confident: free choice


def test_a_copied_parameter_description_is_sent_back_not_run(registry, index):
    phone = Phone()
    desc = registry.get("get_contact").parameters["properties"]["name"]["description"]
    def contact(name):
        return AIMessage(content="", tool_calls=[{"name": "get_contact", "args": {"name": name}, "id": name[:8],
                                                  "type": "tool_call"}])

    model, agent = make([contact(desc), contact("Carol"), "Nov 28."], registry, index, phone)
    r = agent.run("When is Carol's birthday?")
    assert [c["ok"] for c in r.tool_calls] == [False, True]
    assert "repeat the parameter's description" in model.calls[1]["messages"][-1].content


def test_results_are_rendered_with_names_first_and_ids_last():
    from agentkit.graph import render_result

    text = render_result({"attendees": ["Bob"], "id": "e2", "start": "09:30", "title": "Standup"})
    assert text.splitlines() == ["title: Standup", "attendees: Bob", "start: 09:30", "id: e2"]
    assert render_result([{"id": "r1", "done": False, "title": "Milk"}]) == "- title: Milk; done: no; id: r1"


def test_a_record_changed_this_turn_is_not_changed_again(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("create_reminder", title="Call the bank", due_date="tomorrow"),
                         call("complete_reminder", reminder="Call the bank"), "Reminder set."], registry, index, phone)
    r = agent.run("Remind me to call the bank tomorrow")
    assert [c["ok"] for c in r.tool_calls] == [True, False] and "Already done" in r.tool_calls[1]["result"]
    [change] = diff(before, phone.state())
    assert change.after["done"] is False
    # different targets in the same app, and the same target in another app, still run
    model, agent = make([call("set_alarm", time="6:00", label="Alarm"), call("set_alarm", time="6:15", label="Alarm"),
                         "Both set."], registry, index, phone)
    assert [c["ok"] for c in agent.run("alarms at 6:00 and 6:15").tool_calls] == [True, True]
    model, agent = make([call("add_contact", name="Laura Chen", phone_number="415 555 0123"),
                         call("send_message", to="Laura Chen", body="hi"), "Done."], registry, index, phone)
    assert [c["ok"] for c in agent.run("add Laura Chen, 415 555 0123, and text her hi").tool_calls] == [True, True]


def test_a_made_up_street_address_is_sent_back_and_the_place_named_is_used(registry, index):
    # ma-057 at 134ee58: "to my office" became place_food_order(address="San Francisco office, 123 Main St.")
    phone = Phone()
    before = phone.state()
    model, agent = make([call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"),
                         call("place_food_order", address="San Francisco office, 123 Main St."),
                         call("place_food_order", address="my office"), "Ordered."], registry, index, phone)
    r = agent.run("Order a margherita pizza from Pizza Palace to my office")
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert "street address in 'San Francisco office, 123 Main St.' appears nowhere" in r.tool_calls[1]["result"]
    # the fix itself, to write as it stands (not a list of kinds of place to choose from)
    assert r.tool_calls[1]["result"].endswith(
        "Call place_food_order again with address='my office', the place as the request says it")
    assert "leave 'address' out" not in r.tool_calls[1]["result"]  # the request names a place
    [order] = [c.after for c in diff(before, phone.state()) if c.path.startswith("delivery.orders")]
    assert order["address"] == "500 Howard St"
    # an address the user gave, or one a result showed, is fine
    # a request that names no place: the optional address is better left out (ma-058 at 6ab0b5e)
    model, agent = make([call("add_to_food_cart", item="Croissant", store="Morning Bakery"),
                         call("place_food_order", address="San Francisco Office, 123 Main St."),
                         call("place_food_order"), "Ordered."], registry, index, Phone())
    r = agent.run("Order a croissant from Morning Bakery")
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert r.tool_calls[1]["result"].endswith("if the request names no place, leave 'address' out")
    model, agent = make([call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"),
                         call("place_food_order", address="742 Evergreen Terrace"), "Ordered."], registry, index,
                        Phone())
    assert agent.run("Order a margherita pizza from Pizza Palace to 742 Evergreen Terrace").tool_calls[1]["ok"]
    model, agent = make([call("search_places", query="Walgreens"),
                         call("send_message", to="Alice", body="Walgreens is at 1189 Potrero Ave"), "Sent."],
                        registry, index, Phone())
    assert [c["ok"] for c in agent.run("Text Alice the address of Walgreens").tool_calls] == [True, True]
    model, agent = make([call("send_message", to="Alice", body="see you at 7 pm on Main St"), "Sent."],
                        registry, index, Phone())
    assert agent.run("Text Alice see you at 7 pm on Main St").tool_calls[0]["ok"]  # no street number: no check


def test_a_call_the_tool_refuses_anyway_gets_the_tools_refusal_not_the_made_up_one(registry, index):
    # ma-029 at 6ab0b5e: a gift ordered with place_food_order met the address check, not the empty
    # cart whose error sends it to the shop
    phone = Phone()
    before = phone.state()
    model, agent = make([call("place_food_order", address="123 Main St, San Francisco"), "No."], registry, index,
                        phone)
    [refused] = agent.run("Order Mom the gift from my gift ideas note").tool_calls
    assert not refused["ok"] and "the food cart is empty" in refused["result"] and "made up" not in refused["result"]
    assert phone.state() == before  # the rehearsal left nothing behind


def test_an_address_an_error_listed_is_not_made_up_but_one_it_only_echoed_is(registry, index):
    # ma-029 at 6ab0b5e: get_directions' error listed "Mom's house 42 Ocean Ave" among the saved places
    phone = Phone()
    model, agent = make([call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"),
                         call("get_directions", destination="123 Main St, San Francisco"),
                         call("place_food_order", address="123 Main St."),
                         call("place_food_order", address="Mom's house 42 Ocean Ave"), "Ordered."],
                        registry, index, phone)
    r = agent.run("Order a margherita pizza from Pizza Palace to Mom")
    assert [c["ok"] for c in r.tool_calls] == [True, False, False, True]
    assert "Mom's house 42 Ocean Ave" in r.tool_calls[1]["result"]  # the error names the saved place
    assert "123 Main St." in r.tool_calls[2]["result"] and "made up" in r.tool_calls[2]["result"]  # echoed, not seen


def test_a_made_up_phone_number_is_sent_back_not_saved(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = make([call("add_contact", name="Delivery Driver", phone_number="123-456-7890"),
                         call("read_messages"),
                         call("add_contact", name="Delivery Driver", phone_number="+1 415 555 0199"), "Saved."],
                        registry, index, phone)
    r = agent.run("Save the number that texted me about my package as Delivery Driver")
    assert [c["ok"] for c in r.tool_calls] == [False, True, True]
    assert "'123-456-7890' appears nowhere in the request or in any result" in r.tool_calls[0]["result"]
    [change] = diff(before, phone.state())  # only the real number was saved
    assert change.after["phone"] == "+1 415 555 0199"
    # the refusal quotes the number: trying it again with another argument changed is refused too
    model, agent = make([call("add_contact", name="Delivery Driver", phone_number="123-456-7890"),
                         call("add_contact", name="Driver", phone_number="123-456-7890"), "I could not."],
                        registry, index, phone := Phone())
    r = agent.run("Save the number that texted me about my package as Delivery Driver")
    assert [c["ok"] for c in r.tool_calls] == [False, False] and "appears nowhere" in r.tool_calls[1]["result"]
    assert phone.state()["contacts"] == before["contacts"]
    # a number the user gave, rewritten with or without the country code, is fine
    model, agent = make([call("make_call", to="(415) 555-0142"), "Calling."], registry, index, Phone())
    assert agent.run("call +1 415 555 0142").tool_calls[0]["ok"]


def test_model_stuck_on_a_blocked_change_gets_a_done_answer(registry, index):
    phone = Phone()
    again = call("complete_reminder", reminder="Call the bank")
    model, agent = make([call("create_reminder", title="Call the bank"), again, again, again], registry, index, phone)
    r = agent.run("Remind me to call the bank")
    assert r.answer.startswith("Done. Result: title: Call the bank") and "Already" not in r.answer


def test_a_new_index_prefers_the_phone_apps_over_a_near_duplicate(registry):
    from agentkit.tools import tool

    def pingo_send_chat(to: str, body: str) -> dict:
        """Send a text message to a contact.

        Args:
            to: Contact name or phone number.
            body: The message text.
        """
        return {}

    pingo = tool(pingo_send_chat, app="pingo", examples=["Text Carol that I'm late", "Send a message to Bob"])
    tools = [*registry, pingo]
    plain = [h.tool.name for h in ToolIndex(type(registry)(tools), HashEmbedder()).search("I'm late, tell Bob", 5)]
    assert plain.index("pingo_send_chat") < plain.index("send_message")
    model = ScriptedChatModel(replies=["ok"])
    r = create_agent(model, tools, device=Phone(), embedder=HashEmbedder()).run("I'm late, tell Bob")
    assert r.offered_tools.index("send_message") < r.offered_tools.index("pingo_send_chat")


def test_todays_date_on_a_request_for_another_day_is_sent_back(registry, index):
    phone = Phone()  # the seed's clock: Wednesday 2026-11-25
    before = phone.state()
    model, agent = make([call("book_table", restaurant="Curry House", date="2026-11-25", time="12:00", party_size=2),
                         call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2),
                         "Booked."], registry, index, phone)
    r = agent.run("Book Curry House for two at noon on Sunday")
    assert [c["ok"] for c in r.tool_calls] == [False, True]
    assert "date='2026-11-25' is today (2026-11-25), but the request says sunday" in r.tool_calls[0]["result"]
    [change] = diff(before, phone.state())  # one booking, on Sunday
    assert change.after["date"] == "2026-11-29"
    # today is fine when the request says so, or names today's weekday, or names no day at all
    for request in ("Book Curry House for two at noon today, not Sunday", "Book Curry House for two on Wednesday",
                    "Book Curry House for two at noon"):
        model, agent = make([call("book_table", restaurant="Curry House", date="today", time="12:00", party_size=2),
                             "Booked."], registry, index, Phone())
        assert agent.run(request).tool_calls[0]["ok"], request
    # a text that mentions today is not a date
    model, agent = make([call("send_message", to="Alice", body="I'll call today"), "Sent."], registry, index, Phone())
    assert agent.run("Text Alice on Friday's plan: I'll call today").tool_calls[0]["ok"]


def test_retrieval_is_told_which_apps_the_request_names_something_of(registry):
    from agentkit.tools.retrieval import ToolHit

    class Recording:
        def __init__(self):
            self.options = []

        def search(self, query, k, **options):
            self.options.append(options)
            return [ToolHit(registry.get("search_food_delivery"), 0.3)]

    index = Recording()
    agent = create_agent(ScriptedChatModel(replies=["ok", "ok"]), registry, device=Phone(), index=index)
    agent.run("Is Burger Barn open?")
    agent.run("Is it raining?")
    assert index.options == [{"named_apps": {"delivery"}}, {}]
