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
