"""Every use of a private Anki API, in one place, each with the reason there is no public way.

Anki 26.9.3 is pinned (manifest.json: min/max point version), so these are checked against that version; a new
Anki that changes one breaks here, and only here. Objects (the collection, the main window) are passed in, so this
module imports neither aqt nor the GUI: domain code and GUI glue both use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from anki.collection import StripHtmlMode
from anki.utils import guid64

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.models import NotetypeDict
    from anki.notes import Note
    from anki.notetypes_pb2 import StockNotetype


def stock_notetype(col: Collection, stock_kind: int) -> NotetypeDict:
    """A fresh, not yet added copy of Anki's stock note type ``stock_kind`` (named in the collection's language).

    Why private: ``anki.stdmodels`` only offers getters that add the type at once (``_legacy_add_*``) or a list
    keyed by English names; the push must decide first and add later, in the same batch as its notes.
    """
    from anki.utils import from_json_bytes

    return from_json_bytes(col._backend.get_stock_notetype_legacy(cast("StockNotetype.Kind.ValueType", stock_kind)))


def strip_html_keeping_media(col: Collection, html: str) -> str:
    """Text of ``html`` with media file names kept, as Anki's duplicate check compares first fields.

    Why private: the public ``anki.utils.strip_html_media`` needs ``anki.lang.current_i18n``, which only the GUI
    sets; the collection's own backend does the same work in tools, tests and Anki alike.
    """
    return col._backend.strip_html(text=html, mode=StripHtmlMode.PRESERVE_MEDIA_FILENAMES)


def sched_timing_today(col: Collection) -> Any:
    """Anki's day numbering for now: ``days_elapsed`` (today) and ``next_day_at`` (tomorrow's rollover).

    Why private: ``col.sched.today``/``day_cutoff`` give the same numbers but each is a separate backend call that
    may disagree across a rollover; the engine needs both from one call.
    """
    return col._backend.sched_timing_today()


def update_cards_undoable(col: Collection, request: Any) -> None:
    """Write an ``UpdateCardsRequest`` (backend Card messages, ``skip_undo_entry`` False) in one call, as an
    ordinary undoable step.

    Why private: the public ``col.update_cards`` takes ``anki.cards.Card`` objects, one Python object (and one
    backend round trip to load it) per card; the engine writes 25k cards per call from rows it already read, each
    built in place in the request (the raw call sends it as it is, where ``update_cards`` would copy every card
    into a new request first).
    """
    col._backend.update_cards_raw(request.SerializeToString())


def standalone_backend() -> Any:
    """A backend without a collection, for computations that need none (FSRS parameter fitting of a plug-in
    called outside a run). Why private: ``anki._backend`` is the only way to get one."""
    from anki._backend import RustBackend

    return RustBackend()


def collection_backend(col: Collection) -> Any:
    """The collection's backend, for backend services Anki has no Python wrapper for (FSRS parameter fitting
    from items). Why private: ``Collection`` exposes no ``compute_fsrs_params_from_items``."""
    return col._backend


def progress_window(mw: Any) -> Any:
    """Anki's progress window while an operation shows one, else None.

    Why private: ``ProgressManager`` has no public accessor, and the add-on adds a Cancel button to that window and
    names the operation in it (Anki's own window cancels only on Esc/close, and a CollectionOp says "Processing").
    """
    return getattr(mw.progress, "_win", None)


def open_dialog(dialogs: Any, name: str) -> Any:
    """The open instance of Anki's dialog ``name`` ("Browser", "AddCards"), or None, without opening it.

    Why private: ``aqt.DialogManager`` only offers ``open`` (which creates the window); AnkiConnect's GUI actions
    act on a window only when the user already has it open.
    """
    entry = dialogs._dialogs.get(name)
    return entry[1] if entry else None


def reviewer_show_question(reviewer: Any) -> None:
    """Why private: the reviewer has no public "show the question again" (``Reviewer._showQuestion``)."""
    reviewer._showQuestion()


def reviewer_show_answer(reviewer: Any) -> None:
    """Why private: pressing Show Answer is ``Reviewer._showAnswer`` (``onEnterKey`` also answers on the back)."""
    reviewer._showAnswer()


def reviewer_answer(reviewer: Any, ease: int) -> None:
    """Why private: answering as the buttons do (timer, hooks, next card) is ``Reviewer._answerCard``."""
    reviewer._answerCard(ease)


def reviewer_buttons(reviewer: Any) -> list[tuple[int, str]]:
    """The answer buttons shown now. Why private: only ``Reviewer._answerButtonList`` lists them."""
    return list(reviewer._answerButtonList())


def browser_sort(browser: Any, column_key: str, order: Any) -> bool:
    """Sort the Browser's table by the column ``column_key`` in Qt ``order``; False when no such column is shown.

    Why private: the table sorts through ``Table._on_sort_column_changed`` and finds columns through its model.
    """
    index = browser.table._model.active_column_index(column_key)
    if index is None:
        return False
    browser.table._on_sort_column_changed(index, order)
    return True


def media_server_port(mw: Any) -> int | None:
    """The port Anki's media server (its own pages: reviewer, previews, editor) listens on, or None before it is up.

    Why private: ``MediaServer.getPort()`` blocks until the server is ready, which would hang a request forever if
    it never starts; whether it is ready is only in its private ``_ready`` event.
    """
    server = getattr(mw, "mediaServer", None)
    ready = getattr(server, "_ready", None)
    if server is None or ready is None or not ready.is_set():
        return None
    return int(server.getPort())


def next_interval_labels(col: Collection, card_id: int) -> list[str]:
    """The four answer buttons' next intervals ("10m", "1d", …) for a card, as the reviewer shows them.

    Why private: the public ``col.sched.nextIvlStr`` asks the backend for the card's scheduling states once per
    button; the states come only from ``_backend.get_scheduling_states`` (two calls per card instead of eight).
    """
    states = col._backend.get_scheduling_states(card_id)
    return list(col._backend.describe_next_states(states))


def copy_blank_note(blank: Note, guid: str | None = None) -> Note:
    """A new note of ``blank``'s note type: a copy of ``blank`` (a note Anki made for the type, never added) with
    ``guid``, or a guid of its own made as Anki makes one.

    Why private: ``Note(col, notetype)`` asks the backend for a blank note every time (a round trip, a decode and
    the note type's field map); the server adds one note per request (Polar's sync), and the copy is that same
    blank note. It relies on a new ``Note`` being its plain attributes until it is added.
    """
    # Not copy.copy: it asks the note for attributes it does not have, each a slow miss in Anki's legacy-name lookup.
    note = type(blank).__new__(type(blank))
    note.__dict__.update(blank.__dict__)
    note.guid = guid or guid64()
    note.tags = list(blank.tags)
    note.fields = list(blank.fields)
    return note
