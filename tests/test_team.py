"""Multi-agent handoff with a scripted model: supervisor and swarm, summaries, loop detection."""


from agentkit import create_agent
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.team import PHONE_TEAM, handoff_loop
from agentkit.tools.phone import Phone, diff
from agentkit.workflow import Workflow


def added(phone, before, app):
    return [c.after for c in diff(before, phone.state()) if c.op == "added" and c.path.startswith(app + ".")]


def offered(model_call):
    return {t["name"] for t in model_call["tools"]}


def test_every_phone_app_has_exactly_one_specialist(registry):
    owners = {}
    for s in PHONE_TEAM:
        for app in s.apps:
            owners.setdefault(app, []).append(s.name)
    assert {t.app for t in registry} == set(owners) and all(len(v) == 1 for v in owners.values())


def test_supervisor_hands_tasks_to_specialists_with_a_summary_not_the_history(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("transfer_to_scheduling", task="Set an alarm for 7am"),
        call("set_alarm", time="07:00"), "Alarm set for 7:00.",
        call("transfer_to_messaging", task="Text Alice that my alarm is set for 7"),
        call("send_message", to="Alice", body="My alarm is set for 7"), "Sent.",
        call("finish", answer="Alarm set and Alice told."),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="supervisor")
    r = agent.run("Set an alarm for 7 and tell Alice")
    assert r.error is None and r.answer == "Alarm set and Alice told."
    assert len(added(phone, before, "clock.alarms")) == 1 and len(added(phone, before, "messages")) == 1
    assert r.llm_calls == 7
    # the supervisor chose among handoffs and finish, forced to call one
    assert offered(model.calls[0]) == {f"transfer_to_{s.name}" for s in PHONE_TEAM} | {"finish"}
    assert model.calls[0]["tool_choice"] == "required"
    # a specialist sees only its own apps' tools
    apps = {registry.get(n).app for n in offered(model.calls[1])}
    assert apps <= {"calendar", "clock", "reminders", "notes"} and "set_alarm" in offered(model.calls[1])
    # the messaging agent got the request and the scheduling outcome, not the scheduling conversation
    second = model.calls[4]["messages"]
    summary = second[0].content  # the system prompt carries the summary
    assert "Set an alarm for 7 and tell Alice" in summary and "scheduling: Set an alarm for 7am -> done" in summary
    assert not any(m.type == "tool" and m.name == "set_alarm" for m in second)
    # the supervisor read each outcome as its handoff's result
    assert "done: Alarm set for 7:00." in model.calls[3]["messages"][-1].content


def test_a_supervisor_handoff_loop_is_detected_and_stopped(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("transfer_to_device", task="Turn on wifi"), call("set_wifi", on=True), "Wi-Fi on.",
        call("transfer_to_device", task="turn on  wifi"),  # the same task again
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="supervisor")
    r = agent.run("Turn on wifi")
    assert r.error and "handoff loop" in r.error and "'turn on  wifi' was already handed to device" in r.error
    assert not model.replies
    assert phone.state()["settings"]["wifi"] is True and len(diff(before, phone.state())) <= 1


def test_swarm_starts_with_the_owner_of_the_best_tool_and_hands_off(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("set_alarm", time="06:00"), call("transfer_to_messaging", task="Text Bob that I'm up at 6"),
        call("send_message", to="Bob", body="I'm up at 6"), "Told Bob.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="swarm")
    r = agent.run("set an alarm for 6am and text Bob I'm up at 6")
    first = offered(model.calls[0])
    assert "set_alarm" in first and {"transfer_to_messaging", "transfer_to_commerce"} <= first
    assert "transfer_to_scheduling" not in first  # no handoff to itself
    assert "send_message" in offered(model.calls[2]) and "transfer_to_scheduling" in offered(model.calls[2])
    assert r.answer == "Told Bob." and r.error is None
    assert len(added(phone, before, "clock.alarms")) == 1 and len(added(phone, before, "messages")) == 1
    # the handoff ended the first agent's loop at once: 4 model calls in all
    assert r.llm_calls == 4


def test_a_swarm_ping_pong_is_stopped(registry, index):
    phone = Phone()
    model = ScriptedChatModel(replies=[
        call("transfer_to_messaging", task="send it"), call("transfer_to_scheduling", task="no, schedule it"),
        call("transfer_to_messaging", task="send it now"), call("transfer_to_scheduling", task="schedule it now"),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="swarm")
    r = agent.run("set an alarm for 6am")
    assert r.error and "bounces between scheduling and messaging" in r.error
    assert len(model.replies) == 1  # stopped at the third handoff, before running it


def test_handoff_loop_rules():
    past = [{"to": "a", "task": "x"}, {"to": "b", "task": "y"}, {"to": "a", "task": "z"}]
    assert handoff_loop(past, "b", "w", 6).startswith("handoff loop: control bounces between a and b")
    assert handoff_loop(past, "c", "w", 6) is None
    assert handoff_loop(past, "a", "X ", 6).startswith("handoff loop: 'X ' was already handed to a")
    assert handoff_loop(past, "c", "w", 3).startswith("handoff limit reached (3)")


def test_per_node_models_and_limits_come_from_one_workflow_object(registry, index):
    from agentkit.workflow import NodeConfig

    boss = ScriptedChatModel(replies=[call("transfer_to_device", task="Turn off wifi"), call("finish", answer="Off.")])
    worker = ScriptedChatModel(replies=[call("set_wifi", on=False), "Wi-Fi off."])
    wf = Workflow(kind="supervisor", nodes={"supervisor": NodeConfig(model=boss),
                                            "device": NodeConfig(model=worker, top_k=2)})
    r = create_agent(ScriptedChatModel(replies=[]), registry, device=Phone(), index=index, workflow=wf).run("wifi off")
    assert r.answer == "Off." and not boss.replies and not worker.replies
    assert len(worker.calls[0]["tools"]) == 2  # the node's own tool budget


RIDE = "Get me a ride to work and text Emma that I'll be at the office in about 20 minutes."


def test_a_supervisor_that_finishes_with_a_part_never_handed_over_is_told_which(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("transfer_to_travel", task="Get me a ride to work"),
        call("request_ride", destination="work"), "Your ride is on the way.",
        call("finish", answer="Your ride is on the way."),  # Emma was never texted
        call("transfer_to_messaging", task="Text Emma that I'll be at the office in about 20 minutes"),
        call("send_message", to="Emma", body="I'll be at the office in about 20 minutes"), "Sent.",
        call("finish", answer="Ride booked and Emma texted."),
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="supervisor")
    r = agent.run(RIDE)
    assert not model.replies and r.error is None and r.answer == "Ride booked and Emma texted."
    note = model.calls[4]["messages"][-1]
    assert note.type == "tool" and note.name == "finish" and note.content.startswith(
        "Not finished: no agent has been given \"text Emma that I'll be at the office in about 20 minutes.\" "
        "(the messaging agent does it)")
    assert len(added(phone, before, "rides")) == 1 and [m["body"] for m in added(phone, before, "messages")] == \
        ["I'll be at the office in about 20 minutes"]


def test_a_supervisor_s_second_finish_stands(registry, index):
    model = ScriptedChatModel(replies=[
        call("transfer_to_travel", task="Get me a ride to work"),
        call("request_ride", destination="work"), "Your ride is on the way.",
        call("finish", answer="Ride booked."), call("finish", answer="Ride booked, and that is all."),
    ])
    agent = create_agent(model, registry, device=Phone(), index=index, workflow="supervisor")
    r = agent.run(RIDE)
    assert not model.replies and r.answer == "Ride booked, and that is all." and r.error is None


def test_a_swarm_agent_that_stops_with_a_part_no_one_was_given_passes_it_on(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[
        call("request_ride", destination="work"), "Your ride is on the way.",  # no handoff
        call("send_message", to="Emma", body="I'll be at the office in about 20 minutes"), "Texted Emma.",
    ])
    agent = create_agent(model, registry, device=phone, index=index, workflow="swarm")
    events = list(agent.stream(RIDE))
    r = events[-1].data["result"]
    assert not model.replies and r.error is None and r.answer == "Your ride is on the way. Texted Emma."
    [passed] = [e.data for e in events if e.kind == "handoff"]
    assert (passed["node"], passed["to"]) == ("travel", "messaging") and passed["task"].startswith("text Emma")
    assert "send_message" in offered(model.calls[2]) and model.calls[2]["messages"][-1].content == passed["task"]
    assert len(added(phone, before, "rides")) == 1 and len(added(phone, before, "messages")) == 1


def test_a_swarm_does_not_pass_on_a_part_a_condition_may_rule_out(registry, index):
    phone = Phone()
    before = phone.state()
    model = ScriptedChatModel(replies=[call("get_weather", city="Paris", date="tomorrow"), "Sunny tomorrow."])
    agent = create_agent(model, registry, device=phone, index=index, workflow="swarm")
    r = agent.run("Check the weather in Paris tomorrow, and if it's going to rain, remind me to pack an umbrella.")
    assert not model.replies and r.answer == "Sunny tomorrow." and diff(before, phone.state()) == []


def test_a_request_s_parts_and_the_specialists_not_yet_given_one():
    from agentkit.team import unhanded

    parts = [{"text": "get a ride", "owner": "travel"}, {"text": "text Emma", "owner": "messaging"},
             {"text": "email Bob", "owner": "messaging"}]
    assert unhanded(parts, [{"to": "travel", "task": "ride"}]) == [parts[1]]  # the first part per specialist
    assert unhanded(parts, [{"to": "travel", "task": "ride"}], reminded=["messaging"]) == []
    assert unhanded(parts, []) == parts[:2]
