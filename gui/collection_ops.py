"""The collection work behind the GUI actions (no aqt: runs on Anki's background thread and in plain tests).

Every write is ONE undo step: a named step for the menu actions ("Reschedule (<name>)"), or merged into the
answer's own step after a review, so a single Edit > Undo takes everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from anki.collection import Collection, OpChanges

FORECAST_DAYS = 30
# Cards per engine chunk when the GUI plans: the engine reports progress and checks Cancel between chunks, so
# chunks smaller than its default keep the progress bar moving and Cancel prompt; about 100 steps per run, at
# least GUI_MIN_CHUNK cards each so per-chunk queries stay a small share of the work.
GUI_MIN_CHUNK = 2000
GUI_PROGRESS_STEPS = 100


def gui_chunk_size(col: Collection, card_ids: Sequence[int] | None) -> int:
    total = len(card_ids) if card_ids is not None else col.db.scalar("select count() from cards")
    return max(GUI_MIN_CHUNK, -(-total // GUI_PROGRESS_STEPS))
# For operations whose engine call returns no OpChanges of its own: what changed, so Anki refreshes screens.
CARD_CHANGES = OpChanges(card=True, browser_table=True, study_queues=True)

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def count_of(value: Any) -> int:
    """Report fields may be counts or collections of card ids; the GUI shows how many either way."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return int(value)


def cards(count: int) -> str:
    """'1 card', '5 cards' — for messages."""
    return f"{count} card" if count == 1 else f"{count} cards"


@dataclass
class RescheduleOutcome:
    """What a CollectionOp returns: Anki needs `.changes` to refresh the screens."""

    changes: OpChanges
    report: Any
    scheduler_name: str


@dataclass
class PlannedPreview:
    plan: Any
    before: list[int]
    after: list[int]


def undo_name(scheduler_name: str) -> str:
    return f"Reschedule ({scheduler_name})"


def apply_as_one_undo_step(col: Collection, plan: Any, name: str | None = None) -> RescheduleOutcome:
    """Write a plan as a single named undo step, so Edit > Undo shows "Undo Reschedule (<name>)"."""
    from ..reschedule import apply_plan

    if not count_of(plan.report.rescheduled):  # no empty undo steps
        return RescheduleOutcome(OpChanges(), plan.report, plan.scheduler_name)
    step = col.add_custom_undo_entry(name or undo_name(plan.scheduler_name))
    report = apply_plan(col, plan, own_undo_step=False)
    changes = col.merge_undo_entries(step)
    return RescheduleOutcome(changes, report, plan.scheduler_name)


def plan_with_forecast(col: Collection, scheduler: Any, card_ids: Sequence[int] | None,
                       on_progress: ProgressCallback | None = None,
                       should_cancel: CancelCheck | None = None) -> PlannedPreview:
    """Plan (reads only; RescheduleCancelled when should_cancel says so) and forecast due cards per day."""
    from ..reschedule import due_forecast, plan_reschedule

    plan = plan_reschedule(col, scheduler, card_ids, on_progress=on_progress, should_cancel=should_cancel,
                           chunk_size=gui_chunk_size(col, card_ids))
    before, after = due_forecast(col, plan, FORECAST_DAYS)
    return PlannedPreview(plan, list(before), list(after))


def plan_and_apply(col: Collection, scheduler: Any, card_ids: Sequence[int] | None,
                   on_progress: ProgressCallback | None = None, should_cancel: CancelCheck | None = None,
                   name: str | None = None) -> RescheduleOutcome:
    """Without preview: plan (cancellable, nothing written yet) then write everything in one undo step."""
    from ..reschedule import plan_reschedule

    plan = plan_reschedule(col, scheduler, card_ids, on_progress=on_progress, should_cancel=should_cancel,
                           chunk_size=gui_chunk_size(col, card_ids))
    return apply_as_one_undo_step(col, plan, name)


def reschedule_answered_card(col: Collection, scheduler: Any, card_id: int) -> Any:
    """Reschedule one just-answered card and merge the write into the answer's undo step.

    Call it right after the answer (the answer must be the last undo step), so one Undo takes back both.
    Returns the RescheduleReport.
    """
    from ..reschedule import apply_plan, plan_reschedule

    answer_step = col.undo_status().last_step
    plan = plan_reschedule(col, scheduler, [card_id])
    if not count_of(plan.report.rescheduled):
        return plan.report
    report = apply_plan(col, plan, own_undo_step=False)
    if answer_step:
        col.merge_undo_entries(answer_step)
    return report


def restore_as_outcome(col: Collection) -> RescheduleOutcome:
    from ..reschedule import restore_original_schedule

    restored = restore_original_schedule(col)
    return RescheduleOutcome(CARD_CHANGES if restored else OpChanges(), restored, "")


def training_histories(col: Collection, on_progress: ProgressCallback | None = None,
                       should_cancel: CancelCheck | None = None) -> list:
    """Every reviewed card's history, as the engine hands them to interval functions (nothing is written).

    Collected through plan_reschedule with an interval function that only records, so training sees exactly
    the histories rescheduling will see.
    """
    from ..reschedule import plan_reschedule
    from ..scheduler import LoadedScheduler

    histories: list = []

    def collect(history: Any) -> None:
        histories.append(history)
        return None

    plan_reschedule(col, LoadedScheduler(name="training", interval=collect), None,
                    on_progress=on_progress, should_cancel=should_cancel,
                    chunk_size=gui_chunk_size(col, None))
    return histories


def train_scheduler(col: Collection, train: Callable[..., Any], on_progress: ProgressCallback | None = None,
                    should_cancel: CancelCheck | None = None) -> dict:
    """Run a plug-in's train(histories) on this collection's review history; returns its parameters."""
    params = train(training_histories(col, on_progress, should_cancel))
    if not isinstance(params, dict):
        raise TypeError(f"train() must return a dict of parameters, not {type(params).__name__}")
    return params
