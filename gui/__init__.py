"""GUI glue for rescheduling: Tools menu actions, Browser actions, review and sync hooks, dialogs.

Nothing happens at import time; the add-on's ``__init__.setup()`` calls :func:`setup` inside a running Anki.
"""

from __future__ import annotations

from typing import Any

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

# The QActions, so the Tools menu can enable them and test scripts can trigger them.
actions: dict[str, Any] = {}


def setup() -> None:
    import aqt
    from aqt import gui_hooks

    from . import browser_glue, review, server_glue, sync_glue, test_hook

    mw = aqt.mw
    server_glue.setup()
    _add_tools_menu(mw)
    gui_hooks.browser_menus_did_init.append(browser_glue.on_browser_menus_did_init)
    gui_hooks.browser_will_show_context_menu.append(browser_glue.on_browser_will_show_context_menu)
    gui_hooks.reviewer_did_answer_card.append(review.on_reviewer_did_answer_card)
    gui_hooks.reviewer_will_init_answer_buttons.append(review.on_will_init_answer_buttons)
    gui_hooks.webview_will_set_content.append(review.on_webview_will_set_content)
    gui_hooks.sync_will_start.append(sync_glue.on_sync_will_start)
    gui_hooks.sync_did_finish.append(sync_glue.on_sync_did_finish)
    test_hook.install_if_requested()


def _add_tools_menu(mw: Any) -> None:
    from aqt.qt import QAction

    from . import compare, ops, settings_dialog
    from .settings import ADDON_MODULE

    menu = mw.form.menuTools
    menu.addSeparator()
    for text, handler in (
        (MENU_RESCHEDULE, lambda: ops.start_reschedule(mw)),
        (MENU_RESTORE, lambda: ops.start_restore(mw)),
        (MENU_TRAIN, lambda: ops.start_training(mw)),
        (MENU_COMPARE, lambda: compare.start_compare(mw)),
        (MENU_SETTINGS, lambda: settings_dialog.open_settings(mw)),
    ):
        action = QAction(text, mw)
        action.setObjectName(ACTION_NAMES[text])
        action.triggered.connect(handler)
        menu.addAction(action)
        actions[text] = action
    menu.aboutToShow.connect(lambda: update_menu_state(mw))
    # Tools > Add-ons > Config opens the dialog instead of the raw JSON editor
    mw.addonManager.setConfigAction(ADDON_MODULE, lambda: settings_dialog.open_settings(mw))


def update_menu_state(mw: Any) -> None:
    """Enable Restore only when there is something saved, Train only when the plug-in can train."""
    from . import ops

    if mw.col is None:
        return
    try:
        actions[MENU_RESTORE].setEnabled(ops.has_saved_schedule())
    except Exception:  # the engine's check failing must not break the Tools menu; the action explains itself
        actions[MENU_RESTORE].setEnabled(True)
    actions[MENU_TRAIN].setEnabled(ops.scheduler_can_train())
