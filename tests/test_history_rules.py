"""The history every scheduler sees follows Anki's review-log rules, and the `fsrs` built-in agrees with Anki's FSRS.

Each rule gets a crafted log on a real collection; the built-in's interval is compared with the one Anki itself
computes for the same card (FSRS turned on in the collection, Anki's memory state read back, its unfuzzed
interval taken), and the history's fields are checked against what Anki counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import anki_fsrs_reference as reference
import pytest
import sample_collection
from anki.collection import Collection
from engine_helpers import DAY, Rev, review_card

from polar_bridge.reschedule import card_histories
from polar_bridge.scheduler import ReviewKind
from polar_bridge.schedulers import fsrs_builtin, load_scheduler

REPO = Path(__file__).resolve().parent.parent
LEARN, REVIEW, RELEARN, FILTERED, MANUAL, RESCHEDULED = range(6)


def history_of(col: Collection, card_id: int):
    return next(card_histories(col, [card_id]))


def assert_same_as_anki(col: Collection, card_ids: list[int]) -> dict[int, int]:
    ours = reference.builtin_intervals(col, card_ids)
    reference.enable_anki_fsrs(col)
    anki = reference.anki_fsrs_intervals(col)
    assert {cid: ours.get(cid) for cid in card_ids} == {cid: anki.get(cid) for cid in card_ids}
    return ours


def learned(ago: float) -> list[Rev]:
    """A new card's learning steps (1m, 10m) at ``ago`` seconds before now, graduating with Good."""
    return [Rev(ago=ago, kind=LEARN, ivl=-60, factor=0), Rev(ago=ago - 70, kind=LEARN, ivl=1, factor=0)]


def test_reviews_since_reset_only_and_fsrs_agrees(col: Collection) -> None:
    now = time.time()
    reset_card = review_card(
        col,
        learned(200 * DAY)
        + [
            Rev(ago=190 * DAY, ivl=10),
            Rev(ago=150 * DAY, ivl=40, ease=4),
            Rev(ago=100 * DAY, kind=MANUAL, ease=0, ivl=0, factor=0),  # Forget
            *learned(20 * DAY),
            Rev(ago=15 * DAY, ivl=4),
            Rev(ago=9 * DAY, ivl=9, ease=2),
        ],
        now=now,
        ivl=9,
    )
    card = history_of(col, reset_card)
    assert [r.kind for r in card.reviews] == [ReviewKind.LEARN, ReviewKind.LEARN, ReviewKind.REVIEW, ReviewKind.REVIEW]
    assert card.history_complete and card.starting_state is None
    assert len(card.log) == 9 and card.log[4].kind == ReviewKind.MANUAL and card.log[4].ease == 0
    assert_same_as_anki(col, [reset_card])


def test_cram_set_due_date_and_reschedule_entries_are_not_answers(col: Collection) -> None:
    now = time.time()
    cid = review_card(
        col,
        learned(120 * DAY)
        + [
            Rev(ago=110 * DAY, ivl=8),
            Rev(ago=105 * DAY, kind=FILTERED, ease=1, ivl=0, factor=0),  # cram in a filtered deck, no rescheduling
            Rev(ago=100 * DAY, kind=MANUAL, ease=0, ivl=30, factor=2500),  # Set Due Date
            Rev(ago=70 * DAY, ivl=60),
            Rev(ago=60 * DAY, kind=RESCHEDULED, ease=0, ivl=20, factor=2500),
            Rev(ago=40 * DAY, kind=FILTERED, ease=3, ivl=50, factor=2500),  # rescheduling filtered deck: an answer
        ],
        now=now,
        ivl=50,
    )
    card = history_of(col, cid)
    assert [r.kind for r in card.reviews] == [
        ReviewKind.LEARN,
        ReviewKind.LEARN,
        ReviewKind.REVIEW,
        ReviewKind.REVIEW,
        ReviewKind.FILTERED,
    ]
    assert len(card.log) == 8
    assert_same_as_anki(col, [cid])


def test_log_without_learning_starts_from_anki_s_inferred_state(col: Collection) -> None:
    now = time.time()
    truncated = review_card(
        col,
        [
            Rev(ago=300 * DAY, ease=1, ivl=-600, last_ivl=31, factor=2450),  # a lapse: less than a day, not a start
            Rev(ago=300 * DAY - 700, kind=RELEARN, ivl=9, factor=2450),
            Rev(ago=291 * DAY, ivl=22, factor=2450),
            Rev(ago=269 * DAY, ivl=53, factor=2450),
            Rev(ago=216 * DAY, ivl=129, ease=4, factor=2600),
        ],
        now=now,
        ivl=129,
        factor=2600,
    )
    single = review_card(col, [Rev(ago=40 * DAY, ivl=100, factor=2300)], now=now, ivl=100, factor=2300)
    card = history_of(col, truncated)
    assert not card.history_complete
    assert card.starting_state is not None
    assert (card.starting_state.interval_days, card.starting_state.factor) == (9.0, 2450)
    assert [r.ease for r in card.reviews] == [3, 3, 3, 4]  # from the first answer that set a day or more
    ours = assert_same_as_anki(col, [truncated, single])
    assert ours[truncated] > 100  # replayed as a new card it would be a few weeks at most


def test_days_follow_the_rollover_hour(col: Collection) -> None:
    """A review 14 hours after the previous one, on the next Anki day, is one day later, not the same day."""
    col.set_config("rollover", 4)
    next_day_at = col.sched.day_cutoff
    evening = next_day_at - 3 * DAY - 8 * 3600  # 20:00 three days ago
    morning = evening + 14 * 3600  # 10:00 the next day
    late_night = morning + 17.5 * 3600  # 03:30, before the rollover: still that day
    now = time.time()
    cid = review_card(
        col,
        learned(now - evening + 100)
        + [Rev(ago=now - evening, ivl=1), Rev(ago=now - morning, ivl=2, ease=2), Rev(ago=now - late_night, ivl=3)],
        now=now,
        ivl=3,
    )
    card = history_of(col, cid)
    reviews = card.reviews
    assert reviews[3].day - reviews[2].day == 1 and reviews[3].elapsed_days == 1
    assert reviews[4].day == reviews[3].day and reviews[4].elapsed_days == 0
    assert reviews[4].day == card.days.today - 2
    assert_same_as_anki(col, [cid])


def test_same_day_answers_and_ignore_date(col: Collection) -> None:
    now = time.time()
    same_day = review_card(
        col,
        learned(90 * DAY)
        + [
            Rev(ago=80 * DAY, ivl=10),
            Rev(ago=30 * DAY, ivl=40, ease=2),
            Rev(ago=30 * DAY - 3600, ivl=41, ease=2),
            Rev(ago=30 * DAY - 7200, ease=1, ivl=-600),
            Rev(ago=30 * DAY - 7400, kind=RELEARN, ivl=5),
        ],
        now=now,
        ivl=5,
    )
    cut = review_card(
        col,
        learned(200 * DAY) + [Rev(ago=190 * DAY, ivl=10), Rev(ago=100 * DAY, ivl=60), Rev(ago=40 * DAY, ivl=90)],
        now=now,
        ivl=90,
    )
    config = col.decks.config_dict_for_deck_id(1)
    config["ignoreRevlogsBeforeDate"] = time.strftime("%Y-%m-%d", time.gmtime(now - 150 * DAY))
    col.decks.update_config(config)
    card = history_of(col, cut)
    assert not card.history_complete and [r.ease for r in card.reviews] == [3, 3]
    assert_same_as_anki(col, [same_day, cut])


def test_fsrs_follows_the_presets_steps(col: Collection) -> None:
    now = time.time()
    cid = review_card(col, learned(60 * DAY) + [Rev(ago=50 * DAY, ivl=10)], now=now, ivl=10)
    card = history_of(col, cid)
    fsrs = load_scheduler("fsrs", REPO / "user_files")
    from polar_bridge.scheduler import Review

    again = card.with_review(Review(now, 1, 0.0, 0.0, 2500, 1.0, ReviewKind.REVIEW))
    assert fsrs.interval(again) == 600  # the preset's 10-minute relearning step
    good_on_relearn = again.with_review(Review(now + 700, 3, 0.0, 0.0, 2500, 1.0, ReviewKind.RELEARN))
    graduated = fsrs.interval(good_on_relearn)  # back to review: due at the start of an Anki day (FSRS interval)
    assert graduated > DAY / 2 and (now + 700 + graduated) in {
        card.days.day_start(card.days.today + k) for k in range(1, 5)
    }
    new_card = review_card(
        col, [Rev(ago=30, kind=LEARN, ivl=-60, factor=0)], now=now, type=1, queue=1, due=int(now) + 30
    )
    assert fsrs.interval(history_of(col, new_card)) == 600  # Good on step 1 of 2: the 10-minute step
    hard = history_of(col, new_card).with_review(Review(now, 2, 0.0, 0.0, 0, 1.0, ReviewKind.LEARN))
    assert fsrs.interval(hard) == 600  # Hard on the second step repeats it


def test_fsrs_agrees_on_a_realistic_collection(col: Collection) -> None:
    sample_collection.fill_collection(col, 3000, seed=11)
    ours = reference.builtin_intervals(col)
    reference.enable_anki_fsrs(col)
    agreement = reference.agreement(reference.anki_fsrs_intervals(col), ours)
    assert agreement.cards > 2500
    assert agreement.exact_share >= 0.99 and agreement.worst <= 1


def test_the_engine_writes_the_interval_the_fsrs_builtin_gives_each_card(col: Collection, tmp_path: Path) -> None:
    """The engine calls the built-in on each card's loaded history, without a CardHistory per card: the plan, with
    Anki's fuzz and load balancer, is exactly the one the built-in's interval on each card's CardHistory (the path
    of every plug-in) gives."""
    from dataclasses import replace

    from polar_bridge.due_shaping import DueShaper
    from polar_bridge.reschedule import plan_reschedule

    sample_collection.fill_collection(col, 1500, seed=3)
    fsrs = load_scheduler("fsrs", tmp_path)
    assert fsrs.interval_of_log is not None
    now = time.time()
    plans = [
        plan_reschedule(col, scheduler, now=now, due_day=DueShaper.from_collection(col, shape=True))
        for scheduler in (fsrs, replace(fsrs, interval_of_log=None))
    ]
    by_log, by_history = ([(c, d, i) for c, d, i in zip(p.card_ids, p.dues, p.ivls)] for p in plans)
    assert len(by_log) > 1000
    assert by_log == by_history
    assert plans[0].report == plans[1].report


def test_packed_and_whole_logs_give_every_card_the_same_history(col: Collection) -> None:
    """A scheduler reading only answer columns gets them from the packed log (one number per entry); one reading
    Review objects from the whole log. Both must tell every card the same story: resets, cram, manual entries,
    mid-history logs with their starting states."""
    sample_collection.fill_collection(col, 1500, seed=3)
    columns_first = {card.card_id: card for card in card_histories(col)}
    assert all(card.answer_columns.ratings for card in columns_first.values())  # loads the packed form
    assert sum(not card.history_complete for card in columns_first.values()) > 50
    compared = 0
    for whole in card_histories(col):
        reviews = whole.reviews  # loads the whole form
        packed = columns_first[whole.card_id]
        assert packed.history_complete == whole.history_complete, whole.card_id
        assert packed.starting_state == whole.starting_state, whole.card_id
        assert list(packed.answer_columns.ratings) == [r.ease for r in reviews], whole.card_id
        assert list(packed.answer_columns.elapsed_days) == [0] + [r.elapsed_days for r in reviews][1:], whole.card_id
        assert packed.answer_columns.last_day == (reviews[-1].day if reviews else None)
        assert packed.reviews == reviews  # Review objects asked for later come from the whole log
        compared += 1
    assert compared == len(columns_first) > 1400


def test_training_items_are_the_ones_anki_builds(col: Collection) -> None:
    sample_collection.fill_collection(col, 1500, seed=5)
    items = fsrs_builtin.training_items(card_histories(col))
    response = col._backend.compute_fsrs_params(
        search="", current_params=[], ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=False
    )
    assert len(items) == response.fsrs_items


DST_SCRIPT = r"""
import json, sys, time
sys.path[:0] = [sys.argv[1] + "/tests", sys.argv[1] + "/tools"]
import conftest, anki_fsrs_reference as reference
from anki.collection import Collection
from engine_helpers import DAY, Rev, review_card
col = Collection(sys.argv[2])
now = time.time()
cids = []
# reviews at 04:30 local (just after the 4 a.m. rollover) before and after the end of summer time, 2026-10-25
for start in (5, 30, 60):
    base = now - (start + 90) * DAY
    day_start = col.sched.day_cutoff - (start + 90) * DAY  # a 4 a.m. boundary in winter time
    revs = [Rev(ago=now - (day_start + 1800), kind=0, ivl=-60, factor=0),
            Rev(ago=now - (day_start + 1900), kind=0, ivl=1, factor=0)]
    for k, gap in enumerate((3, 8, 21, 40)):
        at = day_start + sum((3, 8, 21, 40)[:k + 1]) * DAY + 1800
        if at < now - DAY:
            revs.append(Rev(ago=now - at, ivl=gap))
    cids.append(review_card(col, revs, now=now, ivl=10))
ours = reference.builtin_intervals(col, cids)
reference.enable_anki_fsrs(col)
anki = reference.anki_fsrs_intervals(col)
print(json.dumps({"ours": [ours.get(c) for c in cids], "anki": [anki.get(c) for c in cids]}))
col.close()
"""


def test_days_across_a_daylight_saving_change_agree_with_anki(tmp_path: Path) -> None:
    """Anki counts review-log days in 24-hour steps back from the next day's start; reviews half an hour after
    the rollover, on both sides of the end of summer time, must count the same days here."""
    env = dict(os.environ, TZ="Europe/Berlin")
    result = subprocess.run(
        [sys.executable, "-c", DST_SCRIPT, str(REPO), str(tmp_path / "dst.anki2")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["ours"] == values["anki"] and all(v is not None for v in values["ours"])


@pytest.mark.parametrize("cards", [200])
def test_sample_collection_is_reproducible(tmp_path: Path, cards: int) -> None:
    rows = []
    for name in ("a", "b"):
        col = Collection(str(tmp_path / f"{name}.anki2"))
        sample_collection.fill_collection(col, cards, seed=3, now=1_790_000_000.0)
        rows.append(col.db.all("select cid, ease, ivl, lastIvl, factor, type from revlog order by id"))
        col.close()
    assert rows[0] == rows[1] and len(rows[0]) > cards
