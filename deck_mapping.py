"""Which deck a pushed card lands in, and creating decks by name.

Rules (see config.md): the last tag starting with ``deck_tag_prefix`` wins, with ``/`` and ``::`` both nesting
(``deck:Technology/AI`` → ``Technology::AI``); else the request's ``deckName`` unless it is "Default" (Polar sends
"Default" when the document has no deck tag); else, with ``deck_strategy == "document"``, ``<default_deck>::<title>``
for a card carrying a document title; else the configured ``default_deck``. Pure domain code: no aqt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from anki.decks import DeckId

if TYPE_CHECKING:
    from anki.collection import Collection

    from .config import AddonConfig

DEFAULT_DECK_ID = DeckId(1)
CLIENT_DEFAULT_NAME = "default"
_SEPARATORS = re.compile(r"::|/")


class DeckNameError(ValueError):
    """A deck name that can't name a deck; the message says what is wrong."""


def normalize_deck_name(name: str, allow_slash: bool = False) -> str:
    """``name`` with its parts trimmed and joined by ``::``; raises DeckNameError when a part is empty.

    ``allow_slash`` treats ``/`` as a nesting separator too (deck tags use folder paths).
    """
    if not isinstance(name, str):
        raise DeckNameError(f"deck name must be a string, not {name!r}")
    parts = (_SEPARATORS if allow_slash else re.compile("::")).split(name)
    parts = [part.strip() for part in parts]
    if allow_slash and parts and parts[0] == "" and len(parts) > 1:
        parts = parts[1:]  # "/Books/SF": a leading slash is a root folder, not an empty deck
    if not name.strip():
        raise DeckNameError("invalid deck name: it is empty")
    if any(part == "" for part in parts):
        raise DeckNameError(f'invalid deck name "{name}": a part between "::" is empty')
    if any('"' in part for part in parts):
        raise DeckNameError(f'invalid deck name "{name}": it contains a double quote')
    return "::".join(parts)


def deck_from_tags(tags: Iterable[str], prefix: str) -> str | None:
    """The deck named by the last tag starting with ``prefix`` (case-insensitive), or None."""
    if not prefix:
        return None
    lowered = prefix.lower()
    chosen = None
    for tag in tags:
        if isinstance(tag, str) and tag.lower().startswith(lowered) and tag[len(prefix) :].strip():
            chosen = tag[len(prefix) :]
    return None if chosen is None else normalize_deck_name(chosen, allow_slash=True)


def target_deck_name(
    config: "AddonConfig", deck_name: str | None, tags: Iterable[str], document_title: str | None = None
) -> str:
    """The deck name a pushed note belongs in, by the rules in the module docstring."""
    from_tags = deck_from_tags(tags, config.deck_tag_prefix)
    if from_tags:
        return from_tags
    if deck_name and deck_name.strip() and deck_name.strip().lower() != CLIENT_DEFAULT_NAME:
        return normalize_deck_name(deck_name)
    if config.deck_strategy == "document" and document_title and document_title.strip():
        # "::" inside a title is not meant as nesting; a single colon keeps it readable.
        title = " ".join(document_title.replace("::", ":").split())
        return normalize_deck_name(f"{config.default_deck}::{title}")
    return normalize_deck_name(config.default_deck)


def existing_deck_id(col: "Collection", name: str) -> DeckId | None:
    """The id of deck ``name`` (matched case-insensitively, as Anki does), or None.

    "Default" also finds the collection's default deck (id 1) under its translated name ("Standard").
    Looked up in the list of deck names rather than with ``col.decks.id_for_name``: in the running app a
    failed backend lookup costs ~50 ms (the backend records a backtrace for the NotFound error).
    """
    folded = name.casefold()
    entries = col.decks.all_names_and_ids()
    for entry in entries:
        if entry.name.casefold() == folded:
            return DeckId(entry.id)
    if folded == CLIENT_DEFAULT_NAME and any(entry.id == DEFAULT_DECK_ID for entry in entries):
        return DEFAULT_DECK_ID
    return None


def ensure_deck(col: "Collection", name: str) -> DeckId:
    """The id of deck ``name``, creating it and any missing parents. Existing decks keep their spelling.

    Raises DeckNameError for a filtered deck (notes can't be added to it) or an invalid name.
    """
    name = normalize_deck_name(name)
    did = existing_deck_id(col, name)
    if did is None:
        deck = col.decks.new_deck()
        deck.name = name
        did = DeckId(col.decks.add_deck(deck).id)  # the backend adds missing parents too
    if col.decks.is_filtered(did):
        raise DeckNameError(filtered_deck_message(col.decks.name(did)))
    return did


def filtered_deck_message(name: str) -> str:
    return f'deck "{name}" is a filtered deck; cards can not be added to it'


def deck_names_and_ids(col: "Collection") -> dict[str, int]:
    return {entry.name: entry.id for entry in col.decks.all_names_and_ids()}
