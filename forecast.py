"""Cards due per day before and after a plan (the preview chart and the "if applied now" numbers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anki.consts import CARD_TYPE_NEW, QUEUE_TYPE_NEW

from .card_reader import home_queue, int_column_pages
from .reschedule_plan import ReschedulePlan
from .scheduler import AnkiDays

if TYPE_CHECKING:
    from anki.collection import Collection


def _due_index(ctype: int, queue: int, due: int, days: AnkiDays) -> int | None:
    """Days from today until a card is due (0 = today or overdue), or None if it is not scheduled."""
    if ctype == CARD_TYPE_NEW or queue < 0 or queue == QUEUE_TYPE_NEW:
        return None
    if due > 1_000_000_000:  # intraday learning: epoch seconds
        return max(0, days.day_of(due) - days.today)
    return max(0, due - days.today)


@dataclass
class PlanForecast:
    """What one plan changes: cards due on each of the next days after it, and cards it moves earlier / later."""

    after: list[int]
    earlier: int = 0
    later: int = 0


def due_forecast(
    col: Collection, plan: ReschedulePlan | None, days: int = 30, *, now: float | None = None
) -> tuple[list[int], list[int]]:
    """Cards due on each of the next ``days`` days (index 0 = today incl. overdue), before and after the plan.

    Suspended, buried and new cards are not counted; cards in filtered decks count by their home schedule.
    """
    before, forecasts = due_forecasts(col, [] if plan is None else [plan], days, now=now)
    return before, list(before) if plan is None else forecasts[0].after


def due_forecasts(
    col: Collection, plans: Sequence[ReschedulePlan], days: int = 30, *, now: float | None = None
) -> tuple[list[int], list[PlanForecast]]:
    """`due_forecast` for several plans of the same cards in one read of the cards table (Compare schedulers),
    with the cards each plan moves to an earlier or a later day."""
    anki_days = AnkiDays.from_collection(col, now)
    before = [0] * days
    forecasts = [PlanForecast([0] * days) for _ in plans]
    runs = [
        ({cid: i for i, cid in enumerate(plan.card_ids)}, plan, forecast) for plan, forecast in zip(plans, forecasts)
    ]
    for columns in int_column_pages(col, ("id", "type", "queue", "due", "odue", "odid"), "type != 0"):
        for cid, ctype, queue, due, odue, odid in zip(*columns):  # not new (type != 0)
            home = home_queue(ctype, queue, odue) if odid else queue
            home_due = odue if odid and odue else due
            old = _due_index(ctype, home, home_due, anki_days)
            if old is not None and old < days:
                before[old] += 1
            for planned, plan, forecast in runs:
                i = planned.get(cid)
                if i is None:
                    new = old
                else:
                    new_type, new_queue, new_due = plan.types[i], plan.queues[i], plan.dues[i]
                    if odid:
                        new_queue = home_queue(new_type, new_queue, plan.odues[i])
                        new_due = plan.odues[i]
                    new = _due_index(new_type, new_queue, new_due, anki_days)
                    if old is not None and new is not None and new != old:
                        if new < old:
                            forecast.earlier += 1
                        else:
                            forecast.later += 1
                if new is not None and new < days:
                    forecast.after[new] += 1
    return before, forecasts
