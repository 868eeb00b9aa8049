"""GUI glue for the Connect server: starts it when a profile opens, stops it before the collection closes.

The only module of the server that touches ``mw``: it reads the config through the add-on manager, hands the
server Anki's main-thread queue (``mw.taskman.run_on_main``) and the open collection, and tells the user, without
blocking Anki, when the server cannot start.
"""

from __future__ import annotations

import logging
from typing import Any

from .config import ConfigError, load_config

_ADDON_MODULE = __name__.split(".", 1)[0]  # the installed folder name (may be an AnkiWeb number)

_server: Any = None  # ConnectServer while a profile is open
_messages: list[Any] = []  # non-modal warning boxes, kept alive until closed


def _logger() -> logging.Logger:
    from aqt import mw

    return mw.addonManager.get_logger(__name__)


def setup() -> None:
    """Register the hooks (called once when Anki loads the add-on)."""
    from aqt import gui_hooks, mw

    gui_hooks.profile_did_open.append(start_server)
    gui_hooks.profile_will_close.append(stop_server)
    # Belt and braces: if Anki quits without closing the profile, still release the port.
    mw.app.aboutToQuit.connect(stop_server)


def start_server() -> None:
    global _server
    from aqt import mw

    from .connect_server import ConnectServer, ServerStartError

    stop_server()
    log = _logger()
    try:
        config = load_config(mw.addonManager.getConfig(_ADDON_MODULE))
    except ConfigError as exc:
        message = f"Polar Bridge: the server was not started because of a config error: {exc}."
        log.error(message)
        _tell_user(message)
        return
    server = ConnectServer(
        config,
        post_to_main=mw.taskman.run_on_main,
        get_collection=lambda: mw.col,
        extras={"sync": _start_sync},
        logger=log,
        after_actions=_refresh_after,
    )
    try:
        server.start()
    except ServerStartError as exc:
        log.error("%s", exc)
        _tell_user(str(exc))
        return
    _server = server


def stop_server() -> None:
    """Stop serving; requests still waiting for the main thread get an error (runs on the main thread)."""
    global _server
    server, _server = _server, None
    if server is not None:
        server.stop()


def current_server() -> Any:
    """The running ConnectServer or None (for the GUI and tests)."""
    return _server


# Actions that never change the collection; any other successful action refreshes Anki's screens.
READ_ONLY_ACTIONS = frozenset({
    "version", "requestPermission", "sync", "deckNames", "deckNamesAndIds", "modelNames", "modelNamesAndIds",
    "modelFieldNames", "findNotes", "findCards", "notesInfo", "cardsInfo", "canAddNotes",
    "canAddNotesWithErrorDetail", "retrieveMediaFile", "getMediaFilesNames", "getMediaDirPath",
})
_refresh_scheduled = False


def _refresh_after(action_names: list[str]) -> None:
    """After changes, tell Anki's screens (deck list, overview, reviewer queue, browser) once per burst.

    Actions write through the collection directly, not through Anki's CollectionOp, so Anki doesn't know the
    collection changed; a sync of 200 cards makes one refresh 0.3 s after the last request, not 200.
    """
    global _refresh_scheduled
    from aqt import mw

    if _refresh_scheduled or all(name in READ_ONLY_ACTIONS for name in action_names):
        return
    _refresh_scheduled = True

    def refresh() -> None:
        global _refresh_scheduled
        from anki.collection import OpChanges
        from aqt import gui_hooks

        _refresh_scheduled = False
        if mw.col is None:
            return
        changes = OpChanges(card=True, note=True, deck=True, tag=True, notetype=True, mtime=True,
                            browser_table=True, browser_sidebar=True, note_text=True, study_queues=True)
        gui_hooks.operation_did_execute(changes, None)
        _logger().info("refreshed Anki's screens after changes made through the server")

    mw.progress.single_shot(300, refresh)


def _start_sync() -> None:
    from aqt import mw

    from .actions import ActionError

    if not mw.pm.sync_auth():
        raise ActionError("sync: auth not configured (log in to AnkiWeb in Anki first)")
    mw.on_sync_button_clicked()


def _tell_user(message: str) -> None:
    """Show ``message`` in a non-modal warning box once the main window is idle; Anki keeps running."""
    from aqt import mw
    from aqt.qt import QMessageBox

    def show() -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Polar Bridge", message, QMessageBox.StandardButton.Ok, mw)
        box.setModal(False)
        box.silentlyClose = True  # Anki may close it at profile close without complaining
        box.finished.connect(lambda _result: _messages.remove(box) if box in _messages else None)
        _messages.append(box)
        box.show()

    mw.progress.single_shot(0, show, requires_collection=False)
