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
