"""Cards due per day before and after a plan (the preview chart and the "if applied now" numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from anki.consts import CARD_TYPE_NEW, QUEUE_TYPE_NEW

from .card_reader import CHUNK_SIZE, home_queue, pages
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


def due_forecast(
    col: Collection, plan: ReschedulePlan | None, days: int = 30, *, now: float | None = None
) -> tuple[list[int], list[int]]:
    """Cards due on each of the next ``days`` days (index 0 = today incl. overdue), before and after the plan.

    Suspended, buried and new cards are not counted; cards in filtered decks count by their home schedule.
    """
    anki_days = AnkiDays.from_collection(col, now)
    before = [0] * days
    after = [0] * days
    planned = {cid: i for i, cid in enumerate(plan.card_ids)} if plan is not None else {}
    for rows in pages(col, "id, type, queue, due, odue, odid", CHUNK_SIZE, where="type != 0"):
        for cid, ctype, queue, due, odue, odid in rows:
            home = home_queue(ctype, queue, odue) if odid else queue
            home_due = odue if odid and odue else due
            old = _due_index(ctype, home, home_due, anki_days)
            if old is not None and old < days:
                before[old] += 1
            i = planned.get(cid)
            if plan is None or i is None:
                new = old
            else:
                new_type, new_queue, new_due = plan.types[i], plan.queues[i], plan.dues[i]
                if odid:
                    new_queue = home_queue(new_type, new_queue, plan.odues[i])
                    new_due = plan.odues[i]
                new = _due_index(new_type, new_queue, new_due, anki_days)
            if new is not None and new < days:
                after[new] += 1
    return before, after
