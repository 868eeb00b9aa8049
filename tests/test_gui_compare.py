"""Tools > Compare schedulers… in a real Anki: run, result table with winners, charts, make one active, Cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection
from compare_helpers import crafted_history
from gui_helpers import add_cards, run_script_in_anki

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PLUGINS = {
    "steady": """
    def interval(card):
        return 7 * 86400.0

    def recall(card, elapsed_seconds):
        return 0.85
"""
}


def prepare(col: Collection) -> None:
    crafted_history(col, 150)
    add_cards(col, 40)


def test_compare_dialog_shows_winners_and_charts_and_makes_one_active(start_anki, tmp_path: Path):
    ARTIFACTS.mkdir(exist_ok=True)
    results, _running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        results["menu"] = [a.text() for a in mw.form.menuTools.actions()]
        addon.state.menu_actions["Compare schedulers…"].trigger()
        dialog = wait_until(lambda: addon.state.current_compare, what="the compare dialog")
        results["offered"] = [dialog.scheduler_list.item(i).text() for i in range(dialog.scheduler_list.count())]
        results["ticked"] = dialog.chosen()
        dialog.set_chosen(["fsrs", "example", "steady:interval"])
        dialog.days.setValue(120)
        dialog.run_button.click()
        wait_until(lambda: dialog.comparison is not None and idle(), timeout=240, what="the comparison")
        pump(0.5)
        dialog.grab().save(ARTIFACT)
        table = dialog.table
        results["columns"] = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        results["rows"] = {table.verticalHeaderItem(r).text(): [table.item(r, c).text()
                           for c in range(table.columnCount())] for r in range(table.rowCount())}
        results["charts"] = [dialog.charts.itemAt(i).widget().title for i in range(dialog.charts.count())]
        results["series"] = [sorted(dialog.charts.itemAt(i).widget().series) for i in range(dialog.charts.count())]
        results["note"] = dialog.note.text()
        dialog.active_choice.setCurrentText("steady:interval")
        dialog.make_active_button.click()
        results["active"] = mw.addonManager.getConfig(addon.gui.settings.ADDON_MODULE)["scheduler"]
        results["no_error_dialog"] = not message_boxes()
        finish()
    """,
        config={"scheduler": "example"},
        plugins=PLUGINS,
        prepare=prepare,
        variables={"ARTIFACT": str(ARTIFACTS / "anki_compare_dialog.png")},
        timeout=400,
    )

    assert "Compare schedulers…" in results["menu"]
    assert {"anki", "fsrs", "example", "steady:interval"} <= set(results["offered"])
    assert "steady:recall" not in results["offered"]  # a memory model, not a scheduler
    assert results["ticked"] == ["fsrs", "example"]  # the active scheduler and fsrs, to start with
    assert results["columns"] == ["fsrs", "example", "steady:interval", "Winner"]
    rows = results["rows"]
    log_loss = rows["Log loss (lower is better)"]
    assert log_loss[1] == "-"  # example has no recall()
    scored = {"fsrs": float(log_loss[0]), "steady:interval": float(log_loss[2])}
    assert log_loss[3] == min(scored, key=scored.get)
    assert rows["AUC (higher is better)"][2] == "0.5000"  # a constant prediction ranks nothing
    reviews = rows["Reviews/day (lower is better)"]
    values = [float(v) for v in reviews[:3]]
    assert reviews[3] == results["columns"][values.index(min(values))]
    assert all(len(series) == 3 for series in results["series"]) and len(results["charts"]) == 4
    assert "FSRS-6" in results["note"]
    assert results["active"] == "steady:interval"
    assert results["no_error_dialog"]
    assert (ARTIFACTS / "anki_compare_dialog.png").stat().st_size > 10_000


SLOW = {
    "slow": """
    import time

    def interval(card):
        time.sleep(0.002)
        return 3 * 86400.0
"""
}


def test_cancel_stops_the_comparison_and_anki_stays_usable(start_anki, tmp_path: Path):
    results, _running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        from aqt.qt import QPushButton
        addon.state.menu_actions["Compare schedulers…"].trigger()
        dialog = wait_until(lambda: addon.state.current_compare, what="the compare dialog")
        dialog.set_chosen(["example", "slow:interval"])
        dialog.run_button.click()
        button = wait_until(lambda: mw.progress._win and mw.progress._win.findChild(QPushButton, "polarBridgeCancel"),
                            what="the progress window's Cancel button")
        pump(0.5)
        results["running"] = bool(mw._background_op_count)
        button.click()
        wait_until(idle, timeout=120, what="the comparison to stop")
        pump(0.3)
        results["no_result"] = dialog.comparison is None
        results["can_run_again"] = dialog.run_button.isEnabled()
        results["no_error_dialog"] = not message_boxes()
        finish()
    """,
        config={"scheduler": "example"},
        plugins=SLOW,
        prepare=lambda col: crafted_history(col, 400),
        timeout=300,
    )
    assert results["running"]
    assert results["no_result"] and results["can_run_again"] and results["no_error_dialog"]
