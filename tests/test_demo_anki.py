"""The demo profile in a real Anki shows every feature at once: the reschedule preview, the answer buttons, the
settings dialog and the scheduler comparison all have the demo's history to show. Their screenshots (saved to
tests/artifacts/demo_*.png) are the README's pictures: `tools/screenshots.sh` refreshes docs/images/ from them."""

from __future__ import annotations

import re
from pathlib import Path

import demo_profile
import pytest
from gui_helpers import run_script_in_anki

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SHOTS = ("demo_preview_dialog", "demo_answer_buttons", "demo_settings_dialog", "demo_compare_dialog")

SCRIPT = r"""
def shot(widget, name):
    pump(0.5)
    assert widget.grab().save(f"{ARTIFACTS}/{name}.png")

# Tools > Reschedule…: the preview of the whole collection, then Cancel
addon.state.menu_actions["Reschedule…"].trigger()
preview = wait_until(lambda: addon.state.current_preview, timeout=120, what="the preview")
shot(preview, "demo_preview_dialog")
results["preview"] = preview.summary.text()
results["groups"] = preview.groups.text()
preview.cancel_button().click()
wait_until(lambda: addon.state.current_preview is None and idle(), what="the preview to close")

# The reviewer on the German deck, answer shown: the buttons carry the scheduler's intervals
mw.col.decks.select(mw.col.decks.id("Languages::German"))
mw.moveToState("review")
wait_until(lambda: mw.state == "review" and mw.reviewer.card is not None, what="the reviewer")
wait_until(lambda: mw.reviewer.state == "question", what="the question")
results["question_fields"] = list(mw.reviewer.card.note().keys())
pump(0.5)
mw.reviewer._showAnswer()
seen = []
def labels():
    if not seen:
        mw.reviewer.bottom.web.evalWithCallback(
            "Array.from(document.querySelectorAll('button[data-ease] .polar-ivl')).map(s => s.textContent)",
            seen.append)
        pump(0.1)
        return False
    value = seen.pop()
    return value or False
results["button_labels"] = wait_until(labels, what="the answer buttons' intervals")
shot(mw, "demo_answer_buttons")
mw.moveToState("deckBrowser")

# Tools > Add-ons > Config: the settings dialog with the demo's presets, closed without saving
mw.addonManager.configAction(addon.__name__)()
settings = wait_until(lambda: addon.state.current_dialog, what="the settings dialog")
shot(settings, "demo_settings_dialog")
results["presets"] = list(settings.presets)
settings.reject()

# Tools > Compare schedulers…: three schedulers on the demo's history
addon.state.menu_actions["Compare schedulers…"].trigger()
compare = wait_until(lambda: addon.state.current_compare, what="the compare dialog")
compare.set_chosen(["fsrs", "example", "anki"])
compare.days.setValue(90)
compare.run_button.click()
wait_until(lambda: compare.comparison is not None and idle(), timeout=300, what="the comparison")
shot(compare, "demo_compare_dialog")
results["compared"] = [compare.table.horizontalHeaderItem(c).text() for c in range(compare.table.columnCount())]
results["charts"] = compare.charts.count()
compare.close()
finish()
"""


def test_demo_profile_shows_preview_buttons_settings_and_comparison(start_anki, tmp_path: Path):
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / f"{name}.png").unlink(missing_ok=True)
    results, _running = run_script_in_anki(
        start_anki,
        tmp_path,
        SCRIPT,
        config=demo_profile.DEMO_CONFIG,
        prepare=demo_profile.build_demo_collection,
        variables={"ARTIFACTS": str(ARTIFACTS)},
        timeout=420,
    )
    # thousands of reviewed cards get a new day, each preset's scheduler named
    changed = int(re.search(r"([\d,]+) cards get a new due date", results["preview"])[1].replace(",", ""))
    assert changed > 2000, results["preview"]
    assert "'fsrs'" in results["groups"] and "'example'" in results["groups"]
    assert results["question_fields"] == ["Vorderseite", "Rückseite"]  # a card of the German note type
    assert len(results["button_labels"]) == 4 and all(results["button_labels"])
    assert demo_profile.FSRS_PRESET in results["presets"]
    assert sorted(results["compared"][:3]) == ["anki", "example", "fsrs"] and results["charts"] >= 4
    for name in SHOTS:
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5_000
