"""Deck actions and where pushed cards land (deck tags, nesting, case, default deck, document strategy)."""

from __future__ import annotations

import pytest
from notes_helpers import call, call_error, deck_of_note, open_collection, polar_cloze, polar_note


def test_deck_names_and_ids_list_every_deck(col):
    did = call(col, "createDeck", {"deck": "Reading::Polar"})
    assert call(col, "deckNamesAndIds")["Reading::Polar"] == did
    assert set(call(col, "deckNames")) == {"Default", "Reading", "Reading::Polar"}


def test_create_deck_creates_parents_and_reuses_existing_in_any_case(col):
    did = call(col, "createDeck", {"deck": "a::b::c"})
    assert {"a", "a::b", "a::b::c"} <= set(call(col, "deckNames"))
    assert call(col, "createDeck", {"deck": "A::B::C"}) == did
    assert "A::B::C" not in call(col, "deckNames")


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"deck": "a::::b"}, 'invalid deck name "a::::b": a part between "::" is empty'),
        ({"deck": "  "}, "invalid deck name: it is empty"),
        ({"deck": 5}, 'parameter "deck" must be a deck name'),
        ({}, 'missing parameter "deck" (a deck name)'),
    ],
)
def test_create_deck_rejects_bad_names_and_writes_nothing(col, bad, message):
    assert call_error(col, "createDeck", bad) == message
    assert call(col, "deckNames") == ["Default"]


def test_polar_deck_tag_wins_and_slash_nests(col):
    nid = call(col, "addNote", {"note": polar_note(deckName="Elsewhere")})
    assert deck_of_note(col, nid) == "compsci::linux"


def test_last_deck_tag_wins_and_double_colon_nests(col):
    note = polar_note(tags=["deck:First", "x", "deck:Technology::AI", "deck:Technology/ML"])
    assert deck_of_note(col, call(col, "addNote", {"note": note})) == "Technology::ML"


def test_existing_deck_is_matched_case_insensitively_and_keeps_its_name(col):
    call(col, "createDeck", {"deck": "CompSci::Linux"})
    nid = call(col, "addNote", {"note": polar_note()})
    assert deck_of_note(col, nid) == "CompSci::Linux"
    assert "compsci::linux" not in call(col, "deckNames")


def test_deck_name_used_without_deck_tag(col):
    note = polar_note(tags=["linux"], deckName="Papers::2024")
    assert deck_of_note(col, call(col, "addNote", {"note": note})) == "Papers::2024"


def test_polar_default_deck_goes_to_configured_default_deck(col):
    nid = call(col, "addNote", {"note": polar_cloze()}, defaultDeck="Reading::Polar")
    assert deck_of_note(col, nid) == "Reading::Polar"


def test_default_deck_in_german_collection_is_standard(tmp_path):
    col = open_collection(tmp_path / "de.anki2", "de_DE")
    try:
        nid = call(col, "addNote", {"note": polar_cloze()})
        assert deck_of_note(col, nid) == "Standard"
        assert call(col, "deckNames") == ["Standard"]
    finally:
        col.close()


def test_custom_deck_tag_prefix(col):
    note = polar_note(tags=["anki-deck:Books/SF", "deck:ignored"])
    nid = call(col, "addNote", {"note": note}, deckTagPrefix="anki-deck:")
    assert deck_of_note(col, nid) == "Books::SF"


def test_invalid_deck_tag_is_a_clear_error_and_adds_nothing(col):
    message = call_error(col, "addNote", {"note": polar_note(tags=["deck:a//b"])})
    assert message == 'invalid deck name "a//b": a part between "::" is empty'
    assert col.note_count() == 0


def test_document_strategy_uses_document_title_under_default_deck(col):
    note = polar_cloze(source={"title": "Deep Learning", "url": "https://example.org/dl.pdf"})
    nid = call(col, "addNote", {"note": note}, deckStrategy="document", defaultDeck="Polar")
    assert deck_of_note(col, nid) == "Polar::Deep Learning"
    # A deck tag still wins over the document.
    tagged = polar_note(source={"title": "Deep Learning"})
    assert deck_of_note(col, call(col, "addNote", {"note": tagged}, deckStrategy="document")) == "compsci::linux"


def test_document_strategy_accepts_document_title_key(col):
    note = polar_cloze(documentTitle="Linux Kernel")
    assert deck_of_note(col, call(col, "addNote", {"note": note}, deckStrategy="document")) == "Default::Linux Kernel"


def test_create_deck_then_add_is_one_undo_step(col):
    call(col, "addNote", {"note": polar_note(tags=["deck:New::Deck"])})
    col.undo()
    assert col.note_count() == 0
    assert call(col, "deckNames") == ["Default"]
