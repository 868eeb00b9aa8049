"""Card actions: findCards (with identity terms) and cardsInfo."""

from __future__ import annotations

from notes_helpers import call, call_error, polar_cloze, polar_note


def test_find_cards_by_deck_and_guid(col):
    nid = call(col, "addNote", {"note": polar_note()})
    card_ids = col.get_note(nid).card_ids()
    assert call(col, "findCards", {"query": "deck:compsci::linux"}) == card_ids
    assert call(col, "findCards", {"query": "guid:1kyqEFBrFS"}) == card_ids
    assert call(col, "findCards", {"query": '"tag:polar_guid:1kyqEFBrFS"'}) == card_ids
    assert call_error(col, "findCards", {"query": 3}) == 'parameter "query" must be a search string'


def test_cards_info(col):
    nid = call(col, "addNote", {"note": polar_cloze(fields={"Text": "{{c1::a}} {{c2::b}}"})})
    cids = col.get_note(nid).card_ids()
    info = call(col, "cardsInfo", {"cards": cids + [1]})
    assert info[-1] == {}
    first = info[0]
    assert first["cardId"] == cids[0] and first["note"] == nid and first["deckName"] == "Default"
    assert first["modelName"] == "Cloze" and first["ord"] == 0
    assert first["fields"]["Text"] == {"value": "{{c1::a}} {{c2::b}}", "order": 0}
    assert "[...]" in first["question"] and "b" in first["question"]
    assert {"interval", "due", "queue", "type", "reps", "lapses", "factor", "css", "answer"} <= set(first)
    assert call_error(col, "cardsInfo", {"cards": "1"}) == 'parameter "cards" must be a list of ids'
