"""Plan-and-execute: a planner splits the request into steps, each runs as a ReAct loop.

    begin -> planner -> dispatch -> execute (a ReAct loop per step; parallel ones at once) -> dispatch ...
                  |  a step failed: replan (bounded)          all done: critic (if refine) -> finish
                  |                                           critic unhappy: planner again, with its critique

The planner and the critic answer through a forced call of a small function
(``make_plan``, ``verdict``), so a grammar keeps a small model's output
parseable. A step's ReAct loop retrieves tools for the step's own words and
sees the step and a short account of the steps it follows, not the whole
history. With ``Workflow.plan_tools`` the planner also names each step's
function from a list of function names by app (an enum under that grammar);
the step's loop is offered it first and must start by calling it unless the
step is conditional. A step with a condition ("if it's dry, ...; if not, ...") that
follows other steps is first settled by a forced ``decide`` call on their results
(``Workflow.decide``): the step then runs as the one action that call names, or
is done with nothing to do. A lookup step that finds nothing after earlier steps
gathered results is done with "Found nothing: ..." rather than replanned (the
replanner tends to repeat it, while the later steps may already have what they
need). A lookup step that found something before a later call of it failed is done
with what it found; a replan that repeats a lookup which found nothing does not
run it again (it is done with "Found nothing: ..."). Every model call's tokens
are counted in the turn's result.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Callable, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Send

from agentkit._conditions import contradicts, weather_holds
from agentkit._turn import (add_usage, answer_with_overhead, carried_calls, emit, request_of, state_changes, this_turn,
                            usage_of)
from agentkit._unasked import unasked
from agentkit.graph import REPEATED_FAILURE, AgentConfig, build_graph, expects_change, retryable
from agentkit.tools._lexical import names_in, words as content_words  # (words: without 'the', 'to', ...)
from agentkit.tools.registry import ToolRegistry
from agentkit.workflow import Workflow

__all__ = ["PlanState", "build_plan_graph", "step_outcome"]

Observer = Callable[[], Any]
"""Returns a snapshot of the device state."""
Differ = Callable[[Any, Any], list[str]]
"""Describes the changes between two snapshots, one line each."""


# Reducers: an update of None starts the value afresh (a new turn).
def _merge(a: dict | None, b: dict | None) -> dict:
    return {} if b is None else {**(a or {}), **b}


def _extend(a: list | None, b: list | None) -> list:
    return [] if b is None else [*(a or []), *b]


class PlanState(TypedDict, total=False):
    """State of the plan-and-execute graph (checkpointed after every node)."""

    messages: Annotated[list[AnyMessage], add_messages]
    """The user's request, every step's model and tool messages, and the final answer."""
    request: str
    """The request being worked on."""
    plan: list[dict]
    """Steps: ``{"id", "text", "depends_on": [ids]}``."""
    results: Annotated[dict[str, dict], _merge]
    """By step id (as text): ``{"status": "done"|"failed"|"declined", "result", "calls"}``."""
    reflections: Annotated[list[str], _extend]
    """The critic's findings about earlier attempts, kept for the rest of the turn."""
    replans: int
    refines: int
    overhead: Annotated[dict, add_usage]
    """Token usage of planner, replanner and critic calls: ``llm_calls``, ``input``, ``output``, ``cached``."""
    tools: list[str]
    """The functions the planner may name this turn (empty: free-text steps)."""
    before: Any
    """Device snapshot when the turn started (only when a critic will compare)."""
    retry: bool
    """The critic asked for another attempt."""
    finishing: Annotated[list[str], _extend]
    """The finishing tools the critic has added a step for this turn (once each)."""
    error: str | None


def _plan_tool(max_steps: int, parallel: bool, tools: list[str]) -> dict:
    """``make_plan``: steps as text, or, given ``tools``, as objects naming the function of each."""
    action = {"type": "string", "description": "The action, with every detail it needs."}
    props: dict = {"do": action}
    if tools:
        props["tool"] = {"type": "string", "enum": tools, "description": "The function that does it."}
    if parallel:
        props["needs"] = {"type": "array", "items": {"type": "integer"},
                          "description": "Numbers of earlier steps whose results this step uses."}
    item = {"type": "object", "properties": props, "required": list(props)} if len(props) > 1 else \
        {**action, "description": "One app action, with every detail it needs."}
    return {"name": "make_plan", "description": "Give the steps that carry out the request, in order.",
            "parameters": {"type": "object", "properties": {
                "steps": {"type": "array", "items": item, "minItems": 1, "maxItems": max_steps}},
                "required": ["steps"]}}


_CONDITION = re.compile(r"\b(if|unless|otherwise|instead|in case|only when)\b", re.IGNORECASE)
"""A step that may have to be skipped: its loop is offered the planned function but not made to call it."""
_IF = re.compile(r"\b(if|unless|in case|only when)\b", re.IGNORECASE)
"""A step with a condition to settle (not merely an "instead" or "otherwise")."""
_ELSE = re.compile(r"\W*(if not|otherwise|or else|else)\b", re.IGNORECASE)
"""A step that is the other branch of the step before it ("If not, book Curry House")."""
_BRANCH = re.compile(r"\b(if|unless|otherwise|else|in case|only when)\b", re.IGNORECASE)
"""Where a step's condition or one of its branches starts."""
_ALTERNATIVE = re.compile(r"\b(instead|otherwise|if not|or else|else)\b", re.IGNORECASE)
"""The other branch of a condition: with one, something is due whether or not the condition holds."""
_QUESTION = re.compile(r"\W*(?:check|see|find out|determine|verify|confirm|ask|look up)\s+(?:if|whether)\b",
                       re.IGNORECASE)
"""A lookup that asks a question ("Check if it's going to rain"): its "if" sets no condition."""
_LOOKUP = re.compile(r"\W*(find|look|search|check|read|see|list|show|identify|locate|determine|verify|"
                     r"get the|get my|what|which|who|when|where|how)\b", re.IGNORECASE)
"""A step phrased as a lookup: it may well end with an answer and no change."""
_EMPTY = re.compile(r"(?:[\w ]+: )?\((?:none|empty)\)|")
"""A tool result that holds nothing (``render_result`` of an empty list or record)."""
_DONE_HEAD = "Done so far:"
"""Heads the earlier steps' results in a step's brief."""
_AVOID_HEAD = "These calls failed earlier;"
"""Heads the failed calls shown to a replanned step."""
_ECHO = re.compile(rf"\s*(?:{re.escape(_DONE_HEAD[:-1])}\b|{re.escape(_AVOID_HEAD)})")
"""Where a step's answer starts copying its brief (a small model often appends it to what it says, or
only its heading: "The alarm is set. Done so far.")."""
_CLAUSE = re.compile(r"[.;:!?]\s+|,\s*|\s+(?:and then|then|and|or|if|otherwise|instead)\s+", re.IGNORECASE)


def clauses(request: str) -> list[str]:
    """The request's clauses of three words or more, split at punctuation and at "and", "then",
    "if"...: a request spanning apps has a clause per app ("Get me a ride to work", "text Emma
    that I'll be at the office")."""
    return [c.strip() for c in _CLAUSE.split(request) if c and len(c.split()) >= 3]


def conditional(text: str) -> bool:
    """Whether ``text`` sets a condition ("if it rains, ..."), not merely asks one ("check if ...")."""
    return bool(_IF.search(_asked(text)))


def _catalog(request: str, retrieve: Callable[[str, int], list[tuple[str, float]]], k: int, limit: int) -> list[str]:
    """Tools for a plan: the best ``k`` for the whole request and the best 3 for each of its
    clauses (a request spanning apps is one query per app), best score first, at most ``limit``."""
    best: dict[str, float] = {}
    for query, n in [(request, k), *((c, 3) for c in clauses(request))]:
        for name, score in retrieve(query, n):
            best[name] = max(float(score), best.get(name, float("-inf")))
    return sorted(best, key=lambda name: -best[name])[:limit]


_NOTHING = "nothing shows it"
_SKIPPED = "nothing needed: its condition did not hold"


def _verdict_tool(evidence: list[str]) -> dict:
    """The critic's function: for each thing asked, the one piece of ``evidence`` (a change on the phone or
    a lookup's result) that shows it done, or nothing. Picking the proof under a grammar keeps a small
    model from calling an unfinished order done: asked for a yes or no, it says yes."""
    return {
        "name": "verdict",
        "description": "Check each thing the request asks for against the changes on the phone and the lookups made.",
        "parameters": {"type": "object", "properties": {
            "checks": {"type": "array", "minItems": 1, "maxItems": 6, "items": {
                "type": "object", "properties": {
                    "asked": {"type": "string", "description": "One thing the request asks for, with its details."},
                    "shown_by": {"type": "string", "enum": [*evidence, _SKIPPED, _NOTHING],
                                 "description": "What shows it done exactly as asked (the right item, person, "
                                                "place, day and time)"}},
                "required": ["asked", "shown_by"]}}},
            "required": ["checks"]},
    }


PLANNER_PROMPT = (
    "You plan the work of a phone assistant. Split the user's request into the app actions it needs, in "
    "order, one action per step (look something up, send a message, book, create, change a setting). "
    "Copy into each step every name, time, place and text it needs from the request. Use as few steps as "
    "the request needs (1 to {max_steps}), and add none it does not ask for (no extra message or change). "
    "When a step needs something the request does not give (a "
    "number, a date, an address, who someone is), look it up in an earlier step. Keep a condition "
    "(\"if ...\") in the step it decides.\n"
    'Example: "Find a sushi place near the office and text Bob its name" -> steps: {example}'
)
_EXAMPLE = ('["Find a sushi restaurant near the office", '
            '"Text Bob the name of the sushi restaurant that was found"]')
_EXAMPLE_TOOLS = ('[{"do": "Find a sushi restaurant near the office", "tool": "search_restaurants"}, '
                  '{"do": "Text Bob the name of the sushi restaurant that was found", "tool": "send_message"}]')
PLANNER_TOOLS = "\nEach step is one call of one of these functions (by app); name it in the step's tool:\n{tools}"

_DECIDE_TOOL = {
    "name": "decide",
    "description": "Decide a conditional step from what the earlier steps found.",
    "parameters": {"type": "object", "properties": {
        "condition": {"type": "string", "description": "The condition that decides the step, in full (for a step "
                                                        "that starts \"If not\", the opposite of the request's "
                                                        "condition, e.g. \"it is not dry\")."},
        "found": {"type": "string", "description": "What the results say about that condition, in a few words."},
        "holds": {"type": "boolean", "description": "true if the results show the condition is true"},
        "action": {"type": "string", "description": "The one action the step asks for now that this is known, "
                                                     "with its names, day, time, place and text from the step and "
                                                     "the request; empty if the step asks for nothing in this case."}},
        "required": ["condition", "found", "holds", "action"]},
}

DECIDE_PROMPT = (
    "You settle a conditional step of a phone assistant's plan. Read the step's condition, look up in the "
    "results what it depends on, and say whether it holds. Then give the action the step asks for in that "
    "case (if the condition does not hold, the step's other action, if it has one), with its names, times, "
    "places and text. If the step asks for nothing in that case, the action is empty."
)

CRITIC_PROMPT = (
    "You check the work of a phone assistant. List each thing the user's request asks for (each item to "
    "order, each message, each booking, each change, each thing to look up), and for each pick the change "
    "on the phone or the lookup that shows it done exactly as asked: the right item, person, place, day and "
    "time. Something only looked up, or only added to a cart, does not show an order, a message or a "
    "booking done. A thing the request makes conditional (\"if ...\") whose condition did not hold needs "
    "nothing. If nothing shows it, say so."
)


def step_outcome(messages: list[AnyMessage], error: str | None) -> dict:
    """A step's status and result from its ReAct loop's messages.

    A step is done when its loop ended without error and either its last call
    succeeded or it answered without needing a call; it failed when its last
    call failed, the loop hit a limit, or it ended with nothing; it was declined
    when the user said no to its last call. A step that ended by repeating a call that had already
    failed (an answer marked :data:`~agentkit.graph.REPEATED_FAILURE`) failed too.
    """
    # a blocked repeat ("already done") is neither a failure nor news: judge by the real calls
    def refused_repeat(m: ToolMessage) -> bool:
        return isinstance(m.artifact, dict) and "done_before" in m.artifact

    blocked = [m for m in messages if isinstance(m, ToolMessage) and refused_repeat(m)]
    tool_msgs = [m for m in messages if isinstance(m, ToolMessage) and not refused_repeat(m)]
    final = next((m for m in reversed(messages)
                  if isinstance(m, AIMessage) and not m.tool_calls and str(m.content).strip()), None)
    answer = str(final.content).strip() if final is not None else ""
    answer = _ECHO.split(answer, maxsplit=1)[0].strip()  # the brief copied into an answer is not news
    calls = [{"name": m.name, "ok": m.status == "success"} for m in tool_msgs]
    last_ok = bool(tool_msgs) and tool_msgs[-1].status == "success"
    if error:
        status, result = "failed", error
    elif tool_msgs and isinstance(tool_msgs[-1].artifact, dict) and tool_msgs[-1].artifact.get("declined"):
        # settled by the user, not failed: no replan asks again, and steps that depend on it do not run
        status, result = "declined", f"the user declined {tool_msgs[-1].name}, so it was not done"
    elif tool_msgs and not last_ok:
        status, result = "failed", str(tool_msgs[-1].content)
    elif final is not None and (final.response_metadata or {}).get(REPEATED_FAILURE):
        # it ended by repeating a call that had already failed (here or in an earlier step)
        status, result = "failed", answer or str(final.content)
    elif not tool_msgs and not answer and blocked:
        # its only call repeated an earlier step's change, which was refused: what it asks is done
        status, result = "done", f"Already done: {_one_line(blocked[-1].artifact['done_before'])}"
    elif not tool_msgs and not answer:
        status, result = "failed", "nothing was done"
    else:
        status = "done"
        result = answer or str(tool_msgs[-1].content)
    return {"status": status, "result": result[:400], "calls": calls, "answer": answer}


def build_plan_graph(model: BaseChatModel, registry: ToolRegistry, config: AgentConfig, workflow: Workflow, *,
                     models: dict[str, BaseChatModel] | None = None, observe: Observer | None = None,
                     describe_changes: Differ | None = None) -> StateGraph:
    """The plan-and-execute graph.

    Args:
        model: The default model (every node without its own).
        registry: The tools.
        config: Settings of each step's ReAct loop (the ``executor`` node's).
        workflow: Planner, replan, critic and parallelism settings; per-node models and limits.
        models: Models by node name (``planner``, ``executor``, ``critic``), overriding ``model``.
        observe: Snapshot of the device, for the critic's "what changed" (optional).
        describe_changes: Lines describing the changes between two snapshots.
    """
    models = models or {}
    planner_model = models.get("planner", model)
    critic_model = models.get("critic", model)
    executor = build_graph(models.get("executor", model), registry, config).compile()
    step_limit = {"recursion_limit": 4 * config.max_steps + 10}

    def ask(chat: BaseChatModel, tool: dict, system: str, user: str) -> tuple[dict, dict]:
        reply = chat.bind_tools([tool], tool_choice=tool["name"]).invoke([SystemMessage(system), HumanMessage(user)])
        args = reply.tool_calls[0]["args"] if reply.tool_calls else {}
        return args, usage_of(reply)

    def plan(state: PlanState, user: str) -> tuple[dict, dict]:
        """The planner's ``make_plan`` arguments for ``user``, and the call's usage."""
        tools = state.get("tools") or []
        system = PLANNER_PROMPT.format(max_steps=workflow.max_plan_steps, example=_EXAMPLE_TOOLS if tools else _EXAMPLE)
        if tools:
            by_app: dict[str, list[str]] = {}
            for name in tools:
                by_app.setdefault(registry.get(name).app or "other", []).append(name)
            system += PLANNER_TOOLS.format(tools="\n".join(f"- {app}: {', '.join(names)}"
                                                           for app, names in by_app.items()))
        return ask(planner_model, _plan_tool(workflow.max_plan_steps, workflow.parallel, tools), system, user)

    def parse_steps(args: dict, first_id: int, request: str, done: list[dict] = (),
                    tools: list[str] = ()) -> list[dict]:
        """The planner's steps with ids from ``first_id``, less any that repeats a ``done`` step or makes
        a kind of change ``request`` never asks for."""
        steps, refused = [], []
        for raw in list(args.get("steps") or [])[: workflow.max_plan_steps]:
            text = (raw.get("do") if isinstance(raw, dict) else raw) or ""
            # a small planner often lists done steps again: running them twice would corrupt state
            if not isinstance(text, str) or not text.strip() or any(_same_step(text, d["text"]) for d in done):
                continue
            if kind := unasked(text, request):  # ("Book a meeting with Bob" of a food order, ma-057)
                refused.append(f"{text.strip()} ({kind})")
                continue
            sid = first_id + len(steps)
            if workflow.parallel and isinstance(raw, dict):
                needs = [first_id + n - 1 for n in raw.get("needs") or [] if isinstance(n, int) and 1 <= n <= len(steps)]
            else:
                needs = [sid - 1] if steps else []
            step = {"id": sid, "text": text.strip(), "depends_on": sorted(set(needs) - {sid})}
            if isinstance(raw, dict) and raw.get("tool") in tools:
                step["tool"] = raw["tool"]
            steps.append(step)
        if refused:
            emit({"kind": "critique", "node": "planner", "checks": [], "set_aside": refused,
                  "finding": "Not asked for: " + "; ".join(refused) + "."})
        return steps

    def done_lines(state: PlanState, *, answers: bool = True, records: bool = False) -> list[str]:
        """The done steps, each with its result. With ``answers=False`` (how a condition is settled) a
        step whose calls returned results is listed by its text alone: those results are shown as they
        came, and a small model's answer of a lookup can misread them ("Yes, it is going to rain" for
        a forecast of fog). With ``records`` (a later step's brief), a step that answered in its own words
        is followed by the record its change made: "Ordered." says nothing of the order's ETA, which "set
        a timer for when it arrives" needs (ma-058 at 86d85a6: the timer guessed 30 minutes)."""
        results = state.get("results") or {}
        lines = []
        for s in state.get("plan") or []:
            r = results.get(str(s["id"]), {})
            if r.get("status") == "done":
                looked_up = not answers and any(c.get("ok") for c in r.get("calls") or [])
                # (a result on one line: a record's field per line read as steps to a replanner, ma-046)
                record = f" (made: {r['record']})" if records and r.get("record") else ""
                told = "" if looked_up else f" -> {_one_line(r['result'])}{record}"
                lines.append(f"{s['id']}. {s['text']}{told}")
        return lines

    def begin(state: PlanState) -> dict:
        """Start the turn afresh: the request, and nothing planned, done or learned yet."""
        update: dict = {"request": request_of(state["messages"]), "plan": [], "results": None, "reflections": None,
                        "overhead": None, "replans": 0, "refines": 0, "retry": False, "error": None, "before": None,
                        "finishing": None, "tools": []}
        if workflow.plan_tools and len(registry) <= workflow.plan_tools:
            update["tools"] = registry.names()  # (the same list every turn: its prompt stays cached)
        elif workflow.plan_tools and config.retrieve is not None:
            update["tools"] = _catalog(update["request"], config.retrieve, config.top_k, workflow.plan_tools)
        if observe is not None and workflow.refine:
            update["before"] = observe()
        return update

    def planner(state: PlanState) -> dict:
        """Plan the request; after a critique, plan only what is still missing."""
        results = state.get("results") or {}
        user = f"Request: {state['request']}"
        done = done_lines(state)
        if done:
            user += "\nAlready done (do not repeat):\n" + "\n".join(done)
        reflections = state.get("reflections") or []
        if reflections:
            user += "\nAn earlier attempt fell short: " + " ".join(reflections[-2:]) + "\nPlan only what is still needed."
        args, usage = plan(state, user)
        kept = [s for s in state.get("plan") or [] if results.get(str(s["id"]), {}).get("status") == "done"]
        first = max((s["id"] for s in state.get("plan") or []), default=0) + 1
        steps = parse_steps(args, first, state["request"], kept, state.get("tools") or [])
        if not steps and not kept:  # no usable plan: the request is the one step
            steps = [{"id": first, "text": state["request"], "depends_on": []}]
        return {"plan": kept + steps, "overhead": usage, "retry": False}

    def ready(state: PlanState) -> list[dict]:
        results = state.get("results") or {}
        return [s for s in _pending(state)
                if all(results.get(str(d), {}).get("status") == "done" for d in s["depends_on"])]

    def route(state: PlanState) -> Any:
        results = state.get("results") or {}
        if any(r["status"] == "failed" for r in results.values()):
            return "replan" if state.get("replans", 0) < workflow.max_replans else ("critic" if workflow.refine else "finish")
        steps = ready(state)
        if not steps:
            return "critic" if workflow.refine else "finish"
        if not workflow.parallel:
            steps = steps[:1]
        turn = this_turn(state["messages"])
        earlier = carried_calls(turn, registry)
        failed = [f"{m.name}({_short(m.artifact)}) -> {str(m.content)[:240]}" for m in turn
                  if isinstance(m, ToolMessage) and m.status == "error" and isinstance(m.artifact, dict)
                  and retryable(m)]
        # what earlier steps' calls really returned (their step results in the brief are the model's prose)
        evidence = "\n".join(str(m.content) for m in turn if isinstance(m, ToolMessage) and m.status == "success")
        # the latest settled condition before each step, for an "If not, ..." step that follows it
        settled = {s["id"]: next((results[str(p["id"])]["holds"] for p in reversed(state["plan"]) if p["id"] < s["id"]
                                  and results.get(str(p["id"]), {}).get("holds") is not None), None) for s in steps}
        return [Send("execute", {"step": s, "request": state["request"], "done": done_lines(state, records=True),
                                 "settled_from": done_lines(state, answers=False), "earlier": earlier,
                                 "failed": failed[-3:], "evidence": evidence, "settled": settled[s["id"]]})
                for s in steps]

    def decide(step: dict, payload: dict) -> tuple[dict | None, dict]:
        """Settle a conditional step's condition from the earlier steps' results, in a call of its own.

        A small model told "if it's dry, A; if not, B" inside a ReAct step often does A whatever the
        forecast said; asked the question alone, under a grammar, it reads the result right far more
        often. Returns ``{"holds", "found", "action"}`` (None when the reply is unusable) and the usage.
        """
        results = (payload.get("evidence") or "").strip()
        user = (f"Request: {payload['request']}\nResults so far:\n" + (results[-1500:] or "(none)")
                + ("\nDone so far:\n" + "\n".join(payload["settled_from"]) if payload.get("settled_from") else "")
                + f"\nStep: {step['text']}")
        args, usage = ask(planner_model, _DECIDE_TOOL, DECIDE_PROMPT, user)
        if not isinstance(args.get("holds"), bool):
            return None, usage
        action = args.get("action") if isinstance(args.get("action"), str) else ""
        decision = {"holds": args["holds"], "found": str(args.get("found") or "").strip(), "action": action.strip()}
        said = results + "\n" + "\n".join(payload.get("settled_from") or [])
        # the step's own words first: a small model's restatement of the condition drifts towards what it
        # found ("it's dry" restated as "it rains on Sunday" of Rain); the restatement serves "If not, B"
        ruled = (weather_holds(re.split(r"[,;]", _asked(step["text"]))[0], decision["found"], said)
                 or weather_holds(str(args.get("condition") or ""), decision["found"], said))
        if ruled is None:
            return decision, usage
        decision["forecast"] = ruled[1]  # (the final answer corrects a lookup's prose that misread it)
        if ruled[0] == decision["holds"]:
            return decision, usage
        # the forecast's words say otherwise (a small model reads Foggy as rain): they decide; a step with
        # two branches is asked again for the action, told which way it went, as its action names the other
        holds, forecast = ruled
        decision = {**decision, "holds": holds, "found": forecast, "ruled": True}
        if _either_or(step["text"]):
            again, more = ask(planner_model, _DECIDE_TOOL, DECIDE_PROMPT, user + f"\nNote: the results say "
                              f"{forecast}, so the condition is {'true' if holds else 'false'}.")
            usage = add_usage(usage, more)
            decision["action"] = (again.get("action") or "").strip() if isinstance(again.get("action"), str) else ""
        return decision, usage

    def execute(payload: dict, config: RunnableConfig) -> dict:
        step = payload["step"]
        emit({"kind": "step", "node": "execute", "step": step["id"], "text": step["text"]})
        conditional = bool(_CONDITION.search(_asked(step["text"])))
        usage: dict = {}
        text = step["text"]
        prior, holds = payload.get("settled"), None
        if workflow.decide and (_IF.search(_asked(text)) or _ELSE.match(text)) and (payload.get("evidence") or payload.get("done")):
            decision, usage = decide(step, payload)
            if decision is not None:
                decision = _branch_rules(text, decision, prior)
                emit({"kind": "decision", "node": "execute", "step": step["id"], **decision})
                if not decision["action"]:  # nothing to do in this case: the step is done as it is
                    why = decision["found"] or ("the condition holds" if decision["holds"] else "the condition does not hold")
                    outcome = {"status": "done", "result": f"Nothing to do: {why}.", "calls": [],
                               "answer": f"Nothing to do: {why}.", "acts": False, "changed": False,
                               "holds": decision["holds"], "forecast": decision.get("forecast")}
                    return {"messages": [], "results": {str(step["id"]): outcome}, "overhead": usage}
                text, conditional, holds = decision["action"], False, decision["holds"]
                step = {**step, "tool": None}  # the planner's function may be the other branch's
        # in the system prompt, not a user message: a small model answers a second user message
        brief = f'This is one step of the user\'s request "{payload["request"]}"; do only this step.'
        if payload["done"]:
            brief += f" {_DONE_HEAD}\n" + "\n".join(payload["done"])
        avoid = ""  # (apart from the brief: a failed call's date or number is no evidence for the next call)
        if payload.get("failed"):  # a replanned step otherwise repeats the call that sank the last one
            avoid = f"{_AVOID_HEAD} do not repeat them unchanged:\n" + "\n".join(payload["failed"])
        inputs = [HumanMessage(text)]
        acts = not conditional and not _LOOKUP.match(text)
        error = None
        try:
            final = executor.invoke({"messages": inputs, "brief": brief, "avoid": avoid,
                                     "request": payload["request"],
                                     "earlier": payload.get("earlier") or [], "evidence": payload.get("evidence") or "",
                                     "planned": step.get("tool"), "call_planned": not conditional,
                                     "only_planned": bool(step.get("only")),
                                     "act": acts},
                                    {**config, **step_limit})
        except Exception as exc:  # noqa: BLE001 - a step that cannot run is a failed step, not a crash
            from langgraph.errors import GraphInterrupt

            if isinstance(exc, GraphInterrupt):
                raise
            final, error = {"messages": inputs}, f"{type(exc).__name__}: {exc}"
        produced = [m for m in final["messages"] if not isinstance(m, HumanMessage)]
        outcome = step_outcome(produced, error or final.get("error"))
        # an action step that changed nothing is a claim, not a result
        outcome["acts"] = acts and expects_change(final.get("offered_tools") or [], registry)
        made = state_changes(produced, registry)
        outcome["changed"] = bool(made) or any(  # a change blocked as a repeat
            isinstance(m, ToolMessage) and isinstance(m.artifact, dict) and "done_before" in m.artifact  # was made
            for m in produced)
        if outcome["status"] == "done" and made and outcome["answer"]:  # the record, when the answer is prose
            record = _one_line(str(made[-1].content)).removesuffix(".")
            if record not in outcome["result"]:
                outcome["record"] = record[:400]
        if holds is not None:  # settled above: an "If not" step after this one is its other branch
            outcome["holds"], outcome["forecast"] = holds, decision.get("forecast")
        succeeded = [m for m in produced if isinstance(m, ToolMessage) and m.status == "success"]
        found_some = [str(m.content) for m in succeeded]
        if (outcome["status"] == "done" and not acts and not conditional and found_some
                and all(_EMPTY.fullmatch(c.strip()) for c in found_some)):
            # every search came back empty: the model's answer is invented (ma-009: a date "found" in
            # notes a search did not return), so the step found nothing, and a first step is replanned
            found = "; ".join(f"{m.name}({_short(m.artifact)}) returned nothing" for m in succeeded)
            outcome = {**outcome, "status": "failed", "result": found[:400], "answer": ""}
            found_some = []
        lookup_failed = (outcome["status"] == "failed" and not acts and not conditional and not error
                         and not final.get("error"))
        if lookup_failed and found_some:
            # a lookup that found something, then failed to find more ("Burger Barn" found in the delivery
            # app, then not among the restaurants): what it found is its result (a replan only repeats it)
            outcome = {**outcome, "status": "done", "result": found_some[-1][:400], "answer": found_some[-1][:400]}
        elif lookup_failed and (payload.get("evidence") or payload.get("done")):
            # a lookup that found nothing after earlier steps gathered results is news, not a dead end:
            # the later steps can work from what the earlier ones found (a replan only repeats the lookup)
            found = f"Found nothing: {outcome['result']}"[:400]
            outcome = {**outcome, "status": "done", "result": found, "answer": outcome.get("answer") or found}
        # (the step's start went out as a custom "step" event, for UIs)
        return {"messages": produced, "results": {str(step["id"]): outcome}, "overhead": usage}

    def replan(state: PlanState) -> dict:
        results = state.get("results") or {}
        failed = [s for s in state["plan"] if results.get(str(s["id"]), {}).get("status") == "failed"]
        done = done_lines(state)
        user = f"Request: {state['request']}"
        if done:
            user += "\nAlready done (do not repeat):\n" + "\n".join(done)
        user += "\nThis step failed: " + "; ".join(f"{s['text']} -> {_one_line(results[str(s['id'])]['result'])}"
                                                  for s in failed)
        user += "\nPlan the remaining steps, fixing the failed one."
        args, usage = plan(state, user)
        kept = [s for s in state["plan"] if results.get(str(s["id"]), {}).get("status") == "done"]
        first = max((s["id"] for s in state["plan"]), default=0) + 1
        steps = parse_steps(args, first, state["request"], kept, state.get("tools") or [])
        cleared = {str(s["id"]): {"status": "dropped", "result": "replaced by a new plan", "calls": []}
                   for s in state["plan"] if results.get(str(s["id"]), {}).get("status") != "done"}
        for s in steps:  # a small replanner repeats a lookup that found nothing: it is not run again
            again = next((f for f in failed if _is_lookup(f["text"]) and _same_step(s["text"], f["text"])), None)
            if again is not None and _is_lookup(s["text"]):
                found = f"Found nothing: {results[str(again['id'])]['result']}"[:400]
                cleared[str(s["id"])] = {"status": "done", "result": found, "answer": found, "calls": [],
                                         "acts": False, "changed": False}
        return {"plan": kept + steps, "results": cleared, "replans": state.get("replans", 0) + 1, "overhead": usage}

    def off_app(asked: str, proof: Any) -> bool:
        """Whether ``proof`` is a change or lookup of an app that cannot be what ``asked`` is about: the
        thing asked names something of another app (a store, a product: the device's vocabulary), and
        none of the tools retrieved for it (twice the usual number) is of the proof's app."""
        app = _proof_app(proof, registry)
        if app is None or config.vocabulary is None or config.retrieve is None:
            return False
        named = names_in(asked, config.vocabulary())
        if not named or app in named:
            return False
        return app not in {registry.get(n).app for n, _ in config.retrieve(asked, 2 * config.top_k) if n in registry}

    def critic(state: PlanState) -> dict:
        results = state.get("results") or {}
        failed = [f"{s['text']} -> {results[str(s['id'])]['result']}" for s in state["plan"]
                  if results.get(str(s["id"]), {}).get("status") == "failed"]
        idle = [s["text"] for s in state["plan"] if results.get(str(s["id"]), {}).get("status") == "done"
                and results[str(s["id"])].get("acts") and not results[str(s["id"])].get("changed")]
        usage: dict = {}
        missing: list[str] = []
        turn = this_turn(state["messages"])
        unfinished = _unfinished(turn, registry, state["request"])
        if failed:
            finding = "These steps failed: " + "; ".join(failed)
        elif idle:  # the device says so: no need to ask a model
            finding = "Nothing on the phone changed for: " + "; ".join(idle) + ". Do it with the function that does it."
        elif unfinished:  # so do the tools: a filled cart is not an order (a small critic cites it as one)
            finding = "Started, not finished: " + "; ".join(line for line, _ in unfinished) + "."
        else:
            lines = [f"- {m.name}({_short(m.artifact)}) -> {'ok' if m.status == 'success' else 'FAILED'}: "
                     f"{str(m.content)[:160]}" for m in turn if isinstance(m, ToolMessage)]
            changes = describe_changes(state["before"], observe())[:12] if observe and describe_changes and \
                state.get("before") is not None else []
            user = (f"Request: {state['request']}\nActions taken:\n" + ("\n".join(lines) or "(none)")
                    + "\nChanges on the phone:\n" + ("\n".join(f"- {c}" for c in changes) or "(none)"))
            args, usage = ask(critic_model, _verdict_tool(_evidence(turn, changes, registry)), CRITIC_PROMPT, user)
            checks = [c for c in args.get("checks") or [] if isinstance(c, dict)]
            kinds = _collections(state.get("before"))
            wrong = [c for c in checks if off_app(str(c.get("asked") or ""), c.get("shown_by"))
                     or _wrong_record(str(c.get("asked") or ""), c.get("shown_by"), kinds)
                     or (c.get("shown_by") == _SKIPPED and _unskippable(str(c.get("asked") or ""), state["request"]))]
            # (a small critic cites a timer as the proof of a food order, or a cleared cart: no proof of
            # it; one that reads "buy A (if it's out of stock, B instead)" as skippable skips what one
            # branch must do; and a request with no condition has no action to skip)
            missing = _unmet({"checks": [{**c, "shown_by": _NOTHING} if c in wrong else c for c in checks]})
            finding = ("Not done yet: " + "; ".join(missing) + ".") if missing else ""
            emit({"kind": "critique", "node": "critic", "checks": args.get("checks"), "finding": finding,
                  "set_aside": wrong})
        todo = _to_finish(unfinished, state.get("finishing"))
        if todo and not (failed or idle):
            # the fix is known, so no planner: a step per finishing tool, its first call forced to it (a small
            # planner told "not finished" plans the same steps again, and those are dropped as done). It asks
            # no model and comes once per tool and turn, so it is no retry: max_refines does not bound it
            steps = _finishing_steps(todo, max(s["id"] for s in state["plan"]) + 1, registry)
            return {"plan": state["plan"] + steps, "reflections": [finding], "overhead": usage, "retry": False,
                    "refines": state.get("refines", 0) + 1, "finishing": todo}
        if not finding or state.get("refines", 0) >= workflow.max_refines:
            return {"overhead": usage, "retry": False}
        # failed steps are set aside (their calls stay in the history); the planner starts from what was done
        # and so is a step the critic names as not done: listed as done, the planner would not plan it again
        named = {str(s["id"]) for s in state["plan"] if any(_covers(item, s["text"]) for item in missing)}
        dropped = {k: {**v, "status": "dropped"} for k, v in results.items()
                   if v["status"] != "done" or (v.get("acts") and not v.get("changed")) or k in named}
        return {"reflections": [finding], "refines": state.get("refines", 0) + 1, "overhead": usage,
                "replans": 0, "results": dropped, "retry": True}

    def dispatch(state: PlanState) -> dict:
        """Before the next step, with a critic: finish what a done step started, right after it. A food
        cart that "Order ..." filled is ordered before "set a timer for when it arrives" reads its ETA
        (ma-058 at 532e5a0: the critic's finishing step came after the plan, so the timer guessed 30
        minutes of a 20-minute delivery). It asks no model; the critic still finishes what is left."""
        results = state.get("results") or {}
        pending = _pending(state)
        if not workflow.refine or not pending or any(r["status"] == "failed" for r in results.values()):
            return {}  # (a failed step is the replanner's, which keeps done steps only)
        unfinished = _unfinished(this_turn(state["messages"]), registry, state["request"])
        todo = _to_finish(unfinished, state.get("finishing"))
        if not todo:
            return {}
        finding = "Started, not finished: " + "; ".join(line for line, then in unfinished if then in todo) + "."
        emit({"kind": "critique", "node": "dispatch", "checks": [], "finding": finding, "set_aside": []})
        steps = _finishing_steps(todo, max(s["id"] for s in state["plan"]) + 1, registry)
        at = state["plan"].index(pending[0])
        # the rest wait for them (with parallel steps too)
        later = {s["id"]: {**s, "depends_on": sorted({*s["depends_on"], *(f["id"] for f in steps)})} for s in pending}
        return {"plan": [*state["plan"][:at], *steps, *(later.get(s["id"], s) for s in state["plan"][at:])],
                "reflections": [finding], "finishing": todo}

    def after_critic(state: PlanState) -> str:
        if state.get("retry"):
            return "planner"
        return "dispatch" if ready(state) else "finish"

    def finish(state: PlanState) -> dict:
        results = state.get("results") or {}
        # forecasts that settled a condition: a lookup's answer that misread one ("Yes, it is going to
        # rain" of fog) is not repeated to the user, whose plan went the other way
        forecasts = sorted({r["forecast"] for r in results.values() if r.get("forecast")})
        answers = []
        for s in state.get("plan") or []:
            r = results.get(str(s["id"]))
            if r and r["status"] in ("done", "failed", "declined"):
                # a declined step's own answer may claim it done: the result says who stopped it
                # (a step that gave no answer of its own has its last result: a record, one line per field)
                text = (r.get("answer") if r["status"] != "declined" else "") or _one_line(r["result"])
                if r["status"] == "done" and any(contradicts(text, f) for f in forecasts):
                    text = f"The forecast says {' and '.join(forecasts)}."
                if text and text not in answers:
                    step = f"{s['text'][:1].lower()}{s['text'][1:]}"
                    prefix = {"done": "", "declined": f"Did not {step}: ", "failed": f"Could not {step}: "}
                    answers.append(prefix[r["status"]] + text)
        answer = answer_with_overhead(" ".join(answers) or "Done.", state.get("overhead") or {})
        return {"messages": [answer], "before": None}  # the plan stays for RunResult.plan; begin clears it

    graph = StateGraph(PlanState)
    graph.add_node("begin", begin)
    graph.add_node("planner", planner)
    graph.add_node("execute", execute)
    graph.add_node("replan", replan)
    graph.add_node("finish", finish)
    graph.add_edge(START, "begin")
    graph.add_edge("begin", "planner")
    targets = ["execute", "replan", "finish"]
    if workflow.refine:
        graph.add_node("critic", critic)
        graph.add_conditional_edges("critic", after_critic, ["planner", "dispatch", "finish"])
        targets.append("critic")
    # one routing point: parallel steps that finish together must not each dispatch the rest
    graph.add_node("dispatch", dispatch)
    for node in ("planner", "execute", "replan"):
        graph.add_edge(node, "dispatch")
    graph.add_conditional_edges("dispatch", route, targets)
    graph.add_edge("finish", END)
    return graph


def _branch_rules(text: str, decision: dict, prior: bool | None) -> dict:
    """``decision`` for step ``text`` once the rules that need no model are applied.

    - "If not, B" (or "Otherwise, B") after a settled condition is that condition's other branch: it
      holds when that one did not (``prior``), whatever the model judged.
    - "If C, do A" with one branch: the condition alone decides; a small model names A as the
      action even when C is false. With two branches, the action it names says which one.
    """
    holds, action = decision["holds"], decision["action"]
    branches = [m.group(1).lower() for m in _BRANCH.finditer(text)]
    if _ELSE.match(text) and prior is not None:
        holds = not prior
    elif not (branches == ["if"] and re.match(r"\W*if\b", text, re.IGNORECASE)):
        return decision
    return {**decision, "holds": holds, "action": (action or text) if holds else ""}


def _unmet(verdict: dict) -> list[str]:
    """The things the critic's per-item checks find not done (none when the verdict is unusable:
    a critic that cannot be read does not send a finished turn round again). A thing listed more
    than once is not done only if no listing of it cites a proof: a small critic repeats the whole
    request as one item, once per change, and ends with "nothing shows it"."""
    picks: dict[str, list] = {}
    for c in verdict.get("checks") or []:
        if isinstance(c, dict) and isinstance(c.get("asked"), str) and c["asked"].strip():
            picks.setdefault(c["asked"].strip().rstrip("."), []).append(c.get("shown_by"))
    return [asked for asked, shown in picks.items() if all(p == _NOTHING for p in shown)]


def _unfinished(messages: list[AnyMessage], registry: ToolRegistry, request: str) -> list[tuple[str, str]]:
    """Work the turn started and left, as ``(what was done, the tool that finishes it)``: a successful call
    of a tool with ``finished_by`` and no call of that tool after it (a denied or failed one counts: it is
    the user's or another finding's to judge), unless the request names what the tool fills (its name's
    last word: "add it to my cart"). A ``finished_by`` that names no registered tool is ignored."""
    out = []
    for i, m in enumerate(messages):
        if not (isinstance(m, ToolMessage) and m.status == "success" and m.name in registry):
            continue
        then = registry.get(m.name).finished_by
        if then in registry and m.name.rsplit("_", 1)[-1].lower() not in _words(request) \
                and not any(isinstance(n, ToolMessage) and n.name == then for n in messages[i + 1:]):
            out.append((f"{m.name}({_short(m.artifact)}) was not followed by {then}", then))
    return list(dict.fromkeys(out))


def _pending(state: PlanState) -> list[dict]:
    """The plan's steps with no result yet, in plan order."""
    results = state.get("results") or {}
    return [s for s in state.get("plan") or [] if str(s["id"]) not in results]


def _to_finish(unfinished: list[tuple[str, str]], finishing: list[str] | None) -> list[str]:
    """The finishing tools of ``unfinished`` work (see :func:`_unfinished`) that have had no step yet."""
    return [then for then in dict.fromkeys(then for _, then in unfinished) if then not in (finishing or [])]


def _finishing_steps(tools: list[str], first: int, registry: ToolRegistry) -> list[dict]:
    """A step per finishing tool, numbered from ``first``: the tool's description up to its first comma
    as the text, its first call forced to the tool, which is the only one it offers (``only``)."""
    return [{"id": first + i, "text": re.split(r"[,;]", registry.get(then).description)[0].strip(),
             "depends_on": [], "tool": then, "only": True} for i, then in enumerate(tools)]


def _covers(item: str, step: str) -> bool:
    """Whether a thing the critic found not done asks for what step ``step`` did: nearly all the step's
    words and every name and number in it are in the item. "Order a pizza from Pizza Palace to my
    office" covers "Order a pizza from Pizza Palace"; "Text Bob ..." does not cover "Text Alice ...".
    Words like "the" and "to" do not count (ma-061 at 4402a00: "Change the order to California roll and
    miso soup from Sushi Express" was not covered by "order a California roll and a miso soup from Sushi
    Express instead", so the retry found it done and planned nothing)."""
    wi, ws = set(content_words(item)), set(content_words(step))
    names = {w.lower() for w in re.findall(r"\w+", step)[1:] if w[0].isupper() or any(ch.isdigit() for ch in w)}
    return bool(ws) and names <= _words(item) and len(wi & ws) / len(ws) >= 0.8


def _evidence(messages: list[AnyMessage], changes: list[str], registry: ToolRegistry) -> list[str]:
    """What the critic may cite as proof: each change on the phone (its kind and where: ``+ messages.m11``)
    and each successful lookup (``found by get_weather``); a failed call or a state-changing call proves
    nothing its change does not."""
    cited = [c.split(":", 1)[0] for c in changes]
    for m in messages:
        if isinstance(m, ToolMessage) and m.status == "success" and m.name in registry \
                and not registry.changes_state(m.name):
            cited.append(f"found by {m.name}")
    return list(dict.fromkeys(cited))


def _proof_app(proof: Any, registry: ToolRegistry) -> str | None:
    """The app of a proof the critic cites: a change's first path part (``+ clock.timers.t1``: clock) or a
    lookup's tool's app (``found by get_weather``: weather); None for anything else."""
    if not isinstance(proof, str):
        return None
    if proof.startswith("found by "):
        name = proof.removeprefix("found by ")
        return registry.get(name).app if name in registry else None
    m = re.match(r"[+\-~*]?\s*([a-z_]+)\.\w", proof)
    return m.group(1) if m else None


def _collections(snapshot: Any, path: str = "") -> list[str]:
    """The dotted paths of the record collections in a device snapshot: lists whose items all are
    records with an ``"id"`` (``delivery.orders``, ``messages``), as the differ names them."""
    if isinstance(snapshot, dict):
        return [c for k, v in snapshot.items() for c in _collections(v, f"{path}.{k}" if path else str(k))]
    if isinstance(snapshot, list) and path and all(isinstance(r, dict) and isinstance(r.get("id"), str)
                                                   for r in snapshot):
        return [path]
    return []


_MAKES = re.compile(r"^(?:\w+\s+)?(?:place|make|create|add)\s+(?:(?:a|an|the|my|new)\s+)?(\w+)|^(\w+)", re.IGNORECASE)


def _wrong_record(asked: str, proof: Any, collections: list[str]) -> bool:
    """Whether ``proof`` is a change that cannot be what ``asked`` makes: the thing asked starts with a
    word that names a kind of record ("order ..." an ``orders`` record, "book ..." a ``bookings`` one,
    "place an order"), its app keeps such records, and the change is elsewhere in that app (a cleared
    ``delivery.cart`` is no order). A lookup, or a change in another app, is left to the other rules."""
    m = re.match(r"([+\-~*])\s*([\w.]+)", proof) if isinstance(proof, str) else None
    said = _MAKES.match(asked.strip())
    if m is None or said is None:
        return False
    word = (said.group(1) or said.group(2)).lower()
    kinds = [c for c in collections if c.rsplit(".", 1)[-1].lower() in {word + "s", word + "es", word + "ings"}]
    path = m.group(2)
    mine = [c for c in kinds if c.split(".", 1)[0] == path.split(".", 1)[0]]
    return bool(mine) and not any(path == c or path.startswith(c + ".") for c in mine)


def _one_line(text: str) -> str:
    """A rendered result as one line for the user's answer (``name: Delivery Driver; phone: ...``)."""
    lines = [line.strip().removeprefix("- ") for line in text.splitlines() if line.strip()]
    return "; ".join(lines) + ("." if lines and not lines[-1].endswith((".", "!", "?")) else "")


def _asked(step: str) -> str:
    """A step's text without a question's lead-in ("Check if it rains" asks "it rains"), where a
    condition is looked for."""
    return _QUESTION.sub("", step, count=1)


def _is_lookup(step: str) -> bool:
    """Whether a step is phrased as a lookup with no condition ("Find a pizza place near the office")."""
    return bool(_LOOKUP.match(step)) and not _CONDITION.search(_asked(step))


def _either_or(asked: str) -> bool:
    """Whether a thing asked has a condition and an alternative ("buy A, or B instead if A is out of
    stock"; "if it's dry, A; otherwise B"): one of its branches is always due, so it is never skipped."""
    return bool(_IF.search(asked) and _ALTERNATIVE.search(asked))


def _unskippable(asked: str, request: str) -> bool:
    """Whether "nothing needed: its condition did not hold" cannot be the proof of ``asked``: it has two
    branches, or it is an action (not a lookup) of a request with no condition at all ("write down my
    parking spot, then delete the photo"). A lookup keeps that pick: a small critic gives it to plain
    lookups, and sending those round again only costs calls."""
    return _either_or(asked) or not (_IF.search(_asked(request)) or _LOOKUP.match(asked))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _same_step(a: str, b: str) -> bool:
    """Whether two step texts ask for the same thing (most of their words shared)."""
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.8


def _short(artifact: Any) -> str:
    args = artifact.get("args") if isinstance(artifact, dict) else None
    return ", ".join(f"{k}={v!r}" for k, v in (args or {}).items())[:160]
