"""The ``fsrs`` built-in: the interval Anki's own FSRS-6 gives, from the history Anki itself would use.

Memory state: Anki builds it from the card's answers since its last restart (the engine hands exactly those over,
``card.reviews``, with Anki's day numbering) and, for a log that starts mid-history, from the SM-2 state Anki
infers (``card.starting_state``); see ankitects/anki ``rslib/src/scheduler/fsrs/memory_state.rs``. The update
rules are FSRS-6 as Anki runs it (`fsrs_memory`).

Interval: review cards get ``round(next_interval(stability, desired retention))`` days, between 1 and the preset's
maximum interval (Anki's unfuzzed ``with_review_fuzz``), counted from the last answer's Anki day. Cards in
(re)learning follow the preset's steps as Anki does (``rslib/src/scheduler/states/steps.rs``, ``learning.rs``,
``relearning.rs``): Again goes back to the first step, Hard repeats the step (the first one: the mean of the first
two, or 1.5 times a single step, at most a day more), Good moves on, and graduating (Good on the last step, or
Easy) gives the FSRS interval.

Parameters, in order of preference: ``params["params"]`` from `train` (stored by the add-on), the deck preset's
FSRS-6 parameters (``fsrsParams6``, set when you optimise in Anki's deck options), FSRS-6's defaults. Desired
retention, maximum interval, steps and the SM-2 retention for inferred starting states come from the preset.

``train`` fits FSRS parameters with Anki's own optimizer (``compute_fsrs_params_from_items`` of Anki's Rust
backend) on the items Anki itself builds from the same log (one per answer on a later day, histories starting at
learning) and returns ``{"params": [...21 floats]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..scheduler import AnkiDays, AnswerColumns, CardHistory, CardLog, ReviewKind, StartingState
from . import fsrs_memory
from .fsrs_memory import Fsrs6, replay_answers

DAY = 86_400.0
_NO_PARAMS: dict = {}


def memory_state(
    card: CardHistory | None,
    model: Fsrs6,
    sm2_retention: float,
    columns: AnswerColumns | None = None,
    remember: bool = False,
    loaded: CardLog | None = None,
    predicted: list[float] | None = None,
) -> tuple[float, float] | None:
    """(stability, difficulty) after the card's last answer, as Anki computes it; None when Anki has none.

    ``loaded``: the card's loaded history when the caller has it at hand (else ``columns`` and the starting state
    are read from the card). ``remember``: keep the state per card so the same card asked again with one more
    answer costs one step (the comparison grows histories an answer at a time); a reschedule sees each card once
    and does not keep them. ``predicted``: replay every answer, appending the retrievability each answer on a later
    day was predicted with (`replay_answers`)."""
    if loaded is None:
        assert card is not None, "memory_state needs the card or its loaded history"
        loaded = card._loaded(False)
        columns, start = columns or card.answer_columns, card.starting_state
    else:
        columns, start = loaded.columns, loaded.starting_state
    first, state = _replay_start(model, start, sm2_retention)
    if remember:
        assert card is not None, "remembering needs the card's id"
        return model.remembered_replay(card.card_id, columns.ratings, columns.elapsed_days, first, state)
    # the state after a prefix of these answers, kept on the log (`CardLog.memory`: a history grown an answer at a
    # time, as the comparison's simulation grows it, carries it over): step through the remaining answers only
    count = len(columns.ratings)
    memo = loaded.memory
    if memo is not None and predicted is None and memo[0] is model and memo[1:3] == (first, state) and memo[3] <= count:
        result = replay_answers(model, columns.ratings, columns.elapsed_days, memo[3], memo[4])
    else:
        result = replay_answers(model, columns.ratings, columns.elapsed_days, first, state, predicted)
    if result is not None:
        loaded.memory = (model, first, state, count, result)
    return result


def _replay_start(
    model: Fsrs6, start: StartingState | None, sm2_retention: float
) -> tuple[int, tuple[float, float] | None]:
    """(answers the starting state covers, the state) a replay starts from: Anki's state inferred from SM-2 for an
    incomplete history, else (0, None)."""
    if start is None:
        return 0, None
    s, d = model.from_sm2(start.factor / 1000.0, start.interval_days, sm2_retention)
    if not start.from_card and start.factor <= 1100:
        d = (start.factor / 1000.0 - 0.1) * 9.0 + 1.0  # Anki: an ease this low was written by FSRS (difficulty)
    return start.reviews_covered, (s, d)


class _Preset:
    """What the built-in needs from one deck preset (cached per preset dict and trained params)."""

    __slots__ = ("model", "retention", "maximum", "sm2_retention", "learn_steps", "relearn_steps")

    def __init__(self, config: dict[str, Any], params: dict) -> None:
        self.model = fsrs_memory.model(fsrs_memory.preset_params(config, params))
        self.retention = float(config.get("desiredRetention") or 0.9)
        self.maximum = int((config.get("rev") or {}).get("maxIvl") or 36500)
        self.sm2_retention = float(config.get("sm2Retention") or 0.9)
        self.learn_steps = _steps(config, "new")
        self.relearn_steps = _steps(config, "lapse")


_presets: dict[tuple[int, int], tuple[dict, dict, _Preset]] = {}


def _preset(card: CardHistory, params: dict) -> _Preset:
    return _preset_of(card.deck_config, params)


def _preset_of(config: dict[str, Any], params: dict) -> _Preset:
    key = (id(config), id(params))
    cached = _presets.get(key)
    if cached is None or cached[0] is not config or cached[1] is not params:
        if len(_presets) > 256:
            _presets.clear()
        cached = _presets[key] = (config, params, _Preset(config, params))
    return cached[2]


def _steps(config: dict[str, Any], section: str) -> list[float]:
    return [float(minutes) * 60.0 for minutes in (config.get(section) or {}).get("delays") or [] if float(minutes) > 0]


def _hard_delay(steps: list[float], index: int) -> float:
    """Anki steps.rs ``hard_delay_secs``: on the first step the mean of the first two steps (one step: 1.5 times
    it, at most a day more); on later steps the current step again."""
    if index == 0:
        if len(steps) == 1:
            return min(steps[0] * 1.5, steps[0] + DAY)
        return (steps[0] + steps[1]) / 2
    return steps[min(index, len(steps) - 1)]


_LEARN, _REVIEW, _RELEARN, _FILTERED = (
    int(k) for k in (ReviewKind.LEARN, ReviewKind.REVIEW, ReviewKind.RELEARN, ReviewKind.FILTERED)
)


def _step_after(
    ratings: Sequence[int], kinds: Sequence[int], learn_steps: list[float], relearn_steps: list[float]
) -> float | None:
    """The step delay (seconds) the last answer leads to, or None when it leaves the card in review.

    Follows Anki's learning/relearning states: the current group of (re)learning answers is replayed from its
    start (a learning group starts at the card's first learning answer, a relearning group right after the lapse,
    which put the card on the first relearning step) to find the step the card is on.
    """
    last_kind = kinds[-1]
    if last_kind in (_REVIEW, _FILTERED):
        if ratings[-1] != 1 or not relearn_steps:
            return None
        return relearn_steps[0]
    steps = learn_steps if last_kind == _LEARN else relearn_steps
    if not steps:
        return None
    group_start = len(kinds) - 1
    while group_start > 0 and kinds[group_start - 1] == last_kind:
        group_start -= 1
    index = 0
    delay: float | None = None
    for rating in ratings[group_start:]:
        if rating == 4:
            return None
        if rating == 1:
            index, delay = 0, steps[0]
        elif rating == 2:
            delay = _hard_delay(steps, index)
        else:
            index += 1
            if index >= len(steps):
                return None
            delay = steps[index]
    return delay


def interval(card: CardHistory, params: dict) -> float | None:
    # columns and starting state from one lookup (this runs for every card)
    return interval_of_log(params, card._loaded(False), card.deck_config, card.days)


def interval_of_log(params: dict, loaded: CardLog, config: dict[str, Any], days: AnkiDays | None) -> float | None:
    """`interval` from the card's loaded history and home deck options (`scheduler.LogIntervalFunction`, params
    first: the engine binds them)."""
    columns = loaded.columns
    if not columns.ratings:
        return None
    preset = _preset_of(config, params)
    step = _step_after(columns.ratings, columns.kinds, preset.learn_steps, preset.relearn_steps)
    if step is not None:
        return step
    state = memory_state(None, preset.model, preset.sm2_retention, loaded=loaded)
    if state is None:
        return None
    return _review_interval(preset, state[0], days, columns.last_day, columns.last_time)


def _review_interval(
    preset: _Preset, stability: float, days: AnkiDays | None, last_day: int | None, last_time: float
) -> float:
    """Seconds from the last answer to the start of the Anki day the FSRS interval leads to, as Anki's reschedule
    counts it (from the last answer's day)."""
    ivl_days = min(max(round(preset.model.interval(stability, preset.retention)), 1), preset.maximum)
    if days is None or last_day is None:
        return ivl_days * DAY
    return max(0.0, days.day_start(last_day + ivl_days) - last_time)


class GrowingCard:
    """`interval` of one card while answers are appended to it one at a time, without a `CardHistory` per answer
    (Compare schedulers' simulation asks after every simulated answer): the same steps, the same memory state
    (replayed incrementally: a replay's state after n answers is the same whichever way it was reached) and the
    same day arithmetic as `interval` on the card with those answers."""

    __slots__ = ("preset", "days", "ratings", "elapsed_days", "kinds", "first", "start", "state", "replayed")

    def __init__(self, card: CardHistory, params: dict) -> None:
        loaded = card._loaded(False)
        columns = loaded.columns
        self.preset = _preset(card, params)
        self.days = card.days
        self.ratings, self.elapsed_days, self.kinds = (
            list(columns.ratings),
            list(columns.elapsed_days),
            list(columns.kinds),
        )
        self.first, self.start = _replay_start(self.preset.model, loaded.starting_state, self.preset.sm2_retention)
        self.state: tuple[float, float] | None = None  # the memory state after ``replayed`` answers
        self.replayed = 0
        memo = loaded.memory  # `memory_state`'s, when it ran on these answers with this model and start
        if memo is not None and memo[0] is self.preset.model and memo[1:3] == (self.first, self.start):
            self.replayed, self.state = memo[3], memo[4]

    def answered(self, time: float, rating: int, kind: int, day: int, elapsed_days: int) -> float | None:
        """`interval` of the card after one more answer (``elapsed_days``: Anki days since the previous one)."""
        ratings, kinds, preset = self.ratings, self.kinds, self.preset
        ratings.append(rating)
        self.elapsed_days.append(elapsed_days)
        kinds.append(kind)
        step = _step_after(ratings, kinds, preset.learn_steps, preset.relearn_steps)
        if step is not None:
            return step
        if self.state is None:
            state = replay_answers(preset.model, ratings, self.elapsed_days, self.first, self.start)
        else:
            state = replay_answers(preset.model, ratings, self.elapsed_days, self.replayed, self.state)
        if state is None:
            return None
        self.state, self.replayed = state, len(ratings)
        return _review_interval(preset, state[0], self.days, day, time)


def recall(card: CardHistory, elapsed_seconds: float, params: dict | None = None) -> float | None:
    """FSRS-6 retrievability of the card ``elapsed_seconds`` after its last answer (the plug-in contract's optional
    memory model): the memory state Anki computes for the card (`memory_state`), elapsed time in Anki days as
    Anki's FSRS counts it."""
    columns = card.answer_columns
    if not columns.ratings:
        return None
    preset = _preset(card, _NO_PARAMS if params is None else params)  # one dict: _preset caches by its id
    state = memory_state(card, preset.model, preset.sm2_retention, remember=True)
    if state is None:
        return None
    days = card.days
    if days is None or columns.last_day is None:
        elapsed_days = int(elapsed_seconds // DAY)
    else:
        elapsed_days = days.revlog_day(columns.last_time + elapsed_seconds) - columns.last_day
    return preset.model.retrievability(state[0], elapsed_days)


def training_items(histories: Iterable[CardHistory]) -> list:
    """The FSRS items Anki builds for training from the same log (params.rs ``reviews_for_fsrs`` with
    ``training = true``): only cards whose history is complete (starts at learning), one item per answer after
    the first whose Anki day differs from the previous answer's."""
    from anki import scheduler_pb2

    items: list[Any] = []
    for card in histories:
        if not card.history_complete:
            continue
        columns = card.answer_columns
        reviews = [
            scheduler_pb2.FsrsReview(rating=rating, delta_t=delta)
            for rating, delta in zip(columns.ratings, columns.elapsed_days)
        ]
        items.extend(
            scheduler_pb2.FsrsItem(reviews=reviews[: k + 1])
            for k in range(1, len(reviews))
            if columns.elapsed_days[k] > 0
        )
    return items


def train(histories: Iterable[CardHistory]) -> dict:
    """Fit FSRS-6 parameters with Anki's optimizer; returns ``{"params": [...]}`` (``{}`` without enough data)."""
    from ..anki_compat import collection_backend, standalone_backend

    histories = list(histories)
    context_col = next((card[14].col for card in histories if card[14].col is not None), None)
    items = training_items(histories)
    if not items:
        return {}
    backend = collection_backend(context_col) if context_col is not None else standalone_backend()
    response = backend.compute_fsrs_params_from_items(items)
    return {"params": [round(p, 6) for p in response.params]} if response.params else {}
