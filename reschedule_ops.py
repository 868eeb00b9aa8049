"""The collection work behind the GUI actions (no aqt: runs on Anki's background thread and in plain tests).

Every write is ONE undo step: a named step for the menu actions ("Reschedule (<name>)"), or merged into the
answer's own step after a review, so a single Edit > Undo takes everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from anki.collection import Collection, OpChanges

from .due_shaping import BacklogCard, DueShaper, spread_backlog, suggested_spread_days
from .preset_schedulers import PresetSchedulers

FORECAST_DAYS = 30
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
    # cards whose new day had already passed (put on today), which the preview offers to spread
    backlog: list[BacklogCard] = field(default_factory=list)
    suggested_spread_days: int = 1
    today: int = 0
    # scheduler name -> preset names using it, for the preview's groups (empty with one scheduler for all)
    groups: dict[str, list[str]] = field(default_factory=dict)


def _shaper(col: Collection, shaping: bool) -> DueShaper:
    """The due-day chooser of a run: Anki's fuzz / load balancer / Easy Days, or exact days; it also records the
    overdue backlog either way."""
    return DueShaper.from_collection(col, shape=shaping)


def scheduler_groups(scheduler: Any) -> dict[str, list[str]]:
    if isinstance(scheduler, PresetSchedulers) and len(scheduler.names()) > 1:
        return {name: scheduler.presets_using(name) for name in scheduler.names()}
    return {}


def undo_name(scheduler_name: str) -> str:
    return f"Reschedule ({scheduler_name})"


def apply_as_one_undo_step(col: Collection, plan: Any, name: str | None = None) -> RescheduleOutcome:
    """Write a plan as a single named undo step, so Edit > Undo shows "Undo Reschedule (<name>)"."""
    from .reschedule import apply_plan

    if not count_of(plan.report.rescheduled):  # no empty undo steps
        return RescheduleOutcome(OpChanges(), plan.report, plan.scheduler_name)
    step = col.add_custom_undo_entry(name or undo_name(plan.scheduler_name))
    report = apply_plan(col, plan, own_undo_step=False)
    changes = col.merge_undo_entries(step)
    return RescheduleOutcome(changes, report, plan.scheduler_name)


def plan_with_forecast(
    col: Collection,
    scheduler: Any,
    card_ids: Sequence[int] | None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    shaping: bool = False,
) -> PlannedPreview:
    """Plan (reads only; RescheduleCancelled when should_cancel says so) and forecast due cards per day."""
    from .reschedule import due_forecast, plan_reschedule

    shaper = _shaper(col, shaping)
    plan = plan_reschedule(
        col, scheduler, card_ids, on_progress=on_progress, should_cancel=should_cancel, due_day=shaper
    )
    before, after = due_forecast(col, plan, FORECAST_DAYS)
    planned = set(plan.card_ids)
    backlog = [c for c in shaper.backlog if c.card_id in planned]
    return PlannedPreview(
        plan,
        list(before),
        list(after),
        backlog,
        suggested_spread_days(backlog, shaper.presets),
        shaper.today,
        scheduler_groups(scheduler),
    )


def apply_spread(
    col: Collection, preview: PlannedPreview, spread_days: int | None, name: str | None = None
) -> RescheduleOutcome:
    """Apply a previewed plan, first spreading its overdue backlog over ``spread_days`` days (None: don't), all in
    one undo step."""
    if spread_days and preview.backlog:
        spread_backlog(preview.plan, preview.backlog, spread_days, preview.today)
    return apply_as_one_undo_step(col, preview.plan, name)


def plan_and_apply(
    col: Collection,
    scheduler: Any,
    card_ids: Sequence[int] | None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    name: str | None = None,
    shaping: bool = False,
) -> RescheduleOutcome:
    """Without preview: plan (cancellable, nothing written yet) then write everything in one undo step."""
    from .reschedule import plan_reschedule

    plan = plan_reschedule(
        col, scheduler, card_ids, on_progress=on_progress, should_cancel=should_cancel, due_day=_shaper(col, shaping)
    )
    return apply_as_one_undo_step(col, plan, name)


def reschedule_answered_card(col: Collection, scheduler: Any, card_id: int, shaping: bool = False) -> Any:
    """Reschedule one just-answered card and merge the write into the answer's undo step.

    Call it right after the answer (the answer must be the last undo step), so one Undo takes back both.
    Returns the RescheduleReport.
    """
    from .reschedule import apply_plan, plan_reschedule

    answer_step = col.undo_status().last_step
    plan = plan_reschedule(col, scheduler, [card_id], due_day=_shaper(col, shaping))
    if not count_of(plan.report.rescheduled):
        return plan.report
    report = apply_plan(col, plan, own_undo_step=False)
    if answer_step:
        col.merge_undo_entries(answer_step)
    return report


def restore_as_outcome(col: Collection) -> RescheduleOutcome:
    from .reschedule import restore_original_schedule

    restored = restore_original_schedule(col)
    return RescheduleOutcome(CARD_CHANGES if restored else OpChanges(), restored, "")


def watched(
    histories: Iterable[Any],
    total: int,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
    every: int = 2000,
) -> Iterator[Any]:
    """Pass histories through to train(), reporting progress and honouring Cancel as train() consumes them."""
    from .reschedule import RescheduleCancelled

    done = 0
    for done, history in enumerate(histories, 1):
        if done % every == 0:
            if should_cancel is not None and should_cancel():
                raise RescheduleCancelled()
            if on_progress is not None:
                on_progress(done, total)
        yield history
    if on_progress is not None:
        on_progress(done, max(done, total))


def train_scheduler(
    col: Collection,
    train: Callable[..., Any],
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    card_ids: Sequence[int] | None = None,
) -> dict:
    """Run a plug-in's train(histories) over every reviewed card's history (read lazily, as the engine hands
    them to interval functions; nothing is written), or over ``card_ids`` only (the cards of the presets that use
    this scheduler). Returns the parameters to store."""
    from .reschedule import card_histories

    if should_cancel is not None and should_cancel():
        from .reschedule import RescheduleCancelled

        raise RescheduleCancelled()
    db = col.db
    assert db is not None, "the collection is closed"
    total = db.scalar("select count() from cards where type != 0") if card_ids is None else len(card_ids)
    params = train(watched(card_histories(col, card_ids), total, on_progress, should_cancel))
    if not isinstance(params, dict):
        raise TypeError(f"train() must return a dict of parameters, not {type(params).__name__}")
    return params


def training_card_ids(col: Collection, scheduler: Any, name: str) -> list[int] | None:
    """The cards a scheduler trains on: those of the presets using it (None = all cards, when one scheduler serves
    every preset)."""
    if not isinstance(scheduler, PresetSchedulers) or len(scheduler.names()) == 1:
        return None
    deck_ids = scheduler.deck_ids_using(name)
    if not deck_ids:
        return []
    db = col.db
    assert db is not None, "the collection is closed"
    return db.list(
        "select id from cards where type != 0 and (case when odid = 0 then did else odid end) in "
        f"({','.join(map(str, deck_ids))})"
    )
