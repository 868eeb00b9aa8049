"""Compare schedulers on the user's own review history (Tools > Compare schedulers, tools/compare_schedulers.py).

Pure domain logic on a `Collection` (no GUI, nothing written). For the cards in scope:

1. **Prediction quality** (`compare_metrics`), time-series style: for every answer of a card except its first, each
   scheduler's ``recall`` gets the card's history *before* that answer and the time elapsed since the previous one,
   and predicts whether it was passed. As in Anki's evaluation and the FSRS benchmark, only answers on a later Anki
   day than the previous answer are predicted (same-day answers only feed the history), and cards whose history is
   incomplete (no learning answers since the last reset, e.g. imported mid-history) are not scored. FSRS-6 with the
   deck presets' parameters is always scored as the reference.
2. **Workload and retention ahead** (`compare_sim`): a seeded simulation of the next ``days`` days.
3. **If applied now**: the engine's plan and forecast, as the preview shows them (`reschedule.plan_reschedules`,
   `forecast.due_forecasts`): cards moved earlier / later, cards due today / within 7 / within 30 days before and
   after.

`compare()` runs all three for several schedulers and names the winner of each measure. The cards and their
histories are read once: the planner's pass hands each history to the scoring first (whose FSRS state the `fsrs`
built-in then reuses) and keeps every scheduler's interval as the simulation's first due; the schedulers are then
simulated side by side, card by card.
"""

from __future__ import annotations

import gc
import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import compress
from typing import TYPE_CHECKING, Any

from anki.decks import DeckId

from .collection_db import db
from .compare_metrics import Metrics, Predictions, bin_key, metrics, recency_weights_of
from .compare_sim import (
    AnswerProfile,
    ProfileBuilder,
    SchedulerRun,
    SimulationResult,
    StartCard,
    answer_columns,
    builtin_params,
    simulate_schedulers,
)
from .due_shaping import DueShaper
from .forecast import due_forecasts
from .reschedule import MAX_INTERVAL_SECS, plan_reschedules
from .reschedule_plan import ReschedulePlan
from .scheduler import (
    AnkiDays,
    AnswerColumns,
    CardHistory,
    CardLog,
    LoadedScheduler,
    Review,
    SchedulerError,
    StartingState,
    _Context,
)
from .schedulers import fsrs_builtin, fsrs_memory
from .schedulers.fsrs_builtin import memory_state
from .schedulers.fsrs_memory import Fsrs6, replay_answers

if TYPE_CHECKING:
    from anki.collection import Collection

REFERENCE_NAME = "FSRS-6 (preset parameters)"
FORECAST_DAYS = 30  # as the preview
ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class AppliedNow:
    """What Reschedule would change right now (the preview's numbers)."""

    rescheduled: int
    moved_earlier: int
    moved_later: int
    due_today: tuple[int, int]  # (before, after)
    due_week: tuple[int, int]
    due_month: tuple[int, int]


@dataclass
class SchedulerComparison:
    name: str
    quality: Metrics | None = None  # None: the scheduler has no recall()
    simulation: SimulationResult | None = None
    applied: AppliedNow | None = None


@dataclass
class Comparison:
    days: int
    seed: int
    cards: int
    reviewed_cards: int
    scored_cards: int
    reference: Metrics | None
    schedulers: list[SchedulerComparison]
    profile: AnswerProfile
    winners: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "seed": self.seed,
            "cards": self.cards,
            "reviewedCards": self.reviewed_cards,
            "scoredCards": self.scored_cards,
            "memoryModel": "FSRS-6 with the deck presets' parameters",
            "reference": asdict(self.reference) if self.reference else None,
            "schedulers": [_scheduler_json(s) for s in self.schedulers],
            "winners": self.winners,
        }


def _scheduler_json(result: SchedulerComparison) -> dict[str, Any]:
    sim = result.simulation
    return {
        "name": result.name,
        "quality": asdict(result.quality) if result.quality else None,
        "simulation": None
        if sim is None
        else {
            "averageReviewsPerDay": sim.average_reviews,
            "averageMinutesPerDay": sim.average_minutes,
            "expectedRetention": sim.expected_retention,
            "knownAtEnd": sim.known_at_end,
            "totalReviews": sim.total_reviews,
            "reviewsPerDay": sim.reviews_per_day,
            "newPerDay": sim.new_per_day,
            "minutesPerDay": [round(m, 3) for m in sim.minutes_per_day],
            "retentionPerDay": sim.retention_per_day,
            "knownDays": sim.known_days,
            "known": sim.known,
        },
        "appliedNow": asdict(result.applied) if result.applied else None,
    }


# Measures: (key, label, better is "low"/"high", getter)
MEASURES: list[tuple[str, str, str, Callable[[SchedulerComparison], float | None]]] = [
    ("logLoss", "Log loss", "low", lambda r: r.quality.log_loss if r.quality else None),
    ("rmseBins", "RMSE (bins)", "low", lambda r: r.quality.rmse_bins if r.quality else None),
    ("auc", "AUC", "high", lambda r: r.quality.auc if r.quality else None),
    ("reviewsPerDay", "Reviews/day", "low", lambda r: r.simulation.average_reviews if r.simulation else None),
    ("minutesPerDay", "Minutes/day", "low", lambda r: r.simulation.average_minutes if r.simulation else None),
    ("retention", "Expected retention", "high", lambda r: r.simulation.expected_retention if r.simulation else None),
    ("knownAtEnd", "Cards known at end", "high", lambda r: r.simulation.known_at_end if r.simulation else None),
]


def winners(results: Sequence[SchedulerComparison]) -> dict[str, str]:
    """measure key -> name of the best scheduler (measures nobody has a number for are left out; ties: first)."""
    best: dict[str, str] = {}
    for key, _label, better, getter in MEASURES:
        scored = [(value, r.name) for r in results if (value := getter(r)) is not None and not math.isnan(value)]
        if not scored:
            continue
        pick = min(scored, key=lambda item: item[0]) if better == "low" else max(scored, key=lambda item: item[0])
        best[key] = pick[1]
    return best


# --- one pass over the histories ---


def _reference_model(card: CardHistory) -> fsrs_memory.Fsrs6:
    return fsrs_memory.model(fsrs_memory.preset_params(card.deck_config))


def _check_probability(name: str, card_id: int, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise SchedulerError(name, card_id, value, "recall() returned no probability in [0, 1]")
    return float(value)


@dataclass
class _Walk:
    predictions: dict[str, Predictions]  # per scheduler with recall()
    reference: Predictions
    start: list[StartCard]
    intervals: list[list[float | None]]  # per reviewed start card: each scheduler's interval (`plan_reschedules`)
    profile: ProfileBuilder
    last_times: list[float] = field(default_factory=list)  # per reviewed start card: its last answer's time
    reviewed: int = 0
    scored: int = 0


class _FsrsRecall:
    """The `fsrs` built-in's predictions: recall(card before answer k, elapsed) is the retrievability its model
    gives answer k along one replay of the card (the same state, the same Anki days). With the preset's parameters
    those are the reference's very predictions, so only the differing probabilities are kept (``ps``)."""

    __slots__ = ("name", "params", "ps")

    def __init__(self, name: str, params: dict) -> None:
        self.name, self.params = name, params
        self.ps: array | None = None  # None: the reference's so far

    def predictions(self, reference: Predictions) -> Predictions:
        if self.ps is None:
            return reference
        return Predictions(reference.times, self.ps, reference.ys, reference.bins)


class _Recalled:
    """A plug-in's recall() predictions, in the reference's order: the probabilities, and the reference positions
    it gave none for (None). Times, outcomes and bins are the reference's, so they are not stored twice."""

    __slots__ = ("ps", "missing")

    def __init__(self) -> None:
        self.ps = array("d")
        self.missing: list[int] = []

    def predictions(self, reference: Predictions) -> Predictions:
        if not self.missing:
            return Predictions(reference.times, self.ps, reference.ys, reference.bins)
        kept = [True] * len(reference)
        for position in self.missing:
            kept[position] = False
        return Predictions(
            array("d", compress(reference.times, kept)),
            self.ps,
            array("b", compress(reference.ys, kept)),
            list(compress(reference.bins, kept)),
        )


class _Walker:
    """Sees every reviewed card once, in the pass that plans "if applied now" (`plan_reschedules`' ``on_history``):
    scores the predictions, counts the answer profile, and keeps the card's start for the simulation."""

    def __init__(self, recalls: dict[str, Callable], schedulers: int, days: AnkiDays) -> None:
        self.walk = _Walk({}, Predictions(), [], [], ProfileBuilder())
        self.days = days
        self.fast: list[_FsrsRecall] = []
        self.generic: list[tuple[str, Callable, _Recalled]] = []
        for name, recall in recalls.items():
            # the `fsrs` built-in's predictions come from one replay per card instead of one call per answer
            params = builtin_params(recall, fsrs_builtin.recall)
            if params is None:
                self.generic.append((name, recall, _Recalled()))
            else:
                self.fast.append(_FsrsRecall(name, params))
        self._models: dict[tuple[int, int], tuple[dict, Fsrs6]] = {}

    def finish(self) -> _Walk:
        walk = self.walk
        for fast in self.fast:
            walk.predictions[fast.name] = fast.predictions(walk.reference)
        for name, _recall, recalled in self.generic:
            walk.predictions[name] = recalled.predictions(walk.reference)
        return walk

    def model(self, config: dict[str, Any], params: dict | None) -> Fsrs6:
        """The FSRS-6 model of a preset (the reference: ``params`` None) or of the `fsrs` built-in with ``params``,
        cached per preset dict (one per deck in a run)."""
        key = (id(config), id(params))
        cached = self._models.get(key)
        if cached is None or cached[0] is not config:
            cached = self._models[key] = (config, fsrs_memory.model(fsrs_memory.preset_params(config, params)))
        return cached[1]

    def __call__(self, card: CardHistory, intervals: list[float | None]) -> None:
        walk = self.walk
        loaded = card._loaded(False)
        columns = loaded.columns
        ratings = columns.ratings
        if not ratings:
            return
        walk.reviewed += 1
        config = card.deck_config
        model = self.model(config, None)
        walk.profile.add(ratings, columns.elapsed_days)  # elapsed: Anki days, as Anki's FSRS counts them
        # Anki scores only histories that start at learning (params.rs reviews_for_fsrs, training = true)
        scored = loaded.complete and len(ratings) > 1
        walk.scored += scored
        sm2_retention = float(config.get("sm2Retention") or 0.9)
        if scored:
            memory = self._score(card, loaded, model, config, sm2_retention)
        else:
            # kept on the log (`CardLog.memory`): the `fsrs` built-in's interval needs no replay of its own
            memory = memory_state(card, model, sm2_retention, loaded=loaded)
        if card.queue != -1 and memory is not None:  # suspended cards are not studied in the simulation
            walk.start.append(StartCard(card, model, memory, None, card.deck_id))
            walk.intervals.append(intervals)  # filled in by the planner once this returns
            walk.last_times.append(columns.last_time)

    def _score(
        self, card: CardHistory, loaded: CardLog, model: Fsrs6, config: dict[str, Any], sm2_retention: float
    ) -> tuple[float, float] | None:
        """Predict every answer after the first that came on a later Anki day, from the answers before it: FSRS-6
        (the reference) and every recall(). Returns the memory state after the last answer."""
        columns = loaded.columns
        ratings, deltas = columns.ratings, columns.elapsed_days
        reference = self.walk.reference
        before = len(reference)
        retrievabilities: list[float] = []
        memory = memory_state(card, model, sm2_retention, loaded=loaded, predicted=retrievabilities)
        reference.ps.extend(retrievabilities)
        # the Anki day of each answer orders the predictions for Anki's recency weights
        day = columns.last_day or 0
        answer_days = [0] * len(ratings)
        for k in range(len(ratings) - 1, -1, -1):
            answer_days[k] = day
            day -= deltas[k]
        predicted: list[int] = []  # the answers predicted
        add_time, add_y, add_bin, bin_keys = (
            reference.times.append,
            reference.ys.append,
            reference.bins.append,
            _bin_keys,
        )
        long_term = lapses = 0
        for k in range(1, len(ratings)):
            delta = deltas[k]
            if delta:
                rating = ratings[k]
                long_term += 1
                add_time(answer_days[k])
                add_y(rating > 1)
                add_bin(bin_keys.get((delta, long_term, lapses)) or _bin_key(delta, long_term, lapses))
                predicted.append(k)
                if rating == 1:
                    lapses += 1
        for fast in self.fast:
            own_model = self.model(config, fast.params)
            if own_model is model:
                if fast.ps is not None:
                    fast.ps.extend(retrievabilities)
            else:
                if fast.ps is None:
                    fast.ps = reference.ps[:before]
                own: list[float] = []
                replay_answers(own_model, ratings, deltas, 0, None, own)
                fast.ps.extend(own)
        if self.generic:
            self._score_recalls(card, columns, predicted, answer_days, before)
        return memory

    def _score_recalls(
        self, card: CardHistory, columns: AnswerColumns, predicted: list[int], answer_days: list[int], before: int
    ) -> None:
        """Every plug-in recall() on the card as it was before each predicted answer."""
        reviews = card.reviews
        loaded = card._loaded()
        complete, starting = loaded.complete, loaded.starting_state
        card_type, interval_days, reps, lapses = card.type, card.interval_days, card.reps, card.lapses
        for position, k in enumerate(predicted, before):
            previous = reviews[k - 1]
            # the card's history up to answer k (a copy sharing the card's note, deck options and days)
            prefix = _PrefixLog(reviews[:k], complete, starting, columns, answer_days[k - 1])
            history = card.with_history(prefix, card_type, interval_days, reps, lapses)
            elapsed = reviews[k].time - previous.time
            for name, recall, recalled in self.generic:
                try:
                    value = recall(history, elapsed)
                except Exception as exc:
                    raise SchedulerError(name, card.card_id, exc, "raised an exception in recall()") from exc
                if value is None:  # no prediction for this answer (left out of this scheduler's figures)
                    recalled.missing.append(position)
                    continue
                if value.__class__ is not float or not 0.0 <= value <= 1.0:  # the common case passes as is
                    value = _check_probability(name, card.card_id, value)
                recalled.ps.append(value)


class _PrefixLog(CardLog):
    """A card's history up to one of its answers, as recall() gets it for that answer: the reviews before it, and
    their answer columns cut from the card's only when read (a recall() reads one or the other, rarely both)."""

    __slots__ = ("_card_columns", "_last_day")

    def __init__(
        self,
        reviews: tuple[Review, ...],
        complete: bool,
        starting: StartingState | None,
        card_columns: AnswerColumns,
        last_day: int,
    ) -> None:
        CardLog.__init__(self, reviews, complete, starting)
        self._card_columns, self._last_day = card_columns, last_day

    @property
    def columns(self) -> AnswerColumns:
        if self._columns is None:
            whole, count, reviews = self._card_columns, len(self.reviews), self.reviews
            self._columns = answer_columns(
                (
                    whole.ratings[:count],
                    whole.elapsed_days[:count],
                    whole.kinds[:count],
                    reviews[-1].time,
                    self._last_day,
                )
            )
        return self._columns


_bin_keys: dict[tuple[int, int, int], tuple[int, int, int]] = {}


def _bin_key(delta: int, long_term: int, lapses: int) -> tuple[int, int, int]:
    """`bin_key`, remembered: the same few combinations come up again and again."""
    found = _bin_keys.get((delta, long_term, lapses))
    if found is None:
        found = _bin_keys[(delta, long_term, lapses)] = bin_key(delta, long_term, lapses)
    return found


def _new_cards(
    col: Collection, card_ids: Sequence[int] | None, factory_card: Callable[..., CardHistory], days: AnkiDays
) -> list[StartCard]:
    """New (unsuspended) cards in scope, each with an empty history, in Anki's new-card order."""
    rows = db(col).all(
        "select id, nid, did, ord, queue, due, odid, odue, factor from cards where type = 0 and queue >= 0 order by id"
    )
    wanted = set(card_ids) if card_ids is not None else None
    start: list[StartCard] = []
    for cid, nid, did, ord_, queue, due, odid, odue, factor in rows:
        if wanted is not None and cid not in wanted:
            continue
        home = odid or did
        card = factory_card(
            card_id=cid,
            note_id=nid,
            deck_id=home,
            ordinal=ord_,
            created=cid / 1000.0,
            type=0,
            queue=queue,
            due=odue if odid else due,
            interval_days=0,
            factor=factor,
            reps=0,
            lapses=0,
        )
        start.append(StartCard(card, _reference_model(card), None, None, home, new_position=card.due))
    return start


def answer_seconds(col: Collection) -> dict[tuple[str, int], float]:
    """The user's average answer time per kind of answer and button, from the review log (answers of up to 60 s,
    Anki's default cap): ``new`` and ``learn`` from learning/relearning answers, ``review`` from review answers."""
    seconds: dict[tuple[str, int], float] = {}
    rows = db(col).all(
        "select type, ease, sum(time), count() from revlog where ease between 1 and 4 and type between 0 and 2 "
        "and time between 1 and 60000 group by type, ease"
    )
    totals: dict[tuple[str, int], list[float]] = {}
    for kind, ease, total_ms, count in rows:
        names = ("new", "learn") if kind == 0 else ("learn",) if kind == 2 else ("review",)
        for name in names:
            entry = totals.setdefault((name, ease), [0.0, 0])
            entry[0] += total_ms / 1000.0
            entry[1] += count
    for key, (total, count) in totals.items():
        seconds[key] = total / count
    return seconds


def _new_limits(col: Collection, deck_ids: set[int]) -> dict[int, int]:
    limits = {}
    for deck_id in deck_ids:
        config = col.decks.config_dict_for_deck_id(DeckId(deck_id))  # a missing deck gives the default preset
        limits[deck_id] = int((config.get("new") or {}).get("perDay", 20))
    return limits


def deck_card_ids(col: Collection, deck_names: Sequence[str]) -> list[int]:
    """Cards of these decks and their subdecks (names are escaped for Anki's search, so any deck name works)."""
    from anki.collection import SearchNode

    nodes = [SearchNode(deck=name) for name in deck_names]
    return list(col.find_cards(col.build_search_string(*nodes, joiner="OR")))


def _first_due(history: CardHistory, last_time: float, seconds: float | None, days: AnkiDays) -> float:
    """When a scheduler, applied now, has a reviewed card due: ``seconds`` (its checked interval) after the last
    answer (at ``last_time``); where it leaves the card alone (None), Anki's due."""
    if seconds is not None:
        return last_time + min(seconds, MAX_INTERVAL_SECS)
    due = history.due
    if due > 1_000_000_000:
        return float(due)
    if history.type == 2:
        return days.day_start(due)
    return days.now


def _applied(col: Collection, plans: Sequence[ReschedulePlan], now: float | None) -> list[AppliedNow]:
    """Cards moved earlier / later and due counts before -> after, for each plan (one read of the cards)."""
    before, forecasts = due_forecasts(col, plans, FORECAST_DAYS, now=now)
    return [
        AppliedNow(
            rescheduled=plan.report.rescheduled,
            moved_earlier=forecast.earlier,
            moved_later=forecast.later,
            due_today=(before[0], forecast.after[0]),
            due_week=(sum(before[:7]), sum(forecast.after[:7])),
            due_month=(sum(before), sum(forecast.after)),
        )
        for plan, forecast in zip(plans, forecasts)
    ]


def compare(
    col: Collection,
    schedulers: Sequence[LoadedScheduler],
    card_ids: Sequence[int] | None = None,
    *,
    days: int = 365,
    seed: int = 0,
    now: float | None = None,
    on_progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
    shaping: bool = False,
) -> Comparison:
    """Compare ``schedulers`` on the cards ``card_ids`` (all cards if None). Reads only. ``shaping``: the
    "if applied now" figures with due-day shaping, as the preview shows them when ``dueShaping`` is on."""
    collecting = gc.isenabled()
    gc.disable()  # millions of small, acyclic objects: the cyclic collector would rescan them over and over
    try:
        return _compare(col, schedulers, card_ids, days, seed, now, on_progress, should_cancel, shaping)
    finally:
        fsrs_memory.forget_caches()
        if collecting:
            gc.enable()


def _compare(
    col: Collection,
    schedulers: Sequence[LoadedScheduler],
    card_ids: Sequence[int] | None,
    days: int,
    seed: int,
    now: float | None,
    on_progress: ProgressCallback | None,
    should_cancel: Callable[[], bool] | None,
    shaping: bool,
) -> Comparison:
    anki_days = AnkiDays.from_collection(col, now)
    recalls = {s.name: s.recall for s in schedulers if s.recall is not None}
    walker = _Walker(recalls, len(schedulers), anki_days)

    def pass_progress(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress("Scoring predictions", done, total)

    # one pass over the cards and their histories: the plans "if applied now" (as Tools > Reschedule previews
    # them; due-day shaping when ``shaping``, as the ``dueShaping`` setting does, each plan with its own shaper),
    # and, from the same histories and intervals, the scoring and the simulation's start
    shapers = [DueShaper.from_collection(col, shape=shaping) for _ in schedulers]
    planned = list(schedulers)
    if walker.generic:
        # a plug-in's recall() gets every scored card's reviews: the engine reads the whole logs up front (one
        # query and one parse a card) instead of the answer columns first and the reviews again on first read
        planned = [replace(scheduler, reads_history="reviews") for scheduler in schedulers]
    plans = plan_reschedules(
        col,
        [(scheduler, shaper) for scheduler, shaper in zip(planned, shapers)],
        card_ids,
        now=anki_days.now,
        on_progress=pass_progress,
        should_cancel=should_cancel,
        on_history=walker,
    )
    walk = walker.finish()
    if on_progress is not None:
        on_progress("If applied now", 0, 1)
    applied = _applied(col, plans, anki_days.now)
    profile = walk.profile.build(answer_seconds(col))
    reviewed_start = walk.start

    context = _Context(col, anki_days)  # one note / deck-options cache for all new cards

    def factory(**fields: Any) -> CardHistory:
        return CardHistory(**fields, reviews=(), context=context)

    new_start = _new_cards(col, card_ids, factory, anki_days)
    limits = _new_limits(col, {card.deck_id for card in new_start})
    if on_progress is not None:
        on_progress("Prediction figures", 0, len(recalls) + 1)
    # the recency weights of the reference's answers, shared by every model predicting all of them
    weights = recency_weights_of(walk.reference.times)
    reference = metrics(walk.reference, weights) if walk.reference else None
    results = [SchedulerComparison(scheduler.name, applied=each) for scheduler, each in zip(schedulers, applied)]
    for result in results:
        predictions = walk.predictions.get(result.name)
        if predictions is not None:
            # the `fsrs` built-in with the preset's parameters predicts what the reference predicts
            same_answers = predictions.times is walk.reference.times
            result.quality = (
                reference if predictions is walk.reference else metrics(predictions, weights if same_answers else None)
            )
    start = reviewed_start + new_start
    runs = [
        SchedulerRun(
            scheduler.interval,
            scheduler.name,
            [
                _first_due(c.history, last_time, intervals[number], anki_days)
                for c, last_time, intervals in zip(reviewed_start, walk.last_times, walk.intervals)
            ]
            + [None] * len(new_start),
        )
        for number, scheduler in enumerate(schedulers)
    ]

    def on_cards(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress("Simulating", done, total)

    simulations = simulate_schedulers(
        start,
        runs,
        profile,
        anki_days,
        limits,
        n_days=days,
        seed=seed,
        should_cancel=should_cancel,
        on_progress=on_cards,
    )
    for result, simulation in zip(results, simulations):
        result.simulation = simulation
    comparison = Comparison(
        days=days,
        seed=seed,
        cards=len(reviewed_start) + len(new_start),
        reviewed_cards=walk.reviewed,
        scored_cards=walk.scored,
        reference=reference,
        schedulers=results,
        profile=profile,
    )
    comparison.winners = winners(results)
    return comparison


def table_lines(comparison: Comparison) -> list[str]:
    """The result table as text: one row per measure, one column per scheduler, the winner named."""
    names = [s.name for s in comparison.schedulers]
    width = max(12, *(len(n) for n in names))
    header = f"{'measure':<20}" + "".join(f"{n:>{width + 2}}" for n in names) + "  winner"
    lines = [header, "-" * len(header)]
    for key, label, better, getter in MEASURES:
        cells = []
        for result in comparison.schedulers:
            value = getter(result)
            cells.append(f"{format_value(key, value):>{width + 2}}")
        winner = comparison.winners.get(key, "-")
        lines.append(f"{label:<20}" + "".join(cells) + f"  {winner} ({'lower' if better == 'low' else 'higher'})")
    if comparison.reference is not None:
        ref = comparison.reference
        lines.append("")
        lines.append(
            f"{REFERENCE_NAME}: log loss {ref.log_loss:.4f}, RMSE (bins) {ref.rmse_bins:.4f}, "
            f"AUC {ref.auc:.4f} on {ref.predictions} predictions; weighted as Anki's Evaluate: "
            f"log loss {ref.anki_log_loss:.4f}, RMSE (bins) {ref.anki_rmse_bins:.4f}"
        )
    for result in comparison.schedulers:
        applied = result.applied
        if applied is not None:
            lines.append(
                f"If {result.name} were applied now: {applied.rescheduled} cards rescheduled, "
                f"{applied.moved_earlier} earlier, {applied.moved_later} later; due today "
                f"{applied.due_today[0]} -> {applied.due_today[1]}, within 7 days {applied.due_week[0]} -> "
                f"{applied.due_week[1]}, within 30 days {applied.due_month[0]} -> {applied.due_month[1]}"
            )
    lines.append(
        f"Simulated {comparison.days} days (seed {comparison.seed}) of {comparison.cards} cards; answers "
        "drawn from FSRS-6 with your deck presets' parameters."
    )
    return lines


def format_value(key: str, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if key in ("logLoss", "rmseBins", "auc", "retention"):
        return f"{value:.4f}"
    if key == "knownAtEnd":
        return f"{value:.0f}"
    return f"{value:.1f}"
