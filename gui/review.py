"""Reviewer glue: reschedule the answered card with the plug-in (same undo step as the answer), and show the
plug-in's intervals on the answer buttons.

Both run on the main thread for ONE card, so they stay cheap; the loaded scheduler is cached between cards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aqt
from anki.cards import Card
from anki.collection import Collection

from ..config import AddonConfig
from ..reschedule_ops import reschedule_answered_card
from .errors import show_failure, with_context
from .settings import cached_scheduler, current_config, logger
from .state import AddonState

KEPT_ANKIS_ANSWER = "Your answer was saved with Anki's own schedule; the plug-in changed nothing."
# Anki's own interval text under each button has class "nobold" and sits right after the label; ours carries
# both classes (same place and look) and this rule hides Anki's when ours is present.
BUTTON_CSS = "<style>.polar-ivl ~ .nobold { display: none; }</style>"


def _config_or_none() -> AddonConfig | None:
    try:
        return current_config()
    except Exception as exc:  # a settings error is shown by the menu actions; here just don't interfere
        logger().warning("after-review rescheduling skipped: %s", exc)
        return None


def on_reviewer_did_answer_card(state: AddonState, reviewer: Any, card: Card, ease: int) -> None:
    config = _config_or_none()
    if config is None or not config.reschedule_after_review:
        return
    mw = aqt.mw
    try:
        scheduler = cached_scheduler(state, config)
        reschedule_answered_card(mw.col, scheduler, card.id, shaping=config.due_shaping)
    except Exception as exc:
        _report_review_failure(state, with_context(exc, card_id=card.id), config.scheduler)
        return
    finally:
        mw.update_undo_actions()
    card.load()


def _report_review_failure(state: AddonState, exc: Exception, spec: str) -> None:
    """One dialog per plug-in and session; later failures only log and flash a tooltip, so a broken plug-in
    doesn't put a dialog between the user and every card."""
    if spec in state.warned_schedulers:
        logger().error("after-review rescheduling with %s failed again: %s", spec, exc)
        from aqt.utils import tooltip

        tooltip(f"Scheduler '{spec}' failed again; Anki's own schedule was kept.", parent=aqt.mw)
        return
    state.warned_schedulers.add(spec)
    show_failure(exc, spec, aqt.mw, consequence=KEPT_ANKIS_ANSWER)


# --- answer buttons ---


def written_interval_secs(seconds: float, days: Any, day_for: Callable[[int], int] | None = None) -> float:
    """The interval the engine will actually write: to the second up to its exact-time limit, else whole days
    (due on the Anki day that contains now + seconds, or the day ``day_for`` shapes that into: fuzz, load
    balancer, Easy Days). Buttons show this, so the label is what answering gives."""
    from ..reschedule import DAY_SECS, EXACT_TIME_LIMIT_SECS

    if seconds <= EXACT_TIME_LIMIT_SECS:
        return seconds
    day = days.day_of(days.now + seconds)
    if day_for is not None:
        day = day_for(day)
    return (max(day, days.today) - days.today) * DAY_SECS


def format_interval(
    col: Collection, seconds: float | None, days: Any = None, day_for: Callable[[int], int] | None = None
) -> str:
    """Button text for a plug-in interval, in Anki's own wording ("10m", "3d", "1.2mo"); "" when it has none."""
    from anki.lang import FormatTimeSpan

    from ..scheduler import AnkiDays

    if seconds is None:
        return ""
    seconds = written_interval_secs(seconds, days or AnkiDays.from_collection(col), day_for)
    if seconds < 60:
        return "<1m"
    return col.format_timespan(seconds, context=FormatTimeSpan.ANSWER_BUTTONS)


def button_labels_with_intervals(
    buttons: tuple[tuple[int, str], ...],
    intervals: dict[int, float | None],
    col: Collection,
    day_for: Callable[[int], int] | None = None,
) -> tuple[tuple[int, str], ...]:
    from ..scheduler import AnkiDays

    days = AnkiDays.from_collection(col)
    labelled = []
    for ease, label in buttons:
        text = format_interval(col, intervals.get(ease), days, day_for)
        if text:
            label = f'{label}<span class="nobold polar-ivl" data-polar-ease="{ease}">{text}</span>'
        labelled.append((ease, label))
    return tuple(labelled)


def plugin_intervals(
    state: AddonState, col: Collection, card: Card, config: AddonConfig
) -> tuple[dict[int, float | None], Callable[[int], int]]:
    """What the buttons show for ``card``: the interval its preset's scheduler gives for each ease, and the
    due-day shaping the after-review reschedule will apply to it (exact day -> written day)."""
    from ..due_shaping import DueShaper
    from ..reschedule import answer_intervals

    home_deck = card.odid or card.did
    intervals = answer_intervals(col, card.id, cached_scheduler(state, config).for_deck(home_deck))
    shaper = DueShaper.from_collection(col, shape=config.due_shaping)

    def day_for(exact_day: int) -> int:
        # the answer makes reps one more; the reschedule seeds its fuzz with that answer's seed
        return shaper.preview_day(card.id, card.reps + 1, home_deck, exact_day)

    return intervals, day_for


def on_will_init_answer_buttons(
    state: AddonState, buttons: tuple[tuple[int, str], ...], reviewer: Any, card: Card
) -> tuple[tuple[int, str], ...]:
    config = _config_or_none()
    if config is None or not (config.reschedule_after_review and config.show_plugin_intervals_on_buttons):
        return buttons
    col = aqt.mw.col
    if not col.conf.get("estTimes", True):  # the user turned button times off in Anki's preferences
        return buttons
    try:
        intervals, day_for = plugin_intervals(state, col, card, config)
        return button_labels_with_intervals(buttons, intervals, col, day_for)
    except Exception as exc:  # show Anki's own times; the error dialog comes when the answer is rescheduled
        logger().warning("could not compute plug-in intervals for card %s: %s", card.id, exc)
        return buttons


def on_webview_will_set_content(web_content: Any, context: object | None) -> None:
    from aqt.reviewer import ReviewerBottomBar

    if isinstance(context, ReviewerBottomBar):
        web_content.head += BUTTON_CSS
