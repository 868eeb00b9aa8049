"""The ``example`` built-in: 2.5 ** (successful reviews since the last Again) days; Again -> 10 minutes."""

from __future__ import annotations

from ..scheduler import CardHistory

DAY = 86_400.0
AGAIN_SECS = 600.0


def interval(card: CardHistory) -> float | None:
    ratings = card.answer_columns.ratings  # the answers' eases, without building Review objects
    streak = 0
    for ease in reversed(ratings):  # count back to the last Again
        if ease == 1:
            break
        streak += 1
    if streak == 0:
        return AGAIN_SECS
    return 2.5**streak * DAY
