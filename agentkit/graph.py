"""The ReAct state machine: retrieve tools -> model -> tools -> model ... -> answer.

Nodes know nothing about phones or evals: tools come from a registry, runtime
objects (the phone) arrive in ``context`` and are injected into the tools that
declare them. With a confirmation policy, a flagged call goes model -> rehearse (its
checks, and a run without effect where the device and tool allow) -> confirm (the
user's answer) -> tools.
"""

from __future__ import annotations

import datetime
import functools
import operator
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, ContextManager, Iterable, Mapping, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import interrupt

from agentkit._grounding import (
    copied_descriptions,
    dated_elsewhere,
    dated_today,
    day_examples,
    echoed_messages,
    invented_addresses,
    invented_numbers,
    place_phrases,
    placeholders,
    prune_ungrounded,
    refused_times,
    unresolved_references,
)
from agentkit._hints import choice_hint
from agentkit.confirm import ConfirmPolicy, describe_call, parse_decision
from agentkit.errors import ModelRetry, ToolArgumentError
from agentkit.tools._lexical import names_in
from agentkit.tools.registry import Tool, ToolRegistry, to_jsonable

__all__ = ["AgentState", "AgentConfig", "build_graph", "expects_change"]

FEEDBACK_NAME = "agentkit"
"""``name`` of the messages the runtime itself sends to the model."""
REPEATED_FAILURE = "agentkit_repeated_failure"
"""``response_metadata`` key set on an answer given because the model repeated a call that had already
failed (in this loop or an earlier step of the request): the answer reports a failure, not work done."""

_UNRUN = object()
"""What a call's checks before a confirmation prompt return in place of a result when the tool cannot be
rehearsed (it was checked, not run)."""


class AgentState(TypedDict, total=False):
    """The graph's state, checkpointed after every node."""

    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation: user, model, tool and runtime-feedback messages."""
    offered_tools: list[str]
    """Names of the tools retrieved for the current user turn, best first."""
    offered_scores: list[float]
    """Retrieval similarity of each offered tool (empty when every tool is offered)."""
    turn_start: int
    """Index in ``messages`` where the current user turn starts."""
    llm_calls: Annotated[int, operator.add]
    """Model calls in this thread."""
    turn_llm_calls: int
    """Model calls in the current user turn (for the step limit)."""
    error: str | None
    """Why the agent stopped without an answer, if it did."""
    decisions: dict[str, dict]
    """The user's answers to confirmation prompts for the latest tool calls, by call id."""
    brief: str
    """Extra context for this run's system prompt (a plan step's place in the plan, a handoff's summary)."""
    avoid: str
    """Calls that failed outside this loop (earlier plan steps), shown after the brief so the model does
    not repeat them unchanged. Never a source of values: their arguments are the model's own guesses."""
    request: str | None
    """The user's own request when this loop does one part of it (a plan step, a handoff)."""
    planned: str | None
    """A function offered first this run (a plan step's choice)."""
    call_planned: bool
    """The run's first model call must call ``planned`` (the model fills in the arguments)."""
    only_planned: bool
    """Offer ``planned`` alone, to every call of the run: what to do is known (a critic's finishing step),
    and a small model refused once wanders off to another tool (ma-057: the cart, for "my office")."""
    evidence: str | None
    """Results of the calls made for the same request outside this loop (earlier plan steps). When
    given, a long number in a state change must appear in these, the request or this loop's results
    and messages, not merely in the brief, whose account of earlier steps is the model's own prose."""
    act: bool
    """The run is meant to change something (a plan step that is an action): if the model answers
    before any change succeeded while one of its two best-matching tools changes state
    (:func:`expects_change`), the answer goes back to it once with a reminder, and its next reply
    must be a call."""
    earlier: list[ToolMessage]
    """Calls made for the same request outside this loop (earlier plan steps, other agents): their
    state changes (repeating one is blocked as a repeat within the loop is) and the calls the user
    declined (that tool is not asked about again)."""


@dataclass
class AgentConfig:
    """Settings of one agent graph."""

    top_k: int = 5
    """Tools shown to the model per user turn."""
    max_steps: int = 8
    """Most model calls per user turn."""
    system_prompt: str | Callable[[], str] = ""
    """Instructions; a callable is evaluated at each model call (e.g. to show the device clock)."""
    retrieve: Callable[[str, int], list[tuple[str, float]]] | None = None
    """Query -> (tool name, similarity) pairs, best first. None offers every tool."""
    require_tool_above: float | None = None
    """If the best tool's similarity reaches this, the turn's first reply must be a tool call."""
    context: Mapping[str, Any] = field(default_factory=dict)
    """Runtime objects injected into tools by parameter name (e.g. ``{"phone": phone}``)."""
    sole_tool_margin: float | None = 0.1
    """On a forced first call, if the best tool leads the next by this much similarity, call it
    (the model fills in the arguments). None lets the model pick among all offered tools."""
    one_change_per_record: bool = True
    """A state-changing call whose target (first required text argument) names something an
    earlier successful change of the same app in this loop named is not run: small models go on
    to complete the reminder they just created or move an event again and again. Changes made by
    earlier plan steps (``earlier``) do not count here; exact repeats of them are still refused."""
    prune_ungrounded: bool = True
    """Drop optional text arguments the request and results never mention (small models invent them)."""
    retry_after_error: bool = True
    """After the turn's first failed call, the next reply must be a tool call (small models give up early)."""
    answer_hint: bool = True
    """After read-only results, restate the request before the model goes on (prompt only)."""
    scopes: frozenset[str] | None = None
    """Permissions the agent holds; a tool needing one outside them is refused. None grants all."""
    confirm: ConfirmPolicy | None = None
    """Which calls wait for the user's approval (an ``interrupt`` before they run); None: none do."""
    final_tools: frozenset[str] = frozenset()
    """Tools whose successful call ends the loop at once (handoffs to another agent)."""
    vocabulary: Callable[[], Mapping[str, Iterable[str]]] | None = None
    """Names of things in the device's apps, by app (``Phone.vocabulary``): a failed call whose
    arguments name something of another app ("Burger Barn" to the restaurant search) is told which
    app holds it. None skips that hint."""
    clock: Callable[[], datetime.datetime] | None = None
    """The device's clock: a state change dated today when the request names another day goes back
    to the model. None skips that check."""
    rehearse: Callable[[], ContextManager[Any]] | None = None
    """The device's ``rehearsal()``: a call to confirm goes through every check first and, when its tool is
    :attr:`~agentkit.tools.registry.Tool.rehearsable`, runs inside it without effect. A call that fails
    goes back to the model unasked; the prompt shows the rehearsed result (``preview``). None: only the
    checks run before the prompt."""


_NOT_DONE = (
    "Nothing has been changed on the phone yet, so \"{request}\" is not done: no function that does it was "
    "called. Call that function now with the details from the request and the results above."
)
"""The reminder to an action run that answered before acting (``AgentState.act``)."""


_MADE_UP = (
    "Your answer gives a number that appears in no result so far, so it is made up. Find the real one with "
    "a function, searching by what the request says about it (another app may hold it), or say it was not found."
)
"""The hint to a run that answered with a long number nobody showed it (a phone or order number)."""


def _is_number_hint(m: Any) -> bool:
    """Whether ``m`` is the runtime's ``_MADE_UP`` hint."""
    return isinstance(m, HumanMessage) and m.name == FEEDBACK_NAME and str(m.content) == _MADE_UP


def _is_reminder(m: Any) -> bool:
    """Whether ``m`` is the runtime's ``_NOT_DONE`` reminder."""
    return isinstance(m, HumanMessage) and m.name == FEEDBACK_NAME and str(m.content).startswith(_NOT_DONE[:30])


def expects_change(offered: list[str], registry: ToolRegistry) -> bool:
    """Whether a request whose retrieved tools are ``offered`` (best first) is one that changes
    something: one of its two best tools does (an order's best match is often the store search)."""
    return any(registry.changes_state(n) for n in offered[:2])


def _last_user_text(messages: list[AnyMessage]) -> tuple[int, str]:
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if isinstance(m, HumanMessage) and m.name != FEEDBACK_NAME:
            return i, m.text if hasattr(m, "text") and not callable(m.text) else str(m.content)
    return 0, ""


def _less_args(message: ToolMessage) -> str:
    """A failed call's error without the values of the call's text arguments, which errors quote."""
    text = str(message.content)
    args = message.artifact.get("args") if isinstance(message.artifact, dict) else None
    for value in sorted((v for v in (args or {}).values() if isinstance(v, str) and v.strip()), key=len, reverse=True):
        text = re.sub(re.escape(value), " ", text, flags=re.IGNORECASE)
    return text


def _said(state: dict) -> str:
    """The user's words this turn and the request they belong to (a plan step's loop is given both)."""
    return f"{_last_user_text(state['messages'])[1]}\n{state.get('request') or ''}"


_FIRST_KEYS = ("title", "name", "label", "subject")


def _ordered(record: dict) -> list[tuple[str, Any]]:
    """A record's items with what names it first and its id last (stores often sort keys)."""
    first = [k for k in _FIRST_KEYS if k in record]
    rest = [k for k in record if k not in first and k != "id"]
    return [(k, record[k]) for k in first + rest + (["id"] if "id" in record else [])]


def render_result(value: Any) -> str:
    """A tool result as plain ``key: value`` text: small models read (and quote) it better than JSON."""
    if isinstance(value, dict):
        if not value:
            return "(empty)"
        return "\n".join(f"{k}: {_inline(v)}" for k, v in _ordered(value))
    if isinstance(value, list):
        return "\n".join(f"- {_inline(v)}" for v in value) if value else "(none)"
    return str(value)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_inline(v)}" for k, v in _ordered(value)) or "(empty)"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "".join(f"\n  - {_inline(v)}" for v in value)
        return ", ".join(_inline(v) for v in value) or "(none)"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _clean_answer(text: str) -> str:
    """A final answer without echoed template markup: the prompt's ``<tools>`` block (function
    definitions a small model sometimes copies out) goes whole, stray tags go."""
    text = re.sub(r"<tools>.*?</tools>", "", text, flags=re.DOTALL)
    return re.sub(r"</?(?:tool_response|tool_call|tools)>", "", text).strip()


def missing_scopes(tool: Any, granted: frozenset[str] | None) -> list[str]:
    """The scopes ``tool`` needs that ``granted`` lacks (``None`` grants everything; ``"area.*"``
    grants every scope of an area)."""
    if granted is None:
        return []
    return [s for s in tool.scopes if s not in granted and f"{s.split('.')[0]}.*" not in granted]


_PARTS = re.compile(r"\s*(?:,|;|&|\band\b)\s*")


def _similar(a: Any, b: Any) -> bool:
    """Whether two argument values name the same thing: equal, one name containing the other ("Alice"
    and "Alice Johnson"), or lists of as many such, in any order ("Emma, Frank" and "Frank Miller, Emma
    Davis"; not "Emma, Frank, Bob")."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_similar(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.strip().casefold(), b.strip().casefold()
        if x == y:
            return True
        xs, ys = [p for p in _PARTS.split(x) if p], [p for p in _PARTS.split(y) if p]

        def names(p: str, q: str) -> bool:  # one name containing the other
            return p in q or q in p

        if len(xs) == len(ys) == 1:
            return names(x, y)
        # a list ("Emma, Frank") is the same as another naming each of its people and no one else
        return len(xs) == len(ys) and all(any(names(p, q) for q in ys) for p in xs) \
            and all(any(names(p, q) for p in xs) for q in ys)
    return a == b


def _same_effect(name: str, args: dict, earlier: dict) -> bool:
    """Whether a call repeats an earlier one: same tool, every argument equal or one name containing
    the other ("Alice" vs "Alice Johnson"); an argument given on one side only does not count."""
    if earlier.get("name") != name:
        return False
    old = earlier.get("args") or {}
    shared = [k for k in set(args) | set(old) if args.get(k) is not None and old.get(k) is not None]
    return all(_similar(args[k], old[k]) for k in shared)


def _turn_calls(state: AgentState) -> list[ToolMessage]:
    """Tool messages of the current turn that record a call (artifact ``{"name", "args"}``), after
    those made for the same request outside this loop."""
    return [*_calls_in(state.get("earlier") or []), *_own_calls(state)]


def _own_calls(state: AgentState) -> list[ToolMessage]:
    """Tool messages of the current turn made by this loop (not the ``earlier`` ones)."""
    return _calls_in(state["messages"][state.get("turn_start", 0):])


def _calls_in(messages: list) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage) and isinstance(m.artifact, dict) and "name" in m.artifact]


def _find_repeat(name: str, args: dict, made: list[ToolMessage], *, exact: bool) -> ToolMessage | None:
    """The latest earlier call this one repeats (preferring a successful one), or None.

    A failed call is repeated only by the very same arguments (a corrected call is
    not a repeat); with ``exact=False`` a successful one also by :func:`_same_effect`.
    """
    found = None
    for m in made:
        same = m.artifact["name"] == name and m.artifact.get("args") == args
        if not same and not exact and m.status == "success":
            same = _same_effect(name, args, m.artifact)
        if same and (found is None or m.status == "success" or found.status != "success"):
            found = m
    return found


def _target(tool: Any, args: dict) -> str | None:
    """The value of a tool's first required text argument (what the call acts on), if any."""
    props = tool.parameters.get("properties", {})
    for name in tool.parameters.get("required", []):
        if props.get(name, {}).get("type") == "string" and isinstance(args.get(name), str):
            return args[name]
    return None


def _changed_same_record(tool: Any, args: dict, made: list[ToolMessage], registry: ToolRegistry) -> ToolMessage | None:
    """An earlier successful state change of the same app this turn whose arguments name this call's target."""
    target = _target(tool, args)
    if not target:
        return None
    for m in reversed(made):
        name = m.artifact["name"]
        if m.status != "success" or name not in registry:
            continue
        other = registry.get(name)
        if other.changes_state and other.app == tool.app and any(
                isinstance(v, str) and _similar(v, target) for v in (m.artifact.get("args") or {}).values()):
            return m
    return None


def _did(name: str, made: list[ToolMessage], registry: ToolRegistry) -> bool:
    """Whether ``made`` holds a successful state change by tool ``name``."""
    return registry.changes_state(name) and any(m.status == "success" and m.artifact["name"] == name for m in made)


def _declined(name: str, made: list[ToolMessage]) -> bool:
    """Whether the user declined a call of tool ``name`` among ``made``."""
    return any(m.artifact["name"] == name and m.artifact.get("declined") for m in made)


def retryable(m: ToolMessage) -> bool:
    """A failed call worth a forced second try (not a refusal or a blocked repeat)."""
    art = m.artifact if isinstance(m.artifact, dict) else {}
    return not {"denied", "done_before", "declined"} & art.keys()


def _as_ai(reply: Any) -> AIMessage:
    if isinstance(reply, AIMessage):
        return reply
    return AIMessage(content=str(getattr(reply, "content", reply)))


def _merge_usage(reply: AIMessage, discarded: AIMessage) -> AIMessage:
    """``reply`` carrying the token usage of a discarded earlier reply too."""
    a, b = reply.usage_metadata or {}, discarded.usage_metadata or {}
    usage = {k: int(a.get(k, 0)) + int(b.get(k, 0)) for k in ("input_tokens", "output_tokens", "total_tokens")}
    cache = int((a.get("input_token_details") or {}).get("cache_read", 0) or 0) + \
        int((b.get("input_token_details") or {}).get("cache_read", 0) or 0)
    usage["input_token_details"] = {"cache_read": cache}
    meta = dict(reply.response_metadata or {})
    meta["llm_calls"] = 1 + int((discarded.response_metadata or {}).get("llm_calls", 1))
    return reply.model_copy(update={"usage_metadata": usage, "response_metadata": meta})


def build_graph(model: BaseChatModel, registry: ToolRegistry, config: AgentConfig) -> StateGraph:
    """Build the (uncompiled) ReAct graph.

    Args:
        model: Any LangChain chat model that supports ``bind_tools``.
        registry: Tools the agent may run.
        config: Limits, prompt, retrieval and runtime context.

    Returns:
        A ``StateGraph`` to compile with a checkpointer of your choice.
    """

    def _last_results(state: AgentState) -> list[ToolMessage]:
        """The tool results that end the conversation (the latest batch), if it ends with some."""
        batch = []
        for m in reversed(state["messages"]):
            if not isinstance(m, ToolMessage):
                break
            batch.append(m)
        return batch[::-1]

    def instructions() -> str:
        """The configured system prompt (a callable one is read afresh, e.g. for the clock)."""
        return config.system_prompt() if callable(config.system_prompt) else config.system_prompt

    def system_text(state: AgentState) -> str:
        """The system prompt of this call: the configured instructions, then the plan step's brief."""
        return "\n".join(p for p in (instructions(), state.get("brief"), state.get("avoid")) if p).strip()

    def grounds(state: AgentState) -> str:
        """What a number or an address may be taken from (built only when a call or answer holds one):
        what the model was shown this turn, less its own words and the runtime's feedback; a failed
        call's error counts less the call's own arguments, which it echoes (its list of existing
        places is the phone's data: ma-029 at 6ab0b5e); with ``evidence``, that instead of the brief."""
        shown = [_less_args(m) if isinstance(m, ToolMessage) and m.status == "error" else str(m.content)
                 for m in [*(state.get("earlier") or []), *state["messages"]]
                 if not isinstance(m, AIMessage) and not (isinstance(m, HumanMessage) and m.name == FEEDBACK_NAME)]
        if state.get("evidence") is None:
            return "\n".join([system_text(state), *shown])
        return "\n".join([instructions(), state.get("request") or "", state["evidence"] or "", *shown])

    def retrieve_tools(state: AgentState) -> dict:
        start, text = _last_user_text(state["messages"])
        if config.retrieve is None or len(registry) <= config.top_k:
            names, scores = registry.names(), []
        else:
            hits = config.retrieve(text, config.top_k)
            names, scores = [n for n, _ in hits], [float(s) for _, s in hits]
        planned = state.get("planned")
        if planned in registry and _other_apps_thing(planned, text):
            planned = None  # the plan's function is of another app than the thing the step names
        if planned in registry and state.get("only_planned"):
            names, scores = [planned], []
        elif planned in registry and (not names or names[0] != planned):
            rest = [n for n in names if n != planned]
            names, scores = [planned, *(rest[: config.top_k - 1] if scores else rest)], []
        return {"offered_tools": names, "offered_scores": scores, "turn_start": start, "turn_llm_calls": 0,
                "error": None, "planned": planned}

    def _other_apps_thing(name: str, text: str) -> bool:
        """Whether ``text`` names a thing of an app (a delivery store, say) and none of the app of tool
        ``name``, which has things of its own (restaurants): a planner's mix-up of two such apps."""
        if config.vocabulary is None:
            return False
        vocabulary = config.vocabulary()
        app = registry.get(name).app
        named = names_in(text, vocabulary)
        return bool(named) and app in vocabulary and app not in named

    def call_model(state: AgentState) -> dict:
        tools = [registry.get(n) for n in state.get("offered_tools", []) if n in registry]
        prompt = system_text(state)
        messages = ([SystemMessage(prompt)] if prompt else []) + list(state["messages"])
        scores = state.get("offered_scores") or []
        must_call = (config.require_tool_above is not None and state.get("turn_llm_calls", 0) == 0
                     and bool(scores) and scores[0] >= config.require_tool_above)
        made = _turn_calls(state)
        # this loop's own failures (a denial is none; earlier steps' calls are among ``made`` too)
        failures = sum(m.status == "error" and retryable(m) for m in _own_calls(state))
        first_failure = failures == 1
        last = state["messages"][-1] if state["messages"] else None
        if (config.retry_after_error and isinstance(last, ToolMessage) and last.status == "error"
                and retryable(last) and first_failure):
            must_call = True
        if _is_reminder(last) or _is_number_hint(last):
            must_call = True
        _, request = _last_user_text(state["messages"])
        batch = _last_results(state)
        if config.answer_hint and batch and all(m.status == "success" and not registry.changes_state(m.name)
                                                 for m in batch):
            # (after a state change the same hint made the model parrot it or act again: measured, dropped)
            messages.append(HumanMessage(
                f'Using the result above, answer my request "{request}" in one or two sentences '
                "(or call another function if the result is not enough).", name=FEEDBACK_NAME))
        choice = "required" if must_call else None
        if (must_call and config.sole_tool_margin is not None and state.get("turn_llm_calls", 0) == 0
                and len(scores) > 1 and scores[0] - scores[1] >= config.sole_tool_margin and tools
                and not _did(tools[0].name, made, registry)):
            # (an action an earlier step of the request already did is more likely named by this step's
            # topic, as "Text Dave that it's paid" is close to paying, than what it asks for: no forcing)
            choice = tools[0].name
        planned = state.get("planned")
        if planned and state.get("turn_llm_calls", 0) == 0 and any(t.name == planned for t in tools):
            # the plan chose the function: the model fills in its arguments, or, when the step
            # is conditional, may also decide that nothing is to be done
            choice = planned if state.get("call_planned") else None
        bound = model.bind_tools(tools, tool_choice=choice) if tools else model
        seen = request + "\n" + "\n".join(str(m.content) for m in made)

        def ask(prompt: list) -> tuple[AIMessage, list[ToolMessage | None]]:
            """The model's reply (optional arguments pruned) and, per call, the earlier call it repeats."""
            reply = _as_ai(bound.invoke(prompt))
            if config.prune_ungrounded and reply.tool_calls:
                fixed = [{**c, "args": prune_ungrounded(c["args"], registry.get(c["name"]).parameters, seen)}
                         if c["name"] in registry else c for c in reply.tool_calls]
                if fixed != reply.tool_calls:
                    reply = reply.model_copy(update={"tool_calls": fixed})
            return reply, [_find_repeat(c["name"], c["args"], made, exact=not registry.changes_state(c["name"]))
                           for c in reply.tool_calls]

        reply, repeats = ask(messages)
        calls = 1
        if (config.retry_after_error and tools and repeats and all(repeats) and failures <= 1
                and all(r.status == "error" and retryable(r) for r in repeats)):
            # the very call that just failed (here, or in an earlier step of the request), again: point
            # at the error once before giving up on it
            failed = repeats[-1]
            hint = HumanMessage(
                f"That exact call already failed: {failed.content} Call {failed.artifact['name']} again with "
                "arguments taken from that message (such as one of the names it lists), or, if it cannot be "
                "done, tell me why in one sentence.", name=FEEDBACK_NAME)
            second, repeats = ask([*messages, hint])
            reply, calls = _merge_usage(second, reply), calls + 1
        repeated = bool(tools and repeats and all(repeats))
        if repeated:
            # small models repeat a call whose outcome they already have: ask again, prose only
            prose = messages
            if all(r.status == "error" for r in repeats):  # (not "to fix the call, ..." to the user)
                prose = [*messages, HumanMessage("That call failed. Tell me in one sentence what could not be "
                                                 "done and why.", name=FEEDBACK_NAME)]
            retry = _as_ai(model.bind_tools(tools, tool_choice="none").invoke(prose))
            calls += 1
            if retry.tool_calls or retry.invalid_tool_calls or not str(retry.content).strip():
                # still no prose: report the outcome the model already has
                last = repeats[-1]
                blocked = last.artifact.get("done_before") if isinstance(last.artifact, dict) else None
                if last.status == "success" or blocked is not None:
                    text = f"Done. Result: {blocked if blocked is not None else last.content}"
                else:
                    text = f"I could not do that. {last.content}"
                retry = retry.model_copy(update={"content": text, "tool_calls": [], "invalid_tool_calls": []})
            if all(r.status == "error" and retryable(r) for r in repeats):  # a failure's account, not work done
                retry = retry.model_copy(update={"response_metadata": {**(retry.response_metadata or {}),
                                                                       REPEATED_FAILURE: True}})
            reply = _merge_usage(retry, reply)
        if not reply.tool_calls and isinstance(reply.content, str) and "<tool" in reply.content:
            reply = reply.model_copy(update={"content": _clean_answer(reply.content)})
        update: dict = {"messages": [reply], "llm_calls": calls,
                        "turn_llm_calls": state.get("turn_llm_calls", 0) + calls}
        answered = (not reply.tool_calls and not reply.invalid_tool_calls and bool(tools) and not repeated
                    and state.get("turn_llm_calls", 0) + calls < config.max_steps)
        if answered and _claims_undone(state):
            update["messages"] = [reply, HumanMessage(_NOT_DONE.format(request=request), name=FEEDBACK_NAME)]
        elif (answered and invented_numbers({"answer": str(reply.content)}, lambda: grounds(state))
              and not any(_is_number_hint(m) for m in state["messages"][state.get("turn_start", 0):])):
            # a made-up phone number told to the user is as wrong as one saved: once, send it to search
            update["messages"] = [reply, HumanMessage(_MADE_UP, name=FEEDBACK_NAME)]
        if reply.invalid_tool_calls and not reply.tool_calls:
            problems = "; ".join(str(c.get("error")) for c in reply.invalid_tool_calls)
            raw = reply.response_metadata.get("raw") if reply.response_metadata else None
            update["messages"] = [
                AIMessage(content=raw or reply.content, id=reply.id, usage_metadata=reply.usage_metadata,
                          response_metadata=reply.response_metadata),
                HumanMessage(
                    f"Your tool call could not be used: {problems}. Reply with one valid tool call "
                    '{"name": ..., "arguments": {...}} or answer in plain text.',
                    name=FEEDBACK_NAME,
                ),
            ]
        return update

    def _claims_undone(state: AgentState) -> bool:
        """Whether an answer now would end an action run that changed nothing (see ``AgentState.act``)."""
        if not state.get("act") or not expects_change(state.get("offered_tools") or [], registry):
            return False
        own = state["messages"][state.get("turn_start", 0):]
        if any(_is_reminder(m) for m in own):
            return False  # reminded once already: the answer stands
        calls = _calls_in(own)
        if any(m.status == "success" and registry.changes_state(m.name) for m in calls):
            return False
        # a refusal, a denial, a blocked repeat or a failure the model is explaining is an answer, not a
        # claim; a failure it has moved on from (a lookup succeeded after it) is not what it explains
        if any(isinstance(m.artifact, dict) and {"declined", "denied", "done_before"} & m.artifact.keys()
               for m in calls):
            return False
        return not (calls and calls[-1].status == "error")

    def attempt(call: dict, state: AgentState, out: list[ToolMessage], made: list[ToolMessage], n_earlier: int,
                invoke: Callable[[Tool, dict], Any]) -> ToolMessage:
        """One call's checks and run: the refusal of a repeat, a missing permission or a bad argument, or
        what ``invoke`` returns (``_UNRUN``: checked, not run). ``out`` holds this reply's earlier results."""
        key = {"name": call["name"], "args": call["args"]}
        earlier = _find_repeat(call["name"], call["args"], made, exact=False) \
            if registry.changes_state(call["name"]) else None
        if earlier is None and config.one_change_per_record and registry.changes_state(call["name"]):
            # this loop's own changes only: an earlier plan step that renamed a file does not
            # stop this step from moving it (exact repeats of earlier steps are still caught above)
            own = made[n_earlier:]
            earlier = _changed_same_record(registry.get(call["name"]), call["args"], own, registry)
        if earlier is not None and earlier.status == "success":
            # doing a successful action twice would corrupt state (a second message, a second alarm)
            return ToolMessage(
                f"Already done, not repeated. Result was: {earlier.content}. Now reply to the user.",
                tool_call_id=call["id"], name=call["name"], status="error",
                artifact={**key, "done_before": str(earlier.content)},
            )
        ran = False  # whether the tool itself refused the call, rather than a check before it
        try:
            tool = registry.get(call["name"])
            missing = missing_scopes(tool, config.scopes)
            if missing:
                return ToolMessage(
                    f"Permission denied: {tool.name} needs {', '.join(missing)}, which this assistant "
                    "has not been granted. Tell the user; do not retry.",
                    tool_call_id=call["id"], name=call["name"], status="error",
                    artifact={**key, "denied": missing})
            copied = copied_descriptions(tool, call["args"])
            if copied:
                raise ToolArgumentError(
                    f"argument(s) {', '.join(map(repr, copied))} of {tool.name!r} repeat the parameter's "
                    "description instead of giving a value; use the value from the request")
            gaps = placeholders(call["args"]) if tool.changes_state else {}
            if gaps:  # "[insert confirmation number here]" saved in a note or sent to a person
                given = ", ".join(f"{k}={call['args'][k]!r}" for k in gaps)
                raise ToolArgumentError(
                    f"{given} holds a placeholder "
                    f"({', '.join(map(repr, gaps.values()))}), not the value: find the real value with a "
                    "search tool first, or ask the user")
            if tool.changes_state and (refs := unresolved_references(call["args"], _said(state))):
                given = ", ".join(f"{k}={call['args'][k]!r}" for k in refs)
                raise ToolArgumentError(
                    f"{given} says {' and '.join(map(repr, refs.values()))} as the request does, but whoever "
                    "reads it cannot know which one that is: write the value itself (a day, a time, a place) "
                    "as the results above give it")
            echoed = echoed_messages(call["args"], lambda: _found_text(state, out), _said(state)) \
                if tool.changes_state else []
            if echoed:  # sending someone back their own message, word for word
                given = ", ".join(f"{k}={call['args'][k]!r}" for k in echoed)
                raise ToolArgumentError(
                    f"{given} is, word for word, a message they sent (a result above), not what the request "
                    "asks you to write: write the text the request asks for in your own words")
            moved = refused_times(call["args"], _failed_text(state, out), _found_text(state, out)) \
                if tool.changes_state else {}
            if moved:  # the first choice was refused and another was booked: later steps use that one
                given = ", ".join(f"{k}={call['args'][k]!r}" for k in moved)
                raise ToolArgumentError(
                    f"{given} has {' and '.join(t for t, _ in moved.values())}, which an earlier call was "
                    f"refused at; what was made since is at {' and '.join(s for _, s in moved.values())}: "
                    "use the time that was settled on")
            context = functools.cache(lambda: grounds(state))  # built once, if either check needs it
            invented = invented_numbers(call["args"], context) if tool.changes_state else []
            made_up = invented_addresses(call["args"], context) if tool.changes_state else []
            if invented or made_up:
                # the tool's own refusal comes first: "the food cart is empty" says what to do before an
                # address does (ma-029 at 6ab0b5e: a gift sent to place_food_order met the address check,
                # not the empty cart that sends it to the shop)
                ran = True
                rehearsed(tool, call["args"])
                ran = False
            if invented:  # a made-up phone number would text or save a stranger
                raise ToolArgumentError(
                    f"the number in {', '.join(repr(call['args'][k]) for k in invented)} appears nowhere in "
                    "the request or in any result so far, so it is made up. Find the real one with a search tool, "
                    "searching by what the request says about it (not by this number), or ask the user")
            if made_up:  # an order delivered to a street nobody named
                named = place_phrases(_said(state))
                optional = [k for k in made_up if k not in tool.parameters.get("required", [])]
                # (a small model writes an office address into an order the request gives no place for:
                # ma-058 at 6ab0b5e; the optional address's default is what the user meant)
                # the fix itself when the request names the place: a small model given "it says 'my
                # office'; home, work, ..." put "my office" in the cart as a dish (ma-057 at 4402a00)
                fixes = " or ".join(f"{k}={p!r}" for k in made_up for p in named)
                how = (f"Call {tool.name} again with {fixes}, the place as the request says it" if named else
                       "Give the place as the request says it (home, work, a place's name), or find the address "
                       "with a search tool" + (f"; if the request names no place, leave "
                                               f"{' and '.join(map(repr, optional))} out" if optional else ""))
                raise ToolArgumentError(
                    f"the street address in {', '.join(repr(call['args'][k]) for k in made_up)} appears nowhere "
                    f"in the request or in any result so far, so it is made up. {how}")
            if tool.changes_state and config.clock is not None:
                # the user's words say whether today is meant; the brief's results may say "today" too
                said = _said(state)
                today = config.clock().date()
                keys, days = dated_today(call["args"], said, today, context=state.get("brief") or "")
                if keys:  # small models put today's date on what the user asked for on Sunday
                    given = ", ".join(f"{k}={call['args'][k]!r}" for k in keys)
                    raise ToolArgumentError(
                        f"{given} is today ({today}), but the "
                        f"request says {', '.join(days)}; give the day as the request says it "
                        f"(for example {day_examples(days, today)})")
                found = "\n".join(str(m.content) for m in _calls_in(state["messages"]) if m.status == "success")
                keys, days = dated_elsewhere(call["args"], said, today, context="\n".join(
                    [state.get("brief") or "", state.get("evidence") or "", found]))
                if keys:  # "tomorrow" for what the user asked for on Sunday
                    given = ", ".join(f"{k}={call['args'][k]!r}" for k in keys)
                    raise ToolArgumentError(
                        f"{given} is a day the request does not name: it says {', '.join(days)}; give the "
                        f"day as the request says it (for example {day_examples(days, today)})")
            ran = True
            result = invoke(tool, call["args"])
            content = "" if result is _UNRUN else render_result(to_jsonable(result))
            return ToolMessage(content, tool_call_id=call["id"], name=call["name"], status="success", artifact=key)
        except ModelRetry as exc:
            hint = choice_hint(exc.choices, tool=call["name"], said=_said(state), found=_found_text(state, out),
                               args=call["args"])
            # (a check's complaint is about the arguments it names: "Luigi's" as an event's location is
            # no sign the call belongs to the restaurants app)
            where, apps = _held_elsewhere(call) if ran else ("", [])
            return ToolMessage(f"Error: {exc}{hint}{where}", tool_call_id=call["id"], name=call["name"],
                               status="error", artifact={**key, "elsewhere": apps} if apps else key)

    def tool_invoke(tool: Tool, args: dict) -> Any:
        return tool.invoke(args, config.context)

    def run_tools(state: AgentState) -> dict:
        messages = state["messages"]
        last = messages[-1]
        assert isinstance(last, AIMessage)
        made = _turn_calls(state)
        out: list[ToolMessage] = []
        decisions = state.get("decisions") or {}
        n_earlier = len(_calls_in(state.get("earlier") or []))
        asked = _turn_calls(state)  # before this reply: its other calls were asked about one by one

        for call in last.tool_calls:
            made = made + out[-1:]  # calls earlier in this same reply count too
            decision = decisions.get(call["id"], {"action": "approve"})
            if decision["action"] == "edit":
                call = {**call, "args": {**call["args"], **decision["args"]}}
            key = {"name": call["name"], "args": call["args"]}
            if decision["action"] == "refused":  # failed its rehearsal: the user was not asked
                out.append(ToolMessage(decision["error"], tool_call_id=call["id"], name=call["name"],
                                       status="error", artifact=decision.get("artifact") or key))
                continue
            if decision["action"] == "deny":
                out.append(ToolMessage(
                    "The user declined this call, so it was not run. Tell the user it was not done.",
                    tool_call_id=call["id"], name=call["name"], status="error", artifact={**key, "declined": True}))
                continue
            if config.confirm is not None and _declined(call["name"], asked):
                # "no" answers the action for this request, not just these arguments: asking again with
                # others (a guessed id after the denial, a replanned step) would wear the user down; an
                # edit is how the user corrects a call, and calls of one reply are each asked about
                out.append(ToolMessage(
                    f"The user already declined {call['name']}, so it was not asked again or run. "
                    "Tell the user it was not done.",
                    tool_call_id=call["id"], name=call["name"], status="error", artifact={**key, "declined": True}))
                continue
            out.append(attempt(call, state, out, made, n_earlier, invoke=tool_invoke))
        update = {"messages": out, "decisions": {}}
        if extra := list(dict.fromkeys([*_tools_named(state, out), *_tools_elsewhere(state, out)])):
            update["offered_tools"] = [*(state.get("offered_tools") or []), *extra]
        return update

    def _tools_named(state: AgentState, out: list[ToolMessage]) -> list[str]:
        """The registered functions a failed call's error names ("add dishes with add_to_food_cart first")
        that the step is not offered: told to call one, the model must be able to."""
        offered = state.get("offered_tools") or []
        named = (n for m in out if m.status == "error" for n in re.findall(r"\b[a-z]\w*_\w+\b", str(m.content)))
        return [n for n in dict.fromkeys(named) if n in registry and n not in offered]

    def _tools_elsewhere(state: AgentState, out: list[ToolMessage]) -> list[str]:
        """Up to two tools of each app that failed calls were told holds what they named, best first for
        the step, when none of that app's tools is offered (otherwise the model cannot follow the hint)."""
        offered = state.get("offered_tools") or []
        apps = {app for m in out for app in (m.artifact.get("elsewhere") or ())} - {
            registry.get(n).app for n in offered if n in registry}
        if not apps or config.retrieve is None:
            return []
        _, text = _last_user_text(state["messages"])
        hits = [n for n, _ in config.retrieve(text, 4 * config.top_k) if n in registry and n not in offered]
        return [n for app in sorted(apps) for n in [h for h in hits if registry.get(h).app == app][:2]]

    def _found_text(state: AgentState, out: list[ToolMessage]) -> str:
        """What the results so far showed: this request's successful calls, and earlier steps' results."""
        shown = [m for m in [*_turn_calls(state), *out] if m.status == "success"]
        return "\n".join([state.get("brief") or "", state.get("evidence") or "", *(str(m.content) for m in shown)])

    def _failed_text(state: AgentState, out: list[ToolMessage]) -> str:
        """What failed so far: this request's failed calls, and earlier steps' (the brief's "avoid")."""
        failed = [m for m in [*_turn_calls(state), *out] if m.status == "error"]
        return "\n".join([state.get("avoid") or "", *(str(m.content) for m in failed)])

    def _held_elsewhere(call: dict) -> tuple[str, list[str]]:
        """The hint for a failed call whose arguments name something only another app holds
        ("'Burger Barn' is in the delivery app, ..."), with those apps; or ``("", [])``."""
        if config.vocabulary is None or call["name"] not in registry:
            return "", []
        app = registry.get(call["name"]).app
        said = " ".join(str(v) for v in call["args"].values() if isinstance(v, (str, int, float)))
        found = names_in(said, config.vocabulary())
        if not found or app in found:
            return "", []
        where = "; ".join(f"{name!r} is in the {other} app" for other, name in found.items())
        return f" ({where}, not {app}: use a function of that app.)", sorted(found)

    def _needs_confirmation(call: dict, state: AgentState) -> bool:
        """Whether the policy asks about this call (unknown tools, refused ones and tools the user
        declined earlier for this request are never run anyway)."""
        if config.confirm is None or call["name"] not in registry or _declined(call["name"], _turn_calls(state)):
            return False
        tool = registry.get(call["name"])
        return not missing_scopes(tool, config.scopes) and bool(config.confirm(tool, call["args"]))

    def rehearse_calls(state: AgentState) -> dict:
        """Put each call the policy flags through the checks it would meet when run and, when its tool is
        rehearsable and the device can rehearse, run it without effect. One that fails is not asked about
        (its error goes to the model as if it had run); the others' questions show the rehearsed result.
        (A node of its own: what it found is checkpointed, so the answers of a resumed run go to the
        questions they were given for, even if the phone changed meanwhile.)"""
        decisions = {}
        made = _turn_calls(state)
        n_earlier = len(_calls_in(state.get("earlier") or []))
        for call in state["messages"][-1].tool_calls:
            if not _needs_confirmation(call, state):
                continue
            trial = attempt(call, state, [], made, n_earlier, invoke=rehearsed)
            if trial.status == "error":
                decisions[call["id"]] = {"action": "refused", "args": {}, "error": str(trial.content),
                                         "artifact": trial.artifact}
            else:
                decisions[call["id"]] = {"action": "ask", "args": {}, "preview": str(trial.content)}
        return {"decisions": decisions}

    def confirm_calls(state: AgentState) -> dict:
        """Ask the user about each call the policy flags that passed its rehearsal; the run pauses at each."""
        assert config.confirm is not None
        decisions = dict(state.get("decisions") or {})
        for call in state["messages"][-1].tool_calls:
            trial = decisions.get(call["id"])
            if trial is None or trial["action"] != "ask":
                continue
            tool = registry.get(call["name"])
            question = {"tool": tool.name, "args": call["args"], "call_id": call["id"],
                        "description": describe_call(tool, call["args"])}
            if trial.get("preview"):
                question["preview"] = trial["preview"]
            decisions[call["id"]] = parse_decision(interrupt(question))
        return {"decisions": decisions}

    def rehearsed(tool: Tool, args: dict) -> Any:
        """The result ``tool`` would give, from a run without effect; ``_UNRUN`` when it cannot have one."""
        if config.rehearse is None or not tool.rehearsable:
            return _UNRUN
        with config.rehearse():
            return tool.invoke(args, config.context)

    def after_model(state: AgentState) -> str:
        last = state["messages"][-1]
        over = state.get("turn_llm_calls", 0) >= config.max_steps
        if isinstance(last, AIMessage) and last.tool_calls:
            if over:
                return "limit"
            return "confirm" if any(_needs_confirmation(c, state) for c in last.tool_calls) else "tools"
        if isinstance(last, HumanMessage) and last.name == FEEDBACK_NAME:
            return "limit" if over else "model"
        return END

    def step_limit(state: AgentState) -> dict:
        return {"error": f"step limit reached: {config.max_steps} model calls without a final answer"}

    graph = StateGraph(AgentState)
    graph.add_node("retrieve_tools", retrieve_tools)
    graph.add_node("model", call_model)
    graph.add_node("tools", run_tools)
    graph.add_node("step_limit", step_limit)
    graph.add_edge(START, "retrieve_tools")
    graph.add_edge("retrieve_tools", "model")
    routes = {"tools": "tools", "model": "model", "limit": "step_limit", END: END}
    if config.confirm is not None:
        graph.add_node("rehearse", rehearse_calls)
        graph.add_node("confirm", confirm_calls)
        graph.add_edge("rehearse", "confirm")
        graph.add_edge("confirm", "tools")
        routes["confirm"] = "rehearse"
    graph.add_conditional_edges("model", after_model, routes)
    if config.final_tools:
        def after_tools(state: AgentState) -> str:
            done = any(m.status == "success" and m.name in config.final_tools for m in _last_results(state))
            return END if done else "model"

        graph.add_conditional_edges("tools", after_tools, ["model", END])
    else:
        graph.add_edge("tools", "model")
    graph.add_edge("step_limit", END)
    return graph
