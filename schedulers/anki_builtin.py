"""The ``anki`` built-in: returns the interval Anki already has, so rescheduling with it changes nothing.

It is the engine's self-check. It gives the time that lands each card exactly where Anki has it:

- review cards: the last second of their due day (the engine puts the card on the day containing that time and
  sets ivl = due day - last review day);
- intraday learning cards: their due time.

Cards whose current state the engine's rules could not reproduce get None (left alone): overdue cards (the engine
never schedules into the past), cards due tomorrow after today's review (1-day intervals count as "exact time"),
review cards whose stored ivl differs from "due day - last review day" (e.g. after Set Due Date), interday
learning cards (queue 3), and learning cards already due.
"""

from __future__ import annotations

from ..scheduler import CardHistory

DAY = 86_400
EXACT_TIME_LIMIT_SECS = 2 * DAY
CARD_TYPE_LRN, CARD_TYPE_REV, CARD_TYPE_RELEARNING = 1, 2, 3
QUEUE_DAY_LRN = 3


def interval(card: CardHistory) -> float | None:
    columns = card.answer_columns  # the last answer's time, without building Review objects
    days = card.days
    if not columns.ratings or days is None:
        return None
    last_time = columns.last_time
    if card.type == CARD_TYPE_REV:
        due_day = card.due
        if due_day < days.today:
            return None
        gap = due_day - days.day_of(last_time)
        if gap < 2 or gap != card.interval_days:
            return None
        return days.day_start(due_day + 1) - 1 - last_time
    if card.type in (CARD_TYPE_LRN, CARD_TYPE_RELEARNING) and card.queue != QUEUE_DAY_LRN and card.due > 1_000_000_000:
        seconds = card.due - last_time
        if card.due < days.now or seconds < 0 or seconds > EXACT_TIME_LIMIT_SECS:
            return None
        return float(seconds)
    return None
