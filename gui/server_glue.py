"""GUI glue for the Connect server: starts it when a profile opens, stops it before the collection closes.

The only module of the server that touches ``mw``: it reads the config through the add-on manager, hands the
server Anki's main-thread queue (``mw.taskman.run_on_main``) and the open collection, and tells the user, without
blocking Anki, when the server cannot start.
"""

from __future__ import annotations

import logging
from typing import Any

from ..config import ConfigError, load_config

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

    from ..connect_server import ConnectServer, ServerStartError

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
        after_writes=_refresh_after_writes,
        media_dir=mw.col.media.dir() if mw.col is not None else None,
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


_refresh_scheduled = False
# What a burst of server writes may have touched (the actions write through the collection, not CollectionOp).
_SERVER_CHANGES = dict(card=True, note=True, deck=True, tag=True, notetype=True, mtime=True, browser_table=True,
                       browser_sidebar=True, note_text=True, study_queues=True)


def _refresh_after_writes() -> None:
    """After a burst of writing actions, end them as Anki ends its own operations, once: Undo menu, screens.

    Actions write through the collection directly (one undo step each), not through Anki's CollectionOp, so Anki
    does not know the collection changed; aqt's ``on_op_finished`` (what every CollectionOp runs) updates the Undo
    menu and fires ``operation_did_execute``. A sync of 200 cards makes one refresh 0.3 s after the last request.
    """
    global _refresh_scheduled
    from aqt import mw

    if _refresh_scheduled:
        return
    _refresh_scheduled = True

    def refresh() -> None:
        global _refresh_scheduled
        from anki.collection import OpChanges
        from aqt.operations import on_op_finished

        _refresh_scheduled = False
        if mw.col is None:
            return
        on_op_finished(mw, OpChanges(**_SERVER_CHANGES), None)
        _logger().info("refreshed Anki's screens and Undo menu after changes made through the server")

    mw.progress.single_shot(300, refresh)


def _start_sync() -> None:
    from aqt import mw

    from ..actions import ActionError

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
