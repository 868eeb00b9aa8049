"""Deck actions through the protocol layer on a real collection."""

from __future__ import annotations

from actions_helpers import add_basic, card_of, err, ok, undo_name


def test_get_decks_change_deck_and_names(col):
    a = card_of(col, add_basic(col, "a"))
    b = card_of(col, add_basic(col, "b", deck="X"))
    assert ok(col, "getDecks", cards=[a, b, 3]) == {"Default": [a], "X": [b]}
    assert ok(col, "changeDeck", cards=[a, b], deck="New::Sub") is None
    assert ok(col, "getDecks", cards=[a, b]) == {"New::Sub": [a, b]}
    assert undo_name(col) == "Change Deck"
    col.undo()  # one step: the cards move back and the new decks go away
    assert ok(col, "getDecks", cards=[a, b]) == {"Default": [a], "X": [b]}
    assert "New" not in ok(col, "deckNames")
    assert err(col, "changeDeck", cards=[a, 99], deck="Y") == "Card was not found: 99"
    assert "Y" not in ok(col, "deckNames")
    did = ok(col, "deckNamesAndIds")["X"]
    assert ok(col, "deckNameFromId", deckId=did) == "X"
    assert err(col, "deckNameFromId", deckId=42) == "deck was not found: 42"


def test_delete_decks_needs_cards_too_and_skips_unknown(col):
    add_basic(col, "a", deck="Gone::Child")
    message = err(col, "deleteDecks", decks=["Gone"])
    assert message == "Since Anki 2.1.28 it's not possible to delete decks without deleting cards as well"
    assert ok(col, "deleteDecks", decks=[], cardsToo=True) is None  # yanki sends an empty list
    assert ok(col, "deleteDecks", decks=["Gone", "Nope"], cardsToo=True) is None
    assert ok(col, "deckNames") == ["Default"] and col.card_count() == 0


def test_deck_options_presets(col):
    ok(col, "createDeck", deck="Lang")
    conf = ok(col, "getDeckConfig", deck="Lang")
    assert conf["id"] == 1 and ok(col, "getDeckConfig", deck="Nope") is False
    new_id = ok(col, "cloneDeckConfigId", name="Fast", cloneFrom=1)
    assert isinstance(new_id, int) and ok(col, "cloneDeckConfigId", name="x", cloneFrom=999) is False
    assert ok(col, "setDeckConfigId", decks=["Lang"], configId=new_id) is True
    assert ok(col, "getDeckConfig", deck="Lang")["name"] == "Fast"
    assert ok(col, "setDeckConfigId", decks=["Lang", "Nope"], configId=1) is False
    fast = ok(col, "getDeckConfig", deck="Lang")
    fast["new"]["perDay"] = 7
    assert ok(col, "saveDeckConfig", config=fast) is True
    assert col.decks.get_config(new_id)["new"]["perDay"] == 7
    assert ok(col, "saveDeckConfig", config={**fast, "id": 999}) is False
    assert ok(col, "removeDeckConfigId", configId=new_id) is True
    assert ok(col, "getDeckConfig", deck="Lang")["id"] == 1
    assert ok(col, "removeDeckConfigId", configId=new_id) is False


def test_deck_stats(col):
    add_basic(col, "a", deck="S")
    add_basic(col, "b", deck="S")
    did = ok(col, "deckNamesAndIds")["S"]
    stats = ok(col, "getDeckStats", decks=["S", "Nope"])
    assert stats == {
        str(did): {"deck_id": did, "name": "S", "new_count": 2, "learn_count": 0, "review_count": 0, "total_in_deck": 2}
    }
