"""Checking action parameters, with messages that name the parameter and what it must be."""

from __future__ import annotations

from typing import Any

from . import ActionError

_MISSING = object()


def require(params: dict, name: str, kind: type | tuple[type, ...], what: str, default: Any = _MISSING) -> Any:
    """``params[name]`` if it is a ``kind``; else ActionError ``parameter "name" must be <what>``."""
    if not isinstance(params, dict):
        raise ActionError("params must be an object")
    value = params.get(name, default)
    if value is _MISSING:
        raise ActionError(f'missing parameter "{name}" ({what})')
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ActionError(f'parameter "{name}" must be {what}')
    if not isinstance(value, kind):
        raise ActionError(f'parameter "{name}" must be {what}')
    return value


def require_ids(params: dict, name: str) -> list[int]:
    """A list of note or card ids (integers)."""
    ids = require(params, name, list, "a list of ids")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ActionError(f'parameter "{name}" must be a list of ids (integers)')
    return ids


def require_id(params: dict, name: str) -> int:
    return require(params, name, int, "an id (integer)")
