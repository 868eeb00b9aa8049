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
    return _interval_after(streak)


def _interval_after(streak: int) -> float:
    if streak == 0:
        return AGAIN_SECS
    return 2.5**streak * DAY


class GrowingCard:
    """`interval` of one card while answers are appended to it one at a time, without a `CardHistory` per answer
    (Compare schedulers' simulation): the streak is kept instead of counted again."""

    __slots__ = ("streak",)

    def __init__(self, card: CardHistory, params: dict | None = None) -> None:
        self.streak = 0
        for ease in reversed(card.answer_columns.ratings):
            if ease == 1:
                break
            self.streak += 1

    def answered(self, time: float, rating: int, kind: int, day: int, elapsed_days: int) -> float | None:
        """`interval` of the card after one more answer."""
        self.streak = 0 if rating == 1 else self.streak + 1
        return _interval_after(self.streak)
