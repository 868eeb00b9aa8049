"""End-to-end: Polar's exact sync sequence against a real Anki with the add-on, in English and German.

Polar (see /work/shared/reference/polar-client.md) runs in a page from https://app.getpolarized.io, so every
request carries that Origin and the browser sends an OPTIONS preflight first. One sync: version, modelNames,
createModel only for missing types, deckNamesAndIds, createDeck for missing decks, then per card findNotes
"tag:polar_guid:<guid>" (skip when found), canAddNotes, addNote; storeMediaFile for images after all notes.
The second sync re-sends everything and must add nothing. Afterwards Anki is stopped and the collection file
is checked.
"""

from __future__ import annotations

import base64
import copy

import pytest
from notes_helpers import PNG_B64, POLAR_CLOZE, POLAR_NOTE
from server_helpers import POLAR_ORIGIN, request

pytestmark = pytest.mark.e2e

HEADERS = {"Origin": POLAR_ORIGIN, "Accept": "application/json"}
POLAR_IMAGE = "12car5hQMtho5zruBDcK.png"  # referenced by POLAR_NOTE's Back, stored after the notes
INLINE_JPEG = f'<img src="data:image/jpeg;base64,{PNG_B64}">'


def polar_call(port: int, action: str, params: dict | None = None) -> object:
    """One Polar request: the preflight must pass; Polar throws when ``error`` is truthy."""
    preflight = request(
        port,
        "OPTIONS",
        headers={**HEADERS, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status == 200, preflight.status
    body: dict = {"action": action, "version": 6}
    if params is not None:  # modelNames and deckNamesAndIds are sent with no params key at all
        body["params"] = params
    reply = request(port, body=body, headers=HEADERS)
    assert reply.status == 200 and reply.headers.get("access-control-allow-origin") == POLAR_ORIGIN
    envelope = reply.json()
    assert not envelope["error"], (action, envelope["error"])
    return envelope["result"]


def polar_sync(port: int, notes: list[dict], images: dict[str, str]) -> dict[str, int]:
    """Polar's sync loop; returns how many cards were added and skipped."""
    assert polar_call(port, "version", {}) == 6
    models = polar_call(port, "modelNames")
    assert isinstance(models, list)
    if "Basic" not in models:
        templates = [{"Front": "{{Front}}", "Back": "{{FrontSide}}<hr>{{Back}}"}]
        polar_call(
            port,
            "createModel",
            {"modelName": "Basic", "inOrderFields": ["Front", "FrontSide", "Back"], "cardTemplates": templates},
        )
    if "Cloze" not in models:
        polar_call(
            port,
            "createModel",
            {
                "modelName": "Cloze",
                "inOrderFields": ["Text", "Back Extra"],
                "cardTemplates": [{"Front": "{{cloze:Text}}", "Back": "{{cloze:Text}}"}],
            },
        )
    decks = polar_call(port, "deckNamesAndIds")
    assert isinstance(decks, dict)
    for deck in sorted({n["deckName"] for n in notes} - set(decks)):
        assert isinstance(polar_call(port, "createDeck", {"deck": deck}), int)
    counts = {"added": 0, "skipped": 0}
    for note in notes:
        found = polar_call(port, "findNotes", {"query": f"tag:polar_guid:{note['guid']}"})
        assert isinstance(found, list)
        if found:
            counts["skipped"] += 1
            continue
        assert polar_call(port, "canAddNotes", {"notes": [note]}) == [True]
        assert isinstance(polar_call(port, "addNote", {"note": note}), int)
        counts["added"] += 1
    for filename, data in images.items():
        assert polar_call(port, "storeMediaFile", {"filename": filename, "data": data}) == filename
    return counts


def polar_cards() -> list[dict]:
    basic = copy.deepcopy(POLAR_NOTE)
    cloze = copy.deepcopy(POLAR_CLOZE)
    jpeg = {
        "guid": "9xJpegCard",
        "deckName": "Default",
        "modelName": "Basic",
        "fields": {
            "Front": f"<p>Which picture? {INLINE_JPEG}</p>",
            "Back": "<p>This one</p>",
            "FrontSide": f"<p>Which picture? {INLINE_JPEG}</p>",
        },
        "tags": ["_polar-flashcard"],
    }
    return [basic, cloze, jpeg]


@pytest.mark.parametrize(
    "lang, basic_name, cloze_name, default_deck, fields",
    [
        ("en_US", "Basic", "Cloze", "Default", ("Front", "Back", "Text")),
        ("de_DE", "Einfach", "Lückentext", "Standard", ("Vorderseite", "Rückseite", "Text")),
    ],
)
def test_polar_sync_twice(start_anki, lang, basic_name, cloze_name, default_deck, fields):
    anki = start_anki(lang=lang)
    notes = polar_cards()
    images = {POLAR_IMAGE: PNG_B64}
    assert polar_sync(anki.port, notes, images) == {"added": 3, "skipped": 0}
    # Second sync: Polar re-sends every card; each is found by its guid and nothing is added.
    assert polar_sync(anki.port, polar_cards(), images) == {"added": 0, "skipped": 3}
    assert anki.stop() == 0
    assert "Traceback" not in anki.log()

    from anki.collection import Collection

    col = Collection(str(anki.collection_path))
    try:
        assert col.note_count() == 3 and col.card_count() == 3
        front, back, text = fields
        basic = col.get_note(col.find_notes('"deck:compsci::linux"')[0])
        assert basic.note_type()["name"] == basic_name and basic.guid == "1kyqEFBrFS"
        assert basic[front] == POLAR_NOTE["fields"]["Front"] and POLAR_IMAGE in basic[back]
        assert sorted(basic.tags) == sorted(POLAR_NOTE["tags"])
        (cloze_id,) = [
            nid
            for nid in col.find_notes(f'"deck:{default_deck}"')
            if col.get_note(nid).note_type()["name"] == cloze_name
        ]
        cloze = col.get_note(cloze_id)
        assert cloze[text] == POLAR_CLOZE["fields"]["Text"]
        assert sorted(cloze.tags) == sorted(["Machine_Learning", "Books::SF", "_polar-flashcard"])
        # Decks: Polar's deck plus the collection's own default deck (no stray "Default" in German).
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert names == {default_deck, "compsci", "compsci::linux"}
        # Media: the stored image under its exact name, the inline JPEG moved into a file.
        media = anki.collection_path.parent / "collection.media"
        assert (media / POLAR_IMAGE).read_bytes() == base64.b64decode(PNG_B64)
        jpeg = col.get_note(col.find_notes("tag:_polar-flashcard -deck:compsci* -note:" + cloze_name)[0])
        assert "data:" not in jpeg[front]
        stored = [p.name for p in media.iterdir() if p.suffix == ".jpg"]
        assert len(stored) == 1 and stored[0] in jpeg[front]
    finally:
        col.close()
