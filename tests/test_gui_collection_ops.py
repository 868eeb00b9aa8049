"""The collection work behind the GUI actions, on real collections: one undo step per action, cancel writes
nothing, after-review rescheduling merges into the answer's undo step, plug-in errors name plug-in/card/value."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import add_cards, answer, card_state, write_plugin

from polar_bridge import reschedule_ops as collection_ops
from polar_bridge.gui.errors import describe_failure
from polar_bridge.reschedule import RescheduleCancelled
from polar_bridge.scheduler import SchedulerError, SchedulerLoadError
from polar_bridge.schedulers import load_scheduler


@pytest.fixture
def reviewed(col):
    card_ids = add_cards(col, 6)
    answer(col, card_ids, 3)
    return card_ids


def states(col, card_ids):
    return [card_state(col, cid) for cid in card_ids]


def test_reschedule_all_is_one_named_undo_step_that_undo_takes_back(col, reviewed, tmp_path: Path):
    before = states(col, reviewed)
    scheduler = load_scheduler("example", tmp_path)

    preview = collection_ops.plan_with_forecast(col, scheduler, None)
    assert states(col, reviewed) == before, "planning must not write"
    assert sum(preview.before) == len(reviewed) and sum(preview.after) == len(reviewed)
    assert len(preview.before) == len(preview.after) == collection_ops.FORECAST_DAYS

    outcome = collection_ops.apply_as_one_undo_step(col, preview.plan)
    assert outcome.report.rescheduled == len(reviewed)
    assert outcome.changes.card
    assert col.undo_status().undo == "Reschedule (example)"
    after = states(col, reviewed)
    assert all(state[0] == 2 for state in after), "example gives multi-day intervals: review cards"

    col.undo()
    assert states(col, reviewed) == before
    assert col.undo_status().undo == "Grade Now"


def test_cancelled_plan_writes_nothing_and_leaves_no_undo_step(col, reviewed, tmp_path: Path):
    before = states(col, reviewed)
    with pytest.raises(RescheduleCancelled):
        collection_ops.plan_and_apply(col, load_scheduler("example", tmp_path), None, should_cancel=lambda: True)
    assert states(col, reviewed) == before
    assert col.undo_status().undo == "Grade Now"


def test_selected_cards_only(col, reviewed, tmp_path: Path):
    before = states(col, reviewed)
    outcome = collection_ops.plan_and_apply(col, load_scheduler("example", tmp_path), reviewed[:2])
    assert outcome.report.rescheduled == 2
    assert states(col, reviewed)[2:] == before[2:]
    assert states(col, reviewed)[:2] != before[:2]


def test_after_review_reschedule_merges_into_the_answer_step(col, tmp_path: Path):
    [card_id] = add_cards(col, 1)
    new_state = card_state(col, card_id)
    answer(col, [card_id], 3)
    anki_state = card_state(col, card_id)

    collection_ops.reschedule_answered_card(col, load_scheduler("example", tmp_path), card_id)

    plugin_state = card_state(col, card_id)
    assert plugin_state != anki_state and plugin_state[0] == 2
    assert col.undo_status().undo == "Grade Now", "one undo step, still named after the answer"
    col.undo()
    assert card_state(col, card_id) == new_state, "one Undo takes back the answer and the reschedule"


def test_plugin_error_writes_nothing_and_the_message_names_plugin_card_value(col, reviewed, tmp_path: Path):
    write_plugin(
        tmp_path,
        "broken",
        """
        def interval(card):
            return -5
    """,
    )
    before = states(col, reviewed)
    with pytest.raises(SchedulerError) as info:
        collection_ops.plan_and_apply(col, load_scheduler("broken:interval", tmp_path), None)
    assert states(col, reviewed) == before
    title, message = describe_failure(info.value, "broken:interval")
    assert "broken:interval" in message
    assert str(info.value.card_id) in message and "-5" in message
    assert "Nothing was changed" in message


def test_load_error_message_names_the_plugin(tmp_path: Path):
    with pytest.raises(SchedulerLoadError) as info:
        load_scheduler("missing:interval", tmp_path)
    title, message = describe_failure(info.value, "missing:interval")
    assert "could not be loaded" in title.lower() or "could not be loaded" in message
    assert "missing:interval" in message


def test_unexpected_exception_message(tmp_path: Path):
    title, message = describe_failure(ZeroDivisionError("division by zero"), "mine:f")
    assert "mine:f" in message and "ZeroDivisionError" in message and "Nothing was changed" in message


TRAINABLE = """
    def interval(card, params):
        return params.get("days", 1) * 86400

    def train(histories):
        histories = list(histories)
        return {"days": 3 + len(histories), "cards": sorted(h.card_id for h in histories)}
"""


def test_training_sees_every_reviewed_card_and_its_params_reach_the_scheduler(col, reviewed, tmp_path: Path):
    from polar_bridge.gui.settings import read_trained_params, write_trained_params

    add_cards(col, 2)  # never reviewed: nothing to learn from
    write_plugin(tmp_path, "trainable", TRAINABLE)
    scheduler = load_scheduler("trainable:interval", tmp_path)
    before = states(col, reviewed)

    params = collection_ops.train_scheduler(col, scheduler.train)

    assert params == {"days": 3 + len(reviewed), "cards": sorted(reviewed)}
    assert states(col, reviewed) == before, "training writes nothing to the collection"
    write_trained_params(tmp_path, "trainable:interval", params)
    write_trained_params(tmp_path, "other:thing", {"x": 1})
    assert read_trained_params(tmp_path, "trainable:interval") == params
    trained = load_scheduler("trainable:interval", tmp_path, read_trained_params(tmp_path, "trainable:interval"))
    preview = collection_ops.plan_with_forecast(col, trained, None)
    assert preview.plan.new_state(reviewed[0])["ivl"] == 3 + len(reviewed)


def test_training_can_be_cancelled(col, reviewed, tmp_path: Path):
    write_plugin(tmp_path, "trainable", TRAINABLE)
    with pytest.raises(RescheduleCancelled):
        collection_ops.train_scheduler(
            col, load_scheduler("trainable:interval", tmp_path).train, should_cancel=lambda: True
        )


def test_restore_puts_the_original_schedule_back_as_one_undo_step(col, reviewed, tmp_path: Path):
    before = states(col, reviewed)
    collection_ops.plan_and_apply(col, load_scheduler("example", tmp_path), None)
    assert states(col, reviewed) != before

    outcome = collection_ops.restore_as_outcome(col)

    assert outcome.report == len(reviewed) and outcome.changes.card
    assert states(col, reviewed) == before
    col.undo()
    assert col.undo_status().undo == "Reschedule (example)", "the restore was a single undo step"
