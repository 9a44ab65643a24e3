"""A quantized GGUF model run locally by llama.cpp, as a LangChain chat model.

How it makes a small model call tools reliably:

1. The prompt is rendered with the model's own chat template (Qwen2.5 lists
   the tools in ``<tools>`` and expects ``<tool_call>`` blocks).
2. The first token is sampled freely. If the reply is heading for a tool call
   (``<tool_call>``, a code fence or ``{``), generation restarts from
   ``<tool_call>\\n`` under a llama.cpp grammar built from the JSON schemas of
   the offered tools, so the name is one of them and the arguments fit.
   Otherwise the reply continues as free text: the model can still answer or
   ask a question.
3. Steps of one task only append to the prompt, so llama.cpp's KV cache is
   reused: only the new tokens are evaluated.

Streaming: prose is reported token by token while it decodes (to LangChain
callbacks from ``invoke``, as chunks from ``stream``); a reply heading for a
tool call is not: its call arrives whole, in the final message or chunk.
Decoding always runs in the caller's thread (the token loop is a generator):
llama.cpp's OpenMP threads slow down a lot once a second thread decodes.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import os
import re
import threading
import weakref
from typing import Any, Callable, Generator, Iterator, Sequence

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

from agentkit.errors import ConfigurationError, ModelLoadError
from agentkit.models._decode import DecodeStats, GrammarFilter, decode, decode_steps
from agentkit.models._prompt import PromptRenderer
from agentkit.models._streaming import _ProseStream, _drain, _relay, _token_reporter
from agentkit.models._toolcalls import looks_like_tool_call_start, parse_reply

__all__ = ["LlamaCppChatModel", "ContextWindowError"]


_NAME_RE = re.compile(r'"name"\s*:\s*"([^"]+)"')


class ContextWindowError(ConfigurationError):
    """The conversation no longer fits the model's context window."""


def _tool_schema(t: Any) -> dict:
    """``{"name", "description", "parameters"}`` for an agentkit Tool or anything LangChain converts."""
    if hasattr(t, "schema") and hasattr(t, "parameters") and hasattr(t, "name"):
        return t.schema()
    return convert_to_openai_tool(t)["function"]


_MAX_ARRAY_ITEMS = 12
"""Items an array may hold under a grammar when its schema sets no ``maxItems``: without a bound a
small model can repeat an enum value ("friday", "monday", ...) until the context is full."""


def _bounded(schema: Any) -> Any:
    """``schema`` with ``maxItems`` on every array that lacks one (a copy; nested schemas too)."""
    if isinstance(schema, list):
        return [_bounded(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _bounded(v) for k, v in schema.items()}
    if out.get("type") == "array" and "maxItems" not in out:
        out["maxItems"] = max(_MAX_ARRAY_ITEMS, int(out.get("minItems", 0)))
    return out


class LlamaCppChatModel(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python.

    Example::

        model = LlamaCppChatModel(model_path=resolve_gguf("qwen2.5-0.5b"))
        reply = model.bind_tools([send_message]).invoke("Text Alice I'm late")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    """Path to the GGUF file."""
    model_name: str = ""
    """Name shown in reports; defaults to the file name."""
    n_ctx: int = 4096
    """Context window in tokens."""
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    """CPU threads for llama.cpp."""
    n_batch: int = 512
    """Prompt tokens evaluated per batch."""
    temperature: float = 0.0
    """0 means greedy (deterministic) decoding."""
    max_tokens: int = 384
    """Most tokens generated per reply."""
    kv_reuse: bool = True
    """Reuse the KV cache for the prompt prefix shared with the previous call."""
    constrain_tool_calls: bool = True
    """Constrain tool-call JSON with a grammar built from the tools' schemas."""

    _llm: Any = PrivateAttr(default=None)
    _renderer: PromptRenderer | None = PrivateAttr(default=None)
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _grammar_cache: dict[str, str] = PrivateAttr(default_factory=dict)
    _banned: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "agentkit-llamacpp"

    @property
    def _identifying_params(self) -> dict:
        return {"model_path": self.model_path, "temperature": self.temperature, "n_ctx": self.n_ctx}

    # -- loading -----------------------------------------------------------
    def load(self) -> Any:
        """Load the weights now (otherwise this happens on the first call)."""
        with self._lock:
            if self._llm is None:
                try:
                    from llama_cpp import Llama
                except ImportError:
                    raise ModelLoadError(
                        "the on-device backend needs llama-cpp-python: pip install 'agentkit[llamacpp]' "
                        "(or run `make demo`, which builds it)"
                    ) from None
                if not os.path.isfile(self.model_path):
                    raise ModelLoadError(f"model file {self.model_path!r} does not exist")
                try:
                    self._llm = Llama(
                        model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                        n_threads_batch=self.n_threads, n_batch=self.n_batch, verbose=False,
                    )
                except Exception as exc:
                    raise ModelLoadError(f"llama.cpp could not load {self.model_path!r}: {exc}") from exc
                # free the weights before interpreter teardown (llama_cpp's own __del__ runs too late
                # and prints "TypeError: 'NoneType' object is not callable")
                atexit.register(_close_quietly, weakref.ref(self._llm))
                meta = self._llm.metadata
                vocab = self._llm._model
                self._renderer = PromptRenderer(
                    meta.get("tokenizer.chat_template"),
                    bos_token=vocab.token_get_text(vocab.token_bos()) if vocab.token_bos() >= 0 else "",
                    eos_token=vocab.token_get_text(vocab.token_eos()) if vocab.token_eos() >= 0 else "",
                )
            return self._llm

    @property
    def name_for_reports(self) -> str:
        """The model's display name."""
        return self.model_name or os.path.basename(self.model_path)

    # -- tools -------------------------------------------------------------
    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        """Offer tools to the model (agentkit Tools, OpenAI dicts, functions, BaseTools).

        Args:
            tools: The tools the model may call.
            tool_choice: ``"auto"`` (default), ``"none"``, ``"required"``/``"any"`` or a tool name.
        """
        schemas = [_tool_schema(t) for t in tools]
        return self.bind(tools=schemas, tool_choice=tool_choice, **kwargs)

    def _grammar(self, schema: dict) -> Any:
        """A fresh grammar filter for JSON following ``schema`` (GBNF text is cached)."""
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        schema = _bounded(schema)
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammar_cache:
            try:
                # not `key`: sorting would reorder properties, and the grammar keeps their order
                gbnf = json_schema_to_gbnf(json.dumps(schema))
                # JSON strings may not hold raw control characters; without this a weak model can
                # run a string on across newlines ("Rome}}\n</tool_call>\n\nYou can...") to max_tokens
                self._grammar_cache[key] = gbnf.replace('char ::= [^"\\\\]', 'char ::= [^"\\\\\\x00-\\x1F\\x7F]')
            except Exception as exc:
                raise ConfigurationError(f"cannot build a grammar from the tool schema {schema!r}: {exc}") from exc
        return GrammarFilter(self._llm, self._grammar_cache[key])

    # -- generation --------------------------------------------------------
    def _call_tokens(self) -> Any:
        """Ids of tokens that could write a tool call: ``<tool_call>``, any ``{``, code fences."""
        if self._banned is None:
            import numpy as np

            llm = self._llm
            ids = []
            for i in range(llm.n_vocab()):
                piece = llm.detokenize([i], special=True).decode("utf-8", errors="ignore")
                if "{" in piece or "```" in piece or "<tool_call>" in piece:
                    ids.append(i)
            self._banned = np.array(ids, dtype=np.int64)
        return self._banned

    def _tokenize(self, text: str, bos: bool = True) -> list[int]:
        tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=bos, special=True)
        if not bos and tokens and tokens[0] == self._llm.token_bos():
            tokens = tokens[1:]
        return tokens

    def _text(self, tokens: list[int]) -> str:
        return self._llm.detokenize(tokens, special=True).decode("utf-8", errors="replace")

    def _decode(self, tokens: list[int], max_tokens: int, **kw: Any) -> tuple[list[int], DecodeStats]:
        self._check_window(tokens, max_tokens)
        return decode(self._llm, tokens, max_tokens, temperature=self.temperature, kv_reuse=self.kv_reuse, **kw)

    def _decode_watched(self, tokens: list[int], max_tokens: int, sink: _ProseStream | None,
                        stop_when: Callable[[list[int]], bool] | None = None,
                        **kw: Any) -> Generator[str, None, tuple[list[int], DecodeStats]]:
        """:meth:`_decode`, feeding ``sink`` each step's text and yielding what it passes on.

        Without a sink it is exactly :meth:`_decode` (and yields nothing).
        """
        if sink is None:
            return self._decode(tokens, max_tokens, stop_when=stop_when, **kw)
        self._check_window(tokens, max_tokens)

        def watch(out: list[int]) -> bool:
            sink.update(self._text(out))
            return stop_when is not None and stop_when(out)

        steps = decode_steps(self._llm, tokens, max_tokens, temperature=self.temperature, kv_reuse=self.kv_reuse,
                             stop_when=watch, **kw)
        return (yield from _relay(steps, sink.pending))

    def _check_window(self, tokens: list[int], max_tokens: int) -> None:
        if len(tokens) + max_tokens > self.n_ctx:
            raise ContextWindowError(
                f"prompt of {len(tokens)} tokens plus {max_tokens} to generate exceeds n_ctx={self.n_ctx}; "
                "start a new thread or raise n_ctx"
            )

    def _should_stream(self, *, async_api: bool, run_manager: Any = None, **kwargs: Any) -> bool:
        # invoke() always takes _generate, which reports prose tokens itself: the reply is then
        # exactly the parsed one (LangChain rebuilds a streamed reply's tool calls from chunks,
        # losing the reason of an undecodable call); only stream() itself uses _stream
        return bool(kwargs.get("stream")) and super()._should_stream(
            async_api=async_api, run_manager=run_manager, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        # with no handler (a plain invoke, an eval) nothing listens: decode exactly as without streaming
        report = _token_reporter(run_manager) if run_manager is not None and run_manager.handlers else None
        steps = self._reply(messages, stop, kwargs, streaming=report is not None)
        while True:
            try:
                piece = next(steps)
            except StopIteration as done:
                return ChatResult(generations=[ChatGeneration(message=done.value)])
            assert report is not None
            report(piece)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        """Prose chunks as they decode, then a last chunk with the tool calls, usage and metadata.

        The chunks add up to what ``invoke`` returns, except that a call the
        parser could not decode loses its ``error`` (LangChain rebuilds calls from chunks).
        """
        steps = self._reply(messages, stop, kwargs, streaming=True)
        while True:
            try:
                piece = next(steps)
            except StopIteration as done:
                message = done.value
                break
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", tool_calls=message.tool_calls, invalid_tool_calls=message.invalid_tool_calls,
            usage_metadata=message.usage_metadata, response_metadata=message.response_metadata,
            chunk_position="last"))

    def _reply(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict,
               streaming: bool) -> Generator[str, None, AIMessage]:
        """Generate one reply: a generator yielding its prose pieces while it decodes
        (with ``streaming``) and returning the message."""
        tools: list[dict] = list(kwargs.get("tools") or [])
        tool_choice = kwargs.get("tool_choice")
        stops = list(stop or [])
        sink = None
        with self._lock:
            self.load()
            assert self._renderer is not None
            tokens = self._tokenize(self._renderer.render(messages, tools or None))

            def stop_text(out: list[int]) -> bool:
                return bool(stops) and any(s in self._text(out) for s in stops)

            if tool_choice == "none" and tools:
                # tools stay in the prompt (so the KV cache still matches) but the reply must be prose
                sink = _ProseStream(parsed=False, stops=stops) if streaming else None
                out, stats = yield from self._decode_watched(tokens, self.max_tokens, sink,
                                                             stop_when=stop_text if stops else None,
                                                             banned=self._call_tokens())
                text, mode = self._text(out), "text"
                tools = []
            elif not tools or not self.constrain_tool_calls:
                sink = _ProseStream(parsed=bool(tools), stops=stops) if streaming else None
                out, stats = yield from self._decode_watched(tokens, self.max_tokens, sink,
                                                             stop_when=stop_text if stops else None)
                text, mode = self._text(out), "text"
            elif tool_choice not in (None, "auto"):
                text, stats = self._forced_call(tokens, tools, str(tool_choice))
                mode = "tool"
            else:
                sink = _ProseStream(parsed=True, stops=stops) if streaming else None
                text, stats, mode = yield from self._free_then_constrained(tokens, tools, stop_text, sink)
        for s in stops:
            if s in text:
                text = text[: text.index(s)]
        message = self._to_message(text, tools, stats, mode)
        if sink is not None:
            sink.finish(message.content)
            yield from _drain(sink.pending)
        return message

    def _free_then_constrained(self, tokens: list[int], tools: list[dict], stop_text: Callable[[list[int]], bool],
                               sink: _ProseStream | None = None) -> Generator[str, None, tuple[str, DecodeStats, str]]:
        """Let the model choose freely between prose and a call, and which tool; constrain the arguments.

        A generator passing on the prose ``sink`` lets through (nothing without a sink).
        """

        def phase_one_done(out: list[int]) -> bool:
            text = self._text(out)
            if not text.strip():
                return False
            if not looks_like_tool_call_start(text):
                return stop_text(out)
            return _NAME_RE.search(text) is not None

        out, stats = yield from self._decode_watched(tokens, self.max_tokens, sink, stop_when=phase_one_done)
        text = self._text(out)
        match = _NAME_RE.search(text) if looks_like_tool_call_start(text) else None
        if match is None:
            return text, stats, "text"
        name = match.group(1)
        schema = next((t for t in tools if t["name"] == name), None)
        if schema is None:  # not an offered tool: let it finish and let the agent explain the mistake
            more, s2 = self._decode(tokens + out, self.max_tokens - len(out))
            return text + self._text(more), stats + s2, "tool"
        text, s2 = self._constrained_arguments(tokens, name, schema)
        return text, stats + s2, "tool"

    def _constrained_arguments(self, tokens: list[int], name: str, schema: dict) -> tuple[str, DecodeStats]:
        """Write the call of ``name`` with arguments constrained to its JSON schema."""
        prefill = '<tool_call>\n{"name": ' + json.dumps(name) + ', "arguments": '
        args_schema = schema.get("parameters") or {"type": "object", "properties": {}}

        def args_done(args_out: list[int]) -> bool:
            return _json_complete(self._text(args_out))

        args_tokens, stats = self._decode(tokens + self._tokenize(prefill, bos=False), self.max_tokens,
                                          grammar=self._grammar(args_schema), stop_when=args_done)
        args = self._text(args_tokens).strip()
        if not _json_complete(args):
            args = _close_runaway_string(args) or args
        return prefill + args + "}\n</tool_call>", stats

    def _forced_call(self, tokens: list[int], tools: list[dict], tool_choice: str) -> tuple[str, DecodeStats]:
        """tool_choice "required"/"any"/a name: the reply must be one call of an offered tool.

        The name is chosen first under a grammar listing the offered names, then
        the arguments under that tool's schema (one grammar per step keeps each small).
        """
        if tool_choice not in ("any", "required"):
            tools = [t for t in tools if t["name"] == tool_choice] or tools
        if len(tools) == 1:
            name, stats = tools[0]["name"], None
        else:
            prefill = self._tokenize('<tool_call>\n{"name": "', bos=False)
            names_gbnf = "root ::= (" + " | ".join(json.dumps(t["name"]) for t in tools) + ') "\\""'
            out, stats = self._decode(tokens + prefill, 32, grammar=GrammarFilter(self._llm, names_gbnf),
                                      stop_when=lambda o: self._text(o).endswith('"'))
            name = self._text(out).rstrip('"')
        schema = next(t for t in tools if t["name"] == name)
        text, s2 = self._constrained_arguments(tokens, name, schema)
        return text, s2 if stats is None else stats + s2

    def _to_message(self, text: str, tools: list[dict], stats: DecodeStats, mode: str) -> AIMessage:
        parsed = parse_reply(text) if tools else None
        usage = {
            "input_tokens": stats.prompt_tokens,
            "output_tokens": stats.completion_tokens,
            "total_tokens": stats.prompt_tokens + stats.completion_tokens,
            "input_token_details": {"cache_read": stats.prompt_tokens - stats.prompt_tokens_evaluated},
        }
        meta = {"model_name": self.name_for_reports, "mode": mode, "raw": text, **dataclasses.asdict(stats)}
        if parsed is None:
            return AIMessage(content=text.strip(), usage_metadata=usage, response_metadata=meta)
        return AIMessage(
            content=parsed.content,
            tool_calls=parsed.tool_calls,
            invalid_tool_calls=parsed.invalid_tool_calls,
            usage_metadata=usage,
            response_metadata=meta,
        )


def _close_quietly(ref: Any) -> None:
    llm = ref()
    if llm is not None:
        with contextlib.suppress(Exception):
            llm.close()


def _close_runaway_string(text: str) -> str | None:
    """Arguments cut where a weak model meant to stop but stayed inside a string.

    Under the grammar the text is a valid JSON prefix; a model that never
    closes a string (``{"city": "Rome}}</tool_call>  # 1.1.1...``) usually
    marked its intended end with ``}`` or ``<``. Cut there and close the string
    and the object; None if no such cut gives valid JSON.
    """
    for i, ch in enumerate(text):
        if ch in "}<" and i > 0:
            for closer in ('"}', '"]}', '"}}'):
                candidate = text[:i] + closer
                try:
                    if isinstance(json.loads(candidate), dict):
                        return candidate
                except json.JSONDecodeError:
                    continue
    return None


def _json_complete(text: str) -> bool:
    """Whether ``text`` (after ``<tool_call>\\n``) already holds one complete JSON object."""
    t = text.strip()
    if not t.endswith("}"):
        return False
    try:
        json.loads(t)
        return True
    except json.JSONDecodeError:
        return False


