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


# --- Deck options presets as Anki's Deck Options saves them: one undoable "Deck Options" step ----------------------

LIMIT_KEYS = ("reviewLimit", "newLimit", "reviewLimitToday", "newLimitToday", "desiredRetention")


def _preset_collection(col) -> dict[str, int]:
    """Decks A (own review limit and today's new limit), B (own new limit), C, a filtered deck, with FSRS on and
    presets Fast (used by A and B), Tuned (its own FSRS parameters; used by C) and Spare (used by no deck); then an
    unrelated step (Add Note) that must stay undoable."""
    ids = {name: int(col.decks.id(name)) for name in ("A", "B", "C")}
    col.set_config("fsrs", True)
    fast = col.decks.add_config_returning_id("Fast", col.decks.get_config(1))
    tuned = col.decks.get_config(col.decks.add_config_returning_id("Tuned", col.decks.get_config(1)))
    defaults = col.decks.get_deck_configs_for_update(1).defaults.config
    tuned["fsrsParams6"] = [round(w * 1.1, 4) for w in defaults.fsrs_params_6]
    tuned["desiredRetention"] = 0.85
    col.decks.update_config(tuned)
    spare = col.decks.add_config_returning_id("Spare", col.decks.get_config(1))
    limits = {"A": {"reviewLimit": 50, "newLimitToday": {"limit": 3, "today": col.sched.today}}, "B": {"newLimit": 7}}
    for name, conf in (("A", fast), ("B", fast), ("C", tuned["id"])):
        deck = col.decks.get(ids[name])
        deck.update(conf=conf, **limits.get(name, {}))
        col.decks.save(deck)
    add_basic(col, "in a filtered deck")
    ids["F"] = int(col.decks.new_filtered("F"))
    ids.update(Fast=int(fast), Tuned=int(tuned["id"]), Spare=int(spare))
    add_basic(col, "unrelated")
    assert undo_name(col) == "Add Note"
    return ids


def _state(col) -> dict:
    """Everything a preset request could touch: presets, decks (preset, limits…), the collection-wide switches."""
    current = col.decks.get_deck_configs_for_update(1)
    switches = (current.fsrs, current.card_state_customizer, current.new_cards_ignore_review_limit)
    switches += (current.apply_all_parent_limits, current.fsrs_health_check)
    return {
        "presets": {conf["id"]: conf for conf in col.decks.all_config()},
        "decks": {deck["id"]: deck for deck in col.decks.all()},
        "switches": switches,
    }


def _decks_kept(before: dict, after: dict, assigned: dict[int, int] | None = None) -> None:
    """Every deck has its limits as before and its preset as before unless ``assigned`` (deck id -> preset id)."""
    for did, deck in before["decks"].items():
        now = after["decks"][did]
        assert {key: now.get(key) for key in LIMIT_KEYS} == {key: deck.get(key) for key in LIMIT_KEYS}
        assert now.get("conf") == (assigned or {}).get(did, deck.get("conf"))
    assert after["switches"] == before["switches"]


def _undo_restores(col, before: dict) -> None:
    """One Edit > Undo named as Anki names its Deck Options save brings everything back; the step before it
    (Add Note) is still there."""
    assert undo_name(col) == "Deck Options"
    col.undo()
    assert _state(col) == before
    assert undo_name(col) == "Add Note"


def test_save_deck_config_is_one_undoable_deck_options_step(col):
    ids = _preset_collection(col)
    before = _state(col)
    fast = ok(col, "getDeckConfig", deck="A")
    fast["new"]["perDay"] = 7
    assert ok(col, "saveDeckConfig", config=fast) is True
    after = _state(col)
    assert after["presets"][ids["Fast"]]["new"]["perDay"] == 7
    assert {k: v for k, v in after["presets"].items() if k != ids["Fast"]} == {
        k: v for k, v in before["presets"].items() if k != ids["Fast"]
    }
    _decks_kept(before, after)
    _undo_restores(col, before)
    # A preset Anki refuses: its error, nothing written, Undo as it was.
    for refused in ({"name": 5}, {"fsrsParams6": [1.0, 2.0, 3.0]}):  # not a name; not FSRS parameters
        message = err(col, "saveDeckConfig", config={"id": ids["Fast"], **refused})
        assert message.startswith("saveDeckConfig: ")
        assert _state(col) == before and undo_name(col) == "Add Note"
    # A preset no deck uses: saved, and every deck keeps its preset.
    spare = col.decks.get_config(ids["Spare"])
    assert ok(col, "saveDeckConfig", config={"id": str(ids["Spare"]), "name": "Renamed"}) is True
    after = _state(col)
    assert after["presets"][ids["Spare"]] == {**spare, "name": "Renamed", "mod": after["presets"][ids["Spare"]]["mod"]}
    assert {k: v for k, v in after["presets"].items() if k != ids["Spare"]} == {
        k: v for k, v in before["presets"].items() if k != ids["Spare"]
    }
    _decks_kept(before, after)
    _undo_restores(col, before)


def test_set_deck_config_id_is_one_step_and_keeps_each_decks_limits(col):
    ids = _preset_collection(col)
    before = _state(col)
    assert ok(col, "setDeckConfigId", decks=["A", "B", "C"], configId=ids["Spare"]) is True
    after = _state(col)
    _decks_kept(before, after, {ids[name]: ids["Spare"] for name in "ABC"})
    assert after["presets"] == before["presets"]
    _undo_restores(col, before)
    # Decks that have the preset already: nothing to do, and no empty step in Edit > Undo.
    assert ok(col, "setDeckConfigId", decks=["A", "b"], configId=ids["Fast"]) is True
    assert _state(col) == before and undo_name(col) == "Add Note"
    # A filtered deck among them: the error, and nothing changed (no new undo step either).
    message = err(col, "setDeckConfigId", decks=["A", "F"], configId=ids["Spare"])
    assert message == "deck F is a filtered deck and has no options preset"
    assert _state(col) == before and undo_name(col) == "Add Note"


def test_set_deck_config_id_resorts_new_cards_as_deck_options_does(col):
    """A preset with another insertion order re-sorts the deck's new cards, as choosing it in Deck Options does."""
    ids = _preset_collection(col)
    for number in range(12):
        add_basic(col, f"new {number}", deck="C")
    cards = col.find_cards('deck:"C"', order="c.id")
    dues = [col.get_card(cid).due for cid in cards]
    assert dues == sorted(dues)
    spare = col.decks.get_config(ids["Spare"])
    spare["new"]["order"] = 0  # random
    assert ok(col, "saveDeckConfig", config=spare) is True
    assert ok(col, "setDeckConfigId", decks=["C"], configId=ids["Spare"]) is True
    shuffled = [col.get_card(cid).due for cid in cards]
    assert len(set(shuffled)) == len(cards) and shuffled != sorted(shuffled)  # no longer in the order added
    col.undo()
    assert [col.get_card(cid).due for cid in cards] == dues


def test_preset_changes_never_reschedule_cards(col):
    """FSRS on: another preset's parameters update the cards' memory states as Anki does, never their due days."""
    from engine_helpers import DAY, Rev, card_row, review_card

    ids = _preset_collection(col)
    history = [Rev(ago=60 * DAY, kind=0, ivl=1), Rev(ago=50 * DAY, ivl=10), Rev(ago=20 * DAY, ivl=30)]
    cards = [review_card(col, history, deck_id=ids["A"], due=col.sched.today + 10, ivl=30) for _ in range(3)]
    rows = [card_row(col, cid) for cid in cards]
    assert ok(col, "setDeckConfigId", decks=["A"], configId=ids["Tuned"]) is True
    assert [card_row(col, cid) for cid in cards] == rows
    assert all(col.get_card(cid).memory_state is not None for cid in cards)


def test_clone_deck_config_id_is_undoable_and_returns_the_new_id(col):
    ids = _preset_collection(col)
    before = _state(col)
    new_id = ok(col, "cloneDeckConfigId", name="Copy", cloneFrom=str(ids["Tuned"]))
    after = _state(col)
    assert set(after["presets"]) == set(before["presets"]) | {new_id}
    copy, source = after["presets"][new_id], before["presets"][ids["Tuned"]]
    skip = {"id", "name", "mod", "usn"}
    assert copy["name"] == "Copy" and {k: v for k, v in copy.items() if k not in skip} == {
        k: v for k, v in source.items() if k not in skip
    }
    assert {k: v for k, v in after["presets"].items() if k != new_id} == before["presets"]
    _decks_kept(before, after)
    _undo_restores(col, before)


def test_remove_deck_config_id_is_undoable_and_its_decks_keep_their_limits(col):
    ids = _preset_collection(col)
    before = _state(col)
    assert ok(col, "removeDeckConfigId", configId=ids["Fast"]) is True
    after = _state(col)
    assert set(after["presets"]) == set(before["presets"]) - {ids["Fast"]}
    assert all(after["presets"][k] == v for k, v in before["presets"].items() if k != ids["Fast"])
    _decks_kept(before, after, {ids["A"]: 1, ids["B"]: 1})
    assert col.schema_changed()  # a full sync is due, as after Anki's own removal
    _undo_restores(col, before)
    # One no deck uses.
    assert ok(col, "removeDeckConfigId", configId=ids["Spare"]) is True
    after = _state(col)
    assert set(after["presets"]) == set(before["presets"]) - {ids["Spare"]}
    _decks_kept(before, after)
    _undo_restores(col, before)


def test_remove_deck_config_id_declined_full_sync_changes_nothing(col):
    """Anki asks before a change that forces a full sync; declined, nothing changes and Undo still has the step
    before."""
    from anki import hooks

    ids = _preset_collection(col)
    col.db.execute("update col set ls = scm")  # as just after a sync: no full sync due yet
    add_basic(col, "after sync")
    before = _state(col)

    def decline(proceed: bool) -> bool:
        return False

    hooks.schema_will_change.append(decline)
    try:
        message = err(col, "removeDeckConfigId", configId=ids["Fast"])
    finally:
        hooks.schema_will_change.remove(decline)
    assert message.startswith("removeDeckConfigId")
    assert _state(col) == before and undo_name(col) == "Add Note" and not col.schema_changed()


def test_preset_requests_over_more_decks_than_anki_keeps_undo_steps_are_one_step(col):
    """Anki keeps 30 undo steps; a preset given to (and removed from) 40 decks is still one step each."""
    ids = _preset_collection(col)
    names = [f"Many::{number}" for number in range(40)]
    for name in names:
        col.decks.id(name)
    add_basic(col, "after the decks")
    before = _state(col)
    assert ok(col, "setDeckConfigId", decks=names, configId=ids["Spare"]) is True
    assert {col.decks.get(col.decks.id_for_name(name))["conf"] for name in names} == {ids["Spare"]}
    _undo_restores(col, before)
    assert ok(col, "setDeckConfigId", decks=names, configId=ids["Spare"]) is True
    assigned = _state(col)
    assert ok(col, "removeDeckConfigId", configId=ids["Spare"]) is True
    assert {col.decks.get(col.decks.id_for_name(name))["conf"] for name in names} == {1}
    assert undo_name(col) == "Deck Options"
    col.undo()
    assert _state(col) == assigned


def test_a_past_today_only_limit_stays_in_the_past(col):
    """A deck's "today only" limit from an earlier day stays inactive when the deck gets another preset (Anki
    reports it with its number; sent back as it is, it would apply again today)."""
    col.db.execute("update col set crt = crt - 5 * 86400")  # a collection five days old
    today = col.sched.today
    assert today >= 5
    deck = col.decks.get(col.decks.id("Old"))
    deck["reviewLimitToday"] = {"limit": 4, "today": today - 2}
    deck["newLimitToday"] = {"limit": 2, "today": today}
    col.decks.save(deck)
    spare = ok(col, "cloneDeckConfigId", name="Spare", cloneFrom=1)
    assert ok(col, "setDeckConfigId", decks=["Old"], configId=spare) is True
    now = col.decks.get(deck["id"])
    assert now["conf"] == spare
    assert now["reviewLimitToday"] == {"limit": 4, "today": today - 2} and now["newLimitToday"] == deck["newLimitToday"]
