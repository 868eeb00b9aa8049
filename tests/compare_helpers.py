"""Crafted review histories for the comparison tests and benchmark (real collections, plain SQL revlog rows)."""

from __future__ import annotations

import random
import time

from anki.collection import Collection
from engine_helpers import DAY, Rev, add_card, add_revlog, set_card


def crafted_history(col: Collection, count: int, seed: int = 3, now: float | None = None) -> list[int]:
    """Cards with a learning answer, sometimes a same-day step, then reviews days apart (all answer kinds)."""
    rng = random.Random(seed)
    now = time.time() if now is None else now
    ids = []
    for _ in range(count):
        cid = add_card(col)
        t = 200 * DAY
        revs = [Rev(ago=t, ease=rng.choice([1, 3, 3, 3, 4]), kind=0, ivl=-600, taken_ms=rng.randint(2000, 15000))]
        t -= rng.choice([600, 3600, 2 * DAY])
        revs.append(Rev(ago=t, ease=3, kind=0, ivl=1))
        while True:
            t -= rng.randint(1, 30) * DAY + rng.randint(0, 20000)
            if t < DAY:
                break  # all answers in the past
            revs.append(
                Rev(ago=t, ease=rng.choice([1, 2, 3, 3, 3, 3, 4]), kind=1, ivl=5, taken_ms=rng.randint(2000, 15000))
            )
        set_card(col, cid, type=2, queue=2, due=col.sched.today + rng.randint(-3, 10), ivl=5, reps=len(revs))
        add_revlog(col, cid, revs, now)
        ids.append(cid)
    return ids
