"""End-to-end in a real Anki: Tools > Add-ons > Config opens the settings dialog; choosing another scheduler for one
preset there and saving makes the next Tools > Reschedule use it for that preset's cards only."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection
from gui_helpers import add_cards, answer, run_script_in_anki

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VOCAB = {
    "vocab": '''
    def interval(card):
        """Ten days after every answer."""
        return 10 * 86400.0 + 3600
'''
}


def two_presets(col: Collection) -> None:
    japanese = col.decks.add_config_returning_id("Japanese")
    deck = col.decks.get(col.decks.id("Japanese"))
    deck["conf"] = japanese
    col.decks.save(deck)
    default_cards = add_cards(col, 3)
    japanese_cards = add_cards(col, 4, deck="Japanese")
    answer(col, default_cards + japanese_cards, 3)


def test_dialog_changes_one_presets_scheduler_and_the_reschedule_uses_it(start_anki, tmp_path: Path):
    ARTIFACTS.mkdir(exist_ok=True)
    results, _running = run_script_in_anki(
        start_anki,
        tmp_path,
        f"""
        results["menu"] = [a.text() for a in mw.form.menuTools.actions()]
        japanese = set(mw.col.find_cards('"deck:Japanese"'))
        results["japanese"] = [str(c) for c in japanese]
        results["before"] = card_rows()
        results["today"] = mw.col.sched.today
        # Tools > Add-ons > Config for this add-on
        mw.addonManager.configAction(addon.__name__)()
        dialog = wait_until(lambda: addon.state.current_dialog, what="the settings dialog")
        pump(0.5)
        dialog.grab().save({str(ARTIFACTS / "anki_settings_dialog.png")!r})
        results["presets"] = dialog.presets
        results["choices"] = [dialog.default_scheduler.itemText(i) for i in range(dialog.default_scheduler.count())]
        combo = dialog.preset_combos["Japanese"]
        combo.setCurrentIndex(combo.findData("vocab:interval"))
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        wait_until(lambda: addon.state.current_dialog is None, what="the dialog to close")
        results["saved"] = mw.addonManager.getConfig(addon.__name__)
        addon.state.menu_actions["Reschedule…"].trigger()
        preview = wait_until(lambda: addon.state.current_preview, what="the preview")
        pump(0.3)
        results["groups"] = preview.groups.text()
        preview.apply_button().click()
        wait_until(lambda: idle() and undo_text().startswith("Undo Reschedule"), what="the reschedule")
        results["undo"] = undo_text()
        results["after"] = card_rows()
        # the Tools menu entry opens the same dialog, showing the saved choice
        addon.state.menu_actions["Polar Bridge settings…"].trigger()
        again = wait_until(lambda: addon.state.current_dialog, what="the dialog again")
        results["reopened"] = again.preset_combos["Japanese"].currentData()
        again.reject()
        finish()
    """,
        config={"scheduler": "anki", "dueShaping": False},
        plugins=VOCAB,
        prepare=two_presets,
    )

    assert "Polar Bridge settings…" in results["menu"]
    assert results["presets"] == ["Default", "Japanese"]
    assert any(c.startswith("vocab:interval — Ten days after every answer.") for c in results["choices"])
    assert results["saved"]["schedulerByPreset"] == {"Japanese": "vocab:interval"}
    assert results["saved"]["scheduler"] == "anki"
    assert "'vocab:interval': 4 cards (presets Japanese)" in results["groups"]
    assert results["undo"] == "Undo Reschedule (anki + vocab:interval)"
    today = results["today"]
    for cid, row in results["after"].items():
        if cid in results["japanese"]:
            assert row[0:3] == [2, 2, today + 10], "the preset's new scheduler: exactly 10 days (shaping off)"
        else:
            assert row == results["before"][cid], "the default 'anki' scheduler keeps Anki's schedule"
    assert results["reopened"] == "vocab:interval"
