"""Note actions on a real collection: Polar's exact notes, errors, identity, duplicates, updates, batches."""

from __future__ import annotations

import time

import pytest
from anki.notes import NoteId
from notes_helpers import PNG_B64, call, call_error, deck_of_note, polar_cloze, polar_note

EMPTY = "cannot create note because it is empty"
DUPLICATE = "cannot create note because it is a duplicate"


def test_polar_note_verbatim_is_added_with_its_fields_tags_and_guid(col):
    nid = call(col, "addNote", {"note": polar_note()})
    note = col.get_note(nid)
    assert note.note_type()["name"] == "Basic"
    assert note["Front"] == "<p>What does <b>ls</b> do?</p>"
    assert note["Back"] == '<p>Lists files <img src="12car5hQMtho5zruBDcK.png"></p>'
    assert note.guid == "1kyqEFBrFS"
    assert sorted(note.tags) == sorted(["deck:compsci/linux", "linux", "cli", "_polar-flashcard"])
    assert deck_of_note(col, nid) == "compsci::linux"


def test_polar_lookup_finds_pushed_note_by_legacy_tag_query_and_guid(col):
    assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == []
    nid = call(col, "addNote", {"note": polar_note()})
    assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == [nid]
    assert call(col, "findNotes", {"query": "guid:1kyqEFBrFS"}) == [nid]
    assert call(col, "findNotes", {"query": "guid:1kyqEFBrFS deck:compsci::linux"}) == [nid]
    assert call(col, "findNotes", {"query": "guid:1kyqEFBrFS deck:Other"}) == []
    assert call(col, "findNotes", {"query": "tag:polar_guid:other"}) == []
    other = call(col, "addNote", {"note": polar_cloze()})
    assert call(col, "findNotes", {"query": "-guid:1kyqEFBrFS"}) == [other]
    assert call(col, "findNotes", {"query": "(guid:1kyqEFBrFS OR guid:3mPq8ZkWxY)"}) == [nid, other]
    assert call(col, "findNotes", {"query": "-tag:polar_guid:3mPq8ZkWxY"}) == [nid]
    # Repeated lookups (served from the in-memory index) stay right after changes.
    for _ in range(3):
        assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == [nid]
    call(col, "deleteNotes", {"notes": [nid]})
    for _ in range(3):
        assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == []


def test_legacy_polar_guid_tag_is_still_found(col):
    nid = call(col, "addNote", {"note": polar_note(guid=None, tags=["polar_guid:OldGuid123", "x"])})
    for _ in range(3):
        assert call(col, "findNotes", {"query": "tag:polar_guid:OldGuid123"}) == [nid]
    assert call(col, "findNotes", {"query": "tag:polar_guid:OldGuid123 tag:x"}) == [nid]


def test_find_notes_plain_queries_and_bad_search(col):
    nid = call(col, "addNote", {"note": polar_note()})
    assert call(col, "findNotes", {"query": "tag:linux"}) == [nid]
    assert call(col, "findNotes", {"query": "deck:compsci"}) == [nid]
    assert call_error(col, "findNotes", {"query": "deck:("}).startswith("invalid search:")
    assert call(col, "findNotes", {}) == []  # AnkiConnect: no query, no notes


def test_same_guid_again_is_a_duplicate_and_adds_nothing(col):
    call(col, "addNote", {"note": polar_note()})
    edited = polar_note(fields={"Front": "other front", "Back": "b"})
    assert call_error(col, "addNote", {"note": edited}) == DUPLICATE
    assert call(col, "canAddNotes", {"notes": [edited]}) == [False]
    assert call(col, "canAddNotesWithErrorDetail", {"notes": [edited]}) == [{"canAdd": False, "error": DUPLICATE}]
    assert col.note_count() == 1


def test_same_first_field_is_a_duplicate_unless_allowed(col):
    call(col, "addNote", {"note": polar_note(guid=None)})
    again = polar_note(guid=None)
    assert call_error(col, "addNote", {"note": again}) == DUPLICATE
    again["options"] = {"allowDuplicate": True}
    call(col, "addNote", {"note": again})
    assert col.note_count() == 2


def test_duplicate_scope_deck_only_checks_that_deck(col):
    call(col, "addNote", {"note": polar_note(guid=None)})
    elsewhere = polar_note(guid=None, tags=["deck:Other"], options={"duplicateScope": "deck"})
    call(col, "addNote", {"note": elsewhere})
    same_deck = polar_note(guid=None, options={"duplicateScope": "deck"})
    assert call_error(col, "addNote", {"note": same_deck}) == DUPLICATE


def test_empty_and_missing_cloze_are_refused(col):
    assert call_error(col, "addNote", {"note": polar_note(fields={"Front": "<p> </p>", "Back": "x"})}) == EMPTY
    assert call_error(col, "addNote", {"note": polar_note(fields={"Back": "x"})}) == EMPTY
    assert (
        call_error(col, "addNote", {"note": polar_cloze(fields={"Text": "no deletions"})})
        == "cannot create note because it has no cloze deletions"
    )
    assert col.note_count() == 0


def test_image_only_front_is_not_empty(col):
    nid = call(col, "addNote", {"note": polar_note(fields={"Front": '<img src="a.png">', "Back": ""})})
    assert col.get_note(nid)["Front"] == '<img src="a.png">'


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, 'missing parameter "note" (a note object)'),
        ({"note": []}, 'parameter "note" must be a note object'),
        ({"note": {"fields": {"Front": "a"}}}, "note.modelName must be a non-empty string"),
        (
            {"note": {"modelName": "Basic", "fields": ["a"]}},
            "note.fields must be an object mapping field names to text",
        ),
        ({"note": {"modelName": "Basic", "fields": {"Front": 1}}}, 'note.fields["Front"] must be a string'),
        (
            {"note": {"modelName": "Basic", "fields": {"Front": "a"}, "tags": [1]}},
            "note.tags must be a list of strings",
        ),
        ({"note": {"modelName": "Basic", "fields": {"Front": "a"}, "deckName": 3}}, "note.deckName must be a string"),
        ({"note": {"modelName": "Basic", "fields": {"Front": "a"}, "guid": 7}}, "note.guid must be a string, not 7"),
        (
            {"note": {"modelName": "Basic", "fields": {"Front": "a"}, "options": {"allowDuplicate": "yes"}}},
            "note.options.allowDuplicate must be true or false",
        ),
        (
            {"note": {"modelName": "Basic", "fields": {"Front": "a"}, "source": "x"}},
            "note.source must be an object with optional url, title and text strings",
        ),
    ],
)
def test_add_note_validates_params_and_writes_nothing(col, params, message):
    assert call_error(col, "addNote", params) == message
    assert col.note_count() == 0


def test_field_names_case_insensitive_and_unknown_ignored(col):
    nid = call(col, "addNote", {"note": polar_note(fields={"front": "f", "BACK": "b", "Whatever": "w"})})
    assert col.get_note(nid).fields == ["f", "b"]


def test_tags_stay_one_tag_each(col):
    nid = call(col, "addNote", {"note": polar_cloze()})
    assert sorted(col.get_note(nid).tags) == sorted(["Machine_Learning", "Books::SF", "_polar-flashcard"])


def test_inline_images_become_media_files_stored_once(col):
    img = f'<img src="data:image/png;base64,{PNG_B64}">'
    jpeg = f"<img src='data:image/jpeg;base64,{PNG_B64}'>"
    svg_b64 = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
    fields = {"Front": f"<p>Q {img}</p>", "Back": f"{img}{jpeg}<img src=\"data:image/svg+xml;base64,{svg_b64}\">"}
    nid = call(col, "addNote", {"note": polar_note(fields=fields)})
    note = col.get_note(nid)
    assert "data:" not in note["Front"] + note["Back"]
    files = sorted(p.name for p in __import__("pathlib").Path(col.media.dir()).iterdir())
    assert len([f for f in files if f.endswith(".png")]) == 1
    assert len([f for f in files if f.endswith(".jpg")]) == 1
    assert len([f for f in files if f.endswith(".svg")]) == 1
    png = next(f for f in files if f.endswith(".png"))
    assert f'src="{png}"' in note["Front"] and f'src="{png}"' in note["Back"]


def test_broken_inline_image_is_refused(col):
    fields = {"Front": '<img src="data:image/png;base64,@@@">', "Back": ""}
    assert "is not valid base64" in call_error(col, "addNote", {"note": polar_note(fields=fields)})
    assert col.note_count() == 0


def test_picture_attachment_keeps_mixed_case_name_and_bad_items_are_refused(col):
    note = polar_note(
        guid="pic2",
        fields={"Front": "f2", "Back": ""},
        picture=[{"filename": "Polar12AB.png", "data": PNG_B64, "fields": "Front"}],
    )
    nid = call(col, "addNote", {"note": note})
    assert col.get_note(nid)["Front"] == 'f2<img src="Polar12AB.png">'
    assert "Polar12AB.png" in __import__("os").listdir(col.media.dir())
    bad = polar_note(guid="pic3", fields={"Front": "f3"}, audio=[{"filename": "../x.mp3", "data": PNG_B64}])
    assert call_error(col, "addNote", {"note": bad}).startswith("note.audio: invalid media filename")
    missing = polar_note(guid="pic4", fields={"Front": "f4"}, audio=[{"filename": "x.mp3"}])
    assert (
        call_error(col, "addNote", {"note": missing})
        == 'note.audio: You must provide a "data", "path", or "url" field.'
    )
    assert col.note_count() == 1


def test_picture_attachment_with_data(col):
    note = polar_note(picture=[{"filename": "pic.png", "data": PNG_B64, "fields": ["Back"]}])
    nid = call(col, "addNote", {"note": note})
    assert col.get_note(nid)["Back"].endswith('<img src="pic.png">')
    assert col.media.have("pic.png")


def test_media_references_in_one_field_follow_ankiconnects_order(col):
    note = polar_note(
        fields={"Front": "word", "Back": "meaning"},
        picture=[{"filename": "p.png", "data": PNG_B64, "fields": ["Back"]}],
        audio=[{"filename": "a.mp3", "data": PNG_B64, "fields": ["Back"]}],
        video=[{"filename": "v.mp4", "data": PNG_B64, "fields": ["Back"]}],
    )
    nid = call(col, "addNote", {"note": note})
    assert col.get_note(nid)["Back"] == 'meaning[sound:a.mp3][sound:v.mp4]<img src="p.png">'


def test_source_context_is_linked_on_the_back(col):
    note = polar_note(source={"url": "https://example.org/paper.pdf", "title": "A <Paper>", "text": "highlight"})
    back = col.get_note(call(col, "addNote", {"note": note}))["Back"]
    assert '<a href="https://example.org/paper.pdf">A &lt;Paper&gt;</a>' in back
    assert "<blockquote>highlight</blockquote>" in back
    assert back.startswith("<p>Lists files")


def test_source_goes_to_a_source_field_when_the_type_has_one(col):
    call(
        col,
        "createModel",
        {
            "modelName": "WithSource",
            "inOrderFields": ["Front", "Back", "Source"],
            "cardTemplates": [{"Front": "{{Front}}", "Back": "{{Back}}<hr>{{Source}}"}],
        },
    )
    note = {
        "modelName": "WithSource",
        "fields": {"Front": "q", "Back": "a"},
        "source": {"url": "javascript:alert(1)", "title": "T"},
    }
    stored = col.get_note(call(col, "addNote", {"note": note}))
    assert stored["Back"] == "a" and stored["Source"] == '<div class="polar-source">T</div>'


def test_add_notes_returns_ids_and_null_for_failures_in_one_batch(col):
    notes = [
        polar_note(),
        polar_note(),
        polar_note(guid="second0001", fields={"Front": "", "Back": "x"}),
        polar_cloze(),
        polar_note(modelName="Nope", guid="x1"),
    ]
    ids = call(col, "addNotes", {"notes": notes})
    assert ids[0] and ids[3] and ids[1:3] == [None, None] and ids[4] is None
    assert col.note_count() == 2
    col.undo()  # one undo step takes back the whole batch (and its new deck)
    assert col.note_count() == 0


def test_add_notes_malformed_request_writes_nothing(col):
    assert call_error(col, "addNotes", {"notes": {"a": 1}}) == 'parameter "notes" must be a list of notes'
    assert col.note_count() == 0
    assert call(col, "addNotes", {"notes": [polar_note(), "not a note"]})[1] is None


def test_add_notes_is_atomic_when_the_write_fails(col, monkeypatch):
    def broken(requests):
        raise RuntimeError("disk full")

    monkeypatch.setattr(col, "add_notes", broken)
    with pytest.raises(RuntimeError):
        call(col, "addNotes", {"notes": [polar_note(), polar_cloze()]})
    monkeypatch.undo()
    assert col.note_count() == 0
    assert call(col, "deckNames") == ["Default"]  # the deck made for the batch is taken back too


def test_filtered_deck_is_refused_before_writing(col):
    call(col, "addNote", {"note": polar_cloze(guid="seed", fields={"Text": "{{c1::seed}}"})})
    col.decks.new_filtered("Cram")
    message = call_error(col, "addNote", {"note": polar_note(tags=["deck:cram"])})
    assert message == 'deck "Cram" is a filtered deck; cards can not be added to it'
    assert col.note_count() == 1


def test_can_add_notes_matches_add_note(col):
    notes = [polar_note(), polar_note(fields={"Back": "x"}, guid="g2"), polar_note(modelName="X")]
    assert call(col, "canAddNotes", {"notes": notes}) == [True, False, False]
    details = call(col, "canAddNotesWithErrorDetail", {"notes": notes})
    assert details == [
        {"canAdd": True},
        {"canAdd": False, "error": EMPTY},
        {"canAdd": False, "error": "model was not found: X"},
    ]
    assert col.note_count() == 0


def test_a_change_right_after_a_push_is_seen_by_the_next_lookup(col):
    """The reply to a push does not wait for the clock to leave the write's millisecond, yet a change the user makes
    right after it (often within that millisecond, which leaves ``col.mod`` as the push set it) is seen at once."""
    pushed = polar_note(guid="keptGuid01", fields={"Front": "kept", "Back": "b"})
    kept = call(col, "addNote", {"note": pushed})
    for i in range(20):
        note = polar_note(guid=f"rightAfter{i:02d}", fields={"Front": f"question {i}", "Back": "b"})
        query = {"query": f"tag:polar_guid:{note['guid']}"}
        for _ in range(2):  # asked twice at the same stamp: the lookups come from the in-memory index
            assert call(col, "findNotes", query) == []
        nid = call(col, "addNote", {"note": note})
        col.remove_notes([NoteId(nid)])  # the user deletes it straight away
        assert call(col, "findNotes", query) == []
        assert call(col, "findNotes", {"query": "tag:polar_guid:keptGuid01"}) == [kept]
        # Checked, then the user adds the same question by hand right away: the add refuses it.
        other = polar_note(guid=f"byHandToo{i:02d}", fields={"Front": f"by hand {i}", "Back": "b"})
        assert call(col, "canAddNotes", {"notes": [other]}) == [True]
        by_hand = col.new_note(col.models.by_name("Basic"))
        by_hand["Front"] = f"by hand {i}"
        col.add_note(by_hand, col.decks.id("Default"))
        assert call_error(col, "addNote", {"note": other}) == DUPLICATE
    assert col.note_count() == 21


def test_lookups_see_a_change_another_add_on_makes_in_sql(col):
    """Raw SQL through ``col.db`` (as some add-ons write) leaves ``col.mod`` as it was; lookups still see it."""
    nid = call(col, "addNote", {"note": polar_note()})
    for _ in range(2):  # the second lookup at the same stamp builds the in-memory index
        assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == [nid]
    mod = col.mod
    col.db.execute("update notes set guid = ? where id = ?", "changedGuid", nid)
    assert col.mod == mod
    assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == []
    assert call(col, "findNotes", {"query": "guid:changedGuid"}) == [nid]
    # Its old guid is free again (a different question: the first field would be a duplicate).
    assert call(col, "canAddNotes", {"notes": [polar_note(fields={"Front": "new question", "Back": "b"})]}) == [True]


def test_an_add_after_its_check_sees_changes_made_in_between(col):
    from polar_bridge.actions import ActionContext, ActionError, get_handler
    from polar_bridge.config import load_config

    ctx = ActionContext(col=col, config=load_config({}))  # one config, as in the server
    can_add, add_note = get_handler("canAddNotes"), get_handler("addNote")
    assert can_add and add_note
    # Polar's order: check, then add; the add writes exactly what was checked.
    note = polar_note()
    time.sleep(0.002)  # the collection's stamp is settled, so the check may be reused
    assert can_add(ctx, {"notes": [note]}) == [True]
    nid = add_note(ctx, {"note": note})
    assert col.get_note(nid).guid == note["guid"] and deck_of_note(col, nid) == "compsci::linux"
    # The same note again: a duplicate, although it was checked (and found addable) before the first add.
    with pytest.raises(ActionError, match="duplicate"):
        add_note(ctx, {"note": note})
    # Checked, then the user adds the same question by hand: the add sees it.
    other = polar_note(guid="otherGuid1", fields={"Front": "asked twice", "Back": "b"})
    time.sleep(0.002)
    assert can_add(ctx, {"notes": [other]}) == [True]
    by_hand = col.new_note(col.models.by_name("Basic"))
    by_hand["Front"] = "asked twice"
    col.add_note(by_hand, col.decks.id("compsci::linux"))
    with pytest.raises(ActionError, match="duplicate"):
        add_note(ctx, {"note": other})
    assert col.note_count() == 2


def test_an_add_reuses_only_a_check_of_exactly_the_same_note(col):
    """A check is reused only for the very same note: ``1`` is not ``true`` and NaN is not ``null`` there, as the
    check itself tells them apart."""
    from polar_bridge.actions import ActionContext, ActionError, get_handler
    from polar_bridge.config import load_config

    ctx = ActionContext(col=col, config=load_config({}))
    can_add, add_note = get_handler("canAddNotes"), get_handler("addNote")
    assert can_add and add_note
    add_note(ctx, {"note": polar_note(guid="firstOne01", fields={"Front": "same question", "Back": "b"})})
    again = polar_note(guid="secondOne2", fields={"Front": "same question", "Back": "b"})
    time.sleep(0.002)
    assert can_add(ctx, {"notes": [{**again, "options": {"allowDuplicate": 1}}]}) == [False]
    nid = add_note(ctx, {"note": {**again, "options": {"allowDuplicate": True}}})
    assert col.get_note(nid)["Front"] == "same question"
    other = polar_note(guid="thirdOne03", fields={"Front": "another question", "Back": "b"})
    time.sleep(0.002)
    assert can_add(ctx, {"notes": [{**other, "deckName": None}]}) == [True]
    with pytest.raises(ActionError, match="deckName must be a string"):
        add_note(ctx, {"note": {**other, "deckName": float("nan")}})
    assert col.note_count() == 2


def _polar_sync_card(col, note: dict) -> int | None:
    """One card as Polar sends it: findNotes, canAddNotes, addNote (the collection's stamp settled in between, as
    over HTTP), or None when the add is refused."""
    from polar_bridge.actions import ActionError

    time.sleep(0.002)
    if call(col, "findNotes", {"query": f"tag:polar_guid:{note['guid']}"}):
        return None
    time.sleep(0.002)
    call(col, "canAddNotes", {"notes": [note]})
    try:
        return call(col, "addNote", {"note": note})
    except ActionError:
        return None


def test_notes_added_one_per_request_get_guids_of_their_own_and_the_note_type_as_it_is_now(col):
    """Notes pushed one per request (the add copies one blank note per note type) each get a guid of their own when
    the client sends none, and a field the user adds to the note type is there for the next note."""
    assert _polar_sync_card(col, polar_note(guid="polarOne01", tags=[], fields={"Front": "p", "Back": "b"}))
    nids = []
    for i in range(3):
        note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": f"word {i}", "Back": f"back {i}"}}
        time.sleep(0.002)
        assert call(col, "canAddNotes", {"notes": [note]}) == [True]
        nids.append(call(col, "addNote", {"note": note}))
    notes = [col.get_note(nid) for nid in nids]
    assert [(n["Front"], n["Back"]) for n in notes] == [(f"word {i}", f"back {i}") for i in range(3)]
    assert len({n.guid for n in notes} | {"polarOne01"}) == 4 and all(n.guid for n in notes)
    basic = col.models.by_name("Basic")
    col.models.add_field(basic, col.models.new_field("Extra"))
    col.models.update_dict(basic)
    later = _polar_sync_card(col, polar_note(guid="polarTwo02", tags=[], fields={"Front": "q", "Extra": "more"}))
    assert later and col.get_note(later)["Extra"] == "more" and col.get_note(later).guid == "polarTwo02"
    assert col.note_count() == 5


def test_a_sync_sees_decks_and_note_types_the_user_changes_between_its_cards(col):
    def card(guid: str, deck: str = "Cram", model: str = "Basic") -> dict:
        return polar_note(guid=guid, tags=[f"deck:{deck}"], modelName=model, fields={"Front": guid, "Back": "b"})

    first, second = _polar_sync_card(col, card("cardOne001")), _polar_sync_card(col, card("cardTwo002"))
    assert first and second and deck_of_note(col, first) == deck_of_note(col, second) == "Cram"
    assert [d.name for d in col.decks.all_names_and_ids()].count("Cram") == 1  # made once, then found
    # The user turns "Cram" into a filtered deck: the next card is refused, not added to the deck that was there.
    col.decks.remove([col.decks.id_for_name("Cram")])
    col.decks.new_filtered("Cram")
    assert _polar_sync_card(col, card("cardThree3")) is None
    assert call(col, "canAddNotesWithErrorDetail", {"notes": [card("cardThree3")]}) == [
        {"canAdd": False, "error": 'deck "Cram" is a filtered deck; cards can not be added to it'}
    ]
    # A deck made by the sync is found by the next card; one the user deletes is made again.
    fourth, fifth = _polar_sync_card(col, card("cardFour44", "New")), _polar_sync_card(col, card("cardFive55", "New"))
    assert fourth and fifth and deck_of_note(col, fifth) == "New"
    col.decks.remove([col.decks.id_for_name("New")])
    sixth = _polar_sync_card(col, card("cardSix666", "New"))
    assert sixth and deck_of_note(col, sixth) == "New"
    # A note type the user adds after the first card was refused is found by the next one.
    assert _polar_sync_card(col, card("cardSeven7", "New", "Vocab")) is None
    vocab = col.models.copy(col.models.by_name("Basic"), add=False)
    vocab["name"] = "Vocab"
    col.models.add(vocab)
    seventh = _polar_sync_card(col, card("cardSeven7", "New", "Vocab"))
    assert seventh and col.get_note(seventh).note_type()["name"] == "Vocab"


def _review(col, card_id: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, 3)


def test_update_existing_changes_fields_tags_and_deck_keeping_cards_and_history(col):
    nid = call(col, "addNote", {"note": polar_note()})
    card_ids = col.get_note(nid).card_ids()
    _review(col, card_ids[0])
    reviews = col.db.scalar("select count() from revlog where cid = ?", card_ids[0])
    edited = polar_note(
        fields={"Front": "<p>new front</p>", "Back": "new back"},
        tags=["deck:Moved/Here", "renamed"],
        options={"updateExisting": True},
    )
    assert call(col, "addNote", {"note": edited}) == nid
    note = col.get_note(nid)
    assert note.fields == ["<p>new front</p>", "new back"]
    assert sorted(note.tags) == ["deck:Moved/Here", "renamed"]
    assert note.card_ids() == card_ids and deck_of_note(col, nid) == "Moved::Here"
    assert col.db.scalar("select count() from revlog where cid = ?", card_ids[0]) == reviews == 1
    assert col.note_count() == 1


def test_update_existing_from_config(col):
    nid = call(col, "addNote", {"note": polar_note()})
    edited = polar_note(fields={"Front": "changed", "Back": "b"})
    assert call(col, "addNote", {"note": edited}, updateExisting=True) == nid
    assert col.get_note(nid)["Front"] == "changed"


def test_unchanged_repush_does_not_touch_the_note(col):
    nid = call(col, "addNote", {"note": polar_note(source={"url": "https://x.org", "title": "X"})})
    before = col.get_note(nid)
    time.sleep(1.1)  # note mtimes are in seconds
    again = polar_note(source={"url": "https://x.org", "title": "X"}, options={"updateExisting": True})
    assert call(col, "addNote", {"note": again}) == nid
    after = col.get_note(nid)
    assert (after.mod, after.usn, after.fields) == (before.mod, before.usn, before.fields)


def test_update_keeps_anki_marked_tag(col):
    nid = call(col, "addNote", {"note": polar_note()})
    call(col, "addTags", {"notes": [nid], "tags": "marked"})
    call(col, "addNote", {"note": polar_note(tags=["new"])}, updateExisting=True)
    assert sorted(col.get_note(nid).tags) == ["marked", "new"]


def test_update_note_fields_and_update_note(col):
    nid = call(col, "addNote", {"note": polar_note()})
    call(col, "updateNoteFields", {"note": {"id": nid, "fields": {"back": "B2", "Unknown": "x"}}})
    assert col.get_note(nid).fields == ["<p>What does <b>ls</b> do?</p>", "B2"]
    call(col, "updateNote", {"note": {"id": nid, "fields": {"Front": "F3"}, "tags": ["a b", "/X/Y"]}})
    note = col.get_note(nid)
    assert note.fields == ["F3", "B2"] and sorted(note.tags) == ["X::Y", "a_b"]
    col.undo()  # one undo step per update
    assert col.get_note(nid)["Front"] == "<p>What does <b>ls</b> do?</p>"


def test_update_note_without_changes_keeps_mtime(col):
    nid = call(col, "addNote", {"note": polar_note(tags=["t"], guid=None)})
    before = col.get_note(nid).mod
    time.sleep(1.1)
    call(col, "updateNoteFields", {"note": {"id": nid, "fields": {"Back": col.get_note(nid)["Back"]}}})
    call(col, "updateNote", {"note": {"id": nid, "tags": ["t"]}})
    assert col.get_note(nid).mod == before


@pytest.mark.parametrize(
    "action, params, message",
    [
        ("updateNoteFields", {"note": {"id": 123, "fields": {"Front": "x"}}}, "Note was not found: 123"),
        ("updateNoteFields", {"note": {"id": "1", "fields": {}}}, 'parameter "id" must be an id (integer)'),
        ("updateNoteFields", {"note": {"id": 1}}, 'missing parameter "fields" (an object mapping field names to text)'),
        ("updateNote", {"note": {"id": 1}}, 'updateNote needs "fields" and/or "tags" in "note"'),
        ("addTags", {"notes": [1], "tags": 5}, 'parameter "tags" must be a space-separated string of tags'),
        ("deleteNotes", {"notes": ["a"]}, 'parameter "notes" must be a list of ids (integers)'),
        ("notesInfo", {}, 'Must provide either "notes" or a "query"'),
    ],
)
def test_note_action_param_errors(col, action, params, message):
    assert call_error(col, action, params) == message


def test_update_note_fields_on_missing_note_writes_nothing(col):
    nid = call(col, "addNote", {"note": polar_note()})
    call_error(col, "updateNoteFields", {"note": {"id": nid + 1, "fields": {"Front": "x"}}})
    assert col.get_note(nid)["Front"] == "<p>What does <b>ls</b> do?</p>"


def test_add_and_remove_tags(col):
    nid = call(col, "addNote", {"note": polar_cloze()})
    call(col, "addTags", {"notes": [nid], "tags": "extra more"})
    assert {"extra", "more"} <= set(col.get_note(nid).tags)
    call(col, "removeTags", {"notes": [nid, 999], "tags": "extra Books::SF"})
    assert sorted(col.get_note(nid).tags) == ["Machine_Learning", "_polar-flashcard", "more"]


def test_delete_notes(col):
    ids = call(col, "addNotes", {"notes": [polar_note(), polar_cloze()]})
    call(col, "deleteNotes", {"notes": [ids[0], 12345]})
    assert col.note_count() == 1
    assert call(col, "findNotes", {"query": "guid:1kyqEFBrFS"}) == []


def test_notes_info_by_ids_and_query(col):
    nid = call(col, "addNote", {"note": polar_note()})
    info = call(col, "notesInfo", {"notes": [nid, 42]})
    assert info[1] == {}
    assert info[0]["noteId"] == nid and info[0]["modelName"] == "Basic"
    assert info[0]["fields"]["Back"] == {"value": col.get_note(nid)["Back"], "order": 1}
    assert info[0]["cards"] == col.get_note(nid).card_ids()
    assert call(col, "notesInfo", {"query": "tag:polar_guid:1kyqEFBrFS"}) == [info[0]]


def test_update_of_legacy_tagged_note_keeps_its_polar_guid_tag(col):
    nid = call(col, "addNote", {"note": polar_note(guid=None, tags=["polar_guid:1kyqEFBrFS", "old"])})
    assert call(col, "addNote", {"note": polar_note(fields={"Front": "new", "Back": "b"})}, updateExisting=True) == nid
    note = col.get_note(nid)
    assert note["Front"] == "new" and "polar_guid:1kyqEFBrFS" in note.tags and "old" not in note.tags
    assert call(col, "findNotes", {"query": "tag:polar_guid:1kyqEFBrFS"}) == [nid]


def test_update_push_is_one_undo_step(col):
    nid = call(col, "addNote", {"note": polar_note()})
    call(
        col,
        "addNote",
        {"note": polar_note(fields={"Front": "new", "Back": "b"}, tags=["deck:Else"])},
        updateExisting=True,
    )
    col.undo()
    assert col.get_note(nid)["Front"] == "<p>What does <b>ls</b> do?</p>"
    assert deck_of_note(col, nid) == "compsci::linux"
