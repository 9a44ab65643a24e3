"""Multi-agent handoff between app specialists, in supervisor and swarm styles.

A :class:`Specialist` owns some apps; it runs as a ReAct loop that sees only
its apps' tools. Control passes with a *task* and a short account of what was
done so far (the request and each finished handoff's outcome), never the
whole history, so a small model's prompt stays short.

- **supervisor**: a supervisor model hands one task at a time to a
  specialist (``transfer_to_<name>(task)``), reads the outcome, and ends with
  ``finish(answer)``.
- **swarm**: the specialist owning the request's best tool starts; any
  specialist can pass the rest of the work to another one with its own
  ``transfer_to_<name>(task)`` tool; the turn ends when one answers.

Both keep count of the request's parts: each clause of the request ("get me a ride to work",
"text Emma that I'll be at the office") belongs to the specialist owning its best tool. A
supervisor that calls ``finish`` before a part's specialist was handed anything is told which
part is left (once; a second ``finish`` stands, as the part may be moot). In a swarm, a specialist
that answers with a part left unhanded passes that part to its owner, as a specialist would
(not in a request with a condition, where the part may be moot).

Both stop a handoff loop: the same task handed to the same specialist twice,
control bouncing between two specialists (A -> B -> A -> B), or more than
``Workflow.max_handoffs`` handoffs. The run then ends with ``error`` naming
the loop.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Collection, Iterable, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

from agentkit.errors import ConfigurationError
from agentkit.graph import AgentConfig, build_graph
from agentkit._turn import add_usage, answer_with_overhead, carried_calls, emit, request_of, this_turn, usage_of
from agentkit.plan import clauses, conditional, step_outcome
from agentkit.tools.registry import Tool, ToolRegistry
from agentkit.workflow import Workflow

__all__ = ["PHONE_TEAM", "Specialist", "TeamState", "build_team_graph", "handoff_loop"]


@dataclass(frozen=True)
class Specialist:
    """An agent that owns some apps."""

    name: str
    """Node name, e.g. ``messaging``."""
    description: str
    """What it handles (shown to the supervisor and the other specialists)."""
    apps: frozenset[str]
    """The apps whose tools it may call."""


PHONE_TEAM: tuple[Specialist, ...] = (
    Specialist("messaging", "texts, email, phone calls and contacts",
               frozenset({"messages", "email", "calls", "contacts"})),
    Specialist("scheduling", "calendar events, alarms and timers, reminders and notes",
               frozenset({"calendar", "clock", "reminders", "notes"})),
    Specialist("commerce", "restaurants and table bookings, food delivery, shopping and payments",
               frozenset({"restaurants", "delivery", "shopping", "wallet"})),
    Specialist("travel", "maps and directions, rides, weather and translation",
               frozenset({"maps", "rides", "weather", "translate"})),
    Specialist("device", "phone settings, music, photos, files and web search",
               frozenset({"settings", "music", "photos", "files", "web"})),
)
"""The built-in phone apps split among five specialists."""


def _last(a: Any, b: Any) -> Any:
    return b


class TeamState(TypedDict, total=False):
    """State of a supervisor or swarm graph."""

    messages: Annotated[list[AnyMessage], add_messages]
    """The request, every specialist's model and tool messages, and the final answer."""
    request: str
    handoffs: list[dict]
    """This turn's handoffs, in order: ``{"to", "task", "status", "result"}``."""
    active: str | None
    """The specialist to run next (None: the supervisor decides, or the turn is over)."""
    task: str
    """The task handed to ``active``."""
    boss: list[AnyMessage]
    """The supervisor's own conversation this turn."""
    overhead: dict
    """Token usage of supervisor calls."""
    answer: str | None
    error: Annotated[str | None, _last]
    parts: list[dict]
    """The request's clauses and the specialist owning each: ``{"text", "owner"}``."""
    reminded: list[str]
    """Specialists whose unhanded part has been pointed out (or passed on) this turn."""
    answers: list[str]
    """Swarm: the answers of specialists that passed a part on, for the final answer."""


def handoff_loop(handoffs: list[dict], to: str, task: str, max_handoffs: int) -> str | None:
    """Why handing ``task`` to ``to`` now would be a loop, or None.

    Args:
        handoffs: Earlier handoffs this turn (``{"to", "task"}``), oldest first.
        to: The next specialist.
        task: The next task.
        max_handoffs: Most handoffs allowed in a turn.
    """
    route = " -> ".join([*(h["to"] for h in handoffs), to])
    if len(handoffs) >= max_handoffs:
        return f"handoff limit reached ({max_handoffs}): {route}"
    if any(h["to"] == to and _same_task(h["task"], task) for h in handoffs):
        return f"handoff loop: {task!r} was already handed to {to} ({route})"
    seq = [h["to"] for h in handoffs] + [to]
    if len(seq) >= 4 and seq[-1] == seq[-3] and seq[-2] == seq[-4] and seq[-1] != seq[-2]:
        return f"handoff loop: control bounces between {seq[-2]} and {seq[-1]} ({route})"
    return None


def _same_task(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def unhanded(parts: list[dict], handoffs: list[dict], reminded: Collection[str] = ()) -> list[dict]:
    """The parts whose specialist has been handed nothing this turn (nor pointed to them already), the
    first part per specialist."""
    given = {h["to"] for h in handoffs} | set(reminded)
    out: dict[str, dict] = {}
    for part in parts:
        if part["owner"] not in given:
            out.setdefault(part["owner"], part)
    return list(out.values())


def _summary(request: str, handoffs: list[dict]) -> str:
    """What a specialist is told instead of the history: the request and what each handoff achieved."""
    lines = [f'The user asked: "{request}".']
    done = [f"- {h['to']}: {h['task']} -> {h['status']}: {h['result']}" for h in handoffs if h.get("status")]
    if done:
        lines.append("Done so far:\n" + "\n".join(done))
    return "\n".join(lines)


def _handoff_tool(s: Specialist) -> Tool:
    def transfer(task: str) -> dict:
        return {"handoff": s.name, "task": task}

    return Tool.from_schema(
        f"transfer_to_{s.name}", f"Hand a task to the {s.name} agent, which handles {s.description}.",
        {"type": "object", "properties": {"task": {
            "type": "string", "description": "What that agent must do, with every name, time and detail it needs."}},
         "required": ["task"]}, transfer, app="agentkit.handoff")


_FINISH = {"name": "finish", "description": "Everything the user asked for is done: give the final answer.",
           "parameters": {"type": "object", "properties": {"answer": {
               "type": "string", "description": "A short answer for the user."}}, "required": ["answer"]}}

SUPERVISOR_PROMPT = (
    "You coordinate a phone assistant's specialist agents:\n{roster}\n"
    "Hand the next part of the user's request to the agent that handles it, as a task with every detail it "
    "needs; one part at a time. When every part is done, call finish with a short answer for the user."
)


def build_team_graph(model: BaseChatModel, registry: ToolRegistry, config: AgentConfig, workflow: Workflow, *,
                     models: dict[str, BaseChatModel] | None = None,
                     limits: Callable[[str], AgentConfig] | None = None,
                     team: Iterable[Specialist] = PHONE_TEAM,
                     retrieve_in: Callable[[Collection[str]], Callable[[str, int], list[tuple[str, float]]]] | None = None,
                     ) -> StateGraph:
    """A supervisor or swarm graph over app specialists.

    Args:
        model: The default model.
        registry: Every tool; each specialist gets its apps' share.
        config: ReAct settings for the specialists (``retrieve`` is replaced per specialist).
        workflow: ``kind`` ("supervisor" or "swarm"), ``max_handoffs`` and per-node models.
        models: Models by node name (``supervisor``, a specialist's name, or ``executor`` for all
            specialists), overriding ``model``.
        limits: Node name -> its ReAct settings (per-node ``top_k``/``max_calls``); default ``config``.
        team: The specialists; those owning no registered tool are left out.
        retrieve_in: Apps -> a retrieval function over those apps only; None offers a specialist
            all of its tools.
    """
    if workflow.kind not in ("supervisor", "swarm"):
        raise ConfigurationError(f"build_team_graph needs kind 'supervisor' or 'swarm', got {workflow.kind!r}")
    models = models or {}
    members = [s for s in team if any(t.app in s.apps for t in registry)]
    if not members:
        raise ConfigurationError("no specialist owns any registered tool")
    by_name = {s.name: s for s in members}
    handoffs = {s.name: _handoff_tool(s) for s in members}
    swarm = workflow.kind == "swarm"
    loops = {}
    for s in members:
        own = [t for t in registry if t.app in s.apps]
        extra = [handoffs[o.name] for o in members if o.name != s.name] if swarm else []
        base = limits(s.name) if limits else config
        retrieve = base.retrieve
        if retrieve_in is not None:
            inner = retrieve_in(s.apps)
            names = [t.name for t in extra]

            def retrieve(query: str, k: int, inner=inner, names=names) -> list[tuple[str, float]]:
                return [*inner(query, k), *((n, 0.0) for n in names)]

        sub = dataclasses.replace(base, retrieve=retrieve, top_k=base.top_k + len(extra),
                                  final_tools=frozenset(t.name for t in extra))
        chat = models.get(s.name, models.get("executor", model))
        loops[s.name] = build_graph(chat, ToolRegistry([*own, *extra]), sub).compile()
    boss_model = models.get("supervisor", model)
    roster = "\n".join(f"- {s.name}: {s.description}" for s in members)
    boss_tools = [*(handoffs[s.name] for s in members), _FINISH]
    recursion = {"recursion_limit": 4 * config.max_steps + 10}

    def begin(state: TeamState) -> dict:
        request = request_of(state["messages"])
        update = {"request": request, "handoffs": [], "boss": [], "overhead": {}, "answer": None, "error": None,
                  "active": None, "task": request, "parts": _parts(request), "reminded": [], "answers": []}
        if swarm:
            update["active"] = _entry(request)
        return update

    def _owner(query: str) -> str | None:
        """The specialist owning the best tool for ``query`` (None without retrieval)."""
        if config.retrieve is None:
            return None
        for name, _ in config.retrieve(query, 1):
            if name in registry:
                app = registry.get(name).app
                return next((s.name for s in members if app in s.apps), None)
        return None

    def _parts(request: str) -> list[dict]:
        """Each clause of the request with its specialist; none for a request of one part."""
        parts = [{"text": c, "owner": owner} for c in clauses(request) if (owner := _owner(c))]
        return parts if len({p["owner"] for p in parts}) > 1 else []

    def _entry(request: str) -> str:
        """The specialist owning the best tool for the whole request (the first, without retrieval)."""
        return _owner(request) or members[0].name

    def supervisor(state: TeamState) -> dict:
        boss = list(state.get("boss") or [])
        if not boss:
            boss = [SystemMessage(SUPERVISOR_PROMPT.format(roster=roster)), HumanMessage(state["request"])]
        if sum(isinstance(m, AIMessage) for m in boss) > workflow.max_handoffs:
            return {"error": f"the supervisor made {workflow.max_handoffs + 1} decisions without finishing",
                    "active": None}
        reply = boss_model.bind_tools(boss_tools, tool_choice="required").invoke(boss)
        usage = add_usage(state.get("overhead") or {}, usage_of(reply))
        if not reply.tool_calls:
            return {"boss": [*boss, reply], "overhead": usage, "answer": str(reply.content).strip() or None,
                    "active": None}
        call = reply.tool_calls[0]
        reply = reply.model_copy(update={"tool_calls": [call]})  # one handoff at a time
        if call["name"] == "finish":
            left = unhanded(state.get("parts") or [], state.get("handoffs") or [], state.get("reminded") or [])
            if left:  # a small supervisor finishes after the first part (a ride booked, Emma never texted)
                cond = ", if the request's condition calls for it" if conditional(state["request"]) else ""
                note = ToolMessage("Not finished: no agent has been given " + "; ".join(
                    f'"{p["text"]}" (the {p["owner"]} agent does it)' for p in left) + f". Hand it over{cond}, "
                    "or call finish again if it is already done.", tool_call_id=call["id"], name="finish",
                    status="error")
                return {"boss": [*boss, reply, note], "overhead": usage, "active": None, "answer": None,
                        "reminded": [*(state.get("reminded") or []), *(p["owner"] for p in left)]}
            return {"boss": [*boss, reply], "overhead": usage, "answer": str(call["args"].get("answer", "")),
                    "active": None}
        to = call["name"].removeprefix("transfer_to_")
        task = str(call["args"].get("task") or state["request"])
        if to not in by_name:
            note = ToolMessage(f"Error: no agent {to!r}; use one of: {', '.join(by_name)}",
                               tool_call_id=call["id"], name=call["name"], status="error")
            return {"boss": [*boss, reply, note], "overhead": usage, "active": None, "answer": None}
        loop = handoff_loop(state.get("handoffs") or [], to, task, workflow.max_handoffs)
        if loop:
            return {"boss": [*boss, reply], "overhead": usage, "error": loop, "active": None}
        return {"boss": [*boss, reply], "overhead": usage, "active": to, "task": task}

    def specialist(state: TeamState, config: RunnableConfig) -> dict:
        name, task = state["active"], state["task"]
        emit({"kind": "step", "node": name, "text": task})
        past = list(state.get("handoffs") or [])
        earlier = carried_calls(this_turn(state.get("messages") or []), registry)
        final = loops[name].invoke({"messages": [HumanMessage(task)], "brief": _summary(state["request"], past),
                                    "request": state["request"], "earlier": earlier}, {**config, **recursion})
        produced = [m for m in final["messages"] if not isinstance(m, HumanMessage)]
        outcome = step_outcome(produced, final.get("error"))
        passed = next((m for m in reversed(produced) if isinstance(m, ToolMessage) and m.status == "success"
                       and m.artifact and m.artifact.get("name", "").startswith("transfer_to_")), None)
        record = {"to": name, "task": task, "status": outcome["status"], "result": outcome["result"][:300]}
        update: dict = {"messages": produced, "handoffs": [*past, record]}
        if swarm:
            if passed is not None:  # the specialist handed the rest on
                to = passed.artifact["name"].removeprefix("transfer_to_")
                next_task = str(passed.artifact["args"].get("task") or state["request"])
                record.update(status="handed off", result=f"passed to {to}: {next_task}")
                loop = handoff_loop([*past, record], to, next_task, workflow.max_handoffs)
                update.update(active=None if loop else to, task=next_task, error=loop)
            else:
                said = outcome["answer"] or outcome["result"]
                left = [] if conditional(state["request"]) else \
                    unhanded(state.get("parts") or [], [*past, record], state.get("reminded") or [])
                loop = handoff_loop([*past, record], left[0]["owner"], left[0]["text"], workflow.max_handoffs) \
                    if left else None
                if left and not loop:  # it stopped with a part of the request no one was given: pass it on
                    part = left[0]
                    emit({"kind": "handoff", "node": name, "to": part["owner"], "task": part["text"],
                          "why": "a part of the request no agent was given"})
                    update.update(active=part["owner"], task=part["text"],
                                  reminded=[*(state.get("reminded") or []), part["owner"]],
                                  answers=[*(state.get("answers") or []), said])
                else:
                    said = " ".join(dict.fromkeys([*(state.get("answers") or []), said]))
                    update.update(active=None, answer=said)
        else:
            boss = list(state.get("boss") or [])
            call_id = boss[-1].tool_calls[0]["id"]
            boss.append(ToolMessage(f"{outcome['status']}: {outcome['result'][:300]}", tool_call_id=call_id,
                                    name=f"transfer_to_{name}", status="success" if outcome["status"] == "done" else "error"))
            update.update(boss=boss, active=None)
        return update

    def finish(state: TeamState) -> dict:
        answer = state.get("answer") or ("" if state.get("error") else "Done.")
        return {"messages": [answer_with_overhead(answer, state.get("overhead") or {})], "boss": [], "overhead": {}}

    graph = StateGraph(TeamState)
    graph.add_node("begin", begin)
    graph.add_edge(START, "begin")
    graph.add_node("finish", finish)
    graph.add_edge("finish", END)
    for s in members:
        graph.add_node(s.name, specialist)

    def to_active(state: TeamState) -> str:
        if state.get("error"):
            return "finish"
        return state.get("active") or ("finish" if swarm or state.get("answer") is not None else "supervisor")

    names = [s.name for s in members]
    if swarm:
        graph.add_conditional_edges("begin", to_active, names)
        for s in members:  # a specialist hands off to the others, never to itself
            graph.add_conditional_edges(s.name, to_active, [*(n for n in names if n != s.name), "finish"])
    else:
        graph.add_node("supervisor", supervisor)
        graph.add_edge("begin", "supervisor")

        def after_supervisor(state: TeamState) -> str:
            if state.get("error") or state.get("active") is None and state.get("answer") is not None:
                return "finish"
            return state.get("active") or "supervisor"

        graph.add_conditional_edges("supervisor", after_supervisor, [*names, "supervisor", "finish"])
        for s in members:
            graph.add_edge(s.name, "supervisor")
    return graph
