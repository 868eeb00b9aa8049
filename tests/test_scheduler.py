"""The plug-in contract: loading schedulers, trained params, CardHistory, error messages, built-ins."""

from __future__ import annotations

import shutil
import textwrap
import time
from pathlib import Path

import pytest
from anki.collection import Collection
from engine_helpers import DAY, Rev, review_card

from polar_bridge.reschedule import plan_reschedule, reschedule
from polar_bridge.scheduler import CardHistory, Review, ReviewKind, SchedulerError, SchedulerLoadError, check_interval
from polar_bridge.schedulers import builtin_names, load_scheduler

REPO = Path(__file__).resolve().parent.parent


def write(folder: Path, name: str, source: str) -> None:
    (folder / name).write_text(textwrap.dedent(source))


def history(reviews: list[tuple[int, float]] = (), **fields) -> CardHistory:
    values = dict(
        card_id=1,
        note_id=2,
        deck_id=1,
        ordinal=0,
        created=0.0,
        type=2,
        queue=2,
        due=0,
        interval_days=1,
        factor=2500,
        reps=len(reviews),
        lapses=0,
    )
    values.update(fields)
    return CardHistory(
        reviews=tuple(Review(t, ease, 0.0, 0.0, 2500, 1.0, ReviewKind.REVIEW) for ease, t in reviews), **values
    )


def test_builtins_listed_and_loadable(tmp_path: Path) -> None:
    assert builtin_names() == ["anki", "fsrs", "example"]
    for name in builtin_names():
        loaded = load_scheduler(name, tmp_path)
        assert loaded.name == name and callable(loaded.interval)
    assert load_scheduler("fsrs", tmp_path).train is not None


def test_example_builtin_grows_and_resets() -> None:
    example = load_scheduler("example", Path(".")).interval
    assert example(history([(3, 1), (3, 2)])) == 2.5**2 * DAY
    assert example(history([(3, 1), (1, 2)])) == 600.0
    assert example(history([(3, 1), (1, 2), (4, 3)])) == 2.5 * DAY


def test_user_module_function_loaded_from_user_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "mine.py",
        """
        def weekly(card):
            return 7 * 86400.0
    """,
    )
    loaded = load_scheduler("mine:weekly", tmp_path)
    assert loaded.name == "mine:weekly" and loaded.train is None
    assert loaded.interval(history([(3, 1)])) == 7 * DAY


def test_trained_params_are_passed_to_two_argument_functions(tmp_path: Path) -> None:
    write(
        tmp_path,
        "trained.py",
        """
        def interval(card, params):
            return params.get("days", 1) * 86400.0

        def interval_train(histories):
            return {"days": sum(1 for _ in histories)}
    """,
    )
    untrained = load_scheduler("trained:interval", tmp_path)
    assert untrained.interval(history()) == DAY
    params = untrained.train([history(), history(), history()])
    assert params == {"days": 3}
    trained = load_scheduler("trained:interval", tmp_path, params)
    assert trained.interval(history()) == 3 * DAY and trained.params == {"days": 3}


def test_module_level_train_is_found(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.py",
        """
        def a(card):
            return None

        def train(histories):
            return {"ok": True}
    """,
    )
    assert load_scheduler("m:a", tmp_path).train([]) == {"ok": True}


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("nope", "not found"),
        ("missing:fn", "no file"),
        ("good:absent", "has no function 'absent'"),
        ("broken:fn", "importing broken.py failed"),
        ("../evil:fn", "not a valid module name"),
        ("", "not found"),
    ],
)
def test_load_errors_name_the_spec(tmp_path: Path, spec: str, fragment: str) -> None:
    write(tmp_path, "good.py", "def fn(card):\n    return 1.0\n")
    write(tmp_path, "broken.py", "raise RuntimeError('bad module')\n")
    with pytest.raises(SchedulerLoadError) as info:
        load_scheduler(spec, tmp_path)
    assert repr(spec) in str(info.value) and fragment in str(info.value)


def test_editing_a_plugin_is_picked_up_on_reload(tmp_path: Path) -> None:
    write(tmp_path, "live.py", "def f(card):\n    return 1.0\n")
    assert load_scheduler("live:f", tmp_path).interval(history()) == 1.0
    write(tmp_path, "live.py", "def f(card):\n    return 2.0\n")
    assert load_scheduler("live:f", tmp_path).interval(history()) == 2.0


def test_scheduler_error_message_names_scheduler_card_and_value() -> None:
    with pytest.raises(SchedulerError) as info:
        check_interval("mine:f", 42, float("nan"))
    assert (info.value.scheduler_name, info.value.card_id) == ("mine:f", 42)
    assert "mine:f" in str(info.value) and "42" in str(info.value) and "nan" in str(info.value)
    assert check_interval("x", 1, 5) == 5.0 and check_interval("x", 1, None) is None
    with pytest.raises(SchedulerError):
        check_interval("x", 1, False)


def test_card_history_is_read_only_with_lazy_note_data(col: Collection) -> None:
    cid = review_card(col, [Rev(ago=DAY)])
    note = col.get_card(cid).note()
    note.tags = ["hard", "polar"]
    col.update_note(note)
    seen: list[CardHistory] = []
    plan_reschedule(col, load_scheduler_for(seen))
    (card,) = seen
    with pytest.raises(AttributeError):
        card.reps = 5  # type: ignore[misc]
    assert card.tags == ("hard", "polar")
    assert card.fields == {"Front": "q", "Back": "a"}
    assert card.deck_config["desiredRetention"] == pytest.approx(0.9)
    assert card.deck_id == 1 and card.note_id == note.id and card.type == 2
    assert card.days is not None and card.days.today == col.sched.today


def test_every_card_sees_its_own_notes_tags_and_fields_as_anki_reads_them(col: Collection) -> None:
    """Notes are read many at a time during a run; each card must still see exactly what Anki's get_note gives."""
    three = col.models.copy(col.models.by_name("Basic"))
    three["name"] = "Three fields"
    col.models.add_field(three, col.models.new_field("Extra"))
    col.models.update_dict(three)
    tags = [["leech"], ["a::b", "日本語", "x"], [], ["tag\u3000two"], ["many"] * 1 + [f"t{i}" for i in range(30)]]
    card_ids = []
    for number, note_tags in enumerate(tags * 3):
        cid = review_card(col, [Rev(ago=DAY)])
        note = col.get_card(cid).note()
        if number % 2:
            col.models.change(col.models.by_name("Basic"), [note.id], three, {0: 0, 1: 1}, None)
            note = col.get_note(note.id)
            note["Extra"] = f"extra {number}"
        note["Front"] = f"front {number}"
        note.tags = note_tags
        col.update_note(note)
        card_ids.append(cid)
    seen: list[CardHistory] = []
    plan_reschedule(col, load_scheduler_for(seen))
    by_id = {card.card_id: (card.tags, card.fields) for card in seen}
    assert set(by_id) == set(card_ids)
    for cid in card_ids:
        note = col.get_card(cid).note()
        assert by_id[cid] == (tuple(note.tags), dict(note.items()))
    assert by_id[card_ids[3]][0] == ("tag", "two")  # Anki splits tags on the ideographic space too


def load_scheduler_for(seen: list) -> object:
    from polar_bridge.scheduler import LoadedScheduler

    def record(card: CardHistory) -> None:
        seen.append(card)
        return None

    return LoadedScheduler("record", record)


def test_shipped_example_plugin_runs(col: Collection, tmp_path: Path) -> None:
    shutil.copy(REPO / "user_files" / "example_scheduler.py", tmp_path / "example_scheduler.py")
    now = time.time()
    review_card(col, [Rev(ago=20 * DAY, kind=0), Rev(ago=10 * DAY, ease=3)], now=now)
    review_card(col, [Rev(ago=20 * DAY, kind=0), Rev(ago=60, ease=1)], now=now)
    scheduler = load_scheduler("example_scheduler:interval", tmp_path)
    report = reschedule(col, scheduler, now=now)
    assert report.rescheduled == 2 and report.exact_time == 1 and report.by_day == 1
    assert scheduler.train is not None
    params = scheduler.train([])
    assert isinstance(params, dict)
    assert load_scheduler("example_scheduler:interval", tmp_path, params).params == params


def test_fsrs_builtin_agrees_with_ankis_own_fsrs_memory_state(col: Collection) -> None:
    """At the default desired retention of 90 %, FSRS's next interval equals the card's stability (days)."""
    col.set_config("fsrs", True)
    now = time.time()
    cid = review_card(
        col,
        [Rev(ago=30 * DAY, kind=0), Rev(ago=27 * DAY), Rev(ago=15 * DAY), Rev(ago=2 * DAY, ease=1), Rev(ago=DAY)],
        now=now,
    )
    stability = col.compute_memory_state(cid).stability
    scheduler = load_scheduler("fsrs", Path("."))
    seen: list[CardHistory] = []
    plan_reschedule(col, load_scheduler_for(seen), now=now)
    days = scheduler.interval(seen[0]) / DAY
    assert days == pytest.approx(stability, abs=1.0)
    after_again = scheduler.interval(seen[0].with_review(Review(now, 1, 0, 0, 2500, 1, ReviewKind.REVIEW)))
    assert after_again == pytest.approx(600, abs=1)  # the deck's 10-minute relearning step


def test_fsrs_train_uses_ankis_optimizer_and_params_come_back(col: Collection) -> None:
    import random

    rng = random.Random(3)
    histories = []
    for n in range(400):
        t, gap, reviews = 0.0, 1.0, []
        for _ in range(8):
            ease = rng.choice((1, 3, 3, 3, 3, 4))
            reviews.append((ease, t))
            gap = 1.0 if ease == 1 else gap * (2.0 + rng.random())
            t += gap * DAY
        histories.append(history(reviews, card_id=n + 1))
    fsrs = load_scheduler("fsrs", Path("."))
    params = fsrs.train(histories)
    assert len(params["params"]) == 21 and all(isinstance(p, float) for p in params["params"])
    trained = load_scheduler("fsrs", Path("."), params)
    assert trained.interval(histories[0]) > 0


def test_train_over_collection_histories(col: Collection, tmp_path: Path) -> None:
    from polar_bridge.reschedule import card_histories, train_scheduler

    shutil.copy(REPO / "user_files" / "example_scheduler.py", tmp_path / "example_scheduler.py")
    review_card(col, [Rev(ago=20 * DAY, kind=0), Rev(ago=10 * DAY, ease=1), Rev(ago=5 * DAY)])
    review_card(col, [Rev(ago=20 * DAY, kind=0), Rev(ago=10 * DAY, ease=3)])
    assert len(list(card_histories(col))) == 2
    scheduler = load_scheduler("example_scheduler:interval", tmp_path)
    params = train_scheduler(col, scheduler)
    assert params == {"growth": round(1.5 + 2.0 * (1 - 1 / 5), 3)}
    with pytest.raises(ValueError):
        train_scheduler(col, load_scheduler("anki", tmp_path))
    assert isinstance(train_scheduler(col, load_scheduler("fsrs", tmp_path)), dict)
