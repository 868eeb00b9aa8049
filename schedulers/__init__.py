"""Built-in schedulers: name -> (interval function, train function or None).

- ``anki``: reproduces the schedule Anki already has (rescheduling with it changes nothing); a self-check.
- ``fsrs``: FSRS memory model (the vendored py-fsrs library) with the deck preset's FSRS parameters and desired
  retention; ``train`` fits parameters with Anki's own FSRS optimizer.
- ``example``: interval = 2.5 ** (successful reviews in a row) days, reset to 10 minutes on Again.

Only ``fsrs`` has ``recall`` (FSRS-6 retrievability); ``anki`` and ``example`` predict nothing.
"""

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
