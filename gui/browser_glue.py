"""Browser: "Reschedule selected cards" in the card list's context menu and in the Cards menu."""

from __future__ import annotations

from typing import Any

from aqt.qt import QAction, QMenu

from ..reschedule_ops import cards
from .ops import start_reschedule
from .state import AddonState

ACTION_TEXT = "Reschedule selected cards…"
ACTION_NAME = "polarBridgeRescheduleSelected"


def reschedule_selection(state: AddonState, browser: Any) -> None:
    # Read on the main thread, before the background op; in notes mode these are the selected notes' cards.
    card_ids = list(browser.selected_cards())
    if not card_ids:
        from aqt.utils import tooltip

        tooltip("Select the cards to reschedule first.", parent=browser)
        return
    start_reschedule(state, browser, card_ids, scope=f"{cards(len(card_ids))} (selected)")


def _make_action(state: AddonState, browser: Any, parent: Any) -> QAction:
    action = QAction(ACTION_TEXT, parent)
    action.setObjectName(ACTION_NAME)
    action.triggered.connect(lambda: reschedule_selection(state, browser))
    return action


def on_browser_menus_did_init(state: AddonState, browser: Any) -> None:
    menu = browser.form.menu_Cards
    menu.addSeparator()
    menu.addAction(_make_action(state, browser, menu))


def on_browser_will_show_context_menu(state: AddonState, browser: Any, menu: QMenu) -> None:
    menu.addSeparator()
    menu.addAction(_make_action(state, browser, menu))
