"""The 365-day simulation behind Tools > Compare schedulers: reviewing these cards under one scheduler's intervals.

Answers are drawn from FSRS-6 with the user's parameters (the deck preset's ``fsrsParams6``, else FSRS-6 defaults):
a card reviewed ``t`` days after its last review is recalled with probability ``R(t, S)`` (its FSRS-6
retrievability, ``t`` in fractional days so learning steps can be failed too); a recalled card is answered
Hard/Good/Easy and a new card's first answer is Again..Easy with the frequencies of the user's own log; each answer
takes the user's own average time for that kind of answer; new cards are introduced in due order at each home
deck's "new cards/day" limit. After every simulated answer the scheduler gets the card's history with that answer
appended and decides the next due time (``None``: the previous interval again). No review limit, no fuzz, no
load balancing, no Easy Days: the run measures the scheduler, not Anki's queue rules.

Each study day starts ``STUDY_OFFSET`` after Anki's day rollover; cards due earlier that day (or overdue) are
answered then, cards due later that day at their due time, so short (learning) intervals come back the same day
(at most ``MAX_SAME_DAY`` answers per card and day). A fixed seed makes the same inputs give the same numbers;
each card has its own random stream (seed and card id), the same under every scheduler.
"""

from __future__ import annotations

import functools
import math
import operator
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .reschedule import MAX_INTERVAL_SECS
from .scheduler import (
    AnkiDays,
    AnswerColumns,
    CardHistory,
    CardLog,
    Review,
    ReviewKind,
    SchedulerError,
    StartingState,
    check_interval,
)
from .schedulers.builtins import GROWING
from .schedulers.fsrs_memory import Fsrs6

DAY = 86_400.0
STUDY_OFFSET = 8 * 3600.0  # the simulated study session starts 8 hours after the rollover hour
MAX_SAME_DAY = 10
KNOWN_SAMPLES = 12  # "cards known" is summed over all cards on about this many days (plus the last)


@dataclass
class AnswerProfile:
    """The user's own answering habits, read from the review history in scope."""

    first_ratings: tuple[float, float, float, float] = (0.15, 0.05, 0.7, 0.1)  # Again, Hard, Good, Easy
    pass_ratings: tuple[float, float, float] = (0.1, 0.8, 0.1)  # Hard, Good, Easy when recalled
    seconds: dict[tuple[str, int], float] = field(default_factory=dict)  # (new|learn|review, ease) -> seconds
    default_seconds: float = 8.0

    def answer_seconds(self, kind: str, ease: int) -> float:
        return self.seconds.get((kind, ease), self.default_seconds)


class ProfileBuilder:
    """Counts the ratings while the comparison walks the histories once; answer times come from the review log."""

    def __init__(self) -> None:
        self.first = [0, 0, 0, 0]
        self.passed = [0, 0, 0]

    def add(self, ratings: Sequence[int], deltas: Sequence[int]) -> None:
        """One card's answers (ratings and Anki days since the previous answer)."""
        self.first[ratings[0] - 1] += 1
        passed = self.passed
        for rating, delta in zip(ratings, deltas):
            if delta and rating > 1:
                passed[rating - 2] += 1

    def build(self, seconds: dict[tuple[str, int], float] | None = None) -> AnswerProfile:
        profile = AnswerProfile()
        if sum(self.first):
            profile.first_ratings = tuple(c / sum(self.first) for c in self.first)  # type: ignore[assignment]
        if sum(self.passed):
            profile.pass_ratings = tuple(c / sum(self.passed) for c in self.passed)  # type: ignore[assignment]
        if seconds:
            profile.seconds = dict(seconds)
            profile.default_seconds = sum(seconds.values()) / len(seconds)
        return profile


@dataclass
class StartCard:
    """A card as the simulation starts it: its history, its true memory model and state, and its first due time
    (None for new cards)."""

    history: CardHistory
    model: Fsrs6
    state: tuple[float, float] | None
    due_time: float | None
    deck_id: int
    new_position: int = 0


@dataclass
class SimulationResult:
    reviews_per_day: list[int]
    new_per_day: list[int]  # first answers of new cards (included in reviews_per_day)
    minutes_per_day: list[float]
    retention_per_day: list[float | None]  # mean recall probability of the day's answers >= 1 day after the last
    known_days: list[int]  # days (0-based) on which "cards known" was summed
    known: list[float]  # expected number of cards recalled if tested at the end of those days
    expected_retention: float
    known_at_end: float
    total_reviews: int

    @property
    def average_reviews(self) -> float:
        return sum(self.reviews_per_day) / max(1, len(self.reviews_per_day))

    @property
    def average_minutes(self) -> float:
        return sum(self.minutes_per_day) / max(1, len(self.minutes_per_day))


def _choose(roll: float, weights: Sequence[float], first_value: int) -> int:
    """The value whose share of ``weights`` the random ``roll`` in [0, 1) falls in."""
    for offset, weight in enumerate(weights):
        roll -= weight
        if roll < 0:
            return first_value + offset
    return first_value + len(weights) - 1


def builtin_params(interval: Callable, builtin: Callable) -> dict | None:
    """The trained params ``interval`` is bound to when it is the built-in function ``builtin`` with its params,
    as `load_scheduler` binds it; else None."""
    if isinstance(interval, functools.partial) and len(interval.args) == 2 and interval.args[0] is builtin:
        params = interval.args[1]
        return params if isinstance(params, dict) else None
    return None


def _grower(interval: Callable) -> Callable[[CardHistory], Any] | None:
    """What follows a card's answers with ``interval`` without a history per answer, when it is a built-in's
    (`builtins.GROWING`, params bound as `load_scheduler` binds them); else None."""
    function, params = interval, None
    if isinstance(interval, functools.partial) and len(interval.args) == 2:
        function, params = interval.args
    try:
        grow = GROWING.get(function)
    except TypeError:  # an unhashable callable: no built-in
        return None
    if grow is None:
        return None
    if params is None:
        return grow
    return functools.partial(grow, params=params) if isinstance(params, dict) else None


class SchedulerRun(NamedTuple):
    """One scheduler to simulate: its interval function, name, and when it has each start card due first (in the
    order of the start cards; None: the card's own ``due_time``)."""

    interval: Callable[[CardHistory], object]
    name: str
    first_dues: Sequence[float | None] | None = None


def simulate(
    start: Sequence[StartCard],
    interval: Callable[[CardHistory], object],
    scheduler_name: str,
    profile: AnswerProfile,
    days: AnkiDays,
    new_limits: dict[int, int],
    *,
    n_days: int = 365,
    seed: int = 0,
    should_cancel: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate ``n_days`` Anki days from today. ``interval`` is the scheduler's interval function."""
    return simulate_schedulers(
        start,
        [SchedulerRun(interval, scheduler_name)],
        profile,
        days,
        new_limits,
        n_days=n_days,
        seed=seed,
        should_cancel=should_cancel,
        on_progress=on_progress,
    )[0]


def simulate_schedulers(
    start: Sequence[StartCard],
    runs: Sequence[SchedulerRun],
    profile: AnswerProfile,
    days: AnkiDays,
    new_limits: dict[int, int],
    *,
    n_days: int = 365,
    seed: int = 0,
    should_cancel: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[SimulationResult]:
    """Simulate ``n_days`` Anki days from today under each scheduler of ``runs``.

    Cards do not interact (no review limits), so each card is simulated on its own through all days, with its own
    random stream (from ``seed`` and the card id): the same card meets the same luck under every scheduler, which
    keeps comparisons fair, and the figures are summed per day. The schedulers take turns card by card, reading
    the card's random stream as far as each needs it."""
    today = days.today
    starts = [days.day_start(today + offset) for offset in range(n_days + 1)]
    horizon = starts[-1]  # answers due after the last simulated day are not simulated
    stride = max(1, math.ceil(n_days / KNOWN_SAMPLES))
    known_days = sorted({*range(0, n_days, stride), n_days - 1})
    known_times = [starts[offset + 1] for offset in known_days]  # "known" is counted at the end of those days
    # per scheduler: reviews, new cards, seconds, retention sums and counts per day, and cards known per sample
    tallies = [
        ([0] * n_days, [0] * n_days, [0.0] * n_days, [0.0] * n_days, [0] * n_days, [0.0] * len(known_days))
        for _ in runs
    ]
    introduced = _introduction_days(start, new_limits, n_days)
    first_weights = profile.first_ratings
    hard_weight, good_weight = profile.pass_ratings[:2]
    # the user's answer time per kind of answer, by ease
    new_seconds, learn_seconds, review_seconds = (
        [profile.answer_seconds(kind, ease) for ease in range(5)] for kind in ("new", "learn", "review")
    )
    first_start = starts[0]
    growers = [_grower(run.interval) for run in runs]
    stream = random.Random()  # reseeded per card: seeding costs a fraction of making a new generator
    known_times.append(math.inf)  # a sentinel: no sample after the last
    for number, card in enumerate(start):
        if number % 2000 == 0:
            if should_cancel is not None and should_cancel():
                from .reschedule import RescheduleCancelled

                raise RescheduleCancelled()
            if on_progress is not None:
                on_progress(number, len(start))
        model = card.model
        factor, decay, step = model.factor, model.decay, model.step
        card_id = card.history.card_id
        stream.seed(seed * 1_000_003 + card_id)  # the stream ``random.Random(that number)`` gives
        random_draw = stream.random
        draws: list[float] = []  # the card's random stream, as far as a scheduler has read it
        if card.state is not None:  # the last answer before the simulation, the same for every scheduler
            start_time = card.history.answer_columns.last_time
            start_day = days.revlog_day(start_time)
        for run, tally, grow in zip(runs, tallies, growers):
            scheduler_name, first_dues = run.name, run.first_dues
            reviews_per_day, new_per_day, seconds_per_day, retention_sums, retention_counts, known = tally
            history = card.history
            state = card.state
            drawn = 0
            if state is None:
                offset = introduced.get(number)
                if offset is None:
                    break  # not introduced within the simulated days
                new_per_day[offset] += 1
                due = starts[offset] + STUDY_OFFSET
                last_time, last_day, last_interval = 0.0, 0, 0.0
            else:
                due_time = card.due_time if first_dues is None else first_dues[number]
                if due_time is None:
                    continue
                last_time, last_day = start_time, start_day
                last_interval = due_time - last_time
                due = due_time
            sample = 0
            answered_day, answered_count = -1, 0
            card_type, interval_days = history.type, history.interval_days
            if grow is not None:  # a built-in following the answers itself
                follow = grow(history).answered
            else:
                follow = None
                grown = _Grown(history, last_interval, run)
            while due < horizon:
                # the day of ``due``: the last day starting at or before it (``starts`` are Anki's own day starts)
                offset = bisect_right(starts, due) - 1 if due >= first_start else 0
                if offset == answered_day and answered_count >= MAX_SAME_DAY:
                    offset += 1  # enough for today: the next day's session
                    if offset >= n_days:
                        break
                    due = starts[offset]
                session = starts[offset] + STUDY_OFFSET
                when = due if due > session else session
                if when >= starts[offset + 1]:  # a session time past a short day's end (DST): the next day
                    offset += 1
                    if offset >= n_days:
                        break
                day = today + offset
                while known_times[sample] <= when:
                    if state is not None:
                        known[sample] += (1 + factor * (known_times[sample] - last_time) / DAY / state[0]) ** decay
                    sample += 1
                if drawn == len(draws):
                    draws.append(random_draw())
                roll = draws[drawn]
                drawn += 1
                if state is None:
                    ease = _choose(roll, first_weights, 1)
                    state = model.first(ease)
                    kind, answer_seconds, delta = _LEARN, new_seconds, 0
                else:
                    delta = day - last_day
                    elapsed = (when - last_time) / DAY
                    p = (1 + factor * (elapsed if elapsed > 0.0 else 0.0) / state[0]) ** decay  # retrievability
                    if roll < p:
                        if drawn == len(draws):
                            draws.append(random_draw())
                        # `_choose` over Hard/Good/Easy, spelled out (every passed answer)
                        roll = draws[drawn] - hard_weight
                        ease = 2 if roll < 0 else 3 if roll - good_weight < 0 else 4
                        drawn += 1
                    else:
                        ease = 1
                    state = step(state, ease, delta)
                    if delta >= 1:
                        retention_sums[offset] += p
                        retention_counts[offset] += 1
                        answer_seconds = review_seconds
                    else:
                        answer_seconds = learn_seconds
                    if last_interval >= DAY:
                        kind = _REVIEW
                    else:
                        kind = _RELEARN if card_type in (2, 3) else _LEARN
                    # the card's type and interval as the answer leaves them (a new card's first answer keeps its own)
                    if last_interval > 2 * DAY:
                        card_type, interval_days = 2, round(last_interval / DAY)
                    else:
                        card_type = 3 if card_type in (2, 3) else 1
                seconds = answer_seconds[ease]
                reviews_per_day[offset] += 1
                seconds_per_day[offset] += seconds
                if follow is not None:
                    value = follow(when, ease, kind, day, delta)
                else:
                    value = grown.next_interval(
                        when, ease, last_interval, seconds, kind, day, delta, card_type, interval_days
                    )
                if value.__class__ is float and 0.0 <= value < math.inf:  # the common case, inline
                    last_interval = value if value <= MAX_INTERVAL_SECS else MAX_INTERVAL_SECS
                else:
                    seconds_until = check_interval(scheduler_name, card_id, value)
                    last_interval = min(
                        max(last_interval, DAY) if seconds_until is None else seconds_until, MAX_INTERVAL_SECS
                    )
                last_time, last_day = when, day
                if offset == answered_day:
                    answered_count += 1
                else:
                    answered_day, answered_count = offset, 1
                due = when + last_interval
            if state is not None and sample < len(known):  # the samples after the card's last answer
                stability = state[0]
                known[sample:] = map(
                    operator.add,
                    known[sample:],
                    [(1 + factor * (at - last_time) / DAY / stability) ** decay for at in known_times[sample:-1]],
                )
    return [_result(tally, known_days) for tally in tallies]


def _result(tally: tuple, known_days: list[int]) -> SimulationResult:
    reviews_per_day, new_per_day, seconds_per_day, retention_sums, retention_counts, known = tally
    retention_per_day = [total / count if count else None for total, count in zip(retention_sums, retention_counts)]
    retention_count = sum(retention_counts)
    return SimulationResult(
        reviews_per_day=reviews_per_day,
        new_per_day=new_per_day,
        minutes_per_day=[seconds / 60 for seconds in seconds_per_day],
        retention_per_day=retention_per_day,
        known_days=known_days,
        known=known,
        expected_retention=sum(retention_sums) / retention_count if retention_count else math.nan,
        known_at_end=known[-1] if known else 0.0,
        total_reviews=sum(reviews_per_day),
    )


def _introduction_days(start: Sequence[StartCard], new_limits: dict[int, int], n_days: int) -> dict[int, int]:
    """position in ``start`` -> the day (0-based) a new card is first answered: each home deck's new cards in due
    order, "new cards/day" of them a day."""
    by_deck: dict[int, list[int]] = {}
    for position, card in enumerate(start):
        if card.state is None:
            by_deck.setdefault(card.deck_id, []).append(position)
    days: dict[int, int] = {}
    for deck_id, positions in by_deck.items():
        positions.sort(key=lambda i: (start[i].new_position, start[i].history.card_id))
        limit = new_limits.get(deck_id, 20)
        if limit <= 0:
            continue
        for rank, position in enumerate(positions[: limit * n_days]):
            days[position] = rank // limit
    return days


# `AnswerColumns` and `Review` from a tuple of their fields, without the argument handling of their constructors
# (hot paths here)
_new_tuple = tuple.__new__
answer_columns = functools.partial(_new_tuple, AnswerColumns)
_LEARN, _REVIEW, _RELEARN = int(ReviewKind.LEARN), int(ReviewKind.REVIEW), int(ReviewKind.RELEARN)
_KINDS = tuple(ReviewKind)


class _Grown:
    """One card's history as the simulation grows it under one scheduler, an answer at a time, and the scheduler's
    interval after each answer.

    Each simulated answer makes a new immutable history (the scheduler may keep it): the previous memory model
    state carried over (`CardLog.memory`), its answer columns and `Review` tuple made from the answers kept here
    only when the scheduler reads them (`_GrownLog`); type and interval come from the simulation, the counts are
    kept here. (Built-ins that can follow the answers themselves, `builtins.GROWING`, get no history at all: the
    simulation asks them directly.)"""

    __slots__ = (
        "card",
        "start",
        "start_interval",
        "interval",
        "name",
        "log",
        "columns",
        "reps",
        "lapses",
        "answers",
        "intervals",
        "given",
        "start_count",
        "simulated",
        "ratings",
        "elapsed_days",
        "kinds",
    )

    def __init__(self, start: CardHistory, start_interval: float, run: SchedulerRun) -> None:
        self.card = start  # the card fields that stay: card, note, deck, due, factor, note and options source
        self.start = start._loaded()  # the card's history before the simulation (its last interval not yet given)
        self.columns = self.start.columns  # the start's answer columns
        self.simulated = 0  # answers simulated so far
        self.start_interval = start_interval
        self.interval, self.name = run.interval, run.name
        self.log = self.start  # the newest history's
        self.reps, self.lapses = start.reps, start.lapses
        # the answers so far as columns, grown in place: a history's columns are a prefix of them
        start_columns = self.columns
        self.ratings, self.elapsed_days, self.kinds = (
            list(start_columns.ratings),
            list(start_columns.elapsed_days),
            list(start_columns.kinds),
        )
        self.answers: list[tuple] = []  # Review fields of each simulated answer but its interval (not known yet)
        self.intervals: list[float] = []  # the interval given after each of them, once known
        self.given: list[Review] | None = None  # the reviews with their given intervals, built on first read
        self.start_count = 0  # how many of them are the start's

    def next_interval(
        self,
        time: float,
        ease: int,
        previous_interval: float,
        taken: float,
        kind: int,
        day: int,
        elapsed_days: int,
        card_type: int,
        interval_days: int,
    ) -> object:
        """The scheduler's answer (its interval, unchecked) for the card after one more simulated answer, as
        Anki's log and card would show it: the previous answer gets the interval the scheduler gave it (known only
        now), the new one is appended (with its Anki day); type and interval as the answer leaves them, counts
        follow; completeness and starting state are kept."""
        count = self.simulated
        self.simulated = count + 1
        if count:
            self.intervals.append(previous_interval)
        card = self.card
        self.answers.append((time, ease, previous_interval, card.factor, taken, kind, day, elapsed_days))
        self.ratings.append(ease)
        self.elapsed_days.append(elapsed_days)
        self.kinds.append(kind)
        previous = self.log
        # the same answers and one more: the previous memory model state stays valid (`CardLog.memory`)
        log = self.log = _GrownLog(self, count, time, day, previous.complete, previous.starting_state, previous.memory)
        self.reps += 1
        if ease == 1 and kind == _REVIEW:
            self.lapses += 1
        history = card.with_history(log, card_type, interval_days, self.reps, self.lapses)
        try:
            return self.interval(history)
        except Exception as exc:
            raise SchedulerError(self.name, card.card_id, exc, "raised an exception") from exc

    def columns_after(self, count: int, time: float, day: int) -> AnswerColumns:
        """The answer columns of the history after simulated answer ``count`` (0-based), made ``time`` on ``day``."""
        answers = len(self.ratings) - len(self.answers) + count + 1
        return _new_tuple(
            AnswerColumns, (self.ratings[:answers], self.elapsed_days[:answers], self.kinds[:answers], time, day)
        )

    def reviews(self, count: int) -> tuple[Review, ...]:
        """The reviews of the history after simulated answer ``count`` (0-based): the start's, then the simulated
        ones, each with the interval given after it, and answer ``count`` as logged (interval 0)."""
        given = self.given
        if given is None:
            start = self.start.reviews
            given = self.given = [*start[:-1], start[-1]._replace(interval=self.start_interval)] if start else []
            self.start_count = len(given)
        needed = self.start_count + count
        answers, intervals = self.answers, self.intervals
        while len(given) < needed:
            time, ease, last_interval, factor, taken, kind, day, elapsed = answers[len(given) - self.start_count]
            interval = intervals[len(given) - self.start_count]
            given.append(
                _new_tuple(Review, (time, ease, interval, last_interval, factor, taken, _KINDS[kind], day, elapsed))
            )
        time, ease, last_interval, factor, taken, kind, day, elapsed = answers[count]
        newest = _new_tuple(Review, (time, ease, 0.0, last_interval, factor, taken, _KINDS[kind], day, elapsed))
        return (*given, newest) if len(given) == needed else (*given[:needed], newest)


class _GrownLog(CardLog):
    """The history after one simulated answer: its reviews and answer columns are made from the card's grown
    answers (`_Grown`) only when the scheduler reads them."""

    __slots__ = ("_grown", "_count", "_time", "_day")

    def __init__(
        self,
        grown: _Grown,
        count: int,
        time: float,
        day: int,
        complete: bool,
        starting: StartingState | None,
        memory: Any,
    ) -> None:
        CardLog.__init__(self, None, complete, starting)
        self._grown, self._count, self._time, self._day = grown, count, time, day
        self.memory = memory

    @property
    def reviews(self) -> tuple[Review, ...]:
        if self._reviews is None:
            self._reviews = self._grown.reviews(self._count)
        return self._reviews

    @property
    def columns(self) -> AnswerColumns:
        if self._columns is None:
            self._columns = self._grown.columns_after(self._count, self._time, self._day)
        return self._columns
