"""The ``fsrs`` built-in (placeholder until the FSRS library is wired in): uses Anki's stored interval."""

from __future__ import annotations

from collections.abc import Iterable

from ..scheduler import CardHistory

DAY = 86_400.0


def interval(card: CardHistory, params: dict) -> float | None:
    return None


def train(histories: Iterable[CardHistory]) -> dict:
    return {}
