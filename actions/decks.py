"""Deck actions: names, creating, moving cards, deleting, deck options presets, statistics."""

from __future__ import annotations

from typing import Any

from anki.decks import DeckConfigId, DeckId
from anki.utils import ids2str

from .. import deck_mapping, deck_presets
from ..collection_db import db
from .common import require_cards, undo_step
from .registry import ActionContext, ActionError, Param, action, flag, ids, integer, obj, strings, text

_DECKS = strings("decks", "a list of deck names")


@action("deckNames", off_main=True)
def deck_names(ctx: ActionContext, params: dict) -> list[str]:
    return [entry.name for entry in ctx.col.decks.all_names_and_ids()]


@action("deckNamesAndIds", off_main=True)
def deck_names_and_ids(ctx: ActionContext, params: dict) -> dict[str, int]:
    return deck_mapping.deck_names_and_ids(ctx.col)


@action("createDeck", text("deck", "a deck name"), writes=True, off_main=True)
def create_deck(ctx: ActionContext, params: dict) -> int:
    """Create deck ``a::b`` (and missing parents); an existing deck (any case) just returns its id."""
    name = params["deck"]
    try:
        return int(deck_mapping.ensure_deck(ctx.col, name))
    except deck_mapping.DeckNameError as exc:
        raise ActionError(str(exc)) from exc


@action("deckNameFromId", integer("deckId", "a deck id"), off_main=True)
def deck_name_from_id(ctx: ActionContext, params: dict) -> str:
    name = ctx.col.decks.name_if_exists(DeckId(params["deckId"]))
    if name is None:
        raise ActionError(f"deck was not found: {params['deckId']}")
    return name


@action("getDecks", ids("cards"), off_main=True)
def get_decks(ctx: ActionContext, params: dict) -> dict[str, list[int]]:
    """Deck name -> the given cards in it (their current deck), from one query."""
    card_ids = params["cards"]
    if not card_ids:
        return {}
    rows = db(ctx.col).all(f"select id, did from cards where id in {ids2str(card_ids)}")
    deck_of = {row[0]: row[1] for row in rows}
    names = deck_mapping.deck_names_and_ids(ctx.col)
    by_id = {did: name for name, did in names.items()}
    result: dict[str, list[int]] = {}
    for cid in card_ids:
        if cid in deck_of:
            result.setdefault(by_id[deck_of[cid]], []).append(cid)
    return result


@action("changeDeck", ids("cards"), text("deck", "a deck name"), writes=True)
def change_deck(ctx: ActionContext, params: dict) -> None:
    """Move cards to ``deck`` (created if missing, with its parents), as the Browser's Change Deck does."""
    card_ids = require_cards(ctx.col, params["cards"])
    with undo_step(ctx.col, "Change Deck"):
        try:
            did = deck_mapping.ensure_deck(ctx.col, params["deck"])
        except deck_mapping.DeckNameError as exc:
            raise ActionError(str(exc)) from exc
        if card_ids:
            ctx.col.set_deck(card_ids, did)


@action("deleteDecks", _DECKS, flag("cardsToo", False), writes=True)
def delete_decks(ctx: ActionContext, params: dict) -> None:
    """Delete decks with their cards (Anki can't delete a deck and keep its cards); unknown names are skipped."""
    if not params["cardsToo"]:
        raise ActionError("Since Anki 2.1.28 it's not possible to delete decks without deleting cards as well")
    dids = [did for name in params["decks"] if (did := deck_mapping.existing_deck_id(ctx.col, name)) is not None]
    if dids:
        ctx.col.decks.remove(dids)


# --- Deck options presets ---------------------------------------------------------------------------------------


def _config_ids(col) -> set[int]:
    return {conf["id"] for conf in col.decks.all_config()}


def _int_id(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ActionError(f'parameter "{what}" must be a preset id') from None


@action("getDeckConfig", text("deck", "a deck name"), off_main=True)
def get_deck_config(ctx: ActionContext, params: dict) -> dict[str, Any] | bool:
    """The options preset of ``deck``, or false for a deck that does not exist."""
    did = deck_mapping.existing_deck_id(ctx.col, params["deck"])
    if did is None:
        return False
    return ctx.col.decks.config_dict_for_deck_id(did)


@action("saveDeckConfig", obj("config", "a deck options preset"), writes=True)
def save_deck_config(ctx: ActionContext, params: dict) -> bool:
    """Store a preset (keys left out keep their values); false for an unknown id. One undoable "Deck Options"
    step, as the Deck Options screen saves."""
    config = dict(params["config"])
    if "id" not in config or _int_id(config["id"], "config.id") not in _config_ids(ctx.col):
        return False
    config["id"] = int(config["id"])
    current = ctx.col.decks.get_config(DeckConfigId(config["id"]))
    assert current is not None
    preset = deck_presets.converted(ctx.col, {**current, **config})
    with undo_step(ctx.col, deck_presets.step_name(ctx.col)) as step:
        deck_presets.save_preset(ctx.col, preset, step)
    return True


@action("setDeckConfigId", _DECKS, Param("configId", (int, str), "a preset id"), writes=True)
def set_deck_config_id(ctx: ActionContext, params: dict) -> bool:
    """Give every deck the preset ``configId``; false (and nothing changed) if a deck or the preset is unknown.
    One undoable "Deck Options" step."""
    config_id = _int_id(params["configId"], "configId")
    if config_id not in _config_ids(ctx.col):
        return False
    found = [deck_mapping.existing_deck_id(ctx.col, name) for name in params["decks"]]
    dids = [did for did in found if did is not None]
    if len(dids) != len(found):
        return False
    for did in dids:
        deck = ctx.col.decks.get(did)
        assert deck is not None
        if deck.get("dyn"):
            raise ActionError(f"deck {deck['name']} is a filtered deck and has no options preset")
    changing = deck_presets.decks_to_assign(ctx.col, dids, config_id)
    if changing:
        with undo_step(ctx.col, deck_presets.step_name(ctx.col)) as step:
            deck_presets.assign_preset(ctx.col, changing, config_id, step)
    return True


@action(
    "cloneDeckConfigId", text("name", "a preset name"), Param("cloneFrom", (int, str), "a preset id", "1"), writes=True
)
def clone_deck_config_id(ctx: ActionContext, params: dict) -> int | bool:
    """A copy of preset ``cloneFrom`` called ``name``: its id, or false for an unknown preset."""
    source_id = _int_id(params["cloneFrom"], "cloneFrom")
    if source_id not in _config_ids(ctx.col):
        return False
    with undo_step(ctx.col, deck_presets.step_name(ctx.col)) as step:
        return deck_presets.clone_preset(ctx.col, params["name"], source_id, step)


@action("removeDeckConfigId", Param("configId", (int, str), "a preset id"), writes=True)
def remove_deck_config_id(ctx: ActionContext, params: dict) -> bool:
    """Remove a preset (its decks fall back to the default preset); false for an unknown id or the default.
    Forces a full sync (Anki asks first, as for its own removal); one undoable "Deck Options" step."""
    config_id = _int_id(params["configId"], "configId")
    if config_id not in _config_ids(ctx.col) or config_id == 1:
        return False
    deck_presets.confirm_schema_change(ctx.col)
    with undo_step(ctx.col, deck_presets.step_name(ctx.col)) as step:
        deck_presets.remove_preset(ctx.col, config_id, step)
    return True


@action("getDeckStats", _DECKS, off_main=True)
def get_deck_stats(ctx: ActionContext, params: dict) -> dict[str, dict[str, Any]]:
    """Today's counts of each named deck (as the deck list shows them), keyed by deck id; unknown names are
    skipped."""
    wanted = {did for name in params["decks"] if (did := deck_mapping.existing_deck_id(ctx.col, name)) is not None}
    result: dict[str, dict[str, Any]] = {}
    stack = [ctx.col.sched.deck_due_tree()]
    while stack:
        node = stack.pop()
        if node.deck_id in wanted:
            result[str(node.deck_id)] = {
                "deck_id": node.deck_id,
                "name": node.name,  # the deck's own name, as AnkiConnect gives it (not the full path)
                "new_count": node.new_count,
                "learn_count": node.learn_count,
                "review_count": node.review_count,
                "total_in_deck": node.total_in_deck,
            }
        stack.extend(node.children)
    return result
