"""Tag actions beyond addTags/removeTags: reading, setting a note's tags, renaming, clearing unused tags.

Each write is one of Anki's own tag operations (one undo step, every open screen updated)."""

from __future__ import annotations

import re
from typing import Any

from anki.notes import NoteId

from .. import content
from ..collection_db import db
from .common import get_note, require_notes, undo_step
from .registry import ActionContext, ActionError, Param, action, ids, integer, text


def _tag_list(value: Any) -> list[str]:
    """``tags`` as AnkiConnect takes it: a list of tags, or one string (one tag per space-separated word)."""
    if isinstance(value, str):
        value = value.split()
    if not (isinstance(value, list) and all(isinstance(t, str) for t in value)):
        raise ActionError("Must provide tags as a list of strings")
    return content.normalize_tags(value)


@action("getNoteTags", integer("note", "a note id"), off_main=True)
def get_note_tags(ctx: ActionContext, params: dict) -> list[str]:
    return list(get_note(ctx.col, params["note"]).tags)


@action("updateNoteTags", integer("note", "a note id"), Param("tags", (list, str), "a list of tags"), writes=True)
def update_note_tags(ctx: ActionContext, params: dict) -> None:
    """Replace a note's tags by ``tags``."""
    tags = _tag_list(params["tags"])
    note = get_note(ctx.col, params["note"])
    if sorted(t.lower() for t in note.tags) != sorted(t.lower() for t in tags):
        note.tags = tags
        with undo_step(ctx.col, "Update Tags"):
            ctx.col.update_note(note)


@action("getTags", off_main=True)
def get_tags(ctx: ActionContext, params: dict) -> list[str]:
    return ctx.col.tags.all()


@action("clearUnusedTags", writes=True)
def clear_unused_tags(ctx: ActionContext, params: dict) -> None:
    ctx.col.tags.clear_unused_tags()


def _replace(ctx: ActionContext, note_ids: list[NoteId], old: str, new: str) -> None:
    """Rename tag ``old`` (whole tag, any case) to ``new`` on ``note_ids``: Anki's Find and Replace on tags."""
    if not old.strip():
        raise ActionError('parameter "tag_to_replace" must be a tag')
    replacement = " ".join(content.normalize_tags(new.split()))
    if note_ids:
        ctx.col.tags.find_and_replace(
            note_ids, f"^{re.escape(old.strip())}$", replacement, regex=True, match_case=False
        )


@action("replaceTags", ids("notes"), text("tag_to_replace", "a tag"), text("replace_with_tag", "a tag"), writes=True)
def replace_tags(ctx: ActionContext, params: dict) -> None:
    note_ids = require_notes(ctx.col, params["notes"])
    _replace(ctx, note_ids, params["tag_to_replace"], params["replace_with_tag"])


@action("replaceTagsInAllNotes", text("tag_to_replace", "a tag"), text("replace_with_tag", "a tag"), writes=True)
def replace_tags_in_all_notes(ctx: ActionContext, params: dict) -> None:
    note_ids = [NoteId(nid) for nid in db(ctx.col).list("select id from notes")]
    _replace(ctx, note_ids, params["tag_to_replace"], params["replace_with_tag"])
