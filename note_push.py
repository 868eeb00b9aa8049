"""Adding (or updating) client-pushed notes in one batched, all-checked-first write.

Every note of a request is first *prepared*: parameters validated, note type and deck resolved, fields mapped,
inline images extracted, tags normalized, identity and duplicates checked. Only then is anything written: media
files, missing decks/note types, new notes with one ``col.add_notes`` call, and in-place updates of notes whose
guid already exists (when the client or the config asks for updates). Several writes are merged into one undo
step. Pure domain code: no aqt.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anki.collection import AddNoteRequest
from anki.decks import DeckId
from anki.models import NotetypeDict
from anki.notes import Note, NoteId
from anki.utils import checksum

from . import anki_compat, content, deck_mapping, note_identity, note_types
from .collection_db import db
from .errors import ClientError
from .media_files import check_filename, media_item_bytes, store_media

try:  # ships with Anki (its DB layer uses it)
    from orjson import OPT_SORT_KEYS
    from orjson import dumps as orjson_dumps
except ImportError:  # pragma: no cover
    orjson_dumps = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from anki.collection import Collection

    from .config import AddonConfig

EMPTY_ERROR = "cannot create note because it is empty"
DUPLICATE_ERROR = "cannot create note because it is a duplicate"
NO_CLOZE_ERROR = "cannot create note because it has no cloze deletions"
# Tags Anki itself manages on a note; an update from the client must not drop them.
KEPT_ANKI_TAGS = ("marked", "leech")
_CLOZE = re.compile(r"\{\{c\d+::")


class NoteError(ValueError):
    """One note can't be added; ``str()`` is the client-visible message."""


@dataclass
class DuplicateOptions:
    allow: bool = False
    scope_deck: bool = False
    scope_deck_name: str | None = None
    check_children: bool = False
    check_all_models: bool = False


@dataclass
class PreparedNote:
    notetype: NotetypeDict
    stock_to_create: note_types.StockAlias | None  # the note type doesn't exist yet and will be added
    deck_name: str
    values: list[str]
    assigned: set[int]  # positions the client sent (updates leave the others alone)
    tags: list[str]
    guid: str | None
    media: list[content.MediaFile]
    duplicates: DuplicateOptions
    update_existing: bool
    existing_nid: int | None = None  # set when this push updates that note
    deck_id: DeckId | None = None  # the deck_name's deck as the check found it (None: to be created)
    first_field_checksum: int = 0
    first_field_text: str = ""


@dataclass
class PushResult:
    """Per input note: note id, or the error message."""

    ids: list[int | None] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)


# --- Preparing ----------------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NoteError(message)


def _bool_option(options: dict, key: str, default: bool = False) -> bool:
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise NoteError(f"note.options.{key} must be true or false")
    return value


def _duplicate_options(options: dict) -> DuplicateOptions:
    if not options:  # most clients send none
        return DuplicateOptions()
    scope = options.get("duplicateScope", "collection")
    _require(scope is None or isinstance(scope, str), "note.options.duplicateScope must be a string")
    scope_options = options.get("duplicateScopeOptions") or {}
    _require(isinstance(scope_options, dict), "note.options.duplicateScopeOptions must be an object")
    deck_name = scope_options.get("deckName")
    _require(
        deck_name is None or isinstance(deck_name, str), "note.options.duplicateScopeOptions.deckName must be a string"
    )
    return DuplicateOptions(
        allow=_bool_option(options, "allowDuplicate"),
        scope_deck=(scope or "").lower() == "deck",
        scope_deck_name=deck_name,
        check_children=_bool_option(scope_options, "checkChildren"),
        check_all_models=_bool_option(scope_options, "checkAllModels"),
    )


def _notetype_for(col: "Collection", model_name: str) -> tuple[NotetypeDict, note_types.StockAlias | None]:
    found = note_types.find_notetype(col, model_name, create_stock=False)
    if found is not None:
        return found, None
    alias = note_types.stock_alias(model_name)
    if alias is None:
        raise NoteError(f"model was not found: {model_name}")
    return anki_compat.stock_notetype(col, alias.stock_kind), alias


def _tags_param(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return raw.split()
    _require(isinstance(raw, list) and all(isinstance(t, str) for t in raw), "note.tags must be a list of strings")
    return raw


def _source_field_position(notetype: NotetypeDict) -> int:
    """Where the source block goes: a field named "Source", else the answer-side field of the stock kind."""
    names = [f["name"].lower() for f in notetype["flds"]]
    if "source" in names:
        return names.index("source")
    alias = note_types.alias_of(notetype)
    if alias is not None:
        return 1  # Back / Back Extra
    return len(names) - 1


def _document_title(note: dict, source: content.SourceContext | None) -> str | None:
    title = note.get("documentTitle")
    if isinstance(title, str) and title.strip():
        return title
    return source.title if source and source.title else None


def prepare_note(
    col: "Collection",
    config: "AddonConfig",
    note: Any,
    notetypes: dict[str, tuple[NotetypeDict, note_types.StockAlias | None]] | None = None,
) -> PreparedNote:
    """Validate and resolve one client note; raises NoteError with the client-visible message.

    ``notetypes`` memoizes note type lookups across a batch (they don't change while it is prepared).
    """
    _require(isinstance(note, dict), "note must be an object")
    model_name = note.get("modelName")
    _require(isinstance(model_name, str) and model_name.strip() != "", "note.modelName must be a non-empty string")
    deck_name = note.get("deckName", "Default")
    _require(deck_name is None or isinstance(deck_name, str), "note.deckName must be a string")
    fields = note.get("fields")
    _require(isinstance(fields, dict), "note.fields must be an object mapping field names to text")
    for name, value in fields.items():
        if not isinstance(value, str):  # (the message is only formatted for a note that has the problem)
            raise NoteError(f'note.fields["{name}"] must be a string')
    options = note.get("options") or {}
    _require(isinstance(options, dict), "note.options must be an object")
    raw_tags = _tags_param(note.get("tags"))
    guid = note.get("guid")
    if guid is not None:
        try:
            guid = note_identity.validate_guid(guid)
        except ValueError as exc:
            raise NoteError(str(exc)) from exc
    try:
        source = content.parse_source(note.get("source"))
    except content.SourceError as exc:
        raise NoteError(str(exc)) from exc
    duplicates = _duplicate_options(options)
    update_existing = _bool_option(options, "updateExisting", config.update_existing)

    if notetypes is None:
        notetypes = {}
    if model_name not in notetypes:
        notetypes[model_name] = _notetype_for(col, model_name)
    notetype, stock_to_create = notetypes[model_name]
    try:
        target_deck = deck_mapping.target_deck_name(config, deck_name, raw_tags, _document_title(note, source))
    except deck_mapping.DeckNameError as exc:
        raise NoteError(str(exc)) from exc

    positions = note_types.field_positions(notetype, fields)
    values = [""] * len(notetype["flds"])
    media: list[content.MediaFile] = []
    for pos, value in positions.items():
        try:
            values[pos], files = content.extract_inline_images(value)
        except content.InlineImageError as exc:
            raise NoteError(f'field "{notetype["flds"][pos]["name"]}": {exc}') from exc
        media.extend(files)
    _attach_media(col, config, note, notetype, values, positions, media)
    assigned = set(positions)
    if source is not None:
        pos = _source_field_position(notetype)
        values[pos] = content.append_source(values[pos], source)
        assigned.add(pos)

    first_text = _strip(col, values[0])
    if not first_text.strip():
        raise NoteError(EMPTY_ERROR)
    if notetype.get("type") == note_types.MODEL_CLOZE and not any(_CLOZE.search(v) for v in values):
        raise NoteError(NO_CLOZE_ERROR)
    return PreparedNote(
        notetype=notetype,
        stock_to_create=stock_to_create,
        deck_name=target_deck,
        values=values,
        assigned=assigned,
        tags=content.normalize_tags(raw_tags),
        guid=guid,
        media=media,
        duplicates=duplicates,
        update_existing=update_existing,
        first_field_checksum=int(checksum(first_text.encode("utf-8"))[:8], 16),
        first_field_text=first_text,
    )


# In AnkiConnect's order (its addMediaFromNote): references to one field follow each other audio, video, picture.
MEDIA_KINDS = ("audio", "video", "picture")
# Set by the off-main-thread preparer when an item's data/url could not be read (JSON can't carry it as bytes).
PREPARE_ERROR = "_prepare_error"


def _media_items(note: dict, kind: str) -> list[Any]:
    items = note.get(kind)
    if items is None:
        return []
    if isinstance(items, dict):
        items = [items]
    _require(isinstance(items, list), f"note.{kind} must be a list")
    return items


def _attach_media(
    col: "Collection",
    config: "AddonConfig",
    note: dict,
    notetype: NotetypeDict,
    values: list[str],
    positions: dict[int, str],
    media: list[content.MediaFile],
) -> None:
    """AnkiConnect's ``picture``/``audio``/``video`` items (``data``, ``url`` or a ``path`` inside the media
    folder) become media files referenced at the end of the fields they name."""
    if all(note.get(kind) is None for kind in MEDIA_KINDS):
        return
    own = {f["name"].lower(): f["ord"] for f in notetype["flds"]}
    for kind in MEDIA_KINDS:
        for item in _media_items(note, kind):
            _require(isinstance(item, dict), f"note.{kind} entries must be objects")
            try:
                name = check_filename(item.get("filename"))
                if isinstance(item.get(PREPARE_ERROR), str):
                    raise ClientError(item[PREPARE_ERROR])
                data = media_item_bytes(col, item)
            except ClientError as exc:
                raise NoteError(f"note.{kind}: {exc}") from exc
            media.append(content.MediaFile(name, data))
            targets = item.get("fields") or []
            if isinstance(targets, str):
                targets = [targets]
            for target in targets:
                pos = own.get(str(target).lower())
                if pos is None:
                    continue
                values[pos] += f'<img src="{name}">' if kind == "picture" else f"[sound:{name}]"
                positions.setdefault(pos, values[pos])


def attach_media_to_fields(
    col: "Collection", config: "AddonConfig", note: dict, notetype: NotetypeDict, values: list[str]
) -> list[str]:
    """``values`` with the note's ``picture``/``audio``/``video`` items stored (under exactly their names) and
    referenced at the end of the fields they name, as addNote does (updateNoteFields takes the same items).
    Raises NoteError for a bad item; nothing is stored then."""
    values = list(values)
    media: list[content.MediaFile] = []
    _attach_media(col, config, note, notetype, values, {}, media)
    for file in media:
        stored = store_media(col, file.name, file.data)
        if stored != file.name:
            values = [v.replace(file.name, stored) for v in values]
    return values


def _strip(col: "Collection", html: str) -> str:
    if "<" not in html and "&" not in html:
        return html
    return anki_compat.strip_html_keeping_media(col, html)


# --- Duplicates -----------------------------------------------------------------------------------------------


class DuplicateChecker:
    """First-field duplicates (AnkiConnect semantics) and guid identity, for a batch, without per-note queries."""

    # Below this many notes, per-note queries on Anki's csum index beat reading every checksum of a note type.
    SMALL_BATCH = 50

    def __init__(self, col: "Collection", batch_size: int) -> None:
        self.col = col
        self.small = batch_size < self.SMALL_BATCH
        self._by_model: dict[int | None, dict[int, list[int]]] = {}
        self._batch_fields: set[tuple[int | None, int, str]] = set()
        self._batch_guids: set[str] = set()

    def _csums(self, mid: int | None) -> dict[int, list[int]]:
        if mid not in self._by_model:
            index: dict[int, list[int]] = {}
            sql = "select csum, id from notes" + ("" if mid is None else " where mid = ?")
            for csum, nid in db(self.col).execute(sql, *([] if mid is None else [mid])):
                index.setdefault(csum, []).append(nid)
            self._by_model[mid] = index
        return self._by_model[mid]

    def first_field_duplicates(self, prepared: PreparedNote) -> list[int]:
        mid = None if prepared.duplicates.check_all_models else prepared.notetype["id"]
        if mid == 0:  # its note type is about to be created: nothing to clash with
            candidates: list[int] = []
        elif self.small:
            # "+mid": without statistics SQLite would pick the note-type index and read every note of the type.
            sql = "select id from notes where csum = ?" + ("" if mid is None else " and +mid = ?")
            candidates = db(self.col).list(sql, prepared.first_field_checksum, *([] if mid is None else [mid]))
        else:
            candidates = self._csums(mid).get(prepared.first_field_checksum, [])
        same = [nid for nid in candidates if self._first_field(nid) == prepared.first_field_text]
        if same and prepared.duplicates.scope_deck:
            same = self._in_scope_deck(same, prepared)
        return same

    def _first_field(self, nid: int) -> str:
        flds = db(self.col).scalar("select flds from notes where id = ?", nid) or ""
        return _strip(self.col, flds.split("\x1f", 1)[0])

    def _in_scope_deck(self, nids: list[int], prepared: PreparedNote) -> list[int]:
        name = prepared.duplicates.scope_deck_name or prepared.deck_name
        did = deck_mapping.existing_deck_id(self.col, name)
        if did is None:
            return []
        dids = [did]
        if prepared.duplicates.check_children:
            dids += [child_id for _, child_id in self.col.decks.children(did)]
        placeholders = ",".join("?" * len(dids))
        nid_list = ",".join(str(int(n)) for n in nids)
        return db(self.col).list(
            f"select distinct nid from cards where nid in ({nid_list}) and (did in ({placeholders}) "
            f"or odid in ({placeholders}))",
            *dids,
            *dids,
        )

    def claim_in_batch(self, prepared: PreparedNote) -> bool:
        """Record ``prepared`` as part of this batch; False when an earlier note of the batch is the same."""
        if prepared.guid is not None:
            if prepared.guid in self._batch_guids:
                return False
            self._batch_guids.add(prepared.guid)
        if not prepared.duplicates.allow:
            key = (
                None if prepared.duplicates.check_all_models else prepared.notetype["id"],
                prepared.first_field_checksum,
                prepared.first_field_text,
            )
            if key in self._batch_fields:
                return False
            self._batch_fields.add(key)
        return True


def _known_duplicate(config: "AddonConfig", note: Any, existing: dict[str, list[int]]) -> bool:
    # The guid may be anything a client sent (a list is unhashable): only a string can name a known note.
    guid = note.get("guid") if isinstance(note, dict) else None
    if not (isinstance(guid, str) and guid in existing):
        return False
    options = note.get("options")
    update = options.get("updateExisting") if isinstance(options, dict) else None
    return (update if isinstance(update, bool) else config.update_existing) is False


@dataclass
class _Remembered:
    collection: "weakref.ref[Collection]"
    config: "AddonConfig"
    stamp: note_identity.Stamp
    key: bytes | str
    checked: list[PreparedNote | str]
    note: Any  # the note checked: equal by Python's rules too (orjson writes NaN as null, as it writes None)


_remembered: _Remembered | None = None
_remembered_lock = threading.Lock()


def _remember_key(notes: Sequence[Any]) -> bytes | str | None:
    """The identity of a one-note request whose check may be reused (None: not such a request): its JSON with
    sorted keys, which tells ``true`` from ``1`` as the check does. Notes with picture/audio/video items are never
    reused: their prepared bytes are part of the note, not of its text."""
    if len(notes) != 1 or not isinstance(notes[0], dict) or any(notes[0].get(kind) for kind in MEDIA_KINDS):
        return None
    if orjson_dumps is not None:
        try:  # a few times faster than json for a note; what it refuses is keyed by json as before
            return orjson_dumps(notes[0], option=OPT_SORT_KEYS)
        except (TypeError, ValueError):
            pass
    try:
        return json.dumps(notes[0], sort_keys=True)
    except (TypeError, ValueError):
        return None


def _take_remembered(
    col: "Collection", config: "AddonConfig", notes: Sequence[Any]
) -> tuple[list[PreparedNote | str], note_identity.Stamp] | None:
    """The check a ``canAddNote(s)`` just made of exactly this note, and the collection's stamp, if it has not
    changed since (same stamp, taken once): Polar checks every card, then adds it, so the add need not check it
    again."""
    global _remembered
    key = _remember_key(notes)
    with _remembered_lock:
        kept, _remembered = _remembered, None
    if key is None or kept is None or kept.collection() is not col or kept.config is not config or kept.key != key:
        return None
    if kept.note != notes[0]:
        return None
    stamp = note_identity.collection_stamp(col)
    return (kept.checked, stamp) if stamp == kept.stamp else None


def check_notes(
    col: "Collection", config: "AddonConfig", notes: Sequence[Any], remember: bool = False
) -> list[PreparedNote | str]:
    """Prepare every note: a PreparedNote (to add, or to update ``existing_nid``) or its error message.

    ``remember``: a check that only answers the client (``canAddNote(s)``) is kept for an add of the same single
    note that follows it before the collection changes (see :func:`push_notes`)."""
    global _remembered
    key = _remember_key(notes) if remember else None
    stamp = note_identity.collection_stamp(col)
    checked = _check_notes(col, config, notes, stamp)
    if key is not None:  # any change after the stamp was read moves it: the add will see it
        with _remembered_lock:
            _remembered = _Remembered(weakref.ref(col), config, stamp, key, checked, notes[0])
    return checked


def _check_notes(
    col: "Collection", config: "AddonConfig", notes: Sequence[Any], stamp: note_identity.Stamp
) -> list[PreparedNote | str]:
    """The check of :func:`check_notes`, as of the collection's ``stamp`` (read just before)."""
    guids = [n["guid"] for n in notes if isinstance(n, dict) and isinstance(n.get("guid"), str)]
    identity = note_identity.guid_index(col)
    existing = identity.lookup_many(col, guids, stamp) if guids else {}
    # Remembered from the previous request when nothing but our own note writes changed the collection since.
    facts = identity.facts(stamp)
    notetypes: dict[str, tuple[NotetypeDict, note_types.StockAlias | None]] = facts.notetypes
    prepared_or_error: list[PreparedNote | str] = []
    for note in notes:
        if _known_duplicate(config, note, existing):
            # A re-sync sends every card again: refuse known ones before the costly preparation.
            prepared_or_error.append(DUPLICATE_ERROR)
            continue
        try:
            prepared_or_error.append(prepare_note(col, config, note, notetypes))
        except NoteError as exc:
            prepared_or_error.append(str(exc))
    checker = DuplicateChecker(col, len(notes))
    decks: dict[str, tuple[DeckId | None, str | None]] = facts.decks  # -> (id, the refusal of a filtered deck)
    for i, prepared in enumerate(prepared_or_error):
        if isinstance(prepared, str):
            continue
        if prepared.deck_name not in decks:
            did = deck_mapping.existing_deck_id(col, prepared.deck_name)
            decks[prepared.deck_name] = (
                did,
                deck_mapping.filtered_deck_message(col.decks.name(did))
                if did is not None and col.decks.is_filtered(did)
                else None,
            )
        prepared.deck_id, refusal = decks[prepared.deck_name]
        if refusal:
            prepared_or_error[i] = refusal
            continue
        if not checker.claim_in_batch(prepared):
            prepared_or_error[i] = DUPLICATE_ERROR
            continue
        same_guid = existing.get(prepared.guid) if prepared.guid else None
        if same_guid:
            if prepared.update_existing:
                prepared.existing_nid = same_guid[0]
            else:
                prepared_or_error[i] = DUPLICATE_ERROR
            continue
        if not prepared.duplicates.allow and checker.first_field_duplicates(prepared):
            prepared_or_error[i] = DUPLICATE_ERROR
    return prepared_or_error


# --- Writing --------------------------------------------------------------------------------------------------


def push_notes(col: "Collection", config: "AddonConfig", notes: Sequence[Any]) -> PushResult:
    """Add the notes that can be added (and update existing ones when asked), as one undo step."""
    remembered = _take_remembered(col, config, notes)
    checked, stamp = remembered if remembered is not None else (check_notes(col, config, notes), None)
    ready = [p for p in checked if isinstance(p, PreparedNote)]
    ids_by_prepared: dict[int, int] = {}
    if ready:
        ids_by_prepared = _write(col, ready, stamp)
    result = PushResult()
    for item in checked:
        if isinstance(item, str):
            result.ids.append(None)
            result.errors.append(item)
        else:
            result.ids.append(ids_by_prepared[id(item)])
            result.errors.append(None)
    return result


def _write(col: "Collection", ready: list[PreparedNote], stamp: note_identity.Stamp | None) -> dict[int, int]:
    """``stamp``: the collection's stamp as just read, if known (else it is read before the notes are written)."""
    # Note types first: adding one is a schema-level write outside the undo step.
    for alias in {p.stock_to_create for p in ready if p.stock_to_create is not None}:
        notetype = note_types.ensure_stock_notetype(col, alias)
        for p in ready:
            if p.stock_to_create is alias:
                p.notetype, p.stock_to_create = notetype, None
        stamp = None
    if any(p.media for p in ready):
        _store_media(col, ready)
        stamp = None
    identity = note_identity.guid_index(col)
    with identity.lock:  # lookups on server threads wait until the index knows these notes
        return _write_notes(col, ready, identity, stamp)


def _write_notes(
    col: "Collection", ready: list[PreparedNote], identity: note_identity.GuidIndex, stamp: note_identity.Stamp | None
) -> dict[int, int]:
    token = identity.stamp_before_write(col, stamp)
    to_add = [p for p in ready if p.existing_nid is None]
    to_update = [p for p in ready if p.existing_nid is not None]
    # The check found the decks (and refused filtered ones) in this request or, remembered, at the same stamp.
    deck_ids = {p.deck_name: p.deck_id for p in ready if p.deck_id is not None}
    missing_decks = {p.deck_name for p in ready} - deck_ids.keys()
    composite = bool(missing_decks) or bool(to_update)
    undo_target = col.add_custom_undo_entry("Add Notes") if composite else None
    try:
        deck_ids.update({name: deck_mapping.ensure_deck(col, name) for name in sorted(missing_decks)})
        requests = []
        # Blank notes to copy, while the index (and so each note type) is as the check saw it.
        blanks = identity.facts(token).blank_notes if token is not None else {}
        for p in to_add:
            blank = blanks.get(p.notetype["id"])
            if blank is None:
                blank = blanks[p.notetype["id"]] = Note(col, p.notetype)
            note = anki_compat.copy_blank_note(blank, p.guid)
            note.fields = list(p.values)
            note.tags = list(p.tags)
            requests.append(AddNoteRequest(note, deck_ids[p.deck_name]))
        if requests:
            col.add_notes(requests)
        for p in to_update:
            _update_in_place(col, p, deck_ids[p.deck_name])
    except BaseException:
        # Nothing half-written: take back the decks (and notes) this step already made, then report the error.
        if undo_target is not None:
            col.merge_undo_entries(undo_target)
            col.undo()
        raise
    if undo_target is not None:
        col.merge_undo_entries(undo_target)
    added = {p.guid: int(r.note.id) for p, r in zip(to_add, requests) if p.guid}
    identity.record_own_write(col, token, added, made_decks=bool(missing_decks))
    ids = {id(p): int(r.note.id) for p, r in zip(to_add, requests)}
    ids.update({id(p): p.existing_nid for p in to_update if p.existing_nid is not None})
    return ids


def _store_media(col: "Collection", ready: list[PreparedNote]) -> None:
    """Write every note's media files, under exactly their names; if one had to be stored under another name
    (a name Anki refuses), the notes' references follow it."""
    stored: dict[str, str] = {}
    for prepared in ready:
        for media in prepared.media:
            if media.name not in stored:
                stored[media.name] = store_media(col, media.name, media.data)
            if stored[media.name] != media.name:
                prepared.values = [v.replace(media.name, stored[media.name]) for v in prepared.values]


def _update_in_place(col: "Collection", prepared: PreparedNote, deck_id: DeckId) -> None:
    """Bring an existing note up to date; untouched when nothing changed (no mtime/usn churn)."""
    assert prepared.existing_nid is not None, "only notes found by guid are updated in place"
    note = col.get_note(NoteId(prepared.existing_nid))
    changed = False
    if note.mid == prepared.notetype["id"]:
        for pos in sorted(prepared.assigned):
            if pos < len(note.fields) and note.fields[pos] != prepared.values[pos]:
                note.fields[pos] = prepared.values[pos]
                changed = True
    # Keep Anki's own workflow tags, and Polar 1.x's identity tag (it is how this note is found again).
    kept = [
        t for t in note.tags if t.lower() in KEPT_ANKI_TAGS or t.lower().startswith(note_identity.LEGACY_TAG_PREFIX)
    ]
    new_tags = prepared.tags + [t for t in kept if t.lower() not in {x.lower() for x in prepared.tags}]
    if sorted(t.lower() for t in note.tags) != sorted(t.lower() for t in new_tags):
        note.tags = new_tags
        changed = True
    if changed:
        col.update_note(note)
    cards_elsewhere = db(col).list("select id from cards where nid = ? and did != ? and odid = 0", note.id, deck_id)
    if cards_elsewhere:
        col.set_deck(cards_elsewhere, deck_id)
