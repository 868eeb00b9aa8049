"""AnkiConnect actions, grouped by domain (decks, models, notes, cards, media, misc).

Each handler is a plain function ``handler(ctx: ActionContext, params: dict) -> result`` registered with
:func:`action`. Handlers take the collection from ``ctx`` and never import aqt; the server runs them on the main
thread. A handler reports a client mistake by raising :class:`ActionError` with the exact message the client sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from anki.collection import Collection

    from ..config import AddonConfig


class ActionError(Exception):
    """An error the client caused or must hear about; ``str(error)`` goes into the reply's ``error``."""


@dataclass
class ActionContext:
    col: "Collection"
    config: "AddonConfig"
    # Per-request facts the protocol layer knows (e.g. the request's Origin), for actions that need them.
    origin: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[ActionContext, dict], Any]

_REGISTRY: dict[str, Handler] = {}


def action(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` under the AnkiConnect action ``name``."""

    def register(handler: Handler) -> Handler:
        if name in _REGISTRY:
            raise RuntimeError(f"action {name!r} registered twice")
        _REGISTRY[name] = handler
        return handler

    return register


def get_handler(name: str) -> Handler | None:
    _load_all()
    return _REGISTRY.get(name)


def action_names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def _load_all() -> None:
    # Importing the domain modules registers their handlers; done lazily so importing this package is cheap.
    from . import cards, decks, media, misc, models, notes  # noqa: F401
