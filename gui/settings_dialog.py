"""The add-on's settings dialog (Tools > Polar Bridge settings…, and Tools > Add-ons > Config for this add-on).

It edits the same JSON config that config.md documents: the scheduler of every deck options preset (a default plus
per-preset overrides, chosen from the built-ins and every scheduler function in ``user_files/``), the rescheduling
switches, and the Connect server's settings. Nothing is saved until every value passes validation; the message
names the setting and the field is highlighted.

`SettingsDialog` gets plain data (config dict, presets, scheduler choices) and a save callback, so pytest-qt tests
drive it without a running Anki; :func:`open_settings` gathers that data from Anki.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aqt.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..config import ConfigError, validate_for_saving
from ..preset_schedulers import SchedulerChoice
from .state import AddonState

USE_DEFAULT = ""  # combo data of a preset's "use the default scheduler" entry
AFTER_SYNC_CHOICES = (("Same as after each review", None), ("On", True), ("Off", False))
ERROR_STYLE = "border: 2px solid #d9534f;"


# The dialog currently open (kept referenced so Qt doesn't collect it; tests find it here).
class SettingsDialog(QDialog):
    """Edit ``raw`` (the add-on's config dict); Save validates, then calls ``on_save(new_config)``."""

    def __init__(
        self,
        raw: dict[str, Any],
        presets: Sequence[str],
        choices: Sequence[SchedulerChoice],
        on_save: Callable[[dict[str, Any]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("polarBridgeSettings")
        self.setWindowTitle("Polar Bridge & Pluggable Scheduler — settings")
        self._raw = dict(raw)
        self._on_save = on_save
        self._choices = list(choices)
        self.presets = list(presets)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._scheduling_tab(), "Scheduling")
        self.tabs.addTab(self._server_tab(), "Connect server")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9534f;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # --- building ---

    def _scheduler_combo(self, current: str, default_entry: str | None = None) -> QComboBox:
        """A list of the usable schedulers (docstring first line beside each), files that failed to import shown
        disabled with their error, and the current value kept even when it is no longer found."""
        combo = QComboBox()
        combo.setObjectName("schedulerCombo")
        if default_entry is not None:
            combo.addItem(default_entry, USE_DEFAULT)
        for choice in self._choices:
            if choice.usable:
                text = f"{choice.spec} — {choice.summary}" if choice.summary else choice.spec
                combo.addItem(text, choice.spec)
                combo.setItemData(combo.count() - 1, choice.summary or choice.spec, _tooltip_role())
            else:
                combo.addItem(f"⚠ {choice.spec} — does not load", None)
                index = combo.count() - 1
                combo.setItemData(index, f"{choice.spec} failed to import:\n{choice.error}", _tooltip_role())
                item = combo.model().item(index)  # a QStandardItemModel
                item.setEnabled(False)
        index = combo.findData(current)
        if index < 0:
            combo.addItem(f"{current} (not found)", current)
            index = combo.count() - 1
        combo.setCurrentIndex(index)
        return combo

    def _scheduling_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        form = QFormLayout()
        self.default_scheduler = self._scheduler_combo(str(self._raw.get("scheduler", "anki")))
        self.default_scheduler.setObjectName("defaultScheduler")
        form.addRow("Scheduler for all presets:", self.default_scheduler)
        layout.addLayout(form)
        layout.addWidget(QLabel("Presets that use another scheduler (Deck options presets of this profile):"))
        overrides = self._raw.get("schedulerByPreset") or {}
        self.preset_table = QTableWidget(len(self.presets), 2)
        self.preset_table.setObjectName("presetSchedulers")
        self.preset_table.setHorizontalHeaderLabels(["Preset", "Scheduler"])
        self.preset_table.verticalHeader().setVisible(False)
        header = self.preset_table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.preset_combos: dict[str, QComboBox] = {}
        for row, preset in enumerate(self.presets):
            item = QTableWidgetItem(preset)
            item.setFlags(item.flags() & ~_editable_flag())
            self.preset_table.setItem(row, 0, item)
            combo = self._scheduler_combo(str(overrides.get(preset, USE_DEFAULT)), "(the scheduler for all presets)")
            self.preset_table.setCellWidget(row, 1, combo)
            self.preset_combos[preset] = combo
        layout.addWidget(self.preset_table)
        broken = [c for c in self._choices if not c.usable]
        self.broken = QLabel(
            "<br>".join(f"⚠ <b>{c.spec}</b> in user_files could not be imported: {_html(c.error)}" for c in broken)
        )
        self.broken.setObjectName("brokenFiles")
        self.broken.setWordWrap(True)
        self.broken.setVisible(bool(broken))
        layout.addWidget(self.broken)

        self.after_review = QCheckBox("Reschedule each card right after you answer it")
        self.after_review.setChecked(bool(self._raw.get("rescheduleAfterReview", False)))
        self.after_sync = QComboBox()
        for text, value in AFTER_SYNC_CHOICES:
            self.after_sync.addItem(text, value)
        self.after_sync.setCurrentIndex(
            [v for _t, v in AFTER_SYNC_CHOICES].index(self._raw.get("rescheduleAfterSync", None))
        )
        self.show_preview = QCheckBox("Show a preview before Tools > Reschedule writes anything")
        self.show_preview.setChecked(bool(self._raw.get("showPreview", True)))
        self.on_buttons = QCheckBox("Show the scheduler's intervals on the answer buttons")
        self.on_buttons.setChecked(bool(self._raw.get("showPluginIntervalsOnButtons", True)))
        self.due_shaping = QCheckBox(
            "Choose due days as Anki does (fuzz, load balancer, Easy Days); off: the exact day"
        )
        self.due_shaping.setChecked(bool(self._raw.get("dueShaping", True)))
        switches = QFormLayout()
        switches.addRow(self.after_review)
        switches.addRow("Reschedule cards reviewed on other devices after a sync:", self.after_sync)
        switches.addRow(self.show_preview)
        switches.addRow(self.on_buttons)
        switches.addRow(self.due_shaping)
        layout.addLayout(switches)
        return tab

    def _server_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.port = QLineEdit(str(self._raw.get("webBindPort", 8765)))
        self.bind_address = QLineEdit(str(self._raw.get("webBindAddress", "127.0.0.1")))
        self.origins = QPlainTextEdit("\n".join(self._raw.get("webCorsOriginList") or []))
        self.origins.setPlaceholderText("one web origin per line, e.g. http://localhost:3000")
        self.origins.setMaximumHeight(90)
        self.api_key = QLineEdit(self._raw.get("apiKey") or "")
        self.api_key.setPlaceholderText("none: any local program may call the server")
        self.max_bytes = QLineEdit(str(self._raw.get("maxRequestBytes", 64 * 1024 * 1024)))
        form.addRow("Port (AnkiConnect clients expect 8765):", self.port)
        form.addRow("Listen on address:", self.bind_address)
        form.addRow("Extra allowed web origins:", self.origins)
        form.addRow("API key:", self.api_key)
        form.addRow("Largest request (bytes):", self.max_bytes)
        form.addRow(QLabel("Server changes take effect the next time the profile is opened."))
        return tab

    # --- reading back ---

    def field_widgets(self) -> dict[str, QWidget]:
        """config key -> the widget that edits it (for highlighting the field an error names)."""
        return {
            "scheduler": self.default_scheduler,
            "schedulerByPreset": self.preset_table,
            "webBindPort": self.port,
            "webBindAddress": self.bind_address,
            "webCorsOriginList": self.origins,
            "apiKey": self.api_key,
            "maxRequestBytes": self.max_bytes,
        }

    def values(self) -> dict[str, Any]:
        """The config with the dialog's values (keys the dialog doesn't show are kept as they were)."""
        raw = dict(self._raw)
        raw["scheduler"] = self.default_scheduler.currentData()
        raw["schedulerByPreset"] = {
            preset: combo.currentData()
            for preset, combo in self.preset_combos.items()
            if combo.currentData() != USE_DEFAULT
        }
        # keep overrides of presets this profile doesn't have (another profile may)
        for preset, spec in (self._raw.get("schedulerByPreset") or {}).items():
            if preset not in self.preset_combos:
                raw["schedulerByPreset"][preset] = spec
        raw["rescheduleAfterReview"] = self.after_review.isChecked()
        raw["rescheduleAfterSync"] = self.after_sync.currentData()
        raw["showPreview"] = self.show_preview.isChecked()
        raw["showPluginIntervalsOnButtons"] = self.on_buttons.isChecked()
        raw["dueShaping"] = self.due_shaping.isChecked()
        raw["webBindPort"] = _number_or_text(self.port.text())
        raw["webBindAddress"] = self.bind_address.text().strip()
        raw["webCorsOriginList"] = [line.strip() for line in self.origins.toPlainText().splitlines() if line.strip()]
        raw["apiKey"] = self.api_key.text() if self.api_key.text().strip() else None
        raw["maxRequestBytes"] = _number_or_text(self.max_bytes.text())
        return raw

    def check(self) -> str | None:
        """None when everything can be saved, else the message naming the first bad setting (shown, and its field
        highlighted)."""
        for widget in self.field_widgets().values():
            widget.setStyleSheet("")
        raw = self.values()
        key, message = None, None
        try:
            validate_for_saving(raw)
        except ConfigError as exc:
            message = str(exc)
            key = next((k for k in self.field_widgets() if f"'{k}'" in message or f"'{k}[" in message), None)
        if message is None:
            key, message = self._check_schedulers(raw)
        if message is None:
            self.error.hide()
            return None
        self.error.setText(message)
        self.error.show()
        if key is not None:
            widget = self.field_widgets()[key]
            widget.setStyleSheet(ERROR_STYLE)
            self.tabs.setCurrentIndex(0 if key.startswith("scheduler") else 1)
            widget.setFocus()
        return message

    def _check_schedulers(self, raw: dict[str, Any]) -> tuple[str | None, str | None]:
        usable = {c.spec for c in self._choices if c.usable}
        if raw["scheduler"] not in usable:
            return "scheduler", (
                f"config key 'scheduler': {raw['scheduler']!r} is not available; choose one of the listed schedulers"
            )
        for preset, spec in raw["schedulerByPreset"].items():
            if preset in self.preset_combos and spec not in usable:
                return "schedulerByPreset", (
                    f"config key 'schedulerByPreset': the scheduler {spec!r} of preset "
                    f"{preset!r} is not available; choose one of the listed schedulers"
                )
        return None, None

    def save(self) -> bool:
        if self.check() is not None:
            return False
        self._on_save(self.values())
        self.accept()
        return True


def _number_or_text(text: str) -> int | str:
    """Digits become the integer; anything else stays text, so validation names the field and the value."""
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else stripped


def _html(text: str | None) -> str:
    import html

    return html.escape(text or "")


def _tooltip_role() -> Any:
    from aqt.qt import Qt

    return Qt.ItemDataRole.ToolTipRole


def _editable_flag() -> Any:
    from aqt.qt import Qt

    return Qt.ItemFlag.ItemIsEditable


def open_settings(state: AddonState, parent: QWidget | None = None) -> SettingsDialog:
    """Open the dialog for the current profile (Tools menu and the add-on manager's Config button)."""
    import aqt
    from aqt.utils import disable_help_button, tooltip

    from ..preset_schedulers import available_schedulers, presets_and_decks
    from .settings import logger, raw_config, save_config, user_files_dir

    mw = aqt.mw
    presets = sorted(presets_and_decks(mw.col)[0].values(), key=str.lower) if mw.col is not None else []

    def on_save(raw: dict[str, Any]) -> None:
        save_config(raw)
        logger().info("settings saved from the settings dialog")
        tooltip("Settings saved.", parent=mw)

    dialog = SettingsDialog(raw_config(), presets, available_schedulers(user_files_dir()), on_save, parent or mw)
    disable_help_button(dialog)
    state.current_dialog = dialog
    dialog.finished.connect(lambda _result: _forget(state, dialog))
    dialog.open()  # window-modal but non-blocking, like the preview
    return dialog


def _forget(state: AddonState, dialog: SettingsDialog) -> None:
    if state.current_dialog is dialog:
        state.current_dialog = None
