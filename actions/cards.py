"""Card actions: findCards, cardsInfo."""

from __future__ import annotations

from typing import Any

from anki.cards import Card, CardId
from anki.errors import SearchError
from anki.utils import ids2str

from .. import note_identity
from ..collection_db import db
from .registry import ActionContext, ActionError, action, ids, text


@action("findCards", text("query", "a search string"))
def find_cards(ctx: ActionContext, params: dict) -> list[int]:
    query = params["query"]
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
    }


@action("cardsInfo", ids("cards"))
def cards_info(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    """Info for each card id; ``{}`` for ids that don't exist (as AnkiConnect does)."""
    card_ids = params["cards"]
    # Missing ids are filtered by one query: a failed get_card is slow in the running app (backend backtrace).
    existing = set(db(ctx.col).list(f"select id from cards where id in {ids2str(card_ids)}")) if card_ids else set()
    return [card_info(ctx.col, ctx.col.get_card(CardId(cid))) if cid in existing else {} for cid in card_ids]
