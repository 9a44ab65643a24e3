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
