"""GUI glue: Tools menu actions, Browser actions, review and sync hooks, dialogs, and the Connect server's glue.

Nothing happens at import time; the add-on's ``__init__.setup()`` calls :func:`setup` inside a running Anki,
which creates the one :class:`~.state.AddonState` and connects every hook with it bound.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .state import AddonState

MENU_RESCHEDULE = "Reschedule…"
MENU_RESTORE = "Restore original schedule…"
MENU_TRAIN = "Train scheduler…"
MENU_COMPARE = "Compare schedulers…"
MENU_SETTINGS = "Polar Bridge settings…"
ACTION_NAMES = {
    MENU_RESCHEDULE: "polarBridgeReschedule",
    MENU_RESTORE: "polarBridgeRestore",
    MENU_TRAIN: "polarBridgeTrain",
    MENU_COMPARE: "polarBridgeCompare",
    MENU_SETTINGS: "polarBridgeSettings",
}


def setup() -> AddonState:
    """Connect the add-on to Anki's main window; returns the add-on's state (one per Anki process)."""
    import aqt
    from aqt import gui_hooks

    from . import browser_glue, review, server_glue, sync_glue

    state = AddonState()
    mw = aqt.mw
    server_glue.setup(state)
    _add_tools_menu(mw, state)
    gui_hooks.browser_menus_did_init.append(partial(browser_glue.on_browser_menus_did_init, state))
    gui_hooks.browser_will_show_context_menu.append(partial(browser_glue.on_browser_will_show_context_menu, state))
    gui_hooks.reviewer_did_answer_card.append(partial(review.on_reviewer_did_answer_card, state))
    gui_hooks.reviewer_will_init_answer_buttons.append(partial(review.on_will_init_answer_buttons, state))
    gui_hooks.webview_will_set_content.append(review.on_webview_will_set_content)
    gui_hooks.sync_will_start.append(partial(sync_glue.on_sync_will_start, state))
    gui_hooks.sync_did_finish.append(partial(sync_glue.on_sync_did_finish, state))
    return state


def _add_tools_menu(mw: Any, state: AddonState) -> None:
    from aqt.qt import QAction

    from . import compare, ops, settings_dialog
    from .settings import ADDON_MODULE

    menu = mw.form.menuTools
    menu.addSeparator()
    for text, handler in (
        (MENU_RESCHEDULE, lambda: ops.start_reschedule(state, mw)),
        (MENU_RESTORE, lambda: ops.start_restore(mw)),
        (MENU_TRAIN, lambda: ops.start_training(state, mw)),
        (MENU_COMPARE, lambda: compare.start_compare(state, mw)),
        (MENU_SETTINGS, lambda: settings_dialog.open_settings(state, mw)),
    ):
        action = QAction(text, mw)
        action.setObjectName(ACTION_NAMES[text])
        action.triggered.connect(handler)
        menu.addAction(action)
        state.menu_actions[text] = action
    menu.aboutToShow.connect(lambda: update_menu_state(mw, state))
    # Tools > Add-ons > Config opens the dialog instead of the raw JSON editor
    mw.addonManager.setConfigAction(ADDON_MODULE, lambda: settings_dialog.open_settings(state, mw))


def update_menu_state(mw: Any, state: AddonState) -> None:
    """Enable Restore only when there is something saved, Train only when the plug-in can train."""
    from . import ops

    if mw.col is None:
        return
    actions = state.menu_actions
    try:
        actions[MENU_RESTORE].setEnabled(ops.has_saved_schedule())
    except Exception:  # the engine's check failing must not break the Tools menu; the action explains itself
        actions[MENU_RESTORE].setEnabled(True)
    actions[MENU_TRAIN].setEnabled(ops.scheduler_can_train(state))
