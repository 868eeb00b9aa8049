"""AnkiConnect's GUI and profile actions over HTTP against a real Anki: they drive its real windows, and the
server keeps answering while no profile is open."""

from __future__ import annotations

import time

import anki_env
import pytest
from gui_helpers import add_cards, run_script_in_anki
from server_helpers import invoke

pytestmark = pytest.mark.e2e

SCRIPT = r'''
import base64, http.server, os, threading, urllib.request
port = addon.state.server.port

def call(action, **params):
    """``call_server``, each reply recorded."""
    reply = call_server(action, **params)
    results.setdefault("calls", []).append([action, reply])
    with open(RESULT_PATH, "w") as f:  # as far as the script got, should Anki close early
        json.dump(results, f)
    return reply

import aqt
R = results
R["profiles"] = call("getProfiles")["result"]
R["active"] = call("getActiveProfile")["result"]
R["check_db"] = call("guiCheckDatabase")["result"]
wait_until(idle, what="the database check")
pump(0.5)
for box in message_boxes():
    box.accept()
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
media_dir = mw.col.media.dir()
PICTURE, SOUND = b"\x89PNG\r\n\x1a\n a picture", b"ID3 a sound"
def b64(data):
    return base64.b64encode(data).decode()
def stored(*names):
    """{name: the file's bytes, or None when it is not in the media folder}"""
    found = {}
    for name in names:
        path = os.path.join(media_dir, name)
        found[name] = open(path, "rb").read() if os.path.exists(path) else None
    return found
def add_fields():
    return list(aqt.dialogs._dialogs["AddCards"][1].editor.note.fields)
# A bad item refuses the whole request: the good picture before it is not stored either.
good_picture = {"data": b64(PICTURE), "filename": "refused_picture.png", "fields": ["Front"]}
R["add_bad_base64"] = call("guiAddCards", note={"deckName": "Study", "fields": {"Front": "F"}, "picture": [
    good_picture], "audio": [{"data": "not base64 !!", "filename": "refused_sound.mp3", "fields": ["Back"]}]})["error"]
R["add_open_after_bad"] = aqt.dialogs._dialogs["AddCards"][1] is not None
inner = []
class SlowVideo(http.server.BaseHTTPRequestHandler):
    """Asks the add-on for getProfiles (an action run on Anki's main thread) while the download is under way:
    answered only if the download is not holding up the main thread."""
    def do_GET(self):
        body = json.dumps({"action": "getProfiles", "version": 6}).encode()
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}", data=body)
            inner.append(json.loads(urllib.request.urlopen(request, timeout=10).read())["result"])
        except Exception as exc:
            inner.append(repr(exc))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"a video")
    def log_message(self, *args):
        pass
video_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowVideo)
threading.Thread(target=video_server.serve_forever, daemon=True).start()
video_url = f"http://127.0.0.1:{video_server.server_address[1]}/v.mp4"
new_note = {"deckName": "Study", "modelName": "Basic", "fields": {"Front": "F", "back": "B"},
            "video": [{"url": video_url, "filename": "gui_video.mp4", "fields": ["Back"]}],
            "picture": [{"data": b64(PICTURE), "filename": "gui_picture.png", "fields": ["Front"]}],
            "audio": {"data": b64(SOUND), "filename": "gui_sound.mp3", "fields": ["Back"]}}
R["add_cards"] = call("guiAddCards", note=new_note)["result"]
R["add_open"] = aqt.dialogs._dialogs["AddCards"][1] is not None
R["add_media_fields"] = add_fields()
R["download_inner"] = inner
video_server.shutdown()
R["set_data_outside"] = call("guiAddNoteSetData", note={"fields": {"Back": "lost"}, "picture": [good_picture],
    "audio": [{"path": "/etc/hostname", "filename": "hostname.mp3", "fields": ["Back"]}]})["error"]
R["set_data_bad_base64"] = call("guiAddNoteSetData", note={"fields": {"Back": "lost"}, "picture": [
    {**good_picture, "data": "%%%"}]})["error"]
R["fields_after_bad"] = add_fields()
R["set_data"] = call("guiAddNoteSetData", note={"fields": {"Back": "more"}, "picture": [
    {"data": b64(PICTURE + b"2"), "filename": "set_data_picture.png", "fields": ["Back"]}]}, append=True)["result"]
R["add_fields"] = add_fields()
R["media"] = {name: data and data.decode("latin-1") for name, data in stored(
    "gui_picture.png", "gui_sound.mp3", "gui_video.mp4", "set_data_picture.png", "refused_picture.png",
    "refused_sound.mp3", "hostname.mp3").items()}
# Close it as the user does: Anki asks whether to discard the typed note. (Calling its _close() right after the
# editor loaded the note let Qt WebEngine crash Anki (SIGSEGV) a moment later in most runs on a loaded machine.)
aqt.dialogs._dialogs["AddCards"][1].close()
R["discard_question"] = click_message_box("Discard")
wait_until(lambda: aqt.dialogs._dialogs["AddCards"][1] is None, what="the Add window to close")
pump(0.3)
package = os.path.join(os.path.dirname(RESULT_PATH), "study.apkg")
R["export"] = call("exportPackage", deck="Study", path=package)["result"]
R["import_missing"] = call("guiImportFile", path=package + ".nope")["error"]
R["import"] = call("guiImportFile", path=package)
dialog = wait_until(lambda: [w for w in QApplication.topLevelWidgets()
                             if type(w).__name__ == "ImportDialog" and w.isVisible()], what="the import dialog")[0]
R["import_dialog"] = True
wait_until(lambda: not dialog.web.page().isLoading(), what="the import page to load")  # then close it, as a user
dialog.reject()
pump(0.3)
R["reload"] = call("reloadCollection")
finish()
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
    assert results["add_bad_base64"] == "note.audio: data is not valid base64"
    assert results["add_open_after_bad"] is False  # refused before the Add window opened
    assert results["add_cards"] == 0
    assert results["add_media_fields"] == [
        'F<img src="gui_picture.png">',
        "B[sound:gui_sound.mp3][sound:gui_video.mp4]",
    ]
    assert results["download_inner"] == [["dev"]]  # answered on the main thread while the video downloaded
    assert results["set_data_outside"].startswith("note.audio: path '/etc/hostname' is outside the media folder")
    assert results["set_data_bad_base64"] == "note.picture: data is not valid base64"
    assert results["fields_after_bad"] == results["add_media_fields"]
    assert results["add_fields"] == [
        'F<img src="gui_picture.png">',
        'B[sound:gui_sound.mp3][sound:gui_video.mp4]more<img src="set_data_picture.png">',
    ]
    assert results["media"] == {
        "gui_picture.png": "\x89PNG\r\n\x1a\n a picture",
        "gui_sound.mp3": "ID3 a sound",
        "gui_video.mp4": "a video",
        "set_data_picture.png": "\x89PNG\r\n\x1a\n a picture2",
        "refused_picture.png": None,
        "refused_sound.mp3": None,
        "hostname.mp3": None,
    }
    assert results["add_open"] is True and results["set_data"] is True and results["discard_question"]
    assert results["export"] is True and results["import"] == {"result": None, "error": None}
    assert results["import_missing"].startswith("file not found") and results["import_dialog"] is True
    assert results["check_db"] is True and results["reload"]["error"] is None
    assert all(
        reply.get("error") is None or action in ("guiCurrentCard", "guiAddCards", "guiAddNoteSetData", "guiImportFile")
        for action, reply in results["calls"]
    ), results["calls"]


TYPED_SCRIPT = r'''
import base64, os
import aqt
from aqt import gui_hooks
from PyQt6.QtTest import QTest

R = results
focused = []  # the editor page reports the field the cursor went into
gui_hooks.editor_did_focus_field.append(lambda note, ord: focused.append(ord))

def call(action, **params):
    reply = call_server(action, **params)
    with open(RESULT_PATH, "w") as f:  # as far as the script got, should Anki close early
        json.dump(results, f)
    return reply

def open_add_window():
    """Tools > Add, as the user opens it; the window once its editor shows the note with the first field focused."""
    focused.clear()
    mw.onAddCard()
    window = wait_until(lambda: aqt.dialogs._dialogs["AddCards"][1], what="the Add window")
    wait_until(lambda: 0 in focused, what="the cursor in the Front field")
    wait_until(lambda: QApplication.focusWidget() is window.editor.web.focusProxy(), what="the keyboard focus")
    return window

def saved_fields(window):
    """The fields of the note in the Add window, after the editor saved what is typed in it (as Add does)."""
    saved = []
    window.editor.call_after_note_saved(lambda: saved.append(list(window.editor.note.fields)))
    return wait_until(lambda: saved, what="the editor's save")[0]

def fields_once_typed(window, text, timeout=10):
    """``saved_fields`` once the typed ``text`` reached the note (or after ``timeout`` s): key presses reach the
    editor page asynchronously, and a save asked for right after them may run before them."""
    deadline = time.monotonic() + timeout
    while True:
        fields = saved_fields(window)
        if fields[0] == text or time.monotonic() > deadline:
            return fields
        pump(0.1)

def answer(button):
    """Press ``button`` on Anki's question; its text, or None when no question came within 10 s."""
    try:
        wait_until(message_boxes, timeout=10, what="a question")
    except TimeoutError:
        return None
    return click_message_box(button)

client_note = {"deckName": "Study", "modelName": "Basic", "fields": {"Front": "client front", "Back": "client back"},
               "tags": ["from_client"],
               "picture": [{"data": base64.b64encode(b"a picture").decode(), "filename": "asked.png",
                            "fields": ["Back"]}]}
window = open_add_window()
QTest.keyClicks(window.editor.web.focusProxy(), "typed by user")  # real key presses into the focused Front field
R["typed"] = fields_once_typed(window, "typed by user")

# With input in the window: the reply comes at once, and the question comes before anything is replaced.
R["reply_keep"] = call("guiAddCards", note=client_note)
wait_until(lambda: message_boxes() or window.editor.note.fields[0] != "typed by user", what="the question")
R["fields_while_asked"] = list(window.editor.note.fields)
R["question"] = answer("Keep Editing")
pump(0.5)
R["fields_after_keep"] = saved_fields(window)
R["boxes_after_keep"] = len(message_boxes())
R["picture_stored"] = os.path.exists(os.path.join(mw.col.media.dir(), "asked.png"))

# Asked again; Discard puts the client's note in.
R["reply_discard"] = call("guiAddCards", note=client_note)
R["question_again"] = answer("Discard")
wait_until(lambda: window.editor.note.fields[0] == "client front", what="the client's note")
R["fields_after_discard"] = saved_fields(window)
R["tags_after_discard"] = list(window.editor.note.tags)
R["same_window"] = aqt.dialogs._dialogs["AddCards"][1] is window

# Closed as the user does (discarding the client's note), then opened blank: the note goes in without a question.
window.close()
R["close_question"] = answer("Discard")
wait_until(lambda: aqt.dialogs._dialogs["AddCards"][1] is None, what="the Add window to close")
pump(0.3)
window = open_add_window()
R["blank"] = saved_fields(window)
R["reply_blank"] = call("guiAddCards", note={**client_note, "fields": {"Front": "into blank"}, "picture": []})
wait_until(lambda: message_boxes() or window.editor.note.fields[0] == "into blank", what="the note or a question")
R["asked_when_blank"] = answer("Discard") if message_boxes() else None
R["fields_blank_filled"] = saved_fields(window)
window.close()
answer("Discard")
wait_until(lambda: aqt.dialogs._dialogs["AddCards"][1] is None, what="the Add window to close")
pump(0.3)
finish()
'''


def test_gui_add_cards_asks_before_replacing_what_the_user_typed(start_anki, tmp_path):
    """guiAddCards while the user has typed into the open Add window: Anki's own "Discard current input?" comes
    first (as AnkiConnect's close-and-reopen asks); Keep Editing keeps the typed text, Discard shows the client's
    note; a blank window takes the note without a question. The reply never waits for the answer."""
    results, _ = run_script_in_anki(start_anki, tmp_path, TYPED_SCRIPT, prepare=_prepare)
    assert results["typed"] == ["typed by user", ""]
    assert results["reply_keep"] == {"result": 0, "error": None}
    assert results["fields_while_asked"] == ["typed by user", ""]  # not replaced before the answer
    assert results["question"] == "Discard current input?"
    assert results["fields_after_keep"] == ["typed by user", ""] and results["boxes_after_keep"] == 0
    assert results["picture_stored"] is True  # the request's media is stored before the question, as in AnkiConnect
    assert results["reply_discard"] == {"result": 0, "error": None}
    assert results["question_again"] == "Discard current input?"
    assert results["fields_after_discard"] == ["client front", 'client back<img src="asked.png">']
    assert results["tags_after_discard"] == ["from_client"] and results["same_window"] is True
    assert results["close_question"] == "Discard current input?"
    assert results["blank"] == ["", ""]
    assert results["reply_blank"] == {"result": 0, "error": None}
    assert results["asked_when_blank"] is None and results["fields_blank_filled"] == ["into blank", ""]


def test_profile_actions_switch_profiles_while_the_server_keeps_answering(start_anki, tmp_path):
    base = tmp_path / "anki"
    anki_env.create_profile(base, "dev", "en_US")
    anki_env.create_profile(base, "second", "en_US")
    running = start_anki(base=base)
    port = running.port
    assert invoke(port, "getProfiles")["result"] == ["dev", "second"]
    assert invoke(port, "getActiveProfile")["result"] == "dev"
    invoke(port, "createDeck", {"deck": "Only in dev"})
    note = {"deckName": "Only in dev", "modelName": "Basic", "fields": {"Front": "f", "Back": "b"}}
    nid = invoke(port, "addNote", {"note": note})["result"]
    assert invoke(port, "notesInfo", {"notes": [nid]})["result"][0]["profile"] == "dev"
    assert invoke(port, "loadProfile", {"name": "nope"})["result"] is False
    assert invoke(port, "loadProfile", {"name": "second"}) == {"result": True, "error": None}
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # Through the switch every request is answered: profile actions always, collection actions once open.
        active = invoke(port, "getActiveProfile")["result"]
        decks = invoke(port, "deckNames")
        seen.append((active, decks["error"]))
        if active == "second" and decks["error"] is None:
            break
        time.sleep(0.05)
    assert seen[-1] == ("second", None), seen
    assert all(error in (None, "collection is not available") for _, error in seen), seen
    assert invoke(port, "deckNames")["result"] == ["Default"]  # the second profile's own collection
    nid = invoke(port, "addNote", {"note": {**note, "deckName": "Default"}})["result"]
    assert invoke(port, "notesInfo", {"notes": [nid]})["result"][0]["profile"] == "second"
    assert invoke(port, "loadProfile", {"name": "dev"})["result"] is True
    deadline = time.monotonic() + 60
    while invoke(port, "getActiveProfile")["result"] != "dev" and time.monotonic() < deadline:
        time.sleep(0.05)
    while invoke(port, "deckNames")["error"] is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Only in dev" in invoke(port, "deckNames")["result"]
    # guiExitAnki closes Anki as File > Exit does (cleanly, a moment after the reply).
    assert invoke(port, "guiExitAnki") == {"result": None, "error": None}
    assert running.proc.wait(30) == 0
