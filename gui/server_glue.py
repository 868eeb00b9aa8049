"""GUI glue for the Connect server: starts it when the first profile opens and keeps it until Anki quits.

While no profile is open (profile manager, a profile switch) the server keeps answering: the profile actions run,
collection actions reply "collection is not available", and the next profile is served from its first request.

The only code of the server that touches ``mw``: it reads the config, hands the server Anki's main-thread queue
(``mw.taskman.run_on_main``), the open collection and its media folder, ends each burst of writes as Anki ends its
own operations, and tells the user, without blocking Anki, when the server cannot start.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .. import anki_compat
from ..actions.notes import EXTRA_PROFILE
from ..config import ConfigError
from .settings import current_config, logger
from .state import AddonState

# What a burst of server writes may have touched (the actions write through the collection, not CollectionOp).
_SERVER_CHANGES = dict(
    card=True,
    note=True,
    deck=True,
    tag=True,
    notetype=True,
    mtime=True,
    browser_table=True,
    browser_sidebar=True,
    note_text=True,
    study_queues=True,
)


def setup(state: AddonState) -> None:
    """Register the hooks (called once when Anki loads the add-on)."""
    from aqt import gui_hooks, mw

    from . import gui_actions  # noqa: F401  (declares the GUI and profile actions in the registry)

    gui_hooks.profile_did_open.append(partial(on_profile_did_open, state))
    gui_hooks.profile_will_close.append(partial(on_profile_will_close, state))
    # The port is released only when Anki quits.
    mw.app.aboutToQuit.connect(partial(stop_server, state))


def on_profile_did_open(state: AddonState) -> None:
    from aqt import mw

    if state.server is not None:
        state.server.media_dir = mw.col.media.dir() if mw.col is not None else None
        state.server.collection_did_open()
        return
    start_server(state)


def on_profile_will_close(state: AddonState) -> None:
    # Requests queued now run after the collection closed and get "collection is not available"; a read running
    # on a server thread finishes first (and later ones are refused until the next profile opens).
    if state.server is not None:
        state.server.media_dir = None
        state.server.collection_will_close()


def start_server(state: AddonState) -> None:
    from aqt import mw

    from ..connect_server import ConnectServer, ServerStartError

    stop_server(state)
    log = logger()
    try:
        config = current_config()
    except ConfigError as exc:
        message = f"Polar Bridge: the server was not started because of a config error: {exc}."
        log.error(message)
        _tell_user(state, message)
        return
    server = ConnectServer(
        config,
        post_to_main=mw.taskman.run_on_main,
        get_collection=lambda: mw.col,
        extras={"sync": _start_sync, EXTRA_PROFILE: lambda: mw.pm.name},
        logger=log,
        after_writes=_refresh_after_writes,
        call_later=_call_later,
        media_dir=mw.col.media.dir() if mw.col is not None else None,
        anki_page_ports=partial(_anki_page_ports, mw),
    )
    try:
        server.start()
    except ServerStartError as exc:
        log.error("%s", exc)
        _tell_user(state, str(exc))
        return
    state.server = server


def _anki_page_ports(mw: Any) -> list[int]:
    """The port of Anki's own media server, read on every check so a restarted one is still recognised: the
    reviewer, previews and editor load card templates (and their scripts) from it."""
    port = anki_compat.media_server_port(mw)
    return [port] if port is not None else []


def stop_server(state: AddonState) -> None:
    """Stop serving; requests still waiting for the main thread get an error (runs on the main thread)."""
    server, state.server = state.server, None
    if server is not None:
        server.stop()


def _refresh_after_writes() -> None:
    """End a burst of writing actions as Anki ends its own operations: Undo menu, screens.

    Actions write through the collection directly (one undo step each), not through Anki's CollectionOp, so Anki
    does not know the collection changed; aqt's ``on_op_finished`` (what every CollectionOp runs) updates the Undo
    menu and fires ``operation_did_execute``. The server calls this once a burst of writes has ended (a sync of 300
    cards: once, ``REFRESH_QUIET_S`` after its last request): redrawing Anki's screens mid-sync would take the main
    thread from the requests still coming.
    """
    from anki.collection import OpChanges
    from aqt import mw
    from aqt.operations import on_op_finished

    if mw.col is None:
        return
    on_op_finished(mw, OpChanges(**_SERVER_CHANGES), None)
    logger().info("refreshed Anki's screens and Undo menu after changes made through the server")


def _call_later(seconds: float, fn: Any) -> None:
    from aqt import mw

    mw.progress.single_shot(max(1, round(seconds * 1000)), fn, requires_collection=False)


def _start_sync() -> None:
    from aqt import mw

    from ..actions import ActionError

    if not mw.pm.sync_auth():
        raise ActionError("sync: auth not configured (log in to AnkiWeb in Anki first)")
    mw.on_sync_button_clicked()


def _tell_user(state: AddonState, message: str) -> None:
    """Show ``message`` in a non-modal warning box once the main window is idle; Anki keeps running."""
    from aqt import mw
    from aqt.qt import QMessageBox

    def show() -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Polar Bridge", message, QMessageBox.StandardButton.Ok, mw)
        box.setModal(False)
        box.silentlyClose = True  # type: ignore[attr-defined] # Anki may close it at profile close without complaining
        box.finished.connect(lambda _result: state.messages.remove(box) if box in state.messages else None)
        state.messages.append(box)
        box.show()

    mw.progress.single_shot(0, show, requires_collection=False)
