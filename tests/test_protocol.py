"""The protocol and security rules as functions, with actions run against a real temp collection."""

from __future__ import annotations

import pytest

from polar_bridge.actions import ActionContext
from polar_bridge.config import load_config
from polar_bridge.protocol import (
    api_key_matches,
    build_reply,
    execute_plan,
    host_allowed,
    origin_allowed,
    parse_json,
    plan_request,
)


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "https://app.getpolarized.io",
        "https://beta.getpolarized.io",
        "http://localhost",
        "http://localhost:8500",
        "http://127.0.0.1",
        "http://127.0.0.1:3000",
    ],
)
def test_polar_and_local_origins_are_allowed_by_default(origin):
    assert origin_allowed(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "https://app.getpolarized.io.evil.example",
        "null",
        "http://app.getpolarized.io",
        "file://",
    ],
)
def test_other_origins_are_refused_by_default(origin):
    assert not origin_allowed(origin)


def test_config_origin_list_adds_origins_and_star_allows_all():
    assert origin_allowed("https://my.site", ["https://my.site/"])
    assert not origin_allowed("https://other.site", ["https://my.site"])
    assert origin_allowed("https://anything.example", ["*"])


@pytest.mark.parametrize(
    "host", [None, "localhost", "localhost:8765", "127.0.0.1:8765", "127.1.2.3", "[::1]:8765", "[::1]", "LOCALHOST:1"]
)
def test_loopback_hosts_are_allowed(host):
    assert host_allowed(host, "127.0.0.1")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "192.168.1.5:8765", "", "localhost.evil:1"])
def test_other_hosts_are_refused(host):
    assert not host_allowed(host, "127.0.0.1")


def test_configured_bind_address_is_an_allowed_host():
    assert host_allowed("192.168.1.5:8765", "192.168.1.5")
    assert host_allowed("10.0.0.2:8765", "0.0.0.0")  # wildcard bind: IP literals cannot be rebound
    assert not host_allowed("attacker.example:8765", "0.0.0.0")


def test_api_key_comparison():
    assert api_key_matches(None, None)
    assert api_key_matches("k", "k")
    assert not api_key_matches("K", "k")
    assert not api_key_matches(None, "k")
    assert not api_key_matches(123, "k")


def _answer(col, payload, config=None):
    config = config or load_config({})
    plan = plan_request(payload, config)
    outcomes = execute_plan(plan, lambda: ActionContext(col=col, config=config, extras={"origin_allowed": True}))
    return build_reply(plan, outcomes)


def test_versions_and_envelopes(col):
    assert _answer(col, {"action": "version", "version": 6}) == {"result": 6, "error": None}
    assert _answer(col, {"action": "version", "version": 5, "params": {}}) == {"result": 6, "error": None}
    assert _answer(col, {"action": "version"}) == 6
    # Errors always come in the envelope, even for version 4 (as AnkiConnect does).
    assert _answer(col, {"action": "nope"}) == {"result": None, "error": "unsupported action: nope"}


@pytest.mark.parametrize(
    "payload, message",
    [
        ([], "request must be a JSON object"),
        ("version", "request must be a JSON object"),
        ({"version": 6}, "action must be a non-empty string"),
        ({"action": 5, "version": 6}, "action must be a non-empty string"),
        ({"action": "version", "version": "6"}, "version must be an integer"),
        ({"action": "version", "version": True}, "version must be an integer"),
        ({"action": "version", "version": 6, "params": "x"}, "params must be an object"),
        (
            {"action": "multi", "version": 6, "params": {"actions": {}}},
            "multi: params.actions must be a list of request objects",
        ),
    ],
)
def test_malformed_requests_name_the_problem(col, payload, message):
    assert _answer(col, payload) == {"result": None, "error": message}


def test_malformed_json_names_the_problem():
    with pytest.raises(ValueError, match="request body is not valid JSON: Expecting"):
        parse_json(b'{"action": ')
    with pytest.raises(ValueError, match="not UTF-8"):
        parse_json(b'\xff\xfe')


def test_numbers_decode_as_json_reads_them_whatever_their_size():
    """Ids beyond 64 bits stay integers (a client's huge id is "not found", not "not an integer"), and what only
    Python's reader accepts (NaN, an overflowing exponent) is still accepted."""
    body = b'{"notes": [18446744073709551616, -9223372036854775809, 1234567890123456789012345, 5], "x": 1e400}'
    value = parse_json(body)
    assert value["notes"] == [2**64, -(2**63) - 1, 1234567890123456789012345, 5]
    assert all(type(n) is int for n in value["notes"]) and value["x"] == float("inf")
    assert parse_json(b'{"a": NaN, "b": 1.5, "c": [true, null, "\u00e9"]}')["c"] == [True, None, "\u00e9"]


def test_nesting_and_surrogates_are_refused_whatever_their_spelling():
    def nested(levels: int) -> bytes:
        return b'{"action":"version","params":{"x":' + b"[" * (levels - 2) + b"]" * (levels - 2) + b"}}"

    assert parse_json(nested(64))["action"] == "version"
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_json(nested(65))
    for text in (rb'"\ud800"', rb'"\uDBFF"', rb'"x\uDc00"'):
        for body in (b'{"query":' + text + b"}", b"{" + text + b':"value"}'):
            with pytest.raises(ValueError, match="lone surrogate"):
                parse_json(body)
    # Escapes that are text: a surrogate pair, other code points, an escaped backslash before "ud800".
    assert parse_json(rb'["\ud83d\ude00", "\u00e9\ud7ff", "\\ud800"]') == ["\U0001f600", "\u00e9\ud7ff", "\\ud800"]


def test_multi_replies_in_each_action_own_envelope(col):
    reply = _answer(
        col,
        {
            "action": "multi",
            "version": 6,
            "params": {
                "actions": [
                    {"action": "version", "version": 6},
                    {"action": "version"},
                    {"action": "missing", "version": 6},
                    "not an object",
                    {"action": "multi", "version": 6, "params": {"actions": []}},
                ]
            },
        },
    )
    assert reply == {
        "result": [
            {"result": 6, "error": None},
            6,
            {"result": None, "error": "unsupported action: missing"},
            {"result": None, "error": "request must be a JSON object"},
            {"result": None, "error": "multi: nested multi is not supported"},
        ],
        "error": None,
    }


def test_api_key_required_except_for_request_permission(col):
    config = load_config({"apiKey": "abc"})
    assert _answer(col, {"action": "version", "version": 6}, config) == {
        "result": None,
        "error": "valid api key must be provided",
    }
    assert _answer(col, {"action": "version", "version": 6, "key": "abc"}, config) == {"result": 6, "error": None}
    # Inner multi actions inherit the checked outer key.
    assert _answer(
        col,
        {"action": "multi", "version": 6, "key": "abc", "params": {"actions": [{"action": "version", "version": 6}]}},
        config,
    ) == {"result": [{"result": 6, "error": None}], "error": None}
    assert _answer(col, {"action": "requestPermission", "version": 6}, config) == {
        "result": {"permission": "granted", "requireApiKey": True, "requireApikey": True, "version": 6},
        "error": None,
    }


def test_request_permission_denied_for_a_disallowed_origin(col):
    config = load_config({})
    plan = plan_request({"action": "requestPermission", "version": 6}, config)
    ctx = ActionContext(col=col, config=config, origin="https://evil.example", extras={"origin_allowed": False})
    assert build_reply(plan, execute_plan(plan, lambda: ctx))["result"]["permission"] == "denied"


def test_a_failing_handler_is_reported_and_the_next_action_still_runs(col):
    reply = _answer(
        col,
        {
            "action": "multi",
            "version": 6,
            "params": {
                "actions": [
                    {"action": "storeMediaFile", "version": 6, "params": {"filename": "../x.png", "data": "AAAA"}},
                    {"action": "version", "version": 6},
                ]
            },
        },
    )
    assert "plain file name" in reply["result"][0]["error"]
    assert reply["result"][1] == {"result": 6, "error": None}


def test_no_open_collection_is_a_clear_error():
    config = load_config({})
    plan = plan_request({"action": "version", "version": 6}, config)
    assert build_reply(plan, execute_plan(plan, lambda: None)) == {
        "result": None,
        "error": "collection is not available",
    }


def test_sync_outside_anki_is_a_clear_error(col):
    assert _answer(col, {"action": "sync", "version": 6}) == {
        "result": None,
        "error": "sync is not available outside the Anki window",
    }
