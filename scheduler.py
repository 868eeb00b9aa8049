"""The plug-in contract for pluggable schedulers.

A scheduler is an *interval function*: given the review history of one card (a read-only `CardHistory`) it returns
how many seconds after the card's last review the card should be due next, or ``None`` to leave the card alone.
The engine (`reschedule.py`) turns that number into Anki's card fields.

A scheduler is named by a *spec*: a built-in name (see `builtin_names()`) or ``"module:function"`` naming a
function in ``<user_files_dir>/module.py``. Optional extras a plug-in module may define (see README, "Writing a
scheduler"):

- the interval function may take a second parameter ``params`` (a dict of trained parameters, ``{}`` if none);
- ``train(histories) -> dict`` (or ``<function>_train`` when one module holds several schedulers) learns
  parameters from all cards' histories; the engine stores the dict and passes it back as ``params``.
- ``recall(card, elapsed_seconds) -> float`` (or ``<function>_recall``; a third parameter gets ``params``): the
  plug-in's memory model, the probability in [0, 1] that the card is recalled ``elapsed_seconds`` after its last
  review (``None``: no prediction). Tools > Compare schedulers scores it against the user's own answers.

No Anki GUI is imported here; nothing runs at import time.
"""

from __future__ import annotations

import enum
import math
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.decks import DeckId


class ReviewKind(enum.IntEnum):
    """What kind of entry a review-log row is (Anki's revlog ``type`` column).

    ``card.reviews`` holds answers only (LEARN, REVIEW, RELEARN, and FILTERED answers that rescheduled the card);
    MANUAL (Set Due Date, Forget/reset) and RESCHEDULED (FSRS reschedule) entries appear in ``card.log`` only.
    """

    LEARN = 0
    REVIEW = 1
    RELEARN = 2
    FILTERED = 3
    MANUAL = 4
    RESCHEDULED = 5


class Review(NamedTuple):
    """One entry of a card's review log (in ``card.reviews``: one answer).

    time: when it was answered (epoch seconds); ease: 1 Again, 2 Hard, 3 Good, 4 Easy (0 for entries without an
    answer, only in ``card.log``); interval / last_interval: the interval Anki gave after / before this answer
    (seconds; learning steps are logged in seconds, review intervals in days); factor: ease factor in permille
    (FSRS: difficulty stored by Anki); taken: seconds spent answering; kind: see `ReviewKind`.
    day: the Anki day of the answer, on the scale of ``card.days.today`` and review cards' ``due``, counted as
    Anki counts review-log days (whole days back from the start of tomorrow, ``next_day_at``, so the "next day
    starts at" hour is respected); elapsed_days: Anki days since the previous answer in the same list (0 for the
    first, and for answers on the same day) -- exactly the ``delta_t`` Anki's FSRS uses. Both are None only for
    a Review a plug-in builds itself without them.
    """

    time: float
    ease: int
    interval: float
    last_interval: float
    factor: int
    taken: float
    kind: ReviewKind
    day: int | None = None
    elapsed_days: int | None = None


@dataclass(frozen=True, slots=True)
class StartingState:
    """Where Anki starts a card whose log does not reach back to its learning steps (``history_complete`` False).

    Anki infers the card's memory from its SM-2 fields instead of replaying from scratch
    (``rslib/src/scheduler/fsrs/memory_state.rs``): ``interval_days`` and ``factor`` (permille) are the interval
    and ease factor the card had after the first ``reviews_covered`` entries of ``card.reviews``; replay
    ``card.reviews[reviews_covered:]`` from there. Normally the state is the one logged with the first answer of
    ``card.reviews`` (``reviews_covered`` 1); when no answer is usable it is the card's current interval and ease
    (``reviews_covered`` 0, ``from_card`` True).
    """

    interval_days: float
    factor: int
    reviews_covered: int
    from_card: bool = False


class AnswerColumns(NamedTuple):
    """A card's answers as plain columns, for memory models that replay many cards fast: ``ratings`` (ease),
    ``elapsed_days`` and ``kinds`` per answer (oldest first), and the last answer's ``last_time``/``last_day``."""

    ratings: Sequence[int]
    elapsed_days: Sequence[int]
    kinds: Sequence[int]
    last_time: float
    last_day: int | None


class CardLog:
    """One card's loaded history: answers since the last restart, completeness, starting state, and the whole log.

    Built by the engine (or by tests from a plain tuple of reviews). The engine hands over the answers as columns
    and builds `Review` objects (``reviews``) and the whole ``log`` only when a plug-in reads them.

    ``memory`` is a memory model's cache for these answers (the `fsrs` built-in keeps its state after them there).
    A log made by appending answers to another may start with that log's ``memory``: it stays valid for a prefix
    of the answers, so the model steps through the new answers only.
    """

    __slots__ = (
        "_reviews",
        "_review_factory",
        "complete",
        "starting_state",
        "_log",
        "_log_factory",
        "_columns",
        "memory",
    )

    def __init__(
        self,
        reviews: tuple[Review, ...] | None,
        complete: bool = True,
        starting_state: StartingState | None = None,
        *,
        log: tuple[Review, ...] | None = None,
        review_factory: Callable[[], tuple[Review, ...]] | None = None,
        log_factory: Callable[[], tuple[Review, ...]] | None = None,
        columns: AnswerColumns | None = None,
    ) -> None:
        self._reviews, self._review_factory = reviews, review_factory
        self.complete, self.starting_state = complete, starting_state
        self._log, self._log_factory, self._columns = log, log_factory, columns
        self.memory: Any = None

    @property
    def reviews(self) -> tuple[Review, ...]:
        if self._reviews is None:
            self._reviews = self._review_factory() if self._review_factory is not None else ()
        return self._reviews

    @property
    def log(self) -> tuple[Review, ...]:
        if self._log is None:
            self._log = self._log_factory() if self._log_factory is not None else self.reviews
        return self._log

    @property
    def columns(self) -> AnswerColumns:
        if self._columns is None:
            self._columns = _columns_of(self.reviews)
        return self._columns


def _columns_of(reviews: Sequence[Review]) -> AnswerColumns:
    """Columns from Review objects; day numbers missing on hand-made reviews come from UTC dates."""
    days = [r.day if r.day is not None else int(r.time // 86_400) for r in reviews]
    elapsed = [
        0 if k == 0 else (r.elapsed_days if r.elapsed_days is not None else max(0, days[k] - days[k - 1]))
        for k, r in enumerate(reviews)
    ]
    last = reviews[-1] if reviews else None
    return AnswerColumns(
        [r.ease for r in reviews],
        elapsed,
        [int(r.kind) for r in reviews],
        last.time if last else 0.0,
        last.day if last else None,
    )


_EMPTY_LOG = CardLog(())


class AnkiDays:
    """Anki's day numbering for one run: ``today``, ``now`` and conversions between epoch seconds and day numbers.

    Anki days start at the collection's rollover hour in local time. The boundary is taken from Anki itself
    (``col.sched.day_cutoff``, the start of tomorrow), so the rollover setting and daylight-saving changes are
    respected: a timestamp's day is found via its local calendar date shifted back by the rollover time of day.
    """

    __slots__ = ("today", "now", "day_cutoff", "_rollover", "_today_date", "_starts")

    def __init__(self, today: int, day_cutoff: int, now: float) -> None:
        self.today = today
        self.day_cutoff = day_cutoff
        self.now = now
        cutoff_local = datetime.fromtimestamp(day_cutoff)
        self._rollover = timedelta(hours=cutoff_local.hour, minutes=cutoff_local.minute, seconds=cutoff_local.second)
        self._today_date = (cutoff_local - self._rollover).date() - timedelta(days=1)
        self._starts: dict[int, float] = {today + 1: float(day_cutoff)}

    @classmethod
    def from_collection(cls, col: Collection, now: float | None = None) -> AnkiDays:
        from .anki_compat import sched_timing_today

        timing = sched_timing_today(col)
        return cls(timing.days_elapsed, timing.next_day_at, time.time() if now is None else now)

    def day_start(self, day: int) -> float:
        """Epoch seconds at which Anki day ``day`` begins (local rollover time; cached per day)."""
        start = self._starts.get(day)
        if start is None:
            local = datetime.combine(self._today_date + timedelta(days=day - self.today), datetime.min.time())
            start = self._starts[day] = (local + self._rollover).timestamp()
        return start

    def revlog_day(self, timestamp: float) -> int:
        """The Anki day of a past answer as Anki counts review-log days (``RevlogEntry::days_elapsed``: whole
        86,400-second days back from the start of tomorrow); what ``Review.day`` holds. Equals `day_of` except
        within the daylight-saving shift of the rollover hour."""
        return self.today - max(0, (self.day_cutoff - int(timestamp)) // 86_400)

    def day_of(self, timestamp: float) -> int:
        """The Anki day number (same scale as ``today`` and review cards' ``due``) containing ``timestamp``."""
        # guess with 24-hour days, then correct against the real (DST-aware) day boundaries
        day = self.today + 1 + math.floor((timestamp - self.day_cutoff) / 86_400)
        while timestamp < self.day_start(day):
            day -= 1
        while timestamp >= self.day_start(day + 1):
            day += 1
        return day


class _Context:
    """What all histories of one run share: the collection, the day numbering and lazy-load caches."""

    __slots__ = ("col", "days", "notes", "configs")

    def __init__(self, col: Collection | None, days: AnkiDays | None) -> None:
        self.col, self.days = col, days
        self.notes: dict[int, tuple[tuple[str, ...], dict[str, str]]] = {}
        self.configs: dict[int, dict[str, Any]] = {}

    def deck_config(self, deck_id: int) -> dict[str, Any]:
        """The deck's options (Anki's legacy deck-config dict), read once per run."""
        cached = self.configs.get(deck_id)
        if cached is None:
            if self.col is None:
                return {}
            cached = self.configs[deck_id] = self.col.decks.config_dict_for_deck_id(cast("DeckId", deck_id))
        return cached


class CardHistory(tuple):
    """Read-only view of one card and its review history, handed to interval functions.

    Attributes: card_id, note_id, deck_id (the home deck: the original deck while the card sits in a filtered
    deck), ordinal, created (epoch s), type, queue, due (Anki's raw due: a day number for review cards, epoch
    seconds for intraday learning; for cards in a filtered deck the home due), interval_days, factor, reps, lapses,
    days (an `AnkiDays` knowing ``now``/``today`` of the run and converting timestamps to Anki day numbers), and
    the history, following Anki's own review-log rules (`review_history`):

    - ``reviews``: the answers since the card's last restart (Forget/reset, or the preset's "ignore reviews
      before" date), oldest first; Set Due Date, reset, FSRS-reschedule and cram (filtered decks that do not
      reschedule) entries are not answers. Each carries its Anki ``day`` and ``elapsed_days``.
    - ``last_review``: the newest answer (intervals are counted from it).
    - ``history_complete``: False when the log does not reach back to the card's last learning steps (it starts
      mid-history, or the learning steps lie before the ignore date); then ``starting_state`` says where Anki
      starts the card (`StartingState`).
    - ``log``: every entry of the card's log, resets and manual entries included (ease 0 for entries without an
      answer), oldest first, for plug-ins that want their own rules.

    ``reviews``/``log``, ``tags``, ``fields`` (of the note) and ``deck_config`` (home deck options) are loaded on
    first access only, so schedulers that don't use them cost nothing. Immutable (a tuple underneath).
    """

    __slots__ = ()

    def __new__(
        cls,
        *,
        card_id: int,
        note_id: int,
        deck_id: int,
        ordinal: int,
        created: float,
        type: int,
        queue: int,
        due: int,
        interval_days: int,
        factor: int,
        reps: int,
        lapses: int,
        reviews: tuple[Review, ...] | CardLog | None = None,
        review_source: Any = None,
        days: AnkiDays | None = None,
        col: Collection | None = None,
        context: _Context | None = None,
    ) -> CardHistory:
        if context is None:
            context = _Context(col, days)
        loaded = reviews if reviews is None or isinstance(reviews, CardLog) else CardLog(tuple(reviews))
        return tuple.__new__(
            cls,
            (
                card_id,
                note_id,
                deck_id,
                ordinal,
                created,
                type,
                queue,
                due,
                interval_days,
                factor,
                reps,
                lapses,
                [loaded],
                review_source,
                context,
            ),
        )

    @classmethod
    def from_row(cls, fields: tuple, review_source: Any, context: _Context) -> CardHistory:
        """The engine's constructor (one per card of a run): ``fields`` are card_id .. lapses in the keyword
        constructor's order; the history is loaded from ``review_source`` on first access."""
        return tuple.__new__(cls, (*fields, [None], review_source, context))

    card_id = property(operator.itemgetter(0))
    note_id = property(operator.itemgetter(1))
    deck_id = property(operator.itemgetter(2))
    ordinal = property(operator.itemgetter(3))
    created = property(operator.itemgetter(4))
    type = property(operator.itemgetter(5))
    queue = property(operator.itemgetter(6))
    due = property(operator.itemgetter(7))
    interval_days = property(operator.itemgetter(8))
    factor = property(operator.itemgetter(9))
    reps = property(operator.itemgetter(10))
    lapses = property(operator.itemgetter(11))

    @property
    def days(self) -> AnkiDays | None:
        return self[14].days

    def _loaded(self, reviews: bool = True) -> CardLog:
        """The loaded history (loaded now if needed). ``reviews`` False: the caller reads the answer columns,
        completeness or starting state, so a source may load a lighter form first."""
        cell = self[12]
        loaded = cell[0]
        if loaded is None:
            source = self[13]  # an object with history_of(card, reviews) / reviews_of(card_id), or a callable
            if source is None:
                loaded = _EMPTY_LOG
            elif hasattr(source, "history_of"):
                loaded = source.history_of(self, reviews)
            elif hasattr(source, "reviews_of"):
                loaded = CardLog(tuple(source.reviews_of(self[0])))
            else:
                loaded = CardLog(tuple(source()))
            cell[0] = loaded
        return loaded

    @property
    def reviews(self) -> tuple[Review, ...]:
        """Answers since the card's last restart, oldest first (built on first access)."""
        return self._loaded().reviews

    @property
    def history_complete(self) -> bool:
        return self._loaded(False).complete

    @property
    def starting_state(self) -> StartingState | None:
        return self._loaded(False).starting_state

    @property
    def log(self) -> tuple[Review, ...]:
        """Every review-log entry of the card, oldest first (answers, cram, manual, rescheduled, resets)."""
        return self._loaded().log

    @property
    def answer_columns(self) -> AnswerColumns:
        """``reviews`` as plain columns (`AnswerColumns`), without building Review objects: for fast models."""
        return self._loaded(False).columns

    @property
    def last_review(self) -> Review | None:
        reviews = self.reviews
        return reviews[-1] if reviews else None

    def __repr__(self) -> str:
        return (
            f"CardHistory(card_id={self.card_id}, type={self.type}, queue={self.queue}, "
            f"interval_days={self.interval_days}, reviews={len(self.reviews)})"
        )

    def __reduce__(self):  # tuples pickle positionally; keep the keyword constructor out of the way
        raise TypeError("CardHistory cannot be pickled")

    def with_review(self, review: Review) -> CardHistory:
        """A copy with one more (hypothetical) answer appended; used to preview answer buttons.

        The answer's ``day``/``elapsed_days`` are filled in from the run's day numbering when it has none."""
        loaded = self._loaded()
        previous = loaded.reviews[-1] if loaded.reviews else None
        days = self.days
        if review.day is None and days is not None:
            day = days.revlog_day(review.time)
            elapsed = 0 if previous is None or previous.day is None else max(0, day - previous.day)
            review = review._replace(day=day, elapsed_days=elapsed)
        extended = CardLog(
            loaded.reviews + (review,), loaded.complete, loaded.starting_state, log=loaded.log + (review,)
        )
        extended.memory = loaded.memory  # the same answers and one more
        lapsed = review.ease == 1 and self.type == 2
        return self.with_history(extended, self.type, self.interval_days, self.reps + 1, self.lapses + lapsed)

    def with_history(self, log: CardLog, card_type: int, interval_days: int, reps: int, lapses: int) -> CardHistory:
        """A copy with another loaded history and the scheduling fields that go with it (same card, note, deck and
        shared context): answer previews, and the comparison's simulated answers (a hot path, hence positional)."""
        return tuple.__new__(
            CardHistory,
            (
                self[0],
                self[1],
                self[2],
                self[3],
                self[4],
                card_type,
                self[6],
                self[7],
                interval_days,
                self[9],
                reps,
                lapses,
                [log],
                self[13],  # the history is loaded; the source still serves the card's note (`_note`)
                self[14],
            ),
        )

    def _note(self) -> tuple[tuple[str, ...], dict[str, str]]:
        context = self[14]
        cached = context.notes.get(self.note_id)
        if cached is None and hasattr(self[13], "notes_near"):  # the engine reads many cards' notes at once
            context.notes.update(self[13].notes_near(self.card_id))
            cached = context.notes.get(self.note_id)
        if cached is None:
            if context.col is None:
                raise RuntimeError("this CardHistory has no collection to load its note from")
            note = context.col.get_note(self.note_id)
            cached = (tuple(note.tags), dict(note.items()))
            context.notes[self.note_id] = cached
        return cached

    @property
    def tags(self) -> tuple[str, ...]:
        return self._note()[0]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self._note()[1])

    @property
    def deck_config(self) -> dict[str, Any]:
        """The home deck's options (Anki's legacy deck-config dict, e.g. ``desiredRetention``, ``fsrsParams6``)."""
        return self[14].deck_config(self[2])


IntervalFunction = Callable[[CardHistory], "float | None"]
TrainFunction = Callable[[Iterable[CardHistory]], dict]
RecallFunction = Callable[[CardHistory, float], "float | None"]
# A built-in's interval function over what it reads of a card (``reads_history`` "columns"): the card's loaded history
# (`CardLog`: answer columns, completeness, starting state), its home deck's options and the run's `AnkiDays`. Gives
# what ``interval`` gives for the card; the engine calls it without building a CardHistory per card.
LogIntervalFunction = Callable[["CardLog", dict[str, Any], "AnkiDays | None"], "float | None"]


@dataclass
class LoadedScheduler:
    """A scheduler ready to run: its display name, interval function (params already bound), optional trainer and
    optional memory model ``recall`` (params already bound)."""

    name: str
    interval: IntervalFunction
    train: TrainFunction | None = None
    params: dict = field(default_factory=dict)
    recall: RecallFunction | None = None
    # what the interval function reads of every card, so the engine reads it for many cards at once up front:
    # "columns" (``answer_columns``, completeness, starting state), "reviews" (``reviews``/``log``), or "" (not
    # known: histories are read the first time a card asks)
    reads_history: str = ""
    interval_of_log: LogIntervalFunction | None = None  # the same function over a card's loaded history (built-ins)


class SchedulerLoadError(Exception):
    """The spec names no built-in and no loadable ``module:function`` in the user files folder."""


class SchedulerError(Exception):
    """A scheduler failed or returned an unusable value; the whole run is aborted and nothing is written."""

    def __init__(
        self, scheduler_name: str, card_id: int, value: object, reason: str = "returned an invalid value"
    ) -> None:
        self.scheduler_name = scheduler_name
        self.card_id = card_id
        self.value = value
        super().__init__(
            f"Scheduler {scheduler_name!r} {reason} for card {card_id}: {value!r} "
            "(expected seconds as a finite number >= 0, or None to leave the card alone)"
        )


def check_interval(scheduler_name: str, card_id: int, value: object) -> float | None:
    """Validate one interval function result: None, or a finite non-negative int/float (bool is not a number)."""
    if value.__class__ is float and 0.0 <= value < math.inf:
        return value  # the common case, checked cheaply
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SchedulerError(scheduler_name, card_id, value, "returned a non-number")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise SchedulerError(scheduler_name, card_id, value, "returned a non-finite number")
    if number < 0:
        raise SchedulerError(scheduler_name, card_id, value, "returned a negative interval")
    return number
