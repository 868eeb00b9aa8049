"""The ``fsrs`` built-in: FSRS-6 intervals from each card's whole review history.

The memory model is the vendored py-fsrs library (``_vendor/fsrs``, the reference Python implementation); no FSRS
math is written here. Per card it replays the real reviews and returns the time until the card is next due.

Parameters, in order of preference: ``params["params"]`` from `train` (stored by the add-on), the FSRS-6
parameters of the card's deck preset (``fsrsParams6``, set when you optimise in Anki's deck options), the library
defaults. Desired retention, maximum interval and learning/relearning steps come from the card's deck preset.
Fuzz is off, so the same history always gives the same interval.

``train`` fits FSRS parameters with Anki's own optimizer (``compute_fsrs_params_from_items`` of Anki's Rust
backend) on the histories it is given and returns ``{"params": [...21 floats]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from ..scheduler import CardHistory
from . import fsrs_memory
from ._vendor import fsrs
from ._vendor.fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

DAY = 86_400.0
_schedulers: dict[tuple, fsrs.Scheduler] = {}


def _clamped(params: Sequence[float]) -> tuple[float, ...]:
    return tuple(min(max(float(p), lo), hi) for p, lo, hi in zip(params, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS))


def _steps(config: dict, section: str) -> tuple[timedelta, ...]:
    delays = (config.get(section) or {}).get("delays") or []
    return tuple(timedelta(minutes=float(minutes)) for minutes in delays if float(minutes) > 0)


def _scheduler_for(card: CardHistory, params: dict) -> fsrs.Scheduler:
    config = card.deck_config
    weights = params.get("params") or config.get("fsrsParams6") or fsrs.DEFAULT_PARAMETERS
    if len(weights) != len(fsrs.DEFAULT_PARAMETERS):
        weights = fsrs.DEFAULT_PARAMETERS
    retention = float(config.get("desiredRetention") or 0.9)
    maximum = int((config.get("rev") or {}).get("maxIvl") or 36500)
    key = (tuple(weights), retention, maximum, _steps(config, "new"), _steps(config, "lapse"))
    scheduler = _schedulers.get(key)
    if scheduler is None:
        scheduler = _schedulers[key] = fsrs.Scheduler(
            parameters=_clamped(weights), desired_retention=retention, learning_steps=key[3],
            relearning_steps=key[4], maximum_interval=maximum, enable_fuzzing=False,
        )
    return scheduler


def interval(card: CardHistory, params: dict) -> float | None:
    reviews = card.reviews
    if not reviews:
        return None
    scheduler = _scheduler_for(card, params)
    state = fsrs.Card(card_id=card.card_id)
    for review in reviews:
        when = datetime.fromtimestamp(review.time, timezone.utc)
        state, _log = scheduler.review_card(state, fsrs.Rating(review.ease), review_datetime=when)
    last = datetime.fromtimestamp(reviews[-1].time, timezone.utc)
    return max(0.0, (state.due - last).total_seconds())


def _day_numbers(card: CardHistory) -> list[int]:
    days = card.days
    if days is not None:
        return [days.day_of(review.time) for review in card.reviews]
    return [int(review.time // DAY) for review in card.reviews]


def train(histories: Iterable[CardHistory]) -> dict:
    """Fit FSRS-6 parameters with Anki's optimizer; returns ``{"params": [...]}`` (``{}`` without enough data)."""
    from anki import scheduler_pb2

    items = []
    backend = None
    for card in histories:
        if backend is None and card.days is not None:
            backend = _backend_of(card)
        day_numbers = _day_numbers(card)
        reviews: list = []
        previous_day = None
        for review, day in zip(card.reviews, day_numbers):
            delta = 0 if previous_day is None else day - previous_day
            reviews.append(scheduler_pb2.FsrsReview(rating=review.ease, delta_t=delta))
            previous_day = day
            # one training item per review that came on a later day than the one before it
            if len(reviews) > 1 and delta > 0:
                items.append(scheduler_pb2.FsrsItem(reviews=list(reviews)))
    if not items:
        return {}
    if backend is None:
        from anki._backend import RustBackend

        backend = RustBackend()
    response = backend.compute_fsrs_params_from_items(items)
    return {"params": [round(p, 6) for p in response.params]} if response.params else {}


def _backend_of(card: CardHistory):
    context = card[14]  # the run's shared context (collection, days, caches)
    return context.col._backend if context.col is not None else None


def recall(card: CardHistory, elapsed_seconds: float, params: dict) -> float | None:
    """FSRS-6 retrievability of the card ``elapsed_seconds`` after its last review (the plug-in contract's
    optional memory model). As in Anki's FSRS, elapsed time counts in Anki days and the memory state comes from the
    review history with the same parameters `interval` uses."""
    reviews = card.reviews
    if not reviews:
        return None
    day_of = _day_function(card)
    model = fsrs_memory.model(fsrs_memory.preset_params(card.deck_config, params))
    state = model.state_of(card.card_id, reviews, day_of)
    assert state is not None
    last = reviews[-1].time
    return model.retrievability(state[0], day_of(last + elapsed_seconds) - day_of(last))


def _day_function(card: CardHistory):
    days = card.days
    if days is not None:
        return days.day_of
    return lambda timestamp: int(timestamp // DAY)
