"""Tools > Compare schedulers…: choose schedulers and scope, run the comparison in the background (progress, Cancel),
show the result table (winner per measure), one chart per measure with every scheduler on the same axes, and make
one of them the active scheduler. The work itself is `compare.compare` (domain, no Qt)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from aqt.operations import QueryOp
from aqt.qt import (
    QAbstractItemView,
    QColor,
    QComboBox,
    QDialog,
    QFont,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPainter,
    QPen,
    QPushButton,
    QSize,
    QSizePolicy,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from aqt.utils import tooltip

from ..compare import MEASURES, Comparison, format_value
from ..config import ConfigError
from .errors import show_failure
from .preview import PaintedWidget
from .progress import ProgressBridge
from .settings import current_config, load_spec, logger, set_active_scheduler, user_files_dir
from .state import AddonState

SERIES_COLORS = [
    QColor(52, 120, 246),
    QColor(230, 120, 30),
    QColor(40, 160, 70),
    QColor(200, 50, 60),
    QColor(140, 80, 200),
    QColor(120, 120, 120),
]
WHOLE_COLLECTION = "Whole collection"
MODEL_NOTE = (
    "Workload and retention: a {days}-day simulation (seed {seed}) in which your answers are drawn from "
    "FSRS-6 with your deck presets' parameters, your own answer times and your decks' new cards/day. "
    "Prediction quality: each scheduler's recall() scored on your own past answers, as the FSRS "
    "benchmark does."
)

# The dialog currently open (kept referenced so Qt doesn't collect it; tests find it here).


class LineChart(PaintedWidget):
    """Several series (name -> [(x, y or None)]) on shared axes; gaps where y is None."""

    def __init__(
        self,
        title: str,
        series: dict[str, list[tuple[float, float | None]]],
        x_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.series = series
        self.x_label = x_label
        self.setMinimumSize(QSize(420, 200))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for points in self.series.values() for x, y in points if y is not None]
        ys = [y for points in self.series.values() for _x, y in points if y is not None]
        if not xs:
            return 0.0, 1.0, 0.0, 1.0
        low = min(0.0, min(ys))
        high = max(ys)
        return min(xs), max(max(xs), min(xs) + 1), low, high if high > low else low + 1

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        left, right, top, bottom = 52, 10, 36, 22
        width = self.width() - left - right
        height = self.height() - top - bottom
        text_pen = QPen(self.palette().color(self.foregroundRole()))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        painter.setPen(text_pen)
        painter.drawText(left, 12, self.title)
        x0, x1, y0, y1 = self.bounds()
        painter.drawText(0, top - 6, left - 6, 14, Qt.AlignmentFlag.AlignRight, _short(y1))
        painter.drawText(0, top + height - 8, left - 6, 14, Qt.AlignmentFlag.AlignRight, _short(y0))
        painter.drawLine(left, top + height, left + width, top + height)
        painter.drawLine(left, top, left, top + height)
        painter.drawText(left, top + height + 4, 80, 16, Qt.AlignmentFlag.AlignLeft, f"{x0:.0f}")
        painter.drawText(
            left + width - 120, top + height + 4, 120, 16, Qt.AlignmentFlag.AlignRight, f"{self.x_label} {x1:.0f}"
        )
        legend_x = left + 8 + painter.fontMetrics().horizontalAdvance(self.title) + 16
        for number, name in enumerate(self.series):
            color = SERIES_COLORS[number % len(SERIES_COLORS)]
            painter.fillRect(legend_x, 4, 10, 10, color)
            painter.drawText(legend_x + 14, 14, name)
            legend_x += 24 + painter.fontMetrics().horizontalAdvance(name)

        def at(x: float, y: float) -> tuple[float, float]:
            return (left + (x - x0) / (x1 - x0) * width, top + height - (y - y0) / (y1 - y0) * height)

        for number, points in enumerate(self.series.values()):
            pen = QPen(SERIES_COLORS[number % len(SERIES_COLORS)])
            pen.setWidthF(1.6)
            painter.setPen(pen)
            previous = None
            for x, y in points:
                if y is None:
                    previous = None
                    continue
                here = at(x, y)
                if previous is not None:
                    painter.drawLine(round(previous[0]), round(previous[1]), round(here[0]), round(here[1]))
                previous = here


def _short(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.2f}" if abs(value) < 10 and value != int(value) else f"{value:.0f}"


def chart_series(comparison: Comparison) -> dict[str, dict[str, list[tuple[float, float | None]]]]:
    """Chart title -> scheduler -> points (day, value), one chart per simulated measure."""
    charts: dict[str, dict[str, list[tuple[float, float | None]]]] = {
        "Reviews per day": {},
        "Minutes per day": {},
        "Retention of the day's reviews": {},
        "Cards known": {},
    }
    for result in comparison.schedulers:
        sim = result.simulation
        if sim is None:
            continue
        charts["Reviews per day"][result.name] = [(d, float(v)) for d, v in enumerate(sim.reviews_per_day)]
        charts["Minutes per day"][result.name] = list(enumerate(sim.minutes_per_day))
        charts["Retention of the day's reviews"][result.name] = list(enumerate(sim.retention_per_day))
        charts["Cards known"][result.name] = list(zip(sim.known_days, sim.known))
    return charts


def table_rows(comparison: Comparison) -> list[tuple[str, list[str], str]]:
    """(measure, one cell per scheduler, winner) for the result table."""
    rows = []
    for key, label, better, getter in MEASURES:
        cells = [format_value(key, getter(r)) for r in comparison.schedulers]
        rows.append(
            (f"{label} ({'lower' if better == 'low' else 'higher'} is better)", cells, comparison.winners.get(key, "—"))
        )
    applied = [r.applied for r in comparison.schedulers]
    for label, show in (
        ("If applied now: cards moved earlier", lambda a: str(a.moved_earlier)),
        ("If applied now: cards moved later", lambda a: str(a.moved_later)),
        ("Due today (now → after)", lambda a: f"{a.due_today[0]} → {a.due_today[1]}"),
        ("Due within 7 days", lambda a: f"{a.due_week[0]} → {a.due_week[1]}"),
        ("Due within 30 days", lambda a: f"{a.due_month[0]} → {a.due_month[1]}"),
    ):
        rows.append((label, [show(a) if a is not None else "—" for a in applied], ""))
    return rows


class CompareDialog(QDialog):
    def __init__(
        self,
        mw: Any,
        schedulers: Sequence[str],
        checked: Sequence[str],
        decks: Sequence[str],
        state: AddonState | None = None,
    ) -> None:
        super().__init__(mw)
        self.mw = mw
        # where loaded plug-ins are cached (the add-on's; a dialog made on its own keeps its own)
        self.state = state or AddonState()
        self.comparison: Comparison | None = None
        self.setObjectName("polarBridgeCompare")
        self.setWindowTitle("Compare schedulers")
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.scheduler_list = QListWidget()
        self.scheduler_list.setObjectName("schedulers")
        self.scheduler_list.setMaximumHeight(110)
        for spec in schedulers:
            item = QListWidgetItem(spec)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if spec in checked else Qt.CheckState.Unchecked)
            self.scheduler_list.addItem(item)
        column = QVBoxLayout()
        column.addWidget(QLabel("Schedulers (two or more):"))
        column.addWidget(self.scheduler_list)
        controls.addLayout(column, 2)
        options = QGridLayout()
        options.addWidget(QLabel("Cards:"), 0, 0)
        self.scope = QComboBox()
        self.scope.addItems([WHOLE_COLLECTION, *decks])
        options.addWidget(self.scope, 0, 1)
        options.addWidget(QLabel("Days to simulate:"), 1, 0)
        self.days = QSpinBox()
        self.days.setRange(7, 3650)
        self.days.setValue(365)
        options.addWidget(self.days, 1, 1)
        options.addWidget(QLabel("Seed:"), 2, 0)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        options.addWidget(self.seed, 2, 1)
        self.run_button = QPushButton("Compare")
        self.run_button.setObjectName("compare")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        options.addWidget(self.run_button, 3, 1)
        controls.addLayout(options, 1)
        layout.addLayout(controls)

        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("results")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(390)
        layout.addWidget(self.table)
        self.reference = QLabel("")
        self.reference.setWordWrap(True)
        layout.addWidget(self.reference)
        self.charts = QGridLayout()
        layout.addLayout(self.charts)
        bottom = QHBoxLayout()
        self.active_choice = QComboBox()
        self.active_choice.setObjectName("activeChoice")
        self.make_active_button = QPushButton("Make it the active scheduler")
        self.make_active_button.setObjectName("makeActive")
        self.make_active_button.setEnabled(False)
        self.make_active_button.clicked.connect(self.make_active)
        bottom.addWidget(QLabel("Use for rescheduling:"))
        bottom.addWidget(self.active_choice, 1)
        bottom.addWidget(self.make_active_button)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self.resize(1100, 560)

    def chosen(self) -> list[str]:
        return [
            self.scheduler_list.item(i).text()
            for i in range(self.scheduler_list.count())
            if self.scheduler_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def set_chosen(self, specs: Sequence[str]) -> None:
        for i in range(self.scheduler_list.count()):
            item = self.scheduler_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in specs else Qt.CheckState.Unchecked)

    # --- running ---

    def start(self) -> None:
        specs = self.chosen()
        if len(specs) < 2:
            tooltip("Choose two or more schedulers to compare.", parent=self)
            return
        from ..scheduler import SchedulerLoadError

        try:
            schedulers = [load_spec(self.state, spec) for spec in specs]
        except SchedulerLoadError as exc:  # a plug-in that does not import: one dialog naming it
            show_failure(exc, ", ".join(specs), self, action="Comparing")
            return
        deck = self.scope.currentText()
        days, seed = self.days.value(), self.seed.value()
        try:
            shaping = current_config().due_shaping
        except ConfigError:
            shaping = False
        bridge = ProgressBridge(self.mw, "Comparing schedulers…")
        self.run_button.setEnabled(False)

        def op(col: Any) -> Comparison:
            from ..compare import compare, deck_card_ids

            card_ids = None if deck == WHOLE_COLLECTION else deck_card_ids(col, [deck])
            return compare(
                col,
                schedulers,
                card_ids,
                days=days,
                seed=seed,
                on_progress=bridge.on_phase_progress,
                should_cancel=bridge.should_cancel,
                shaping=shaping,
            )

        def on_failure(exc: Exception) -> None:
            from ..reschedule import RescheduleCancelled

            self.run_button.setEnabled(True)
            if isinstance(exc, RescheduleCancelled):
                tooltip("Comparison cancelled.", parent=self)
            else:
                show_failure(exc, ", ".join(specs), self, action="Comparing")

        QueryOp(parent=self, op=op, success=self.show_results).failure(on_failure).with_progress(
            "Comparing schedulers…"
        ).run_in_background()
        bridge.add_cancel_button()

    def show_results(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self.run_button.setEnabled(True)
        names = [r.name for r in comparison.schedulers]
        rows = table_rows(comparison)
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(len(names) + 1)
        self.table.setHorizontalHeaderLabels([*names, "Winner"])
        self.table.setVerticalHeaderLabels([row[0] for row in rows])
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (_label, cells, winner) in enumerate(rows):
            for c, text in enumerate([*cells, winner]):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c < len(names) and winner == names[c]:
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.note.setText(MODEL_NOTE.format(days=comparison.days, seed=comparison.seed))
        self.reference.setText(_reference_text(comparison))
        while self.charts.count():
            widget = self.charts.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for number, (title, series) in enumerate(chart_series(comparison).items()):
            self.charts.addWidget(LineChart(title, series, "day", self), number // 2, number % 2)
        self.active_choice.clear()
        self.active_choice.addItems(names)
        self.make_active_button.setEnabled(True)
        self.resize(1100, 1120)
        logger().info("compared %s", ", ".join(names))

    def make_active(self) -> None:
        spec = self.active_choice.currentText()
        if spec:
            set_active_scheduler(spec)
            tooltip(f"'{spec}' is now the active scheduler (Tools > Reschedule… applies it).", parent=self)


def _reference_text(comparison: Comparison) -> str:
    ref = comparison.reference
    lines = [
        (
            f"{comparison.scored_cards} of {comparison.reviewed_cards} reviewed cards scored (cards whose "
            "history has no learning answers since the last reset are not)."
        )
    ]
    if ref is not None and not math.isnan(ref.log_loss):
        lines.append(
            f"FSRS-6 with your presets' parameters: log loss {ref.log_loss:.4f}, RMSE (bins) "
            f"{ref.rmse_bins:.4f}, AUC {ref.auc:.4f} on {ref.predictions} predictions "
            f"(weighted by recency as Anki's Evaluate: log loss {ref.anki_log_loss:.4f}, "
            f"RMSE {ref.anki_rmse_bins:.4f})."
        )
    return " ".join(lines)


def start_compare(state: AddonState, mw: Any) -> CompareDialog:
    """Tools > Compare schedulers…: open the dialog (non-blocking) with the configured scheduler and fsrs ticked."""
    from ..preset_schedulers import available_schedulers

    specs = [choice.spec for choice in available_schedulers(user_files_dir()) if choice.usable]
    try:
        active = current_config().scheduler
    except ConfigError:  # bad settings must not keep the dialog from opening; the user picks by hand
        active = ""
    if active and active not in specs:
        specs.append(active)
    checked = [active, "fsrs"] if active != "fsrs" else ["fsrs", "example"]
    decks = sorted(d.name for d in mw.col.decks.all_names_and_ids(include_filtered=False))
    dialog = CompareDialog(mw, specs, checked, decks, state)
    state.current_compare = dialog
    dialog.finished.connect(lambda _result: _forget(state, dialog))
    dialog.show()
    return dialog


def _forget(state: AddonState, dialog: CompareDialog) -> None:
    if state.current_compare is dialog:
        state.current_compare = None
