"""Helpers for engine tests and the benchmark: crafted cards and review logs written straight into a collection.

Cards are created through the API (one note each) and then given a crafted state and revlog with plain SQL, so
tests control exactly what the engine sees. `build_bulk_collection` makes 100k+ cards with SQL only (benchmark).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from anki.collection import Collection

DAY = 86_400


@dataclass
class Rev:
    """One revlog row to insert: seconds ago, ease, revlog type (0 learn, 1 review, 2 relearn, 3 filtered,
    4 manual, 5 rescheduled), ivl as stored (days > 0, -seconds < 0)."""

    ago: float
    ease: int = 3
    kind: int = 1
    ivl: int = 1
    last_ivl: int = 0
    factor: int = 2500
    taken_ms: int = 5000


def add_card(col: Collection, deck_id: int = 1, front: str = "q") -> int:
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = front
    note["Back"] = "a"
    col.add_note(note, deck_id)
    return note.cards()[0].id


def set_card(col: Collection, card_id: int, **fields: int) -> None:
    """Set raw card columns (type, queue, due, ivl, factor, left, odue, odid, did, reps, lapses)."""
    assignments = ", ".join(f"{name} = ?" for name in fields)
    col.db.execute(f"update cards set {assignments} where id = ?", *fields.values(), card_id)


def add_revlog(col: Collection, card_id: int, reviews: list[Rev], now: float | None = None) -> None:
    now = time.time() if now is None else now
    for rev in reviews:
        rid = int((now - rev.ago) * 1000)
        while col.db.scalar("select 1 from revlog where id = ?", rid):
            rid += 1
        col.db.execute(
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) values (?,?,?,?,?,?,?,?,?)",
            rid,
            card_id,
            -1,
            rev.ease,
            rev.ivl,
            rev.last_ivl,
            rev.factor,
            rev.taken_ms,
            rev.kind,
        )


def review_card(col: Collection, reviews: list[Rev], deck_id: int = 1, now: float | None = None, **fields: int) -> int:
    """A card with the given revlog and card columns (default: a review card due today with ivl 1)."""
    card_id = add_card(col, deck_id)
    state = dict(type=2, queue=2, due=col.sched.today, ivl=1, factor=2500, reps=len(reviews))
    state.update(fields)
    set_card(col, card_id, **state)
    add_revlog(col, card_id, reviews, now)
    return card_id


def card_row(col: Collection, card_id: int) -> dict:
    row = col.db.first("select type, queue, due, ivl, factor, left, odue, odid, did from cards where id = ?", card_id)
    assert row is not None
    return dict(zip(("type", "queue", "due", "ivl", "factor", "left", "odue", "odid", "did"), row))


def build_bulk_collection(col: Collection, cards: int, revlogs: int, seed: int = 1) -> None:
    """Fill an empty collection with ``cards`` Basic notes/cards (all reviewed) and ``revlogs`` review entries,
    using bulk SQL only (executemany in batches), then commit. Card states are plausible review cards."""
    rng = random.Random(seed)
    model = col.models.by_name("Basic")
    mid = model["id"]
    now = int(time.time())
    today = col.sched.today
    base_id = (now - 400 * DAY) * 1000
    per_card = max(1, revlogs // cards)
    extra = revlogs - per_card * cards
    batch = 50_000
    note_rows, card_rows, rev_rows = [], [], []

    def flush() -> None:
        if note_rows:
            col.db.executemany(
                "insert into notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data) "
                "values (?,?,?,?,?,?,?,?,?,?,?)",
                note_rows,
            )
            col.db.executemany(
                "insert into cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, "
                "left, odue, odid, flags, data) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                card_rows,
            )
        if rev_rows:
            col.db.executemany(
                "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) values (?,?,?,?,?,?,?,?,?)",
                rev_rows,
            )
        note_rows.clear()
        card_rows.clear()
        rev_rows.clear()

    def fill() -> None:
        for n in range(cards):
            add_one(n)
        flush()

    def add_one(n: int) -> None:
        cid = base_id + n
        note_rows.append((cid, f"g{cid}", mid, now, -1, "", f"front {n}\x1fback", f"front {n}", 0, 0, ""))
        count = per_card + (1 if n < extra else 0)
        ivl = rng.randint(1, 200)
        due = today + rng.randint(-30, ivl)
        card_rows.append((cid, cid, 1, 0, now, -1, 2, 2, due, ivl, 2500, count, 0, 0, 0, 0, 0, "{}"))
        # reviews spread over the last ~300 days, oldest first. Ids are unique by construction (no set of 10M ids
        # in memory): seconds = t0 + jitter*1000 + n//1000 + k*step (step a multiple of 1000 above any jitter),
        # milliseconds = n % 1000
        step_s = max(1000, (290 * DAY // max(1, count)) // 1000 * 1000)
        jitter = rng.randrange(max(1, step_s // 1000 - 1))
        first_s = now - 300 * DAY + jitter * 1000 + n // 1000
        for k in range(count):
            rev_id = (first_s + k * step_s) * 1000 + n % 1000
            rev_rows.append((rev_id, cid, -1, rng.choice((1, 3, 3, 3, 4)), ivl, ivl, 2500, 4000, 1 if k else 0))
        if len(card_rows) >= batch or len(rev_rows) >= 10 * batch:
            flush()

    col.db.transact(fill)  # one transaction, committed at the end
