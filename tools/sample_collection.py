"""Fill a collection with cards and months of realistic, reproducible review history (bulk SQL, seeded).

Used by the engine benchmark (`bench/bench_fsrs_agreement.py`), the FSRS agreement tests and the demo profile. Each
card's life is simulated the way Anki logs it: learning steps (revlog type 0) at any hour of the day, graduation,
reviews with Again/Hard/Good/Easy, lapses followed by relearning steps (type 2), reviews on the same Anki day,
cram answers in filtered decks that do not reschedule (type 3 with factor 0), answers in rescheduling filtered decks
(type 3 with a factor), Set Due Date entries (type 4 with a factor), FSRS reschedule entries (type 5), Forget/reset
(type 4, factor 0) followed by learning again or by staying new, and logs that start mid-history (older entries
deleted, as after "Check database" on an imported deck). Card columns are left as Anki's scheduler would leave them
after the last answer; a few cards are suspended or buried.

    python tools/sample_collection.py PATH --cards 100000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from anki.collection import Collection

DAY = 86_400
LEARN_STEPS = (60, 600)  # Anki's default learning steps (1m 10m)
RELEARN_STEPS = (600,)  # Anki's default relearning step (10m)
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN, REVLOG_FILTERED, REVLOG_MANUAL, REVLOG_RESCHEDULED = range(6)


@dataclass(frozen=True)
class HistoryMix:
    """Per-gap probabilities of the events that make real logs messy (defaults: a realistic mix)."""

    cram: float = 0.03
    rescheduling_filtered: float = 0.01
    set_due_date: float = 0.01
    fsrs_rescheduled: float = 0.01
    reset: float = 0.004
    relearn_after_reset: float = 0.7
    same_day_review: float = 0.02
    truncated_history: float = 0.08
    suspended: float = 0.02
    buried: float = 0.01


@dataclass
class _Card:
    """The simulated card's scheduling fields (as Anki keeps them in the cards table)."""

    ctype: int = 0
    queue: int = 0
    due: int = 0
    ivl: int = 0
    factor: int = 0
    left: int = 0
    reps: int = 0
    lapses: int = 0


class _Simulator:
    """Simulates one card at a time; `rows` collects (id, cid, usn, ease, ivl, lastIvl, factor, time, type)."""

    def __init__(self, rng: random.Random, now: float, next_day_at: int, today: int, mix: HistoryMix) -> None:
        self.rng, self.now, self.next_day_at, self.today, self.mix = rng, now, next_day_at, today, mix
        self.rows: list[tuple] = []
        self.used_ids: set[int] = set()

    def day_of(self, t: float) -> int:
        return self.today - int((self.next_day_at - t) // DAY)

    def at_random_hour(self, day: int) -> float:
        start = self.next_day_at - (self.today + 1 - day) * DAY
        return start + self.rng.uniform(0, DAY - 1)

    def log(self, cid: int, t: float, ease: int, ivl: int, last_ivl: int, factor: int, kind: int) -> None:
        rid = int(t * 1000)
        while rid in self.used_ids:
            rid += 1
        self.used_ids.add(rid)
        taken = self.rng.randint(1500, 25_000)
        self.rows.append((rid, cid, -1, ease, ivl, last_ivl, factor, taken, kind))

    def grade(self, weights: tuple[int, int, int, int]) -> int:
        return self.rng.choices((1, 2, 3, 4), weights)[0]

    def learn(self, cid: int, card: _Card, t: float, steps: tuple[int, ...], kind: int) -> tuple[float, bool]:
        """Learning or relearning steps from time t; returns (time of last answer, graduated?)."""
        step = 0
        while True:
            if t > self.now:
                return t, False
            ease = self.grade((15, 5, 70, 10))
            card.reps += 1
            last_ivl = -steps[step] if step < len(steps) else card.ivl
            if ease == 4 or (ease == 3 and step + 1 >= len(steps)):
                if kind == REVLOG_LEARN:
                    card.ivl = 4 if ease == 4 else 1
                    card.factor = 2500
                else:
                    card.ivl = max(1, card.ivl)
                self.log(cid, t, ease, card.ivl, last_ivl, card.factor if kind != REVLOG_LEARN else 0, kind)
                return t, True
            step = 0 if ease == 1 else step + (ease == 3)
            delay = steps[step] if ease != 2 else int(steps[step] * 1.5)
            self.log(cid, t, ease, -delay, last_ivl, card.factor if kind != REVLOG_LEARN else 0, kind)
            card.left = len(steps) - step
            t += delay * self.rng.uniform(1.0, 3.0)  # the user comes back a little after the step

    def simulate(self, cid: int, created: float) -> _Card:
        rng, mix = self.rng, self.mix
        card = _Card()
        first_row = len(self.rows)
        t, graduated = self.learn(cid, card, created, LEARN_STEPS, REVLOG_LEARN)
        if not graduated:
            return self._in_steps(card, t, REVLOG_LEARN, LEARN_STEPS)
        while True:
            last_day = self.day_of(t)
            due_day = last_day + card.ivl
            gap_event = rng.random()
            if gap_event < mix.cram:
                cram_t = self.at_random_hour(rng.randint(last_day, due_day))
                if cram_t < self.now and cram_t > t:
                    self.log(cid, cram_t, self.grade((10, 10, 70, 10)), 0, 0, 0, REVLOG_FILTERED)
            elif gap_event < mix.cram + mix.set_due_date:
                sdd_t = self.at_random_hour(rng.randint(last_day, due_day))
                if t < sdd_t < self.now:
                    new_due = self.day_of(sdd_t) + rng.randint(1, 30)
                    card.ivl = max(1, new_due - last_day)
                    due_day = new_due
                    self.log(cid, sdd_t, 0, card.ivl, card.ivl, card.factor, REVLOG_MANUAL)
            elif gap_event < mix.cram + mix.set_due_date + mix.fsrs_rescheduled:
                res_t = self.at_random_hour(rng.randint(last_day, due_day))
                if t < res_t < self.now:
                    card.ivl = max(1, int(card.ivl * rng.uniform(0.6, 1.5)))
                    due_day = last_day + card.ivl
                    self.log(cid, res_t, 0, card.ivl, card.ivl, card.factor, REVLOG_RESCHEDULED)
            elif gap_event < mix.cram + mix.set_due_date + mix.fsrs_rescheduled + mix.reset:
                reset_t = self.at_random_hour(rng.randint(last_day, due_day))
                if t < reset_t < self.now:
                    self.log(cid, reset_t, 0, 0, card.ivl, 0, REVLOG_MANUAL)
                    card = _Card(reps=card.reps, lapses=card.lapses)
                    if rng.random() >= mix.relearn_after_reset:
                        return self._new(card)
                    relearn_at = reset_t + rng.uniform(0.1, 20) * DAY
                    t, graduated = self.learn(cid, card, relearn_at, LEARN_STEPS, REVLOG_LEARN)
                    if not graduated:
                        return self._in_steps(card, t, REVLOG_LEARN, LEARN_STEPS) if t <= self.now else self._new(card)
                    continue
            overdue = 0 if rng.random() < 0.7 else int(rng.expovariate(1 / 4))
            review_day = due_day + overdue
            if rng.random() < mix.same_day_review:
                review_day = last_day
            review_t = self.at_random_hour(review_day)
            if review_t <= t:
                review_t = t + rng.uniform(600, 4 * 3600)
            if review_t > self.now:
                break
            kind = REVLOG_FILTERED if rng.random() < mix.rescheduling_filtered else REVLOG_REVIEW
            ease = self.grade((10, 12, 68, 10))
            card.reps += 1
            old_ivl = card.ivl
            elapsed = max(1, self.day_of(review_t) - last_day)
            if ease == 1:
                card.lapses += 1
                card.factor = max(1300, card.factor - 200)
                card.ivl = max(1, int(old_ivl * 0.3))
                self.log(cid, review_t, 1, -RELEARN_STEPS[0], old_ivl, card.factor, kind)
                t, graduated = self.learn(
                    cid, card, review_t + RELEARN_STEPS[0] * rng.uniform(1, 3), RELEARN_STEPS, REVLOG_RELEARN
                )
                if not graduated:
                    return self._in_steps(card, t, REVLOG_RELEARN, RELEARN_STEPS)
                continue
            if ease == 2:
                card.factor = max(1300, card.factor - 150)
                card.ivl = max(old_ivl + 1, int(elapsed * 1.2))
            elif ease == 3:
                card.ivl = max(old_ivl + 1, int(elapsed * card.factor / 1000))
            else:
                card.factor += 150
                card.ivl = max(old_ivl + 1, int(elapsed * card.factor / 1000 * 1.3))
            card.ivl = min(card.ivl, 36_500)
            self.log(cid, review_t, ease, card.ivl, old_ivl, card.factor, kind)
            t = review_t
        if rng.random() < mix.truncated_history:
            self._truncate(first_row)
        return self._review(card, due_day)

    def _truncate(self, first_row: int) -> None:
        """Drop this card's oldest entries up to a random review entry (a log that starts mid-history)."""
        own = self.rows[first_row:]
        reviews = [i for i, row in enumerate(own) if row[8] == REVLOG_REVIEW]
        if len(reviews) >= 2:
            cut = self.rng.choice(reviews[1:])
            del self.rows[first_row : first_row + cut]

    def _queue(self, queue: int) -> int:
        roll = self.rng.random()
        if roll < self.mix.suspended:
            return -1
        if roll < self.mix.suspended + self.mix.buried:
            return -2
        return queue

    def _review(self, card: _Card, due_day: int) -> _Card:
        card.ctype, card.queue, card.due, card.left = 2, self._queue(2), due_day, 0
        return card

    def _in_steps(self, card: _Card, t: float, kind: int, steps: tuple[int, ...]) -> _Card:
        card.ctype = 1 if kind == REVLOG_LEARN else 3
        card.queue, card.due = self._queue(1), int(t)
        card.left = max(1, min(card.left, len(steps)))
        return card

    def _new(self, card: _Card) -> _Card:
        card.ctype, card.queue, card.due, card.ivl, card.factor, card.left = 0, 0, 0, 0, 0, 0
        return card


def insert_rows(col: Collection, notes: list[tuple], cards: list[tuple], revlogs: list[tuple]) -> None:
    """Bulk-insert rows of Anki's notes (11 columns), cards (18) and revlog (9) tables, as the builders make them."""
    col.db.executemany(
        "insert into notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data) "
        "values (?,?,?,?,?,?,?,?,?,?,?)",
        notes,
    )
    col.db.executemany(
        "insert into cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, "
        "lapses, left, odue, odid, flags, data) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        cards,
    )
    col.db.executemany(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) values (?,?,?,?,?,?,?,?,?)", revlogs
    )


def fill_collection(
    col: Collection,
    cards: int,
    *,
    seed: int = 1,
    days: int = 365,
    deck_id: int = 1,
    mix: HistoryMix | None = None,
    now: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Add ``cards`` Basic notes to ``deck_id`` with simulated histories over the last ``days`` days.

    Returns the number of revlog rows written. Deterministic for the same seed, collection rollover hour and now.
    """
    rng = random.Random(seed)
    now = time.time() if now is None else now
    timing = col._backend.sched_timing_today()
    sim = _Simulator(rng, now, timing.next_day_at, timing.days_elapsed, mix or HistoryMix())
    # Review ids are answer times in ms: a collection filled before (another deck of the demo) may hold one already.
    sim.used_ids.update(col.db.list("select id from revlog"))
    mid = col.models.by_name("Basic")["id"]
    mod = int(now)
    first_id = int((now - days * DAY) * 1000)
    existing = col.db.scalar("select max(id) from cards") or 0
    first_id = max(first_id, existing + 1)
    total_revlogs = 0
    note_rows: list[tuple] = []
    card_rows: list[tuple] = []

    def flush() -> None:
        nonlocal total_revlogs
        insert_rows(col, note_rows, card_rows, sim.rows)
        total_revlogs += len(sim.rows)
        note_rows.clear()
        card_rows.clear()
        sim.rows.clear()

    def fill() -> None:
        for n in range(cards):
            cid = first_id + n
            created = now - rng.random() ** 0.4 * days * DAY  # more old cards than new ones, as in a used deck
            card = sim.simulate(cid, created)
            due = card.due if card.ctype else n + 1
            note_rows.append(
                (cid, f"s{seed}-{cid}", mid, mod, -1, "", f"front {n}\x1fback {n}", f"front {n}", 0, 0, "")
            )
            card_rows.append(
                (
                    cid,
                    cid,
                    deck_id,
                    0,
                    mod,
                    -1,
                    card.ctype,
                    card.queue,
                    due,
                    card.ivl,
                    card.factor,
                    card.reps,
                    card.lapses,
                    card.left,
                    0,
                    0,
                    0,
                    "{}",
                )
            )
            if len(card_rows) >= 20_000:
                flush()
                if on_progress is not None:
                    on_progress(n + 1)
        flush()

    col.db.transact(fill)
    return total_revlogs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    col = Collection(args.path)
    try:
        started = time.perf_counter()
        revlogs = fill_collection(col, args.cards, seed=args.seed)
        print(f"{args.cards} cards, {revlogs} revlog rows in {time.perf_counter() - started:.1f} s")
    finally:
        col.close()


if __name__ == "__main__":
    main()
