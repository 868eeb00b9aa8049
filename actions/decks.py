"""Deck actions: deckNames, deckNamesAndIds, createDeck."""

from __future__ import annotations

from .. import deck_mapping
from .registry import ActionContext, ActionError, action, text


@action("deckNames")
def deck_names(ctx: ActionContext, params: dict) -> list[str]:
    return [entry.name for entry in ctx.col.decks.all_names_and_ids()]


@action("deckNamesAndIds")
def deck_names_and_ids(ctx: ActionContext, params: dict) -> dict[str, int]:
    return deck_mapping.deck_names_and_ids(ctx.col)


@action("createDeck", text("deck", "a deck name"), writes=True)
def create_deck(ctx: ActionContext, params: dict) -> int:
    """Create deck ``a::b`` (and missing parents); an existing deck (any case) just returns its id."""
    name = params["deck"]
    try:
        return int(deck_mapping.ensure_deck(ctx.col, name))
    except deck_mapping.DeckNameError as exc:
        raise ActionError(str(exc)) from exc
