"""Streaming a reply's prose while it decodes: only text the final content is sure to start with.

Used by :class:`~agentkit.models.llamacpp.LlamaCppChatModel` when a listener
wants tokens; without one, decoding takes the plain path.
"""

from __future__ import annotations

from typing import Any, Callable, Generator, Iterator, Sequence, TypeVar

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.utils.utils import LC_ID_PREFIX

from agentkit.models._toolcalls import looks_like_tool_call_start

def _token_reporter(run_manager: CallbackManagerForLLMRun) -> Callable[[str], None]:
    """A function reporting prose pieces to LangChain's callbacks (LangGraph's "messages" mode listens)."""
    run_id = f"{LC_ID_PREFIX}-{run_manager.run_id}"

    def report(piece: str) -> None:
        run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(message=AIMessageChunk(content=piece, id=run_id)))

    return report


_T = TypeVar("_T")


def _relay(steps: Generator[None, None, _T], pending: list[str]) -> Generator[str, None, _T]:
    """Run decoding ``steps``, yielding after each step the pieces it left in ``pending``."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            yield from _drain(pending)
            return done.value
        yield from _drain(pending)


def _drain(pending: list[str]) -> Iterator[str]:
    while pending:
        yield pending.pop(0)


_MARKERS = ("<tool_call>", "```", "{")


class _ProseStream:
    """Passes on the prose of a reply while it decodes, never more than the final content.

    Every piece sent is a prefix of the reply's final ``content``: leading and
    trailing whitespace and a possibly unfinished character are held back, and
    sending ends at a stop string, or, for a reply parsed for tool calls
    (``parsed``), where a call may begin. :meth:`finish` sends the rest. A
    parsed reply that starts with whitespace or ``[`` is sent only at the end
    (the parser may strip it or take it all as a call). Pieces wait in
    :attr:`pending` until the caller takes them.

    Args:
        parsed: Whether the reply is parsed for tool calls (content kept as is) or stripped.
        stops: Stop strings; the reply is cut at the first.
    """

    def __init__(self, *, parsed: bool, stops: Sequence[str] = ()) -> None:
        self.pending: list[str] = []
        """Pieces sent and not yet taken."""
        self._parsed = parsed
        self._stops = list(stops)
        self._hold = max((len(s) for s in self._stops), default=1) - 1
        self._closed = False
        self.sent = ""
        """What was passed on so far."""

    def update(self, text: str) -> None:
        """Pass on what is new and certain in ``text``, the whole reply decoded so far."""
        if self._closed or not text:
            return
        if self._stops and any(s in text for s in self._stops):
            self._closed = True
            return
        if self._parsed:
            if text[0].isspace() or text[0] == "[" or looks_like_tool_call_start(text):
                self._closed = True
                return
            cut = min((i for i in (text.find(m) for m in _MARKERS) if i >= 0), default=-1)
            if cut >= 0:
                text, self._closed = text[:cut], True
            else:
                text = text[: len(text) - _partial_marker(text)]
        else:
            text = text.lstrip()
        if self._hold:
            text = text[: max(0, len(text) - self._hold)]
        text = text.rstrip("\ufffd").rstrip()
        if len(text) > len(self.sent) and text.startswith(self.sent):
            self.pending.append(text[len(self.sent):])
            self.sent = text

    def finish(self, content: Any) -> None:
        """Pass on the rest of the final ``content``."""
        self._closed = True
        if isinstance(content, str) and len(content) > len(self.sent) and content.startswith(self.sent):
            self.pending.append(content[len(self.sent):])
            self.sent = content


def _partial_marker(text: str) -> int:
    """Length of the end of ``text`` that could be the start of a tool-call marker."""
    for k in range(min(len(text), len(_MARKERS[0]) - 1), 0, -1):
        tail = text[-k:]
        if any(m.startswith(tail) for m in _MARKERS):
            return k
    return 0
