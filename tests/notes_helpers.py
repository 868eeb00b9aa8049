"""Helpers for the note/deck/model/card action tests: call handlers as the server would, Polar's note shape."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from polar_bridge.actions import ActionContext, ActionError, get_handler
from polar_bridge.config import load_config

# Exactly as Polar 2.x sends it (docs: /work/shared/reference/polar-client.md).
POLAR_NOTE: dict[str, Any] = {
    "guid": "1kyqEFBrFS",
    "deckName": "compsci::linux",
    "modelName": "Basic",
    "fields": {
        "Front": "<p>What does <b>ls</b> do?</p>",
        "Back": "<p>Lists files <img src=\"12car5hQMtho5zruBDcK.png\"></p>",
        "FrontSide": "<p>What does <b>ls</b> do?</p>",
    },
    "tags": ["deck:compsci/linux", "linux", "cli", "_polar-flashcard"],
}
POLAR_CLOZE: dict[str, Any] = {
    "guid": "3mPq8ZkWxY",
    "deckName": "Default",
    "modelName": "Cloze",
    "fields": {"Text": "<p>The {{c1::kernel}} schedules processes.</p>"},
    "tags": ["Machine Learning", "/Books/SF", "_polar-flashcard"],
}

# A 1x1 PNG.
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def polar_note(**changes: Any) -> dict[str, Any]:
    note = copy.deepcopy(POLAR_NOTE)
    note.update(changes)
    return note


def polar_cloze(**changes: Any) -> dict[str, Any]:
    note = copy.deepcopy(POLAR_CLOZE)
    note.update(changes)
    return note


def call(col, action: str, params: dict | None = None, **config: Any) -> Any:
    """Run ``action`` like the server does; ``config`` are config.json keys (e.g. defaultDeck="Inbox")."""
    handler = get_handler(action)
    assert handler is not None, f"no handler for {action}"
    return handler(ActionContext(col=col, config=load_config(config)), params if params is not None else {})


def call_error(col, action: str, params: dict | None = None, **config: Any) -> str:
    """The client-visible error message ``action`` gives."""
    with pytest.raises(ActionError) as info:
        call(col, action, params, **config)
    return str(info.value)


def open_collection(path: Path, lang: str = "en_US"):
    """A collection whose stock note types and default deck are named in ``lang`` (as Anki creates them)."""
    from anki._backend import RustBackend
    from anki.collection import Collection

    return Collection(str(path), backend=RustBackend(langs=[lang]))


def note_count(col) -> int:
    return col.note_count()


def deck_of_note(col, nid: int) -> str:
    return col.decks.name(col.get_note(nid).cards()[0].did)
