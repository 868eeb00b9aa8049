"""Deck-options presets written the way Anki's Deck Options screen writes them: through its undoable operation
(``col.decks.update_deck_configs``, Edit > Undo "Deck Options"), with every other setting passed back as it is.

Anki's legacy preset calls (``update_config``, ``add_config``, ``remove_config``) are not undoable and empty the
undo history. The operation (rslib ``deckconfig/update.rs``) saves the listed presets, removes
``removed_config_ids``, gives the target deck the last listed preset together with the request's deck limits
(decks whose preset was removed get them too), and writes the collection-wide switches (FSRS, card state
customizer, limit rules) from the request. So each request here targets a deck that ends with the preset it
should have, passes that deck's own limits and the current switches back, and never asks for FSRS rescheduling.
What Anki does by hand after a preset change it still does: new cards re-sorted when the insertion order changes,
learning cards' remaining steps adjusted when the steps change, FSRS memory states recomputed when the
parameters or desired retention change.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from anki import hooks
from anki.decks import DEFAULT_DECK_CONF_ID, DeckConfigsForUpdate, DeckId, UpdateDeckConfigs, UpdateDeckConfigsMode
from anki.errors import AbortSchemaModification

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.deck_config_pb2 import DeckConfig


def step_name(col: Collection) -> str:
    """Anki's own name for the operation ("Deck Options", in the UI language)."""
    return col.tr.deck_config_title()


def _limits_as_they_are(current: DeckConfigsForUpdate) -> Any:
    """The target deck's limits, to be written back unchanged.

    Anki reports a "today only" limit also once its day has passed, and writing it back would make it apply today
    again; left out, Anki keeps it as it is.
    """
    limits = type(current.current_deck.limits)()
    limits.CopyFrom(current.current_deck.limits)
    if not limits.review_today_active:
        limits.ClearField("review_today")
    if not limits.new_today_active:
        limits.ClearField("new_today")
    return limits


def _update(col: Collection, target: DeckId, configs: Sequence[DeckConfig], removed: Sequence[int] = ()) -> None:
    """One "Deck Options" operation: ``configs`` saved (the last one becomes ``target``'s), ``removed`` deleted,
    everything else as it is and no card rescheduled."""
    current = col.decks.get_deck_configs_for_update(target)
    request = UpdateDeckConfigs(
        target_deck_id=target,
        configs=configs,
        removed_config_ids=removed,
        mode=UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_NORMAL,
        card_state_customizer=current.card_state_customizer,
        limits=_limits_as_they_are(current),
        new_cards_ignore_review_limit=current.new_cards_ignore_review_limit,
        fsrs=current.fsrs,
        apply_all_parent_limits=current.apply_all_parent_limits,
        fsrs_reschedule=False,
        fsrs_health_check=current.fsrs_health_check,
    )
    col.decks.update_deck_configs(request)


def _presets(col: Collection) -> dict[int, DeckConfig]:
    """Every preset as the Deck Options screen receives it (and sends it back when saving)."""
    return {entry.config.id: entry.config for entry in col.decks.get_deck_configs_for_update(_any_deck(col)).all_config}


def _any_deck(col: Collection) -> DeckId:
    return next(DeckId(deck["id"]) for deck in col.decks.all() if "conf" in deck)


def _preset_of_decks(col: Collection) -> dict[DeckId, int]:
    """Normal deck -> its preset id (filtered decks have none)."""
    return {DeckId(deck["id"]): int(deck["conf"]) for deck in col.decks.all() if "conf" in deck}


def _keeper(col: Collection, presets: dict[int, DeckConfig]) -> tuple[DeckId, DeckConfig]:
    """A deck to target that keeps its preset, and that preset.

    The screen fills an empty FSRS-6 parameter slot from an older one before sending a preset back, so such a
    preset would be rewritten (same parameters, newer slot); a deck whose preset comes back exactly as stored is
    preferred.
    """
    stored = {conf["id"]: conf for conf in col.decks.all_config()}
    decks = _preset_of_decks(col)

    def unchanged(config_id: int) -> bool:
        return bool(presets[config_id].config.fsrs_params_6) == bool(stored[config_id].get("fsrsParams6"))

    did = next((did for did, cid in decks.items() if unchanged(cid)), next(iter(decks)))
    return did, presets[decks[did]]


@contextmanager
def _scratch(col: Collection) -> Iterator[Collection]:
    """A throwaway collection beside nothing of the user's, for Anki's own conversions and checks."""
    with tempfile.TemporaryDirectory(prefix="polar_bridge_preset_") as folder:
        scratch = type(col)(os.path.join(folder, "scratch.anki2"))
        try:
            yield scratch
        finally:
            scratch.close(downgrade=False)


def converted(col: Collection, config: dict[str, Any]) -> DeckConfig:
    """``config`` (a whole preset in Anki's legacy JSON form, as AnkiConnect's clients send it) as the operation
    takes it.

    Anki converts the legacy form only while storing it (Rust ``schema11.rs``); converting it in a scratch
    collection uses that same conversion without writing to ``col`` (a near-copy of it would drift). A preset the
    conversion refuses raises Anki's error here, before anything is written.
    """
    with _scratch(col) as scratch:
        scratch.decks.update_config(dict(config))
        return _presets(scratch)[config["id"]]


# One operation: the deck it targets, the presets it saves (the last one the deck's), the preset ids it removes.
Write = tuple[DeckId, list["DeckConfig"], list[int]]


def _run(col: Collection, writes: Sequence[Write], undo_entry: int) -> None:
    """The operations ``writes`` (target, presets, removed ids), each merged into ``undo_entry`` as it is done
    (Anki keeps only the last 30 undo steps, and a request may assign a preset to more decks than that).

    Anki's checks of every preset they pass (FSRS parameters…) run first on copies in a scratch collection: a
    failed operation empties Anki's undo history, so what it would refuse must be refused before the first write,
    or a request could not be rolled back."""
    with _scratch(col) as scratch:
        copies = []
        for preset in {preset.id: preset for _, presets, _ in writes for preset in presets}.values():
            copy = type(preset)()
            copy.CopyFrom(preset)
            copy.id = 0
            copies.append(copy)
        _update(scratch, _any_deck(scratch), copies)
    for target, presets, removed in writes:
        _update(col, target, presets, removed)
        col.merge_undo_entries(undo_entry)


def save_preset(col: Collection, config: DeckConfig, undo_entry: int) -> None:
    """Store ``config`` over the preset with its id; no deck changes preset."""
    presets = _presets(col)
    using = [did for did, cid in _preset_of_decks(col).items() if cid == config.id]
    if using:
        _run(col, [(using[0], [config], [])], undo_entry)
    else:
        did, kept = _keeper(col, presets)
        _run(col, [(did, [config, kept], [])], undo_entry)


def clone_preset(col: Collection, name: str, source_id: int, undo_entry: int) -> int:
    """A new preset called ``name`` with the settings of ``source_id`` (no deck uses it yet); its id."""
    presets = _presets(col)
    clone = type(presets[source_id])()
    clone.CopyFrom(presets[source_id])
    clone.id = 0  # Anki assigns a new id
    clone.name = name
    did, kept = _keeper(col, presets)
    _run(col, [(did, [clone, kept], [])], undo_entry)
    (new_id,) = set(_presets(col)) - set(presets)
    return new_id


def decks_to_assign(col: Collection, deck_ids: Sequence[DeckId], config_id: int) -> list[DeckId]:
    """The normal decks of ``deck_ids`` that do not have preset ``config_id`` yet, each once."""
    current = _preset_of_decks(col)
    return [did for did in dict.fromkeys(deck_ids) if current[did] != config_id]


def assign_preset(col: Collection, deck_ids: Sequence[DeckId], config_id: int, undo_entry: int) -> None:
    """Give each deck of ``deck_ids`` (normal decks, see `decks_to_assign`) the preset ``config_id``, one operation
    per deck so that each keeps its own limits (an operation writes its limits to every deck it assigns)."""
    preset = _presets(col)[config_id]
    _run(col, [(did, [preset], []) for did in deck_ids], undo_entry)


def confirm_schema_change(col: Collection) -> None:
    """Ask, as ``col.mod_schema(check=True)`` does (in Anki: "The requested change will require a full upload…"),
    unless a full sync is already due; raise ``AbortSchemaModification`` if the user declines. Removing a preset
    forces a full sync; the operation marks it itself, undoably."""
    if not col.schema_changed() and not hooks.schema_will_change(proceed=True):
        raise AbortSchemaModification()


def remove_preset(col: Collection, config_id: int, undo_entry: int) -> None:
    """Delete preset ``config_id``; the decks using it get the default preset and keep their own limits: each but
    the first gets it in an operation of its own, then the first one's operation also removes the preset."""
    presets = _presets(col)
    using = [did for did, cid in _preset_of_decks(col).items() if cid == config_id]
    default = presets[DEFAULT_DECK_CONF_ID]
    writes: list[Write]
    if using:
        writes = [(did, [default], []) for did in using[1:]] + [(using[0], [default], [config_id])]
    else:
        did, kept = _keeper(col, presets)
        writes = [(did, [kept], [config_id])]
    _run(col, writes, undo_entry)
