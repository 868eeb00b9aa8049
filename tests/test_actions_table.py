"""The docs' table of every AnkiConnect action is generated from the registry and complete."""

from __future__ import annotations

import actions_table

import polar_bridge.gui.gui_actions  # noqa: F401  (declares the GUI and profile actions)
from polar_bridge.actions import all_specs


def test_docs_table_matches_the_registry():
    current = actions_table.DOC.read_text(encoding="utf-8")
    assert current == actions_table.render(current), "docs/actions.md is out of date: run tools/actions_table.py"


def test_every_ankiconnect_action_is_declared_once():
    names = [name for group in actions_table.ANKICONNECT_ACTIONS.values() for name in group]
    assert len(names) == len(set(names)) == 122
    declared = {spec.name for spec in all_specs()} | set(actions_table.PROTOCOL_ACTIONS)
    missing = sorted(set(names) - declared)
    # Landing in steps: the GUI and profile actions come next (gui/gui_actions.py).
    later = set(actions_table.ANKICONNECT_ACTIONS["gui"]) | {
        "getProfiles",
        "getActiveProfile",
        "loadProfile",
        "reloadCollection",
    }
    assert set(missing) <= later, f"not implemented: {missing}"
    # Nothing declared that the table would not show (a typo'd name would be a silent extra action).
    assert declared <= set(names)
