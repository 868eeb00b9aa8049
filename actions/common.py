"""What many actions share: one undo step per request that changes nothing when it fails, lookups by name with
AnkiConnect's error strings, and existence checks for many ids in one query."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from anki.cards import Card, CardId
from anki.decks import DeckDict, DeckId
from anki.models import NotetypeDict
from anki.notes import Note, NoteId
from anki.utils import ids2str

from .. import deck_mapping, note_types
from ..collection_db import db
from .registry import ActionError

if TYPE_CHECKING:
    from anki.collection import Collection


@contextmanager
def undo_step(col: Collection, name: str) -> Iterator[int]:
    """Everything written inside becomes one Edit > Undo step called ``name``; if the block raises, what it had
    already written is undone, so a request that fails part-way leaves the collection as it was.

    Yields the step's undo entry: a block running more than 29 operations merges them into it as it goes
    (``col.merge_undo_entries``), since Anki keeps only the last 30 steps."""
    target = col.add_custom_undo_entry(name)
    try:
        yield target
    except BaseException as failure:
        try:
            col.merge_undo_entries(target)
        except Exception:
            # An Anki operation that fails empties Anki's undo history, this step's entry with it: the caller hears
            # that failure, not that the entry is gone.
            raise failure from None
        if col.undo_status().undo == name:
            col.undo()
        raise
    col.merge_undo_entries(target)


def existing(col: Collection, table: str, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` are rows of ``table`` ("cards" or "notes"), in one query."""
    if not ids:
        return set()
    return set(db(col).list(f"select id from {table} where id in {ids2str(ids)}"))


def card_not_found(card_id: object) -> ActionError:
    return ActionError(f"Card was not found: {card_id}")


def get_card(col: Collection, card_id: int) -> Card:
    # A failed get_card is slow inside Anki (backend backtrace): ask the database first.
    if not existing(col, "cards", [card_id]):
        raise card_not_found(card_id)
    return col.get_card(CardId(card_id))


def get_note(col: Collection, note_id: int) -> Note:
    if not existing(col, "notes", [note_id]):
        raise ActionError(f"Note was not found: {note_id}")
    return col.get_note(NoteId(note_id))


def require_cards(col: Collection, card_ids: Sequence[int]) -> list[CardId]:
    """All of ``card_ids``, or an error naming the first missing one (checked before anything is written)."""
    found = existing(col, "cards", card_ids)
    for cid in card_ids:
        if cid not in found:
            raise card_not_found(cid)
    return [CardId(cid) for cid in card_ids]


def require_notes(col: Collection, note_ids: Sequence[int]) -> list[NoteId]:
    found = existing(col, "notes", note_ids)
    for nid in note_ids:
        if nid not in found:
            raise ActionError(f"Note was not found: {nid}")
    return [NoteId(nid) for nid in note_ids]


def deck_id(col: Collection, name: str) -> DeckId:
    """The deck called ``name`` (case-insensitive, as Anki matches), or ``deck was not found: <name>``."""
    did = deck_mapping.existing_deck_id(col, name)
    if did is None:
        raise ActionError(f"deck was not found: {name}")
    return did


def deck_by_name(col: Collection, name: str) -> DeckDict:
    deck = col.decks.get(deck_id(col, name), default=False)
    assert deck is not None
    return deck


def model_by_name(col: Collection, name: str) -> NotetypeDict:
    """The note type called ``name`` ("Basic"/"Cloze" in any language), or ``model was not found: <name>``."""
    notetype = note_types.find_notetype(col, name, create_stock=False)
    if notetype is None:
        raise ActionError(f"model was not found: {name}")
    return notetype


def field_of(notetype: NotetypeDict, name: str) -> dict:
    for field in notetype["flds"]:
        if field["name"] == name:
            return field
    raise ActionError(f"field was not found in {notetype['name']}: {name}")


def template_of(notetype: NotetypeDict, name: str) -> dict:
    for template in notetype["tmpls"]:
        if template["name"] == name:
            return template
    raise ActionError(f"template was not found in {notetype['name']}: {name}")
