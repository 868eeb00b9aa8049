"""Statistics and review-history actions: review counts, review logs by deck or card, inserting reviews, the
collection statistics page."""

from __future__ import annotations

import time
from typing import Any

from anki.utils import ids2str

from ..collection_db import db
from .common import deck_id
from .registry import ActionContext, ActionError, Param, action, array, flag, ids, text

# Review-log columns in AnkiConnect's order.
_REVIEW_COLUMNS = ("id", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type")


@action("getNumCardsReviewedToday", off_main=True)
def get_num_cards_reviewed_today(ctx: ActionContext, params: dict) -> int:
    """Review-log entries since today's rollover ("next day starts at")."""
    day_start_ms = (ctx.col.sched.day_cutoff - 86400) * 1000
    return db(ctx.col).scalar("select count() from revlog where id > ?", day_start_ms)


@action("getNumCardsReviewedByDay", off_main=True)
def get_num_cards_reviewed_by_day(ctx: ActionContext, params: dict) -> list[list[Any]]:
    """[["YYYY-MM-DD", count], …], newest day first; a day runs from the rollover hour to the next (local time)."""
    rollover_hour = int(time.strftime("%H", time.localtime(ctx.col.sched.day_cutoff)))
    rows = db(ctx.col).all(
        "select date(id/1000 - ?, 'unixepoch', 'localtime') as day, count() from revlog group by day order by day desc",
        rollover_hour * 3600,
    )
    return [list(row) for row in rows]


@action("getCollectionStatsHTML", flag("wholeCollection", True))
def get_collection_stats_html(ctx: ActionContext, params: dict) -> str:
    """Anki's statistics page (the legacy HTML report), for the whole collection or the current deck."""
    stats = ctx.col.stats()
    stats.wholeCollection = params["wholeCollection"]
    return stats.report()


@action(
    "cardReviews",
    text("deck", "a deck name"),
    Param("startID", (int,), "a review id (epoch milliseconds)"),
    off_main=True,
)
def card_reviews(ctx: ActionContext, params: dict) -> list[list[int]]:
    """Reviews of the deck's cards after ``startID``: [id, cid, usn, ease, ivl, lastIvl, factor, time, type]."""
    did = deck_id(ctx.col, params["deck"])
    rows = db(ctx.col).all(
        "select id, cid, usn, ease, ivl, lastIvl, factor, time, type from revlog where id > ? "
        "and cid in (select id from cards where did = ? or odid = ?) order by id",
        params["startID"],
        did,
        did,
    )
    return [list(row) for row in rows]


@action("getLatestReviewID", text("deck", "a deck name"), off_main=True)
def get_latest_review_id(ctx: ActionContext, params: dict) -> int:
    did = deck_id(ctx.col, params["deck"])
    return (
        db(ctx.col).scalar(
            "select max(id) from revlog where cid in (select id from cards where did = ? or odid = ?)", did, did
        )
        or 0
    )


@action("getReviewsOfCards", ids("cards"), off_main=True)
def get_reviews_of_cards(ctx: ActionContext, params: dict) -> dict[str, list[dict[str, int]]]:
    """Card id -> its reviews, oldest first, from one query."""
    card_ids = params["cards"]
    result: dict[str, list[dict[str, int]]] = {str(cid): [] for cid in card_ids}
    if card_ids:
        for row in db(ctx.col).all(
            f"select cid, {', '.join(_REVIEW_COLUMNS)} from revlog where cid in {ids2str(card_ids)} order by id"
        ):
            result[str(row[0])].append(dict(zip(_REVIEW_COLUMNS, row[1:])))
    return result


@action(
    "insertReviews", array("reviews", "a list of [id, cid, usn, ease, ivl, lastIvl, factor, time, type]"), writes=True
)
def insert_reviews(ctx: ActionContext, params: dict) -> None:
    """Add review-log entries (e.g. imported from another app). Every row is checked first: nine integers, a
    card that exists, an id not taken; then all are written together or none."""
    rows = params["reviews"]
    for i, row in enumerate(rows):
        if not (
            isinstance(row, list) and len(row) == 9 and all(isinstance(v, int) and not isinstance(v, bool) for v in row)
        ):
            raise ActionError(
                f"reviews[{i}] must be a list of 9 integers [id, cid, usn, ease, ivl, lastIvl, factor, time, type]"
            )
    if not rows:
        return
    card_ids = {row[1] for row in rows}
    known = set(db(ctx.col).list(f"select id from cards where id in {ids2str(card_ids)}"))
    missing = sorted(card_ids - known)
    if missing:
        raise ActionError(f"Card was not found: {missing[0]}")
    review_ids = [row[0] for row in rows]
    if len(set(review_ids)) != len(review_ids):
        raise ActionError("reviews: two rows have the same id")
    taken = db(ctx.col).list(f"select id from revlog where id in {ids2str(review_ids)}")
    if taken:
        raise ActionError(f"reviews: a review with id {taken[0]} exists already")
    # One statement: all rows or none. Anki has no operation for adding review-log rows, so this is not undoable.
    db(ctx.col).executemany(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
