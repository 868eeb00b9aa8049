"""misc actions: ``version``, ``requestPermission``, ``sync``.

``multi`` is part of the protocol itself (see ``protocol.plan_request``), not a handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .registry import ActionContext, ActionError, action

API_VERSION = 6

# Keys of ActionContext.extras the transport/GUI glue fills in.
EXTRA_ORIGIN_ALLOWED = "origin_allowed"  # bool: the request's Origin passed the CORS check
EXTRA_SYNC = "sync"  # Callable[[], None]: start Anki's sync from the GUI (only inside a running Anki)


@action("version", needs_collection=False, off_main=True)
def version(ctx: ActionContext, params: dict) -> int:
    return API_VERSION


@action("requestPermission", needs_collection=False, off_main=True)
def request_permission(ctx: ActionContext, params: dict) -> dict[str, Any]:
    """Tell a web page whether it may use the API. Disallowed origins are refused (no prompt): the user adds
    trusted origins to ``webCorsOriginList`` instead."""
    allowed = bool(ctx.extras.get(EXTRA_ORIGIN_ALLOWED, ctx.origin is None))
    require_key = ctx.config.api_key is not None
    return {
        "permission": "granted" if allowed else "denied",
        "requireApiKey": require_key,
        # AnkiConnect's own reply spells it this way; some clients read that spelling.
        "requireApikey": require_key,
        "version": API_VERSION,
    }


@action("sync", writes=True)
def sync(ctx: ActionContext, params: dict) -> None:
    """Start Anki's own sync (the same as pressing Sync); it runs in the background and the reply comes at once."""
    start_sync: Callable[[], None] | None = ctx.extras.get(EXTRA_SYNC)
    if start_sync is None:
        raise ActionError("sync is not available outside the Anki window")
    start_sync()
