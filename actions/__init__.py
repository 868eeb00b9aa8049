"""AnkiConnect actions, grouped by domain (decks, models, notes, cards, media, misc), and their ONE registry.

Each action is declared once with :func:`action`: its name, its parameters (name, accepted types, default), whether
it may change the collection (``writes``) and an optional off-main-thread preparation. Everything else derives
from that declaration: the protocol validates parameters and runs the preparation on the connection thread, runs
the handler on the main thread, and the GUI glue refreshes Anki's screens after actions that write.

A handler is ``handler(ctx: ActionContext, params: dict) -> result``; ``params`` holds exactly the declared
parameters, already type-checked, defaults filled in. Handlers take the collection from ``ctx`` and never import
aqt. A client mistake is reported by raising :class:`ActionError` (the domain's ``ClientError``) with the exact
message the client sees.
"""

from __future__ import annotations

import functools

from .registry import (
    REQUIRED,
    ActionContext,
    ActionError,
    ActionSpec,
    Handler,
    Param,
    PrepareContext,
    Preparer,
    action,
    anything,
    array,
    flag,
    ids,
    integer,
    obj,
    registered,
    require,
    strings,
    text,
)

__all__ = [
    "REQUIRED",
    "ActionContext",
    "ActionError",
    "ActionSpec",
    "Handler",
    "Param",
    "PrepareContext",
    "Preparer",
    "action",
    "action_names",
    "all_specs",
    "anything",
    "array",
    "flag",
    "get_handler",
    "get_spec",
    "ids",
    "integer",
    "obj",
    "require",
    "strings",
    "text",
]


def get_spec(name: str) -> ActionSpec | None:
    _load_all()
    return registered().get(name)


def get_handler(name: str) -> Handler | None:
    """A callable running the action with validation and preparation on the calling thread (tools, tests)."""
    spec = get_spec(name)
    return spec.run if spec is not None else None


def action_names() -> list[str]:
    _load_all()
    return sorted(registered())


def all_specs() -> list[ActionSpec]:
    _load_all()
    specs = registered()
    return [specs[name] for name in sorted(specs)]


@functools.cache
def _load_all() -> None:
    # Importing the action modules declares their actions; done lazily so importing this package is cheap, and
    # once (every request looks actions up several times).
    from . import cards, decks, media, misc, models, notes, packages, stats, tags  # noqa: F401
