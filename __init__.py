"""Polar Bridge & Pluggable Scheduler — an Anki add-on.

This file only wires hooks and menus. Importing it outside a running Anki (tests, tools) does nothing.
"""

from __future__ import annotations

from typing import Any

# The add-on's state inside a running Anki (gui.state.AddonState), created by setup(); None elsewhere.
state: Any = None


def setup() -> Any:
    """Connect the add-on to Anki's main window: the Connect server and the rescheduling GUI."""
    from . import gui

    return gui.setup()


def _running_inside_anki() -> bool:
    try:
        from aqt import mw
    except ImportError:
        return False
    return mw is not None


if _running_inside_anki():
    state = setup()
