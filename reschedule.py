"""The rescheduling engine: runs an interval function over cards and writes Anki's card fields.

Pure domain logic on a `Collection` (no GUI). `plan_reschedule` reads cards and review logs in bulk (one query for a
chunk of cards, one for their revlogs, ordered by card id then review id) and computes new states without writing;
`apply_plan` writes them with `col.update_cards` in batches under one undo step. The original scheduling of every
card is saved (a file next to the collection) before the first run so `restore_original_schedule` can put it back.

Rules for a card with at least one real review, with t = last review time + interval:

- interval > 2 days: a review card due on the Anki day containing t (never before today); ivl = that day minus the
  day of the last review.
- otherwise: an intraday learning card (queue 1) due at exactly t (never before now); review/relearning cards become
  relearning (type 3), learning cards stay learning.
- new cards are untouched; suspended/buried cards keep their queue; cards in filtered decks keep their filtered
  due/queue and get the new schedule in ``odue`` (used when they return home).
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .scheduler import (
    AnkiDays,
    _Context,
    CardHistory,
    LoadedScheduler,
    Review,
    ReviewKind,
    SchedulerError,
    check_interval,
)

from .preset_schedulers import scheduler_lookup

from anki import cards_pb2

try:
    from orjson import loads as _json_loads  # ships with Anki; parses a card's review list at C speed
except ImportError:  # pragma: no cover
    from json import loads as _json_loads

if TYPE_CHECKING:
    from anki.collection import Collection

DAY_SECS = 86_400
EXACT_TIME_LIMIT_SECS = 2 * DAY_SECS  # intervals up to this are scheduled to the second, longer ones by day
MAX_INTERVAL_SECS = 36_500 * DAY_SECS  # Anki's largest maximum interval; longer ones would overflow the date maths
CHUNK_SIZE = 100_000  # cards read (and their revlogs) per query; bounds memory on huge collections
WRITE_BATCH = 10_000  # cards per col.update_cards call
IN_LIST_LIMIT = 10_000  # ids per "in (...)" list when specific card ids are given
PROGRESS_EVERY = 2_000  # cards between progress reports / cancel checks

CARD_TYPE_NEW, CARD_TYPE_LRN, CARD_TYPE_REV, CARD_TYPE_RELEARNING = 0, 1, 2, 3
QUEUE_NEW, QUEUE_LRN, QUEUE_REV, QUEUE_DAY_LRN = 0, 1, 2, 3

_CARD_COLUMNS = "id, nid, did, ord, mod, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data"
# Real answers only: learn/review/relearn/filtered with an ease button; manual (4), rescheduled (5) and
# cramming entries without an answer (ease 0) are not reviews.
_REAL_ANSWER = "ease between 1 and 4 and type between 0 and 3"


@dataclass
class RescheduleReport:
    """Counts of a run. rescheduled = exact_time + by_day; due_now counts those whose time had already passed
    (they are due now/today); skipped = cards left alone (new, no real reviews, or the scheduler returned None)."""

    rescheduled: int = 0
    due_now: int = 0
    exact_time: int = 0
    by_day: int = 0
    skipped: int = 0
    # rescheduled cards per scheduler name (several when presets use different schedulers)
    by_scheduler: dict[str, int] = field(default_factory=dict)


class RescheduleCancelled(Exception):
    """`should_cancel()` returned True; nothing was written."""


@dataclass
class ReschedulePlan:
    """New states computed by `plan_reschedule`; `apply_plan` writes them. Columnar arrays keep 1M cards small."""

    scheduler_name: str
    report: RescheduleReport
    card_ids: array = field(default_factory=lambda: array("q"), repr=False)
    mods: array = field(default_factory=lambda: array("q"), repr=False)  # card mtime when planned: detects edits
    types: array = field(default_factory=lambda: array("b"), repr=False)
    queues: array = field(default_factory=lambda: array("b"), repr=False)
    dues: array = field(default_factory=lambda: array("q"), repr=False)
    ivls: array = field(default_factory=lambda: array("q"), repr=False)
    lefts: array = field(default_factory=lambda: array("q"), repr=False)
    odues: array = field(default_factory=lambda: array("q"), repr=False)
    # the planned cards' full rows, kept for small plans (<= one chunk) so apply_plan need not read them again
    _rows: list | None = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.card_ids)

    def new_state(self, card_id: int) -> dict[str, int] | None:
        """The planned fields of one card (for previews and tests), or None if the plan leaves it alone."""
        try:
            i = self.card_ids.index(card_id)
        except ValueError:
            return None
        return dict(type=self.types[i], queue=self.queues[i], due=self.dues[i], ivl=self.ivls[i],
                    left=self.lefts[i], odue=self.odues[i])


# Reading cards and histories
##########################################################################


def _id_chunks(col: Collection, card_ids: Sequence[int] | None, chunk_size: int) -> Iterator[list[list]]:
    """Card rows in id order, chunk by chunk: one query per chunk (or per IN_LIST_LIMIT ids when ids are given)."""
    if card_ids is None:
        yield from _all_card_chunks(col, _CARD_COLUMNS, chunk_size)
    else:
        ids = sorted(set(int(i) for i in card_ids))
        for start in range(0, len(ids), chunk_size):
            part = ids[start:start + chunk_size]
            rows: list[list] = []
            for sub in range(0, len(part), IN_LIST_LIMIT):
                id_list = ",".join(map(str, part[sub:sub + IN_LIST_LIMIT]))
                rows.extend(col.db.all(f"select {_CARD_COLUMNS} from cards where id in ({id_list}) order by id"))
            if rows:
                yield rows


class _ChunkRevlogs:
    """Review logs of one chunk of cards.

    Up front only the last real answer of each card is read (all the engine needs); the full histories are read
    with one more query for the whole chunk the first time any card of the chunk asks for its reviews. Each card's
    reviews come back as one compact string (SQL group_concat), parsed only for cards whose history is read.
    """

    def __init__(self, col: Collection, card_rows: list[list], explicit_ids: bool, whole_table: bool) -> None:
        self.col = col
        if explicit_ids:
            self.wheres = [
                "cid in (" + ",".join(str(r[0]) for r in card_rows[s:s + IN_LIST_LIMIT]) + ")"
                for s in range(0, len(card_rows), IN_LIST_LIMIT)
            ]
            self.source = "revlog"
        else:
            # the chunk is a contiguous id range of the cards table; when it is (most of) the whole table a
            # sequential scan beats walking the cid index (random table reads)
            self.wheres = [f"cid between {card_rows[0][0]} and {card_rows[-1][0]}"]
            self.source = "revlog not indexed" if whole_table else "revlog"
        self.last_review_ms = self._last_real_answers(col)
        self._texts: dict[int, str] | None = None

    def _last_real_answers(self, col: Collection) -> dict[int, int]:
        """card id -> id (ms) of its newest real answer. Reads only the cid index (covering), then checks just
        those newest entries; the few cards whose newest entry is manual/rescheduled get a filtered query."""
        last: dict[int, int] = {}
        for where in self.wheres:
            last.update(col.db.all(f"select cid, max(id) from revlog where {where} group by cid"))
        newest = list(last.values())
        not_real: list[int] = []
        for start in range(0, len(newest), IN_LIST_LIMIT):
            id_list = ",".join(map(str, newest[start:start + IN_LIST_LIMIT]))
            not_real += col.db.list(f"select cid from revlog where id in ({id_list}) and not ({_REAL_ANSWER})")
        for start in range(0, len(not_real), IN_LIST_LIMIT):
            part = not_real[start:start + IN_LIST_LIMIT]
            for cid in part:
                del last[cid]
            last.update(col.db.all(
                f"select cid, max(id) from revlog where cid in ({','.join(map(str, part))}) and {_REAL_ANSWER} "
                "group by cid"))
        return last

    def reviews_of(self, card_id: int) -> tuple[Review, ...]:
        if self._texts is None:
            texts: dict[int, str] = {}
            for where in self.wheres:
                texts.update(self.col.db.all(
                    f"select cid, '['||group_concat(id||','||ease||','||ivl||','||lastIvl||','||factor||','||time"
                    f"||','||type)||']' from {self.source} where {where} and {_REAL_ANSWER} group by cid"))
            self._texts = texts
        text = self._texts.get(card_id)
        return _parse_reviews(text) if text else ()


_REVIEW_KINDS = tuple(ReviewKind)


def _parse_reviews(text: str) -> tuple[Review, ...]:
    """'[id,ease,ivl,lastIvl,factor,time,type,id,...]' -> Reviews sorted by id (column-wise, C-speed conversions)."""
    values = _json_loads(text)
    ids = values[0::7]
    if ids != sorted(ids):
        # SQL gives no ordering promise for group_concat: sort by review id when needed
        rows = sorted(values[i:i + 7] for i in range(0, len(values), 7))
        values = [v for row in rows for v in row]
        ids = values[0::7]
    return tuple(map(
        Review,
        [i / 1000.0 for i in ids],
        values[1::7],
        [v * 86400.0 if v > 0 else -v * 1.0 for v in values[2::7]],  # revlog ivl: days > 0, -seconds < 0
        [v * 86400.0 if v > 0 else -v * 1.0 for v in values[3::7]],
        values[4::7],
        [v / 1000.0 for v in values[5::7]],
        [_REVIEW_KINDS[v] for v in values[6::7]],
    ))


class _HistoryFactory:
    """Builds CardHistory objects sharing one context (collection, AnkiDays, note/deck-config caches)."""

    def __init__(self, col: Collection, days: AnkiDays) -> None:
        self.days = days
        self.context = _Context(col, days)

    def build(self, card: list, revlogs: _ChunkRevlogs, extra: Review | None = None) -> CardHistory:
        cid, nid, did, ord_, _mod, ctype, queue, due, ivl, factor, reps, lapses, _left, odue, odid = card[:15]
        if extra is None:
            reviews, source = None, revlogs
        else:
            reviews, source = revlogs.reviews_of(cid) + (extra,), None
        return CardHistory(
            card_id=cid, note_id=nid, deck_id=odid or did, ordinal=ord_, created=cid / 1000.0, type=ctype,
            queue=queue, due=odue if odid and odue else due, interval_days=ivl, factor=factor, reps=reps,
            lapses=lapses, reviews=reviews, review_source=source, context=self.context,
        )


# Planning
##########################################################################


# The due-day hook: (card row, exact day, day of the last review) -> the day to write. None keeps the exact day
# (never before today); `due_shaping.DueShaper.due_day` applies Anki's fuzz, load balancer and Easy Days.
DueDayChooser = Callable[[list, int, int], int]


def _new_state(card: list, last_review_time: float, interval: float, days: AnkiDays,
               report: RescheduleReport, due_day: DueDayChooser | None = None) -> tuple[int, int, int, int, int, int]:
    """(type, queue, due, ivl, left, odue) for one card following the module's rules; updates the counts."""
    ctype, queue, due, ivl, left, odue, odid = card[5], card[6], card[7], card[8], card[12], card[13], card[14]
    interval = min(interval, MAX_INTERVAL_SECS)
    target = last_review_time + interval
    if target <= days.now:
        report.due_now += 1
    if interval > EXACT_TIME_LIMIT_SECS:
        report.by_day += 1
        last_day = days.day_of(last_review_time)
        exact_day = days.day_of(target)
        new_due = max(exact_day, days.today) if due_day is None else due_day(card, exact_day, last_day)
        new_ivl = max(1, new_due - last_day)
        new_type = CARD_TYPE_REV
        new_queue = QUEUE_REV
        # graduating from (re)learning clears the remaining steps; review cards keep whatever Anki stored
        new_left = left if ctype == CARD_TYPE_REV else 0
    else:
        report.exact_time += 1
        new_due = math.ceil(max(target, days.now))
        if ctype in (CARD_TYPE_REV, CARD_TYPE_RELEARNING):
            new_type = CARD_TYPE_RELEARNING  # lapsed review cards keep counting as relearning
            new_ivl = max(1, ivl)  # the review interval Anki falls back to when the relearning step is passed
        else:
            new_type = CARD_TYPE_LRN
            new_ivl = ivl
        new_queue = QUEUE_LRN
        already_stepping = ctype in (CARD_TYPE_LRN, CARD_TYPE_RELEARNING) and left % 1000 > 0
        new_left = left if already_stepping else 1  # one step left: answering Good graduates the card
    report.rescheduled += 1
    if queue < 0:
        new_queue = queue  # suspended / buried cards stay suspended / buried
    if odid:
        # filtered deck: keep the filtered position and queue; the new schedule applies when the card goes home
        return new_type, queue, due, new_ivl, new_left, new_due
    return new_type, new_queue, new_due, new_ivl, new_left, odue


def plan_reschedule(
    col: Collection,
    scheduler: LoadedScheduler,
    card_ids: Sequence[int] | None = None,
    *,
    now: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    chunk_size: int = CHUNK_SIZE,
    due_day: DueDayChooser | None = None,
) -> ReschedulePlan:
    """Compute new states for ``card_ids`` (all cards if None) without writing anything.

    ``scheduler`` is one LoadedScheduler or a `preset_schedulers.PresetSchedulers` (each card then uses its home
    deck's preset's scheduler). ``due_day`` chooses the day of day-granular results (see `DueDayChooser`).

    Raises SchedulerError on the first bad scheduler output (or exception) and RescheduleCancelled when
    ``should_cancel()`` turns True (checked every PROGRESS_EVERY cards). ``on_progress(done, total)`` is called
    every PROGRESS_EVERY cards and after each chunk.
    """
    days = AnkiDays.from_collection(col, now)
    report = RescheduleReport()
    plan = ReschedulePlan(scheduler_name=scheduler.name, report=report)
    total = len(set(card_ids)) if card_ids is not None else col.db.scalar("select count() from cards")
    factory = _HistoryFactory(col, days)
    scheduler_for_deck = scheduler_lookup(scheduler)
    by_scheduler = report.by_scheduler
    done = 0
    for card_rows in _id_chunks(col, card_ids, chunk_size):
        if should_cancel is not None and should_cancel():
            raise RescheduleCancelled()
        revlogs = _ChunkRevlogs(col, card_rows, explicit_ids=card_ids is not None,
                                whole_table=len(card_rows) >= total)
        last_review_ms = revlogs.last_review_ms
        for position, card in enumerate(card_rows):
            if position and position % PROGRESS_EVERY == 0:
                # slow schedulers: keep the progress bar moving and honour cancel within a chunk
                if should_cancel is not None and should_cancel():
                    raise RescheduleCancelled()
                if on_progress is not None:
                    on_progress(done + position, total)
            last_ms = last_review_ms.get(card[0])
            if last_ms is None or card[5] == CARD_TYPE_NEW or card[6] == QUEUE_NEW:
                report.skipped += 1
                continue
            history = factory.build(card, revlogs)
            chosen = scheduler_for_deck(history.deck_id)
            try:
                value = chosen.interval(history)
            except Exception as exc:
                raise SchedulerError(chosen.name, card[0], exc, "raised an exception") from exc
            interval = check_interval(chosen.name, card[0], value)
            if interval is None:
                report.skipped += 1
                continue
            state = _new_state(card, last_ms / 1000.0, interval, days, report, due_day)
            by_scheduler[chosen.name] = by_scheduler.get(chosen.name, 0) + 1
            if state == (card[5], card[6], card[7], card[8], card[12], card[13]):
                continue  # already scheduled exactly so: counted, but not rewritten (no mtime change, no sync)
            plan.card_ids.append(card[0])
            plan.mods.append(card[4])
            plan.types.append(state[0])
            plan.queues.append(state[1])
            plan.dues.append(state[2])
            plan.ivls.append(state[3])
            plan.lefts.append(state[4])
            plan.odues.append(state[5])
            if plan._rows is not None:
                if len(plan._rows) < CHUNK_SIZE:
                    plan._rows.append(card)
                else:
                    plan._rows = None  # big plan: apply_plan re-reads rows chunk by chunk (bounded memory)
        done += len(card_rows)
        if on_progress is not None:
            on_progress(done, total)
    return plan


def card_histories(col: Collection, card_ids: Sequence[int] | None = None, *, now: float | None = None,
                   chunk_size: int = CHUNK_SIZE) -> Iterator[CardHistory]:
    """Histories of all cards (or ``card_ids``) with at least one real review, new cards excluded; read chunk by
    chunk like plan_reschedule. Each history's reviews are loaded on first access."""
    days = AnkiDays.from_collection(col, now)
    factory = _HistoryFactory(col, days)
    total = len(set(card_ids)) if card_ids is not None else col.db.scalar("select count() from cards")
    for card_rows in _id_chunks(col, card_ids, chunk_size):
        revlogs = _ChunkRevlogs(col, card_rows, explicit_ids=card_ids is not None,
                                whole_table=len(card_rows) >= total)
        for card in card_rows:
            if card[0] in revlogs.last_review_ms and card[5] != CARD_TYPE_NEW and card[6] != QUEUE_NEW:
                yield factory.build(card, revlogs)


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


def _backend_card(row: list, ctype: int, queue: int, due: int, ivl: int, left: int, odue: int):
    """A backend Card message from a cards-table row with new scheduling fields (everything else kept)."""
    (cid, nid, did, ord_, _mod, _type, _queue, _due, _ivl, factor, reps, lapses, _left, _odue, odid, flags,
     data) = row
    extra = _parse_card_data(data)
    card = cards_pb2.Card(
        id=cid, note_id=nid, deck_id=did, template_idx=ord_, ctype=ctype, queue=queue, due=due, interval=ivl,
        ease_factor=factor, reps=reps, lapses=lapses, remaining_steps=left, original_due=odue,
        original_deck_id=odid, flags=flags, custom_data=extra.get("cd", ""),
    )
    if "pos" in extra:
        card.original_position = extra["pos"]
    if "s" in extra and "d" in extra:
        card.memory_state.stability = extra["s"]
        card.memory_state.difficulty = extra["d"]
    if "dr" in extra:
        card.desired_retention = extra["dr"]
    if "decay" in extra:
        card.decay = extra["decay"]
    if "lrt" in extra:
        card.last_review_time_secs = extra["lrt"]
    return card


def _parse_card_data(data: str) -> dict:
    # the cards.data column: {"pos":.., "s":.., "d":.., "dr":.., "decay":.., "lrt":.., "cd":"..."}
    if not data or data == "{}":
        return {}
    try:
        parsed = _json_loads(data)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def apply_plan(col: Collection, plan: ReschedulePlan, *, own_undo_step: bool = True) -> RescheduleReport:
    """Write a plan. own_undo_step=True: one undo step "Reschedule (<name>)". False: the writes form ordinary
    undoable steps the caller merges into its own step (``col.merge_undo_entries(target)``, target taken from
    ``col.undo_status().last_step`` before calling). ``update_cards(skip_undo_entry=True)`` is never used: Anki
    clears the whole undo history on non-undoable writes.

    Cards edited since planning (their mtime changed) are left alone. Returns the plan's report.
    """
    save_original_schedule(col)
    if not len(plan):
        return plan.report
    undo_target = col.add_custom_undo_entry(f"Reschedule ({plan.scheduler_name})") if own_undo_step else None
    index = {cid: i for i, cid in enumerate(plan.card_ids)}
    pending: list = []
    ids = plan.card_ids
    for start in range(0, len(ids), CHUNK_SIZE):
        part = ids[start:start + CHUNK_SIZE]
        rows: list[list] = []
        if plan._rows is not None:
            current_mods: dict[int, int] = {}
            for sub in range(0, len(part), IN_LIST_LIMIT):
                id_list = ",".join(map(str, part[sub:sub + IN_LIST_LIMIT]))
                current_mods.update(col.db.all(f"select id, mod from cards where id in ({id_list})"))
            rows = [row for row in plan._rows[start:start + CHUNK_SIZE] if current_mods.get(row[0]) == row[4]]
        else:
            for sub in range(0, len(part), IN_LIST_LIMIT):
                id_list = ",".join(map(str, part[sub:sub + IN_LIST_LIMIT]))
                rows.extend(col.db.all(f"select {_CARD_COLUMNS} from cards where id in ({id_list})"))
        for row in rows:
            i = index.get(row[0])
            if i is None or row[4] != plan.mods[i]:
                continue
            pending.append(_backend_card(row, plan.types[i], plan.queues[i], plan.dues[i], plan.ivls[i],
                                         plan.lefts[i], plan.odues[i]))
        if len(pending) >= WRITE_BATCH:
            _write_batch(col, pending, undo_target)
            pending = []
    if pending:
        _write_batch(col, pending, undo_target)
    return plan.report


def _write_batch(col: Collection, cards: list, undo_target: int | None) -> None:
    """col.update_cards in slices of WRITE_BATCH, each merged into the run's undo step right away."""
    for start in range(0, len(cards), WRITE_BATCH):
        col._backend.update_cards(cards=cards[start:start + WRITE_BATCH], skip_undo_entry=False)
        if undo_target is not None:
            col.merge_undo_entries(undo_target)


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
    plan = plan_reschedule(col, scheduler, card_ids, now=now, on_progress=on_progress, should_cancel=should_cancel,
                           due_day=due_day)
    return apply_plan(col, plan)


# Forecast, answer preview, helpers
##########################################################################


def _due_index(ctype: int, queue: int, due: int, days: AnkiDays) -> int | None:
    """Days from today until a card is due (0 = today or overdue), or None if it is not scheduled."""
    if ctype == CARD_TYPE_NEW or queue < 0 or queue == QUEUE_NEW:
        return None
    if due > 1_000_000_000:  # intraday learning: epoch seconds
        return max(0, days.day_of(due) - days.today)
    return max(0, due - days.today)


def due_forecast(col: Collection, plan: ReschedulePlan | None, days: int = 30, *,
                 now: float | None = None) -> tuple[list[int], list[int]]:
    """Cards due on each of the next ``days`` days (index 0 = today incl. overdue), before and after the plan.

    Suspended, buried and new cards are not counted; cards in filtered decks count by their home schedule.
    """
    anki_days = AnkiDays.from_collection(col, now)
    before = [0] * days
    after = [0] * days
    planned = {cid: i for i, cid in enumerate(plan.card_ids)} if plan is not None else {}
    last_id = -(2**63)
    while True:
        rows = col.db.all(
            "select id, type, queue, due, odue, odid from cards where id > ? and type != 0 order by id limit ?",
            last_id, CHUNK_SIZE)
        if not rows:
            break
        last_id = rows[-1][0]
        for cid, ctype, queue, due, odue, odid in rows:
            home_queue = _home_queue(ctype, queue, odue) if odid else queue
            home_due = odue if odid and odue else due
            old = _due_index(ctype, home_queue, home_due, anki_days)
            if old is not None and old < days:
                before[old] += 1
            i = planned.get(cid)
            if i is None:
                new = old
            else:
                new_type, new_queue, new_due = plan.types[i], plan.queues[i], plan.dues[i]
                if odid:
                    new_queue = _home_queue(new_type, new_queue, plan.odues[i])
                    new_due = plan.odues[i]
                new = _due_index(new_type, new_queue, new_due, anki_days)
            if new is not None and new < days:
                after[new] += 1
        if len(rows) < CHUNK_SIZE:
            break
    return before, after


def _home_queue(ctype: int, queue: int, home_due: int) -> int:
    """The queue a filtered card returns to (mirrors Anki's restore-queue-from-type)."""
    if queue < 0:
        return queue
    if ctype in (CARD_TYPE_LRN, CARD_TYPE_RELEARNING):
        return QUEUE_LRN if home_due > 1_000_000_000 else QUEUE_DAY_LRN
    return QUEUE_REV if ctype == CARD_TYPE_REV else QUEUE_NEW


def answer_intervals(col: Collection, card_id: int, scheduler: LoadedScheduler, *,
                     now: float | None = None) -> dict[int, float | None]:
    """For ease 1..4, the interval (seconds) the scheduler would give if the card were answered so at ``now``."""
    days = AnkiDays.from_collection(col, now)
    rows = col.db.all(f"select {_CARD_COLUMNS} from cards where id = ?", card_id)
    if not rows:
        raise ValueError(f"No card with id {card_id}")
    card = rows[0]
    revlogs = _ChunkRevlogs(col, rows, explicit_ids=True, whole_table=False)
    past = revlogs.reviews_of(card_id)
    factory = _HistoryFactory(col, days)
    ctype = card[5]
    kind = {CARD_TYPE_REV: ReviewKind.REVIEW, CARD_TYPE_RELEARNING: ReviewKind.RELEARN}.get(ctype, ReviewKind.LEARN)
    last_interval = past[-1].interval if past else 0.0
    result: dict[int, float | None] = {}
    for ease in (1, 2, 3, 4):
        hypothetical = Review(days.now, ease, 0.0, last_interval, card[9], 0.0, kind)
        history = factory.build(card, revlogs, extra=hypothetical)
        try:
            value = scheduler.interval(history)
        except Exception as exc:
            raise SchedulerError(scheduler.name, card_id, exc, "raised an exception") from exc
        result[ease] = check_interval(scheduler.name, card_id, value)
    return result


def reviewed_card_ids_since(col: Collection, revlog_id_exclusive: int) -> list[int]:
    """Ids of cards with a real answer logged after the given revlog id (e.g. the max id before a sync)."""
    return col.db.list(
        f"select distinct cid from revlog where id > ? and {_REAL_ANSWER}",
        revlog_id_exclusive)


# Original schedule snapshot
##########################################################################
# Stored as a file next to the collection (not in the collection's config): it can be tens of MB for 1M cards and
# must not be synced. Format: magic, version, count, then zlib-compressed int64 columns
# (id, type, queue, due, ivl, factor, left, odue, odid), sorted by id.

_SNAPSHOT_MAGIC = b"PBOS"
_SNAPSHOT_VERSION = 1
_SNAPSHOT_FIELDS = ("id", "type", "queue", "due", "ivl", "factor", "left", "odue", "odid")


def original_schedule_path(col: Collection) -> Path:
    collection = Path(col.path)
    return collection.with_name(collection.stem + ".polar-bridge-original-schedule.bin")


def has_original_schedule(col: Collection) -> bool:
    return original_schedule_path(col).is_file()


def _read_snapshot(col: Collection) -> list[array]:
    path = original_schedule_path(col)
    raw = path.read_bytes()
    if raw[:4] != _SNAPSHOT_MAGIC:
        raise ValueError(f"{path} is not an original-schedule file")
    version, count = struct.unpack("<II", raw[4:12])
    if version != _SNAPSHOT_VERSION:
        raise ValueError(f"{path}: unsupported version {version}")
    body = zlib.decompress(raw[12:])
    columns = []
    width = count * 8
    for k in range(len(_SNAPSHOT_FIELDS)):
        column = array("q")
        column.frombytes(body[k * width:(k + 1) * width])
        columns.append(column)
    return columns


def _write_snapshot(col: Collection, columns: list[array]) -> None:
    path = original_schedule_path(col)
    body = zlib.compress(b"".join(c.tobytes() for c in columns), 1)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(_SNAPSHOT_MAGIC + struct.pack("<II", _SNAPSHOT_VERSION, len(columns[0])) + body)
    os.replace(tmp, path)


def save_original_schedule(col: Collection) -> None:
    """Record the scheduling of every card not yet recorded (all cards on the first call).

    Cards are only ever added, never overwritten, so the snapshot keeps Anki's own schedule from before the first
    reschedule; cards learned later are added before the run that first touches them.
    """
    exists = has_original_schedule(col)
    existing = _read_snapshot(col) if exists else [array("q") for _ in _SNAPSHOT_FIELDS]
    if exists:
        known = set(existing[0])
        missing = [cid for cid in col.db.list("select id from cards") if cid not in known]
        if not missing:
            return
        chunks = (
            col.db.all("select id, type, queue, due, ivl, factor, left, odue, odid from cards where id in "
                       f"({','.join(map(str, missing[start:start + IN_LIST_LIMIT]))})")
            for start in range(0, len(missing), IN_LIST_LIMIT)
        )
    else:
        chunks = _all_card_chunks(col, "id, type, queue, due, ivl, factor, left, odue, odid")
    for rows in chunks:
        for row in rows:
            for column, value in zip(existing, row):
                column.append(value)
    ids = existing[0]
    if any(ids[i] > ids[i + 1] for i in range(len(ids) - 1)):
        order = sorted(range(len(ids)), key=ids.__getitem__)
        existing = [array("q", (column[i] for i in order)) for column in existing]
    _write_snapshot(col, existing)


def _all_card_chunks(col: Collection, columns: str, chunk_size: int = CHUNK_SIZE) -> Iterator[list[list]]:
    """Every card's ``columns`` in id order, one keyset-paged query per chunk (bounded memory)."""
    last_id = -(2**63)
    while True:
        rows = col.db.all(f"select {columns} from cards where id > ? order by id limit ?", last_id, chunk_size)
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]
        if len(rows) < chunk_size:
            return


def restore_original_schedule(col: Collection) -> int:
    """Put every recorded card back to its saved scheduling; one undo step. Returns the number of cards restored.

    The snapshot file is kept, so a later run followed by another restore goes back to the same original.
    """
    if not has_original_schedule(col):
        return 0
    columns = _read_snapshot(col)
    saved = {columns[0][i]: i for i in range(len(columns[0]))}
    undo_target = col.add_custom_undo_entry("Restore original schedule")
    restored = 0
    pending: list = []
    last_id = -(2**63)
    while True:
        rows = col.db.all(f"select {_CARD_COLUMNS} from cards where id > ? order by id limit ?", last_id, CHUNK_SIZE)
        if not rows:
            break
        last_id = rows[-1][0]
        for row in rows:
            i = saved.get(row[0])
            if i is None:
                continue
            s_type, s_queue, s_due, s_ivl, s_factor, s_left, s_odue, s_odid = (c[i] for c in columns[1:])
            odid = row[14]
            if bool(odid) == bool(s_odid):
                queue, due, odue = s_queue, s_due, s_odue
                if odid:
                    queue, due = row[6], row[7]  # keep its place in the current filtered deck
            elif s_odid:  # was in a filtered deck, now home: its home schedule was in odue
                due, odue = (s_odue or s_due), 0
                queue = s_queue if s_queue < 0 else _home_queue(s_type, s_queue, due)
            else:  # was home, now in a filtered deck: the home schedule goes to odue
                queue, due, odue = row[6], row[7], s_due
            if (row[5], row[6], row[7], row[8], row[9], row[12], row[13]) == (
                    s_type, queue, due, s_ivl, s_factor, s_left, odue):
                continue
            card = _backend_card(row, s_type, queue, due, s_ivl, s_left, odue)
            card.ease_factor = s_factor
            pending.append(card)
            restored += 1
            if len(pending) >= WRITE_BATCH:
                _write_batch(col, pending, undo_target)
                pending = []
        if len(rows) < CHUNK_SIZE:
            break
    if pending:
        _write_batch(col, pending, undo_target)
    return restored
