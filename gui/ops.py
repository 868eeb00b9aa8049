"""The menu actions as Anki background operations: reschedule (with preview), restore, train.

Planning runs as a QueryOp (reads only, cancellable); writing runs as a CollectionOp so Anki handles the progress
window, the undo menu and screen refreshes, and the whole write is ONE undo step "Reschedule (<name>)".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import aqt
from anki.collection import Collection
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QWidget
from aqt.utils import ask_user_dialog, show_info, tooltip

from ..config import AddonConfig
from ..reschedule_ops import (
    PlannedPreview,
    RescheduleOutcome,
    apply_spread,
    cards,
    count_of,
    plan_and_apply,
    plan_with_forecast,
    restore_as_outcome,
    train_scheduler,
    training_card_ids,
    undo_name,
)
from .errors import show_failure
from .preview import PreviewDialog, summary_lines
from .progress import ProgressBridge
from .settings import (
    cached_scheduler,
    current_config,
    load_configured_scheduler,
    logger,
    user_files_dir,
    write_trained_params,
)
from .state import AddonState

# --- main-thread glue ---


def _is_cancel(exc: Exception) -> bool:
    from ..reschedule import RescheduleCancelled

    return isinstance(exc, RescheduleCancelled)


def _failure_handler(spec: str, parent: QWidget, action: str = "Rescheduling") -> Callable[[Exception], None]:
    def on_failure(exc: Exception) -> None:
        if _is_cancel(exc):
            tooltip(f"{action} cancelled — nothing was changed.", parent=parent)
            logger().info("%s cancelled by the user", action)
        else:
            show_failure(exc, spec, parent, action=action)

    return on_failure


def _show_summary(outcome: RescheduleOutcome, parent: QWidget) -> None:
    lines = summary_lines(outcome.report)
    if count_of(outcome.report.rescheduled):
        lines.append(f"Edit > Undo {undo_name(outcome.scheduler_name)} takes it back.")
    message = "<br>".join(lines)
    logger().info("reschedule finished: %s", "; ".join(lines))
    tooltip(message, period=6000, parent=parent)


def _load_or_explain(state: AddonState, parent: QWidget, action: str) -> tuple[AddonConfig, Any] | None:
    """The settings and the configured scheduler, or None after one dialog saying why they could not be loaded
    (a plug-in that doesn't import, or bad settings); nothing is written either way."""
    spec = "?"
    try:
        config = current_config()
        spec = config.scheduler
        return config, load_configured_scheduler(state, config)
    except Exception as exc:
        show_failure(exc, spec, parent, action=action)
        return None


def start_reschedule(
    state: AddonState, parent: QWidget | None = None, card_ids: Sequence[int] | None = None, scope: str = "all cards"
) -> None:
    """Tools > Reschedule (card_ids None) and Browser > Reschedule selected cards."""
    parent = parent or aqt.mw
    loaded = _load_or_explain(state, parent, "Rescheduling")
    if loaded is None:
        return
    config, scheduler = loaded
    spec = config.scheduler
    if not config.show_preview:
        bridge = ProgressBridge(aqt.mw, f"Rescheduling {scope} with '{scheduler.name}'…")
        CollectionOp(
            parent,
            lambda col: plan_and_apply(
                col, scheduler, card_ids, bridge.on_progress, bridge.should_cancel, shaping=config.due_shaping
            ),
        ).success(lambda outcome: _show_summary(outcome, parent)).failure(
            _failure_handler(spec, parent)
        ).run_in_background()
        bridge.add_cancel_button()
        return

    def on_planned(preview: PlannedPreview) -> None:
        show_preview(state, preview, parent, scope)

    bridge = ProgressBridge(aqt.mw, f"Planning {scope} with '{scheduler.name}'…")
    QueryOp(
        parent=parent,
        op=lambda col: plan_with_forecast(
            col, scheduler, card_ids, bridge.on_progress, bridge.should_cancel, shaping=config.due_shaping
        ),
        success=on_planned,
    ).failure(_failure_handler(spec, parent)).with_progress(
        f"Planning {scope} with '{scheduler.name}'…"
    ).run_in_background()
    bridge.add_cancel_button()


def show_preview(
    state: AddonState, preview: PlannedPreview, parent: QWidget, scope: str = "all cards"
) -> PreviewDialog:
    def on_apply(spread_days: int | None) -> None:
        apply_in_background(preview, parent, spread_days)

    dialog = PreviewDialog(
        preview.plan.scheduler_name,
        preview.plan.report,
        preview.before,
        preview.after,
        on_apply,
        parent=parent,
        scope=scope,
        groups=preview.groups,
        backlog=len(preview.backlog),
        suggested_spread_days=preview.suggested_spread_days,
    )
    state.current_preview = dialog
    dialog.finished.connect(lambda _result: _forget_preview(state, dialog))
    dialog.open()  # window-modal but non-blocking: Anki keeps drawing, tests can press the buttons
    return dialog


def _forget_preview(state: AddonState, dialog: PreviewDialog) -> None:
    if state.current_preview is dialog:
        state.current_preview = None


def apply_in_background(preview: PlannedPreview, parent: QWidget, spread_days: int | None = None) -> None:
    """Write the previewed plan (its overdue backlog spread over ``spread_days`` first, if given): one undo step."""
    CollectionOp(parent, lambda col: apply_spread(col, preview, spread_days)).success(
        lambda outcome: _show_summary(outcome, parent)
    ).failure(_failure_handler(preview.plan.scheduler_name, parent)).run_in_background()


# --- restore ---


def has_saved_schedule() -> bool:
    from ..reschedule import has_original_schedule

    return bool(aqt.mw.col) and has_original_schedule(aqt.mw.col)


def start_restore(parent: QWidget | None = None) -> None:
    parent = parent or aqt.mw
    if not has_saved_schedule():
        show_info(
            "There is no saved schedule to restore: nothing has been rescheduled by this add-on yet "
            "(or it was already restored).",
            parent=parent,
            title="Restore original schedule",
        )
        return

    def on_choice(choice: int) -> None:
        if choice == 0:
            run_restore(parent)

    ask_user_dialog(
        "Put every card rescheduled by this add-on back on the due date Anki had given it?\n\n"
        "Edit > Undo can take this back.",
        callback=on_choice,
        buttons=["Restore", "Cancel"],
        default_button=1,
        parent=parent,
        title="Restore original schedule",
    )


def run_restore(parent: QWidget) -> None:
    def on_done(outcome: RescheduleOutcome) -> None:
        logger().info("restored the original schedule of %s cards", outcome.report)
        tooltip(f"Restored the original schedule of {cards(outcome.report)}.", parent=parent)

    CollectionOp(parent, restore_as_outcome).success(on_done).failure(
        lambda exc: show_failure(exc, None, parent, action="Restoring")
    ).run_in_background()


# --- train ---


def scheduler_can_train(state: AddonState) -> bool:
    try:
        return any(s.train is not None for s in cached_scheduler(state, current_config()).distinct())
    except Exception:
        return False


def start_training(state: AddonState, parent: QWidget | None = None) -> None:
    parent = parent or aqt.mw
    loaded = _load_or_explain(state, parent, "Training")
    if loaded is None:
        return
    _config, schedulers = loaded
    trainable = [s for s in schedulers.distinct() if s.train is not None]
    if not trainable:
        show_info(f"The scheduler '{schedulers.name}' has nothing to train.", parent=parent, title="Train scheduler")
        return
    names = ", ".join(f"'{s.name}'" for s in trainable)
    bridge = ProgressBridge(aqt.mw, f"Training {names} on your review history…")
    user_files = user_files_dir()

    def op(col: Collection) -> dict[str, dict]:
        # each scheduler learns from the cards of the presets that use it
        return {
            s.name: train_scheduler(
                col, s.train, bridge.on_progress, bridge.should_cancel, training_card_ids(col, schedulers, s.name)
            )
            for s in trainable
        }

    def on_trained(trained: dict[str, dict]) -> None:
        for spec, params in trained.items():
            path = write_trained_params(user_files, spec, params)
            logger().info("trained %s, stored parameters in %s", spec, path)
        tooltip(
            f"Trained {names}. The new parameters are used from now on "
            f"(run Tools > Reschedule… to apply them to all cards).",
            period=6000,
            parent=parent,
        )

    QueryOp(parent=parent, op=op, success=on_trained).failure(
        _failure_handler(schedulers.name, parent, "Training")
    ).with_progress(f"Training {names}…").run_in_background()
    bridge.add_cancel_button()
