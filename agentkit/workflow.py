"""One object that says how an agent is wired: which topology, and each node's model and limits.

Example::

    from agentkit import create_agent
    from agentkit.workflow import NodeConfig, Workflow

    wf = Workflow(kind="plan", refine=True,
                  nodes={"planner": NodeConfig(model=cloud_model), "executor": NodeConfig(top_k=3, max_calls=4)})
    agent = create_agent(workflow=wf)

Kinds:

- ``"react"``: one ReAct loop (retrieve tools, call, observe, answer).
- ``"plan"``: a planner splits the request into steps; each step runs as a
  ReAct loop; a failed step triggers a replan; ``refine`` adds a critic that
  checks the outcome and retries with its critique; ``parallel`` runs steps
  that need nothing from each other at the same time.
- ``"supervisor"``: a supervisor hands sub-tasks to app-specialist agents
  and finishes when they are done.
- ``"swarm"``: app specialists hand control to each other directly.

Node names: ``executor`` (every ReAct loop, including the specialists' unless
they have their own entry), ``planner``, ``critic``, ``supervisor``, and each
specialist's name (``messaging``, ``scheduling``, ...). A node without an entry
uses the agent's model and the agent-wide ``top_k``/``max_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from agentkit.errors import ConfigurationError

__all__ = ["KINDS", "NodeConfig", "Workflow"]

Kind = Literal["react", "plan", "supervisor", "swarm"]
KINDS: tuple[str, ...] = ("react", "plan", "supervisor", "swarm")


@dataclass(frozen=True)
class NodeConfig:
    """Settings of one node; ``None`` means "the agent's default"."""

    model: Any = None
    """A chat model or model spec string for this node only (e.g. a cloud model for the planner)."""
    top_k: int | None = None
    """Tools offered per model call (ReAct nodes)."""
    max_calls: int | None = None
    """Most model calls per run of this node (ReAct nodes: its step limit)."""

    def __post_init__(self) -> None:
        for name in ("top_k", "max_calls"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigurationError(f"NodeConfig.{name} must be a positive integer or None, got {value!r}")


@dataclass(frozen=True)
class Workflow:
    """The agent's topology and per-node settings."""

    kind: Kind = "react"
    """``react``, ``plan``, ``supervisor`` or ``swarm``."""
    refine: bool = False
    """Add a critic that checks the outcome (results and device changes) and retries with its critique."""
    max_refines: int = 1
    """Most retries the critic may ask for. A step that finishes started work (the order of a filled
    cart, see ``Tool.finished_by``) is no retry: it asks no model and comes once per tool and turn."""
    max_replans: int = 2
    """Most times a failed step may trigger a new plan."""
    max_plan_steps: int = 6
    """Longest plan kept (extra steps are dropped)."""
    parallel: bool = False
    """Run plan steps that depend on nothing pending at the same time. Off by default: one
    on-device model generates for one caller at a time, so it saves time only with tools that
    wait (network) or a cloud model."""
    plan_tools: int = 0
    """0 (default): the planner writes each step in free text and the step's loop picks among the
    tools retrieved for it. N > 0: the planner also names each step's function (names only, by
    app): any registered one when there are at most N, else N retrieved for the request and each
    of its clauses; the step's loop then starts with a call of it. With qwen2.5-1.5b, N=128 passed
    as many multi-app tasks as free text at 1.25x the time (docs/BENCHMARKS.md), hence the default."""
    decide: bool = True
    """Settle a plan step's condition ("if it's dry, ...; if not, ...") from the earlier steps'
    results in a forced call of its own before the step runs, and run only the action it calls
    for (or nothing). Off: the step's ReAct loop weighs the condition itself."""
    max_handoffs: int = 6
    """Most handoffs between agents in one turn (supervisor and swarm)."""
    nodes: Mapping[str, NodeConfig] = field(default_factory=dict)
    """Per-node settings by node name."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigurationError(f"Workflow.kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in ("max_refines", "max_replans", "max_plan_steps", "plan_tools", "max_handoffs"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0 or (name == "max_plan_steps" and value < 1):
                raise ConfigurationError(f"Workflow.{name} must be a non-negative integer, got {value!r}")
        for name, node in self.nodes.items():
            if not isinstance(node, NodeConfig):
                raise ConfigurationError(f"Workflow.nodes[{name!r}] must be a NodeConfig, got {type(node).__name__}")
        if self.refine and self.kind == "react":
            raise ConfigurationError("refine needs a plan: use Workflow(kind='plan', refine=True)")

    def node(self, name: str) -> NodeConfig:
        """The settings of node ``name`` (defaults when it has no entry)."""
        return self.nodes.get(name, NodeConfig())

    @classmethod
    def parse(cls, spec: Workflow | str | None) -> Workflow:
        """A workflow from itself, a kind name (``"plan+refine"`` adds the critic), or None (react)."""
        if spec is None:
            return cls()
        if isinstance(spec, Workflow):
            return spec
        if isinstance(spec, str):
            kind, _, extra = spec.partition("+")
            if extra not in ("", "refine"):
                raise ConfigurationError(f"unknown workflow option {extra!r} in {spec!r} (only '+refine')")
            return cls(kind=kind, refine=extra == "refine")  # type: ignore[arg-type]
        raise ConfigurationError(f"workflow must be a Workflow or a name like 'plan+refine', got {spec!r}")
