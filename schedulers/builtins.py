"""The built-in schedulers by name (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable

from . import anki_builtin, example, fsrs_builtin

BUILTINS: dict[str, tuple[Callable, Callable | None]] = {
    "anki": (anki_builtin.interval, None),
    "fsrs": (fsrs_builtin.interval, fsrs_builtin.train),
    "example": (example.interval, None),
}

# Built-ins with a memory model (the contract's optional ``recall(card, elapsed_seconds[, params])``); `anki` and
# `example` have none.
RECALLS: dict[str, Callable] = {"fsrs": fsrs_builtin.recall}

# What each built-in's interval reads of every card (`LoadedScheduler.reads_history`).
READS: dict[str, str] = {"anki": "columns", "fsrs": "columns", "example": "columns"}

# Built-ins whose interval also comes as a function of the card's loaded history, deck options and days
# (`LoadedScheduler.interval_of_log`, trained params first): the engine's path without a CardHistory per card.
LOG_INTERVALS: dict[str, Callable] = {"fsrs": fsrs_builtin.interval_of_log}

# Built-ins whose interval can follow one card's answers as they are appended, without a history per answer
# (Compare schedulers' simulation): interval function -> a class made from the card (and the trained params) whose
# ``answered(time, rating, kind, day, elapsed_days)`` returns what the interval function returns for the card with
# that answer appended.
GROWING: dict[Callable, Callable] = {
    fsrs_builtin.interval: fsrs_builtin.GrowingCard,
    example.interval: example.GrowingCard,
}
