"""Plan-and-execute with a scripted model: steps across apps, replan, critic retries, parallel steps."""

import threading


from agentkit import create_agent
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.plan import _catalog, step_outcome
from agentkit.tools.phone import Phone, diff
from agentkit.workflow import Workflow

NAMED = Workflow(kind="plan", plan_tools=128)
"""Plans whose steps name their function."""


def plan(*steps):
    return call("make_plan", steps=list(steps))


SHOWN = "+ messages.m11"
"""Any piece of evidence the critic may cite (the scripted model does not check it against the enum)."""


def verdict_done():
    return call("verdict", checks=[{"asked": "everything", "shown_by": SHOWN}])


def not_done(*asked):
    return call("verdict", checks=[{"asked": a, "shown_by": "nothing shows it"} for a in asked])


def added(phone, before, app):
    return [c.after for c in diff(before, phone.state()) if c.op == "added" and c.path.startswith(app + ".")]


def test_two_steps_across_apps_run_in_order_with_one_planner_call(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Set an alarm for 7am", "Text Alice that my alarm is set for 7"),
        call("set_alarm", time="07:00"), "Alarm set for 7:00.",
        call("send_message", to="Alice", body="My alarm is set for 7"), "Alice knows.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Set an alarm for 7 and tell Alice")
    assert r.error is None
    assert [c["name"] for c in r.tool_calls] == ["set_alarm", "send_message"] and all(c["ok"] for c in r.tool_calls)
    assert r.answer == "Alarm set for 7:00. Alice knows."
    assert r.llm_calls == 5  # planner + two calls per step
    assert r.plan == [{"id": 1, "text": "Set an alarm for 7am", "tool": None, "status": "done",
                       "result": "Alarm set for 7:00.", "holds": None},
                      {"id": 2, "text": "Text Alice that my alarm is set for 7", "tool": None, "status": "done",
                       "result": "Alice knows.", "holds": None}]
    assert r.reflections == []
    assert len(added(phone, before, "clock.alarms")) == 1 and len(added(phone, before, "messages")) == 1
    # each step's loop saw its own step as the request (and retrieved tools for it), plus what was done
    step2 = model.calls[3]["messages"]
    assert step2[-1].content == "Text Alice that my alarm is set for 7"
    assert [m.type for m in step2] == ["system", "human"]  # the context rides in the system prompt
    assert "Set an alarm for 7am -> Alarm set for 7:00." in step2[0].content
    assert "Set an alarm for 7 and tell Alice" in step2[0].content
    # the planner was forced to answer through make_plan
    assert model.calls[0]["tool_choice"] == "make_plan"


def test_a_failed_step_triggers_a_replan_and_done_steps_are_not_redone(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Set an alarm for 6:30", "Text Zed that I'm up"),
        call("set_alarm", time="06:30"), "Alarm set.",
        call("send_message", to="Zed", body="I'm up"), call("send_message", to="Zed Q", body="I'm up"),
        "I could not find Zed.",
        plan("Text Alice that I'm up"),  # the replan
        call("send_message", to="Alice", body="I'm up"), "Sent to Alice.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Set an alarm for 6:30 and text Zed I'm up")
    replan_prompt = model.calls[6]["messages"][-1].content
    assert "This step failed: Text Zed that I'm up" in replan_prompt
    assert "Already done (do not repeat):\n1. Set an alarm for 6:30 -> Alarm set." in replan_prompt
    assert len(added(phone, before, "clock.alarms")) == 1  # not set twice
    assert [m["name"] for m in added(phone, before, "messages")] == ["Alice Johnson"]
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 1 and r.error is None
    # the replanned step is told which calls sank the failed one
    brief = model.calls[7]["messages"][0].content
    assert "These calls failed earlier; do not repeat them unchanged:" in brief
    assert "send_message(to='Zed Q', body=\"I'm up\") -> Error: no contact named 'Zed Q'" in brief


def test_replans_are_bounded(registry, index):
    phone = Phone()
    failing = [call("send_message", to="Zed", body="hi"), call("send_message", to="Zed Q", body="hi"), "No Zed."]
    model = ScriptedChatModel(replies=[plan("Text Zed hi"), *failing, plan("Text Zed hi"), *failing])
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", max_replans=1))
    r = agent.run("Text Zed hi")
    assert not model.replies  # one replan, then it stops
    assert r.answer.startswith("Could not text Zed hi")


def test_the_critic_retries_with_its_critique_and_keeps_the_reflection(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Text Alice that dinner is at 8"),
        call("send_message", to="Alice", body="Dinner is at 8"), "Sent.",
        call("verdict", checks=[{"asked": "Text Alice that dinner is at 8", "shown_by": SHOWN},
                                {"asked": "Text Bob that dinner is at 8.", "shown_by": "nothing shows it"}]),
        plan("Text Bob that dinner is at 8"),
        call("send_message", to="Bob", body="Dinner is at 8"), "Sent to Bob.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine")
    r = agent.run("Tell Alice and Bob that dinner is at 8")
    assert [m["name"] for m in added(phone, before, "messages")] == ["Alice Johnson", "Bob Smith"]
    critic_prompt = model.calls[3]["messages"][-1].content
    assert "send_message(to='Alice', body='Dinner is at 8') -> ok" in critic_prompt
    changes = critic_prompt.split("Changes on the phone:")[1]  # the device diff is shown
    assert "messages.m" in changes and '"body": "Dinner is at 8"' in changes
    second_plan = model.calls[4]["messages"][-1].content
    assert "Not done yet: Text Bob that dinner is at 8." in second_plan and "Already done" in second_plan
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["reflections"] == ["Not done yet: Text Bob that dinner is at 8."] and state["refines"] == 1
    assert r.llm_calls == 8 and r.answer == "Sent. Sent to Bob."  # 8 replies scripted, all used
    assert r.reflections == state["reflections"]  # the run's result carries them, for a report to keep
    assert [(st["text"], st["status"]) for st in r.plan] == [("Text Alice that dinner is at 8", "done"),
                                                             ("Text Bob that dinner is at 8", "done")]


def test_the_critic_retries_at_most_max_refines_times(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Turn on wifi"), call("set_wifi", on=True), "On.",
        not_done("x"),
        plan("Turn on bluetooth"), call("set_bluetooth", on=True), "On.",
        not_done("y"),
    ])
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", refine=True, max_refines=1))
    r = agent.run("Turn on wifi")
    assert not model.replies and r.error is None  # the second "not done" ends the turn


def test_a_retry_that_only_repeats_done_steps_runs_nothing_again(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Turn on wifi"), call("set_wifi", on=True), "On.", not_done("x"),
        plan("Turn on wifi"), verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine")
    r = agent.run("Turn on wifi")
    assert not model.replies and [c["name"] for c in r.tool_calls] == ["set_wifi"]


def test_parallel_steps_share_the_phone_without_corrupting_it(registry, index):
    phone = Phone()
    before = phone.state()
    times = ["05:00", "05:10", "05:20", "05:30", "05:40", "05:50"]
    threads = set()

    def respond(messages, tools):
        threads.add(threading.get_ident())
        last = messages[-1]
        if last.type == "human" and last.content.startswith("Request:"):
            return call("make_plan", steps=[{"do": f"Set an alarm for {t}", "needs": []} for t in times])
        if last.type == "human":
            return call("set_alarm", time=last.content.split()[-1])
        return "Set."

    model = ScriptedChatModel(replies=[respond] * (1 + 2 * len(times)))
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", parallel=True))
    r = agent.run("Set six alarms")
    alarms = added(phone, before, "clock.alarms")
    assert sorted(a["time"] for a in alarms) == times
    assert len({a["id"] for a in alarms}) == len(times)  # distinct ids: no lost update
    assert len(threads) > 1  # the steps really ran at the same time
    assert r.error is None and len(r.tool_calls) == len(times)


def test_a_dependent_step_waits_for_the_step_it_needs(registry, index):
    order = []

    def respond(messages, tools):
        last = messages[-1]
        if last.type == "human" and last.content.startswith("Request:"):
            return call("make_plan", steps=[{"do": "Set an alarm for 05:00", "needs": []},
                                            {"do": "Text Alice about the alarm", "needs": [1]}])
        if last.type == "human":
            order.append(last.content)
            if "Alice" in last.content:
                return call("send_message", to="Alice", body="Alarm at 5")
            return call("set_alarm", time="05:00")
        return "Done."

    model = ScriptedChatModel(replies=[respond] * 5)
    agent = create_agent(model, registry, device=Phone(), index=index, workflow=Workflow(kind="plan", parallel=True))
    agent.run("Set an alarm for 5 and tell Alice")
    assert order == ["Set an alarm for 05:00", "Text Alice about the alarm"]


def test_a_confirmation_inside_a_step_pauses_the_plan_and_resumes_it(registry, index, tmp_path):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Set an alarm for 7am", "Text Alice that my alarm is set"),
        call("set_alarm", time="07:00"), "Alarm set.",
        call("send_message", to="Alice", body="Alarm set for 7"), "Alice knows.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan",
                         confirm=lambda tool, args: tool.name == "send_message", checkpointer=tmp_path / "t.sqlite")
    r = agent.run("Set an alarm for 7 and tell Alice")
    assert r.pending and r.pending[0]["tool"] == "send_message"
    assert len(added(phone, before, "clock.alarms")) == 1 and not added(phone, before, "messages")
    r = agent.resume(r.thread_id, "approve")
    assert r.answer == "Alarm set. Alice knows."
    assert len(added(phone, before, "clock.alarms")) == 1  # the first step did not run again
    assert len(added(phone, before, "messages")) == 1


def test_step_outcome_ignores_blocked_repeats():
    from langchain_core.messages import AIMessage, ToolMessage

    ok = ToolMessage("created", tool_call_id="1", name="create_reminder", status="success",
                     artifact={"name": "create_reminder", "args": {}})
    blocked = ToolMessage("Already done, not repeated.", tool_call_id="2", name="complete_reminder", status="error",
                          artifact={"name": "complete_reminder", "args": {}, "done_before": "created"})
    assert step_outcome([ok, blocked, AIMessage("Done.")], None)["status"] == "done"
    # a step whose only call repeated an earlier step's change asks for what is done already
    again = ToolMessage("Already done, not repeated.", tool_call_id="3", name="add_contact", status="error",
                        artifact={"name": "add_contact", "args": {}, "done_before": "name: Delivery Driver\nid: c11"})
    assert step_outcome([again], None) == {"status": "done", "result": "Already done: name: Delivery Driver; id: c11.",
                                           "calls": [], "answer": ""}
    assert step_outcome([again, AIMessage("I added it.")], None)["result"] == "I added it."
    assert step_outcome([], None)["status"] == "failed"  # (no call at all: nothing was done)


def test_a_step_that_ends_by_repeating_a_failed_call_failed():
    from langchain_core.messages import AIMessage, ToolMessage

    from agentkit.graph import REPEATED_FAILURE

    ok = ToolMessage("found", tool_call_id="1", name="search_contacts", status="success")
    told = AIMessage("I could not do that. Error: no contact named 'Zed'.", response_metadata={REPEATED_FAILURE: True})
    assert step_outcome([told], None)["status"] == "failed"
    assert step_outcome([ok, told], None) == {"status": "failed", "result": told.content, "answer": told.content,
                                              "calls": [{"name": "search_contacts", "ok": True}]}
    assert step_outcome([ok, AIMessage(told.content)], None)["status"] == "done"  # (unmarked: as it says)


def test_failed_calls_are_carried_to_later_loops_until_the_next_state_change(registry):
    from langchain_core.messages import ToolMessage

    from agentkit._turn import carried_calls

    def msg(name, status, **extra):
        return ToolMessage(name, tool_call_id=name, name=name, status=status, artifact={"name": name, "args": {}, **extra})

    before = msg("send_message", "error")
    change = msg("create_note", "success")
    lookup = msg("search_contacts", "success")
    declined = msg("delete_photo", "error", declined=True)
    blocked = msg("set_alarm", "error", done_before="set")
    after = msg("make_call", "error")
    carried = carried_calls([before, change, declined, lookup, blocked, after], registry)
    # the failure before the note may succeed now; a lookup changes nothing; a blocked repeat is no failure
    assert carried == [change, declined, after]
    assert carried_calls([before, lookup], registry) == [before]


def test_a_later_step_that_repeats_a_failed_call_is_shown_its_error_instead_and_fails(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Text Zed that I'm up"),
        call("send_message", to="Zed", body="I'm up"), call("send_message", to="Zed Q", body="I'm up"),
        "I could not find Zed.",
        plan("Text Zed that I'm up"),  # the replan: the same step, and the same first call
        call("send_message", to="Zed", body="I'm up"),
        call("send_message", to="Zed", body="I'm up"),  # again, after being shown the error
        "Zed is not in the contacts.",
        plan("Tell the user Zed is not in the contacts"), "Zed is not in your contacts.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Text Zed that I'm up")
    assert not model.replies and r.error is None
    assert [(c["args"]["to"], c["ok"]) for c in r.tool_calls] == [("Zed", False), ("Zed Q", False)]  # run once each
    shown = model.calls[6]["messages"][-1].content
    assert shown.startswith("That exact call already failed: ") and "Zed" in shown
    assert model.calls[7]["tool_choice"] == "none"  # then asked for prose, no call
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 2  # the repeated failure failed the step, so it was replanned
    assert diff(before, phone.state()) == []


def test_a_failed_call_may_run_again_after_a_state_change(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Text Zed that I'm up"),
        call("send_message", to="Zed", body="I'm up"), call("send_message", to="Zed Q", body="I'm up"), "No Zed.",
        plan("Add Zed to my contacts as 415 555 0100", "Text Zed that I'm up"),
        call("add_contact", name="Zed", phone_number="415 555 0100"), "Added.",
        call("send_message", to="Zed", body="I'm up"), "Sent.",  # the same call: the new contact can take it
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Text Zed that I'm up; his number is 415 555 0100")
    assert not model.replies and r.error is None
    assert [(c["name"], c["ok"]) for c in r.tool_calls] == [
        ("send_message", False), ("send_message", False), ("add_contact", True), ("send_message", True)]


def test_step_outcome_rules():
    from langchain_core.messages import AIMessage, ToolMessage

    ok = ToolMessage("sent", tool_call_id="1", name="send_message", status="success")
    bad = ToolMessage("Error: no contact", tool_call_id="2", name="send_message", status="error")
    assert step_outcome([ok, AIMessage("Sent.")], None)["status"] == "done"
    assert step_outcome([ok, bad, AIMessage("Sorry.")], None) == {
        "status": "failed", "result": "Error: no contact", "calls": [{"name": "send_message", "ok": True},
                                                                    {"name": "send_message", "ok": False}],
        "answer": "Sorry."}
    assert step_outcome([AIMessage("It is sunny.")], None)["status"] == "done"
    assert step_outcome([], None)["status"] == "failed"
    assert step_outcome([ok], "step limit reached")["status"] == "failed"
    # a small model appends its brief to its answer: that is not news for the user or the next step
    echoed = AIMessage("Sent to Alice. Done so far:\n1. Find Alice -> found\nThese calls failed earlier; ...")
    assert step_outcome([ok, echoed], None)["answer"] == "Sent to Alice."
    assert step_outcome([ok, AIMessage("Done so far: 1. Find Alice")], None)["result"] == "sent"
    assert step_outcome([ok, AIMessage("Sent to Alice. Done so far.")], None)["answer"] == "Sent to Alice."


def test_a_second_turn_starts_afresh_and_its_critic_sees_only_its_own_actions(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Turn on wifi"), call("set_wifi", on=True), "On.", verdict_done(),
        plan("Turn on bluetooth"), call("set_bluetooth", on=True), "On.", verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine")
    first = agent.run("wifi on", thread_id="t")
    second = agent.run("bluetooth on", thread_id="t")
    critic_prompt = model.calls[-1]["messages"][-1].content
    assert "set_bluetooth" in critic_prompt and "set_wifi" not in critic_prompt
    assert "settings.wifi" not in critic_prompt  # the diff is this turn's too
    assert [c["name"] for c in second.tool_calls] == ["set_bluetooth"] and first.answer == second.answer == "On."
    assert second.llm_calls == 4


def test_a_replan_that_repeats_a_done_step_does_not_run_it_again(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Set an alarm for 6:30", "Text Zed that I'm up"),
        call("set_alarm", time="06:30"), "Alarm set.",
        call("send_message", to="Zed", body="I'm up"), call("send_message", to="Zed Q", body="I'm up"), "No Zed.",
        plan("Set an alarm for 6:30", "Text Alice that I'm up"),  # the alarm again
        call("send_message", to="Alice", body="I'm up"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    agent.run("Set an alarm for 6:30 and text Zed I'm up")
    assert not model.replies
    assert len(added(phone, before, "clock.alarms")) == 1


def test_a_later_step_cannot_redo_an_earlier_step_s_state_change(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Remind me to pack an umbrella", "Make sure the umbrella reminder exists"),
        call("create_reminder", title="Pack an umbrella"), "Reminder set.",
        call("create_reminder", title="Pack an umbrella"), "It exists.",  # the second step tries again
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Remind me to pack an umbrella")
    assert len(added(phone, before, "reminders")) == 1
    # the repeat was caught before it ran (the model was asked for prose instead), and it is no failure
    assert [c["name"] for c in r.tool_calls] == ["create_reminder"]
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 0 and not model.replies and r.answer == "Reminder set. It exists."


def test_a_later_step_may_change_a_record_an_earlier_step_changed(registry, index):
    # "one change per record" guards a single step's loop (create-then-complete); a plan that
    # renames a file in one step and moves it in the next means both
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Rename invoice_1042.pdf to November expenses", "Move invoice_1042.pdf into the Work folder"),
        call("rename_file", file="invoice_1042.pdf", new_name="November expenses"), "Renamed.",
        call("move_file", file="invoice_1042.pdf", folder="Work"),  # the old name: the tool says so
        call("move_file", file="November expenses.pdf", folder="Work"), "Moved.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Rename invoice_1042.pdf to November expenses and move it into Work")
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert "Already done" not in r.tool_calls[1]["result"]
    [f6] = [f for f in phone.state()["files"]["items"] if f["id"] == "f6"]
    assert f6["path"] == "/Work/November expenses.pdf"


def test_the_planner_names_each_steps_function_and_the_step_starts_with_it(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan({"do": "Save K7Q2 in a note called Flight", "tool": "create_note"},
             {"do": "Text Bob the code K7Q2", "tool": "send_message"}),
        call("create_note", title="Flight", body="K7Q2"), "Saved.",
        call("send_message", to="Bob", body="K7Q2"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow=NAMED)
    r = agent.run("Save the code K7Q2 in a note called Flight and text it to Bob")
    assert r.error is None and [c["name"] for c in r.tool_calls] == ["create_note", "send_message"]
    assert [(st["text"], st["tool"]) for st in r.plan] == [("Save K7Q2 in a note called Flight", "create_note"),
                                                            ("Text Bob the code K7Q2", "send_message")]
    assert len(added(phone, before, "notes")) == 1 and len(added(phone, before, "messages")) == 1
    # the planner chose among every phone function (a grammar enum), listed by app in its prompt
    item = model.calls[0]["tools"][0]["parameters"]["properties"]["steps"]["items"]
    assert set(item["properties"]["tool"]["enum"]) == set(registry.names()) and item["required"] == ["do", "tool"]
    assert "- notes: create_note, " in model.calls[0]["messages"][0].content
    # each step's first call is forced to its planned function, offered first; then the loop is free
    assert model.calls[1]["tool_choice"] == "create_note" and model.calls[1]["tools"][0]["name"] == "create_note"
    assert model.calls[2]["tool_choice"] is None
    assert model.calls[3]["tool_choice"] == "send_message" and model.calls[3]["tools"][0]["name"] == "send_message"


def test_a_step_is_not_forced_to_an_action_an_earlier_step_already_did(registry):
    from agentkit.tools.retrieval import ToolHit

    class Fixed:  # retrieval that, like the real one on "Text Dave that it's paid", puts paying first
        def search(self, query, k, apps=None):
            return [ToolHit(registry.get("pay_money_request"), 0.89), ToolHit(registry.get("send_message"), 0.55)]

    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Pay Dave's money request", "Text Dave that it's paid"),
        call("pay_money_request", request="Dave"), "Paid.",
        call("send_message", to="Dave", body="Paid!"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=Fixed(), workflow="plan")
    r = agent.run("Pay Dave's request and text him it's paid")
    assert r.error is None and [c["name"] for c in r.tool_calls] == ["pay_money_request", "send_message"]
    assert len(added(phone, before, "messages")) == 1
    # the first step is forced to the clear best tool; the second, whose best tool already ran, is not
    assert model.calls[1]["tool_choice"] == "pay_money_request"
    assert model.calls[3]["tool_choice"] == "required"


def test_a_declined_step_is_settled_not_replanned_and_not_asked_about_again(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Write B12 in a note called Parking", "Delete the parking photo", "Tell me it is gone"),
        call("create_note", title="Parking", body="B12"), "Saved.",
        call("delete_photo", photo="ph10"),  # asked: the user says no
        call("delete_photo", photo="parking"), "I did not delete it.",  # refused without a question
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan", confirm=True)
    r = agent.run("Write my parking spot B12 in a note called Parking, then delete the photo")
    assert [p["args"] for p in r.pending] == [{"photo": "ph10"}]
    done = agent.resume(r.thread_id, "deny")
    assert not done.pending and done.error is None
    assert [c["ok"] for c in done.tool_calls] == [True, False, False]
    assert "already declined delete_photo" in done.tool_calls[2]["result"]
    assert "Did not delete the parking photo: the user declined delete_photo" in done.answer
    assert [c.path for c in diff(before, phone.state())] == ["notes.n4"]  # the photo is still there
    # settled, not failed: no replan, and the step after it (which depends on it) does not run
    assert len(model.calls) == 6


def test_a_retry_by_the_critic_does_not_ask_again_about_a_declined_action(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Write B12 in a note called Parking", "Delete the parking photo"),
        call("create_note", title="Parking", body="B12"), "Saved.",
        call("delete_photo", photo="ph10"), "I did not delete it.",  # asked: the user says no
        not_done("delete the photo"),
        plan("Delete the parking photo"),
        call("delete_photo", photo="ph10"), "Not deleted.",  # the retry: refused without a question
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=True)
    r = agent.run("Write my parking spot B12 in a note called Parking, then delete the photo")
    done = agent.resume(r.thread_id, "deny")
    assert not done.pending and done.error is None  # the retry's call was not asked about
    assert [c["ok"] for c in done.tool_calls] == [True, False]  # (its refusal repeats the denied call)
    assert model.calls[-2]["tool_choice"] == "delete_photo"  # the retry did call it
    assert [c.path for c in diff(before, phone.state())] == ["notes.n4"]


def test_a_planned_function_that_does_not_exist_leaves_the_step_free(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan({"do": "Set an alarm for 7am", "tool": "make_alarm"}),  # (a scripted model ignores the grammar)
        call("set_alarm", time="07:00"), "Alarm set.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow=NAMED)
    r = agent.run("Set an alarm for 7am")
    assert r.error is None and [c["name"] for c in r.tool_calls] == ["set_alarm"]
    assert model.calls[1]["tool_choice"] != "make_alarm"


def test_a_planned_function_of_another_app_than_the_thing_the_step_names_is_not_forced(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan({"do": "Order fries from Burger Barn", "tool": "search_restaurants"},
             {"do": "Book Luigi's for two at 7pm tonight", "tool": "book_table"}),
        call("add_to_food_cart", item="Fries", store="Burger Barn"), "Fries are in the cart.",
        call("book_table", restaurant="Luigi's", date="today", time="19:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow=NAMED)
    r = agent.run("Order fries from Burger Barn and book Luigi's for two at 7pm tonight")
    assert [c["name"] for c in r.tool_calls] == ["add_to_food_cart", "book_table"]
    # Burger Barn is the delivery app's: the restaurants function is neither forced nor offered first
    assert model.calls[1]["tool_choice"] != "search_restaurants"
    assert model.calls[1]["tools"][0]["name"] != "search_restaurants"
    # a step naming its own app's thing keeps its function
    assert model.calls[3]["tool_choice"] == "book_table"


def test_plans_are_free_text_by_default(registry, index):
    model = ScriptedChatModel(replies=[plan("Set an alarm for 7am"), call("set_alarm", time="07:00"), "Set."])
    agent = create_agent(model, registry, device=Phone(), index=index, workflow="plan")
    assert agent.run("Set an alarm for 7am").error is None
    assert model.calls[0]["tools"][0]["parameters"]["properties"]["steps"]["items"]["type"] == "string"
    assert "- clock:" not in model.calls[0]["messages"][0].content


def test_a_registry_larger_than_plan_tools_gives_the_planner_the_tools_retrieved_per_clause():
    seen = []

    def retrieve(query, k):
        seen.append((query, k))
        hits = {"Book Luigi's for two on Friday": [("book_table", 0.9), ("get_menu", 0.5)],
                "text Bob the time": [("send_message", 0.8), ("make_call", 0.4)]}
        return hits.get(query, [("book_table", 0.6), ("search_restaurants", 0.55)])[:k]

    request = "Book Luigi's for two on Friday, and then text Bob the time"
    assert _catalog(request, retrieve, 5, 3) == ["book_table", "send_message", "search_restaurants"]
    assert seen == [(request, 5), ("Book Luigi's for two on Friday", 3), ("text Bob the time", 3)]


def test_a_conditional_step_is_offered_its_function_but_may_skip_it(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan({"do": "Check the weather in Paris tomorrow", "tool": "get_weather"},
             {"do": "If it will rain, remind me to pack an umbrella", "tool": "create_reminder"}),
        call("get_weather", city="Paris", date="tomorrow"), "Sunny tomorrow.",
        "It will not rain, so no reminder is needed.",
    ])
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", plan_tools=128, decide=False))
    r = agent.run("Check the weather in Paris tomorrow, and if it's going to rain, remind me to pack an umbrella.")
    assert r.error is None and [c["name"] for c in r.tool_calls] == ["get_weather"]
    assert model.calls[1]["tool_choice"] == "get_weather"
    assert model.calls[3]["tool_choice"] is None and model.calls[3]["tools"][0]["name"] == "create_reminder"
    assert added(phone, before, "reminders") == []


def test_a_step_dated_today_is_sent_back_even_after_that_error_is_in_its_brief(registry, index):
    phone = Phone()  # Wednesday 2026-11-25
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Put a picnic in Dolores Park at noon on my calendar", "Book Curry House for two at noon"),
        call("create_event", title="Picnic", date="2026-11-25", start_time="12:00"),
        call("create_event", title="Picnic", date="sunday", start_time="12:00"), "Added.",
        # step 2's brief lists step 1's failed call, whose error says "today": not the user saying today
        call("book_table", restaurant="Curry House", date="2026-11-25", time="12:00", party_size=2),
        call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("On Sunday: put a picnic in Dolores Park at noon on my calendar and book Curry House for two at noon")
    assert [c["ok"] for c in r.tool_calls] == [False, True, False, True]
    assert "is today (2026-11-25), but the request says sunday" in r.tool_calls[2]["result"]
    assert "is today" in model.calls[4]["messages"][0].content  # (the failed call was in the brief)
    assert added(phone, before, "restaurants.bookings")[0]["date"] == "2026-11-29"
    assert added(phone, before, "calendar")[0]["start"].startswith("2026-11-29")


def test_an_action_step_that_answers_before_acting_is_reminded_once_then_acts(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Find Pizza Palace", "Text Bob that lunch is coming"),
        call("search_food_delivery", query="Pizza Palace"), "Pizza Palace is open.",  # a lookup: no reminder
        "I have texted Bob.",  # a claim: nothing was sent
        call("send_message", to="Bob", body="Lunch is coming"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Find Pizza Palace and text Bob that lunch is coming")
    assert not model.replies and [c["name"] for c in r.tool_calls] == ["search_food_delivery", "send_message"]
    assert [m["name"] for m in added(phone, before, "messages")] == ["Bob Smith"]
    reminder = model.calls[4]["messages"][-1]
    assert reminder.name == "agentkit" and "Nothing has been changed on the phone yet" in reminder.content
    assert '"Text Bob that lunch is coming" is not done' in reminder.content
    assert model.calls[4]["tool_choice"] == "required"  # the reply to the reminder must be a call
    assert r.answer == "Pizza Palace is open. Sent."


def test_a_conditional_step_and_a_step_after_a_failure_may_answer_without_acting(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("If it rains in Paris tomorrow, remind me to pack an umbrella", "Text Zed that I'm up"),
        "It will not rain, so nothing to do.",
        call("send_message", to="Zed", body="I'm up"), call("send_message", to="Zed Q", body="I'm up"),
        "There is no contact named Zed.",
    ])
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", max_replans=0))
    r = agent.run("If it rains in Paris tomorrow remind me to pack an umbrella, and text Zed that I'm up")
    assert not model.replies and r.error is None
    assert not any("Nothing has been changed" in str(m.content) for c in model.calls for m in c["messages"])
    assert added(phone, before, "reminders") == [] and added(phone, before, "messages") == []


def test_the_critic_sends_back_an_action_step_that_changed_nothing_without_asking_a_model(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Text Bob that lunch is coming"),
        "I have texted Bob.", "Bob knows.",  # the claim, and the claim again after the reminder
        plan("Text Bob that lunch is coming"),  # the retry: the idle step is not listed as done
        call("send_message", to="Bob", body="Lunch is coming"), "Sent.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine")
    r = agent.run("Text Bob that lunch is coming")
    assert not model.replies and [m["name"] for m in added(phone, before, "messages")] == ["Bob Smith"]
    replan = model.calls[3]["messages"][-1].content
    assert "Nothing on the phone changed for: Text Bob that lunch is coming" in replan
    assert "Already done" not in replan
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["refines"] == 1 and state["reflections"][0].startswith("Nothing on the phone changed for")
    assert r.answer.startswith("Sent.")


def test_a_number_a_step_made_up_is_refused_in_the_next_step_and_a_looked_up_one_is_not(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Look up the number that texted me about my package",
             "Save that number as a new contact called Delivery Driver"),
        "The number is 123-456-7890.",  # an answer with no call behind it: sent to search, once
        call("search_contacts", query="Alice"),  # (a search that found nothing would leave the step failed)
        "The number is 123-456-7890.",  # made up again: the answer stands, and the brief will carry it
        call("add_contact", name="Delivery Driver", phone_number="123-456-7890"),
        call("read_messages"),
        call("add_contact", name="Delivery Driver", phone_number="+1 415 555 0199"), "Saved.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow=Workflow(kind="plan", max_replans=0))
    r = agent.run("Save the number that texted me about my package as a new contact called Delivery Driver")
    assert "123-456-7890" in model.calls[5]["messages"][0].content  # step 1's prose is in step 2's brief
    assert [c["ok"] for c in r.tool_calls] == [True, False, True, True] and not model.replies
    assert "appears nowhere in the request or in any result" in r.tool_calls[1]["result"]
    [new] = added(phone, before, "contacts")
    assert new["name"] == "Delivery Driver" and new["phone"] == "+1 415 555 0199"


def test_which_steps_are_expected_to_change_something(registry):
    from agentkit.graph import expects_change
    from agentkit.plan import _LOOKUP

    # an order's best match is often the store search: the second tool still makes it an action
    assert expects_change(["search_food_delivery", "add_to_food_cart", "place_food_order"], registry)
    assert not expects_change(["search_food_delivery", "search_restaurants", "place_food_order"], registry)
    assert not expects_change([], registry)
    lookups = ["Find a sushi place near the office", "Look up the number that texted me", "Check Sunday's weather",
               "Get the launch date from the meeting notes", "What is Mom's address?"]
    actions = ["Order a margherita pizza from Pizza Palace", "Text Bob that lunch is coming",
               "Get me a ride to work", "Make Emma Davis a favorite contact", "Ask Bob if he is free"]
    assert [bool(_LOOKUP.match(t)) for t in lookups + actions] == [True] * 5 + [False] * 5


def test_a_condition_after_a_lookup_is_settled_first_and_only_its_branch_runs(registry, index):
    phone = Phone()  # Sunday's forecast is rain
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check Sunday's weather", "If it's dry, put a picnic in Dolores Park at noon on my calendar; "
                                       "if not, book Curry House for two at noon on Sunday"),
        call("get_weather", date="Sunday"), "Rain on Sunday.",
        call("decide", condition="it's dry", found="rain", holds=False,
             action="Book Curry House for two at noon on Sunday"),
        call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    events = list(agent.stream("Check Sunday's weather. If it's dry, put a picnic in Dolores Park at noon on "
                               "my calendar; if not, book Curry House for two at noon instead."))
    r = events[-1].data["result"]
    assert not model.replies and r.error is None
    assert [c["name"] for c in r.tool_calls] == ["get_weather", "book_table"]
    assert added(phone, before, "restaurants.bookings")[0]["date"] == "2026-11-29"
    assert added(phone, before, "calendar") == []
    # the decision was asked alone, forced, with the forecast the lookup really returned
    ask = model.calls[3]
    assert ask["tool_choice"] == "decide" and "condition: Rain" in ask["messages"][-1].content
    # the step then ran as the chosen action only, as an action step
    assert model.calls[4]["messages"][-1].content == "Book Curry House for two at noon on Sunday"
    assert r.llm_calls == 6  # planner, two for the lookup, the decision, two for the booking
    [decision] = [e for e in events if e.kind == "decision"]
    assert decision.data["holds"] is False and decision.data["action"].startswith("Book Curry House")


def test_a_settled_condition_with_nothing_to_do_runs_no_step_loop(registry, index):
    phone = Phone()  # Paris tomorrow: rain
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check the weather in Paris tomorrow", "If it will snow, remind me to pack boots"),
        call("get_weather", city="Paris", date="tomorrow"), "Rain in Paris tomorrow.",
        call("decide", condition="it will snow", found="rain, not snow", holds=False, action=""),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Check the weather in Paris tomorrow, and if it's going to snow, remind me to pack boots.")
    assert not model.replies and r.error is None and len(model.calls) == 4  # no loop ran for step 2
    assert added(phone, before, "reminders") == []
    assert r.answer.startswith("Rain in Paris tomorrow. Nothing to do: rain, not snow.")


def test_an_unusable_decision_leaves_the_condition_to_the_step(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Check the weather in Paris tomorrow", "If it will rain, remind me to pack an umbrella"),
        call("get_weather", city="Paris", date="tomorrow"), "Sunny.",
        call("decide", found="sunny"),  # no "holds"
        "It will not rain, so there is nothing to do.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Check the weather in Paris tomorrow, and if it's going to rain, remind me to pack an umbrella.")
    assert not model.replies and r.error is None
    # the step's loop got the step as planned, condition and all
    assert model.calls[4]["messages"][-1].content == "If it will rain, remind me to pack an umbrella"


def test_an_unreadable_verdict_does_not_send_the_turn_round_again():
    from agentkit.plan import _unmet

    assert _unmet({}) == [] and _unmet({"checks": "all good"}) == []
    assert _unmet({"checks": [{"asked": "Order the pizza", "shown_by": SHOWN}, {"shown_by": "nothing shows it"}]}) == []
    assert _unmet({"checks": [{"asked": "Order the pizza", "shown_by": "nothing shows it"},
                              {"asked": "Text Bob.", "shown_by": "nothing shows it"},
                              {"asked": "Order the pizza", "shown_by": "nothing shows it"}]}) == ["Order the pizza", "Text Bob"]
    # a thing listed again with a proof is done: the critic cannot make up its mind
    whole = "Get me a ride to work and text Emma that I'll be at the office in about 20 minutes."
    assert _unmet({"checks": [{"asked": whole, "shown_by": SHOWN}, {"asked": whole, "shown_by": "+ rides.rides.rd2"},
                              {"asked": whole, "shown_by": "nothing shows it"}]}) == []
    # an item whose condition did not hold needs nothing; a check without a pick is no finding
    assert _unmet({"checks": [{"asked": "Book Curry House", "shown_by": "nothing needed: its condition did not hold"},
                              {"asked": "Text Bob", "done": False}]}) == []


def test_a_one_branch_condition_that_does_not_hold_skips_the_step_whatever_action_is_named(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check Sunday's weather", "If it's dry, put a picnic in Dolores Park at noon on Sunday on my calendar",
             "If it's raining, book Curry House for two at noon on Sunday"),
        call("get_weather", date="Sunday"), "Rain on Sunday.",
        # the model names the step's action although its condition is false: the condition decides
        call("decide", condition="it's dry", found="rain", holds=False,
             action="Put a picnic in Dolores Park at noon on Sunday on my calendar"),
        # true, but no action named: the step runs as planned
        call("decide", condition="it's raining", found="rain", holds=True, action=""),
        call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Check Sunday's weather. If it's dry, put a picnic in Dolores Park at noon on my calendar; "
                  "if not, book Curry House for two at noon.")
    assert not model.replies and [c["name"] for c in r.tool_calls] == ["get_weather", "book_table"]
    assert added(phone, before, "calendar") == [] and len(added(phone, before, "restaurants.bookings")) == 1
    assert model.calls[5]["messages"][-1].content == "If it's raining, book Curry House for two at noon on Sunday"
    assert "Request: Check Sunday's weather." in model.calls[3]["messages"][-1].content


def test_a_step_that_moved_on_from_a_failed_call_and_answers_unchanged_is_reminded(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Save the SkyHigh confirmation number in a note called Flight"),
        call("create_note", title="Flight", body="Confirmation: [insert confirmation number here]"),
        call("search_emails", query="SkyHigh"),
        "I saved the confirmation number in a note called Flight.",  # a claim: the failure was left behind
        call("create_note", title="Flight", body="SkyHigh confirmation K7Q2LM"), "Saved.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Save my SkyHigh confirmation number in a note called Flight")
    assert not model.replies and [c["ok"] for c in r.tool_calls] == [False, True, True]
    assert "Nothing has been changed on the phone yet" in model.calls[4]["messages"][-1].content
    assert [n["body"] for n in added(phone, before, "notes")] == ["SkyHigh confirmation K7Q2LM"]


def test_an_if_not_step_is_the_other_branch_of_the_condition_settled_before_it(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check Sunday's weather", "If it's dry, put a picnic in Dolores Park at noon on my calendar",
             "If not, book Curry House for two at noon on Sunday instead"),
        call("get_weather", date="Sunday"), "Rain on Sunday.",
        call("decide", condition="it's dry", found="rain", holds=False, action=""),
        # judged on the wrong condition ("dry") and with no action: the settled step before decides
        call("decide", condition="it's dry", found="rain", holds=False, action=""),
        call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    events = list(agent.stream("Check Sunday's weather. If it's dry, put a picnic in Dolores Park at noon on my "
                               "calendar; if not, book Curry House for two at noon instead."))
    assert not model.replies and [c["name"] for c in events[-1].data["result"].tool_calls] == ["get_weather", "book_table"]
    assert added(phone, before, "calendar") == [] and len(added(phone, before, "restaurants.bookings")) == 1
    assert [e.data["holds"] for e in events if e.kind == "decision"] == [False, True]


def test_a_lookup_step_that_finds_nothing_after_earlier_results_is_news_not_a_replan(registry, index):
    phone = Phone()  # Wednesday 2026-11-25
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Read yesterday's meeting notes", "Find the new launch date", "Put the launch on my calendar at 9am"),
        call("read_text_file", file="meeting notes"), "The launch moves to January 12.",
        # a redundant lookup in the wrong app: no event matches
        call("find_events", query="launch date moved"), "No event matches that.",
        call("create_event", title="Launch", date="january 12", start_time="09:00"), "Added.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("My meeting notes from yesterday say the launch moved. Put the launch on my calendar at 9am.")
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 0 and not model.replies
    assert [c["ok"] for c in r.tool_calls] == [True, False, True]
    assert [e["start"] for e in added(phone, before, "calendar")] == ["2027-01-12T09:00:00"]
    # the last step was told the lookup found nothing, and why
    assert ("2. Find the new launch date -> Found nothing: Error: no event matches 'launch date moved'"
            in model.calls[5]["messages"][0].content)


def test_a_first_lookup_step_that_finds_nothing_is_replanned(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Find the launch event", "Move it to 10am"),
        call("find_events", query="launch"), "No event matches that.",
        plan("Search my notes for the launch"),
        call("search_notes", query="launch"), "No note mentions it.",
    ])
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", max_replans=1))
    r = agent.run("Move the launch to 10am")
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 1 and not model.replies  # nothing earlier to work from: a new plan


def test_a_lookup_whose_searches_all_came_back_empty_found_nothing_whatever_it_answers(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check the weather on Saturday", "Find the date of the zebra quantum party in my notes"),
        call("get_weather", date="Saturday"), "Sunny.",
        call("search_notes", query="zebra quantum party"),
        "The party is on November 24, 2026.",  # invented: the search returned nothing
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Check Saturday's weather and find the zebra quantum party's date in my notes")
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 0 and not model.replies
    step = next(p for p in r.plan if p["id"] == 2)
    assert step["status"] == "done" and step["result"].startswith("Found nothing: search_notes(query=")
    assert "November 24" not in r.answer and "nothing" in r.answer
    assert added(phone, before, "notes") == []


def test_a_first_lookup_whose_search_came_back_empty_is_replanned(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Find the date of the zebra quantum party in my notes", "Put the party on my calendar"),
        call("search_notes", query="zebra quantum party"), "The party is on November 24, 2026.",
        plan("Read the party file"),
        call("read_text_file", file="party"), "No such file.",
    ])
    agent = create_agent(model, registry, device=phone, index=index,
                         workflow=Workflow(kind="plan", max_replans=1))
    r = agent.run("Put the zebra quantum party from my notes on my calendar")
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 1 and not model.replies
    assert "This step failed: Find the date of the zebra quantum party in my notes -> search_notes(" \
        in model.calls[3]["messages"][-1].content


def test_a_replanned_lookup_that_already_found_nothing_is_not_run_again(registry, index):
    phone = Phone()
    before = phone.state()
    lookup = "Find a pizza restaurant near the game night"
    model = ScriptedChatModel(replies=[
        plan(lookup, "Send Jack $18 for the pizza", "Text Jack thanks"),
        call("search_restaurants", cuisine="pizza", area="game night"), "No restaurant matches.",
        plan(lookup, "Send Jack $18 for the pizza", "Text Jack thanks"),  # the replan repeats the lookup
        call("send_money", to="Jack", amount=18, note="pizza"), "Sent.",
        call("send_message", to="Jack", body="Thanks for the pizza!"), "Texted.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Send Jack $18 for the pizza at game night and text him thanks.")
    assert not model.replies and r.error is None
    assert [c["name"] for c in r.tool_calls] == ["search_restaurants", "send_money", "send_message"]
    assert [t["amount"] for t in added(phone, before, "wallet.transactions")] == [18]
    # the next step is told what the repeated lookup came to
    assert "4. Find a pizza restaurant near the game night -> Found nothing: Error: no restaurant matches" \
        in model.calls[4]["messages"][0].content


def test_a_lookup_that_found_something_before_a_call_failed_is_done_with_what_it_found(registry, index):
    model = ScriptedChatModel(replies=[
        plan("Find the Burger Barn restaurant", "Text Jack the Burger Barn menu"),
        call("search_restaurants", cuisine="Burger Barn"),
        call("search_food_delivery", query="Burger Barn"),
        call("search_restaurants", cuisine="Burgers", area="Downtown"),  # looking further, in the wrong app
        "There is no Burger Barn restaurant.",
        call("send_message", to="Jack", body="Burger Barn has burgers, fries and shakes"), "Texted.",
    ])
    agent = create_agent(model, registry, device=Phone(), index=index, workflow="plan")
    r = agent.run("Text Jack what Burger Barn has")
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["replans"] == 0 and not model.replies
    assert [c["ok"] for c in r.tool_calls] == [False, True, False, True]
    assert "store: Burger Barn" in state["results"]["1"]["result"]
    assert "1. Find the Burger Barn restaurant -> store: Burger Barn" in model.calls[5]["messages"][0].content


def test_a_date_only_a_failed_call_gave_is_no_evidence_for_the_retry(registry, index):
    phone = Phone()  # Wednesday 2026-11-25
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Book Curry House for two at noon"),
        call("book_table", restaurant="Curry House", date="2026-11-28", time="12:00", party_size=2),
        "I could not book it.",
        plan("Book Curry House for two at noon"),  # the replan: the failed call is listed in its prompt
        call("book_table", restaurant="Curry House", date="2026-11-28", time="12:00", party_size=2),
        call("book_table", restaurant="Curry House", date="sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("Book Curry House for two at noon on Sunday")
    # the replanned step's repeat of the failed call is not run again: the model is shown its error
    assert [c["ok"] for c in r.tool_calls] == [False, True]
    assert "date='2026-11-28' is a day the request does not name" in r.tool_calls[0]["result"]
    assert "These calls failed earlier; do not repeat them unchanged:" in model.calls[4]["messages"][0].content
    assert model.calls[5]["messages"][-1].content.startswith("That exact call already failed: ")
    assert [b["date"] for b in added(phone, before, "restaurants.bookings")] == ["2026-11-29"]


def test_a_step_the_critic_names_as_not_done_runs_again_with_the_critique(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Set an alarm for 7am"),
        call("set_alarm", time="06:00"), "Alarm set.",  # the wrong time
        not_done("Set an alarm for 7am tomorrow"),
        plan("Set an alarm for 7am"),  # the same step: it is not done, so it runs again
        call("set_alarm", time="07:00"), "Alarm set for 7.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    r = agent.run("Set an alarm for 7am tomorrow")
    assert not model.replies and r.error is None
    assert [a["time"] for a in added(phone, before, "clock.alarms")] == ["06:00", "07:00"]
    second_plan = model.calls[4]["messages"][-1].content
    assert "Already done" not in second_plan  # the step the critic named is not shown as done
    assert "Not done yet: Set an alarm for 7am tomorrow." in second_plan


def test_the_critic_picks_its_proof_from_the_changes_and_lookups_and_says_what_it_found(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Check the weather in Paris", "Text Alice the forecast"),
        call("get_weather", city="Paris"), "Sunny.",
        call("send_message", to="Zed", body="Sunny in Paris"),  # fails: a failed call proves nothing
        call("send_message", to="Alice", body="Sunny in Paris"), "Sent.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine")
    events = list(agent.stream("Check the weather in Paris and text Alice the forecast"))
    assert not model.replies
    critic = model.calls[-1]
    assert critic["tool_choice"] == "verdict"
    proof = critic["tools"][0]["parameters"]["properties"]["checks"]["items"]["properties"]["shown_by"]["enum"]
    assert proof[0].startswith("+ messages.m") and "found by get_weather" in proof
    assert not any("send_message" in p for p in proof) and len(proof) == 4  # a change proves it, not the call
    assert proof[-2:] == ["nothing needed: its condition did not hold", "nothing shows it"]
    critique = [e.data for e in events if e.kind == "critique"]
    assert critique == [{"node": "critic", "checks": [{"asked": "everything", "shown_by": SHOWN}], "finding": "",
                         "set_aside": []}]


def test_a_critique_covers_a_step_only_with_its_names_and_numbers():
    from agentkit.plan import _covers

    assert _covers("Order a margherita pizza from Pizza Palace to my office", "Order a margherita pizza from Pizza Palace")
    assert not _covers("Text Bob that dinner is at 8", "Text Alice that dinner is at 8")
    assert not _covers("Set an alarm for 7:30", "Set an alarm for 6:30")
    assert not _covers("Order the pizza", "Order a margherita pizza from Pizza Palace")  # most words missing
    # "the", "to", "and" count for nothing: the step's own words are nearly all in the item (ma-061)
    assert _covers("order a California roll and a miso soup from Sushi Express instead",
                   "Change the order to California roll and miso soup from Sushi Express")
    assert not _covers("order a California roll from Sushi Express", "Change the order to California roll and "
                       "miso soup from Sushi Express")  # the soup is not asked


def test_a_filled_cart_that_was_never_ordered_is_finished_by_its_order_without_asking_a_model(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Order a margherita pizza from Pizza Palace"),
        call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"), "Ordered.",  # only the cart
        # no verdict, no planner: add_to_food_cart is finished_by place_food_order, so that is the next step
        # refused (a made-up address), the step's next call is the finishing tool's again: it offers no other
        call("place_food_order", address="San Francisco office, 123 Main St."),
        call("place_food_order", address="my office"), "Ordered for real.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    events = list(agent.stream("Order a margherita pizza from Pizza Palace to my office"))
    r = events[-1].data["result"]
    assert not model.replies and r.error is None
    assert [o["items"][0]["name"] for o in added(phone, before, "delivery")] == ["Margherita pizza"]
    finish = model.calls[3]
    assert finish["tool_choice"] == "place_food_order"  # the step's first call is forced to the finishing tool
    assert finish["messages"][-1].content == "Order the dishes in the food cart"
    assert [t["name"] for t in finish["tools"]] == [t["name"] for t in model.calls[4]["tools"]] == ["place_food_order"]
    assert [o["address"] for o in added(phone, before, "delivery")] == ["500 Howard St"]  # "my office": work
    assert [e.data.get("text") for e in events if e.kind == "step" and "text" in e.data][-1] == \
        "Order the dishes in the food cart"
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["refines"] == 1 and state["reflections"] == [
        "Started, not finished: add_to_food_cart(item='Margherita pizza', store='Pizza Palace') was not "
        "followed by place_food_order."]
    assert r.answer.startswith("Ordered. Ordered for real.")


def test_a_planned_booking_nobody_asked_for_is_not_run(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Book a meeting with Bob at my office", "Text Bob that lunch is coming"),
        call("send_message", to="Bob", body="Lunch is coming"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan", confirm=False)
    events = list(agent.stream("Text Bob that lunch is coming to my office"))
    r = events[-1].data["result"]
    assert not model.replies and r.error is None
    assert [c["name"] for c in r.tool_calls] == ["send_message"] and not added(phone, before, "calendar")
    assert [s["text"] for s in r.plan] == ["Text Bob that lunch is coming"]
    assert [e.data["finding"] for e in events if e.kind == "critique"] == [
        "Not asked for: Book a meeting with Bob at my office (a booking)."]


def test_a_filled_cart_is_ordered_before_the_next_step_runs(registry, index):
    # ma-058 at 532e5a0: the order came after the timer for its delivery, which so had no ETA to read
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Order a margherita pizza from Pizza Palace", "Set a timer for when it should arrive"),
        call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"), "Ordered.",  # only the cart
        call("place_food_order", address="work"), "Ordered for real.",  # asked of no model: the step is known
        call("set_timer", minutes=25, label="Pizza"), "Timer set.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    events = list(agent.stream("Order a margherita pizza from Pizza Palace to my office and set a timer for "
                               "when it should arrive"))
    r = events[-1].data["result"]
    assert not model.replies and r.error is None
    assert [c["name"] for c in r.tool_calls] == ["add_to_food_cart", "place_food_order", "set_timer"]
    assert model.calls[3]["tool_choice"] == "place_food_order"
    assert [o["items"][0]["name"] for o in added(phone, before, "delivery")] == ["Margherita pizza"]
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert [(s["id"], s["text"], s["depends_on"]) for s in state["plan"]] == [
        (1, "Order a margherita pizza from Pizza Palace", []), (3, "Order the dishes in the food cart", []),
        (2, "Set a timer for when it should arrive", [1, 3])]
    assert state["finishing"] == ["place_food_order"] and state["refines"] == 0  # not a retry
    assert [e.data["node"] for e in events if e.kind == "critique"] == ["dispatch", "critic"]


def test_without_a_critic_a_filled_cart_is_left_as_the_step_left_it(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Order a margherita pizza from Pizza Palace", "Set a timer for 25 minutes"),
        call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"), "Ordered.",
        call("set_timer", minutes=25, label="Pizza"), "Timer set.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan", confirm=False)
    r = agent.run("Order a margherita pizza from Pizza Palace and set a timer for 25 minutes")
    assert not model.replies and [c["name"] for c in r.tool_calls] == ["add_to_food_cart", "set_timer"]


def test_started_work_is_finished_even_with_no_retries_left_and_only_once_per_tool(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Order a margherita pizza from Pizza Palace"),
        call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"), "Ordered.",
        call("place_food_order", address="work"),  # the finishing step, though max_refines is 0
        call("add_to_food_cart", item="Garlic knots", store="Pizza Palace"), "Ordered, and knots in the cart.",
        # the knots were never ordered, but the finishing step has had its turn: no second one, no retry
    ])
    agent = create_agent(model, registry, device=phone, index=index, confirm=False,
                         workflow=Workflow(kind="plan", refine=True, max_refines=0))
    r = agent.run("Order a margherita pizza from Pizza Palace to my office")
    assert not model.replies and r.error is None
    assert [o["items"][0]["name"] for o in added(phone, before, "delivery")] == ["Margherita pizza"]
    assert [c["name"] for c in r.tool_calls] == ["add_to_food_cart", "place_food_order", "add_to_food_cart"]
    state = agent.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert state["finishing"] == ["place_food_order"] and state["refines"] == 1


def test_a_cart_the_request_asks_for_is_finished_work(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Add a margherita pizza from Pizza Palace to my cart"),
        call("add_to_food_cart", item="Margherita pizza", store="Pizza Palace"), "In the cart.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    r = agent.run("Add a margherita pizza from Pizza Palace to my cart")
    assert not model.replies and r.error is None and model.calls[-1]["tool_choice"] == "verdict"


def test_finished_by_naming_no_registered_tool_is_ignored(registry):
    from langchain_core.messages import ToolMessage

    from agentkit.plan import _unfinished
    from agentkit.tools import ToolRegistry

    add, checkout = registry.get("add_to_shopping_cart"), registry.get("checkout_shopping_cart")
    added_it = [ToolMessage("ok", tool_call_id="1", name=add.name, artifact={"args": {"product": "tea"}})]
    assert _unfinished(added_it, ToolRegistry([add]), "Buy tea") == []
    both = ToolRegistry([add, checkout])
    assert _unfinished(added_it, both, "Buy tea") == [
        ("add_to_shopping_cart(product='tea') was not followed by checkout_shopping_cart", "checkout_shopping_cart")]
    assert _unfinished(added_it, both, "Put tea in my cart") == []


def test_the_critic_s_proof_from_an_app_that_cannot_do_the_thing_asked_is_no_proof(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Set a 30 minute timer"),  # the planner left the order out
        call("set_timer", minutes=30), "Timer set.",
        call("verdict", checks=[{"asked": "Order fries from Burger Barn", "shown_by": "+ clock.timers.t1"},
                                {"asked": "Set a 30 minute timer", "shown_by": "+ clock.timers.t1"}]),
        plan("Find fries at Burger Barn"),
        call("search_food_delivery", query="fries"), "Burger Barn has fries.",
        verdict_done(),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    events = list(agent.stream("Order fries from Burger Barn and set a 30 minute timer"))
    assert not model.replies
    retry_prompt = model.calls[4]["messages"][-1].content
    assert "Not done yet: Order fries from Burger Barn." in retry_prompt
    assert "Set a 30 minute timer" not in retry_prompt.split("Not done yet:")[1]
    [critique, _] = [e.data for e in events if e.kind == "critique"]
    assert critique["set_aside"] == [{"asked": "Order fries from Burger Barn", "shown_by": "+ clock.timers.t1"}]


def test_a_proof_from_another_app_that_can_do_the_thing_asked_stands(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Text Bob that dinner at Luigi's is booked"),
        call("send_message", to="Bob", body="Dinner at Luigi's is booked"), "Sent.",
        call("verdict", checks=[{"asked": "Text Bob that dinner at Luigi's is booked", "shown_by": "+ messages.m11"}]),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    r = agent.run("Text Bob that dinner at Luigi's is booked")
    assert not model.replies and r.error is None and r.answer == "Sent."


def test_the_app_of_a_critic_s_proof(registry):
    from agentkit.plan import _proof_app

    assert _proof_app("+ clock.timers.t1", registry) == "clock"
    assert _proof_app("~ settings.wifi", registry) == "settings"
    assert _proof_app("found by get_weather", registry) == "weather"
    assert _proof_app("found by no_such_tool", registry) is None
    assert _proof_app("nothing shows it", registry) is None and _proof_app(None, registry) is None


def _critic_sets_aside(registry, index, request, asked, proof, first, retry, phone=None):
    """Run ``first`` (a plan, a call, its answer), a verdict citing ``proof`` for ``asked``, then ``retry``;
    check that the proof was set aside and the retry was told ``asked`` is not done."""
    model = ScriptedChatModel(replies=[*first, call("verdict", checks=[{"asked": asked, "shown_by": proof}]),
                                       *retry, verdict_done()])
    agent = create_agent(model, registry, device=phone or Phone(), index=index, workflow="plan+refine", confirm=False)
    events = list(agent.stream(request))
    assert not model.replies
    assert f"Not done yet: {asked}." in model.calls[4]["messages"][-1].content
    critique = next(e.data for e in events if e.kind == "critique")
    assert critique["set_aside"] == [{"asked": asked, "shown_by": proof}]


def test_a_change_beside_the_record_a_thing_asked_makes_is_no_proof_of_it(registry, index):
    from agentkit.tools.phone import default_seed

    seed = default_seed()
    seed["delivery"]["cart"] = {"store_id": "ds1", "items": [
        {"item_id": "ds1-2", "name": "Pepperoni pizza", "price": 16.0, "quantity": 1}]}
    asked = "Order a California roll from Sushi Express"
    _critic_sets_aside(
        registry, index, asked + " instead of the pizza", asked, "~ delivery.cart.items",
        [plan("Clear the cart"), call("clear_food_cart"), "The cart is empty."],  # the planner left the order out
        [plan("Find a California roll at Sushi Express"),
         call("search_food_delivery", query="California roll"), "Sushi Express has it."],
        phone=Phone(seed=seed))


def test_a_record_kind_is_read_from_the_first_word_of_the_thing_asked():
    from agentkit.plan import _collections, _wrong_record
    from agentkit.tools.phone import default_seed

    kinds = _collections(default_seed())
    assert {"delivery.orders", "restaurants.bookings", "web.bookmarks", "messages", "clock.timers"} <= set(kinds)
    assert _wrong_record("Order sushi from Sushi Express", "~ delivery.cart.items", kinds)
    assert _wrong_record("Then place an order for sushi", "~ delivery.cart.store_id", kinds)
    assert _wrong_record("Book a table for four at Curry House", "~ restaurants.places.r1", kinds)
    assert not _wrong_record("Order sushi from Sushi Express", "+ delivery.orders.o2", kinds)
    assert not _wrong_record("Order sushi from Sushi Express", "found by search_food_delivery", kinds)  # a lookup
    assert not _wrong_record("Order sushi from Sushi Express", "+ clock.timers.t1", kinds)  # another app's
    assert not _wrong_record("Message Bob the plan", "+ messages.m11", kinds)
    assert not _wrong_record("Play my Chill playlist", "~ music.player.current", kinds)  # 'play' makes no record
    assert not _wrong_record("Set a timer for 40 minutes", "+ clock.timers.t1", kinds)


def test_a_thing_with_two_branches_is_never_skipped_as_its_condition_not_holding(registry, index):
    from agentkit.plan import _SKIPPED

    asked = "Buy the Northway travel backpack (if it's out of stock, get the passport holder instead)"
    _critic_sets_aside(
        registry, index, asked, asked, _SKIPPED,
        [plan("Find the Northway travel backpack"),  # the planner left the purchase out
         call("search_products", query="Northway travel backpack"), "It is out of stock."],
        [plan("Find the passport holder"),
         call("search_products", query="passport holder"), "The passport holder is in stock."])


def test_nothing_in_a_request_without_a_condition_is_skipped_as_its_condition_not_holding(registry, index):
    from agentkit.plan import _SKIPPED

    asked = "Write down my parking spot in a note called Parking"
    _critic_sets_aside(
        registry, index, asked + " from this morning's photo.", asked, _SKIPPED,
        [plan("Find the photo of my parking spot"),  # the planner left the note out
         call("search_photos", query="parking"), "The photo shows spot B12."],
        [plan("Write a note called Parking: spot B12"), call("create_note", title="Parking", body="Spot B12"), "Noted."])


def test_a_lookup_may_be_skipped_as_its_condition_not_holding_in_a_request_without_one(registry, index):
    from agentkit.plan import _SKIPPED, _unskippable

    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Check the weather in Paris"),
        call("get_weather", city="Paris"), "Cloudy in Paris.",
        call("verdict", checks=[{"asked": "Check the weather in Paris", "shown_by": _SKIPPED}]),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan+refine", confirm=False)
    events = list(agent.stream("Check the weather in Paris"))
    assert not model.replies and len(model.calls) == 4  # no retry
    assert next(e.data for e in events if e.kind == "critique")["set_aside"] == []
    assert _unskippable("Delete the photo", "Write down my spot, then delete the photo")
    assert not _unskippable("Delete the photo", "If the note is saved, delete the photo")
    assert _unskippable("Buy A (if it's out of stock, B instead)", "Buy A (if it's out of stock, B instead)")


def test_either_or_needs_a_condition_and_an_alternative():
    from agentkit.plan import _either_or

    assert _either_or("Buy the backpack (if it's out of stock, get the passport holder instead)")
    assert _either_or("If it's dry, book a picnic; otherwise book Curry House")
    assert not _either_or("If it rains, set a timer for 10 minutes")  # one branch: skippable
    assert not _either_or("Order sushi instead of pizza")  # no condition


def test_a_forecast_s_own_words_settle_a_weather_condition_the_model_misread(registry, index):
    phone = Phone()  # Friday here: fog
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check if it's going to rain here on Friday", "If it is, move my lunch with Alice to Monday",
             "Otherwise, text Alice that we're still on for Friday"),
        call("get_weather", date="Friday"), "It is foggy on Friday.",
        call("decide", condition="it will rain on Friday", found="Foggy", holds=True,  # fog read as rain
             action="Move my lunch with Alice to Monday"),
        call("decide", condition="it will not rain on Friday", found="Foggy", holds=True,
             action="Text Alice that we're still on for Friday"),
        call("send_message", to="Alice", body="We're still on for Friday!"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan", confirm=False)
    events = list(agent.stream("If it's going to rain here on Friday, move my lunch with Alice to Monday; "
                               "otherwise text her that we're still on for Friday."))
    assert not model.replies
    decisions = [e.data for e in events if e.kind == "decision"]
    assert [(d["holds"], d["found"], d["action"]) for d in decisions] == [
        (False, "Foggy", ""), (True, "Foggy", "Text Alice that we're still on for Friday")]
    assert decisions[0]["ruled"] and "ruled" not in decisions[1]
    changes = [str(c) for c in diff(before, phone.state())]
    assert not any(c.startswith("~ calendar") for c in changes) and any(c.startswith("+ messages") for c in changes)


def test_a_step_s_own_words_settle_a_weather_condition_before_the_model_s_restatement(registry, index):
    # ma-021: "if it's dry" restated by the model as what it found; the step's words say Rain is not dry
    phone = Phone()  # Sunday here: Rain
    before = phone.state()
    model = ScriptedChatModel(replies=[
        plan("Check Sunday's weather", "If it's dry, put a picnic in Dolores Park at noon on my calendar",
             "If not, book Curry House for two at noon instead"),
        call("get_weather", date="Sunday"), "Rain on Sunday.",
        call("decide", condition="it rains on Sunday", found="Rain", holds=True,
             action="Put a picnic in Dolores Park at noon on my calendar"),
        call("decide", condition="it is not dry", found="Rain", holds=True, action="Book Curry House for two at noon"),
        call("book_table", restaurant="Curry House", date="Sunday", time="12:00", party_size=2), "Booked.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan", confirm=False)
    events = list(agent.stream("Check Sunday's weather. If it's dry, put a picnic in Dolores Park at noon on my "
                               "calendar; if not, book Curry House for two at noon instead."))
    assert not model.replies
    decisions = [e.data for e in events if e.kind == "decision"]
    assert [(d["holds"], d["action"]) for d in decisions] == [
        (False, ""), (True, "Book Curry House for two at noon")]
    result = events[-1].data["result"]  # each step's settled condition stays with the run's result
    assert [(st["status"], st["holds"]) for st in result.plan] == [("done", None), ("done", False), ("done", True)]
    assert added(phone, before, "calendar") == [] and len(added(phone, before, "restaurants.bookings")) == 1


def test_a_forecast_settles_the_branch_of_a_two_branch_step_by_asking_again(registry, index):
    phone = Phone()
    step = "If it's going to rain on Friday, move my lunch with Alice to Monday; otherwise text Alice we're on"
    model = ScriptedChatModel(replies=[
        plan("Get the weather for Friday", step),
        call("get_weather", date="Friday"), "Foggy.",
        call("decide", condition="it will rain on Friday", found="Foggy", holds=True,
             action="Move my lunch with Alice to Monday"),
        call("decide", condition="it will rain on Friday", found="Foggy", holds=False,
             action="Text Alice we're on"),
        call("send_message", to="Alice", body="We're on"), "Sent.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan", confirm=False)
    events = list(agent.stream(step))
    assert not model.replies
    note = "Note: the results say Foggy, so the condition is false."
    assert note not in model.calls[3]["messages"][-1].content and note in model.calls[4]["messages"][-1].content
    [decision] = [e.data for e in events if e.kind == "decision"]
    assert (decision["holds"], decision["action"]) == (False, "Text Alice we're on")


def test_a_step_that_asks_whether_something_holds_is_a_lookup_not_a_condition(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        plan("Find my lunch with Alice", "Check if it's going to rain here on Friday"),
        call("list_events", date="Friday"), "Lunch with Alice at 12:30.",
        call("get_weather", date="Friday"), "It is foggy: no rain.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    events = list(agent.stream("Is it going to rain during my lunch with Alice on Friday?"))
    assert not model.replies
    assert not [e for e in events if e.kind == "decision"]
    assert all(c.get("tool_choice") != "decide" for c in model.calls)


def test_weather_holds_reads_the_forecast_s_words():
    from agentkit._conditions import weather_holds

    fog = "city: San Francisco\ncondition: Foggy\ndate: 2026-11-27"
    assert weather_holds("it will rain on Friday", "Foggy", fog) == (False, "Foggy")
    assert weather_holds("it will rain", "the forecast", fog) == (False, "Foggy")  # the only forecast there
    assert weather_holds("it's going to rain", "Drizzle", "condition: Drizzle") == (True, "Drizzle")
    assert weather_holds("it is dry", "Thunderstorms", "condition: Thunderstorms") == (False, "Thunderstorms")
    assert weather_holds("it is dry", "Foggy", fog) == (True, "Foggy")
    assert weather_holds("it is not dry", "Rain", "condition: Rain") == (True, "Rain")
    assert weather_holds("it won't snow", "Snow", "condition: Snow") == (False, "Snow")
    both = "condition: Partly cloudy\ncondition: Cloudy"
    assert weather_holds("it is cloudy", "Partly cloudy", both) == (True, "Partly cloudy")
    assert weather_holds("it is sunny", "no idea", both) is None  # two forecasts, neither named
    assert weather_holds("the shop is open", "Foggy", fog) is None  # no weather asked
    assert weather_holds("it will rain", "Rain", "") is None  # no forecast to read


def test_a_condition_is_settled_from_what_a_lookup_returned_not_from_its_answer(registry, index):
    phone = Phone()  # Friday here: fog
    model = ScriptedChatModel(replies=[
        plan("Check if it's going to rain here on Friday", "If it is, move my lunch with Alice to Monday"),
        call("get_weather", date="Friday"), "Yes, it is going to rain here on Friday.",  # it misread the fog
        call("decide", condition="it will rain on Friday", found="fog", holds=False, action=""),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="plan")
    r = agent.run("If it's going to rain here on Friday, move my lunch with Alice to Monday.")
    assert not model.replies and r.error is None
    asked = model.calls[3]["messages"][-1].content
    assert model.calls[3]["tool_choice"] == "decide"
    assert "condition: Foggy" in asked and "1. Check if it's going to rain here on Friday" in asked
    assert "Yes, it is going to rain" not in asked
    # nor is the misreading told to the user: the forecast's words stand in for it
    assert "going to rain" not in r.answer and r.answer.startswith("The forecast says Foggy.")


def test_contradicts_finds_a_sentence_the_forecast_rules_out():
    from agentkit._conditions import contradicts

    assert contradicts("Yes, it is going to rain here on Friday.", "Foggy")
    assert contradicts("Lunch is at 12:30. It will be sunny.", "Rain")
    assert not contradicts("It won't rain on Friday.", "Foggy")  # true of fog
    assert not contradicts("It will be foggy, with no rain.", "Foggy")  # names the forecast: a reading of it
    assert not contradicts("Lunch with Alice is at 12:30.", "Foggy")  # nothing about the weather
    assert not contradicts("It is going to drizzle.", "Rain")


def test_a_step_with_no_answer_of_its_own_is_told_by_its_result_on_one_line(registry, index):
    model = ScriptedChatModel(replies=[
        plan("Add a contact called Delivery Driver with the number +1 415 555 0199"),
        call("add_contact", name="Delivery Driver", phone_number="+1 415 555 0199"),
        "Done so far:",  # the brief's heading copied out: no answer of its own
    ])
    agent = create_agent(model, registry, device=Phone(), index=index, workflow="plan")
    r = agent.run("Save +1 415 555 0199 as a new contact called Delivery Driver")
    assert not model.replies and "\n" not in r.answer
    assert r.answer.startswith("name: Delivery Driver; phone: +1 415 555 0199; ") and r.answer.endswith(".")


def test_a_done_step_s_record_is_one_line_in_what_the_planner_and_later_steps_are_told(registry, index):
    model = ScriptedChatModel(replies=[
        plan("Send Mom $50 for the groceries", "Text Mom that it's on its way"),
        call("send_money", to="Mom", amount=50, note="groceries"), "Done so far:",  # no answer: the record stands
        call("send_message", to="Mom", body="I sent you $50 for the groceries"), "Texted.",
    ])
    agent = create_agent(model, registry, device=Phone(), index=index, workflow="plan")
    agent.run("Send Mom $50 for the groceries and text her that it's on its way")
    brief = model.calls[3]["messages"][0].content
    done = brief[brief.index("Done so far:"):].splitlines()
    # one line per step: a field per line ("kind: sent") reads as a step of its own
    assert len(done) == 2 and done[1].startswith("1. Send Mom $50 for the groceries -> name: Mom; ")


def test_a_later_step_is_told_the_record_a_step_that_answered_in_its_own_words_made(registry, index):
    model = ScriptedChatModel(replies=[
        plan("Add a croissant from Morning Bakery to the food cart", "Set a timer for when the order should arrive"),
        call("add_to_food_cart", item="croissant", store="Morning Bakery"), "Added the croissant.",
        call("set_timer", minutes=20), "Timer set.",
    ])
    agent = create_agent(model, registry, device=Phone(), index=index, workflow="plan")
    agent.run("Add a croissant from Morning Bakery to my cart and set a timer for when it should arrive")
    brief = model.calls[3]["messages"][0].content
    done = brief[brief.index("Done so far:"):].splitlines()
    # "Added the croissant." alone says nothing of the cart's store or total: the record it made follows
    assert done[1].startswith("1. Add a croissant from Morning Bakery to the food cart -> Added the croissant. "
                              "(made: store: Morning Bakery; items:; name: Croissant; ")
    assert done[1].endswith("total: 5.49; ordered: not yet (place_food_order orders the cart))") and len(done) == 2
