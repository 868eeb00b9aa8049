"""The preview dialog, driven with pytest-qt on a real collection: it shows the plan's counts and the due-per-day
chart, Cancel writes nothing, Apply writes the plan as one undo step."""

from __future__ import annotations

import os
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from gui_helpers import add_cards, answer, card_state

from polar_bridge import reschedule_ops as collection_ops
from polar_bridge.schedulers import load_scheduler

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def planned(col, tmp_path: Path):
    card_ids = add_cards(col, 12)
    answer(col, card_ids, 3)
    answer(col, card_ids[:4], 3)  # a second good answer: longer intervals for some
    preview = collection_ops.plan_with_forecast(col, load_scheduler("example", tmp_path), None)
    return card_ids, preview


def make_dialog(qtbot, preview, on_apply):
    from polar_bridge.gui.preview import PreviewDialog

    dialog = PreviewDialog(preview.plan.scheduler_name, preview.plan.report, preview.before, preview.after, on_apply)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_preview_shows_counts_and_chart_and_saves_a_screenshot(qtbot, planned):
    card_ids, preview = planned
    dialog = make_dialog(qtbot, preview, on_apply=lambda _days: None)
    assert "example" in dialog.windowTitle()
    assert f"{len(card_ids)} cards get a new due date" in dialog.summary.text()
    assert dialog.chart.before == preview.before and dialog.chart.after == preview.after
    assert sum(dialog.chart.after) == len(card_ids)
    assert f"next 30 days: {sum(preview.before)} → {sum(preview.after)}" in dialog.totals.text()
    assert f"today: {preview.before[0]} → {preview.after[0]}" in dialog.totals.text()
    assert dialog.apply_button().isEnabled()
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "preview_dialog.png"))


def test_cancel_writes_nothing(qtbot, col, planned):
    card_ids, preview = planned
    before = [card_state(col, cid) for cid in card_ids]
    applied = []
    dialog = make_dialog(qtbot, preview, on_apply=lambda _days: applied.append(True))
    with qtbot.waitSignal(dialog.rejected):
        dialog.cancel_button().click()
    assert applied == []
    assert [card_state(col, cid) for cid in card_ids] == before
    assert col.undo_status().undo == "Grade Now"


def test_apply_writes_the_plan_as_one_undo_step(qtbot, col, planned):
    card_ids, preview = planned
    before = [card_state(col, cid) for cid in card_ids]
    dialog = make_dialog(
        qtbot, preview, on_apply=lambda _days: collection_ops.apply_as_one_undo_step(col, preview.plan)
    )
    with qtbot.waitSignal(dialog.accepted):
        dialog.apply_button().click()
    after = [card_state(col, cid) for cid in card_ids]
    assert after != before and all(state[0] == 2 for state in after)
    assert col.undo_status().undo == "Reschedule (example)"
    col.undo()
    assert [card_state(col, cid) for cid in card_ids] == before


def test_nothing_to_reschedule_disables_apply(qtbot, col, tmp_path: Path):
    add_cards(col, 3)  # new cards only: the engine leaves them alone
    preview = collection_ops.plan_with_forecast(col, load_scheduler("example", tmp_path), None)
    dialog = make_dialog(qtbot, preview, on_apply=lambda _days: None)
    assert not dialog.apply_button().isEnabled()
    assert "0 cards get a new due date" in dialog.summary.text()
