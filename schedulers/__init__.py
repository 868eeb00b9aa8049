"""Built-in schedulers: name -> (interval function, train function or None).

- ``anki``: reproduces the schedule Anki already has (rescheduling with it changes nothing); a self-check.
- ``fsrs``: FSRS memory model (the vendored py-fsrs library) with the deck preset's FSRS parameters and desired
  retention; ``train`` fits parameters with Anki's own FSRS optimizer.
- ``example``: interval = 2.5 ** (successful reviews in a row) days, reset to 10 minutes on Again.

Only ``fsrs`` has ``recall`` (FSRS-6 retrievability); ``anki`` and ``example`` predict nothing.
"""

from .builtins import BUILTINS, RECALLS
from .loading import builtin_names, load_scheduler

__all__ = ["BUILTINS", "RECALLS", "builtin_names", "load_scheduler"]
