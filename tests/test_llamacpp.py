"""The on-device backend with real GGUF models (slow: loads weights)."""

import json

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

from agentkit.errors import ConfigurationError, ModelLoadError
from agentkit.models import load_model, resolve_gguf
from agentkit.models.llamacpp import ContextWindowError, LlamaCppChatModel
from agentkit.tools import tool

pytestmark = pytest.mark.slow


@tool(app="demo", changes_state=True)
def set_alarm(time: str, label: str = "") -> dict:
    """Set an alarm.

    Args:
        time: 24-hour time, HH:MM.
        label: Optional label.
    """
    return {"time": time}


@tool(app="demo")
def get_weather(city: str, days: int = 1) -> dict:
    """Get the weather forecast for a city.

    Args:
        city: City name.
        days: Number of days.
    """
    return {"city": city}


SYSTEM = SystemMessage("You are a phone assistant. Call a function when one fits.")


@pytest.fixture(scope="module")
def smol():
    return load_model("smollm2-135m")


@pytest.fixture(scope="module")
def qwen():
    return load_model("qwen2.5-0.5b")


def test_default_weights_assemble_and_verify():
    path = resolve_gguf("qwen2.5-0.5b")
    assert path.stat().st_size == 491_397_824 - 0 or path.stat().st_size > 400_000_000
    assert path.with_suffix(".sha256").read_text().strip() == \
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


def test_unknown_model_and_missing_file_are_clear():
    with pytest.raises(ConfigurationError, match="unknown model 'gpt-17'"):
        resolve_gguf("gpt-17")
    with pytest.raises(ModelLoadError, match="does not exist"):
        LlamaCppChatModel(model_path="/nonexistent/x.gguf").load()


def test_plain_text_without_tools(smol):
    reply = smol.invoke([HumanMessage("Say hello.")])
    assert isinstance(reply.content, str) and reply.content
    assert reply.usage_metadata["output_tokens"] > 0


def test_forced_call_is_always_schema_valid_even_for_a_tiny_model(smol):
    bound = smol.bind_tools([set_alarm, get_weather], tool_choice="required")
    for q in ["wake me at 7", "weather in Rome", "blah"]:
        reply = bound.invoke([SYSTEM, HumanMessage(q)])
        assert len(reply.tool_calls) == 1, reply.response_metadata["raw"]
        c = reply.tool_calls[0]
        tool_obj = {"set_alarm": set_alarm, "get_weather": get_weather}[c["name"]]
        tool_obj.validate(c["args"])  # raises if the grammar let anything invalid through


def test_tool_choice_none_gives_prose(qwen):
    reply = qwen.bind_tools([set_alarm], tool_choice="none").invoke([SYSTEM, HumanMessage("Wake me at 7")])
    assert not reply.tool_calls and reply.content and reply.response_metadata["mode"] == "text"


def test_qwen_calls_the_right_tool_with_valid_arguments(qwen):
    bound = qwen.bind_tools([get_weather, set_alarm])
    reply = bound.invoke([SYSTEM, HumanMessage("What's the weather in Paris?")])
    assert [c["name"] for c in reply.tool_calls] == ["get_weather"]
    assert reply.tool_calls[0]["args"]["city"] == "Paris"


def test_kv_cache_reuse_on_the_second_step(qwen):
    bound = qwen.bind_tools([get_weather, set_alarm])
    msgs = [SYSTEM, HumanMessage("What's the weather in Oslo?")]
    first = bound.invoke(msgs)
    assert first.tool_calls
    msgs += [first, ToolMessage(json.dumps({"city": "Oslo", "condition": "Snow"}),
                                tool_call_id=first.tool_calls[0]["id"], name="get_weather")]
    second = bound.invoke(msgs)
    evaluated = second.response_metadata["prompt_tokens_evaluated"]
    assert evaluated < second.response_metadata["prompt_tokens"] / 4


def test_context_window_error_is_precise():
    small = LlamaCppChatModel(model_path=str(resolve_gguf("smollm2-135m")), n_ctx=256, max_tokens=64)
    with pytest.raises(ContextWindowError, match="exceeds n_ctx=256"):
        small.invoke([HumanMessage("word " * 400)])
