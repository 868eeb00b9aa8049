"""The preview shown before Tools > Reschedule writes anything: counts, and cards due per day before vs after."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aqt.qt import (
    QCheckBox,
    QColor,
    QDialog,
    QDialogButtonBox,
    QFont,
    QHBoxLayout,
    QLabel,
    QPainter,
    QPaintEvent,
    QPen,
    QSize,
    QSizePolicy,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
)

from ..due_shaping import spread_offsets
from ..reschedule_ops import cards, count_of

BEFORE_COLOR = QColor(150, 150, 150)
AFTER_COLOR = QColor(52, 120, 246)


def summary_lines(report: Any) -> list[str]:
    """Human-readable counts of a RescheduleReport, the same lines in the preview and the final summary."""
    rescheduled = count_of(report.rescheduled)
    lines = [f"{cards(rescheduled)} {'gets' if rescheduled == 1 else 'get'} a new due date"]
    due_now = count_of(getattr(report, "due_now", 0))
    if due_now:
        lines.append(f"{due_now} of them are due now (their new due time has already passed)")
    exact = count_of(getattr(report, "exact_time", 0))
    if exact:
        lines.append(f"{exact} of them are due at an exact time (intervals up to two days), the rest by day")
    skipped = count_of(getattr(report, "skipped", 0))
    if skipped:
        lines.append(
            f"{cards(skipped)} left as they are (new or never answered, or the scheduler returned None for them)"
        )
    return lines


def scheduler_groups_lines(report: Any, groups: dict[str, list[str]] | None) -> list[str]:
    """Which scheduler each group of cards used: "'fsrs': 120 cards (presets Japanese, Kanji)"."""
    used = getattr(report, "by_scheduler", None) or {}
    lines = []
    for name, count in used.items():
        presets = (groups or {}).get(name)
        where = f" (presets {', '.join(presets)})" if presets else ""
        lines.append(f"'{name}': {cards(count)}{where}")
    return lines


def spread_after(after: Sequence[int], backlog: int, days: int | None) -> list[int]:
    """The "after" forecast with the overdue backlog moved from today onto the next ``days`` days."""
    result = list(after)
    if not days or not backlog or not result:
        return result
    result[0] -= backlog
    for offset in spread_offsets(backlog, days):
        if offset < len(result):
            result[offset] += 1
    return result


def due_totals_line(before: Sequence[int], after: Sequence[int]) -> str:
    """'Due today: 8 → 0 · next 7 days: 8 → 8 · next 30 days: …' (before → after)."""
    parts = [f"today: {before[0] if before else 0} → {after[0] if after else 0}"]
    for days in (7, len(before)):
        if days > 1:
            parts.append(f"next {days} days: {sum(before[:days])} → {sum(after[:days])}")
    return "Cards due " + " · ".join(dict.fromkeys(parts))


class PaintedWidget(QWidget):
    """A widget drawn with QPainter by its ``_paint`` (charts of the preview and the comparison)."""

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        raise NotImplementedError


class DueChart(PaintedWidget):
    """Grouped bars: cards due on each of the next N days, before (grey) and after (blue) rescheduling."""

    def __init__(self, before: Sequence[int], after: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.before = list(before)
        self.after = list(after)
        self.setMinimumSize(QSize(520, 220))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Cards due per day: grey = now, blue = after rescheduling (day 0 = today)")

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        days = max(len(self.before), len(self.after), 1)
        top = max([1, *self.before, *self.after])
        left, right, top_margin, bottom = 44, 8, 22, 24
        width = self.width() - left - right
        height = self.height() - top_margin - bottom
        text_pen = QPen(self.palette().color(self.foregroundRole()))
        painter.setPen(text_pen)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)

        # Legend and y-axis scale.
        painter.fillRect(left, 4, 10, 10, BEFORE_COLOR)
        painter.drawText(left + 14, 14, "before")
        painter.fillRect(left + 70, 4, 10, 10, AFTER_COLOR)
        painter.drawText(left + 84, 14, "after")
        painter.drawText(0, top_margin, left - 6, 14, Qt.AlignmentFlag.AlignRight, str(top))
        painter.drawText(0, top_margin + height - 14, left - 6, 14, Qt.AlignmentFlag.AlignRight, "0")
        painter.drawLine(left, top_margin + height, left + width, top_margin + height)

        slot = width / days
        bar = max(1.0, slot * 0.4)
        for day in range(days):
            x = left + day * slot
            for offset, values, color in ((0.1, self.before, BEFORE_COLOR), (0.5, self.after, AFTER_COLOR)):
                value = values[day] if day < len(values) else 0
                h = round(height * value / top)
                if h:
                    painter.fillRect(round(x + slot * offset), top_margin + height - h, round(bar), h, color)
            if day % 5 == 0:
                painter.drawText(
                    round(x),
                    top_margin + height + 2,
                    round(slot * 5),
                    16,
                    Qt.AlignmentFlag.AlignLeft,
                    f"+{day}d" if day else "today",
                )


class PreviewDialog(QDialog):
    """Shows what a ReschedulePlan would change; Apply calls ``on_apply`` (the dialog does not write)."""

    def __init__(
        self,
        scheduler_name: str,
        report: Any,
        before: Sequence[int],
        after: Sequence[int],
        on_apply: Callable[[int | None], None],
        parent: QWidget | None = None,
        scope: str = "all cards",
        groups: dict[str, list[str]] | None = None,
        backlog: int = 0,
        suggested_spread_days: int = 1,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("polarBridgePreview")
        self.setWindowTitle(f"Reschedule ({scheduler_name}) — preview")
        self._on_apply = on_apply
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>Reschedule {scope} with '{scheduler_name}'</b>")
        layout.addWidget(heading)
        self.summary = QLabel("<br>".join(summary_lines(report)))
        self.summary.setObjectName("summary")
        layout.addWidget(self.summary)
        self.groups = QLabel("Schedulers used: " + "; ".join(scheduler_groups_lines(report, groups)))
        self.groups.setObjectName("groups")
        self.groups.setWordWrap(True)
        self.groups.setVisible(bool(scheduler_groups_lines(report, groups)))
        layout.addWidget(self.groups)
        self._before, self._after, self._backlog = list(before), list(after), backlog
        self.totals = QLabel(due_totals_line(before, after))
        self.totals.setObjectName("totals")
        layout.addWidget(self.totals)
        layout.addWidget(QLabel(f"Cards due per day for the next {max(len(before), len(after))} days:"))
        self.chart = DueChart(before, after, self)
        layout.addWidget(self.chart)
        # An overdue backlog (cards whose new day has already passed land on today) may be spread out.
        row = QHBoxLayout()
        self.spread_check = QCheckBox(f"Spread the {cards(backlog)} that would be overdue over the next")
        self.spread_check.setObjectName("spread")
        self.spread_days = QSpinBox()
        self.spread_days.setObjectName("spreadDays")
        self.spread_days.setRange(1, 365)
        self.spread_days.setValue(max(1, suggested_spread_days))
        self.spread_days.setSuffix(" days")
        self.spread_days.setToolTip(
            "Oldest-overdue cards first; the default keeps each day within your review "
            "limit. Written in the same undo step."
        )
        row.addWidget(self.spread_check)
        row.addWidget(self.spread_days)
        row.addStretch()
        layout.addLayout(row)
        for widget in (self.spread_check, self.spread_days):
            widget.setVisible(backlog > 0)
        self.spread_check.toggled.connect(self._update_forecast)
        self.spread_days.valueChanged.connect(self._update_forecast)
        layout.addWidget(QLabel("Nothing is written until you press Apply; Edit > Undo takes it back."))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel)
        apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        assert apply_button is not None
        apply_button.setDefault(True)
        apply_button.setEnabled(count_of(report.rescheduled) > 0)
        apply_button.clicked.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def apply_button(self) -> Any:
        return self.buttons.button(QDialogButtonBox.StandardButton.Apply)

    def cancel_button(self) -> Any:
        return self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    def chosen_spread_days(self) -> int | None:
        """Days to spread the overdue backlog over, or None to leave it due today."""
        if self._backlog and self.spread_check.isChecked():
            return self.spread_days.value()
        return None

    def _update_forecast(self, *_args: Any) -> None:
        after = spread_after(self._after, self._backlog, self.chosen_spread_days())
        self.totals.setText(due_totals_line(self._before, after))
        self.chart.after = after
        self.chart.update()

    def _apply(self) -> None:
        self.accept()
        self._on_apply(self.chosen_spread_days())
