"""The ``fsrs`` built-in: the interval Anki's own FSRS-6 gives, from the history Anki itself would use.

Memory state: Anki builds it from the card's answers since its last restart (the engine hands exactly those over,
``card.reviews``, with Anki's day numbering) and, for a log that starts mid-history, from the SM-2 state Anki
infers (``card.starting_state``); see ankitects/anki ``rslib/src/scheduler/fsrs/memory_state.rs``. The update
rules are FSRS-6 as Anki runs it (the fsrs-rs crate, ``model_v6.rs``: ``stability_after_success``,
``stability_after_failure``, ``stability_short_term`` for answers on the same day, ``next_difficulty`` with mean
reversion, stability kept in [0.001, 36500] and difficulty in [1, 10]); the formulas are the ones of the vendored
py-fsrs library (its bounds and defaults are used), but py-fsrs counts elapsed time in real 24-hour periods and
runs its own step machine, so it cannot agree with Anki day for day: the replay here follows Anki instead.

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

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..scheduler import CardHistory, ReviewKind
from ._vendor.fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

DAY = 86_400.0
S_MIN, S_MAX = 0.001, 36_500.0  # fsrs-rs S_MIN / S_MAX
D_MIN, D_MAX = 1.0, 10.0


class Fsrs6:
    """FSRS-6 with one parameter set; constants precomputed so a replay is a few float operations per answer."""

    def __init__(self, weights: Sequence[float]) -> None:
        w = self.w = tuple(min(max(float(p), lo), hi)
                           for p, lo, hi in zip(weights, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS))
        self.decay = -w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.exp_w8 = math.exp(w[8])
        self.init_d_easy = w[4] - math.exp(w[5] * 3) + 1  # mean-reversion target: initial difficulty of Easy
        self.forget_floor = math.exp(w[17] * w[18])

    def initial(self, rating: int) -> tuple[float, float]:
        w = self.w
        d = w[4] - math.exp(w[5] * (rating - 1)) + 1
        return min(max(w[rating - 1], S_MIN), S_MAX), min(max(d, D_MIN), D_MAX)

    def step(self, s: float, d: float, elapsed_days: int, rating: int) -> tuple[float, float]:
        """One answer after ``elapsed_days`` Anki days (fsrs-rs ``update_state``)."""
        w = self.w
        if elapsed_days == 0:
            sinc = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
            new_s = s * (max(sinc, 1.0) if rating >= 2 else sinc)  # Anki's fsrs-rs: Hard never shrinks it
        else:
            r = (1 + self.factor * elapsed_days / s) ** self.decay
            if rating == 1:
                new_s = min(w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14]),
                            s / self.forget_floor)
            else:
                bonus = w[15] if rating == 2 else w[16] if rating == 4 else 1.0
                new_s = s * (self.exp_w8 * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1) * bonus + 1)
        new_d = d - w[6] * (rating - 3) * (10 - d) / 9
        new_d = w[7] * self.init_d_easy + (1 - w[7]) * new_d
        return min(max(new_s, S_MIN), S_MAX), min(max(new_d, D_MIN), D_MAX)

    def from_sm2(self, ease: float, interval_days: float, sm2_retention: float) -> tuple[float, float]:
        """fsrs-rs ``memory_state_from_sm2``: the memory an SM-2 card with this ease and interval implies."""
        w = self.w
        s = max(interval_days, S_MIN) * self.factor / (sm2_retention ** (1 / self.decay) - 1)
        d = 11 - (ease - 1) / (self.exp_w8 * s ** -w[9] * math.expm1((1 - sm2_retention) * w[10]))
        return s, min(max(d, D_MIN), D_MAX)

    def interval(self, s: float, desired_retention: float) -> float:
        """Days until recall falls to ``desired_retention`` (fsrs-rs ``next_interval``, unrounded)."""
        return min(max(s / self.factor * (desired_retention ** (1 / self.decay) - 1), 0.0), S_MAX)

    def retrievability(self, s: float, elapsed_days: float) -> float:
        return (1 + self.factor * max(elapsed_days, 0.0) / s) ** self.decay


_models: dict[tuple[float, ...], Fsrs6] = {}


def model_for(weights: Sequence[float]) -> Fsrs6:
    key = tuple(weights)
    model = _models.get(key)
    if model is None:
        model = _models[key] = Fsrs6(key)
    return model


def preset_weights(config: dict[str, Any], params: dict) -> Sequence[float]:
    """Trained parameters, else the preset's FSRS-6 parameters, else FSRS-6's defaults."""
    for weights in (params.get("params"), config.get("fsrsParams6")):
        if weights and len(weights) == len(DEFAULT_PARAMETERS):
            return weights
    return DEFAULT_PARAMETERS


def replay(model: Fsrs6, ratings: Sequence[int], elapsed_days: Sequence[int], first: int,
           state: tuple[float, float] | None) -> tuple[float, float] | None:
    """Memory state after replaying answers ``first:`` from ``state`` (fsrs-rs ``forward``; the loop is
    `Fsrs6.step` inlined, as a full reschedule replays every answer of the collection)."""
    w = model.w
    w6, w7, w9, w10, w11, w12, w13, w14 = w[6], w[7], w[9], w[10], w[11], w[12], w[13], w[14]
    w15, w16, w17, w18, w19 = w[15], w[16], w[17], w[18], w[19]
    factor, decay, exp_w8, init_d_easy, floor = model.factor, model.decay, model.exp_w8, model.init_d_easy, \
        model.forget_floor
    exp = math.exp
    if state is None:
        if first >= len(ratings):
            return None
        s, d = model.initial(ratings[first])
        first += 1
    else:
        s, d = state
    for index in range(first, len(ratings)):
        rating = ratings[index]
        elapsed = elapsed_days[index]
        if elapsed == 0:
            sinc = exp(w17 * (rating - 3 + w18)) * s ** -w19
            s = s * (sinc if sinc > 1.0 or rating == 1 else 1.0)  # Anki's fsrs-rs: only Again may shrink it
        else:
            r = (1 + factor * elapsed / s) ** decay
            if rating == 1:
                forget = w11 * d ** -w12 * ((s + 1) ** w13 - 1) * exp((1 - r) * w14)
                s = min(forget, s / floor)
            else:
                bonus = w15 if rating == 2 else w16 if rating == 4 else 1.0
                s = s * (exp_w8 * (11 - d) * s ** -w9 * (exp((1 - r) * w10) - 1) * bonus + 1)
        s = S_MIN if s < S_MIN else S_MAX if s > S_MAX else s
        d = w7 * init_d_easy + (1 - w7) * (d - w6 * (rating - 3) * (10 - d) / 9)
        d = D_MIN if d < D_MIN else D_MAX if d > D_MAX else d
    return s, d


def memory_state(card: CardHistory, model: Fsrs6, sm2_retention: float) -> tuple[float, float] | None:
    """(stability, difficulty) after the card's last answer, as Anki computes it; None when Anki has none."""
    columns = card.answer_columns
    start = card.starting_state
    if start is None:
        return replay(model, columns.ratings, columns.elapsed_days, 0, None)
    s, d = model.from_sm2(start.factor / 1000.0, start.interval_days, sm2_retention)
    if not start.from_card and start.factor <= 1100:
        d = (start.factor / 1000.0 - 0.1) * 9.0 + 1.0  # Anki: an ease this low was written by FSRS (difficulty)
    return replay(model, columns.ratings, columns.elapsed_days, start.reviews_covered, (s, d))


class _Preset:
    """What the built-in needs from one deck preset (cached per preset dict and trained params)."""

    __slots__ = ("model", "retention", "maximum", "sm2_retention", "learn_steps", "relearn_steps")

    def __init__(self, config: dict[str, Any], params: dict) -> None:
        self.model = model_for(preset_weights(config, params))
        self.retention = float(config.get("desiredRetention") or 0.9)
        self.maximum = int((config.get("rev") or {}).get("maxIvl") or 36500)
        self.sm2_retention = float(config.get("sm2Retention") or 0.9)
        self.learn_steps = _steps(config, "new")
        self.relearn_steps = _steps(config, "lapse")


_presets: dict[tuple[int, int], tuple[dict, dict, _Preset]] = {}


def _preset(card: CardHistory, params: dict) -> _Preset:
    config = card.deck_config
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


_LEARN, _REVIEW, _RELEARN, _FILTERED = (int(k) for k in
                                        (ReviewKind.LEARN, ReviewKind.REVIEW, ReviewKind.RELEARN, ReviewKind.FILTERED))


def _step_after(ratings: Sequence[int], kinds: Sequence[int], learn_steps: list[float],
                relearn_steps: list[float]) -> float | None:
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
    columns = card.answer_columns
    if not columns.ratings:
        return None
    preset = _preset(card, params)
    step = _step_after(columns.ratings, columns.kinds, preset.learn_steps, preset.relearn_steps)
    if step is not None:
        return step
    state = memory_state(card, preset.model, preset.sm2_retention)
    if state is None:
        return None
    ivl_days = min(max(round(preset.model.interval(state[0], preset.retention)), 1), preset.maximum)
    days = card.days
    if days is None or columns.last_day is None:
        return ivl_days * DAY
    # due at the start of the Anki day ivl_days after the last answer's day, as Anki's reschedule counts it
    return max(0.0, days.day_start(columns.last_day + ivl_days) - columns.last_time)


def recall(card: CardHistory, elapsed_seconds: float, params: dict | None = None) -> float | None:
    """FSRS-6 retrievability of the card ``elapsed_seconds`` after its last answer (None without a memory state)."""
    if not card.answer_columns.ratings:
        return None
    preset = _preset(card, params or {})
    state = memory_state(card, preset.model, preset.sm2_retention)
    if state is None:
        return None
    return preset.model.retrievability(state[0], elapsed_seconds / DAY)


def training_items(histories: Iterable[CardHistory]) -> list:
    """The FSRS items Anki builds for training from the same log (params.rs ``reviews_for_fsrs`` with
    ``training = true``): only cards whose history is complete (starts at learning), one item per answer after
    the first whose Anki day differs from the previous answer's."""
    from anki import scheduler_pb2

    items = []
    for card in histories:
        if not card.history_complete:
            continue
        columns = card.answer_columns
        reviews = [scheduler_pb2.FsrsReview(rating=rating, delta_t=delta)
                   for rating, delta in zip(columns.ratings, columns.elapsed_days)]
        items.extend(scheduler_pb2.FsrsItem(reviews=reviews[:k + 1])
                     for k in range(1, len(reviews)) if columns.elapsed_days[k] > 0)
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
