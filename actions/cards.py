"""Card actions: finding, reading, suspending, ease, due dates, forgetting, answering.

Reads over many ids are one query each; writes go through Anki's own operations (suspend, set due date, forget,
answer, update cards) so Edit > Undo names them, in one undo step per request.
"""

from __future__ import annotations

import time
from typing import Any

from anki.cards import Card, CardId
from anki.consts import CARD_TYPE_RELEARNING, CARD_TYPE_REV, QUEUE_TYPE_LRN, QUEUE_TYPE_SUSPENDED
from anki.errors import SearchError
from anki.utils import ids2str

from .. import anki_compat, note_identity
from ..collection_db import db
from .common import existing, get_card, require_cards, undo_step
from .registry import ActionContext, ActionError, Param, action, array, flag, ids, integer, text

_CARDS = ids("cards")


@action("findCards", text("query", "a search string", default=None), off_main=True)
def find_cards(ctx: ActionContext, params: dict) -> list[int]:
    query = params["query"]
    if query is None:  # AnkiConnect: no query, no cards
        return []
    try:
        return list(ctx.col.find_cards(note_identity.rewrite_query(ctx.col, query)))
    except SearchError as exc:
        raise ActionError(f"invalid search: {exc}") from exc


def card_info(col, card: Card) -> dict[str, Any]:
    note = card.note()
    notetype = card.note_type()
    fields = {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in notetype["flds"]}
    return {
        "cardId": card.id,
        "fields": fields,
        "fieldOrder": card.ord,
        "question": card.question(),
        "answer": card.answer(),
        "modelName": notetype["name"],
        "ord": card.ord,
        "deckName": col.decks.name(card.did),
        "css": notetype["css"],
        "factor": card.factor,
        "interval": card.ivl,
        "note": card.nid,
        "type": card.type,
        "queue": card.queue,
        "due": card.due,
        "reps": card.reps,
        "lapses": card.lapses,
        "left": card.left,
        "mod": card.mod,
        # The answer buttons' next intervals, as the reviewer shows them.
        "nextReviews": anki_compat.next_interval_labels(col, card.id),
    }


@action("cardsInfo", _CARDS, off_main=True)
def cards_info(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    """Info for each card id; ``{}`` for ids that don't exist (as AnkiConnect does)."""
    card_ids = params["cards"]
    found = existing(ctx.col, "cards", card_ids)
    return [card_info(ctx.col, ctx.col.get_card(CardId(cid))) if cid in found else {} for cid in card_ids]


def _rows(col, card_ids: list[int], columns: str) -> dict[int, tuple]:
    """``columns`` of each existing card, keyed by id, in one query."""
    if not card_ids:
        return {}
    return {
        row[0]: tuple(row[1:])
        for row in db(col).all(f"select id, {columns} from cards where id in {ids2str(card_ids)}")
    }


@action("cardsModTime", _CARDS, off_main=True)
def cards_mod_time(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    rows = _rows(ctx.col, params["cards"], "mod")
    return [{"cardId": cid, "mod": rows[cid][0]} if cid in rows else {} for cid in params["cards"]]


@action("cardsToNotes", _CARDS, off_main=True)
def cards_to_notes(ctx: ActionContext, params: dict) -> list[int]:
    """The notes of the cards, each once, in the order of the cards."""
    rows = _rows(ctx.col, params["cards"], "nid")
    return list(dict.fromkeys(rows[cid][0] for cid in params["cards"] if cid in rows))


# --- Suspending -----------------------------------------------------------------------------------------------


def _set_suspended(ctx: ActionContext, card_ids: list[int], suspend: bool) -> bool:
    """True when at least one card changed (AnkiConnect's result); one Anki operation."""
    rows = _rows(ctx.col, card_ids, "queue")
    to_change = [CardId(cid) for cid, (queue,) in rows.items() if (queue == QUEUE_TYPE_SUSPENDED) != suspend]
    if not to_change:
        return False
    if suspend:
        ctx.col.sched.suspend_cards(to_change)
    else:
        ctx.col.sched.unsuspend_cards(to_change)
    return True


@action("suspend", _CARDS, writes=True)
def suspend(ctx: ActionContext, params: dict) -> bool:
    return _set_suspended(ctx, params["cards"], True)


@action("unsuspend", _CARDS, writes=True)
def unsuspend(ctx: ActionContext, params: dict) -> bool:
    return _set_suspended(ctx, params["cards"], False)


@action("suspended", integer("card", "a card id"), off_main=True)
def suspended(ctx: ActionContext, params: dict) -> bool:
    return get_card(ctx.col, params["card"]).queue == QUEUE_TYPE_SUSPENDED


@action("areSuspended", _CARDS, off_main=True)
def are_suspended(ctx: ActionContext, params: dict) -> list[bool | None]:
    rows = _rows(ctx.col, params["cards"], "queue")
    return [rows[cid][0] == QUEUE_TYPE_SUSPENDED if cid in rows else None for cid in params["cards"]]


@action("areDue", _CARDS, off_main=True)
def are_due(ctx: ActionContext, params: dict) -> list[bool | None]:
    """New cards count as due (as in AnkiConnect); review cards when their day has come; learning cards when their
    time has come. Suspended and buried cards are not due. ``null`` for ids that don't exist."""
    rows = _rows(ctx.col, params["cards"], "queue, due")
    today, now = ctx.col.sched.today, time.time()

    def due(queue: int, due_value: int) -> bool:
        if queue == 0:
            return True
        if queue in (2, 3):  # review, day-learning: due is a day number
            return due_value <= today
        if queue in (1, 4):  # learning (epoch seconds), preview
            return due_value <= now
        return False

    return [due(*rows[cid]) if cid in rows else None for cid in params["cards"]]


# --- Intervals and ease ---------------------------------------------------------------------------------------


@action("getIntervals", _CARDS, flag("complete", False), off_main=True)
def get_intervals(ctx: ActionContext, params: dict) -> list[Any]:
    """Per card: its last review's interval (days positive, seconds negative), or every review's with
    ``complete``; 0 for new cards."""
    card_ids = params["cards"]
    rows = _rows(ctx.col, card_ids, "type, ivl")
    history: dict[int, list[int]] = {}
    if card_ids:
        for cid, ivl in db(ctx.col).all(f"select cid, ivl from revlog where cid in {ids2str(card_ids)} order by id"):
            history.setdefault(cid, []).append(ivl)
    result: list[Any] = []
    for cid in card_ids:
        if cid not in rows:
            result.append(None)
        elif rows[cid][0] == 0:
            result.append(0)
        elif params["complete"]:
            result.append(history.get(cid, []))
        else:
            result.append(history[cid][-1] if cid in history else rows[cid][1])
    return result


@action("getEaseFactors", _CARDS, off_main=True)
def get_ease_factors(ctx: ActionContext, params: dict) -> list[int | None]:
    rows = _rows(ctx.col, params["cards"], "factor")
    return [rows[cid][0] if cid in rows else None for cid in params["cards"]]


def _update_cards(ctx: ActionContext, cards: list[Card], name: str) -> None:
    if cards:
        with undo_step(ctx.col, name):
            ctx.col.update_cards(cards)


@action("setEaseFactors", _CARDS, Param("easeFactors", (list,), "a list of ease factors", items=(int,)), writes=True)
def set_ease_factors(ctx: ActionContext, params: dict) -> list[bool]:
    card_ids, factors = params["cards"], params["easeFactors"]
    if len(card_ids) != len(factors):
        raise ActionError('"cards" and "easeFactors" must have the same length')
    found = existing(ctx.col, "cards", card_ids)
    changed = []
    for cid, factor in zip(card_ids, factors):
        if cid in found:
            card = ctx.col.get_card(CardId(cid))
            card.factor = factor
            changed.append(card)
    _update_cards(ctx, changed, "Set Ease Factors")
    return [cid in found for cid in card_ids]


# Card attributes AnkiConnect lets a client set; the ones that can break a card need warning_check.
_SETTABLE = {
    "due",
    "factor",
    "flags",
    "data",
    "odue",
    "odid",
    "ivl",
    "lapses",
    "left",
    "reps",
    "type",
    "queue",
    "did",
    "mod",
    "usn",
    "nid",
    "ord",
    "id",
}
_DANGEROUS = {"did", "id", "ivl", "lapses", "left", "mod", "nid", "odid", "odue", "ord", "queue", "reps", "type", "usn"}
# Changing these would make the card another card; Anki refuses them even with warning_check.
_IMMUTABLE = {"id", "nid", "ord", "mod", "usn"}


@action(
    "setSpecificValueOfCard",
    integer("card", "a card id"),
    array("keys", "a list of card attribute names"),
    array("newValues", "a list of values"),
    flag("warning_check", False),
    writes=True,
)
def set_specific_value_of_card(ctx: ActionContext, params: dict) -> list[Any] | bool:
    """Set raw card attributes (AnkiConnect's shape: ``[true]``, or ``false`` when a dangerous key is given
    without ``warning_check``)."""
    keys, values = params["keys"], params["newValues"]
    if len(keys) != len(values):
        return False
    if not params["warning_check"] and any(key in _DANGEROUS for key in keys):
        return False
    card = get_card(ctx.col, params["card"])
    for key, value in zip(keys, values):
        if key not in _SETTABLE or key in _IMMUTABLE:
            return [[False, f"card attribute can not be set: {key}"]]
        expected = str if key == "data" else int
        if not isinstance(value, expected) or isinstance(value, bool):
            try:
                value = expected(value)
            except (TypeError, ValueError):
                return [[False, f"invalid value for {key}: {value!r}"]]
        setattr(card, key, value)
    _update_cards(ctx, [card], "Set Card Values")
    return [True]


# --- Scheduling -----------------------------------------------------------------------------------------------


@action("forgetCards", _CARDS, writes=True)
def forget_cards(ctx: ActionContext, params: dict) -> None:
    """Reset cards to new (Anki's Forget, keeping their original position and their counts)."""
    card_ids = require_cards(ctx.col, params["cards"])
    if card_ids:
        ctx.col.sched.schedule_cards_as_new(card_ids, restore_position=True, reset_counts=False)


@action("relearnCards", _CARDS, writes=True)
def relearn_cards(ctx: ActionContext, params: dict) -> None:
    """Put review cards into relearning, due now (new and learning cards are left as they are)."""
    require_cards(ctx.col, params["cards"])
    now = int(time.time())
    cards = []
    for cid in params["cards"]:
        card = ctx.col.get_card(CardId(cid))
        if card.type == CARD_TYPE_REV:
            card.type, card.queue, card.due = CARD_TYPE_RELEARNING, QUEUE_TYPE_LRN, now
            cards.append(card)
    _update_cards(ctx, cards, "Relearn Cards")


@action(
    "setDueDate", _CARDS, Param("days", (str, int), "a number of days such as \"0\", \"3-7\" or \"1!\""), writes=True
)
def set_due_date(ctx: ActionContext, params: dict) -> bool:
    """Anki's Set Due Date: ``"0"`` today, ``"1-7"`` a random day in that range, a trailing ``!`` also sets the
    interval."""
    card_ids = require_cards(ctx.col, params["cards"])
    days = str(params["days"]).strip()
    if not days or not all(ch.isdigit() or ch in "-!" for ch in days):
        raise ActionError(f'invalid days: "{params["days"]}" (use a number such as "0", "3-7" or "1!")')
    if card_ids:
        ctx.col.sched.set_due_date(card_ids, days)
    return True


@action("answerCards", array("answers", "a list of {cardId, ease} objects"), writes=True)
def answer_cards(ctx: ActionContext, params: dict) -> list[bool]:
    """Answer each card as the reviewer would (Anki's scheduler, review log), all in one undo step; ``false`` for
    a card that does not exist."""
    answers = []
    for i, item in enumerate(params["answers"]):
        if not isinstance(item, dict):
            raise ActionError(f"answers[{i}] must be an object with cardId and ease")
        cid, ease = item.get("cardId"), item.get("ease")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise ActionError(f"answers[{i}].cardId must be a card id")
        if ease not in (1, 2, 3, 4) or isinstance(ease, bool):
            raise ActionError(f"answers[{i}].ease must be 1, 2, 3 or 4")
        answers.append((cid, ease))
    found = existing(ctx.col, "cards", [cid for cid, _ in answers])
    if found:
        with undo_step(ctx.col, "Answer Cards"):
            for cid, ease in answers:
                if cid in found:
                    card = ctx.col.get_card(CardId(cid))
                    card.start_timer()
                    ctx.col.sched.answerCard(card, ease)
    return [cid in found for cid, _ in answers]
