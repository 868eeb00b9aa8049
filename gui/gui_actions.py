"""AnkiConnect's GUI and profile actions: they drive Anki's real windows, so they live in the GUI glue.

Declared in the one action registry like every other action (imported by ``gui.setup``); they run on the main
thread like all actions. ``needs_collection=False`` marks the profile actions that work in the profile manager.
"""

from __future__ import annotations

from typing import Any

from .. import anki_compat, note_push
from ..actions import ActionContext, ActionError, action, anything, flag, integer, obj, text
from ..actions.cards import card_info
from ..actions.common import deck_id, model_by_name
from ..actions.notes import prepare_one_note


def _mw() -> Any:
    from aqt import mw

    return mw


def _dialogs() -> Any:
    import aqt

    return aqt.dialogs


# --- Profiles -------------------------------------------------------------------------------------------------


@action("getProfiles", needs_collection=False)
def get_profiles(ctx: ActionContext, params: dict) -> list[str]:
    return list(_mw().pm.profiles())


@action("getActiveProfile", needs_collection=False)
def get_active_profile(ctx: ActionContext, params: dict) -> str | None:
    """The open profile's name (null in the profile manager)."""
    mw = _mw()
    return mw.pm.name if mw.col is not None else None


@action("loadProfile", text("name", "a profile name"), needs_collection=False)
def load_profile(ctx: ActionContext, params: dict) -> bool:
    """Switch to profile ``name`` (closing the open one first, with Anki's own close and sync); false for an
    unknown name. The switch happens right after the reply; the server keeps answering through it."""
    mw, name = _mw(), params["name"]
    if name not in mw.pm.profiles():
        return False
    if mw.col is not None and mw.pm.name == name:
        return True

    def open_target() -> None:
        # As the profile manager's Open button does: choose the profile, then open it (the manager closes after).
        mw.pm.load(name)
        mw.onOpenProfile()

    if mw.col is not None:
        mw.progress.single_shot(0, lambda: mw.unloadProfileAndShowProfileManager(), requires_collection=False)
        # The profile manager is up once the old profile has closed; open the target from there.
        _when_profile_manager_shown(mw, open_target)
    else:
        mw.progress.single_shot(0, open_target, requires_collection=False)
    return True


def _when_profile_manager_shown(mw: Any, then: Any, tries: int = 600) -> None:
    """Run ``then`` once no collection is open and the profile manager is shown (checked every 100 ms, 60 s)."""

    def check(left: int) -> None:
        if mw.col is None and getattr(mw, "profileDiag", None) is not None and mw.profileDiag.isVisible():
            then()
        elif left > 0:
            mw.progress.single_shot(100, lambda: check(left - 1), requires_collection=False)

    check(tries)


@action("reloadCollection")
def reload_collection(ctx: ActionContext, params: dict) -> None:
    """Redraw every screen from the collection (as after a change made elsewhere)."""
    _mw().reset()


# --- Browser and editing --------------------------------------------------------------------------------------


@action("guiBrowse", text("query", "a search string", default=None), anything("reorderCards"))
def gui_browse(ctx: ActionContext, params: dict) -> list[int]:
    """Open the Browser on ``query``; returns the cards it lists. ``reorderCards``: {columnId, order}."""
    from aqt.qt import Qt

    reorder = params["reorderCards"]
    if reorder is not None:
        if not isinstance(reorder, dict):
            raise ActionError(f"reorderCards should be a dict: {reorder}")
        if "columnId" not in reorder or "order" not in reorder:
            raise ActionError('Must provide a "columnId" and a "order" property"')
        if reorder["order"] not in ("ascending", "descending"):
            raise ActionError(f"invalid card order: {reorder['order']}")
    browser = _dialogs().open("Browser", _mw())
    browser.activateWindow()
    query = params["query"]
    if query is not None:
        browser.search_for(query)
    if reorder is not None:
        order = Qt.SortOrder.DescendingOrder if reorder["order"] == "descending" else Qt.SortOrder.AscendingOrder
        if not anki_compat.browser_sort(browser, reorder["columnId"], order):
            raise ActionError(f"invalid columnId: {reorder['columnId']}")
    return list(ctx.col.find_cards(query)) if query is not None else []


@action("guiSelectCard", integer("card", "a card id"), aliases=("guiSelectNote",))
def gui_select_card(ctx: ActionContext, params: dict) -> bool:
    """Select the card in the open Browser; false when no Browser is open. ``guiSelectNote`` is AnkiConnect's
    deprecated name for the same action (it also takes a card id, named ``card``)."""
    browser = anki_compat.open_dialog(_dialogs(), "Browser")
    if browser is None:
        return False
    browser.table.clear_selection()
    browser.table.select_single_card(params["card"])
    return True


@action("guiSelectedNotes")
def gui_selected_notes(ctx: ActionContext, params: dict) -> list[int]:
    browser = anki_compat.open_dialog(_dialogs(), "Browser")
    return [] if browser is None else [int(nid) for nid in browser.selected_notes()]


@action("guiEditNote", integer("note", "a note id"))
def gui_edit_note(ctx: ActionContext, params: dict) -> None:
    """Show the note in the Browser's editor (Anki's own note editing window)."""
    note_id = params["note"]
    if not ctx.col.find_notes(f"nid:{note_id}"):
        raise ActionError(f"Note was not found: {note_id}")
    browser = _dialogs().open("Browser", _mw())
    browser.search_for(f"nid:{note_id}")
    browser.table.select_all()
    browser.activateWindow()


def _client_note(ctx: ActionContext, note: dict) -> tuple[Any, Any]:
    """(deck id or None, Note of the named note type with the client's fields and tags) for the Add window."""
    from anki.notes import Note

    did = deck_id(ctx.col, note["deckName"]) if "deckName" in note else None
    notetype = model_by_name(ctx.col, note.get("modelName", "Basic"))
    anki_note = Note(ctx.col, notetype)
    fields = note.get("fields") or {}
    if not isinstance(fields, dict):
        raise ActionError('note.fields must be an object mapping field names to text')
    by_name = {name.lower(): name for name in anki_note.keys()}
    for name, value in fields.items():
        if isinstance(value, str) and name.lower() in by_name:
            anki_note[by_name[name.lower()]] = value
    tags = note.get("tags") or []
    if isinstance(tags, list):
        anki_note.tags = [t for t in tags if isinstance(t, str)]
    return did, anki_note


def _media_references(ctx: ActionContext, note: dict, notetype: Any) -> list[str]:
    """Per field of ``notetype``: the references to the note's media items (``<img src>`` for pictures,
    ``[sound:]`` for audio and video), which go at the end of the fields the items name, as AnkiConnect's
    addMediaFromNote puts them. The files are stored now; a bad item refuses the request with nothing stored."""
    try:
        return note_push.attach_media_to_fields(ctx.col, ctx.config, note, notetype, [""] * len(notetype["flds"]))
    except note_push.NoteError as exc:
        raise ActionError(str(exc)) from exc


def _add_window() -> Any:
    # Anki opens its classic Add window unless the experimental Svelte editor is switched on.
    return anki_compat.open_dialog(_dialogs(), "AddCards")


@action("guiAddCards", obj("note", "a note object", default=None), prepare=prepare_one_note)
def gui_add_cards(ctx: ActionContext, params: dict) -> int:
    """Open Add (as Tools > Add does) with the note's deck, note type, fields, media and tags filled in; the user
    adds it. Returns 0 as AnkiConnect does (the note has no id until it is added).

    With the Add window already open and the user's input in it, Anki first asks "Discard current input?" (as when
    the window is closed); only Discard puts the note in. The reply does not wait for the answer, and the note's
    media files are stored either way (as in AnkiConnect)."""
    note = params["note"]
    if note is None:
        _dialogs().open("AddCards", _mw()).activateWindow()
        return 0
    did, anki_note = _client_note(ctx, note)
    references = _media_references(ctx, note, anki_note.note_type())
    anki_note.fields = [value + ref for value, ref in zip(anki_note.fields, references)]

    def show_note() -> None:
        mw = _mw()
        if mw.col is not ctx.col:  # the profile closed while the user was being asked
            return
        add_cards = _dialogs().open("AddCards", mw)
        add_cards.set_note(anki_note, did)
        add_cards.activateWindow()

    open_window = _add_window()
    if open_window is None:
        show_note()
    else:
        # Anki's own check before the window's input is lost: calls back at once when the fields are blank,
        # otherwise only once the user chose Discard (AnkiConnect closes the window through the same check).
        # Activated first so the question comes up over the Add window, not over whatever window is in front.
        open_window.activateWindow()
        open_window.ifCanClose(show_note)
    return 0


@action("guiAddNoteSetData", obj("note", "a note object"), flag("append", False), prepare=prepare_one_note)
def gui_add_note_set_data(ctx: ActionContext, params: dict) -> bool:
    """Set deck, note type, fields, media and tags in the open Add window (``append`` adds to the fields' text;
    media references always go at the end of their fields, as in AnkiConnect's fork)."""
    add_cards = _add_window()
    if add_cards is None or not hasattr(add_cards, "editor"):
        raise ActionError("Add Note dialog is not open")
    note = params["note"]
    did, wanted = _client_note(ctx, {"modelName": add_cards.editor.note.note_type()["name"], **note})
    # Before the window changes: a bad media item leaves it as it was.
    references = _media_references(ctx, note, wanted.note_type())
    if did is not None:
        add_cards.set_deck(did)
    if wanted.mid != add_cards.editor.note.mid:
        add_cards.set_note_type(wanted.mid)
    current = add_cards.editor.note
    for i, value in enumerate(wanted.fields):
        if value:
            current.fields[i] = current.fields[i] + value if params["append"] else value
        current.fields[i] += references[i]
    if "tags" in note:
        current.tags = wanted.tags
    add_cards.editor.loadNote()
    return True


# --- Reviewer -------------------------------------------------------------------------------------------------


def _review_active() -> bool:
    mw = _mw()
    return mw.state == "review" and mw.reviewer.card is not None


@action("guiReviewActive")
def gui_review_active(ctx: ActionContext, params: dict) -> bool:
    return _review_active()


@action("guiCurrentCard")
def gui_current_card(ctx: ActionContext, params: dict) -> dict[str, Any]:
    if not _review_active():
        raise ActionError("Gui review is not currently active.")
    reviewer = _mw().reviewer
    card = reviewer.card
    info = card_info(ctx.col, card)
    buttons = anki_compat.reviewer_buttons(reviewer)
    return {
        **{
            key: info[key]
            for key in ("cardId", "fields", "fieldOrder", "question", "answer", "modelName", "deckName", "css")
        },
        "buttons": [ease for ease, _ in buttons],
        "nextReviews": [ctx.col.sched.nextIvlStr(card, ease, True) for ease, _ in buttons],
        "template": card.template()["name"],
    }


@action("guiStartCardTimer")
def gui_start_card_timer(ctx: ActionContext, params: dict) -> bool:
    if not _review_active():
        return False
    _mw().reviewer.card.start_timer()
    return True


@action("guiShowQuestion")
def gui_show_question(ctx: ActionContext, params: dict) -> bool:
    if not _review_active():
        return False
    anki_compat.reviewer_show_question(_mw().reviewer)
    return True


@action("guiShowAnswer")
def gui_show_answer(ctx: ActionContext, params: dict) -> bool:
    if not _review_active():
        return False
    anki_compat.reviewer_show_answer(_mw().reviewer)
    return True


@action("guiAnswerCard", integer("ease", "1, 2, 3 or 4"))
def gui_answer_card(ctx: ActionContext, params: dict) -> bool:
    """Press an answer button (only while the answer is shown, as a user can)."""
    if not _review_active():
        return False
    reviewer = _mw().reviewer
    buttons = [ease for ease, _ in anki_compat.reviewer_buttons(reviewer)]
    if reviewer.state != "answer" or params["ease"] not in buttons:
        return False
    anki_compat.reviewer_answer(reviewer, params["ease"])
    return True


@action("guiPlayAudio")
def gui_play_audio(ctx: ActionContext, params: dict) -> bool:
    if not _review_active():
        return False
    _mw().reviewer.replayAudio()
    return True


@action("guiUndo")
def gui_undo(ctx: ActionContext, params: dict) -> bool:
    """Edit > Undo (whatever it names now)."""
    _mw().undo()
    return True


# --- Main window states ---------------------------------------------------------------------------------------


def _overview(ctx: ActionContext, name: str) -> bool:
    did = get_did(ctx, name)
    if did is None:
        return False
    ctx.col.decks.select(did)
    _mw().onOverview()
    return True


def get_did(ctx: ActionContext, name: str) -> Any:
    try:
        return deck_id(ctx.col, name)
    except ActionError:
        return None


@action("guiDeckOverview", text("name", "a deck name"))
def gui_deck_overview(ctx: ActionContext, params: dict) -> bool:
    return _overview(ctx, params["name"])


@action("guiDeckBrowser")
def gui_deck_browser(ctx: ActionContext, params: dict) -> None:
    _mw().moveToState("deckBrowser")


@action("guiDeckReview", text("name", "a deck name"))
def gui_deck_review(ctx: ActionContext, params: dict) -> bool:
    if not _overview(ctx, params["name"]):
        return False
    _mw().moveToState("review")
    return True


@action("guiImportFile", text("path", "a file path", default=None))
def gui_import_file(ctx: ActionContext, params: dict) -> None:
    """File > Import with ``path`` (Anki shows its import options), or Anki's file chooser without one. A missing
    or unsupported file is an error here (Anki would stop at a modal warning)."""
    import os

    from aqt.import_export.importing import IMPORTERS, import_file, prompt_for_file_then_import

    path = params["path"]
    if path is None:
        _mw().progress.single_shot(0, lambda: prompt_for_file_then_import(_mw()))
        return
    if not os.path.isfile(path):
        raise ActionError(f"file not found: {path}")
    if not any(importer.can_import(os.path.basename(path).lower()) for importer in IMPORTERS):
        raise ActionError(f"Unsupported file type: {path}")
    import_file(_mw(), path)


@action("guiCheckDatabase")
def gui_check_database(ctx: ActionContext, params: dict) -> bool:
    """Tools > Check Database (runs in the background and reports in Anki, as when chosen from the menu)."""
    _mw().onCheckDB()
    return True


@action("guiExitAnki", needs_collection=False)
def gui_exit_anki(ctx: ActionContext, params: dict) -> None:
    """Close Anki as File > Exit does, a moment after the reply is sent."""
    mw = _mw()
    mw.progress.single_shot(1000, mw.close, requires_collection=False)
