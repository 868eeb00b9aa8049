"""Card actions through the protocol layer on a real collection: results, errors, one undo step per write."""

from __future__ import annotations

from actions_helpers import add_basic, card_of, err, ok, undo_name
from gui_helpers import answer


def _cards(col, n: int) -> list[int]:
    return [card_of(col, add_basic(col, f"q{i}")) for i in range(n)]


def test_suspend_unsuspend_and_their_reads(col):
    a, b = _cards(col, 2)
    assert ok(col, "suspend", cards=[a]) is True
    assert undo_name(col) == "Suspend"  # Anki names its own operation
    assert ok(col, "suspend", cards=[a]) is False  # nothing left to change
    assert ok(col, "suspended", card=a) is True and ok(col, "suspended", card=b) is False
    assert ok(col, "areSuspended", cards=[a, b, 1]) == [True, False, None]
    assert ok(col, "unsuspend", cards=[a, b]) is True
    assert ok(col, "areSuspended", cards=[a, b]) == [False, False]
    assert err(col, "suspended", card=1) == "Card was not found: 1"
    assert err(col, "suspend", cards="x") == 'parameter "cards" must be a list of ids'


def test_are_due_get_intervals_and_ease(col):
    new, reviewed = _cards(col, 2)
    answer(col, [reviewed], ease=3)
    answer(col, [reviewed], ease=3)
    assert ok(col, "areDue", cards=[new, reviewed, 5]) == [True, False, None]
    ivls = ok(col, "getIntervals", cards=[new, reviewed])
    assert ivls[0] == 0 and ivls[1] == col.db.scalar("select ivl from revlog where cid=? order by id desc", reviewed)
    assert len(ok(col, "getIntervals", cards=[reviewed], complete=True)[0]) == 2
    assert ok(col, "getEaseFactors", cards=[reviewed, 9]) == [col.get_card(reviewed).factor, None]
    assert ok(col, "setEaseFactors", cards=[reviewed, 9], easeFactors=[3100, 2000]) == [True, False]
    assert col.get_card(reviewed).factor == 3100 and undo_name(col) == "Set Ease Factors"
    assert (
        err(col, "setEaseFactors", cards=[reviewed], easeFactors=[])
        == '"cards" and "easeFactors" must have the same length'
    )


def test_set_specific_value_guards_dangerous_keys(col):
    (cid,) = _cards(col, 1)
    assert ok(col, "setSpecificValueOfCard", card=cid, keys=["flags"], newValues=[3]) == [True]
    assert col.get_card(cid).flags == 3
    assert ok(col, "setSpecificValueOfCard", card=cid, keys=["ivl"], newValues=[9]) is False
    assert ok(col, "setSpecificValueOfCard", card=cid, keys=["ivl"], newValues=[9], warning_check=True) == [True]
    assert col.get_card(cid).ivl == 9
    assert ok(col, "setSpecificValueOfCard", card=cid, keys=["a", "b"], newValues=[1]) is False
    assert err(col, "setSpecificValueOfCard", card=1, keys=["flags"], newValues=[1]) == "Card was not found: 1"


def test_forget_relearn_set_due_date(col):
    a, b = _cards(col, 2)
    answer(col, [a, b], ease=3)
    answer(col, [a, b], ease=3)
    assert ok(col, "setDueDate", cards=[a], days="5") is True
    assert col.get_card(a).due == col.sched.today + 5 and undo_name(col) == "Set Due Date"
    assert err(col, "setDueDate", cards=[a], days="soon").startswith("invalid days")
    ok(col, "relearnCards", cards=[a])
    card = col.get_card(a)
    assert (card.type, card.queue) == (3, 1) and undo_name(col) == "Relearn Cards"
    assert ok(col, "forgetCards", cards=[b]) is None
    assert col.get_card(b).type == 0 and undo_name(col) == "Reset Card"
    assert err(col, "forgetCards", cards=[b, 1]) == "Card was not found: 1"


def test_answer_cards_is_one_undo_step_and_writes_review_log(col):
    a, b = _cards(col, 2)
    assert ok(
        col, "answerCards", answers=[{"cardId": a, "ease": 3}, {"cardId": b, "ease": 1}, {"cardId": 1, "ease": 3}]
    ) == [True, True, False]
    assert col.db.scalar("select count() from revlog") == 2
    assert undo_name(col) == "Answer Cards"
    col.undo()
    assert col.db.scalar("select count() from revlog") == 0
    assert err(col, "answerCards", answers=[{"cardId": a, "ease": 5}]) == "answers[0].ease must be 1, 2, 3 or 4"


def test_mod_time_to_notes_and_info_are_bulk_reads(col):
    nids = [add_basic(col, f"q{i}") for i in range(3)]
    cids = [card_of(col, n) for n in nids]
    assert ok(col, "cardsToNotes", cards=cids + [cids[0], 7]) == nids
    assert ok(col, "cardsModTime", cards=[cids[0], 7]) == [{"cardId": cids[0], "mod": col.get_card(cids[0]).mod}, {}]
    info = ok(col, "cardsInfo", cards=[cids[0]])[0]
    assert len(info["nextReviews"]) == 4 and info["note"] == nids[0]
    assert ok(col, "findCards") == [] and sorted(ok(col, "findCards", query="deck:Default")) == sorted(cids)


def test_a_request_failing_part_way_leaves_the_collection_as_it_was(col):
    from polar_bridge.actions.common import undo_step

    a, b = _cards(col, 2)
    ok(col, "suspend", cards=[b])
    before = col.undo_status().undo
    try:
        with undo_step(col, "Two Writes"):
            col.sched.suspend_cards([a])
            col.set_deck([a], col.decks.id("Elsewhere"))
            raise RuntimeError("the third step fails")
    except RuntimeError:
        pass
    card = col.get_card(a)
    assert card.queue != -1 and col.decks.name(card.did) == "Default"  # both earlier writes undone
    assert col.undo_status().undo == before  # and no half step left on Edit > Undo
    assert ok(col, "areSuspended", cards=[a, b]) == [False, True]  # earlier requests untouched
