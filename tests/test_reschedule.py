"""The reschedule engine on real temp collections with crafted review logs."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from anki.collection import Collection
from engine_helpers import DAY, Rev, add_card, add_revlog, card_row, review_card, set_card

from polar_bridge.reschedule import (
    RescheduleCancelled,
    answer_intervals,
    apply_plan,
    due_forecast,
    has_original_schedule,
    plan_reschedule,
    reschedule,
    restore_original_schedule,
    reviewed_card_ids_since,
)
from polar_bridge.scheduler import AnkiDays, LoadedScheduler, SchedulerError
from polar_bridge.schedulers import load_scheduler


def fixed(seconds: float | None, name: str = "fixed") -> LoadedScheduler:
    return LoadedScheduler(name=name, interval=lambda card: seconds)


def all_rows(col: Collection) -> list:
    return col.db.all("select id, type, queue, due, ivl, factor, left, odue, odid, did from cards order by id")


def test_long_interval_makes_review_card_due_on_that_day(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=30 * DAY, kind=0), Rev(ago=10 * DAY, ivl=20)], now=now)
    report = reschedule(col, fixed(20 * DAY), now=now)
    days = AnkiDays.from_collection(col, now)
    expected_day = days.day_of(now - 10 * DAY + 20 * DAY)
    row = card_row(col, cid)
    assert (row["type"], row["queue"], row["due"]) == (2, 2, expected_day)
    assert row["ivl"] == expected_day - days.day_of(now - 10 * DAY)
    assert report.rescheduled == report.by_day == 1 and report.exact_time == 0


def test_review_day_never_before_today_and_counted_due_now(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=40 * DAY)], now=now)
    report = reschedule(col, fixed(5 * DAY), now=now)
    row = card_row(col, cid)
    assert row["due"] == col.sched.today
    assert row["ivl"] == col.sched.today - AnkiDays.from_collection(col, now).day_of(now - 40 * DAY)
    assert report.due_now == 1 and report.by_day == 1


def test_short_interval_puts_review_card_in_relearning_at_exact_time(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=20 * DAY, kind=0), Rev(ago=600, ivl=7)], now=now, ivl=7, due=col.sched.today + 7)
    report = reschedule(col, fixed(3600), now=now)
    row = card_row(col, cid)
    last = int((now - 600) * 1000) / 1000
    assert (row["type"], row["queue"]) == (3, 1)
    assert row["due"] == math.ceil(last + 3600)
    assert row["ivl"] == 7  # kept: the review interval Anki returns to after relearning
    assert row["left"] % 1000 == 1
    assert report.exact_time == 1 and report.due_now == 0


def test_short_interval_keeps_learning_card_learning(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=120, kind=0, ivl=-60)], now=now, type=1, queue=1, due=int(now) - 60, ivl=0, left=2)
    reschedule(col, fixed(1800), now=now)
    row = card_row(col, cid)
    assert (row["type"], row["queue"], row["left"]) == (1, 1, 2)


def test_anki_shows_exact_time_cards_when_due(col: Collection) -> None:
    """A card whose time passed is offered at once as a relearning card; one due in 2 hours is not offered yet."""
    now = time.time()
    overdue = review_card(
        col, [Rev(ago=5 * DAY, kind=0), Rev(ago=2 * DAY, ivl=3)], now=now, ivl=3, due=col.sched.today + 1
    )
    later = review_card(col, [Rev(ago=5 * DAY, kind=0), Rev(ago=3600, ivl=3)], now=now, ivl=3, due=col.sched.today + 2)
    report = reschedule(col, LoadedScheduler("short", lambda card: 3 * 3600.0), now=now)
    assert report.due_now == 1 and report.exact_time == 2
    assert card_row(col, overdue)["due"] == math.ceil(now)
    queued = col.sched.get_queued_cards(fetch_limit=10)
    assert [q.card.id for q in queued.cards] == [overdue]
    from anki.scheduler_pb2 import QueuedCards

    assert queued.cards[0].queue == QueuedCards.LEARNING
    assert (queued.learning_count, queued.review_count) == (1, 0)
    # the learning card answers like a lapsed card: Good graduates back to its review interval
    card = col.get_card(overdue)
    states = col._backend.get_scheduling_states(overdue)
    assert states.current.normal.WhichOneof("kind") == "relearning"
    card.start_timer()
    col.sched.answerCard(card, 3)
    assert card_row(col, overdue)["queue"] == 2
    assert card_row(col, later)["due"] > now + 3600


def test_exact_time_card_shown_by_anki_at_its_time(col: Collection) -> None:
    """Due in 5 minutes: inside Anki's learn-ahead window, so it is shown now; in 2 days: not yet."""
    now = time.time()
    soon = review_card(col, [Rev(ago=DAY)], now=now, ivl=3)
    reschedule(col, fixed(DAY + 300), [soon], now=now)
    assert card_row(col, soon)["queue"] == 1
    queued = col.sched.get_queued_cards(fetch_limit=5)
    assert [q.card.id for q in queued.cards] == [soon]


@pytest.mark.parametrize("rollover", [0, 4, 13])
def test_day_boundary_follows_rollover_hour(col: Collection, rollover: int) -> None:
    col.set_config("rollover", rollover)
    cutoff = col.sched.day_cutoff
    assert time.localtime(cutoff).tm_hour == rollover
    now = time.time()
    before = review_card(col, [Rev(ago=now - (cutoff + 9 * DAY - 60 - 3 * DAY))], now=now)
    after = review_card(col, [Rev(ago=now - (cutoff + 9 * DAY + 60 - 3 * DAY))], now=now)
    reschedule(col, fixed(3 * DAY), now=now)
    # today ends at the cutoff, so cutoff + 9 days - 1 minute is still on day today+9, one minute later today+10
    assert card_row(col, before)["due"] == col.sched.today + 9
    assert card_row(col, after)["due"] == col.sched.today + 10


def test_new_cards_untouched_and_counted_skipped(col: Collection) -> None:
    new = add_card(col)
    reviewed_without_log = review_card(col, [])
    before = all_rows(col)
    report = reschedule(col, fixed(5 * DAY))
    assert all_rows(col) == before
    assert report.skipped == 2 and report.rescheduled == 0
    assert new and reviewed_without_log


def test_none_leaves_card_alone(col: Collection) -> None:
    review_card(col, [Rev(ago=DAY)])
    before = all_rows(col)
    report = reschedule(col, fixed(None))
    assert all_rows(col) == before and report.skipped == 1


@pytest.mark.parametrize("queue", [-1, -2, -3])
def test_suspended_and_buried_keep_queue(col: Collection, queue: int) -> None:
    now = time.time()
    long_card = review_card(col, [Rev(ago=DAY)], now=now, queue=queue)
    short_card = review_card(col, [Rev(ago=DAY)], now=now, queue=queue)
    reschedule(col, LoadedScheduler("q", lambda c: 10 * DAY if c.card_id == long_card else 2 * DAY), now=now)
    assert card_row(col, long_card)["queue"] == queue
    assert card_row(col, long_card)["due"] == col.sched.today + 9
    assert card_row(col, short_card)["queue"] == queue
    assert card_row(col, short_card)["type"] == 3
    col.sched.unsuspend_cards([long_card, short_card]) if queue == -1 else col.sched.unbury_cards(
        [long_card, short_card]
    )
    assert card_row(col, long_card)["queue"] == 2
    assert card_row(col, short_card)["queue"] == 1


def test_filtered_deck_cards_get_odue_and_go_home_with_it(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=2 * DAY)], now=now, ivl=2, due=col.sched.today)
    learning = review_card(col, [Rev(ago=DAY)], now=now, ivl=2, due=col.sched.today)
    filtered = col.decks.new_filtered("Filtered")
    deck = col.decks.get(filtered)
    deck["terms"] = [["deck:Default", 100, 0]]
    col.decks.save(deck)
    col.sched.rebuild_filtered_deck(filtered)
    assert card_row(col, cid)["odid"] == 1
    in_filtered = card_row(col, cid)
    reschedule(col, LoadedScheduler("f", lambda c: 12 * DAY if c.card_id == cid else 2 * DAY - 3600), now=now)
    row = card_row(col, cid)
    assert row["did"] == filtered and row["odid"] == 1
    assert (row["due"], row["queue"]) == (in_filtered["due"], in_filtered["queue"])
    assert row["odue"] == col.sched.today + 10
    learning_row = card_row(col, learning)
    assert learning_row["did"] == filtered and learning_row["type"] == 3
    assert learning_row["odue"] == math.ceil(int((now - DAY) * 1000) / 1000 + 2 * DAY - 3600)
    col.sched.empty_filtered_deck(filtered)
    home = card_row(col, cid)
    assert (home["did"], home["queue"], home["due"], home["odue"]) == (1, 2, col.sched.today + 10, 0)
    home_learning = card_row(col, learning)
    assert (home_learning["queue"], home_learning["due"]) == (1, learning_row["odue"])


def test_only_real_answers_reach_the_scheduler(col: Collection) -> None:
    now = time.time()
    cid = review_card(
        col,
        [
            Rev(ago=30 * DAY, kind=0, ease=3),
            Rev(ago=20 * DAY, kind=1, ease=1),
            Rev(ago=10 * DAY, kind=4, ease=0),  # manual (e.g. set due date)
            Rev(ago=8 * DAY, kind=5, ease=0),  # rescheduled
            Rev(ago=6 * DAY, kind=3, ease=0),  # cramming without answer
            Rev(ago=5 * DAY, kind=3, ease=4),  # filtered deck answer
        ],
        now=now,
    )
    seen = []

    def record(card):
        seen.append(card)
        return None

    reschedule(col, LoadedScheduler("record", record), now=now)
    (history,) = seen
    assert history.card_id == cid
    assert [(r.ease, int(r.kind)) for r in history.reviews] == [(3, 0), (1, 1), (4, 3)]
    assert history.reviews[-1].time == pytest.approx(now - 5 * DAY, abs=0.01)
    assert history.reviews[0].taken == 5.0 and history.reviews[1].interval == DAY


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, "5", True, [3], ValueError("boom")])
def test_bad_output_aborts_whole_run_and_writes_nothing(col: Collection, bad) -> None:
    good = review_card(col, [Rev(ago=DAY)])
    broken = review_card(col, [Rev(ago=DAY)])
    before = all_rows(col)

    def interval(card):
        if card.card_id != broken:
            return 5 * DAY
        if isinstance(bad, Exception):
            raise bad
        return bad

    with pytest.raises(SchedulerError) as info:
        reschedule(col, LoadedScheduler("badsched", interval))
    assert all_rows(col) == before
    assert info.value.card_id == broken and info.value.scheduler_name == "badsched"
    message = str(info.value)
    assert "badsched" in message and str(broken) in message and repr(bad) in message
    assert good


def test_one_undo_restores_all_cards(col: Collection) -> None:
    for k in range(5):
        review_card(col, [Rev(ago=(k + 1) * DAY)])
    before = all_rows(col)
    reschedule(col, load_scheduler("example", Path(".")))
    assert all_rows(col) != before
    assert col.undo_status().undo == "Reschedule (example)"
    col.undo()
    assert all_rows(col) == before


def test_apply_without_own_undo_step_merges_into_callers_step(col: Collection) -> None:
    cid = review_card(col, [Rev(ago=DAY)])
    before = all_rows(col)
    target = col.add_custom_undo_entry("Answer Card")
    plan = plan_reschedule(col, fixed(9 * DAY))
    apply_plan(col, plan, own_undo_step=False)
    col.merge_undo_entries(target)
    assert col.undo_status().undo == "Answer Card"
    assert card_row(col, cid)["due"] == col.sched.today + 8
    col.undo()
    assert all_rows(col) == before


def test_plan_writes_nothing_and_cards_edited_after_planning_are_left_alone(col: Collection) -> None:
    a = review_card(col, [Rev(ago=DAY)])
    b = review_card(col, [Rev(ago=DAY)])
    before = all_rows(col)
    plan = plan_reschedule(col, fixed(9 * DAY))
    assert all_rows(col) == before and len(plan) == 2 and plan.new_state(a)["due"] == col.sched.today + 8
    card = col.get_card(b)
    card.flags = 1
    time.sleep(1.1)  # card mtime has one-second resolution
    col.update_card(card)
    apply_plan(col, plan)
    assert card_row(col, a)["due"] == col.sched.today + 8
    assert card_row(col, b)["due"] == before[1][3]


def test_card_fields_outside_scheduling_survive(col: Collection) -> None:
    from anki import cards_pb2

    cid = review_card(col, [Rev(ago=DAY)])
    card = col.get_card(cid)
    card.custom_data = '{"k":1}'
    card.memory_state = cards_pb2.FsrsMemoryState(stability=3.5, difficulty=6.25)
    card.desired_retention = 0.85
    card.decay = 0.2
    card.last_review_time = int(time.time()) - DAY
    card.original_position = 7
    card.flags = 3
    col.update_card(card)
    before = col._backend.get_card(cid)
    reschedule(col, fixed(9 * DAY))
    after = col._backend.get_card(cid)
    for name in (
        "custom_data",
        "memory_state",
        "desired_retention",
        "decay",
        "last_review_time_secs",
        "original_position",
        "flags",
        "note_id",
        "deck_id",
        "reps",
        "lapses",
        "ease_factor",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert after.due == col.sched.today + 8


def test_restore_after_several_runs_and_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "c.anki2")
    col = Collection(path)
    now = time.time()
    # original days far from any the runs below give (so every card differs from its original whatever the hour)
    ids = [
        review_card(col, [Rev(ago=(k + 2) * DAY)], now=now, ivl=k + 30, due=col.sched.today + k + 28) for k in range(4)
    ]
    learning = review_card(
        col, [Rev(ago=60, kind=0, ivl=-600)], now=now, type=1, queue=1, due=int(now) + 540, ivl=0, left=1001
    )
    new = add_card(col)
    original = all_rows(col)
    assert not has_original_schedule(col)
    reschedule(col, fixed(9 * DAY), now=now)
    assert has_original_schedule(col)
    reschedule(col, fixed(3600), now=now)
    col.close()
    col = Collection(path)
    reschedule(col, load_scheduler("example", tmp_path), now=now)
    assert all_rows(col) != original
    restored = restore_original_schedule(col)
    assert restored == len(ids) + 1
    assert all_rows(col) == original
    assert col.undo_status().undo == "Restore original schedule"
    col.undo()
    assert all_rows(col) != original
    col.close()
    assert learning and new


def test_cards_learned_after_first_run_are_saved_before_being_touched(col: Collection) -> None:
    first = review_card(col, [Rev(ago=DAY)])
    reschedule(col, fixed(9 * DAY))
    later = add_card(col)
    set_card(col, later, type=2, queue=2, due=col.sched.today + 3, ivl=4)
    add_revlog(col, later, [Rev(ago=DAY)])
    original_later = card_row(col, later)
    reschedule(col, fixed(20 * DAY))
    restore_original_schedule(col)
    assert card_row(col, later) == original_later
    assert card_row(col, first)["due"] == col.sched.today


@pytest.mark.parametrize("name", ["example", "fsrs"])
def test_chunking_gives_same_plan(col: Collection, name: str) -> None:
    """Chunks of 2 (each read ahead while the one before is planned) give the plan of one chunk: also for `fsrs`,
    which reads the packed logs up front, with logs that start mid-history (their starting states are read per
    chunk) in several chunks."""
    for k in range(7):
        if k % 3 == 1:  # no learning entries: an incomplete history starting from the logged interval and ease
            review_card(col, [Rev(ago=(40 + k) * DAY, ivl=12 + k, factor=2300), Rev(ago=(k + 1) * DAY, ivl=30)])
        else:
            review_card(
                col, [Rev(ago=(k + 9) * DAY, kind=0), Rev(ago=(k + 1) * DAY), Rev(ago=k * 3600 + 60, ease=1 + k % 4)]
            )
    add_card(col)
    scheduler = load_scheduler(name, Path("."))
    now = time.time()
    progress: list[tuple[int, int]] = []
    small = plan_reschedule(col, scheduler, now=now, chunk_size=2, on_progress=lambda d, t: progress.append((d, t)))
    big = plan_reschedule(col, scheduler, now=now)
    assert list(small.card_ids) == list(big.card_ids) and list(small.dues) == list(big.dues)
    assert list(small.ivls) == list(big.ivls) and len(set(big.ivls)) > 2
    assert small.report == big.report
    assert progress == [(2, 8), (4, 8), (6, 8), (8, 8)]
    ids = list(big.card_ids)[::2]
    subset = plan_reschedule(col, scheduler, ids, now=now, chunk_size=2)
    assert list(subset.card_ids) == ids


def test_card_chunks_cover_every_card_once_in_id_order_with_a_smaller_first_chunk(col: Collection) -> None:
    from polar_bridge.card_reader import card_chunks

    ids = sorted(add_card(col) for _ in range(9))
    chunks = [[row.id for row in rows] for rows in card_chunks(col, None, 3, first_size=2)]
    assert [len(chunk) for chunk in chunks] == [2, 3, 3, 1]
    assert [cid for chunk in chunks for cid in chunk] == ids
    subset = ids[::2] + ids[:1]  # unsorted, with a repeat
    chunks = [[row.id for row in rows] for rows in card_chunks(col, subset, 2, first_size=1)]
    assert chunks == [[ids[0]], [ids[2], ids[4]], [ids[6], ids[8]]]


def test_cancel_raises_and_writes_nothing(col: Collection) -> None:
    for _ in range(3):
        review_card(col, [Rev(ago=DAY)])
    before = all_rows(col)
    calls = []
    with pytest.raises(RescheduleCancelled):
        plan_reschedule(col, fixed(5 * DAY), chunk_size=1, should_cancel=lambda: calls.append(1) or len(calls) > 1)
    assert all_rows(col) == before and not has_original_schedule(col)


def test_due_forecast_before_and_after(col: Collection) -> None:
    now = time.time()
    for k in range(3):
        review_card(col, [Rev(ago=DAY)], now=now, due=col.sched.today + k, ivl=k + 1)
    suspended = review_card(col, [Rev(ago=DAY)], now=now, queue=-1)
    add_card(col)
    plan = plan_reschedule(col, fixed(6 * DAY), now=now)
    before, after = due_forecast(col, plan, days=10, now=now)
    assert before[:3] == [1, 1, 1] and sum(before) == 3
    assert after[5] == 3 and sum(after) == 3
    assert suspended


def test_due_forecast_reads_page_by_page_and_counts_every_card_once(col: Collection, monkeypatch) -> None:
    """The forecast reads the cards table a page of columns at a time (bounded memory on huge collections): with
    pages of 2 cards over 7 scheduled cards (and new cards between them), every card is counted once."""
    from polar_bridge import card_reader

    now = time.time()
    for k in range(7):
        review_card(col, [Rev(ago=DAY)], now=now, due=col.sched.today + k % 3, ivl=k + 1)
        add_card(col)
    plan = plan_reschedule(col, fixed(6 * DAY), now=now)
    whole = due_forecast(col, plan, days=10, now=now)
    pages_read: list[int] = []
    real = card_reader.int_column_pages

    def small_pages(col_, columns, where, page_size=card_reader.CHUNK_SIZE):
        for page in real(col_, columns, where, 2):
            pages_read.append(len(page[0]))
            yield page

    monkeypatch.setattr("polar_bridge.forecast.int_column_pages", small_pages)
    before, after = due_forecast(col, plan, days=10, now=now)
    assert pages_read == [2, 2, 2, 1]
    assert (before, after) == whole
    assert before[:3] == [3, 2, 2] and after[5] == 7


def test_answer_intervals_preview_each_button(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=10 * DAY, kind=0), Rev(ago=5 * DAY)], now=now)
    before = all_rows(col)
    intervals = answer_intervals(col, cid, load_scheduler("example", Path(".")), now=now)
    assert intervals == {1: 600.0, 2: 2.5**3 * DAY, 3: 2.5**3 * DAY, 4: 2.5**3 * DAY}
    assert all_rows(col) == before
    with pytest.raises(SchedulerError):
        answer_intervals(col, cid, fixed(-5), now=now)


def test_reviewed_card_ids_since(col: Collection) -> None:
    a = review_card(col, [Rev(ago=DAY)])
    mark = col.db.scalar("select max(id) from revlog")
    b = review_card(col, [Rev(ago=60)])
    review_card(col, [Rev(ago=30, kind=4, ease=0)])
    assert reviewed_card_ids_since(col, mark) == [b]
    assert a


def test_anki_builtin_changes_nothing_on_a_varied_collection(col: Collection) -> None:
    now = time.time()
    days = AnkiDays.from_collection(col, now)
    today = col.sched.today
    # review cards scheduled the way Anki schedules them: due = day of last review + ivl
    for ago_days, ivl in [(1, 5), (3, 3), (10, 30), (40, 200), (0, 4), (2, 2)]:
        last = now - ago_days * DAY
        review_card(
            col,
            [Rev(ago=ago_days * DAY + 50 * DAY, kind=0), Rev(ago=ago_days * DAY, ivl=ivl)],
            now=now,
            ivl=ivl,
            due=days.day_of(last) + ivl,
        )
    overdue = review_card(col, [Rev(ago=20 * DAY)], now=now, ivl=5, due=days.day_of(now - 20 * DAY) + 5)
    one_day = review_card(col, [Rev(ago=60)], now=now, ivl=1, due=today + 1)
    set_due = review_card(col, [Rev(ago=DAY)], now=now, ivl=10, due=today + 3)
    review_card(col, [Rev(ago=4 * DAY)], now=now, ivl=9, due=days.day_of(now - 4 * DAY) + 9, queue=-1)
    review_card(col, [Rev(ago=4 * DAY)], now=now, ivl=8, due=days.day_of(now - 4 * DAY) + 8, queue=-2)
    review_card(col, [Rev(ago=DAY, kind=0)], now=now, type=1, queue=3, due=today, ivl=0, left=1)
    # cards answered for real: learning and relearning steps (intraday queue, exact times)
    learning = [add_card(col) for _ in range(2)]
    lapsed = review_card(col, [Rev(ago=8 * DAY)], now=now, ivl=8, due=today)
    for cid, ease in [(learning[0], 3), (learning[1], 1), (lapsed, 1)]:
        card = col.get_card(cid)
        card.start_timer()
        col.sched.answerCard(card, ease)
    assert card_row(col, lapsed)["type"] == 3 and card_row(col, learning[0])["queue"] == 1
    # a review card sitting in a filtered deck
    in_filtered = review_card(col, [Rev(ago=3 * DAY)], now=now, ivl=3, due=today, did=1)
    filtered = col.decks.new_filtered("F")
    deck = col.decks.get(filtered)
    deck["terms"] = [[f"cid:{in_filtered}", 10, 0]]
    col.decks.save(deck)
    col.sched.rebuild_filtered_deck(filtered)
    assert card_row(col, in_filtered)["odid"] == 1
    add_card(col)
    before = all_rows(col)
    mods = col.db.all("select id, mod, usn from cards order by id")

    report = reschedule(col, load_scheduler("anki", Path(".")), now=time.time())

    assert all_rows(col) == before
    assert col.db.all("select id, mod, usn from cards order by id") == mods  # not even rewritten
    # everything the rules can express was reproduced; the rest was left alone
    assert report.rescheduled >= 10 and report.exact_time == 3
    assert report.skipped == len(before) - report.rescheduled
    assert overdue and one_day and set_due


def test_last_review_is_newest_real_answer_even_after_manual_entries(col: Collection) -> None:
    now = time.time()
    days = AnkiDays.from_collection(col, now)
    cid = review_card(col, [Rev(ago=10 * DAY), Rev(ago=DAY, kind=4, ease=0), Rev(ago=600, kind=5, ease=0)], now=now)
    only_manual = review_card(col, [Rev(ago=DAY, kind=4, ease=0)], now=now)
    report = reschedule(col, fixed(20 * DAY), now=now)
    assert card_row(col, cid)["due"] == days.day_of(now - 10 * DAY + 20 * DAY)
    assert report.rescheduled == 1 and report.skipped == 1
    assert card_row(col, only_manual)["due"] == col.sched.today


def test_reschedule_after_answer_merges_into_the_answer_undo_step(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, [Rev(ago=5 * DAY)], now=now, ivl=5, due=col.sched.today)
    before = all_rows(col)
    card = col.sched.getCard()
    assert card is not None and card.id == cid
    col.sched.answerCard(card, 3)
    target = col.undo_status().last_step
    apply_plan(col, plan_reschedule(col, fixed(2 * 3600), [cid]), own_undo_step=False)
    col.merge_undo_entries(target)
    assert card_row(col, cid)["queue"] == 1
    assert col.undo_status().undo == "Answer Card"
    col.undo()
    assert all_rows(col) == before


def test_a_write_that_fails_part_way_leaves_the_collection_as_it_was(col: Collection, monkeypatch) -> None:
    from polar_bridge import card_writer

    for _ in range(25):
        review_card(col, [Rev(ago=DAY)])
    before = all_rows(col)
    undo_before = col.undo_status().undo
    plan = plan_reschedule(col, fixed(9 * DAY))
    monkeypatch.setattr(card_writer, "WRITE_BATCH", 10)
    real_update = card_writer.update_cards_undoable
    calls: list[int] = []

    def fail_on_second_batch(col_, batch):
        calls.append(len(batch.cards))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real_update(col_, batch)

    monkeypatch.setattr(card_writer, "update_cards_undoable", fail_on_second_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        apply_plan(col, plan)
    assert calls[0] == 10  # the first batch had been written before the failure
    assert all_rows(col) == before
    assert col.undo_status().undo == undo_before  # nothing left to undo from the failed run


def test_a_batch_that_fails_to_build_while_the_one_before_is_written_leaves_the_collection_as_it_was(
    col: Collection,
) -> None:
    """The write of one batch runs while the next is built: a failure building the next batch waits for that write
    and then takes it back, so nothing of the run stays."""
    from polar_bridge.card_reader import cards_by_id
    from polar_bridge.card_writer import batched, write_as_one_step

    ids = [review_card(col, [Rev(ago=DAY)]) for _ in range(30)]
    before = all_rows(col)
    undo_before = col.undo_status().undo
    rows = cards_by_id(col, ids)
    moved = [(row, row.type, row.queue, row.due + 5, row.ivl + 5, row.left, row.odue, None) for row in rows]

    def batches():
        yield from batched(moved[:20])()
        raise RuntimeError("a row could not be read")

    with pytest.raises(RuntimeError, match="a row could not be read"):
        write_as_one_step(col, "Reschedule (test)", batches())
    assert all_rows(col) == before
    assert col.undo_status().undo == undo_before


def test_a_change_in_the_same_second_as_planning_is_detected(col: Collection) -> None:
    card_id = review_card(col, [Rev(ago=DAY)])
    plan = plan_reschedule(col, fixed(9 * DAY))
    # suspend without changing cards.mod (same second): the plan must not unsuspend it
    col.db.execute("update cards set queue = -1 where id = ?", card_id)
    apply_plan(col, plan)
    assert card_row(col, card_id)["queue"] == -1 and card_row(col, card_id)["due"] == col.sched.today


def test_cancel_acts_within_a_tenth_of_a_second_of_plugin_time(col: Collection) -> None:
    for _ in range(300):
        review_card(col, [Rev(ago=DAY)])
    calls: list[int] = []

    def slow(card) -> float:
        calls.append(1)
        time.sleep(0.002)
        return 5 * DAY

    asked: list[int] = []  # plug-in calls made when cancel was asked; Cancel is pressed right after the first ask
    with pytest.raises(RescheduleCancelled):
        plan_reschedule(
            col,
            LoadedScheduler(name="slow", interval=slow),
            should_cancel=lambda: asked.append(len(calls)) or len(asked) > 1,
        )
    # 2 ms per card: at most 0.1 s (about 50 cards) until the next ask; a check every 2,000 cards would let all
    # 300 run
    assert len(asked) == 2 and asked[1] - asked[0] <= 0.1 / 0.002 + 2
