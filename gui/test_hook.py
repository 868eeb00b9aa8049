"""Development feature: run a Python test script inside a real Anki, ONLY when POLAR_BRIDGE_TEST_SCRIPT is set.

End-to-end tests start Anki with ``POLAR_BRIDGE_TEST_SCRIPT=/path/script.py``. After the profile opens, the
add-on executes that file once on the main thread with ``mw`` and ``addon`` (this package) in its namespace; the
script triggers menu actions, presses dialog buttons, writes what it saw to a file and closes Anki. If the script
raises, the traceback goes to ``<script>.error.txt`` and Anki is closed. Without the variable nothing happens.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import aqt
from aqt import gui_hooks

ENV_VAR = "POLAR_BRIDGE_TEST_SCRIPT"
_started = False


def install_if_requested() -> None:
    if os.environ.get(ENV_VAR):
        gui_hooks.profile_did_open.append(_on_profile_did_open)


def _on_profile_did_open() -> None:
    global _started
    if _started:  # once per process, even if the profile is reopened
        return
    _started = True
    aqt.mw.progress.single_shot(500, _run_script, False)


def _run_script() -> None:
    path = Path(os.environ[ENV_VAR])
    package = sys.modules[__name__.rsplit(".", 2)[0]]
    namespace = {"__name__": "__polar_bridge_test__", "__file__": str(path), "mw": aqt.mw, "addon": package}
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except BaseException:  # noqa: BLE001 - report everything to the test, then let Anki close
        path.with_name(path.name + ".error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        aqt.mw.progress.single_shot(100, aqt.mw.close, False)
