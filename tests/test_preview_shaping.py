"""The preview with pytest-qt on a real collection: which scheduler each group of cards used, and the offer to
spread an overdue backlog over N days (default from the backlog size), applied in the same single undo step."""

from __future__ import annotations

import os
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections import Counter

from engine_helpers import DAY, Rev, review_card

from polar_bridge import reschedule_ops
from polar_bridge.preset_schedulers import build_preset_schedulers
from polar_bridge.scheduler import LoadedScheduler
from polar_bridge.schedulers import load_scheduler

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def days_after_last_review(days: int, name: str) -> LoadedScheduler:
    return LoadedScheduler(name=name, interval=lambda card: days * DAY + 3600.0)


def show(qtbot, preview, applied):
    from polar_bridge.gui.preview import PreviewDialog

    dialog = PreviewDialog(
        preview.plan.scheduler_name,
        preview.plan.report,
        preview.before,
        preview.after,
        applied.append,
        groups=preview.groups,
        backlog=len(preview.backlog),
        suggested_spread_days=preview.suggested_spread_days,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_preview_names_each_presets_scheduler_and_spreads_the_backlog_in_one_undo_step(qtbot, col) -> None:
    japanese = col.decks.add_config_returning_id("Japanese")
    conf = col.decks.get_config(japanese)
    conf["rev"]["perDay"] = 10  # a small review limit: the suggested spread is backlog / 10 days
    col.decks.update_config(conf)
    deck = col.decks.get(col.decks.id("Japanese"))
    deck["conf"] = japanese
    col.decks.save(deck)
    jp_deck = deck["id"]
    today = col.sched.today
    # reviewed 40 days ago: a 5-day interval has long passed -> overdue backlog; a 60-day one is fine
    overdue = [
        review_card(col, [Rev(ago=(40 + i % 7) * DAY, ivl=5)], deck_id=jp_deck, due=today - 30) for i in range(35)
    ]
    fine = [review_card(col, [Rev(ago=40 * DAY, ivl=5)], due=today - 30) for _ in range(5)]
    schedulers = {"five": days_after_last_review(5, "five"), "sixty": days_after_last_review(60, "sixty")}
    presets = build_preset_schedulers(col, "sixty", {"Japanese": "five"}, schedulers.__getitem__)
    preview = reschedule_ops.plan_with_forecast(col, presets, None, shaping=True)

    assert preview.groups == {"sixty": ["Default"], "five": ["Japanese"]}
    assert sorted(c.card_id for c in preview.backlog) == sorted(overdue)
    assert preview.suggested_spread_days == 4  # 35 overdue cards, 10 reviews a day

    applied: list = []
    dialog = show(qtbot, preview, applied)
    groups = dialog.groups.text()
    assert "'sixty': 5 cards (presets Default)" in groups and "'five': 35 cards (presets Japanese)" in groups
    assert dialog.spread_check.isVisibleTo(dialog) and "35 cards" in dialog.spread_check.text()
    assert dialog.spread_days.value() == 4
    unspread = list(dialog.chart.after)
    dialog.spread_check.setChecked(True)
    moved = [a - b for a, b in zip(dialog.chart.after, unspread)]
    assert moved[:5] == [9 - 35, 9, 9, 8, 0], "35 cards over 4 days: 9, 9, 9, 8"
    assert "today: " in dialog.totals.text()
    ARTIFACTS.mkdir(exist_ok=True)
    dialog.grab().save(str(ARTIFACTS / "preview_spread_backlog.png"))
    dialog.apply_button().click()
    assert applied == [4]

    before = {cid: col.db.first("select type, queue, due, ivl from cards where id = ?", cid) for cid in overdue + fine}
    outcome = reschedule_ops.apply_spread(col, preview, applied[0])
    assert outcome.report.rescheduled == 40
    dues = {cid: col.db.scalar("select due from cards where id = ?", cid) for cid in overdue}
    load = Counter(dues.values())
    assert sorted(load) == [today, today + 1, today + 2, today + 3] and max(load.values()) <= 10
    most_overdue = min(preview.backlog, key=lambda c: (c.day, c.card_id)).card_id
    assert dues[most_overdue] == today, "oldest-overdue first"
    assert col.undo_status().undo == "Reschedule (sixty + five)"
    col.undo()
    assert {
        cid: col.db.first("select type, queue, due, ivl from cards where id = ?", cid) for cid in overdue + fine
    } == before, "one undo step takes back the reschedule and the spread"


def test_no_backlog_no_offer_and_one_scheduler_one_group(qtbot, col, tmp_path: Path) -> None:
    cards = [review_card(col, [Rev(ago=1 * DAY, ivl=5)]) for _ in range(3)]
    presets = build_preset_schedulers(col, "example", {}, lambda spec: load_scheduler(spec, tmp_path))
    preview = reschedule_ops.plan_with_forecast(col, presets, cards, shaping=True)
    assert preview.backlog == [] and preview.groups == {}
    dialog = show(qtbot, preview, [])
    assert not dialog.spread_check.isVisibleTo(dialog)
    assert "'example': 3 cards" in dialog.groups.text()
