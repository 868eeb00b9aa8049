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
  review. Tools > Compare schedulers scores it against the user's own answers.

No Anki GUI is imported here; nothing runs at import time.
"""

from __future__ import annotations

import enum
import functools
import importlib.util
import inspect
import keyword
import math
import operator
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anki.collection import Collection


class ReviewKind(enum.IntEnum):
    """What kind of answer a review was (Anki's revlog ``type`` column; manual/rescheduled entries never appear)."""

    LEARN = 0
    REVIEW = 1
    RELEARN = 2
    FILTERED = 3


@dataclass(frozen=True, slots=True)
class Review:
    """One real answer of a card.

    time: when it was answered (epoch seconds); ease: 1 Again, 2 Hard, 3 Good, 4 Easy; interval / last_interval:
    the interval Anki gave after / before this answer (seconds); factor: ease factor in permille (FSRS: difficulty
    stored by Anki); taken: seconds spent answering; kind: learn/review/relearn/filtered.
    """

    time: float
    ease: int
    interval: float
    last_interval: float
    factor: int
    taken: float
    kind: ReviewKind


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
        timing = col._backend.sched_timing_today()
        return cls(timing.days_elapsed, timing.next_day_at, time.time() if now is None else now)

    def day_start(self, day: int) -> float:
        """Epoch seconds at which Anki day ``day`` begins (local rollover time; cached per day)."""
        start = self._starts.get(day)
        if start is None:
            local = datetime.combine(self._today_date + timedelta(days=day - self.today), datetime.min.time())
            start = self._starts[day] = (local + self._rollover).timestamp()
        return start

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


class CardHistory(tuple):
    """Read-only view of one card and its real reviews, handed to interval functions.

    Attributes: card_id, note_id, deck_id (the home deck: the original deck while the card sits in a filtered
    deck), ordinal, created (epoch s), type, queue, due (Anki's raw due: a day number for review cards, epoch
    seconds for intraday learning; for cards in a filtered deck the home due), interval_days, factor, reps, lapses,
    reviews (tuple of `Review`, oldest first; real answers only), last_review, days (an `AnkiDays` knowing
    ``now``/``today`` of the run and converting timestamps to Anki day numbers).
    ``reviews``, ``tags``, ``fields`` (of the note) and ``deck_config`` (home deck options) are loaded on first
    access only, so schedulers that don't use them cost nothing. Immutable (a tuple underneath).
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
        reviews: tuple[Review, ...] | None = None,
        review_source: Any = None,
        days: AnkiDays | None = None,
        col: Collection | None = None,
        context: _Context | None = None,
    ) -> CardHistory:
        if context is None:
            context = _Context(col, days)
        return tuple.__new__(cls, (card_id, note_id, deck_id, ordinal, created, type, queue, due, interval_days,
                                   factor, reps, lapses, [reviews], review_source, context))

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

    @property
    def reviews(self) -> tuple[Review, ...]:
        """Real answers, oldest first (built on first access)."""
        cell = self[12]
        reviews = cell[0]
        if reviews is None:
            source = self[13]  # an object with reviews_of(card_id), or a zero-argument callable
            if source is None:
                reviews = ()
            elif hasattr(source, "reviews_of"):
                reviews = source.reviews_of(self[0])
            else:
                reviews = source()
            cell[0] = reviews
        return reviews

    @property
    def last_review(self) -> Review | None:
        reviews = self.reviews
        return reviews[-1] if reviews else None

    def __repr__(self) -> str:
        return (f"CardHistory(card_id={self.card_id}, type={self.type}, queue={self.queue}, "
                f"interval_days={self.interval_days}, reviews={len(self.reviews)})")

    def __reduce__(self):  # tuples pickle positionally; keep the keyword constructor out of the way
        raise TypeError("CardHistory cannot be pickled")

    def with_review(self, review: Review) -> CardHistory:
        """A copy with one more (hypothetical) review appended; used to preview answer buttons."""
        return CardHistory(
            card_id=self.card_id, note_id=self.note_id, deck_id=self.deck_id, ordinal=self.ordinal,
            created=self.created, type=self.type, queue=self.queue, due=self.due, interval_days=self.interval_days,
            factor=self.factor, reps=self.reps + 1, lapses=self.lapses + (review.ease == 1 and self.type == 2),
            reviews=self.reviews + (review,), context=self[14],
        )

    def _note(self) -> tuple[tuple[str, ...], dict[str, str]]:
        context = self[14]
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
        context = self[14]
        cached = context.configs.get(self.deck_id)
        if cached is None:
            if context.col is None:
                return {}
            cached = context.col.decks.config_dict_for_deck_id(self.deck_id)
            context.configs[self.deck_id] = cached
        return cached


IntervalFunction = Callable[[CardHistory], "float | None"]
TrainFunction = Callable[[Iterable[CardHistory]], dict]
RecallFunction = Callable[[CardHistory, float], "float | None"]


@dataclass
class LoadedScheduler:
    """A scheduler ready to run: its display name, interval function (params already bound), optional trainer and
    optional memory model ``recall`` (params already bound)."""

    name: str
    interval: IntervalFunction
    train: TrainFunction | None = None
    params: dict = field(default_factory=dict)
    recall: RecallFunction | None = None


class SchedulerLoadError(Exception):
    """The spec names no built-in and no loadable ``module:function`` in the user files folder."""


class SchedulerError(Exception):
    """A scheduler failed or returned an unusable value; the whole run is aborted and nothing is written."""

    def __init__(self, scheduler_name: str, card_id: int, value: object, reason: str = "returned an invalid value") -> None:
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


def builtin_names() -> list[str]:
    from .schedulers import BUILTINS

    return list(BUILTINS)


def _accepts_params(function: Callable) -> bool:
    """True when the interval function takes a second positional parameter (the trained params)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in positional)


def _bind_params(function: Callable, params: dict) -> IntervalFunction:
    if _accepts_params(function):
        return functools.partial(_call_with_params, function, params)
    return function


def _call_with_params(function: Callable, params: dict, history: CardHistory) -> float | None:
    return function(history, params)


def _bind_recall(function: Callable | None, params: dict) -> RecallFunction | None:
    """recall(card, elapsed_seconds) as is; recall(card, elapsed_seconds, params) gets the trained params."""
    if function is None or not callable(function):
        return None
    try:
        positional = [p for p in inspect.signature(function).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return function
    if len(positional) >= 3:
        return functools.partial(_recall_with_params, function, params)
    return function


def _recall_with_params(function: Callable, params: dict, history: CardHistory, elapsed: float) -> float | None:
    return function(history, elapsed, params)


def _load_user_module(module_name: str, user_files_dir: Path, spec: str):
    if not module_name.isidentifier() or keyword.iskeyword(module_name):
        raise SchedulerLoadError(f"Scheduler {spec!r}: {module_name!r} is not a valid module name")
    path = Path(user_files_dir) / f"{module_name}.py"
    if not path.is_file():
        raise SchedulerLoadError(f"Scheduler {spec!r}: no file {path}")
    # A private, per-path module name: re-loading picks up edits and never clashes with real packages.
    unique_name = f"_polar_bridge_user_scheduler_{module_name}_{abs(hash(str(path.resolve())))}"
    import_spec = importlib.util.spec_from_file_location(unique_name, path)
    if import_spec is None or import_spec.loader is None:
        raise SchedulerLoadError(f"Scheduler {spec!r}: cannot import {path}")
    module = importlib.util.module_from_spec(import_spec)
    sys.modules[unique_name] = module
    try:
        import_spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(unique_name, None)
        raise SchedulerLoadError(f"Scheduler {spec!r}: importing {path.name} failed: {exc!r}") from exc
    return module


def load_scheduler(spec: str, user_files_dir: Path, params: dict | None = None) -> LoadedScheduler:
    """Load a built-in (``"anki"``, ``"fsrs"``, ``"example"``) or ``"module:function"`` from ``user_files_dir``.

    ``params`` (from an earlier ``train()``) is bound to the interval function when it takes a second parameter.
    Raises SchedulerLoadError naming the spec when it cannot be loaded.
    """
    params = dict(params or {})
    spec = (spec or "").strip()
    from .schedulers import BUILTINS, RECALLS

    if spec in BUILTINS:
        interval, train = BUILTINS[spec]
        return LoadedScheduler(name=spec, interval=_bind_params(interval, params), train=train, params=params,
                               recall=_bind_recall(RECALLS.get(spec), params))
    if ":" not in spec:
        raise SchedulerLoadError(
            f"Scheduler {spec!r} not found: use a built-in ({', '.join(BUILTINS)}) or 'module:function' "
            f"for a file module.py in {user_files_dir}"
        )
    module_name, _, function_name = spec.partition(":")
    module_name, function_name = module_name.strip(), function_name.strip()
    module = _load_user_module(module_name, user_files_dir, spec)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise SchedulerLoadError(f"Scheduler {spec!r}: {module_name}.py has no function {function_name!r}")
    train = getattr(module, f"{function_name}_train", None) or getattr(module, "train", None)
    if train is not None and not callable(train):
        train = None
    recall = getattr(module, f"{function_name}_recall", None) or getattr(module, "recall", None)
    return LoadedScheduler(name=spec, interval=_bind_params(function, params), train=train, params=params,
                           recall=_bind_recall(recall, params))
