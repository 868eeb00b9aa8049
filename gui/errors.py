"""One clear dialog for anything that goes wrong in a scheduler plug-in; Anki keeps running, nothing is written."""

from __future__ import annotations

import traceback
from typing import Any

from ..config import ConfigError

NOTHING_CHANGED = "Nothing was changed."


def describe_failure(
    exc: BaseException,
    scheduler_spec: str | None = None,
    consequence: str = NOTHING_CHANGED,
    action: str = "Rescheduling",
) -> tuple[str, str]:
    """(title, message) for a failed reschedule/train/restore, naming plug-in, card and value when known.

    Pure (no Qt), so the wording is tested without a GUI.
    """
    from ..scheduler import SchedulerError, SchedulerLoadError

    name = getattr(exc, "scheduler_name", None) or scheduler_spec or "?"
    if isinstance(exc, ConfigError):
        return "Polar Bridge: settings", f"Your add-on settings have a problem: {exc}\n\n{consequence}"
    if isinstance(exc, SchedulerLoadError):
        return (
            "Scheduler plug-in could not be loaded",
            f"The scheduler plug-in '{name}' could not be loaded:\n\n{exc}\n\n"
            f"{consequence} Check the `scheduler` setting and the plug-in file in the add-on's "
            "user_files folder.",
        )
    if isinstance(exc, SchedulerError):
        lines = [f"The scheduler plug-in '{name}' failed:", "", str(exc), ""]
        card_id = getattr(exc, "card_id", None)
        if card_id is not None:
            lines.append(f"Card: {card_id} (search 'cid:{card_id}' in the Browser)")
        value = getattr(exc, "value", None)
        if isinstance(value, BaseException):
            lines.append(f"It raised: {type(value).__name__}: {value}")
        elif value is not None:
            lines.append(f"Value it returned: {value!r}")
        lines += ["", consequence]
        return "Scheduler plug-in error", "\n".join(lines)
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return (f"{action} failed", f"{action} with '{name}' failed unexpectedly:\n\n{summary}\n\n{consequence}")


def show_failure(
    exc: BaseException,
    scheduler_spec: str | None = None,
    parent: Any = None,
    consequence: str = NOTHING_CHANGED,
    action: str = "Rescheduling",
) -> None:
    """Log the full traceback and show one warning dialog (non-blocking, so tests and the UI keep going)."""
    from aqt import mw
    from aqt.utils import show_warning

    from .settings import logger

    title, message = describe_failure(exc, scheduler_spec, consequence, action)
    logger().error("%s: %s", title, message, exc_info=(type(exc), exc, exc.__traceback__))
    show_warning(message, parent=parent or mw, title=title)


def with_context(exc: Exception, **context: Any) -> Exception:
    """Attach what the GUI knew (e.g. the card answered) to an error a plug-in raised without it."""
    for key, value in context.items():
        if getattr(exc, key, None) is None:
            try:
                setattr(exc, key, value)
            except AttributeError:
                pass
    return exc
