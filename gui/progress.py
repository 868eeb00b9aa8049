"""Progress and cancel between a background op (plan_reschedule's callbacks) and Anki's progress window.

The background thread only calls :meth:`on_progress` and :meth:`should_cancel`; every Qt call happens on the main
thread via ``mw.taskman.run_on_main``. Anki's progress window has no button of its own (it cancels on Esc or
closing), so we add a visible "Cancel" button to it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .. import anki_compat

# Updating the progress window for each card would flood the main thread; a few updates a second is enough.
UPDATE_EVERY_SECONDS = 0.1
CANCEL_BUTTON_NAME = "polarBridgeCancel"


class ProgressBridge:
    def __init__(self, mw: Any, label: str) -> None:
        self._mw = mw
        self._label = label
        self._cancelled = threading.Event()
        self._last_update = 0.0

    # --- called on the background thread ---

    def on_progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last_update < UPDATE_EVERY_SECONDS:
            return
        self._last_update = now
        self._mw.taskman.run_on_main(lambda: self._update_on_main(done, total))

    def on_phase_progress(self, phase: str, done: int, total: int) -> None:
        """Progress of a run with several phases (e.g. the comparison): the window names the current phase."""
        if phase != self._label:
            self._label = phase
            self._last_update = 0.0
        self.on_progress(done, total)

    def should_cancel(self) -> bool:
        return self._cancelled.is_set()

    # --- main thread ---

    def cancel(self) -> None:
        self._cancelled.set()

    def _update_on_main(self, done: int, total: int) -> None:
        progress = self._mw.progress
        if progress.want_cancel():
            self._cancelled.set()
        progress.update(label=f"{self._label}\n{done} / {total} cards", value=done, max=max(total, 1))
        self.add_cancel_button()

    def add_cancel_button(self) -> None:
        """Call on the main thread right after starting the op (Anki creates its progress window then); also
        names the op in the window until the first progress update (a CollectionOp's says "Processing...")."""
        window = anki_compat.progress_window(self._mw)
        if window is not None and self._last_update == 0.0 and hasattr(window, "form"):
            window.form.label.setText(self._label)
        self._add_cancel_button(window)

    def _add_cancel_button(self, window: Any) -> None:
        """Give Anki's progress window a Cancel button (once); it does what Esc does there."""
        from aqt.qt import QPushButton, sip

        if window is None or sip.isdeleted(window) or window.findChild(QPushButton, CANCEL_BUTTON_NAME):
            return
        button = QPushButton("Cancel", window)
        button.setObjectName(CANCEL_BUTTON_NAME)

        def on_click() -> None:
            window.wantCancel = True
            self._cancelled.set()
            button.setEnabled(False)
            button.setText("Cancelling…")

        button.clicked.connect(on_click)
        window.layout().addWidget(button)
