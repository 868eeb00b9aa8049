"""AnkiConnect's GUI and profile actions over HTTP against a real Anki: they drive its real windows, and the
server keeps answering while no profile is open."""

from __future__ import annotations

import pytest
from gui_helpers import add_cards, run_script_in_anki

pytestmark = pytest.mark.e2e

SCRIPT = r'''
import threading, urllib.request
port = addon.state.server.port

def call(action, **params):
    """One request from another thread (as a client would), while this main thread keeps Anki running."""
    box = []
    def post():
        body = json.dumps({"action": action, "version": 6, "params": params}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}", data=body)
        box.append(json.loads(urllib.request.urlopen(request, timeout=60).read()))
    threading.Thread(target=post).start()
    wait_until(lambda: box, what=f"the reply to {action}")
    reply = box[0]
    results.setdefault("calls", []).append([action, reply])
    return reply

import aqt
R = results
R["profiles"] = call("getProfiles")["result"]
R["active"] = call("getActiveProfile")["result"]
R["browse"] = call("guiBrowse", query="deck:Study", reorderCards={"columnId": "noteFld", "order": "descending"})
R["browser_open"] = aqt.dialogs._dialogs["Browser"][1] is not None
card = R["browse"]["result"][0]
R["select"] = call("guiSelectCard", card=card)["result"]
R["select_alias"] = call("guiSelectNote", card=card)["result"]
R["selected"] = call("guiSelectedNotes")["result"]
R["note_of_card"] = mw.col.get_card(card).nid
R["edit"] = call("guiEditNote", note=R["note_of_card"])
aqt.dialogs._dialogs["Browser"][1].close()
pump(0.3)
R["overview"] = call("guiDeckOverview", name="Study")["result"]
R["state_overview"] = mw.state
R["review"] = call("guiDeckReview", name="Study")["result"]
wait_until(lambda: mw.reviewer.card is not None, what="the reviewer")
R["active_review"] = call("guiReviewActive")["result"]
R["current"] = call("guiCurrentCard")["result"]
R["timer"] = call("guiStartCardTimer")["result"]
R["answer_too_early"] = call("guiAnswerCard", ease=3)["result"]
R["show_answer"] = call("guiShowAnswer")["result"]
wait_until(lambda: mw.reviewer.state == "answer", what="the answer side")
R["answer"] = call("guiAnswerCard", ease=3)["result"]
R["revlog_after_answer"] = mw.col.db.scalar("select count() from revlog")
R["undo"] = call("guiUndo")["result"]
wait_until(lambda: mw.col.db.scalar("select count() from revlog") == 0, what="the undone answer")
R["show_question"] = call("guiShowQuestion")["result"]
R["play_audio"] = call("guiPlayAudio")["result"]
R["deck_browser"] = call("guiDeckBrowser")
R["state_deck_browser"] = mw.state
R["review_inactive"] = call("guiReviewActive")["result"]
R["current_inactive"] = call("guiCurrentCard")["error"]
R["set_data_closed"] = call("guiAddNoteSetData", note={"deckName": "Study"})["error"]
new_note = {"deckName": "Study", "modelName": "Basic", "fields": {"Front": "F", "back": "B"}}
R["add_cards"] = call("guiAddCards", note=new_note)["result"]
R["add_open"] = aqt.dialogs._dialogs["AddCards"][1] is not None
R["set_data"] = call("guiAddNoteSetData", note={"fields": {"Back": "more"}}, append=True)["result"]
R["add_fields"] = list(aqt.dialogs._dialogs["AddCards"][1].editor.note.fields)
aqt.dialogs._dialogs["AddCards"][1]._close()  # without the "discard this note?" question
pump(0.3)
R["check_db"] = call("guiCheckDatabase")["result"]
wait_until(idle, what="the database check")
pump(0.5)
for box in message_boxes():
    box.accept()
R["reload"] = call("reloadCollection")
# No profile open: the server keeps answering; profile actions work, collection actions say why they can't.
mw.unloadProfileAndShowProfileManager()
wait_until(lambda: mw.col is None, what="the profile to close")
R["closed_version"] = call("version")
R["closed_decks"] = call("deckNames")
R["closed_profiles"] = call("getProfiles")["result"]
R["closed_active"] = call("getActiveProfile")["result"]
R["load_unknown"] = call("loadProfile", name="nope")["result"]
R["load"] = call("loadProfile", name="dev")["result"]
wait_until(lambda: mw.col is not None, what="the profile to open again")
pump(0.5)
R["reopened_decks"] = call("deckNames")["result"]
R["exit"] = call("guiExitAnki")
with open(RESULT_PATH, "w") as f:  # Anki closes itself a second after the reply
    json.dump(results, f)
wait_until(lambda: False, timeout=30, what="Anki to exit")
'''


def _prepare(col):
    add_cards(col, 2, deck="Study")


def test_gui_and_profile_actions_drive_real_anki(start_anki, tmp_path):
    results, running = run_script_in_anki(start_anki, tmp_path, SCRIPT, prepare=_prepare)
    assert results["profiles"] == ["dev"] and results["active"] == "dev"
    assert results["browse"]["error"] is None and len(results["browse"]["result"]) == 2
    assert results["browser_open"] is True
    assert results["select"] is True and results["select_alias"] is True
    assert results["selected"] == [results["note_of_card"]]
    assert results["edit"] == {"result": None, "error": None}
    assert results["overview"] is True and results["state_overview"] == "overview"
    assert results["review"] is True and results["active_review"] is True
    current = results["current"]
    assert current["deckName"] == "Study" and current["buttons"] == [1, 2, 3, 4] and len(current["nextReviews"]) == 4
    assert results["timer"] is True and results["answer_too_early"] is False
    assert results["show_answer"] is True and results["answer"] is True and results["revlog_after_answer"] == 1
    assert results["undo"] is True
    assert results["show_question"] is True and results["play_audio"] is True
    assert results["deck_browser"] == {"result": None, "error": None} and results["state_deck_browser"] == "deckBrowser"
    assert results["review_inactive"] is False
    assert results["current_inactive"] == "Gui review is not currently active."
    assert results["set_data_closed"] == "Add Note dialog is not open"
    assert results["add_cards"] == 0 and results["add_fields"] == ["F", "Bmore"]
    assert results["add_open"] is True and results["set_data"] is True
    assert results["check_db"] is True and results["reload"]["error"] is None
    assert results["closed_version"] == {"result": 6, "error": None}
    assert results["closed_decks"] == {"result": None, "error": "collection is not available"}
    assert results["closed_profiles"] == ["dev"] and results["closed_active"] is None
    assert results["load_unknown"] is False and results["load"] is True
    assert "Study" in results["reopened_decks"]
    assert results["exit"] == {"result": None, "error": None}
    assert all(
        reply.get("error") is None or action in ("guiCurrentCard", "guiAddNoteSetData", "deckNames")
        for action, reply in results["calls"]
    ), results["calls"]
