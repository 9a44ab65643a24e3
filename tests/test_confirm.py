"""Confirmation of risky calls: pause, approve/deny/edit, and a pause that survives a process restart."""

import subprocess
import sys
import textwrap

import pytest

from agentkit import create_agent
from agentkit.errors import ConfigurationError
from agentkit.models import ScriptedChatModel
from agentkit.models.scripted import call
from agentkit.tools.phone import Phone, diff


def agent_for(replies, registry, index, phone, **kw):
    model = ScriptedChatModel(replies=list(replies))
    return model, create_agent(model, registry, device=phone, index=index, confirm=True, **kw)


def sent(phone: Phone, before: dict) -> list[dict]:
    return [c.after for c in diff(before, phone.state()) if c.op == "added" and c.path.startswith("messages.")]


def test_a_sensitive_call_waits_and_runs_once_approved(registry, index):
    phone = Phone()
    before = phone.state()
    _, agent = agent_for([call("send_message", to="Alice", body="Running late"), "Sent."], registry, index, phone)
    r = agent.run("Text Alice that I'm running late")
    assert r.answer is None and r.error is None
    [pending] = r.pending
    assert pending["tool"] == "send_message" and pending["args"] == {"to": "Alice", "body": "Running late"}
    assert "send_message(to='Alice', body='Running late')" in pending["description"]
    assert phone.state() == before  # nothing ran yet
    assert [s.kind for s in r.steps][-1] == "confirm"

    done = agent.resume(r.thread_id, "approve")
    assert done.answer == "Sent." and not done.pending
    [message] = sent(phone, before)
    assert message["name"] == "Alice Johnson" and message["body"] == "Running late"
    # the resumed result covers the whole turn, the call made before the pause included
    assert [c["name"] for c in done.tool_calls] == ["send_message"] and done.tool_calls[0]["ok"]


def test_a_denied_call_never_runs_and_the_model_is_told(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = agent_for([call("send_money", to="Bob", amount=20), "OK, I did not pay Bob."],
                             registry, index, phone)
    r = agent.run("Pay Bob $20")
    assert r.pending and r.pending[0]["tool"] == "send_money"
    done = agent.resume(r.thread_id, "deny")
    assert phone.state() == before
    assert done.answer == "OK, I did not pay Bob."
    told = model.calls[-1]["messages"][-1]
    assert told.type == "tool" and "declined" in told.content and told.status == "error"
    assert done.tool_calls[0]["ok"] is False


def test_after_a_denial_the_same_action_is_not_asked_again_in_that_request(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = agent_for([call("delete_photo", photo="ph10"), call("delete_photo", photo="parking spot"),
                              "I did not delete the photo."], registry, index, phone)
    r = agent.run("Delete this morning's parking photo")
    assert r.pending and r.pending[0]["args"] == {"photo": "ph10"}
    done = agent.resume(r.thread_id, "deny")
    # the second try, with other arguments, is refused without a second question
    assert not done.pending and done.answer == "I did not delete the photo."
    assert phone.state() == before
    told = model.calls[-1]["messages"][-1]
    assert told.status == "error" and "already declined delete_photo" in told.content
    assert [c["ok"] for c in done.tool_calls] == [False, False]
    # a new request may ask again
    _, again = agent_for([call("delete_photo", photo="ph10"), "Deleted."], registry, index, phone)
    assert again.run("Delete the parking photo after all").pending


def test_an_edited_call_runs_with_the_user_s_arguments(registry, index):
    phone = Phone()
    before = phone.state()
    _, agent = agent_for([call("send_message", to="Alice", body="Running late"), "Sent."], registry, index, phone)
    r = agent.run("Text Alice that I'm running late")
    agent.resume(r.thread_id, {"edit": {"body": "Running 10 minutes late, sorry!"}})
    [message] = sent(phone, before)
    assert message["body"] == "Running 10 minutes late, sorry!" and message["name"] == "Alice Johnson"


def test_a_malformed_decision_is_refused_and_the_run_stays_paused(registry, index):
    phone = Phone()
    before = phone.state()
    _, agent = agent_for([call("send_message", to="Alice", body="hi"), "Sent."], registry, index, phone)
    r = agent.run("Text Alice hi")
    for bad in ("yes", {"edit": "hi"}, {"approve": True}):
        with pytest.raises(ConfigurationError, match="approve"):
            agent.resume(r.thread_id, bad)
    assert phone.state() == before
    assert agent.resume(r.thread_id, "approve").answer == "Sent."
    with pytest.raises(ConfigurationError, match="no call waiting"):
        agent.resume(r.thread_id, "approve")


def test_read_only_calls_do_not_ask_and_a_policy_can_narrow_what_asks(registry, index):
    phone = Phone()
    _, agent = agent_for([call("get_settings"), "Wi-Fi is on."], registry, index, phone)
    assert agent.run("is wifi on").answer == "Wi-Fi is on."

    # only messages to people who are not contacts ask ("messaging someone new")
    def new_recipient(tool, args):
        return tool.name == "send_message" and not any(
            args.get("to", "").lower() in c["name"].lower() for c in phone.state()["contacts"])

    model = ScriptedChatModel(replies=[call("send_message", to="Alice", body="hi"), "Sent.",
                                       call("send_message", to="555 0199", body="hi"), "Sent."])
    agent = create_agent(model, registry, device=phone, index=index, confirm=new_recipient)
    assert agent.run("Text Alice hi").answer == "Sent."
    r = agent.run("Text 555 0199 hi")
    assert r.pending and r.pending[0]["args"]["to"] == "555 0199"


def test_two_risky_calls_in_one_reply_pause_one_after_the_other(registry, index):
    phone = Phone()
    before = phone.state()
    both = call("send_message", to="Alice", body="Lunch at 1?")
    both.tool_calls.append(call("send_message", to="Bob", body="Lunch at 1?").tool_calls[0])
    _, agent = agent_for([both, "Asked both."], registry, index, phone)
    r = agent.run("Ask Alice and Bob if lunch at 1 works")
    assert [p["args"]["to"] for p in r.pending] == ["Alice"]
    r = agent.resume(r.thread_id, "deny")
    assert [p["args"]["to"] for p in r.pending] == ["Bob"] and phone.state() == before
    r = agent.resume(r.thread_id, "approve")
    assert r.answer == "Asked both."
    assert [m["name"] for m in sent(phone, before)] == ["Bob Smith"]


PAUSE = textwrap.dedent("""
    import sys
    from agentkit import create_agent
    from agentkit.models import ScriptedChatModel
    from agentkit.models.scripted import call
    from agentkit.testing import HashEmbedder
    from agentkit.tools.phone import Phone

    phone_path, checkpoints, step = sys.argv[1:]
    replies = [call("send_message", to="Alice", body="On my way")] if step == "pause" else ["Sent, Alice knows."]
    phone = Phone(phone_path)
    agent = create_agent(ScriptedChatModel(replies=replies), device=phone, embedder=HashEmbedder(),
                         confirm=True, checkpointer=checkpoints)
    if step == "pause":
        r = agent.run("Text Alice I'm on my way", thread_id="t1")
        print("PENDING", r.pending[0]["tool"], r.pending[0]["args"]["to"])
    else:
        r = agent.resume("t1", {"edit": {"body": "On my way, 5 min"}} if step == "edit" else step)
        print("ANSWER", r.answer, "PENDING", len(r.pending))
    phone.close()
""")


@pytest.mark.parametrize("decision, body", [("approve", "On my way"), ("edit", "On my way, 5 min"), ("deny", None)])
def test_a_pause_survives_a_process_restart(tmp_path, decision, body):
    script = tmp_path / "agent.py"
    script.write_text(PAUSE)
    phone_path, checkpoints = tmp_path / "phone.sqlite", tmp_path / "threads.sqlite"

    def run(step: str) -> str:
        out = subprocess.run([sys.executable, str(script), str(phone_path), str(checkpoints), step],
                             capture_output=True, text=True, timeout=900)  # (a hang, not slowness)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    assert "PENDING send_message Alice" in run("pause")  # that process has exited
    before = Phone(phone_path).state()
    assert not any(m["body"].startswith("On my way") for m in before["messages"])
    assert "ANSWER Sent, Alice knows. PENDING 0" in run(decision)
    after = Phone(phone_path)
    bodies = [m["body"] for m in after.state()["messages"] if m["body"].startswith("On my way")]
    after.close()
    assert bodies == ([body] if body else [])


# -- `agentkit run` asks at the terminal ----------------------------------------------------------

def _cli(monkeypatch, registry, index, replies, answers):
    from agentkit import cli, models

    monkeypatch.setattr(models, "load_model", lambda spec, **kw: ScriptedChatModel(replies=list(replies)))
    monkeypatch.setattr(cli, "_registry_and_index", lambda args, need_index=True: (registry, index))
    feed = iter(answers)

    def fake_input(prompt=""):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)


@pytest.mark.parametrize("answers, flags, body", [
    (["y"], [], "hi"),
    (["maybe", "n"], [], None),
    (["e", "not json", "e", '{"body": "hello there"}'], [], "hello there"),
    ([], ["--yes"], "hi"),
    ([], [], None),  # no answer at all (EOF) denies
])
def test_agentkit_run_asks_before_a_risky_call(monkeypatch, capsys, tmp_path, registry, index, answers, flags, body):
    from agentkit.cli import main

    _cli(monkeypatch, registry, index, [call("send_message", to="Alice", body="hi"), "Done."], answers)
    phone_path = tmp_path / "p.sqlite"
    assert main(["run", "Text Alice hi", "--phone", str(phone_path), "--reset", *flags]) == 0
    out = capsys.readouterr().out
    assert "[confirm] send_message(to='Alice', body='hi')" in out
    assert "  it would give: status: sent; to: Alice Johnson; body: hi" in out  # the rehearsed result
    phone = Phone(phone_path)
    new = sent(phone, Phone().state())  # the run started from a reset phone (the default seed)
    phone.close()
    assert [m["body"] for m in new] == ([body] if body else [])


def test_a_call_that_would_fail_goes_back_to_the_model_unasked_and_the_prompt_shows_the_result(registry, index):
    phone = Phone()
    before = phone.state()
    model, agent = agent_for([call("delete_photo", photo="2026-11-25_parking"),  # an id nobody showed it
                              call("delete_photo", photo="ph10"), "Deleted the parking photo."],
                             registry, index, phone)
    r = agent.run("Delete the photo of my parking spot")
    [pending] = r.pending  # only the call that would work was asked about
    assert pending["args"] == {"photo": "ph10"} and "Parking spot sign B12" in pending["preview"]
    told = model.calls[1]["messages"][-1]
    assert told.type == "tool" and told.status == "error" and "no photo matches '2026-11-25_parking'" in told.content
    assert phone.state() == before  # the rehearsals changed nothing
    done = agent.resume(r.thread_id, "approve")
    assert done.answer == "Deleted the parking photo."
    assert "ph10" not in {p["id"] for p in phone.state()["photos"]["items"]}
    assert [c["ok"] for c in done.tool_calls] == [False, True]


def test_a_tool_that_cannot_be_rehearsed_meets_its_checks_but_does_not_run_before_the_prompt(registry, index):
    from agentkit.tools import ToolRegistry
    from agentkit.tools.registry import tool

    ran = []

    @tool(app="bank", changes_state=True, sensitive=True)
    def wire(account: str, amount: float) -> str:
        """Wire money to an account (a bank's own API: not the phone's state).

        Args:
            account: The account number.
            amount: How much.
        """
        ran.append(account)
        return f"wired {amount} to {account}"

    assert not wire.rehearsable
    tools = ToolRegistry([wire])
    model, agent = agent_for([call("wire", account="[insert account number here]", amount=5),
                              call("wire", account="DE89 3704 0044 0532 0130 00", amount=5), "Wired."],
                             tools, None, Phone())
    r = agent.run("Wire 5 euros to account DE89 3704 0044 0532 0130 00")
    [pending] = r.pending  # the placeholder was refused before any prompt
    assert pending["args"]["account"].startswith("DE89") and "preview" not in pending and ran == []
    assert "placeholder" in model.calls[1]["messages"][-1].content
    assert agent.resume(r.thread_id, "approve").answer == "Wired." and ran == ["DE89 3704 0044 0532 0130 00"]


def test_answers_go_to_the_questions_asked_even_if_the_phone_changed_during_the_pause(registry, index):
    phone = Phone()
    both = call("send_message", to="Alice", body="Lunch at 1?")
    both.tool_calls.append(call("send_message", to="Bob", body="Lunch at 1?").tool_calls[0])
    _, agent = agent_for([both, "Asked Bob."], registry, index, phone)
    r = agent.run("Ask Alice and Bob if lunch at 1 works")
    assert [p["args"]["to"] for p in r.pending] == ["Alice"]
    with phone.transaction() as s:  # Alice leaves the contacts while the question waits
        s["contacts"] = [c for c in s["contacts"] if c["name"] != "Alice Johnson"]
    r = agent.resume(r.thread_id, "deny")  # the answer to the Alice question, not a new one
    assert [p["args"]["to"] for p in r.pending] == ["Bob"]
