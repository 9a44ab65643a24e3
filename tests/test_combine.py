"""benchmarks/combine.py: one table from ablation runs over disjoint task subsets."""

import importlib.util
from pathlib import Path

from agentkit.evals.report import Report, TaskRun, write_json_atomic

_spec = importlib.util.spec_from_file_location(
    "combine", Path(__file__).resolve().parent.parent / "benchmarks" / "combine.py")
combine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(combine)


def write(run_dir: Path, workflow: str, outcomes: dict[str, bool], *, commit="abc1234", calls=4, finished=True):
    report = Report(suite="multi-app", n_tasks=len(outcomes), started_at="2026-11-28T00:00:00Z",
                    finished_at="2026-11-28T01:00:00Z" if finished else None,
                    metadata={"workflow": workflow, **({"commit": commit} if commit else {})},
                    tasks=[TaskRun(id=i, repeat=0, passed=ok, reason=None if ok else f"{i} wrong", llm_calls=calls,
                                   prompt_tokens=100 * calls, seconds=10.0 * calls) for i, ok in outcomes.items()])
    write_json_atomic(run_dir / workflow.replace("+", "-") / "report.json", report.to_dict())


def test_two_subsets_make_one_table_per_workflow(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    write(a, "plan+refine", {"ma-001": True, "ma-005": False}, calls=8)
    write(a, "plan", {"ma-001": True, "ma-005": False}, calls=4)
    write(b, "plan+refine", {"ma-002": True, "ma-006": True}, calls=8)
    write(b, "plan", {"ma-002": False, "ma-006": True}, calls=4)
    assert combine.main([str(a), str(b), "--tasks"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("4 tasks from ") and out[0].endswith("code abc1234")
    refine = next(line for line in out if line.startswith("plan+refine "))
    plain = next(line for line in out if line.startswith("plan ") and "/" in line)
    assert refine.split()[1:3] == ["3/4", "0.750"] and plain.split()[1:3] == ["2/4", "0.500"]
    # against the first workflow by directory name, "plan": success in points, calls as a ratio
    assert refine.split()[6:8] == ["+25.0", "2.00"]
    assert "ma-002   - +  ma-002 wrong" in out  # (plan, plan+refine)
    assert combine.main([str(a), str(b), "--baseline", "plan+refine"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("workflow") and out[2].startswith("plan+refine ")
    assert next(line for line in out if line.startswith("plan ")).split()[6:8] == ["-25.0", "0.50"]
    assert combine.main([str(a), "--baseline", "react"]) == 2
    assert "no 'react' runs; there are: plan, plan+refine" in capsys.readouterr().err


def test_reports_of_different_commits_are_not_merged(tmp_path, capsys):
    write(tmp_path / "a", "plan", {"ma-001": True}, commit="abc1234")
    write(tmp_path / "b", "plan", {"ma-002": True}, commit="def5678")
    assert combine.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "ran commit def5678, other reports ran abc1234" in capsys.readouterr().err


def test_a_task_run_twice_or_a_partial_workflow_is_refused(tmp_path, capsys):
    write(tmp_path / "a", "plan", {"ma-001": True})
    write(tmp_path / "b", "plan", {"ma-001": False})
    assert combine.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "ma-001 ran twice" in capsys.readouterr().err
    write(tmp_path / "c", "plan", {"ma-001": True, "ma-005": True})
    write(tmp_path / "c", "plan+refine", {"ma-001": True}, finished=False)
    assert combine.main([str(tmp_path / "c")]) == 2
    assert "ran other tasks than" in capsys.readouterr().err


def test_a_partial_report_is_named_in_the_table(tmp_path, capsys):
    write(tmp_path / "a", "plan", {"ma-001": True}, finished=False, commit=None)
    assert combine.main([str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "code not recorded" in out and "partial (1 of 1 runs)" in out
