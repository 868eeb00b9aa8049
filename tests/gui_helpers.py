"""Helpers for the GUI tests: real collections with review history, a loopback Anki sync server, and scripts
that drive a real Anki through the tests' driver add-on (tests/driver_addon, POLAR_BRIDGE_TEST_SCRIPT)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anki.collection import Collection
from anki.scheduler_pb2 import CardAnswer

RATINGS = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}


def add_cards(col: Collection, count: int, deck: str = "Default") -> list[int]:
    """Add `count` Basic notes; return their card ids in creation order."""
    notetype = col.models.by_name("Basic")
    deck_id = col.decks.id(deck)
    card_ids = []
    for i in range(count):
        note = col.new_note(notetype)
        note["Front"] = f"front {i}"
        note["Back"] = f"back {i}"
        col.add_note(note, deck_id)
        card_ids.extend(note.card_ids())
    return card_ids


def answer(col: Collection, card_ids: list[int], ease: int = 3) -> None:
    """Answer cards now with Anki's own scheduler (as 'Grade now' does): writes revlog rows and new states."""
    col._backend.grade_now(card_ids=card_ids, rating=RATINGS[ease])


def card_state(col: Collection, card_id: int) -> tuple[int, int, int, int]:
    """(type, queue, due, ivl) of a card, straight from the database."""
    return tuple(col.db.first("select type, queue, due, ivl from cards where id = ?", card_id))


def write_plugin(user_files: Path, module: str, source: str) -> str:
    """Write a user scheduler plug-in file; returns nothing useful but the module name for the `scheduler` spec."""
    user_files.mkdir(parents=True, exist_ok=True)
    (user_files / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sync_server(base: Path, user: str = "user", password: str = "pass") -> Iterator[str]:
    """Anki's own sync server on loopback (``python -m anki.syncserver``); yields its endpoint URL."""
    port = free_port()
    env = dict(
        os.environ, SYNC_USER1=f"{user}:{password}", SYNC_BASE=str(base), SYNC_PORT=str(port), SYNC_HOST="127.0.0.1"
    )
    base.mkdir(parents=True, exist_ok=True)
    log = open(base / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "anki.syncserver"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("sync server did not start:\n" + (base / "server.log").read_text()) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def sync(col: Collection, auth, *, upload_if_full: bool) -> None:
    """One sync as Anki's Sync button does it; a required full sync uploads or downloads as told."""
    out = col.sync_collection(auth, False)
    if out.required in (out.NO_CHANGES, out.NORMAL_SYNC):
        return
    col.close_for_full_sync()
    col.full_upload_or_download(auth=auth, server_usn=None, upload=upload_if_full)
    col.reopen(after_full_sync=True)


# --- driving a real Anki through the test-script hook ---

# Prepended to every test script. Runs inside Anki on the main thread; `mw` and `addon` are given.
SCRIPT_PRELUDE = r'''
import json, time, traceback
from aqt.qt import QApplication, QMessageBox, QDialog

RESULT_PATH = __file__ + ".result.json"
results = {}

def pump(seconds=0.05):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)

def wait_until(condition, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QApplication.processEvents()
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(f"timed out waiting for {what}")

def call_server(action, **params):
    """One request to the add-on's server from another thread (as a client would), while this main thread keeps
    Anki running; the reply."""
    import threading, urllib.request
    box = []
    def post():
        body = json.dumps({"action": action, "version": 6, "params": params}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{addon.state.server.port}", data=body)
        box.append(json.loads(urllib.request.urlopen(request, timeout=60).read()))
    threading.Thread(target=post).start()
    wait_until(lambda: box, what=f"the reply to {action}")
    return box[0]

def idle():
    """No background op running and no progress window."""
    return not mw.progress.busy() and not mw._background_op_count

def message_boxes():
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]

def click_message_box(button_text=None):
    box = wait_until(lambda: message_boxes(), what="a message box")[0]
    text = box.text()
    for button in box.buttons():
        if button_text is None or button.text().replace("&", "") == button_text:
            button.click()
            return text
    raise AssertionError(f"no button {button_text!r} in {[b.text() for b in box.buttons()]}")

def undo_text():
    """Edit > Undo's text, without the Unicode isolation marks Anki puts around the step name."""
    return mw.form.actionUndo.text().replace("\u2068", "").replace("\u2069", "")

def card_rows(card_ids=None):
    query = "select id, type, queue, due, ivl from cards"
    rows = mw.col.db.all(query + " order by id")
    return {str(r[0]): r[1:] for r in rows if card_ids is None or r[0] in card_ids}

def install_plugins():
    """Plug-in files the test asked for go into user_files (the add-on folder is replaced at install)."""
    user_files = addon.gui.settings.user_files_dir()
    for name, source in PLUGINS.items():
        (user_files / (name + ".py")).write_text(source, encoding="utf-8")

install_plugins()

def finish():
    with open(RESULT_PATH, "w") as f:
        json.dump(results, f)
    mw.progress.single_shot(200, mw.close, False)
'''


def script_text(body: str, plugins: dict[str, str] | None = None, variables: dict | None = None) -> str:
    """The script file: given variables and plug-in sources as literals, the prelude, then the test's body."""
    plugins = {name: textwrap.dedent(source) for name, source in (plugins or {}).items()}
    header = "".join(f"{name} = {value!r}\n" for name, value in (variables or {}).items())
    return header + f"PLUGINS = {plugins!r}\n" + SCRIPT_PRELUDE + "\n" + textwrap.dedent(body) + "\n"


def run_script_in_anki(
    start_anki,
    tmp_path: Path,
    body: str,
    config: dict | None = None,
    prepare=None,
    plugins: dict[str, str] | None = None,
    variables: dict | None = None,
    timeout: float = 180,
) -> tuple[dict, object]:
    """Start real Anki with the add-on, run `body` (see SCRIPT_PRELUDE) after profile open, wait until Anki exits.

    `prepare(col)` may fill the collection before Anki starts; `plugins` {module: source} go to user_files;
    `variables` {name: literal} are defined at the top of the script.
    Returns (results written by the script, the RunningAnki).
    """
    import anki_env

    base = tmp_path / "anki"
    anki_env.create_profile(base, "dev", "en_US")
    script = tmp_path / "script.py"
    script.write_text(script_text(body, plugins, variables), encoding="utf-8")
    if prepare is not None:
        col_path = anki_env.collection_path(base)
        col_path.parent.mkdir(parents=True, exist_ok=True)  # Anki makes the profile folder at first open
        col = Collection(str(col_path))
        try:
            prepare(col)
        finally:
            col.close()
    anki_env.install_test_driver(base)
    running = start_anki(config=config, base=base, wait_port=False, extra_env={"POLAR_BRIDGE_TEST_SCRIPT": str(script)})
    try:
        running.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        running.stop()
        raise AssertionError("Anki did not finish the test script in time\n--- log ---\n" + running.log()) from None
    if running.proc.returncode != 0:  # a crash (negative: the signal) rather than the script's own mw.close
        raise AssertionError(
            f"Anki exited with code {running.proc.returncode} before the script finished\n--- log ---\n{running.log()}"
        )
    error = script.with_name(script.name + ".error.txt")
    if error.exists():
        raise AssertionError(f"test script failed:\n{error.read_text()}\n--- Anki log ---\n{running.log()}")
    result_path = Path(str(script) + ".result.json")
    if not result_path.exists():
        raise AssertionError("test script wrote no results\n--- Anki log ---\n" + running.log())
    return json.loads(result_path.read_text()), running
