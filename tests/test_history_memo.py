"""A repeated full reschedule takes unchanged cards' answers from the history memo and reads only changed logs.

Whatever happened in between (new answers, Forget, Set Due Date, an undone answer, a new "ignore reviews before"
date, another rollover hour), the plan with the memo must be the plan a first run (no memo) gives.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import sample_collection
from anki.collection import Collection
from engine_helpers import DAY, Rev, add_revlog

from polar_bridge.history_memo import HistoryMemo, Stamp, memo_path
from polar_bridge.reschedule import plan_reschedule
from polar_bridge.scheduler import AnkiDays
from polar_bridge.schedulers import load_scheduler

REPO = Path(__file__).resolve().parent.parent


def planned(col: Collection, now: float) -> list[tuple]:
    plan = plan_reschedule(col, load_scheduler("fsrs", REPO / "user_files"), now=now)
    return list(zip(plan.card_ids, plan.types, plan.queues, plan.dues, plan.ivls, plan.lefts, plan.odues))


def first_run_plan(col: Collection, now: float) -> list[tuple]:
    """The plan without a memo, leaving the memo as it was."""
    path = memo_path(col)
    kept = path.with_name(path.name + ".kept")
    if path.exists():
        shutil.copy(path, kept)
    path.unlink(missing_ok=True)
    try:
        return planned(col, now)
    finally:
        path.unlink(missing_ok=True)
        if kept.exists():
            kept.rename(path)


def remembered_cards(col: Collection, now: float) -> int:
    """How many cards the memo would answer for as the collection is now."""
    memo = HistoryMemo.load(col, AnkiDays.from_collection(col, now))
    stamps = col.db.all("select cid, max(id), count() from revlog group by cid")
    config = col.decks.config_dict_for_deck_id(1)
    cutoff = memo_cutoff(config)
    return sum(memo.recall(cid, Stamp(newest, count), cutoff) is not None for cid, newest, count in stamps)


def memo_cutoff(config: dict) -> int:
    from polar_bridge.review_history import ignore_before_ms

    return ignore_before_ms(str(config.get("ignoreRevlogsBeforeDate") or ""))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("memo") / "source.anki2"
    col = Collection(str(path))
    sample_collection.fill_collection(col, 2500, seed=21, days=400)
    col.close()
    return path


@pytest.fixture
def col(sample: Path, tmp_path: Path):
    target = tmp_path / "collection.anki2"
    shutil.copy(sample, target)
    collection = Collection(str(target))
    yield collection
    collection.close()


def test_repeated_run_gives_the_first_runs_plan_from_the_memo(col: Collection) -> None:
    now = time.time()
    first = planned(col, now)
    assert memo_path(col).is_file()
    reviewed = col.db.scalar("select count(distinct cid) from revlog")
    assert remembered_cards(col, now) == reviewed > 2000
    assert planned(col, now) == first


def test_changed_logs_are_read_again(col: Collection) -> None:
    now = time.time()
    planned(col, now)
    cids = col.db.list("select id from cards where type = 2 order by id limit 40")
    add_revlog(col, cids[0], [Rev(ago=3600, ease=1, kind=1, ivl=-600)], now=now)  # a lapse an hour ago
    add_revlog(col, cids[1], [Rev(ago=600, ease=4, kind=1, ivl=30)], now=now)
    col.sched.schedule_cards_as_new(cids[2:4])  # Forget: a reset entry
    col.sched.set_due_date(cids[4:6], "3")  # a manual entry (not an answer)
    newest = col.db.scalar("select max(id) from revlog where cid = ?", cids[6])
    col.db.execute("delete from revlog where id = ?", newest)  # an undone answer
    older = col.db.scalar("select min(id) from revlog where cid = ?", cids[7])
    col.db.execute("delete from revlog where id = ?", older)  # an old entry removed (newest unchanged)
    changed = set(cids[:8])
    reviewed = col.db.scalar("select count(distinct cid) from revlog")
    assert remembered_cards(col, now) == reviewed - len(changed)
    assert planned(col, now) == first_run_plan(col, now)


def test_a_new_ignore_date_reads_every_log_again(col: Collection) -> None:
    now = time.time()
    planned(col, now)
    config = col.decks.config_dict_for_deck_id(1)
    config["ignoreRevlogsBeforeDate"] = time.strftime("%Y-%m-%d", time.gmtime(now - 200 * DAY))
    col.decks.update_config(config)
    assert remembered_cards(col, now) == 0
    assert planned(col, now) == first_run_plan(col, now)


def test_another_rollover_hour_reads_every_log_again(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "collection.anki2"
    shutil.copy(sample, target)
    now = time.time()
    col = Collection(str(target))
    planned(col, now)
    preferences = col.get_preferences()
    preferences.scheduling.rollover = (preferences.scheduling.rollover + 7) % 24
    col.set_preferences(preferences)
    col.close()  # Anki takes a new rollover hour into its day numbering when the collection opens
    col = Collection(str(target))
    try:
        assert remembered_cards(col, now) == 0
        assert planned(col, now) == first_run_plan(col, now)
    finally:
        col.close()
