"""A scripted chat model for tests: it replays queued replies, no weights needed."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator, Sequence, Union

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.utils import LC_ID_PREFIX
from pydantic import ConfigDict, Field

from agentkit.models._toolcalls import new_call_id, parse_reply

__all__ = ["ScriptedChatModel", "call"]

Reply = Union[str, AIMessage, Callable[[list[BaseMessage], list[dict]], Union[str, AIMessage]]]


def call(tool_name: str, /, **args: Any) -> AIMessage:
    """A reply that calls tool ``tool_name`` with ``args`` (any names, ``name`` included)."""
    return AIMessage(content="", tool_calls=[{"name": tool_name, "args": args, "id": new_call_id(),
                                              "type": "tool_call"}])


class ScriptedChatModel(BaseChatModel):
    """Returns queued replies in order: a test double for the on-device model.

    A reply is an ``AIMessage``, a string (parsed for tool calls exactly like
    the real backend's output, so malformed calls can be tested), or a function
    of (messages, offered tool schemas). Every call is recorded in ``calls``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replies: list[Any] = Field(default_factory=list)
    """Queued replies; running out raises IndexError."""
    calls: list[dict] = Field(default_factory=list)
    """Recorded calls: ``{"messages", "tools", "tool_choice"}``."""

    @property
    def _llm_type(self) -> str:
        return "agentkit-scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        """Record the offered tools' schemas and the tool choice with each call."""
        from agentkit.models.llamacpp import _tool_schema

        return self.bind(tools=[_tool_schema(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _should_stream(self, *, async_api: bool, run_manager: Any = None, **kwargs: Any) -> bool:
        # invoke() always takes _generate, which reports tokens itself: the reply is then exactly
        # the scripted one (LangChain rebuilds a streamed reply's tool calls from chunks, losing the
        # reason of an undecodable call); only stream() itself uses _stream
        return bool(kwargs.get("stream")) and super()._should_stream(
            async_api=async_api, run_manager=run_manager, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        reply = self._next_reply(messages, **kwargs)
        if run_manager is not None and _is_prose(reply):
            run_id = f"{LC_ID_PREFIX}-{run_manager.run_id}"
            for piece in _pieces(reply.content):
                run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(
                    message=AIMessageChunk(content=piece, id=run_id)))
        return ChatResult(generations=[ChatGeneration(message=reply)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: Any = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        """A text reply word by word; a reply with tool calls as one chunk."""
        reply = self._next_reply(messages, **kwargs)
        pieces = _pieces(reply.content) if _is_prose(reply) else []
        for piece in pieces[:-1]:
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        last = pieces[-1] if pieces else reply.content
        yield ChatGenerationChunk(message=AIMessageChunk(
            content=last, additional_kwargs=reply.additional_kwargs, response_metadata=reply.response_metadata,
            tool_calls=reply.tool_calls, invalid_tool_calls=reply.invalid_tool_calls,
            usage_metadata=reply.usage_metadata, name=reply.name, chunk_position="last"))

    def _next_reply(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        """Pop the next reply, record the call and attach token usage."""
        tools = list(kwargs.get("tools") or [])
        self.calls.append({"messages": list(messages), "tools": tools, "tool_choice": kwargs.get("tool_choice")})
        if not self.replies:
            raise IndexError("ScriptedChatModel ran out of replies")
        reply = self.replies.pop(0)
        if callable(reply) and not isinstance(reply, AIMessage):
            reply = reply(list(messages), tools)
        if isinstance(reply, str):
            parsed = parse_reply(reply)
            reply = AIMessage(content=parsed.content, tool_calls=parsed.tool_calls,
                              invalid_tool_calls=parsed.invalid_tool_calls, response_metadata={"raw": reply})
        usage = {"input_tokens": sum(len(str(m.content).split()) for m in messages),
                 "output_tokens": len(str(reply.content).split()) + len(reply.tool_calls), "total_tokens": 0}
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        return reply.model_copy(update={"usage_metadata": usage})


def _is_prose(reply: AIMessage) -> bool:
    return isinstance(reply.content, str) and bool(reply.content) and not (
        reply.tool_calls or reply.invalid_tool_calls)


def _pieces(text: str) -> list[str]:
    """``text`` cut before each word after whitespace (the pieces join back to ``text``)."""
    return [p for p in re.split(r"(?<=\s)(?=\S)", text) if p]
