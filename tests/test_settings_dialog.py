"""The settings dialog with pytest-qt: it lists the built-ins and the plug-ins found in user_files (with their
docstrings, broken files marked with their error), chooses schedulers per preset, refuses bad values naming the
field, and saves the JSON config that load_config reads back. Also the per-preset scheduler lookup it feeds."""

from __future__ import annotations

import os
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json

import pytest
from conftest import REPO_ROOT
from gui_helpers import add_cards, answer, write_plugin

from polar_bridge.config import load_config
from polar_bridge.preset_schedulers import available_schedulers, build_preset_schedulers
from polar_bridge.reschedule import plan_reschedule
from polar_bridge.schedulers import load_scheduler

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
GOOD = '''
    """Steady growth for vocabulary decks."""

    import math

    def interval(card):
        """Ten days after every answer."""
        return 10 * 86400.0

    def interval_train(histories):
        return {}

    def recall(card, elapsed_seconds):
        return 0.9

    def _helper(card):
        return 1.0
'''
BROKEN = """
    import no_such_module_anywhere

    def interval(card):
        return 1.0
"""


@pytest.fixture
def user_files(tmp_path: Path) -> Path:
    folder = tmp_path / "user_files"
    write_plugin(folder, "vocab", GOOD)
    write_plugin(folder, "broken", BROKEN)
    return folder


@pytest.fixture
def shipped_config() -> dict:
    return json.loads((REPO_ROOT / "config.json").read_text())


def make_dialog(qtbot, raw, choices, saved, presets=("Default", "Japanese")):
    from polar_bridge.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(raw, list(presets), choices, saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def combo_entries(combo) -> list[tuple[str, object, bool]]:
    model = combo.model()
    return [(combo.itemText(i), combo.itemData(i), model.item(i).isEnabled()) for i in range(combo.count())]


def test_lists_builtins_and_user_functions_with_docstrings_and_marks_broken_files(user_files: Path) -> None:
    choices = {c.spec: c for c in available_schedulers(user_files)}
    assert {"anki", "fsrs", "example"} <= set(choices)
    assert choices["vocab:interval"].summary == "Ten days after every answer."
    assert "vocab:interval_train" not in choices and "vocab:_helper" not in choices
    assert "vocab:recall" not in choices  # a memory model, not a scheduler
    assert "vocab:math" not in choices  # imported names are not this file's schedulers
    assert choices["broken.py"].usable is False
    assert (
        "ModuleNotFoundError" in choices["broken.py"].error and "no_such_module_anywhere" in choices["broken.py"].error
    )
    assert choices["example"].summary  # the built-ins describe themselves too


def test_dialog_shows_choices_and_marks_the_broken_file(qtbot, user_files: Path, shipped_config: dict) -> None:
    saved: list = []
    dialog = make_dialog(qtbot, shipped_config, available_schedulers(user_files), saved)
    entries = combo_entries(dialog.default_scheduler)
    assert ("vocab:interval — Ten days after every answer.", "vocab:interval", True) in entries
    broken = [e for e in entries if "broken.py" in e[0]]
    assert broken and broken[0][2] is False, "a file that does not import can't be chosen"
    assert dialog.broken.isVisibleTo(dialog) and "no_such_module_anywhere" in dialog.broken.text()
    assert dialog.default_scheduler.currentData() == "anki"
    assert [dialog.preset_table.item(r, 0).text() for r in range(2)] == ["Default", "Japanese"]
    assert dialog.preset_combos["Japanese"].currentData() == ""  # uses the default


def test_choosing_per_preset_and_saving_writes_config_json_load_config_reads(
    qtbot, user_files: Path, shipped_config: dict
) -> None:
    saved: list = []
    raw = dict(shipped_config, schedulerByPreset={"Other profile's preset": "fsrs"}, defaultDeck="Reading")
    dialog = make_dialog(qtbot, raw, available_schedulers(user_files), saved)
    japanese = dialog.preset_combos["Japanese"]
    japanese.setCurrentIndex(japanese.findData("vocab:interval"))
    dialog.default_scheduler.setCurrentIndex(dialog.default_scheduler.findData("example"))
    dialog.due_shaping.setChecked(False)
    dialog.after_review.setChecked(True)
    dialog.port.setText("8766")
    dialog.origins.setPlainText("http://localhost:3000\n\nhttps://app.example")
    dialog.api_key.setText("s3cret")
    ARTIFACTS.mkdir(exist_ok=True)
    dialog.grab().save(str(ARTIFACTS / "settings_dialog.png"))
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert len(saved) == 1 and not dialog.isVisible()
    written = json.loads(json.dumps(saved[0]))  # what Anki stores is JSON
    config = load_config(written)
    assert config.scheduler == "example"
    assert config.scheduler_overrides == {"Japanese": "vocab:interval", "Other profile's preset": "fsrs"}
    assert config.due_shaping is False and config.reschedule_after_review is True
    assert config.web_bind_port == 8766 and config.api_key == "s3cret"
    assert config.web_cors_origin_list == ("http://localhost:3000", "https://app.example")
    assert written["defaultDeck"] == "Reading", "keys the dialog doesn't show are kept"


@pytest.mark.parametrize(
    "field, text, named",
    [
        ("port", "87x65", "webBindPort"),
        ("port", "70000", "webBindPort"),
        ("bind_address", "my laptop", "webBindAddress"),
        ("max_bytes", "0", "maxRequestBytes"),
        ("api_key", "   ", None),  # blank means no key: accepted
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_saved(
    qtbot, user_files: Path, shipped_config: dict, field: str, text: str, named
) -> None:
    saved: list = []
    dialog = make_dialog(qtbot, shipped_config, available_schedulers(user_files), saved)
    getattr(dialog, field).setText(text)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    if named is None:
        assert saved and saved[0]["apiKey"] is None
        return
    assert saved == [] and dialog.isVisible()
    assert named in dialog.error.text() and dialog.error.isVisibleTo(dialog)
    assert dialog.tabs.currentIndex() == 1 and getattr(dialog, field).styleSheet(), "the field is highlighted"


def test_bad_origin_and_missing_scheduler_are_refused(qtbot, user_files: Path, shipped_config: dict) -> None:
    saved: list = []
    raw = dict(shipped_config, schedulerByPreset={"Japanese": "gone:interval"})
    dialog = make_dialog(qtbot, raw, available_schedulers(user_files), saved)
    assert "gone:interval (not found)" in dialog.preset_combos["Japanese"].currentText()
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert saved == [] and "schedulerByPreset" in dialog.error.text() and "'Japanese'" in dialog.error.text()
    dialog.preset_combos["Japanese"].setCurrentIndex(0)  # back to the default
    dialog.origins.setPlainText("localhost:3000")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert saved == [] and "webCorsOriginList" in dialog.error.text()
    dialog.origins.setPlainText("http://localhost:3000")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert len(saved) == 1 and saved[0]["schedulerByPreset"] == {}


def test_each_card_uses_its_presets_scheduler_and_the_report_groups_them(col, user_files: Path) -> None:
    japanese = col.decks.add_config_returning_id("Japanese")
    deck = col.decks.get(col.decks.id("Japanese vocab"))
    deck["conf"] = japanese
    col.decks.save(deck)
    default_cards = add_cards(col, 3)
    japanese_cards = add_cards(col, 4, deck="Japanese vocab")
    answer(col, default_cards + japanese_cards, 3)

    def load(spec):
        return load_scheduler(spec, user_files)

    schedulers = build_preset_schedulers(col, "example", {"Japanese": "vocab:interval", "Absent": "fsrs"}, load)
    assert schedulers.name == "example + vocab:interval"
    plan = plan_reschedule(col, schedulers)
    assert plan.report.by_scheduler == {"example": 3, "vocab:interval": 4}
    assert schedulers.presets_using("vocab:interval") == ["Japanese"]
    today = col.sched.today
    for cid in japanese_cards:
        assert plan.new_state(cid)["due"] == today + 10  # ten days after today's answer
    for cid in default_cards:
        assert plan.new_state(cid)["due"] != today + 10


def test_train_uses_the_cards_of_the_presets_using_each_scheduler(col, user_files: Path) -> None:
    from polar_bridge.reschedule_ops import train_scheduler, training_card_ids

    japanese = col.decks.add_config_returning_id("Japanese")
    deck = col.decks.get(col.decks.id("Japanese vocab"))
    deck["conf"] = japanese
    col.decks.save(deck)
    default_cards = add_cards(col, 2)
    japanese_cards = add_cards(col, 3, deck="Japanese vocab")
    answer(col, default_cards + japanese_cards, 3)
    schedulers = build_preset_schedulers(
        col, "example", {"Japanese": "vocab:interval"}, lambda spec: load_scheduler(spec, user_files)
    )
    assert sorted(training_card_ids(col, schedulers, "vocab:interval")) == sorted(japanese_cards)
    assert sorted(training_card_ids(col, schedulers, "example")) == sorted(default_cards)
    seen: list = []

    def train(histories):
        seen.extend(h.card_id for h in histories)
        return {"n": len(seen)}

    assert train_scheduler(col, train, card_ids=training_card_ids(col, schedulers, "vocab:interval")) == {"n": 3}
    assert sorted(seen) == sorted(japanese_cards)
    single = build_preset_schedulers(col, "example", {}, lambda spec: load_scheduler(spec, user_files))
    assert training_card_ids(col, single, "example") is None  # one scheduler for all: every card
