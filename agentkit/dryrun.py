"""Dry-run of tool calls: what the agent would call on its first turn, executing nothing.

Tool authors feed OpenAI-style definitions and conversations in, and read back
the calls the agent's first turn makes, with the same retrieval, prompt and
constrained decoding as a real run. The graph is stopped before its ``tools``
node, so no tool ever runs.

Example::

    planner = DryRun(load_model("qwen2.5-1.5b"))
    planner.calls(tool_defs, [{"role": "user", "content": "What's the weather in Paris?"}])
    # [{"name": "get_weather", "arguments": {"city": "Paris"}}]
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from agentkit.errors import AgentkitError, ConfigurationError
from agentkit.graph import AgentConfig, build_graph
from agentkit.tools.registry import ToolRegistry

__all__ = ["DryRun", "DRY_RUN_PROMPT", "to_messages"]

DRY_RUN_PROMPT = (
    "You are an assistant that can call functions. Call the function that does what the user asks, "
    "with arguments taken from the request. If no function fits, answer in plain text."
)
"""System prompt for dry runs (definitions from anywhere, not only phone apps)."""

_ROLES = {"user": HumanMessage, "system": SystemMessage, "assistant": AIMessage}


def to_messages(messages: Iterable[Mapping[str, Any]]) -> list[AnyMessage]:
    """OpenAI-style ``{"role", "content"}`` dicts as LangChain messages.

    Raises:
        ConfigurationError: a message without a known role or with non-text content.
    """
    out: list[AnyMessage] = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping) or m.get("role") not in (*_ROLES, "tool"):
            raise ConfigurationError(f"message {i}: expected a role of user, assistant, system or tool, got {m!r}")
        content = m.get("content") or ""
        if not isinstance(content, str):
            raise ConfigurationError(f"message {i}: content must be text, got {type(content).__name__}")
        if m["role"] == "tool":
            out.append(ToolMessage(content, tool_call_id=str(m.get("tool_call_id") or f"call_{i}")))
        else:
            out.append(_ROLES[m["role"]](content))
    if not any(isinstance(m, HumanMessage) for m in out):
        raise ConfigurationError("the conversation has no user message")
    return out


def _refuse(name: str, arguments: dict) -> Any:
    raise AssertionError(f"dry run executed tool {name!r}")  # the graph stops before tools run


class DryRun:
    """Plans first-turn tool calls for many conversations with one loaded model.

    Args:
        model: The chat model (loaded once, reused for every conversation).
        embedder: Embeds tools for retrieval when a set has more than ``top_k``
            tools; defaults to the bundled MiniLM model, loaded on first need.
        top_k: Tools shown to the model per conversation.
        require_tool_above: As in :func:`agentkit.create_agent`.
        system_prompt: Instructions for the model.
        max_steps: Model calls allowed (invalid calls get feedback and a retry).
        cache_size: Tool sets (and their indexes) kept between conversations.
    """

    def __init__(self, model: BaseChatModel, *, embedder: Any = None, top_k: int = 5,
                 require_tool_above: float | None = 0.4, system_prompt: str = DRY_RUN_PROMPT,
                 max_steps: int = 3, cache_size: int = 8) -> None:
        self.model = model
        self._embedder = embedder
        self.top_k = top_k
        self.require_tool_above = require_tool_above
        self.system_prompt = system_prompt
        self.max_steps = max_steps
        self._graphs: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size

    def _graph(self, definitions: list[dict]) -> Any:
        key = hashlib.sha256(json.dumps(definitions, sort_keys=True, default=str).encode()).hexdigest()
        if key in self._graphs:
            self._graphs.move_to_end(key)
            return self._graphs[key]
        from agentkit.tools.openai_format import import_openai_tools

        registry = ToolRegistry(import_openai_tools(definitions, _refuse))
        retrieve = None
        if len(registry) > self.top_k:
            from agentkit.tools.retrieval import ToolIndex

            if self._embedder is None:
                from agentkit.embeddings import default_embedder

                self._embedder = default_embedder()
            index = ToolIndex(registry, self._embedder)

            def retrieve(query: str, k: int) -> list[tuple[str, float]]:
                return [(hit.tool.name, hit.score) for hit in index.search(query, k)]

        config = AgentConfig(top_k=self.top_k, max_steps=self.max_steps, system_prompt=self.system_prompt,
                             retrieve=retrieve, require_tool_above=self.require_tool_above)
        graph = build_graph(self.model, registry, config).compile(
            checkpointer=InMemorySaver(), interrupt_before=["tools"])
        self._graphs[key] = graph
        while len(self._graphs) > self._cache_size:
            self._graphs.popitem(last=False)
        return graph

    def calls(self, definitions: list[dict], messages: Iterable[Mapping[str, Any]]) -> list[dict]:
        """The calls the agent's first turn would make: ``[{"name", "arguments"}]``, empty if none.

        Raises:
            ConfigurationError: bad messages.
            ToolDefinitionError: bad tool definitions.
        """
        graph = self._graph(list(definitions))
        cfg = {"configurable": {"thread_id": uuid.uuid4().hex}, "recursion_limit": 4 * self.max_steps + 10}
        state = graph.invoke({"messages": to_messages(messages)}, cfg)
        last = state["messages"][-1]
        if isinstance(last, AIMessage) and last.tool_calls:
            return [{"name": c["name"], "arguments": c["args"]} for c in last.tool_calls]
        return []

    def run_jsonl(self, lines: Iterable[str], default_tools: list[dict] | None) -> Iterator[dict]:
        """One output record per input line (see the ``agentkit calls`` command).

        A line that cannot be handled yields ``{"id", "calls": [], "error"}`` and the rest go on.
        """
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record_id: Any = None
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ConfigurationError("each line must be a JSON object")
                record_id = record.get("id", n)
                tools = record.get("tools", default_tools)
                if tools is None:
                    raise ConfigurationError("no tools: give --tools or a 'tools' list on the line")
                yield {"id": record_id, "calls": self.calls(tools, record.get("messages") or [])}
            except (AgentkitError, json.JSONDecodeError) as exc:
                yield {"id": record_id if record_id is not None else n, "calls": [],
                       "error": f"line {n}: {type(exc).__name__}: {exc}"}
