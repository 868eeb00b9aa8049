"""A pushed card's identity: the client's ``guid`` is stored as the Anki note's own guid.

Why the note guid and not a tag or field: Anki's guid is exactly "the identity of this note across collections"
(import/export match on it), it is invisible to the user, and it costs no tag clutter. Anki does not require
guids to be unique (sync matches by note id), and this add-on never creates a second note with a guid that
already exists, so the guid stays unique for pushed notes. Polar's guids (10 base58 characters) can't clash
with Anki's own (base91 with punctuation) in practice; if one ever did, the push would be treated as that note.

Search: Anki has no ``guid:`` search, and Polar looks notes up with ``tag:polar_guid:<guid>`` (a tag Polar 1.x
added). :func:`rewrite_query` turns both terms into note ids (still matching the legacy tag), and
:class:`GuidIndex` answers Polar's one-term lookups from memory, because Polar sends one per card per sync.
Pure domain code: no aqt.
"""

from __future__ import annotations

import re
import reprlib
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .collection_db import db

if TYPE_CHECKING:
    from anki.collection import Collection

LEGACY_TAG_PREFIX = "polar_guid:"
MAX_GUID_LENGTH = 128
# Where the collection stands (see collection_stamp): its modification time in ms, and the rows changed through its
# SQLite connection since it was opened.
Stamp = tuple[int, int]

# `guid:X`, `tag:polar_guid:X` (optionally quoted or negated, as a whole search term).
_TERM = re.compile(
    r'''(?<![^\s(-])(?P<q>"?)(?P<kind>guid:|tag:polar_guid:)(?P<guid>[^\s"()]+)(?P=q)(?=[\s)]|$)''', re.IGNORECASE
)
_SPACE = re.compile(r"\s")  # what str.isspace() calls a space (both use Py_UNICODE_ISSPACE)
_SINGLE = re.compile(r'''^\s*"?(?:guid:|tag:polar_guid:)([^\s"()*_]+)"?\s*$''', re.IGNORECASE)


def validate_guid(guid: object) -> str:
    """The client's guid, checked; raises ValueError naming the problem."""
    if not isinstance(guid, str):
        raise ValueError(f"note.guid must be a string, not {reprlib.repr(guid)}")
    if not guid or len(guid) > MAX_GUID_LENGTH or _SPACE.search(guid):
        raise ValueError(f"note.guid must be 1 to {MAX_GUID_LENGTH} characters without spaces")
    return guid


@dataclass
class NameFacts:
    """What checking a pushed note looks up by name (its note type, its deck), and a blank note of each note type
    written, remembered beside the guid index: our own writes of notes into existing decks change none of them, so
    they stay valid as long as the index does."""

    notetypes: dict[str, Any] = field(default_factory=dict)  # model name -> how the check resolved it
    decks: dict[str, Any] = field(default_factory=dict)  # deck name -> (deck id or None, refusal or None)
    blank_notes: dict[int, Any] = field(default_factory=dict)  # note type id -> a blank Note of it, to copy


class GuidIndex:
    """guid → note ids (own guid or legacy ``polar_guid:`` tag) for one collection, kept in memory.

    Valid while the collection's stamp (:func:`collection_stamp`, moved by every change, ours, the user's,
    sync's, undo's) is unchanged. While the collection keeps changing between lookups (Polar's first sync
    alternates findNotes and addNote) each lookup is one indexed-free SQL query instead of a rebuild; once two
    lookups in a row see the same stamp, the whole index is built and later lookups are dictionary hits. Our own
    note writes keep it current (:meth:`record_own_write`), and with it the :class:`NameFacts` of :meth:`facts`.
    """

    def __init__(self) -> None:
        # Held by lookups (the server reads off the main thread) and around our own writes of notes, from
        # stamp_before_write to record_own_write, so a lookup never sees the index half-way through one.
        self.lock = threading.RLock()
        self._stamp: Stamp | None = None
        self._by_guid: dict[str, list[int]] = {}
        self._last_seen: Stamp | None = None
        self._facts = NameFacts()

    def lookup(self, col: "Collection", guid: str) -> list[int]:
        with self.lock:
            return self._lookup(col, guid)

    def _lookup(self, col: "Collection", guid: str) -> list[int]:
        stamp = _stamp(col)
        if stamp == self._stamp:
            return list(self._by_guid.get(guid, ()))
        if stamp == self._last_seen:
            self._rebuild(col, stamp)
            return list(self._by_guid.get(guid, ()))
        self._last_seen = stamp
        return _query_guid(col, guid)

    def lookup_many(self, col: "Collection", guids: list[str], stamp: Stamp) -> dict[str, list[int]]:
        """``stamp``: the collection's stamp (:func:`collection_stamp`) as the caller just read it."""
        with self.lock:
            return self._lookup_many(col, guids, stamp)

    def _lookup_many(self, col: "Collection", guids: list[str], stamp: Stamp) -> dict[str, list[int]]:
        if stamp != self._stamp:
            # A few notes asked about once: cheaper than reading every guid. Asked again at the same stamp (Polar's
            # findNotes, canAddNotes, addNote of one card), build the index: our own writes then keep it current.
            if len(guids) < 20 and stamp != self._last_seen:
                self._last_seen = stamp
                found = {guid: _query_guid(col, guid) for guid in guids}
                return {guid: nids for guid, nids in found.items() if nids}
            self._rebuild(col, stamp)
        return {guid: list(self._by_guid[guid]) for guid in guids if guid in self._by_guid}

    def _rebuild(self, col: "Collection", stamp: Stamp) -> None:
        index: dict[str, list[int]] = {}
        for nid, guid in db(col).execute("select id, guid from notes"):
            index.setdefault(guid, []).append(nid)
        for nid, tags in db(col).execute("select id, tags from notes where tags like ?", f"%{LEGACY_TAG_PREFIX}%"):
            for tag in tags.split():
                if tag.lower().startswith(LEGACY_TAG_PREFIX):
                    legacy = tag[len(LEGACY_TAG_PREFIX) :]
                    if nid not in index.get(legacy, ()):
                        index.setdefault(legacy, []).append(nid)
        self._by_guid = index
        self._facts = NameFacts()
        self._stamp = self._last_seen = stamp

    def facts(self, stamp: Stamp) -> NameFacts:
        """The remembered name lookups while the index is current, else empty ones to be thrown away (``stamp``
        as in :meth:`lookup_many`)."""
        with self.lock:
            return self._facts if stamp == self._stamp else NameFacts()

    def stamp_before_write(self, col: "Collection", stamp: Stamp | None = None) -> Stamp | None:
        """Call before writing notes, holding ``lock`` until :meth:`record_own_write`: a token for it (None when
        the index is stale). ``stamp``: the collection's stamp if the caller has just read it."""
        if stamp is None:
            stamp = _stamp(col)
        return stamp if stamp == self._stamp else None

    def record_own_write(
        self, col: "Collection", token: Stamp | None, added: dict[str, int], made_decks: bool = False
    ) -> None:
        """Keep the index current across our own write of ``added`` (guid → new note id); the name facts too,
        unless the write made decks (one remembered missing is there now).

        Only when it was current just before (``token``): then the write is the only change in between, as
        writing handlers run one at a time.
        """
        if token is None:
            return
        if made_decks:
            self._facts = NameFacts()
        for guid, nid in added.items():
            self._by_guid.setdefault(guid, []).append(nid)
        self._stamp = self._last_seen = _stamp(col)


def collection_stamp(col: "Collection") -> Stamp:
    """Where the collection stands: equal stamps mean nothing changed in between.

    ``col.mod`` alone is not enough: a second change within the same millisecond leaves it as it was, and undo sets
    it back. Every change (ours, the user's, sync's, undo's) goes through Anki's one SQLite connection to the
    collection, whose count of changed rows (SQLite's ``total_changes()``) only grows while it is open; a reopened
    collection (profile switch, full sync) starts again from 0 but with the reopened file's ``mod``. So no stamp
    needs the clock to have moved on, and no write waits for it.
    """
    ((mod, changes),) = db(col).all("select mod, total_changes() from col")
    return mod, changes


_stamp = collection_stamp


def _query_guid(col: "Collection", guid: str) -> list[int]:
    escaped = guid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return db(col).list(
        "select id from notes where guid = ? or (' ' || tags || ' ') like ? escape '\\' order by id",
        guid,
        f"% {LEGACY_TAG_PREFIX}{escaped} %",
    )


_INDEXES: "weakref.WeakKeyDictionary[Collection, GuidIndex]" = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def guid_index(col: "Collection") -> GuidIndex:
    with _INDEXES_LOCK:
        index = _INDEXES.get(col)
        if index is None:
            index = _INDEXES[col] = GuidIndex()
        return index


def single_guid_query(query: str) -> str | None:
    """The guid when ``query`` is exactly one ``guid:X`` / ``tag:polar_guid:X`` term (Polar's lookup)."""
    match = _SINGLE.match(query)
    return match.group(1) if match else None


def rewrite_query(col: "Collection", query: str) -> str:
    """``query`` with each ``guid:X`` / ``tag:polar_guid:X`` term replaced by the matching note ids.

    ``tag:polar_guid:X`` keeps matching the legacy tag itself (it may use wildcards); ``guid:X`` is exact.
    """

    def replace(match: re.Match[str]) -> str:
        guid = match.group("guid")
        nids = db(col).list("select id from notes where guid = ?", guid)
        by_id = f"nid:{','.join(map(str, nids))}" if nids else "nid:0"
        if match.group("kind").lower() == "guid:":
            return by_id
        return f'({by_id} OR "tag:{LEGACY_TAG_PREFIX}{guid}")'

    return _TERM.sub(replace, query)
