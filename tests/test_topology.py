"""Each workflow's compiled graph, as mermaid text, against a committed snapshot.

A change to a topology fails here until the snapshot is updated on purpose:
``AGENTKIT_UPDATE_SNAPSHOTS=1 pytest tests/test_topology.py`` rewrites them.
"""

import os
from pathlib import Path

import pytest

from agentkit import create_agent
from agentkit.models import ScriptedChatModel
from agentkit.tools.phone import Phone
from agentkit.workflow import Workflow

SNAPSHOTS = Path(__file__).parent / "snapshots"

CONFIGURATIONS = {
    "react": dict(workflow="react"),
    "react-confirm": dict(workflow="react", confirm=True),
    "plan": dict(workflow="plan"),
    "plan-refine": dict(workflow="plan+refine"),
    "plan-parallel": dict(workflow=Workflow(kind="plan", parallel=True)),
    "supervisor": dict(workflow="supervisor"),
    "swarm": dict(workflow="swarm"),
}


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_topology_matches_its_snapshot(name, registry, index):
    agent = create_agent(ScriptedChatModel(), registry, device=Phone(), index=index, **CONFIGURATIONS[name])
    text = agent.graph.get_graph().draw_mermaid()
    path = SNAPSHOTS / f"{name}.mmd"
    if os.environ.get("AGENTKIT_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}; run with AGENTKIT_UPDATE_SNAPSHOTS=1 to create it"
    assert text == path.read_text(), f"the {name} topology changed; update the snapshot if that was meant"


def test_the_topologies_differ_where_the_configurations_do():
    texts = {p.stem: p.read_text() for p in SNAPSHOTS.glob("*.mmd")}
    assert set(texts) == set(CONFIGURATIONS)
    assert "confirm" in texts["react-confirm"] and "confirm" not in texts["react"]
    assert "critic" in texts["plan-refine"] and "critic" not in texts["plan"]
    assert "supervisor" in texts["supervisor"] and "supervisor" not in texts["swarm"]
    for node in ("planner", "dispatch", "execute", "replan", "finish"):
        assert node in texts["plan"]
