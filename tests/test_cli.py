"""The agentkit command: tools list, and (slow) a real run and a real smoke eval."""

import json

import pytest

from agentkit.cli import main
from agentkit.tools.loading import load_registry


def test_tools_list_groups_by_app(capsys):
    assert main(["tools", "list"]) == 0
    out = capsys.readouterr().out
    reg = load_registry()
    assert out.startswith(f"{len(reg)} tools in {len(reg.by_app())} apps")
    for app, tools in reg.by_app().items():
        assert f"\n{app} ({len(tools)})\n" in out
    assert "send_message(to, body) [WS]" in out


def test_unknown_suite_is_a_clean_error(capsys, tmp_path):
    assert main(["eval", "--suite", "no-such-suite", "--out", str(tmp_path)]) == 2
    assert "no-such-suite" in capsys.readouterr().err


def _scripted_eval(monkeypatch, replies):
    """``agentkit eval`` on a scripted model and the hashing embedder (no weights)."""
    import agentkit.cli
    import agentkit.models
    from agentkit.models import ScriptedChatModel
    from agentkit.testing import HashEmbedder
    from agentkit.tools.retrieval import ToolIndex

    registry = load_registry()
    monkeypatch.setattr(agentkit.models, "load_model", lambda *a, **kw: ScriptedChatModel(replies=list(replies)))
    monkeypatch.setattr(agentkit.cli, "_registry_and_index",
                        lambda *a, **kw: (registry, ToolIndex(registry, HashEmbedder())))


def test_eval_trace_prints_each_run_s_events_and_verdict(monkeypatch, capsys, tmp_path):
    from agentkit.models.scripted import call

    _scripted_eval(monkeypatch, [call("send_message", to="Alice", body="I'll be 10 minutes late"), "Sent."])
    assert main(["eval", "--suite", "smoke", "--filter", "messages-001", "--trace", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "[task] Text Alice that I'll be 10 minutes late" in err
    calls = [i for i, line in enumerate(err) if line.startswith("  [call] send_message(")]
    asked = [i for i, line in enumerate(err) if line.startswith("  [interrupt] ")]
    done = [i for i, line in enumerate(err) if line.startswith("  [result] send_message -> ")]
    # the simulated user's approval resumes the paused call, and the resumed turn is traced too
    assert len(calls) == 1 and len(asked) == 1 and len(done) == 1 and calls[0] < asked[0] < done[0]
    assert err[-2:] == ["  [answer] Sent.", "[pass] messages-001"]
    assert json.loads((tmp_path / "report.json").read_text())["tasks"][0]["passed"]


def test_eval_trace_says_why_a_run_failed(monkeypatch, capsys):
    _scripted_eval(monkeypatch, ["Wifi is off now."])  # a claim, no call
    assert main(["eval", "--suite", "smoke", "--filter", "settings-001", "--trace"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("[FAIL] settings-001: ") and "wifi" in err[-1]


@pytest.mark.slow
def test_tools_search_ranks_the_weather_tool_first(capsys):
    assert main(["tools", "search", "will it rain tomorrow", "-k", "3"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("1. get_weather")


@pytest.mark.slow
def test_run_turns_wifi_off_on_the_default_model(capsys, tmp_path):
    code = main(["run", "Turn off wifi", "--phone", str(tmp_path / "phone.sqlite"), "--reset", "--json"])
    out = capsys.readouterr().out
    result = json.loads(out[out.index("{"):])
    assert code == 0 and result["error"] is None
    assert result["changes"] == ["~ settings.wifi: true -> false"]
    assert result["tool_calls"][0]["name"] == "set_wifi"


@pytest.mark.slow
def test_smoke_suite_on_the_default_model(tmp_path, capsys):
    assert main(["eval", "--suite", "smoke", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["n_tasks"] == 10 and report["complete"]
    for t in report["tasks"]:
        assert {"id", "passed", "reason", "llm_calls", "prompt_tokens", "completion_tokens", "seconds"} <= set(t)
        assert t["llm_calls"] >= 1 and t["prompt_tokens"] > 0
    # greedy decoding is deterministic; this floor catches a broken backend or prompt
    assert report["success_rate"] >= 0.7, capsys.readouterr().out
