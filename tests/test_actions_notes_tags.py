"""Note and tag actions through the protocol layer on a real collection."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from actions_helpers import add_basic, err, ok, reply, undo_name
from notes_helpers import PNG_B64


def test_notes_info_and_mod_time_in_bulk(col):
    nids = [add_basic(col, f"q{i}", tags="t1 t2") for i in range(50)]
    infos = ok(col, "notesInfo", notes=nids + [1])
    assert infos[-1] == {} and len(infos) == 51
    first = infos[0]
    assert first["noteId"] == nids[0] and first["tags"] == ["t1", "t2"] and first["modelName"] == "Basic"
    assert first["fields"]["Front"] == {"value": "q0", "order": 0}
    assert first["cards"] == col.get_note(nids[0]).card_ids()
    assert [i["noteId"] for i in ok(col, "notesInfo", query="q1*")] == sorted(
        n for n in nids if col.get_note(n)["Front"].startswith("q1")
    )
    assert ok(col, "notesModTime", notes=[nids[0], 2]) == [{"noteId": nids[0], "mod": col.get_note(nids[0]).mod}, {}]


def test_can_add_note_and_detail(col):
    add_basic(col, "dup")
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "dup", "Back": "x"}}
    assert ok(col, "canAddNote", note=note) is False
    assert ok(col, "canAddNoteWithErrorDetail", note=note) == {
        "canAdd": False,
        "error": "cannot create note because it is a duplicate",
    }
    fresh = {**note, "fields": {"Front": "new", "Back": "x"}}
    assert ok(col, "canAddNote", note=fresh) is True
    assert ok(col, "canAddNoteWithErrorDetail", note={**note, "modelName": "Nope"}) == {
        "canAdd": False,
        "error": "model was not found: Nope",
    }


def test_update_note_model_keeps_the_note_and_sets_given_fields(col):
    nid = add_basic(col, "front", "back", tags="old")
    ok(col, "updateNoteModel", note={"id": nid, "modelName": "Cloze", "fields": {"text": "{{c1::x}}"}, "tags": ["new"]})
    note = col.get_note(nid)
    assert note.note_type()["name"] == "Cloze" and note["Text"] == "{{c1::x}}" and note["Back Extra"] == ""
    assert note.tags == ["new"] and undo_name(col) == "Update Note Model"
    assert (
        err(col, "updateNoteModel", note={"id": nid, "modelName": "Nope", "fields": {}}) == "model was not found: Nope"
    )
    assert err(col, "updateNoteModel", note={"id": 5, "modelName": "Basic", "fields": {}}) == "Note was not found: 5"


def test_remove_empty_notes_removes_only_notes_without_content(col):
    keep = add_basic(col, "kept")
    empty = add_basic(col, "gone")
    note = col.get_note(empty)
    note["Front"] = ""
    col.update_note(note)
    ok(col, "removeEmptyNotes")
    assert col.find_notes("") == [keep]


def test_tags(col):
    a = add_basic(col, "a", tags="Old other")
    b = add_basic(col, "b", tags="old")
    assert ok(col, "getNoteTags", note=a) == ["Old", "other"]
    assert err(col, "getNoteTags", note=3) == "Note was not found: 3"
    ok(col, "updateNoteTags", note=a, tags=["x", "y"])
    assert col.get_note(a).tags == ["x", "y"]
    ok(col, "updateNoteTags", note=a, tags="z")
    assert col.get_note(a).tags == ["z"]
    assert err(col, "updateNoteTags", note=a, tags=[1]) == "Must provide tags as a list of strings"
    ok(col, "replaceTags", notes=[b], tag_to_replace="OLD", replace_with_tag="renamed")
    assert col.get_note(b).tags == ["renamed"]
    assert err(col, "replaceTags", notes=[b, 7], tag_to_replace="x", replace_with_tag="y") == "Note was not found: 7"
    add_basic(col, "c", tags="other")
    ok(col, "replaceTagsInAllNotes", tag_to_replace="other", replace_with_tag="o2")
    assert "o2" in ok(col, "getTags") and "other" not in col.get_note(a).tags
    ok(col, "clearUnusedTags")
    assert set(ok(col, "getTags")) == {"o2", "renamed", "z"}


def test_deprecated_version_4_reply_is_bare(col):
    add_basic(col, "a", tags="t")
    assert reply(col, "getTags", version=4) == ["t"]


def test_update_note_fields_takes_media_items_like_add_note(col):
    nid = add_basic(col, "front", "back")
    ok(
        col,
        "updateNoteFields",
        note={
            "id": nid,
            "fields": {"Back": "new"},
            "picture": [{"filename": "shot.png", "data": PNG_B64, "fields": ["Back"]}],
            "audio": {"filename": "line.mp3", "data": PNG_B64, "fields": "Front"},
        },
    )
    note = col.get_note(nid)
    assert note["Back"] == 'new<img src="shot.png">' and note["Front"] == "front[sound:line.mp3]"
    assert (Path(col.media.dir()) / "shot.png").read_bytes() == base64.b64decode(PNG_B64)
    message = err(
        col, "updateNoteFields", note={"id": nid, "fields": {}, "picture": [{"filename": "x.png", "fields": ["Back"]}]}
    )
    assert message.startswith("note.picture:") and col.get_note(nid)["Back"] == 'new<img src="shot.png">'


def test_store_media_file_skip_hash(col):
    digest = hashlib.md5(base64.b64decode(PNG_B64)).hexdigest()
    assert ok(col, "storeMediaFile", filename="skip.png", data=PNG_B64, skipHash=digest) is None
    assert not (Path(col.media.dir()) / "skip.png").exists()
    assert ok(col, "storeMediaFile", filename="keep.png", data=PNG_B64, skipHash="0" * 32) == "keep.png"
