"""GUI glue for rescheduling: menus, Browser actions, review/sync hooks, dialogs (owned by the GUI work)."""

from __future__ import annotations


def setup() -> None:
    pass
