"""Note actions: finding, checking, adding, updating, tagging and deleting notes.

Adding goes through note_push (validate everything first, then one batched write); identity searches
(``guid:X``, ``tag:polar_guid:X``) go through note_identity.
"""

from __future__ import annotations

from typing import Any

from anki.errors import SearchError
from anki.notes import Note, NoteId
from anki.utils import ids2str

from .. import content, note_identity, note_push, note_types
from ..collection_db import db
from ..media_files import prepare_media_item
from .registry import ActionContext, ActionError, Param, PrepareContext, action, array, ids, obj, require, text

_NOTES = array("notes", "a list of notes")
_TAGS = Param("tags", (str, list), "a space-separated string of tags")

# --- Media items, read off the main thread ---------------------------------------------------------------------


def _prepare_note_media(note: Any, prep: PrepareContext) -> Any:
    """A copy of ``note`` whose picture/audio/video items carry their bytes (decoded, downloaded or read here, on
    the connection thread); a failing item carries its error, so only that note is refused."""
    if not isinstance(note, dict):
        return note
    prepared = dict(note)
    for kind in note_push.MEDIA_KINDS:
        items = note.get(kind)
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            continue
        new_items = []
        for item in items:
            try:
                new_items.append(prepare_media_item(item, prep.config, prep.media_dir))
            except ActionError as exc:
                new_items.append({**item, note_push.PREPARE_ERROR: str(exc)})
        prepared[kind] = new_items
    return prepared


def _prepare_one_note(params: dict, prep: PrepareContext) -> dict:
    return {**params, "note": _prepare_note_media(params["note"], prep)}


def _prepare_notes(params: dict, prep: PrepareContext) -> dict:
    return {**params, "notes": [_prepare_note_media(note, prep) for note in params["notes"]]}


# --- Finding ------------------------------------------------------------------------------------------------


def find_note_ids(col, query: str) -> list[int]:
    guid = note_identity.single_guid_query(query)
    if guid is not None:
        # Polar asks this once per card per sync: answer from the in-memory identity index.
        return note_identity.guid_index(col).lookup(col, guid)
    try:
        return list(col.find_notes(note_identity.rewrite_query(col, query)))
    except SearchError as exc:
        raise ActionError(f"invalid search: {exc}") from exc


@action("findNotes", text("query", "a search string"))
def find_notes(ctx: ActionContext, params: dict) -> list[int]:
    return find_note_ids(ctx.col, params["query"])


def note_info(col, note: Note) -> dict[str, Any]:
    notetype = note_types.notetype_by_id(note.col, note.mid)
    return {
        "noteId": note.id,
        "modelName": notetype["name"],
        "tags": list(note.tags),
        "fields": {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in notetype["flds"]},
        "mod": note.mod,
        "cards": [int(cid) for cid in note.card_ids()],
    }


@action("notesInfo", ids("notes", default=None), text("query", "a search string", default=None))
def notes_info(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    """Info for ``notes`` (ids) or the notes matching ``query``; ``{}`` for ids that don't exist."""
    if params["notes"] is not None:
        note_ids = params["notes"]
    elif params["query"] is not None:
        note_ids = find_note_ids(ctx.col, params["query"])
    else:
        raise ActionError('notesInfo needs "notes" (a list of ids) or "query" (a search string)')
    # Missing ids are filtered by one query: a failed get_note is slow in the running app (backend backtrace).
    existing = set(_existing_ids(ctx.col, note_ids))
    return [note_info(ctx.col, ctx.col.get_note(NoteId(nid))) if nid in existing else {} for nid in note_ids]


# --- Adding ---------------------------------------------------------------------------------------------------


# Checking a note reads its picture/audio items too: they are prepared off the main thread like addNotes'.
@action("canAddNotes", _NOTES, prepare=_prepare_notes)
def can_add_notes(ctx: ActionContext, params: dict) -> list[bool]:
    return [not isinstance(item, str) for item in note_push.check_notes(ctx.col, ctx.config, params["notes"])]


@action("canAddNotesWithErrorDetail", _NOTES, prepare=_prepare_notes)
def can_add_notes_with_error_detail(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    return [
        {"canAdd": False, "error": item} if isinstance(item, str) else {"canAdd": True}
        for item in note_push.check_notes(ctx.col, ctx.config, params["notes"])
    ]


@action("addNote", obj("note", "a note object"), writes=True, prepare=_prepare_one_note)
def add_note(ctx: ActionContext, params: dict) -> int:
    note = params["note"]
    result = note_push.push_notes(ctx.col, ctx.config, [note])
    note_id, error = result.ids[0], result.errors[0]
    if note_id is None:
        raise ActionError(error or "cannot create note")
    return note_id


@action("addNotes", _NOTES, writes=True, prepare=_prepare_notes)
def add_notes(ctx: ActionContext, params: dict) -> list[int | None]:
    """AnkiConnect v6 semantics: one id per note, ``null`` for a note that could not be added; the notes that
    can be added are written in one batch (one undo step)."""
    return note_push.push_notes(ctx.col, ctx.config, params["notes"]).ids


# --- Updating -------------------------------------------------------------------------------------------------


def _existing_note(col, note_id: int) -> Note:
    if not _existing_ids(col, [note_id]):
        raise ActionError(f"note was not found: {note_id}")
    return col.get_note(NoteId(note_id))


def _apply_fields(col, note: Note, fields: dict[str, Any]) -> bool:
    """Set the client's fields on ``note`` (names as in addNote); True when something changed. Writes media."""
    for name, value in fields.items():
        if not isinstance(value, str):
            raise ActionError(f'note.fields["{name}"] must be a string')
    notetype = note_types.notetype_by_id(note.col, note.mid)
    new_values: dict[int, str] = {}
    media: list[content.MediaFile] = []
    for pos, value in note_types.field_positions(notetype, fields).items():
        try:
            new_values[pos], files = content.extract_inline_images(value)
        except content.InlineImageError as exc:
            raise ActionError(f'field "{notetype["flds"][pos]["name"]}": {exc}') from exc
        media.extend(files)
    for file in media:
        col.media.write_data(file.name, file.data)
    changed = False
    for pos, value in new_values.items():
        if note.fields[pos] != value:
            note.fields[pos] = value
            changed = True
    return changed


def _apply_tags(note: Note, tags: Any) -> bool:
    if isinstance(tags, str):
        tags = tags.split()
    if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ActionError("note.tags must be a list of strings")
    new_tags = content.normalize_tags(tags)
    if sorted(t.lower() for t in note.tags) == sorted(t.lower() for t in new_tags):
        return False
    note.tags = new_tags
    return True


_NOTE_WITH_ID = obj("note", "a note object with an id")


def _note_param(params: dict) -> tuple[int, dict]:
    raw = params["note"]
    note_id = require(raw, "id", int, "an id (integer)")
    return note_id, raw


@action("updateNoteFields", _NOTE_WITH_ID, writes=True)
def update_note_fields(ctx: ActionContext, params: dict) -> None:
    note_id, raw = _note_param(params)
    fields = require(raw, "fields", dict, "an object mapping field names to text")
    note = _existing_note(ctx.col, note_id)
    # col.update_note fires the op-change hooks, so an open editor or Browser shows the new text.
    if _apply_fields(ctx.col, note, fields):
        ctx.col.update_note(note)


@action("updateNote", _NOTE_WITH_ID, writes=True)
def update_note(ctx: ActionContext, params: dict) -> None:
    note_id, raw = _note_param(params)
    if "fields" not in raw and "tags" not in raw:
        raise ActionError('updateNote needs "fields" and/or "tags" in "note"')
    fields = require(raw, "fields", dict, "an object mapping field names to text", default={})
    note = _existing_note(ctx.col, note_id)
    changed = _apply_fields(ctx.col, note, fields)
    if "tags" in raw:
        changed = _apply_tags(note, raw["tags"]) or changed
    if changed:
        ctx.col.update_note(note)


def _tags_string(params: dict) -> str:
    tags = params["tags"]
    if isinstance(tags, list):
        if not all(isinstance(t, str) for t in tags):
            raise ActionError('parameter "tags" must be a space-separated string of tags')
        return " ".join(content.normalize_tags(tags))
    return " ".join(content.normalize_tags(tags.split()))


def _existing_ids(col, note_ids: list[int]) -> list[NoteId]:
    if not note_ids:
        return []
    found = set(db(col).list(f"select id from notes where id in {ids2str(note_ids)}"))
    return [NoteId(i) for i in note_ids if i in found]


@action("addTags", ids("notes"), _TAGS, writes=True)
def add_tags(ctx: ActionContext, params: dict) -> None:
    tags = _tags_string(params)
    existing = _existing_ids(ctx.col, params["notes"])
    if existing and tags:
        ctx.col.tags.bulk_add(existing, tags)


@action("removeTags", ids("notes"), _TAGS, writes=True)
def remove_tags(ctx: ActionContext, params: dict) -> None:
    tags = _tags_string(params)
    existing = _existing_ids(ctx.col, params["notes"])
    if existing and tags:
        ctx.col.tags.bulk_remove(existing, tags)


@action("deleteNotes", ids("notes"), writes=True)
def delete_notes(ctx: ActionContext, params: dict) -> None:
    existing = _existing_ids(ctx.col, params["notes"])
    if existing:
        ctx.col.remove_notes(existing)
