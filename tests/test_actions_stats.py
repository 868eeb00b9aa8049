"""Statistics, review history, packages and apiReflect through the protocol layer on a real collection."""

from __future__ import annotations

import time

from actions_helpers import add_basic, card_of, err, ok, reply
from gui_helpers import answer


def test_review_history_actions(col):
    a = card_of(col, add_basic(col, "a", deck="D"))
    b = card_of(col, add_basic(col, "b"))
    answer(col, [a, b], ease=3)
    assert ok(col, "getNumCardsReviewedToday") == 2
    day, count = ok(col, "getNumCardsReviewedByDay")[0]
    assert count == 2 and len(day) == 10
    rows = ok(col, "cardReviews", deck="D", startID=0)
    assert len(rows) == 1 and rows[0][1] == a and len(rows[0]) == 9
    assert ok(col, "getLatestReviewID", deck="D") == rows[0][0]
    assert err(col, "getLatestReviewID", deck="Nope") == "deck was not found: Nope"
    reviews = ok(col, "getReviewsOfCards", cards=[a, 5])
    assert reviews["5"] == [] and reviews[str(a)][0]["id"] == rows[0][0] and reviews[str(a)][0]["ease"] == 3


def test_insert_reviews_checks_every_row_first(col):
    a = card_of(col, add_basic(col, "a"))
    now = int(time.time() * 1000)
    good = [now, a, -1, 3, 4, 0, 2500, 6000, 1]
    assert (
        err(col, "insertReviews", reviews=[good, [now + 1, 99, -1, 3, 4, 0, 2500, 6000, 1]]) == "Card was not found: 99"
    )
    assert err(col, "insertReviews", reviews=[good[:5]]).startswith("reviews[0] must be a list of 9 integers")
    assert col.db.scalar("select count() from revlog") == 0  # nothing written by the failed requests
    ok(col, "insertReviews", reviews=[good])
    assert ok(col, "getReviewsOfCards", cards=[a])[str(a)][0]["ivl"] == 4
    assert err(col, "insertReviews", reviews=[good]) == f"reviews: a review with id {now} exists already"


def test_collection_stats_html(col):
    add_basic(col, "a")
    assert "<" in ok(col, "getCollectionStatsHTML", wholeCollection=True)


def test_export_and_import_package(col, tmp_path):
    add_basic(col, "exported", deck="Pack")
    path = tmp_path / "pack.apkg"
    assert ok(col, "exportPackage", deck="Pack", path=str(path)) is True and path.stat().st_size > 0
    assert ok(col, "exportPackage", deck="Nope", path=str(path)) is False
    ok(col, "deleteDecks", decks=["Pack"], cardsToo=True)
    assert ok(col, "importPackage", path=str(path)) is True
    assert col.find_notes("exported") and "Pack" in ok(col, "deckNames")
    assert err(col, "importPackage", path=str(tmp_path / "none.apkg")).startswith("file not found")


def test_api_reflect_and_no_profile(col):
    result = ok(col, "apiReflect", scopes=["actions"], actions=["addNote", "nope", "multi"])
    assert result == {"scopes": ["actions"], "actions": ["addNote", "multi"]}
    assert err(col, "apiReflect", scopes="x") == "scopes has invalid value"
    # No profile open: profile-free actions answer, collection actions say why they can't.
    assert ok(None, "version") == 6
    assert ok(None, "apiReflect", scopes=["actions"])["scopes"] == ["actions"]
    assert reply(None, "deckNames") == {"result": None, "error": "collection is not available"}
