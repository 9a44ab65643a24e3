"""Rendering LangChain messages into a GGUF model's own chat template.

The template stored in the GGUF (``tokenizer.chat_template``) is used when it
knows about tools (Qwen2.5's does). For templates that do not, tool schemas
are put into the system message and tool results become user turns wrapped in
``<tool_response>``, in the same format Qwen uses, so any chat model can take
part.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import jinja2
import jinja2.sandbox
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

__all__ = ["PromptRenderer", "CHATML_TEMPLATE", "to_template_messages"]

# Used when a GGUF has no template of its own.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_TOOLS_HEADER = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)


def _tojson(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content)
    return str(content)


def tool_call_text(name: str, args: dict) -> str:
    """How a tool call is written in the assistant's turn (Qwen's format)."""
    return '<tool_call>\n{"name": ' + _tojson(name) + ', "arguments": ' + _tojson(args) + "}\n</tool_call>"


def to_template_messages(messages: Sequence[BaseMessage]) -> list[dict]:
    """LangChain messages as the plain dicts chat templates expect."""
    out: list[dict] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append({"role": "system", "content": _text(m.content)})
        elif isinstance(m, HumanMessage):
            out.append({"role": "user", "content": _text(m.content)})
        elif isinstance(m, AIMessage):
            calls = [
                {"type": "function", "function": {"name": c["name"], "arguments": c["args"]}}
                for c in m.tool_calls
            ]
            msg: dict = {"role": "assistant", "content": _text(m.content)}
            if calls:
                msg["tool_calls"] = calls
            out.append(msg)
        elif isinstance(m, ToolMessage):
            out.append({"role": "tool", "content": _text(m.content), "name": m.name or ""})
        else:
            out.append({"role": getattr(m, "role", "user"), "content": _text(m.content)})
    return out


class PromptRenderer:
    """Renders messages (and tool schemas) with a chat template."""

    def __init__(self, template: str | None, bos_token: str = "", eos_token: str = "") -> None:
        self.template_source = template or CHATML_TEMPLATE
        self.native_tools = "tools" in self.template_source and "tool_call" in self.template_source
        env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise
        self._template = env.from_string(self.template_source)
        self._bos, self._eos = bos_token, eos_token

    def render(self, messages: Sequence[BaseMessage], tools: list[dict] | None = None) -> str:
        """The prompt text, ending with the assistant's generation prompt."""
        msgs = to_template_messages(messages)
        kwargs: dict[str, Any] = {}
        if tools and self.native_tools:
            kwargs["tools"] = [{"type": "function", "function": t} for t in tools]
        elif not self.native_tools:
            msgs = self._fold_tools(msgs, tools)
        return self._template.render(
            messages=msgs, add_generation_prompt=True, bos_token=self._bos, eos_token=self._eos, **kwargs
        )

    @staticmethod
    def _fold_tools(msgs: list[dict], tools: list[dict] | None) -> list[dict]:
        """For templates without tool support: tools in the system turn, results as user turns."""
        out: list[dict] = []
        if tools:
            block = _TOOLS_HEADER + "".join("\n" + _tojson({"type": "function", "function": t}) for t in tools)
            block += _TOOLS_FOOTER
            if msgs and msgs[0]["role"] == "system":
                msgs = [{"role": "system", "content": msgs[0]["content"] + block}] + msgs[1:]
            else:
                msgs = [{"role": "system", "content": "You are a helpful assistant." + block}] + msgs
        for m in msgs:
            if m["role"] == "assistant" and m.get("tool_calls"):
                text = "\n".join(
                    tool_call_text(c["function"]["name"], c["function"]["arguments"]) for c in m["tool_calls"]
                )
                out.append({"role": "assistant", "content": (m["content"] + "\n" + text).strip()})
            elif m["role"] == "tool":
                wrapped = "<tool_response>\n" + m["content"] + "\n</tool_response>"
                if out and out[-1]["role"] == "user" and out[-1].get("_tool"):
                    out[-1]["content"] += "\n" + wrapped
                else:
                    out.append({"role": "user", "content": wrapped, "_tool": True})
            else:
                out.append(m)
        return [{k: v for k, v in m.items() if k != "_tool"} for m in out]


def _raise(message: str) -> None:
    raise jinja2.TemplateError(message)
