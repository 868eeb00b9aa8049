"""The rescheduling engine: runs an interval function over cards and writes Anki's card fields.

Pure domain logic on a `Collection` (no GUI). `plan_reschedule` reads cards and review logs in bulk (one query for a
chunk of cards, one for their revlogs, ordered by card id then review id) and computes new states without writing;
`apply_plan` writes them (`card_writer`) in batches under one undo step. The original scheduling of every card is
saved (`original_schedule`) before the first run so `restore_original_schedule` can put it back; `forecast` gives
the before/after due counts. Histories follow Anki's review-log rules (`review_history`, read by `card_reader`).

Rules for a card with at least one real review, with t = last review time + interval:

- interval > 2 days: a review card due on the Anki day containing t (never before today); ivl = that day minus the
  day of the last review.
- otherwise: an intraday learning card (queue 1) due at exactly t (never before now); review/relearning cards become
  relearning (type 3), learning cards stay learning.
- new cards are untouched; suspended/buried cards keep their queue; cards in filtered decks keep their filtered
  due/queue and get the new schedule in ``odue`` (used when they return home).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from anki.consts import (
    CARD_TYPE_LRN,
    CARD_TYPE_NEW,
    CARD_TYPE_RELEARNING,
    CARD_TYPE_REV,
    QUEUE_TYPE_LRN,
    QUEUE_TYPE_NEW,
    QUEUE_TYPE_REV,
)

from .card_reader import (
    CARD_COLUMNS,
    CHUNK_SIZE,
    FIRST_CHUNK_SIZE,
    PLAN_CHUNK_SIZE,
    CardRow,
    ChunkHistories,
    HistoryFactory,
    as_card_rows,
    card_chunks,
    cards_by_id,
    pages,
    plan_chunk_size,
)
from .card_writer import CardUpdate, batched, write_as_one_step
from .collection_db import db as collection_db
from .forecast import due_forecast
from .original_schedule import (
    has_original_schedule,
    original_schedule_path,
    restore_original_schedule,
    save_original_schedule,
)
from .preset_schedulers import PresetSchedulers, scheduler_lookup
from .read_ahead import read_ahead
from .reschedule_plan import RescheduleCancelled, ReschedulePlan, RescheduleReport
from .review_history import ANSWER_SQL
from .scheduler import AnkiDays, CardHistory, LoadedScheduler, Review, ReviewKind, SchedulerError, check_interval

if TYPE_CHECKING:
    from anki.collection import Collection

__all__ = [
    "RescheduleCancelled",
    "ReschedulePlan",
    "RescheduleReport",
    "answer_intervals",
    "apply_plan",
    "card_histories",
    "DueDayChooser",
    "MAX_INTERVAL_SECS",
    "due_forecast",
    "has_original_schedule",
    "original_schedule_path",
    "plan_reschedule",
    "plan_reschedules",
    "reschedule",
    "restore_original_schedule",
    "reviewed_card_ids_since",
    "save_original_schedule",
    "train_scheduler",
]

DAY_SECS = 86_400
EXACT_TIME_LIMIT_SECS = 2 * DAY_SECS  # intervals up to this are scheduled to the second, longer ones by day
MAX_INTERVAL_SECS = 36_500 * DAY_SECS  # Anki's largest maximum interval; longer ones would overflow the date maths
APPLY_READ_DEPTH = 5  # pages of current card rows apply reads ahead (PLAN_CHUNK_SIZE rows each, 100k rows at most)
CHECK_EVERY_SECS = 0.1  # at most this much planning time between cancel checks / progress reports


# Planning
##########################################################################


# The due-day hook: (card row, exact day, day of the last review) -> the day to write. None keeps the exact day
# (never before today); a `due_shaping.DueShaper` applies Anki's fuzz, load balancer and Easy Days. A hook with a
# ``prepare_cards(rows)`` method gets each chunk of card rows before they are planned.
DueDayChooser = Callable[[CardRow, int, int], int]
# Sees every planned card before its schedulers do: (its history, the list each scheduler's checked interval is then
# appended to, None where it leaves the card alone)
HistoryHook = Callable[[CardHistory, list["float | None"]], None]


def _new_state(
    card: CardRow,
    last_review_time: float,
    interval: float,
    days: AnkiDays,
    report: RescheduleReport,
    due_day: DueDayChooser | None = None,
) -> tuple[int, int, int, int, int, int]:
    """(type, queue, due, ivl, left, odue) for one card following the module's rules; updates the counts."""
    interval = min(interval, MAX_INTERVAL_SECS)
    target = last_review_time + interval
    if target <= days.now:
        report.due_now += 1
    if interval > EXACT_TIME_LIMIT_SECS:
        report.by_day += 1
        # the interval is counted from the last answer's day as Anki counts it (its FSRS reschedule does the same)
        last_day = days.revlog_day(last_review_time)
        exact_day = days.day_of(target)
        new_due = max(exact_day, days.today) if due_day is None else due_day(card, exact_day, last_day)
        new_ivl = max(1, new_due - last_day)
        new_type = CARD_TYPE_REV
        new_queue: int = QUEUE_TYPE_REV
        # graduating from (re)learning clears the remaining steps; review cards keep whatever Anki stored
        new_left = card.left if card.type == CARD_TYPE_REV else 0
    else:
        report.exact_time += 1
        new_due = math.ceil(max(target, days.now))
        if card.type in (CARD_TYPE_REV, CARD_TYPE_RELEARNING):
            new_type = CARD_TYPE_RELEARNING  # lapsed review cards keep counting as relearning
            new_ivl = max(1, card.ivl)  # the review interval Anki falls back to when the relearning step is passed
        else:
            new_type = CARD_TYPE_LRN
            new_ivl = card.ivl
        new_queue = QUEUE_TYPE_LRN
        already_stepping = card.type in (CARD_TYPE_LRN, CARD_TYPE_RELEARNING) and card.left % 1000 > 0
        new_left = card.left if already_stepping else 1  # one step left: answering Good graduates the card
    report.rescheduled += 1
    if card.queue < 0:
        new_queue = card.queue  # suspended / buried cards stay suspended / buried
    if card.odid:
        # filtered deck: keep the filtered position and queue; the new schedule applies when the card goes home
        return new_type, card.queue, card.due, new_ivl, new_left, new_due
    return new_type, new_queue, new_due, new_ivl, new_left, card.odue


def _is_schedulable(card: CardRow, last_answers: dict[int, int]) -> bool:
    """Cards with at least one answer that are not new (new cards are never touched)."""
    return card.id in last_answers and card.type != CARD_TYPE_NEW and card.queue != QUEUE_TYPE_NEW


class _CancelCheck:
    """Calls should_cancel/on_progress at most every CHECK_EVERY_SECS of planning time, however slow the plug-in."""

    def __init__(
        self, should_cancel: Callable[[], bool] | None, on_progress: Callable[[int, int], None] | None, total: int
    ) -> None:
        self.should_cancel, self.on_progress, self.total = should_cancel, on_progress, total
        self.next_check = time.monotonic() + CHECK_EVERY_SECS

    def __call__(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self.next_check:
            return
        self.next_check = now + CHECK_EVERY_SECS
        if self.should_cancel is not None and self.should_cancel():
            raise RescheduleCancelled()
        if self.on_progress is not None:
            self.on_progress(done, self.total)


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Planning creates millions of short-lived, acyclic objects (parsed logs, histories); Python's cycle
    collector would rescan them all again and again (measured: 3x the planning time at 10k cards). Reference
    counting still frees them; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan_reschedule(
    col: Collection,
    scheduler: LoadedScheduler,
    card_ids: Sequence[int] | None = None,
    *,
    now: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    chunk_size: int | None = None,
    due_day: DueDayChooser | None = None,
) -> ReschedulePlan:
    """Compute new states for ``card_ids`` (all cards if None) without writing anything.

    ``scheduler`` is one LoadedScheduler or a `preset_schedulers.PresetSchedulers` (each card then uses its home
    deck's preset's scheduler). ``due_day`` chooses the day of day-granular results (see `DueDayChooser`).

    Raises SchedulerError on the first bad scheduler output (or exception) and RescheduleCancelled when
    ``should_cancel()`` turns True (asked at least every CHECK_EVERY_SECS, between two cards).
    ``on_progress(done, total)`` is called as often, and after each chunk.
    """
    with _without_cycle_collector():
        return _plan(col, [(scheduler, due_day)], card_ids, now, on_progress, should_cancel, chunk_size)[0]


def plan_reschedules(
    col: Collection,
    schedulers: Sequence[tuple[LoadedScheduler, DueDayChooser | None]],
    card_ids: Sequence[int] | None = None,
    *,
    now: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    chunk_size: int | None = None,
    on_history: HistoryHook | None = None,
) -> list[ReschedulePlan]:
    """`plan_reschedule` for several (scheduler, due_day) pairs in one pass over the cards and their histories
    (Compare schedulers' "if applied now"): each plan is the one `plan_reschedule` gives that scheduler alone.
    ``on_history`` gets each planned card's history (before its schedulers) and the list its intervals go to, so a
    caller needing the same histories (the comparison's scoring and simulation) reads them in the same pass."""
    with _without_cycle_collector():
        return _plan(col, schedulers, card_ids, now, on_progress, should_cancel, chunk_size, on_history)


def _plan(
    col: Collection,
    schedulers: Sequence[tuple[Any, DueDayChooser | None]],
    card_ids: Sequence[int] | None,
    now: float | None,
    on_progress: Callable[[int, int], None] | None,
    should_cancel: Callable[[], bool] | None,
    chunk_size: int | None,
    on_history: HistoryHook | None = None,
) -> list[ReschedulePlan]:
    days = AnkiDays.from_collection(col, now)
    plans = [ReschedulePlan(scheduler_name=scheduler.name, report=RescheduleReport()) for scheduler, _ in schedulers]
    # each run's planned cards and their new states are collected per chunk, then added to its plan together
    runs: list[tuple[RescheduleReport, Callable[[int], Any], Any, list[CardRow], list[tuple]]] = [
        (plan.report, scheduler_lookup(scheduler), due_day, [], [])
        for plan, (scheduler, due_day) in zip(plans, schedulers)
    ]
    total = len(set(card_ids)) if card_ids is not None else collection_db(col).scalar("select count() from cards")
    factory = HistoryFactory(col, days)
    context = factory.context
    check = _CancelCheck(should_cancel, on_progress, total)
    reads = _history_reads([scheduler for scheduler, _ in schedulers])
    done = 0
    for card_rows, histories in _history_chunks(col, card_ids, days, total, chunk_size, reads):
        check(done)
        last_answers = histories.last_answer_ms
        for _, _, due_day, _, _ in runs:
            prepare = getattr(due_day, "prepare_cards", None)
            if prepare is not None:
                prepare(card_rows)  # e.g. the due shaper draws every card's random number at once
        for position, card in enumerate(card_rows):
            check(done + position)
            if not _is_schedulable(card, last_answers):
                for plan in plans:
                    plan.report.skipped += 1
                continue
            history = None
            intervals: list[float | None] | None = None
            if on_history is not None:
                history = factory.build(card, histories)
                intervals = []
                on_history(history, intervals)
            deck_id = card.odid or card.did  # the home deck
            for report, scheduler_for_deck, due_day, planned_cards, planned_states in runs:
                chosen = scheduler_for_deck(deck_id)
                by_log = getattr(chosen, "interval_of_log", None) if history is None else None
                try:
                    if by_log is not None:  # a built-in reading the card's loaded history: no CardHistory needed
                        value = by_log(histories.columns_log(card.id), context.deck_config(deck_id), days)
                    else:
                        if history is None:
                            history = factory.build(card, histories)
                        value = chosen.interval(history)
                except Exception as exc:
                    raise SchedulerError(chosen.name, card.id, exc, "raised an exception") from exc
                interval = check_interval(chosen.name, card.id, value)
                if intervals is not None:
                    intervals.append(interval)
                if interval is None:
                    report.skipped += 1
                    continue
                state = _new_state(card, last_answers[card.id] / 1000.0, interval, days, report, due_day)
                report.by_scheduler[chosen.name] = report.by_scheduler.get(chosen.name, 0) + 1
                if state == (card.type, card.queue, card.due, card.ivl, card.left, card.odue):
                    continue  # already scheduled exactly so: counted, but not rewritten (no mtime change, no sync)
                planned_cards.append(card)
                planned_states.append(state)
        for plan, (_, _, _, planned_cards, planned_states) in zip(plans, runs):
            plan.extend(planned_cards, planned_states)
            planned_cards.clear()
            planned_states.clear()
        histories.release()
        done += len(card_rows)
        check(done, force=True)
    return plans


def _history_chunks(
    col: Collection, card_ids: Sequence[int] | None, days: AnkiDays, total: int, chunk_size: int | None, reads: str
) -> Iterator[tuple[list[CardRow], ChunkHistories]]:
    """Chunks of card rows (all cards, or ``card_ids``) with their review logs, the next chunk read while the caller
    works on this one (`read_ahead`)."""

    cutoffs: dict[int, int] = {}  # each deck's preset looked up once per run, not once per chunk

    def read_logs(card_rows: list[CardRow]) -> ChunkHistories:
        # a whole-table run scans the revlog table (~0.1 s per 1M entries) for a large chunk; the small first
        # chunks walk the cid index
        whole_table = card_ids is None and len(card_rows) >= PLAN_CHUNK_SIZE // 2
        return ChunkHistories(
            col,
            card_rows,
            days,
            explicit_ids=card_ids is not None,
            whole_table=whole_table,
            reads=reads,
            cutoffs=cutoffs,
        )

    size = chunk_size or plan_chunk_size(total)
    first = None if chunk_size else FIRST_CHUNK_SIZE
    return read_ahead(card_chunks(col, card_ids, size, first), read_logs, ChunkHistories.settle)


def _history_reads(schedulers: Sequence[Any]) -> str:
    """What to read of every card's history up front (`ChunkHistories`): the most any of the run's schedulers (each
    a LoadedScheduler or PresetSchedulers) is known to read."""
    loaded: list[LoadedScheduler] = []
    for scheduler in schedulers:
        if isinstance(scheduler, PresetSchedulers):
            loaded += [scheduler.default, *scheduler.by_preset.values()]
        else:
            loaded.append(scheduler)
    reads = {scheduler.reads_history for scheduler in loaded}
    return "reviews" if "reviews" in reads else "columns" if "columns" in reads else ""


def card_histories(
    col: Collection, card_ids: Sequence[int] | None = None, *, now: float | None = None, chunk_size: int | None = None
) -> Iterator[CardHistory]:
    """Histories of all cards (or ``card_ids``) with at least one answer, new cards excluded; read chunk by
    chunk like plan_reschedule. Each history's reviews are loaded on first access."""
    days = AnkiDays.from_collection(col, now)
    factory = HistoryFactory(col, days)
    total = len(set(card_ids)) if card_ids is not None else collection_db(col).scalar("select count() from cards")
    for card_rows, histories in _history_chunks(col, card_ids, days, total, chunk_size, ""):
        for card in card_rows:
            if _is_schedulable(card, histories.last_answer_ms):
                yield factory.build(card, histories)


def train_scheduler(col: Collection, scheduler: LoadedScheduler, card_ids: Sequence[int] | None = None) -> dict:
    """Run the scheduler's ``train`` over every reviewed card's history; returns the params dict to store and
    pass back through ``load_scheduler(..., params=...)``. Raises ValueError if the scheduler has no train."""
    if scheduler.train is None:
        raise ValueError(f"Scheduler {scheduler.name!r} has no train function")
    params = scheduler.train(card_histories(col, card_ids))
    if not isinstance(params, dict):
        raise SchedulerError(scheduler.name, 0, params, "train() returned a non-dict")
    return params


# Writing
##########################################################################


def apply_plan(col: Collection, plan: ReschedulePlan, *, own_undo_step: bool = True) -> RescheduleReport:
    """Write a plan, all or nothing: one undo step "Reschedule (<name>)", or with own_undo_step=False merged into
    the caller's latest undo step (e.g. the answer that triggered it). The original schedule is saved first.

    Cards changed in any way since planning are left alone. Returns the plan's report.
    """
    if not len(plan):
        save_original_schedule(col)
        return plan.report
    # the snapshot is taken in a helper thread while the first batch is built (its query runs without Python's
    # lock); the first write waits for it
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="polar-bridge-snapshot") as helper:
        snapshot = helper.submit(save_original_schedule, col)
        with _without_cycle_collector():  # 100k card rows and messages: the collector would rescan them often
            write_as_one_step(
                col,
                f"Reschedule ({plan.scheduler_name})",
                batched(_planned_cards(col, plan))(),
                merge_into_caller_step=not own_undo_step,
                before_first_write=snapshot.result,
            )
        snapshot.result()  # a plan whose cards all changed since planning writes nothing, but still saves it
    return plan.report


def _planned_cards(col: Collection, plan: ReschedulePlan) -> Iterator[CardUpdate]:
    """The planned fields of the cards unchanged since planning (read chunk by chunk), to write."""
    index = {cid: i for i, cid in enumerate(plan.card_ids)}
    for row in _current_rows(col, plan.card_ids):
        i = index.get(row.id)
        if i is not None and hash(row) == plan.fingerprints[i]:
            yield row, plan.types[i], plan.queues[i], plan.dues[i], plan.ivls[i], plan.lefts[i], plan.odues[i], None


def _current_rows(col: Collection, ids: Sequence[int]) -> Iterator[CardRow]:
    """The cards' rows as they are now (and possibly others): for a plan covering a good part of the collection a
    sequential read of the whole cards table is cheaper than looking up each id."""
    if len(ids) * 3 >= collection_db(col).scalar("select count() from cards"):
        # the next pages are read while this one's cards are built: read ahead far enough that they are read
        # before the writes start (a read waits for a write in progress, which would keep the next batch waiting)
        for _, rows in read_ahead(pages(col, CARD_COLUMNS, PLAN_CHUNK_SIZE), as_card_rows, depth=APPLY_READ_DEPTH):
            yield from rows
        return
    for start in range(0, len(ids), CHUNK_SIZE):
        yield from cards_by_id(col, ids[start : start + CHUNK_SIZE])


def reschedule(
    col: Collection,
    scheduler: LoadedScheduler,
    card_ids: Sequence[int] | None = None,
    *,
    now: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    due_day: DueDayChooser | None = None,
) -> RescheduleReport:
    """plan_reschedule + apply_plan (own undo step)."""
    plan = plan_reschedule(
        col, scheduler, card_ids, now=now, on_progress=on_progress, should_cancel=should_cancel, due_day=due_day
    )
    return apply_plan(col, plan)


# Answer preview, helpers
##########################################################################


def answer_intervals(
    col: Collection, card_id: int, scheduler: LoadedScheduler, *, now: float | None = None
) -> dict[int, float | None]:
    """For ease 1..4, the interval (seconds) the scheduler would give if the card were answered so at ``now``."""
    days = AnkiDays.from_collection(col, now)
    rows = cards_by_id(col, [card_id])
    if not rows:
        raise ValueError(f"No card with id {card_id}")
    card = rows[0]
    histories = ChunkHistories(col, rows, days, explicit_ids=True, whole_table=False)
    factory = HistoryFactory(col, days)
    past = factory.build(card, histories).reviews
    kinds: dict[int, ReviewKind] = {CARD_TYPE_REV: ReviewKind.REVIEW, CARD_TYPE_RELEARNING: ReviewKind.RELEARN}
    kind = kinds.get(card.type, ReviewKind.LEARN)
    last_interval = past[-1].interval if past else 0.0
    result: dict[int, float | None] = {}
    for ease in (1, 2, 3, 4):
        hypothetical = Review(days.now, ease, 0.0, last_interval, card.factor, 0.0, kind)
        history = factory.build(card, histories, extra=hypothetical)
        try:
            value = scheduler.interval(history)
        except Exception as exc:
            raise SchedulerError(scheduler.name, card_id, exc, "raised an exception") from exc
        result[ease] = check_interval(scheduler.name, card_id, value)
    return result


def reviewed_card_ids_since(col: Collection, revlog_id_exclusive: int) -> list[int]:
    """Ids of cards answered after the given revlog id (e.g. the max id before a sync)."""
    return collection_db(col).list(
        f"select distinct cid from revlog where id > ? and {ANSWER_SQL}", revlog_id_exclusive
    )
