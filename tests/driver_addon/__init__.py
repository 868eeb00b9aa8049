"""Test driver: a separate Anki add-on that ONLY the tests install (never part of the product package).

End-to-end tests start Anki with ``POLAR_BRIDGE_TEST_SCRIPT=/path/script.py``. After the profile opens, this
add-on executes that file once on the main thread with ``mw``, ``addon`` (the product package, named by
``POLAR_BRIDGE_PACKAGE``, default ``polar_bridge``) and ``state`` (its running state) in the namespace; the script
triggers menu actions, presses dialog buttons, writes what it saw to a file and closes Anki. If the script
raises, the traceback goes to ``<script>.error.txt`` and Anki is closed.
"""

from __future__ import annotations

import importlib
import os
import traceback
from pathlib import Path

import aqt
from aqt import gui_hooks

ENV_SCRIPT = "POLAR_BRIDGE_TEST_SCRIPT"
ENV_PACKAGE = "POLAR_BRIDGE_PACKAGE"


class _Once:
    started = False


def _on_profile_did_open() -> None:
    if _Once.started:  # once per process, even if the profile is reopened
        return
    _Once.started = True
    aqt.mw.progress.single_shot(500, _run_script, False)


def _run_script() -> None:
    path = Path(os.environ[ENV_SCRIPT])
    package = importlib.import_module(os.environ.get(ENV_PACKAGE, "polar_bridge"))
    namespace = {
        "__name__": "__polar_bridge_test__",
        "__file__": str(path),
        "mw": aqt.mw,
        "addon": package,
        "state": getattr(package, "state", None),
    }
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except BaseException:  # report everything to the test, then let Anki close
        path.with_name(path.name + ".error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        aqt.mw.progress.single_shot(100, aqt.mw.close, False)


if os.environ.get(ENV_SCRIPT):
    gui_hooks.profile_did_open.append(_on_profile_did_open)
