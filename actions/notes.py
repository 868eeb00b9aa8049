"""notes actions."""

from __future__ import annotations

from . import ActionContext, ActionError, action  # noqa: F401
