"""Run actions exactly as the server does (protocol layer: plan, execute, reply) against a real collection."""

from __future__ import annotations

from typing import Any

from polar_bridge.actions import ActionContext
from polar_bridge.config import load_config
from polar_bridge.protocol import build_reply, execute_plan, plan_request


def reply(col, action: str, version: int = 6, **params: Any) -> Any:
    """The JSON reply to ``{"action", "version", "params"}`` (``col`` None: no profile open)."""
    config = load_config({})
    plan = plan_request({"action": action, "version": version, "params": params}, config)
    return build_reply(plan, execute_plan(plan, lambda: ActionContext(col=col, config=config)))


def ok(col, action: str, **params: Any) -> Any:
    """The result of a successful call (fails the test with the error otherwise)."""
    answer = reply(col, action, **params)
    assert answer["error"] is None, answer["error"]
    return answer["result"]


def err(col, action: str, **params: Any) -> str:
    """The error message of a call that must fail."""
    answer = reply(col, action, **params)
    assert answer["result"] is None and answer["error"], answer
    return answer["error"]


def add_basic(col, front: str, back: str = "b", deck: str = "Default", tags: str = "") -> int:
    """A Basic note added with Anki's own API; returns its note id."""
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = front, back
    note.tags = tags.split()
    col.add_note(note, col.decks.id(deck))
    return note.id


def card_of(col, nid: int) -> int:
    return col.get_note(nid).card_ids()[0]


def undo_name(col) -> str:
    return col.undo_status().undo
