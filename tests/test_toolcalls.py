"""Parsing tool calls out of model text: Qwen tags, fenced JSON, bare JSON, and malformed calls."""

import json

from hypothesis import given, strategies as st

from agentkit.models._prompt import tool_call_text
from agentkit.models._toolcalls import looks_like_tool_call_start, parse_reply


def test_qwen_tag():
    r = parse_reply('<tool_call>\n{"name": "set_wifi", "arguments": {"on": false}}\n</tool_call>')
    assert [(c["name"], c["args"]) for c in r.tool_calls] == [("set_wifi", {"on": False})]
    assert r.content == "" and not r.invalid_tool_calls


def test_fenced_json_and_string_arguments():
    r = parse_reply('Sure!\n```json\n{"name": "send_message", "arguments": "{\\"to\\": \\"Bob\\"}"}\n```')
    assert r.tool_calls[0]["args"] == {"to": "Bob"}
    assert r.content == "Sure!"


def test_bare_json_with_parameters_key():
    r = parse_reply('{"name": "get_weather", "parameters": {"city": "Paris"}}')
    assert r.tool_calls[0]["name"] == "get_weather" and r.tool_calls[0]["args"] == {"city": "Paris"}


def test_malformed_json_in_tag_is_invalid_not_dropped():
    r = parse_reply('<tool_call>\n{"name": "set_wifi", "arguments": {"on": fal\n</tool_call>')
    assert not r.tool_calls
    assert r.invalid_tool_calls and "not valid JSON" in r.invalid_tool_calls[0]["error"]


def test_arguments_not_an_object_is_invalid():
    r = parse_reply('<tool_call>{"name": "x", "arguments": [1, 2]}</tool_call>')
    assert r.invalid_tool_calls[0]["error"].startswith("arguments must be a JSON object")


def test_plain_prose_is_prose():
    r = parse_reply("It will rain in Paris tomorrow, high of 8°C.")
    assert r.content.startswith("It will rain") and not r.tool_calls and not r.invalid_tool_calls


def test_json_that_is_not_a_call_stays_prose():
    r = parse_reply('```json\n{"temperature": 8}\n```')
    assert not r.tool_calls and not r.invalid_tool_calls


def test_call_start_detection():
    assert looks_like_tool_call_start("<tool_call>")
    assert looks_like_tool_call_start("  ```")
    assert not looks_like_tool_call_start("Sure")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@given(name=st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True),
       args=st.dictionaries(st.text(max_size=10), json_values, max_size=4))
def test_round_trip_of_rendered_calls(name, args):
    r = parse_reply(tool_call_text(name, args))
    assert [(c["name"], c["args"]) for c in r.tool_calls] == [(name, json.loads(json.dumps(args)))]


@given(st.text(max_size=200))
def test_parser_never_raises(text):
    r = parse_reply(text)
    assert isinstance(r.content, str)


def test_runaway_string_is_closed_where_the_model_meant_to_stop():
    from agentkit.models.llamacpp import _close_runaway_string

    assert json.loads(_close_runaway_string('{"city": "Rome}}</tool_call>  # 1.1.1.1')) == {"city": "Rome"}
    assert json.loads(_close_runaway_string('{"to": "Bob", "body": "hi there}')) == {"to": "Bob", "body": "hi there"}
    assert _close_runaway_string('{"city": "Rome and on and on') is None


def test_arrays_get_a_bound_in_the_grammar_schema():
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    from agentkit.models.llamacpp import _MAX_ARRAY_ITEMS, _bounded

    schema = {"type": "object", "properties": {
        "days": {"type": "array", "items": {"type": "string", "enum": ["monday", "friday"]}},
        "steps": {"type": "array", "items": {"type": "object", "properties": {
            "needs": {"type": "array", "items": {"type": "integer"}}}}, "maxItems": 3},
        "many": {"type": "array", "minItems": 20}}}
    out = _bounded(schema)
    props = out["properties"]
    assert props["days"]["maxItems"] == _MAX_ARRAY_ITEMS and props["steps"]["maxItems"] == 3
    assert props["steps"]["items"]["properties"]["needs"]["items"] == {"type": "integer"}
    assert props["steps"]["items"]["properties"]["needs"]["maxItems"] == _MAX_ARRAY_ITEMS
    assert props["many"]["maxItems"] == 20  # never below minItems
    assert "maxItems" not in schema["properties"]["days"]  # the caller's schema is untouched
    unbounded, bounded = json_schema_to_gbnf(json.dumps(schema)), json_schema_to_gbnf(json.dumps(out))
    assert unbounded != bounded
