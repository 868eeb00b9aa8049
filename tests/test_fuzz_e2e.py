"""Seeded, bounded fuzzing of every registered action against a real Anki.

Wrong types, missing and extra parameters, huge and deeply nested values, lone surrogates, invalid UTF-8 and
protocol garbage. Asserts: every request gets a well-formed reply (non-HTTP bytes: a reply or a clean close), no
error carries Python's own words, Anki still serves afterwards, and the collection passes Anki's integrity check
with only notes whose creation a client was told about. Seed: ``POLAR_BRIDGE_FUZZ_SEED`` (printed on failure).
"""

from __future__ import annotations

import json
import os
import random
import re
import socket

import pytest
from server_helpers import invoke, request

from polar_bridge.actions import REQUIRED, all_specs

pytestmark = pytest.mark.e2e

SEED = int(os.environ.get("POLAR_BRIDGE_FUZZ_SEED", "20261127"))
PER_ACTION = 14
PYTHON_WORDS = (
    "Traceback",
    "unhashable",
    "codec can't",
    "object has no attribute",
    "NoneType",
    "RecursionError",
    "TypeError",
    "KeyError",
    "ValueError",
    "IndexError",
    "AttributeError",
    "not subscriptable",
    "maximum recursion",
    "object is not",
    "positional argument",
)
# Actions whose side effects reach outside the collection are fuzzed with local-only values (see _value).
POLAR_NOTE = {
    "deckName": "Default",
    "modelName": "Basic",
    "fields": {"Front": "fuzz", "Back": "b"},
    "tags": ["fuzz"],
    "options": {"allowDuplicate": True},
}


def _deep(depth: int) -> object:
    """A value nested ``depth`` lists deep; written into the JSON text by _body (json.dumps itself would recurse)."""
    return f"__DEEP_{depth}__"


# Paths the fuzz may name: inside the test's own temp folder only (exportPackage writes where it is told, as
# AnkiConnect's does); set by the test.
_SCRATCH = "/nonexistent"


def _value(rng: random.Random, name: str) -> object:
    """A value of any shape for a parameter called ``name``."""
    choices = [
        lambda: rng.randint(-(2**63), 2**63 - 1),
        lambda: rng.random() * 1e300,
        lambda: None,
        lambda: True,
        lambda: "",
        lambda: "x" * rng.choice([1, 300, 200_000]),
        lambda: [rng.randint(0, 10**13) for _ in range(3)],
        lambda: {"k": rng.random()},
        lambda: _deep(rng.choice([5, 60, 3000])),
        lambda: ["a", 1, None, {}],
        lambda: "\u0000\u202e\uffff emoji 🙂",
        lambda: [dict(POLAR_NOTE, guid=f"g{rng.randint(0, 10**6)}")],
        lambda: dict(POLAR_NOTE, guid=rng.choice([["list"], {"d": 1}, 7, "ok" + str(rng.random())])),
        lambda: "http://127.0.0.1:1/x.png",
        lambda: f"{_SCRATCH}/../fuzz-outside.txt",
        lambda: f"{_SCRATCH}/x.apkg",
        lambda: "Default",
        lambda: "deck:* " + "(" * rng.randint(0, 3),
    ]
    return rng.choice(choices)()


def _params(rng: random.Random, spec) -> dict:
    params = {}
    for param in spec.params:
        roll = rng.random()
        if roll < 0.15 and param.default is not REQUIRED:
            continue  # missing
        if roll < 0.2:
            continue  # missing, even when required
        params[param.name] = _value(rng, param.name)
    if rng.random() < 0.3:
        params[rng.choice(["extra", "note", "x" * 40, "__proto__"])] = _value(rng, "extra")
    return params


def _body(rng: random.Random, action: str, params: object) -> bytes:
    payload = {"action": action, "version": rng.choice([4, 5, 6, 6, 6]), "params": params}
    text = re.sub(
        r'"__DEEP_(\d+)__"', lambda m: "[" * int(m.group(1)) + '"leaf"' + "]" * int(m.group(1)), json.dumps(payload)
    )
    roll = rng.random()
    if roll < 0.08:  # a lone surrogate escape somewhere in a string
        text = (
            text.replace('"action"', '"action\\ud800"', 1)
            if rng.random() < 0.5
            else text.replace('"params": {', '"params": {"s": "\\udfff", ', 1)
        )
    elif roll < 0.14:  # invalid UTF-8
        return text.encode() + b"\xff\xfe\xc3"
    elif roll < 0.18:  # truncated
        return text.encode()[: rng.randint(0, len(text))]
    return text.encode()


def _check_reply(status: int, body: bytes, what: str) -> dict | list | int | str | None:
    assert status in (200, 400, 403, 413), (what, status, body[:200])
    decoded = json.loads(body) if body and body != b"AnkiConnect v.6" else None
    errors = []
    if isinstance(decoded, dict) and isinstance(decoded.get("error"), str):
        errors.append(decoded["error"])
    if isinstance(decoded, dict) and isinstance(decoded.get("result"), list):
        errors += [r["error"] for r in decoded["result"] if isinstance(r, dict) and isinstance(r.get("error"), str)]
    for error in errors:
        assert not any(word in error for word in PYTHON_WORDS), (what, error[:300])
    return decoded


def _garbage(rng: random.Random) -> bytes:
    return rng.choice(
        [
            bytes(rng.randrange(256) for _ in range(rng.randint(1, 300))),
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n" + b"x" * 5000,
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X: " + b"y" * 70000 + b"\r\n\r\n",
            b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
            b"\r\n\r\n\r\n",
            b"BREW / HTCPCP/1.0\r\n\r\n",
        ]
    )


def _send_garbage(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def test_fuzz_every_action(start_anki, tmp_path):
    global _SCRATCH
    _SCRATCH = str(tmp_path / "scratch")
    os.makedirs(_SCRATCH)
    rng = random.Random(SEED)
    anki = start_anki()
    port = anki.port
    acknowledged: set[int] = set()
    # The GUI glue's own actions (gui/gui_actions.py: exit Anki, switch profile, open windows and file choosers)
    # drive Anki's windows rather than parse data; they are tested in tests/test_gui_actions_anki.py. Whether
    # they are registered in this process depends on what else imported them, so they are left out explicitly.
    specs = [spec for spec in all_specs() if ".gui." not in spec.handler.__module__]
    sent = 0
    try:
        for spec in specs:
            for i in range(PER_ACTION):
                params = _params(rng, spec)
                if spec.name == "multi" or rng.random() < 0.1:
                    params = {"actions": [{"action": s.name, "params": _params(rng, s)} for s in rng.sample(specs, 3)]}
                    action = "multi"
                else:
                    action = spec.name
                if action == "sync" or (action == "multi" and any(a["action"] == "sync" for a in params["actions"])):
                    continue  # would start a real network sync
                body = _body(rng, action, params)
                reply = request(port, body=body)
                what = f"seed {SEED}, {spec.name} #{i}: {body[:300]!r}"
                decoded = _check_reply(reply.status, reply.body, what)
                sent += 1
                _collect_ids(action, params, decoded, acknowledged)
        for i in range(40):
            data = _garbage(rng)
            raw = _send_garbage(port, data)
            assert raw == b"" or raw.startswith(b"HTTP/1."), (SEED, i, data[:80], raw[:120])
        # Still serving, and only acknowledged notes exist.
        assert invoke(port, "version")["result"] == 6
        existing = set(invoke(port, "findNotes", {"query": ""})["result"])
        assert existing <= acknowledged, (SEED, sorted(existing - acknowledged)[:5])
    finally:
        assert anki.stop() == 0
    assert sent > 200
    from anki.collection import Collection

    col = Collection(str(anki.collection_path))
    try:
        assert col.db.scalar("pragma integrity_check") == "ok"
        problems, ok = col.fix_integrity()
        assert ok, problems
        found = [line for line in problems.splitlines() if line.strip() and "rebuilt" not in line.lower()]
        assert found == [], problems
    finally:
        col.close()


def _collect_ids(action: str, params, decoded, acknowledged: set[int]) -> None:
    def result_of(value):
        return value.get("result") if isinstance(value, dict) and "result" in value else value

    if action == "multi" and isinstance(decoded, (dict, list)):
        items = result_of(decoded)
        if isinstance(items, list):
            for inner, item in zip(params.get("actions", []), items):
                _collect_ids(inner["action"], inner.get("params"), item, acknowledged)
        return
    result = result_of(decoded)
    if action == "addNote" and isinstance(result, int) and not isinstance(result, bool):
        acknowledged.add(result)
    if action == "addNotes" and isinstance(result, list):
        acknowledged.update(r for r in result if isinstance(r, int) and not isinstance(r, bool))
