"""FSRS-6 memory states exactly as Anki computes them, fast enough to replay a whole collection many times.

The one FSRS-6 model of the add-on (the ``fsrs`` built-in's intervals and ``recall``, the comparison's evaluation
and simulation). The update rules are FSRS-6 as Anki runs it: the fsrs-rs crate (``model_v6.rs``:
``stability_after_success``, ``stability_after_failure``, ``stability_short_term`` for answers on the same Anki
day, where only Again may lower stability, ``next_difficulty`` with mean reversion, ``memory_state_from_sm2``,
``next_interval``), stability kept in [0.001, 36500] days and difficulty in [1, 10]. They are the same formulas as
the vendored py-fsrs library's (whose parameter bounds and defaults are used); py-fsrs itself counts elapsed time in
real 24-hour periods and lets Hard lower stability on the same day, so it cannot agree with Anki day for day.
Elapsed time is in Anki days (FSRS's ``delta_t``; `scheduler.Review.elapsed_days`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._vendor.fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

S_MIN, S_MAX = 0.001, 36_500.0  # fsrs-rs S_MIN / S_MAX
D_MIN, D_MAX = 1.0, 10.0


def clamped(params: Sequence[float]) -> tuple[float, ...]:
    """Parameters inside FSRS-6's bounds (fsrs-rs clips them the same way before use)."""
    return tuple(
        min(max(float(p), lo), hi) for p, lo, hi in zip(params, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS)
    )


def preset_params(config: dict[str, Any], trained: dict | None = None) -> Sequence[float]:
    """The parameters Anki would use: trained ones if given, else the preset's FSRS-6 ones, else the defaults."""
    for weights in ((trained or {}).get("params"), config.get("fsrsParams6")):
        if weights and len(weights) == len(DEFAULT_PARAMETERS):
            return weights
    return DEFAULT_PARAMETERS


class Fsrs6:
    """FSRS-6 with one parameter set; constants precomputed so a replay is a few float operations per answer."""

    def __init__(self, weights: Sequence[float]) -> None:
        w = self.w = self.params = clamped(weights)
        self._cache: dict[int, tuple[Sequence[int], Sequence[int], tuple, tuple[float, float] | None]] = {}
        self.decay = -w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.exp_w8 = math.exp(w[8])
        self.init_d_easy = w[4] - math.exp(w[5] * 3) + 1  # mean-reversion target: initial difficulty of Easy
        self.forget_floor = math.exp(w[17] * w[18])
        # the state after a first answer, per rating (index = rating; 0 unused): every replay starts with one
        self.initial_states = tuple(self._initial(rating) for rating in range(5))
        # per-rating factors of the update rules (index = rating; 0 unused), so a replay step looks them up
        ratings = range(5)
        self.replay_constants = (
            self.factor,
            self.decay,
            self.forget_floor,
            tuple(math.exp(w[17] * (rating - 3 + w[18])) for rating in ratings),  # same-day stability factor
            tuple(self.exp_w8 * (w[15] if r == 2 else w[16] if r == 4 else 1.0) for r in ratings),  # success
            tuple(-w[6] * (rating - 3) / 9 for rating in ratings),  # difficulty step toward 10 per rating
            w[7] * self.init_d_easy,  # mean reversion: target share
            1 - w[7],  # mean reversion: kept share
        )

    def initial(self, rating: int) -> tuple[float, float]:
        return self.initial_states[rating] if 0 < rating < 5 else self._initial(rating)

    def _initial(self, rating: int) -> tuple[float, float]:
        w = self.w
        d = w[4] - math.exp(w[5] * (rating - 1)) + 1
        return min(max(w[rating - 1], S_MIN), S_MAX), min(max(d, D_MIN), D_MAX)

    def first(self, rating: int) -> tuple[float, float]:
        return self.initial(rating)

    def step(self, state: tuple[float, float] | None, rating: int, delta_days: float) -> tuple[float, float]:
        """The state after answering ``rating`` ``delta_days`` Anki days after the previous answer (fsrs-rs
        ``update_state``; fractional days are rounded as fsrs-rs rounds them). Called for every simulated answer:
        the arithmetic is spelled out with the model's constants, operation for operation as in the formulas."""
        if state is None:
            return self.initial(rating)
        s, d = state
        w = self.w
        if delta_days.__class__ is int and delta_days >= 0:
            elapsed_days = delta_days
        else:
            elapsed_days = int(max(delta_days, 0.0) + 0.5)
        if elapsed_days == 0:
            sinc = self.replay_constants[3][rating] * s ** -w[19]  # exp(w17 * (rating - 3 + w18)) * s^-w19
            new_s = s * ((1.0 if 1.0 > sinc else sinc) if rating >= 2 else sinc)  # fsrs-rs: only Again may lower it
        else:
            r = (1 + self.factor * elapsed_days / s) ** self.decay
            if rating == 1:
                forget = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
                floor = s / self.forget_floor
                new_s = floor if floor < forget else forget
            else:
                bonus = w[15] if rating == 2 else w[16] if rating == 4 else 1.0
                new_s = s * (self.exp_w8 * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1) * bonus + 1)
        new_d = d - w[6] * (rating - 3) * (10 - d) / 9
        new_d = w[7] * self.init_d_easy + (1 - w[7]) * new_d
        new_s = S_MIN if S_MIN > new_s else new_s  # min(max(new_s, S_MIN), S_MAX), and the same for d
        new_d = D_MIN if D_MIN > new_d else new_d
        return (S_MAX if S_MAX < new_s else new_s), (D_MAX if D_MAX < new_d else new_d)

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

    def replay(self, ratings: Sequence[int], deltas: Sequence[float]) -> tuple[float, float] | None:
        state = None
        for rating, delta in zip(ratings, deltas):
            state = self.step(state, rating, delta)
        return state

    def remembered_replay(
        self,
        card_id: int,
        ratings: Sequence[int],
        elapsed_days: Sequence[int],
        first: int,
        state: tuple[float, float] | None,
    ) -> tuple[float, float] | None:
        """`replay_answers`, remembering the result per card: asked again for the same card with more answers (the
        time-series evaluation and the simulation grow each history an answer at a time), it replays only the new
        ones. The state depends only on the ratings, the elapsed days and the start, so the remembered one is
        reused only when those are equal."""
        start = (first, state)
        cached = self._cache.get(card_id)
        if cached is not None:
            known_ratings, known_elapsed, known_start, known_state = cached
            count = len(known_ratings)
            if known_start == start and known_state is not None and count <= len(ratings):
                if ratings[:count] == known_ratings and elapsed_days[:count] == known_elapsed:
                    if count == len(ratings):
                        return known_state
                    result = replay_answers(self, ratings, elapsed_days, count, known_state)
                    self._cache[card_id] = (ratings, elapsed_days, start, result)
                    return result
        result = replay_answers(self, ratings, elapsed_days, first, state)
        self._cache[card_id] = (ratings, elapsed_days, start, result)
        return result

    def forget_cache(self) -> None:
        self._cache.clear()


_models: dict[tuple[float, ...], Fsrs6] = {}


def model(params: Sequence[float]) -> Fsrs6:
    """A shared model per parameter set (its incremental cache is shared by everyone replaying those cards)."""
    key = tuple(params)
    found = _models.get(key)
    if found is None:
        found = _models[key] = Fsrs6(key)
    return found


def forget_caches() -> None:
    """Drop every model's remembered per-card states (after a comparison, so they don't hold memory)."""
    for found in _models.values():
        found.forget_cache()


def replay_answers(
    model: Fsrs6,
    ratings: Sequence[int],
    elapsed_days: Sequence[int],
    first: int,
    state: tuple[float, float] | None,
    predicted: list[float] | None = None,
) -> tuple[float, float] | None:
    """Memory state after replaying answers ``first:`` from ``state`` (fsrs-rs ``forward``; the loop is
    `Fsrs6.step` inlined, as a full reschedule replays every answer of the collection). With ``predicted``, the
    retrievability each answer on a later day was predicted with is appended to it (Anki's evaluation)."""
    w = model.w
    w9, w10, w11, w12, w13, w14, w19 = w[9], w[10], w[11], w[12], w[13], w[14], w[19]
    factor, decay, floor, same_day, success, d_step, d_target, d_keep = model.replay_constants
    exp = math.exp
    if state is None:
        if first >= len(ratings):
            return None
        s, d = model.initial(ratings[first])
        first += 1
    else:
        s, d = state
    s_min, s_max, d_min, d_max = S_MIN, S_MAX, D_MIN, D_MAX
    # by index: an incremental replay (the comparison grows a history an answer at a time) steps through the new
    # answers only, without copying the ones before
    for index in range(first, len(ratings)):
        rating = ratings[index]
        elapsed = elapsed_days[index]
        if elapsed == 0:
            sinc = same_day[rating] * s**-w19
            s = s * (sinc if sinc > 1.0 or rating == 1 else 1.0)  # Anki's fsrs-rs: only Again may shrink it
        else:
            r = (1 + factor * elapsed / s) ** decay
            if predicted is not None:
                predicted.append(r)
            if rating == 1:
                forget = w11 * d**-w12 * ((s + 1) ** w13 - 1) * exp((1 - r) * w14)
                s = min(forget, s / floor)
            else:
                s = s * (success[rating] * (11 - d) * s**-w9 * (exp((1 - r) * w10) - 1) + 1)
        s = s_min if s < s_min else s_max if s > s_max else s
        d = d_target + d_keep * (d + d_step[rating] * (10 - d))
        d = d_min if d < d_min else d_max if d > d_max else d
    return s, d
