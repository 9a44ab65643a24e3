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
