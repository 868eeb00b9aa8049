"""After a sync, reschedule the cards that were answered on other devices (config `rescheduleAfterSync`).

Runs on the main thread inside Anki's sync-finished callback: it touches only the few cards reviewed elsewhere,
and Anki may close the collection right after a sync-on-close, so a background op could outlive it.
"""

from __future__ import annotations

import aqt
from aqt.utils import tooltip

from ..reschedule_ops import cards, count_of
from ..sync_detect import mark_before_sync, reschedule_reviewed_elsewhere
from .errors import show_failure
from .settings import current_config, load_configured_scheduler, logger
from .state import AddonState


def on_sync_will_start(state: AddonState) -> None:
    state.sync_marker = None
    try:
        if aqt.mw.col is not None and current_config().after_sync_enabled:
            state.sync_marker = mark_before_sync(aqt.mw.col)
    except Exception as exc:  # never stand in the way of a sync
        logger().warning("not watching this sync for reviews from other devices: %s", exc)


def on_sync_did_finish(state: AddonState) -> None:
    marker, state.sync_marker = state.sync_marker, None
    mw = aqt.mw
    if marker is None or mw.col is None:
        return
    spec = "?"
    try:
        config = current_config()
        spec = config.scheduler
        outcome = reschedule_reviewed_elsewhere(
            mw.col, load_configured_scheduler(state, config), marker, shaping=config.due_shaping
        )
    except Exception as exc:
        show_failure(
            exc, spec, mw, consequence="The sync itself finished; the cards keep the schedule they arrived with."
        )
        return
    finally:
        mw.update_undo_actions()
    if outcome is not None and count_of(outcome.report.rescheduled):
        message = f"Rescheduled {cards(count_of(outcome.report.rescheduled))} reviewed on other devices."
        logger().info(message)
        tooltip(message, parent=mw)
