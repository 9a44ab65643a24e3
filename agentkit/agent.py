"""``create_agent``: the one entry point, and the result of a run."""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from agentkit.confirm import ConfirmPolicy, Decision, parse_decision, sensitive_tools
from agentkit.errors import AgentkitError, ConfigurationError
from agentkit.events import Event, stream_events
from agentkit.graph import FEEDBACK_NAME, AgentConfig, build_graph
from agentkit.models import DEFAULT_MODEL, load_model
from agentkit.tools.registry import Tool, ToolRegistry
from agentkit.workflow import Workflow

__all__ = ["Agent", "RunResult", "Step", "create_agent", "default_system_prompt"]


@dataclass
class Step:
    """One event of a run, for display: retrieved tools, a call, a result, an answer."""

    kind: str
    """``tools``, ``call``, ``result``, ``error``, ``feedback``, ``confirm`` or ``answer``."""
    text: str
    """Human-readable description."""
    data: dict = field(default_factory=dict)
    """Structured details (tool name, arguments, result...)."""

    def to_dict(self) -> dict:
        """As a plain dict."""
        return {"kind": self.kind, "text": self.text, **self.data}


@dataclass
class RunResult:
    """What one user turn produced."""

    answer: str | None
    """The model's final reply (None if it stopped without one)."""
    thread_id: str
    """Checkpoint thread; pass it again to continue the conversation."""
    steps: list[Step] = field(default_factory=list)
    """Events of this turn, in order."""
    tool_calls: list[dict] = field(default_factory=list)
    """``{"name", "args", "ok", "result"}`` for each call made this turn."""
    llm_calls: int = 0
    """Model calls this turn."""
    prompt_tokens: int = 0
    """Prompt tokens over those calls."""
    prompt_tokens_evaluated: int = 0
    """Prompt tokens actually evaluated (the rest were reused from the KV cache)."""
    completion_tokens: int = 0
    """Generated tokens."""
    cloud_calls: int = 0
    """Model calls that went to a cloud endpoint (0 for on-device models)."""
    seconds: float = 0.0
    """Wall time of the turn."""
    error: str | None = None
    """Why the agent stopped without finishing, if it did."""
    offered_tools: list[str] = field(default_factory=list)
    """Tools retrieved for this turn, best first."""
    plan: list[dict] = field(default_factory=list)
    """The plan's steps at the end of the turn, ``{"id", "text", "tool", "status", "result", "holds"}`` each
    (the planning workflows; empty otherwise). ``tool`` is the function the planner chose, or None;
    ``status`` is done, failed or declined (None for a step that never ran), ``result`` what the step
    came to, ``holds`` whether a conditional step's condition held (None if it was not settled)."""
    reflections: list[str] = field(default_factory=list)
    """The critic's findings on the attempts that fell short, in order (plan + self-refine)."""
    pending: list[dict] = field(default_factory=list)
    """Calls waiting for the user's confirmation: ``{"id", "tool", "args", "description"}`` each.
    The run is paused (``answer`` is None); continue it with :meth:`Agent.resume`."""

    def to_dict(self) -> dict:
        """As a JSON-able dict."""
        d = dict(self.__dict__)
        d["steps"] = [s.to_dict() for s in self.steps]
        return d


def default_system_prompt(device: Any = None) -> Callable[[], str]:
    """Instructions for a phone assistant; shows the device clock when ``device.now`` exists."""

    def render() -> str:
        when = ""
        now = getattr(device, "now", None)
        if now is not None:
            when = f" Now it is {now:%A %Y-%m-%d %H:%M}."
        where = getattr(device, "location", None)
        if where:
            when += f" The user is in {where}."
        return (
            f"You are an assistant that operates the user's phone through functions.{when}\n"
            "Call the ONE function that does what the user asks, with arguments taken from the request. "
            "After a function returns, answer the user in one short sentence based on its result. "
            "If a function returns an error, fix the call or explain the problem. "
            "If no function fits, answer in plain text or ask a short question."
        )

    return render


class Agent:
    """A compiled agent. Create it with :func:`create_agent`."""

    def __init__(self, graph: Any, *, model: BaseChatModel, registry: ToolRegistry, config: AgentConfig,
                 checkpointer: BaseCheckpointSaver) -> None:
        self.graph = graph
        """The compiled LangGraph graph (``invoke``/``stream`` it directly if you like)."""
        self.model = model
        self.registry = registry
        self.config = config
        self.checkpointer = checkpointer

    def run(self, text: str, *, thread_id: str | None = None) -> RunResult:
        """Handle one user message, continuing ``thread_id`` if given.

        Returns:
            A :class:`RunResult`. Errors the model cannot fix from inside the loop
            (context window full, model failure) end the run with ``error`` set;
            the device state is left as the completed tool calls made it.
        """
        return self._invoke({"messages": [HumanMessage(text)]}, thread_id or uuid.uuid4().hex)

    def resume(self, thread_id: str, decision: Decision | Mapping[str, Decision]) -> RunResult:
        """Continue a run paused for confirmation (see :attr:`RunResult.pending`).

        Works in a new process too, given the same persistent ``checkpointer``
        and the same tools and device.

        Args:
            thread_id: The paused run's thread.
            decision: ``"approve"``, ``"deny"`` or ``{"edit": {argument: value}}`` for the
                pending call; with several pending, ``{pending id: decision}``.

        Returns:
            The whole turn so far, its calls before the pause included (it may pause
            again at the next risky call).

        Raises:
            ConfigurationError: nothing is pending on the thread, or a decision is malformed
                (the run stays paused).
        """
        return self._invoke(self._resume_command(thread_id, decision), thread_id, continued=True)

    def stream_resume(self, thread_id: str, decision: Decision | Mapping[str, Decision]) -> Iterator[Event]:
        """:meth:`resume`, yielding events as :meth:`stream` does (ending with ``done``)."""
        return self._stream_turn(self._resume_command(thread_id, decision), thread_id, continued=True)

    def _resume_command(self, thread_id: str, decision: Decision | Mapping[str, Decision]) -> Command:
        """The ``Command`` that answers the thread's pending confirmation(s); checks the decision first."""
        pending = self.graph.get_state(self._config(thread_id)).interrupts
        if not pending:
            raise ConfigurationError(f"thread {thread_id!r} has no call waiting for confirmation")
        ids = {p.id for p in pending}
        if isinstance(decision, Mapping) and decision and set(decision) <= ids:
            for d in decision.values():
                parse_decision(d)
            missing = ids - set(decision)
            if missing:
                raise ConfigurationError(f"no decision for pending call(s) {sorted(missing)}")
            return Command(resume=dict(decision))
        parse_decision(decision)
        if len(pending) > 1:
            raise ConfigurationError(f"{len(pending)} calls are pending; give {{pending id: decision}}")
        return Command(resume=decision)

    def _config(self, thread_id: str) -> dict:
        # plan and team graphs run whole ReAct loops inside one node, so they need few more steps
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": 4 * self.config.max_steps + 40}

    def _invoke(self, graph_input: Any, thread_id: str, *, continued: bool = False) -> RunResult:
        cfg = self._config(thread_id)
        before = self._earlier_messages(cfg, continued)
        t0 = time.perf_counter()
        error = None
        try:
            final = self.graph.invoke(graph_input, cfg)
        except AgentkitError as exc:
            error = f"{type(exc).__name__}: {exc}"
            final = self.graph.get_state(cfg).values
        return self._turn_result(final, before, cfg, thread_id=thread_id, seconds=time.perf_counter() - t0,
                                 error=error)

    def _earlier_messages(self, cfg: dict, continued: bool) -> list[Any]:
        """The thread's messages from before this turn (a resumed turn began before the pause)."""
        messages = self.graph.get_state(cfg).values.get("messages", []) if self.checkpointer else []
        if continued:
            start = max((i for i, m in enumerate(messages)
                         if isinstance(m, HumanMessage) and m.name != FEEDBACK_NAME), default=0)
            return messages[:start]
        return messages

    def stream(self, text: str, *, thread_id: str | None = None) -> Iterator[Event]:
        """Handle one user message like :meth:`run`, yielding :class:`~agentkit.events.Event` objects as it goes.

        Events: ``step`` (a node starts, or the plan moves on), ``plan``,
        ``tool_call``, ``tool_result``, ``token`` (prose of a model reply while it
        is generated), ``interrupt``, nodes' own events, and last ``done`` with
        ``answer``, ``error``, ``thread_id`` and ``result`` (the :class:`RunResult`
        that :meth:`run` would return). An ``AgentkitError`` ends the stream with a
        ``done`` event carrying it, as :meth:`run` ends with ``error`` set.
        """
        return self._stream_turn({"messages": [HumanMessage(text)]}, thread_id or uuid.uuid4().hex)

    def _stream_turn(self, graph_input: Any, thread_id: str, *, continued: bool = False) -> Iterator[Event]:
        """:meth:`_invoke`, streamed: the graph's events, then ``done`` with the RunResult."""
        cfg = self._config(thread_id)
        before = self._earlier_messages(cfg, continued)
        t0 = time.perf_counter()
        error = None
        try:
            yield from stream_events(self.graph, graph_input, cfg)
        except AgentkitError as exc:
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t0
        result = self._turn_result(self.graph.get_state(cfg).values, before, cfg, thread_id=thread_id,
                                   seconds=seconds, error=error)
        yield Event("done", {"answer": result.answer, "error": result.error, "thread_id": thread_id, "result": result})

    def _turn_result(self, final: dict, before: list[Any], cfg: dict, *, thread_id: str, seconds: float,
                     error: str | None) -> RunResult:
        """The :class:`RunResult` of a turn that ended in state ``final``."""
        result = summarize(final.get("messages", [])[len(before):], thread_id=thread_id, seconds=seconds)
        result.offered_tools = list(final.get("offered_tools", []))
        outcomes = final.get("results") or {}
        result.plan = [{"id": st.get("id"), "text": st.get("text"), "tool": st.get("tool"),
                        **_outcome(outcomes.get(str(st.get("id"))))}
                       for st in final.get("plan") or [] if isinstance(st, dict)]
        result.reflections = [str(r) for r in final.get("reflections") or []]
        result.error = error or final.get("error")
        result.pending = [{"id": p.id, **p.value} for p in self.graph.get_state(cfg).interrupts]
        if result.pending:
            result.answer = None
            result.steps.append(Step("confirm", "waiting for confirmation: "
                                     + "; ".join(p["description"] for p in result.pending), {"pending": result.pending}))
        if result.offered_tools:
            result.steps.insert(0, Step("tools", "retrieved tools: " + ", ".join(result.offered_tools),
                                        {"tools": result.offered_tools}))
        return result

    def history(self, thread_id: str) -> list[Any]:
        """The checkpointed messages of a thread."""
        return list(self.graph.get_state({"configurable": {"thread_id": thread_id}}).values.get("messages", []))


def summarize(messages: Iterable[Any], *, thread_id: str, seconds: float) -> RunResult:
    """Turn a turn's new messages into a :class:`RunResult`."""
    result = RunResult(answer=None, thread_id=thread_id, seconds=seconds)
    calls: dict[str, dict] = {}
    for m in messages:
        if isinstance(m, AIMessage):
            meta = m.response_metadata or {}
            usage = m.usage_metadata or {}
            result.llm_calls += int(meta.get("llm_calls", 1))
            result.prompt_tokens += int(usage.get("input_tokens", 0))
            result.completion_tokens += int(usage.get("output_tokens", 0))
            cached = int((usage.get("input_token_details") or {}).get("cache_read", 0) or 0)
            result.prompt_tokens_evaluated += int(usage.get("input_tokens", 0)) - cached
            if meta.get("cloud"):
                result.cloud_calls += 1
            for c in m.tool_calls:
                entry = {"name": c["name"], "args": c["args"], "ok": None, "result": None}
                calls[c["id"]] = entry
                result.tool_calls.append(entry)
                result.steps.append(Step("call", f"{c['name']}({_args(c['args'])})", {"name": c["name"], "args": c["args"]}))
            if not m.tool_calls and m.content:
                result.answer = str(m.content).strip()
        elif isinstance(m, ToolMessage):
            entry = calls.get(m.tool_call_id)
            ok = m.status != "error"
            if entry is not None:
                entry["ok"], entry["result"] = ok, str(m.content)
            result.steps.append(Step("result" if ok else "error", f"{m.name} -> {m.content}",
                                     {"name": m.name, "ok": ok}))
        elif isinstance(m, HumanMessage) and m.name == FEEDBACK_NAME:
            result.steps.append(Step("feedback", str(m.content)))
    if result.answer is not None:
        result.steps.append(Step("answer", result.answer))
    return result


def _outcome(outcome: Any) -> dict:
    """What a plan step came to: ``status`` (done, failed, declined; None if it never ran), its ``result``
    and, for a settled condition, whether it ``holds``."""
    if not isinstance(outcome, dict):
        return {"status": None, "result": None, "holds": None}
    return {"status": outcome.get("status"), "result": outcome.get("result"), "holds": outcome.get("holds")}


def _args(args: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _scopes(scopes: Iterable[str] | None) -> frozenset[str] | None:
    if scopes is None:
        return None
    if isinstance(scopes, str):
        raise ConfigurationError(f"scopes must be a list of strings, got the string {scopes!r}")
    out = frozenset(scopes)
    bad = sorted(repr(s) for s in out if not isinstance(s, str) or not _SCOPE_RE.match(s))
    if bad:
        raise ConfigurationError(f"scopes must look like 'area.action' or 'area.*', got {', '.join(bad)}")
    return out


def _confirm_policy(confirm: bool | ConfirmPolicy) -> ConfirmPolicy | None:
    if confirm is True:
        return sensitive_tools
    if confirm is False or confirm is None:
        return None
    if callable(confirm):
        return confirm
    raise ConfigurationError(f"confirm must be True, False or a callable (tool, args) -> bool, got {confirm!r}")


_SCOPE_RE = re.compile(r"^[a-z][a-z0-9_]*\.([a-z][a-z0-9_]*|\*)$")


def _checkpointer(spec: Any) -> BaseCheckpointSaver:
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.checkpoint.sqlite import SqliteSaver

    if spec is None:
        return InMemorySaver()
    if isinstance(spec, BaseCheckpointSaver):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        path = Path(spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        saver = SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))
        saver.setup()
        return saver
    raise ConfigurationError(f"checkpointer must be None, a path or a BaseCheckpointSaver, got {spec!r}")


def create_agent(
    model: BaseChatModel | str = DEFAULT_MODEL,
    tools: ToolRegistry | Iterable[Tool] | None = None,
    *,
    device: Any = None,
    context: dict[str, Any] | None = None,
    index: Any = None,
    embedder: Any = None,
    top_k: int = 5,
    max_steps: int = 8,
    require_tool_above: float | None = 0.4,
    system_prompt: str | Callable[[], str] | None = None,
    checkpointer: BaseCheckpointSaver | str | os.PathLike | None = None,
    scopes: Iterable[str] | None = None,
    confirm: bool | ConfirmPolicy = False,
    workflow: Workflow | str | None = None,
) -> Agent:
    """Create a phone agent.

    Args:
        model: A LangChain chat model, or a model spec string: a name from
            ``agentkit.models.MODELS`` or a path to a ``.gguf`` file (run on-device).
        tools: The tools; defaults to the built-in phone apps.
        device: The simulated phone (or any object) injected into tools as ``phone``.
        context: More runtime objects to inject into tools, by parameter name.
        index: A prebuilt ``ToolIndex`` to retrieve from (share one across agents).
        embedder: Embedder for a new index; defaults to the bundled MiniLM model.
            A new index prefers the phone's own apps for requests that name
            no other app (see ``ToolIndex``'s ``default_apps``).
        top_k: Tools shown to the model per user turn.
        max_steps: Most model calls per user turn.
        require_tool_above: When the best retrieved tool's similarity to the
            request reaches this, the turn's first reply must be a tool call
            (small models otherwise answer from thin air); None disables it.
        system_prompt: Instructions (or a callable returning them).
        checkpointer: Where threads are saved: a SQLite file path, a saver, or
            None for in-memory.
        scopes: Permissions the agent holds (``"contacts.read"``, ``"messages.*"``);
            a call to a tool needing any other scope is refused, never run.
            None (the default) grants every scope.
        confirm: Pause for the user's approval before risky calls: True asks for
            every tool declared ``sensitive`` (payments, calls, sending,
            deleting), a callable ``(tool, args) -> bool`` decides per call.
            A paused run returns with ``pending`` set; see :meth:`Agent.resume`.
        workflow: The topology and per-node settings (:class:`~agentkit.workflow.Workflow`),
            or its name: ``"react"`` (default), ``"plan"``, ``"plan+refine"``,
            ``"supervisor"``, ``"swarm"``.

    Returns:
        An :class:`Agent`; call ``agent.run(text, thread_id=...)``.

    Raises:
        ConfigurationError: a bad argument.
        ModelLoadError: the model could not be loaded.
    """
    if top_k < 1 or max_steps < 1:
        raise ConfigurationError(f"top_k and max_steps must be >= 1, got top_k={top_k}, max_steps={max_steps}")
    chat = load_model(model) if isinstance(model, str) else model
    if not isinstance(chat, BaseChatModel):
        raise ConfigurationError(f"model must be a BaseChatModel or a model spec string, got {type(model).__name__}")
    if tools is None:
        from agentkit.tools.loading import load_registry

        registry = load_registry()
    elif isinstance(tools, ToolRegistry):
        registry = tools
    else:
        registry = ToolRegistry(tools)
    ctx = dict(context or {})
    if device is not None:
        ctx.setdefault("phone", device)
    # names of things in the device's apps (a store, a product), for retrieval and error hints
    vocabulary = getattr(device, "vocabulary", None)
    vocabulary = vocabulary if callable(vocabulary) else None
    rehearse = getattr(device, "rehearsal", None)  # runs a call to confirm without effect, to check it first
    retrieve = None
    if len(registry) > top_k:
        from agentkit.tools.retrieval import ToolIndex, apps_named

        if index is None:
            from agentkit.embeddings import default_embedder
            from agentkit.tools.phone import APPS

            index = ToolIndex(registry, embedder or default_embedder(), default_apps=APPS)

        def retrieve(query: str, k: int) -> list[tuple[str, float]]:
            named = apps_named(query, vocabulary()) if vocabulary is not None else ()
            hits = index.search(query, k, named_apps=named) if named else index.search(query, k)
            return [(hit.tool.name, hit.score) for hit in hits]

    config = AgentConfig(
        scopes=_scopes(scopes),
        top_k=top_k,
        max_steps=max_steps,
        system_prompt=system_prompt if system_prompt is not None else default_system_prompt(device),
        retrieve=retrieve,
        require_tool_above=require_tool_above,
        context=ctx,
        confirm=_confirm_policy(confirm),
        clock=(lambda: device.now) if hasattr(device, "now") else None,
        vocabulary=vocabulary,
        rehearse=rehearse if callable(rehearse) else None,
    )
    saver = _checkpointer(checkpointer)
    search = index.search if retrieve is not None else None
    graph = _workflow_graph(chat, registry, config, Workflow.parse(workflow), device, search).compile(checkpointer=saver)
    return Agent(graph, model=chat, registry=registry, config=config, checkpointer=saver)


def _workflow_graph(chat: BaseChatModel, registry: ToolRegistry, config: AgentConfig, wf: Workflow,
                    device: Any, search: Callable[..., list] | None = None) -> Any:
    """The uncompiled graph of a workflow, each node with its own model and limits."""
    models = {name: load_model(n.model) if isinstance(n.model, str) else n.model
              for name, n in wf.nodes.items() if n.model is not None}

    def limited(name: str) -> AgentConfig:
        node = wf.node(name)
        if node.top_k is None and node.max_calls is None:
            return config  # the same object: Agent.config stays the graph's
        return dataclasses.replace(config, top_k=node.top_k or config.top_k, max_steps=node.max_calls or config.max_steps)

    if wf.kind == "react":
        return build_graph(models.get("executor", chat), registry, limited("executor"))
    if wf.kind == "plan":
        from agentkit.plan import build_plan_graph

        observe = getattr(device, "state", None)
        describe = None
        if callable(observe):
            from agentkit.tools.phone import diff

            def describe(before: Any, after: Any) -> list[str]:
                return [str(c) for c in diff(before, after)]

        return build_plan_graph(chat, registry, limited("executor"), wf, models=models,
                                observe=observe if callable(observe) else None, describe_changes=describe)
    from agentkit.team import build_team_graph

    retrieve_in = None
    if search is not None:
        def retrieve_in(apps: Any) -> Callable[[str, int], list[tuple[str, float]]]:
            return lambda query, k: [(hit.tool.name, hit.score) for hit in search(query, k, apps=apps)]

    return build_team_graph(chat, registry, config, wf, models=models, limits=limited, retrieve_in=retrieve_in)


def iter_steps(result: RunResult) -> Iterator[str]:
    """Lines describing a run, for printing."""
    for s in result.steps:
        yield f"[{s.kind}] {s.text}"
