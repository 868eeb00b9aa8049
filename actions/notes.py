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
from .common import get_note, model_by_name, undo_step
from .registry import ActionContext, ActionError, Param, PrepareContext, action, array, ids, obj, require, text

_NOTES = array("notes", "a list of notes")
_NOTE = obj("note", "a note object")
# ActionContext.extras key: a callable giving the open profile's name (notesInfo's "profile"), from the GUI glue.
EXTRA_PROFILE = "profile"
_TAGS = Param("tags", (str, list), "a space-separated string of tags")

# --- Media items, read off the main thread ---------------------------------------------------------------------


def _prepare_note_media(note: Any, prep: PrepareContext) -> Any:
    """A copy of ``note`` whose picture/audio/video items carry their bytes (decoded, downloaded or read here, on
    the connection thread); a failing item carries its error, so only that note is refused."""
    if not isinstance(note, dict) or all(note.get(kind) is None for kind in note_push.MEDIA_KINDS):
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


def prepare_one_note(params: dict, prep: PrepareContext) -> dict:
    """``params`` with its ``note``'s media items prepared (a null or malformed note passes through unchanged)."""
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


@action("findNotes", text("query", "a search string", default=None), off_main=True)
def find_notes(ctx: ActionContext, params: dict) -> list[int]:
    if params["query"] is None:  # AnkiConnect: no query, no notes
        return []
    return find_note_ids(ctx.col, params["query"])


def notes_info_rows(col, note_ids: list[int], profile: str | None) -> list[dict[str, Any]]:
    """notesInfo's entries, ``{}`` for ids that don't exist: one query for the notes, one for their cards,
    whatever the number of ids."""
    if not note_ids:
        return []
    id_list = ids2str(note_ids)
    rows = {r[0]: r for r in db(col).all(f"select id, mid, mod, tags, flds from notes where id in {id_list}")}
    cards: dict[int, list[int]] = {}
    for cid, nid in db(col).all(f"select id, nid from cards where nid in {id_list} order by nid, ord"):
        cards.setdefault(nid, []).append(cid)
    notetypes: dict[int, Any] = {}
    result: list[dict[str, Any]] = []
    for nid in note_ids:
        row = rows.get(nid)
        if row is None:
            result.append({})
            continue
        _, mid, mod, tags, flds = row
        notetype = notetypes.get(mid) or notetypes.setdefault(mid, col.models.get(mid))
        values = flds.split("\x1f")
        info: dict[str, Any] = {
            "noteId": nid,
            "modelName": notetype["name"],
            "tags": tags.split(),
            "fields": {
                f["name"]: {"value": values[f["ord"]] if f["ord"] < len(values) else "", "order": f["ord"]}
                for f in notetype["flds"]
            },
            "mod": mod,
            "cards": cards.get(nid, []),
        }
        if profile is not None:
            info["profile"] = profile
        result.append(info)
    return result


@action("notesInfo", ids("notes", default=None), text("query", "a search string", default=None), off_main=True)
def notes_info(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    """Info for ``notes`` (ids) or the notes matching ``query``; ``{}`` for ids that don't exist."""
    if params["notes"] is not None:
        note_ids = params["notes"]
    elif params["query"] is not None:
        note_ids = find_note_ids(ctx.col, params["query"])
    else:
        raise ActionError('Must provide either "notes" or a "query"')
    profile = ctx.extras.get(EXTRA_PROFILE)
    return notes_info_rows(ctx.col, note_ids, profile() if callable(profile) else profile)


@action("notesModTime", ids("notes"), off_main=True)
def notes_mod_time(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    note_ids = params["notes"]
    mods: dict[int, int] = {}
    if note_ids:
        rows = db(ctx.col).all(f"select id, mod from notes where id in {ids2str(note_ids)}")
        mods = {row[0]: row[1] for row in rows}
    return [{"noteId": nid, "mod": mods[nid]} if nid in mods else {} for nid in note_ids]


# --- Adding ---------------------------------------------------------------------------------------------------


# Checking a note reads its picture/audio items too: they are prepared off the main thread like addNotes'.
@action("canAddNote", _NOTE, prepare=prepare_one_note, off_main=True)
def can_add_note(ctx: ActionContext, params: dict) -> bool:
    return not isinstance(note_push.check_notes(ctx.col, ctx.config, [params["note"]], remember=True)[0], str)


@action("canAddNoteWithErrorDetail", _NOTE, prepare=prepare_one_note, off_main=True)
def can_add_note_with_error_detail(ctx: ActionContext, params: dict) -> dict[str, Any]:
    item = note_push.check_notes(ctx.col, ctx.config, [params["note"]], remember=True)[0]
    return {"canAdd": False, "error": item} if isinstance(item, str) else {"canAdd": True}


@action("canAddNotes", _NOTES, prepare=_prepare_notes, off_main=True)
def can_add_notes(ctx: ActionContext, params: dict) -> list[bool]:
    return [
        not isinstance(item, str) for item in note_push.check_notes(ctx.col, ctx.config, params["notes"], remember=True)
    ]


@action("canAddNotesWithErrorDetail", _NOTES, prepare=_prepare_notes, off_main=True)
def can_add_notes_with_error_detail(ctx: ActionContext, params: dict) -> list[dict[str, Any]]:
    return [
        {"canAdd": False, "error": item} if isinstance(item, str) else {"canAdd": True}
        for item in note_push.check_notes(ctx.col, ctx.config, params["notes"], remember=True)
    ]


@action("addNote", _NOTE, writes=True, prepare=prepare_one_note, off_main=True)
def add_note(ctx: ActionContext, params: dict) -> int:
    note = params["note"]
    result = note_push.push_notes(ctx.col, ctx.config, [note])
    note_id, error = result.ids[0], result.errors[0]
    if note_id is None:
        raise ActionError(error or "cannot create note")
    return note_id


@action("addNotes", _NOTES, writes=True, prepare=_prepare_notes, off_main=True)
def add_notes(ctx: ActionContext, params: dict) -> list[int | None]:
    """AnkiConnect v6 semantics: one id per note, ``null`` for a note that could not be added; the notes that
    can be added are written in one batch (one undo step)."""
    return note_push.push_notes(ctx.col, ctx.config, params["notes"]).ids


# --- Updating -------------------------------------------------------------------------------------------------


def _existing_note(col, note_id: int) -> Note:
    return get_note(col, note_id)


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


def _apply_media(ctx: ActionContext, note: Note, raw: dict) -> bool:
    """The note's picture/audio/video items (prepared off the main thread) added to their fields; True when
    that changed a field."""
    if not any(raw.get(kind) for kind in note_push.MEDIA_KINDS):
        return False
    notetype = note_types.notetype_by_id(ctx.col, note.mid)
    try:
        values = note_push.attach_media_to_fields(ctx.col, ctx.config, raw, notetype, list(note.fields))
    except note_push.NoteError as exc:
        raise ActionError(str(exc)) from exc
    if values == list(note.fields):
        return False
    note.fields = values
    return True


@action("updateNoteFields", _NOTE_WITH_ID, writes=True, prepare=prepare_one_note, off_main=True)
def update_note_fields(ctx: ActionContext, params: dict) -> None:
    """Set fields (and, as in AnkiConnect, append the note's picture/audio/video items to the fields they name)."""
    note_id, raw = _note_param(params)
    fields = require(raw, "fields", dict, "an object mapping field names to text")
    note = _existing_note(ctx.col, note_id)
    changed = _apply_fields(ctx.col, note, fields)
    changed = _apply_media(ctx, note, raw) or changed
    # col.update_note fires the op-change hooks, so an open editor or Browser shows the new text.
    if changed:
        ctx.col.update_note(note)


@action("updateNote", _NOTE_WITH_ID, writes=True, prepare=prepare_one_note, off_main=True)
def update_note(ctx: ActionContext, params: dict) -> None:
    note_id, raw = _note_param(params)
    if "fields" not in raw and "tags" not in raw:
        raise ActionError('updateNote needs "fields" and/or "tags" in "note"')
    fields = require(raw, "fields", dict, "an object mapping field names to text", default={})
    note = _existing_note(ctx.col, note_id)
    changed = _apply_fields(ctx.col, note, fields)
    changed = _apply_media(ctx, note, raw) or changed
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


@action("updateNoteModel", _NOTE_WITH_ID, writes=True)
def update_note_model(ctx: ActionContext, params: dict) -> None:
    """Give a note another note type (Anki's Change Note Type, which asks for a full sync), then set exactly the
    given fields (others empty) and tags, all in one undo step."""
    note_id, raw = _note_param(params)
    model_name = require(raw, "modelName", str, "a note type name")
    fields = require(raw, "fields", dict, "an object mapping field names to text")
    tags = raw.get("tags", [])
    if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ActionError("note.tags must be a list of strings")
    for name, value in fields.items():
        if not isinstance(value, str):
            raise ActionError(f'note.fields["{name}"] must be a string')
    col = ctx.col
    note = get_note(col, note_id)
    notetype = model_by_name(col, model_name)
    with undo_step(col, "Update Note Model"):
        if notetype["id"] != note.mid:
            request = col.models.change_notetype_info(old_notetype_id=note.mid, new_notetype_id=notetype["id"]).input
            request.note_ids.append(note_id)
            col.models.change_notetype_of_notes(request)
            note = col.get_note(NoteId(note_id))
        note.fields = [""] * len(note.fields)
        _apply_fields(col, note, fields)
        note.tags = content.normalize_tags(tags)
        col.update_note(note)


@action("removeEmptyNotes", writes=True)
def remove_empty_notes(ctx: ActionContext, params: dict) -> None:
    """Delete the notes whose every card is empty (what Anki's Tools > Empty Cards would delete as whole notes).

    AnkiConnect's code instead deletes unused note types; its documentation promises empty notes, done here."""
    report = ctx.col.get_empty_cards()
    note_ids = [NoteId(entry.note_id) for entry in report.notes if entry.will_delete_note]
    if note_ids:
        ctx.col.remove_notes(note_ids)
