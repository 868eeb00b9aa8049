"""Server writes in a real Anki end like Anki's own operations: the Undo menu names the write (once per burst)."""

from __future__ import annotations

import pytest
from gui_helpers import run_script_in_anki

pytestmark = pytest.mark.e2e

ADD_NOTES_OVER_HTTP = r'''
import threading, urllib.request
port = addon.state.server.port
results["undo_before"] = undo_text()
replies = []
refreshes = []
from aqt import gui_hooks
gui_hooks.operation_did_execute.append(lambda changes, handler: refreshes.append(1))

def post(front):
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": front, "Back": "a"}}
    body = json.dumps({"action": "addNote", "version": 6, "params": {"note": note}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}", data=body)
    replies.append(json.loads(urllib.request.urlopen(request, timeout=30).read()))

def burst():
    for i in range(3):
        post(f"question {i}")

threading.Thread(target=burst).start()
wait_until(lambda: len(replies) == 3, what="three replies")
results["replies"] = replies
wait_until(lambda: undo_text() != results["undo_before"], timeout=10, what="the Undo menu to name the write")
results["undo_after"] = undo_text()
results["undo_enabled"] = mw.form.actionUndo.isEnabled()
results["backend_undo"] = mw.col.undo_status().undo
pump(1.0)  # a second refresh, if there were one, would have come by now
results["refreshes"] = len(refreshes)
finish()
'''


def test_server_writes_update_the_undo_menu(start_anki, tmp_path):
    results, _ = run_script_in_anki(start_anki, tmp_path, ADD_NOTES_OVER_HTTP)
    assert [r["error"] for r in results["replies"]] == [None, None, None]
    assert results["undo_enabled"] is True
    assert results["undo_after"] == f"Undo {results['backend_undo']}"
    assert results["undo_after"].startswith("Undo Add Note")
    assert results["refreshes"] == 1  # one refresh for the burst of three writes, as one operation


PRESETS_OVER_HTTP = r"""
call = call_server
note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "before the presets", "Back": "a"}}
results["add"] = call("addNote", note=note)["error"]
wait_until(lambda: undo_text() == "Undo Add Note", timeout=10, what="the Undo menu to name the note")
clone = call("cloneDeckConfigId", name="Fast", cloneFrom=1)["result"]
fast = call("getDeckConfig", deck="Default")["result"]
replies = [
    call("setDeckConfigId", decks=["Default"], configId=clone),
    call("saveDeckConfig", config={"id": clone, "new": {**fast["new"], "perDay": 7}}),
    call("removeDeckConfigId", configId=clone),
]
results["errors"] = [reply["error"] for reply in replies]
results["results"] = [reply["result"] for reply in replies]
wait_until(lambda: undo_text() == "Undo Deck Options", timeout=10, what="the Undo menu to name the presets")
results["undo_menu"] = undo_text()
for _ in range(4):  # remove, save, set, clone: Edit > Undo each, in Anki's window
    step = mw.col.undo_status().last_step
    mw.form.actionUndo.trigger()
    wait_until(lambda: mw.col.undo_status().last_step != step, timeout=10, what="the undo")
    wait_until(idle, what="the undo to finish")
results["after_undo"] = undo_text()
results["presets"] = sorted(conf["name"] for conf in mw.col.decks.all_config())
results["default_preset"] = mw.col.decks.get(1)["conf"]
finish()
"""


def test_preset_writes_are_undone_from_anki_edit_menu(start_anki, tmp_path):
    """Deck options presets written over HTTP in a real Anki: each an Edit > Undo step "Deck Options", undone
    from Anki's own menu one by one, and the note added before them is still the next step."""
    results, _ = run_script_in_anki(start_anki, tmp_path, PRESETS_OVER_HTTP)
    assert results["add"] is None and results["errors"] == [None, None, None]
    assert results["results"] == [True, True, True]
    assert results["undo_menu"] == "Undo Deck Options"
    assert results["after_undo"] == "Undo Add Note"
    assert results["presets"] == ["Default"] and results["default_preset"] == 1
