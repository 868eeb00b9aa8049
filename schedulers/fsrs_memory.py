"""FSRS-6 memory states on Anki's terms, fast enough to replay a whole collection many times.

The formulas are the vendored py-fsrs library's (``_vendor/fsrs``: initial stability/difficulty, short-term,
recall and forget stability, difficulty update); this module only drives them the way Anki's FSRS does
(rslib/src/scheduler/fsrs/params.rs ``reviews_for_fsrs`` and fsrs-rs ``FSRSItem``): elapsed time between two
answers is counted in **Anki days** (``delta_t``), an answer on the same Anki day as the previous one updates the
state with the short-term formula, and retrievability after ``t`` days is ``(1 + factor * t / S) ** -decay``.

Users: the ``fsrs`` built-in's ``recall`` (prediction quality), and the comparison's simulation, which draws
answers from this model with the user's parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from ._vendor import fsrs
from ._vendor.fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

S_MAX = 36_500.0  # fsrs-rs clamps stability to [S_MIN, 36500] days


def clamped(params: Sequence[float]) -> tuple[float, ...]:
    """Parameters inside py-fsrs's bounds (Anki stores trained parameters that may touch them)."""
    return tuple(min(max(float(p), lo), hi)
                 for p, lo, hi in zip(params, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS))


def preset_params(config: dict, trained: dict | None = None) -> Sequence[float]:
    """The parameters Anki would use: trained ones if given, else the preset's FSRS-6 ones, else the defaults."""
    weights = (trained or {}).get("params") or config.get("fsrsParams6") or fsrs.DEFAULT_PARAMETERS
    if len(weights) != len(fsrs.DEFAULT_PARAMETERS):
        weights = fsrs.DEFAULT_PARAMETERS
    return weights


class Fsrs6:
    """One parameter set. States are ``(stability, difficulty)`` tuples; time is in (Anki) days."""

    __slots__ = ("_cache", "_lib", "decay", "factor", "params")

    def __init__(self, params: Sequence[float]) -> None:
        self.params = clamped(params)
        self._lib = fsrs.Scheduler(parameters=self.params, enable_fuzzing=False)
        self.decay = -self.params[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        # card id -> (number of reviews, (time, rating) of the newest, state): see state_of
        self._cache: dict[int, tuple[int, tuple[float, int], tuple[float, float]]] = {}

    def first(self, rating: int) -> tuple[float, float]:
        lib = self._lib
        return (lib._initial_stability(rating=fsrs.Rating(rating)),
                lib._initial_difficulty(rating=fsrs.Rating(rating), clamp=True))

    def step(self, state: tuple[float, float] | None, rating: int, delta_days: float) -> tuple[float, float]:
        """The state after answering ``rating`` ``delta_days`` Anki days after the previous answer."""
        if state is None:
            return self.first(rating)
        lib = self._lib
        stability, difficulty = state
        grade = fsrs.Rating(rating)
        if delta_days < 1:
            stability = lib._short_term_stability(stability=stability, rating=grade)
        else:
            stability = lib._next_stability(difficulty=difficulty, stability=stability,
                                            retrievability=self.retrievability(stability, delta_days),
                                            rating=grade)
        return min(stability, S_MAX), lib._next_difficulty(difficulty=difficulty, rating=grade)

    def retrievability(self, stability: float, days: float) -> float:
        return (1 + self.factor * max(days, 0.0) / stability) ** self.decay

    def replay(self, ratings: Sequence[int], deltas: Sequence[float]) -> tuple[float, float] | None:
        state = None
        for rating, delta in zip(ratings, deltas):
            state = self.step(state, rating, delta)
        return state

    def state_of(self, card_id: int, reviews: Sequence, day_of: Callable[[float], int]) -> tuple[float, float] | None:
        """State after ``reviews`` (``day_of`` gives a review time's Anki day). A caller that grows a card's
        history one answer at a time (time-series evaluation, simulation) pays one step per answer: the state of
        the history minus its newest answer is remembered per card (keyed by count, time and rating of the newest
        answer, so a copy of a Review carrying other fields still matches)."""
        count = len(reviews)
        if not count:
            return None
        last = reviews[-1]
        cached = self._cache.get(card_id)
        if cached is not None:
            cached_count, cached_key, cached_state = cached
            if cached_count == count and cached_key == (last.time, last.ease):
                return cached_state
            previous = reviews[-2] if count > 1 else None
            if cached_count == count - 1 and previous is not None and cached_key == (previous.time, previous.ease):
                state = self.step(cached_state, last.ease, day_of(last.time) - day_of(previous.time))
                self._cache[card_id] = (count, (last.time, last.ease), state)
                return state
        state = self.replay([r.ease for r in reviews], day_deltas(reviews, day_of))
        assert state is not None
        self._cache[card_id] = (count, (last.time, last.ease), state)
        return state

    def forget_cache(self) -> None:
        self._cache.clear()


def day_deltas(reviews: Sequence, day_of: Callable[[float], int]) -> list[int]:
    """Anki days between each answer and the one before it (0 for the first): FSRS's ``delta_t``."""
    day_numbers = [day_of(r.time) for r in reviews]
    return [0, *(b - a for a, b in pairwise(day_numbers))]


_models: dict[tuple[float, ...], Fsrs6] = {}


def model(params: Sequence[float]) -> Fsrs6:
    """A shared model per parameter set (its incremental cache is shared by everyone replaying those cards)."""
    key = tuple(params)
    found = _models.get(key)
    if found is None:
        found = _models[key] = Fsrs6(key)
    return found
