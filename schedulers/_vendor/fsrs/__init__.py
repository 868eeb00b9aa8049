"""Vendored py-fsrs 6.3.2 (MIT, Open Spaced Repetition; see LICENSE), unchanged except: relative imports,
typing_extensions only for type checking, and the torch-based optimizer left out (training uses Anki's own
optimizer instead)."""

from .card import Card
from .rating import Rating
from .review_log import ReviewLog
from .scheduler import DEFAULT_PARAMETERS, Scheduler
from .state import State

__all__ = ["Card", "DEFAULT_PARAMETERS", "Rating", "ReviewLog", "Scheduler", "State"]
