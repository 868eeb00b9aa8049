"""Bulk reads for the rescheduling engine: cards as named rows, chunk by chunk, and their review histories.

One query per chunk of cards and one per chunk for their review logs (never one per card). A card's history is
parsed only when a scheduler reads it, following Anki's review-log rules (`review_history`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from operator import sub
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from anki.consts import (
    CARD_TYPE_LRN,
    CARD_TYPE_RELEARNING,
    CARD_TYPE_REV,
    QUEUE_TYPE_DAY_LEARN_RELEARN,
    QUEUE_TYPE_LRN,
    QUEUE_TYPE_NEW,
    QUEUE_TYPE_REV,
)
from anki.decks import DeckId
from anki.utils import ids2str

from .collection_db import db as collection_db
from .review_history import ANSWER_SQL, DAY_SECS, RestartedHistory, ignore_before_ms, restart_history
from .scheduler import AnkiDays, AnswerColumns, CardHistory, CardLog, Review, ReviewKind, StartingState, _Context

try:
    from orjson import loads as json_loads  # ships with Anki; parses a card's log at C speed
except ImportError:  # pragma: no cover
    from json import loads as json_loads  # type: ignore[assignment]

if TYPE_CHECKING:
    from anki.collection import Collection

CHUNK_SIZE = 100_000  # cards read per query where a whole-table read is paged; bounds memory on huge collections
PLAN_CHUNK_SIZE = 20_000  # cards planned per chunk (at least): the next chunk's logs are read meanwhile
FIRST_CHUNK_SIZE = 500  # the first chunk, read while nothing else can run: small, so planning starts soon
# each chunk this much larger than the one before: its read (on the read-ahead thread) then takes no longer than
# planning the one before, where doubling made the planning wait for the read of each of the first chunks
CHUNK_GROWTH = 1.5
TABLE_SCANS = 5  # whole-table plans use at most this many full chunks: each one's log query scans the revlog table
IN_LIST_LIMIT = 10_000  # ids per "in (...)" list
NOTE_BATCH = 1_000  # notes read per query when a scheduler reads cards' tags or fields
PACKED_WINDOW = PLAN_CHUNK_SIZE  # histories built together from packed logs (one starting-state query each)


class CardRow(NamedTuple):
    """One row of Anki's cards table, as the engine reads it."""

    id: int
    nid: int
    did: int
    ord: int
    mod: int
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    odue: int
    odid: int
    flags: int
    data: str


CARD_COLUMNS = ", ".join(CardRow._fields)
_EMPTY = CardLog((), complete=False, columns=AnswerColumns([], [], [], 0.0, None))


def key_values(col: Collection, sql: str) -> list[tuple[Any, Any]]:
    """Rows of a two-column query (for ``dict.update``)."""
    return cast("list[tuple[Any, Any]]", collection_db(col).all(sql))


def id_lists(ids: Sequence[int], size: int = IN_LIST_LIMIT) -> Iterator[str]:
    """``(id, id, ...)`` SQL lists of at most ``size`` ids each (Anki's `ids2str`), for ``where x in ...``."""
    for start in range(0, len(ids), size):
        yield ids2str(ids[start : start + size])


def pages(
    col: Collection, columns: str, chunk_size: int = CHUNK_SIZE, where: str = "", first_size: int | None = None
) -> Iterator[list[Any]]:
    """Every card's ``columns`` (the first must be ``id``) in id order, one keyset-paged query per page
    (``first_size``: the first page's size, growing page by page up to ``chunk_size``, `_chunk_sizes`)."""
    condition = f" and ({where})" if where else ""
    last_id = -(2**63)
    for size in _chunk_sizes(chunk_size, first_size):
        rows = collection_db(col).all(
            f"select {columns} from cards where id > ?{condition} order by id limit ?", last_id, size
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]
        if len(rows) < size:
            return


def _chunk_sizes(chunk_size: int, first_size: int | None) -> Iterator[int]:
    """``first_size``, CHUNK_GROWTH times that, ... up to ``chunk_size``, then ``chunk_size`` for ever: a read-ahead
    pipeline starts with a small chunk (read while nothing else can run), and each chunk's read then takes about as
    long as planning the chunk before it."""
    size = min(first_size or chunk_size, chunk_size)
    while True:
        yield size
        size = min(max(size + 1, int(CHUNK_GROWTH * size)), chunk_size)


def int_columns(col: Collection, columns: Sequence[str], source: str) -> list[list[int]]:
    """Whole integer columns of ``select columns from source``, each as one list, in one pass: one group_concat
    string per column instead of a row object per card (several times faster for a whole table). The columns'
    entries come in the same row order (each row is added to every column's concatenation in turn); that order is
    unspecified, so sort by a key column where order matters."""
    concatenations = ", ".join(f"'[' || coalesce(group_concat({column}), '') || ']'" for column in columns)
    row = collection_db(col).first(f"select {concatenations} from {source}")
    return [json_loads(text) for text in row] if row else [[] for _ in columns]


def int_column_pages(
    col: Collection, columns: Sequence[str], where: str, page_size: int = CHUNK_SIZE
) -> Iterator[list[list[int]]]:
    """`int_columns` of the cards matching ``where``, ``page_size`` cards at a time (keyset pages; the first column
    must be ``id``): a whole-table read several times cheaper than rows, with memory bounded on huge collections.
    Rows come in the same order in every column of a page; pages in id order."""
    last_id = -(2**63)
    selected = ", ".join(columns)
    while True:
        source = f"(select {selected} from cards where id > {last_id} and ({where}) order by id limit {page_size})"
        page = int_columns(col, columns, source)
        if not page[0]:
            return
        yield page
        if len(page[0]) < page_size:
            return
        last_id = max(page[0])


def card_chunks(
    col: Collection, card_ids: Sequence[int] | None, chunk_size: int = CHUNK_SIZE, first_size: int | None = None
) -> Iterator[list[CardRow]]:
    """Card rows in id order, chunk by chunk (all cards, or the given ids; ``first_size``: see `pages`)."""
    if card_ids is None:
        yield from map(as_card_rows, pages(col, CARD_COLUMNS, chunk_size, first_size=first_size))
        return
    ids = sorted({int(i) for i in card_ids})
    begin = 0
    for size in _chunk_sizes(chunk_size, first_size):
        if begin >= len(ids):
            return
        chunk_ids, begin = ids[begin : begin + size], begin + size
        rows = []
        for id_list in id_lists(chunk_ids):
            rows.extend(collection_db(col).all(f"select {CARD_COLUMNS} from cards where id in {id_list} order by id"))
        if rows:
            yield as_card_rows(rows)


def plan_chunk_size(total: int) -> int:
    """Cards per chunk of a plan over ``total`` cards: PLAN_CHUNK_SIZE, or larger so that a whole-table plan has
    at most TABLE_SCANS chunks."""
    return max(PLAN_CHUNK_SIZE, -(-total // TABLE_SCANS))


def cards_by_id(col: Collection, ids: Sequence[int]) -> list[CardRow]:
    rows: list[Any] = []
    for id_list in id_lists(list(ids)):
        rows.extend(collection_db(col).all(f"select {CARD_COLUMNS} from cards where id in {id_list}"))
    return as_card_rows(rows)


def as_card_rows(rows: list[Any]) -> list[CardRow]:
    """Rows of ``select CARD_COLUMNS`` as named rows."""
    return list(map(CardRow._make, rows))


_KINDS = tuple(ReviewKind)


def _seconds(ivl: int) -> float:
    return ivl * 86400.0 if ivl > 0 else -ivl * 1.0  # revlog ivl: days > 0, -seconds < 0


# Seven numbers per review-log entry (a card's entries in id order), all the review-log rules (`restart_history`) and
# the answer columns need: id, ease and type (each clamped to 0..7, which keeps every rule's outcome), 1 if its
# interval is a day or more (stands in for the interval), 1 if its ease factor is not 0 (stands in for the factor),
# and its whole Anki days before tomorrow's start (`days_ago` unclamped: SQL truncates a negative quotient towards 0
# where Python floors it, and `_card_log` turns every negative one into 0 either way), and 1 if it is an answer
# (`ANSWER_SQL`). ``{next_day_at}``: the collection's next day start.
_PACKED_ENTRY = (
    "id||','||max(0, min(ease, 7))||','||max(0, min(type, 7))||','||(ivl >= 1 or ivl <= -86400)||','||(factor != 0)"
    f"||','||(({{next_day_at}} - id / 1000) / 86400)||','||({ANSWER_SQL})"
)
_PACKED_WIDTH = 7
_WHOLE_ENTRY = "id||','||ease||','||ivl||','||lastIvl||','||factor||','||time||','||type"
_NEWEST_ANSWER = f"max(case when {ANSWER_SQL} then id end)"


class ChunkHistories:
    """Review logs of one chunk of cards, read with one query for the whole chunk (never one per card).

    A log is read in one of two forms, each card's log one string (SQL group_concat) parsed only for cards whose
    history is read: packed (one number per entry: what Anki's rules and the answer columns need; much less for
    SQLite to build) when a scheduler reads only a card's answer columns, or whole (every column, for `Review`
    objects). ``reads``: what the scheduler is known to read of every card (`LoadedScheduler.reads_history`):
    then that form is read up front with each card's newest answer; otherwise only the newest answers are read up
    front and a form is read the first time a card of the chunk asks for it.
    """

    def __init__(
        self,
        col: Collection,
        cards: list[CardRow],
        days: AnkiDays,
        *,
        explicit_ids: bool,
        whole_table: bool,
        reads: str = "",
        cutoffs: dict[int, int] | None = None,
    ) -> None:
        self.col, self.days = col, days
        if explicit_ids:
            self.wheres = [f"cid in {id_list}" for id_list in id_lists([card.id for card in cards])]
            self.source = "revlog"
        else:
            # the chunk is a contiguous id range of the cards table; when the run reads the whole table (in at
            # most TABLE_SCANS chunks, `plan_chunk_size`) a sequential scan beats walking the cid index (random
            # table reads): a scan of 1.1M rows costs ~0.1 s
            self.wheres = [f"cid between {cards[0].id} and {cards[-1].id}"]
            self.source = "revlog not indexed" if whole_table else "revlog"
        self._cards = cards  # in card id order
        self._rows = {row.id: row for row in cards}
        self._texts: dict[int, str] | None = None
        self._packed: dict[int, str] | None = None
        self._packed_histories: dict[int, CardLog] | None = None
        # deck id -> its preset's "ignore reviews before" (ms), shared by the chunks of a run when given
        self._cutoffs: dict[int, int] = {} if cutoffs is None else cutoffs
        self._positions: dict[int, int] | None = None
        self._newest_from_entries = False
        if reads == "reviews":
            self._texts, self._last_answer_ms = self._read_logs(_WHOLE_ENTRY, with_newest=True, in_order=True)
        elif reads == "columns":
            # a chunk parsed whole by `settle` finds each card's newest answer in its entries (less work for SQL)
            self._newest_from_entries = len(cards) <= PACKED_WINDOW
            self._packed, self._last_answer_ms = self._read_logs(
                self._packed_entry(), with_newest=not self._newest_from_entries, in_order=True
            )
        else:
            self._last_answer_ms = self._last_answers()

    @property
    def last_answer_ms(self) -> dict[int, int]:
        """card id -> id (ms) of its newest answer (cards without one are left out)."""
        if self._newest_from_entries:
            self.settle()
        return self._last_answer_ms

    def _last_answers(self) -> dict[int, int]:
        """card id -> id (ms) of its newest answer. Reads only the cid index (covering), then checks just those
        newest entries; the few cards whose newest entry is not an answer get a filtered query."""
        col = self.col
        last: dict[int, int] = {}
        for where in self.wheres:
            last.update(key_values(col, f"select cid, max(id) from revlog where {where} group by cid"))
        not_answers: list[int] = []
        for id_list in id_lists(list(last.values())):
            not_answers += collection_db(col).list(
                f"select cid from revlog where id in {id_list} and not ({ANSWER_SQL})"
            )
        for cid in not_answers:
            del last[cid]
        for id_list in id_lists(not_answers):
            last.update(
                key_values(col, f"select cid, max(id) from revlog where cid in {id_list} and {ANSWER_SQL} group by cid")
            )
        return last

    def _read_logs(
        self, entry: str, *, with_newest: bool = False, in_order: bool = False
    ) -> tuple[dict[int, str], dict[int, int]]:
        """card id -> its log as a JSON list of entries (``entry`` each; ``in_order``: in id order), and
        (``with_newest``) card id -> newest answer id."""
        newest_column = f", {_NEWEST_ANSWER}" if with_newest else ""
        order = ", ',' order by id" if in_order else ""
        texts: dict[int, str] = {}
        newest: dict[int, int] = {}
        for where in self.wheres:
            rows = collection_db(self.col).all(
                f"select cid, '['||group_concat({entry}{order})||']'{newest_column} from {self.source} where {where}"
                " group by cid"
            )
            if with_newest:
                texts.update((row[0], row[1]) for row in rows)
                newest.update((row[0], row[2]) for row in rows if row[2] is not None)
            else:
                texts.update(cast("list[tuple[int, str]]", rows))  # [card id, log] rows, at C speed
        return texts, newest

    def _packed_entry(self) -> str:
        return _PACKED_ENTRY.format(next_day_at=int(self.days.day_cutoff))

    def release(self) -> None:
        """Drop the chunk's logs once its cards are done (the loaded histories refer back to this object, so
        without this they would wait for Python's cycle collector)."""
        self._texts = self._packed = self._packed_histories = None
        self._positions = None

    def notes_near(self, card_id: int) -> dict[int, tuple[tuple[str, ...], dict[str, str]]]:
        """The notes of this card and the chunk's next NOTE_BATCH - 1 cards (``CardHistory.tags``/``fields``): a
        scheduler that reads one card's note usually reads every card's, and one query for many notes costs less
        than one `Collection.get_note`. Each note is read at most once per chunk however few cards ask."""
        position = self._position(card_id)
        if position is None:
            return {}
        rows = self._cards[position : position + NOTE_BATCH]
        return read_notes(self.col, [row.nid for row in rows])

    def _whole_texts(self) -> dict[int, str]:
        if self._texts is None:
            self._texts = self._read_logs(_WHOLE_ENTRY, in_order=True)[0]
        return self._texts

    def _cutoff(self, deck_id: int) -> int:
        """The "ignore reviews before" date in ms of the home deck's preset (cached per deck)."""
        cutoff = self._cutoffs.get(deck_id)
        if cutoff is None:
            config = self.col.decks.config_dict_for_deck_id(DeckId(deck_id))
            cutoff = self._cutoffs[deck_id] = ignore_before_ms(str(config.get("ignoreRevlogsBeforeDate") or ""))
        return cutoff

    def history_of(self, card: CardHistory, reviews: bool = True) -> CardLog:
        """The card's loaded history. ``reviews`` False: the caller wants the answer columns, completeness or
        starting state first, so the packed form serves unless the whole logs are already read; `Review` objects
        asked for later come from the whole logs."""
        if reviews or self._texts is not None:
            return self._whole_history(self._rows[card.card_id])
        return self.columns_log(card.card_id)

    def columns_log(self, card_id: int) -> CardLog:
        """`history_of` the card with ``reviews`` False, by card id (the engine's path without a CardHistory)."""
        if self._texts is not None:
            return self._whole_history(self._rows[card_id])
        logs = self._packed_histories
        if logs is None or card_id not in logs:
            logs = self._packed_logs(card_id)
        return logs.get(card_id, _EMPTY)

    def settle(self) -> None:
        """Finish the chunk's reads that depend on its logs (the starting states of incomplete histories), when
        the packed logs are read up front and the chunk is no larger than a window: called before the next chunk's
        read starts (`read_ahead`), so this query does not wait behind it."""
        if self._packed_histories is None and self._packed is not None and 0 < len(self._cards) <= PACKED_WINDOW:
            self._packed_logs(self._cards[0].id)
        self._newest_from_entries = False  # found now (once: `last_answer_ms` asks again)

    def _packed_logs(self, card_id: int) -> dict[int, CardLog]:
        """The histories of the PACKED_WINDOW cards from ``card_id`` on (the engine asks in card order), from the
        packed logs: built together so the starting states of incomplete histories come from one query, and only
        so many at a time to keep memory flat."""
        if self._packed is None:
            self._packed = self._read_logs(self._packed_entry(), in_order=True)[0]
        texts = self._packed
        position = self._position(card_id)
        window = self._cards[position : position + PACKED_WINDOW] if position is not None else []
        logs: dict[int, CardLog] = {}
        incomplete: dict[int, tuple[CardLog, int]] = {}  # first answer id -> its card's log, interval unknown
        newest = self._last_answer_ms if self._newest_from_entries else None
        for row in window:
            text = texts.get(row.id)
            if not text:
                continue
            values = json_loads(text)
            ids, eases, kinds = values[0::_PACKED_WIDTH], values[1::_PACKED_WIDTH], values[2::_PACKED_WIDTH]
            interday, has_factor = values[3::_PACKED_WIDTH], values[4::_PACKED_WIDTH]
            days_ago, answer_flags = values[5::_PACKED_WIDTH], values[6::_PACKED_WIDTH]
            if newest is not None:
                last = len(answer_flags) - 1
                while last >= 0 and not answer_flags[last]:
                    last -= 1
                if last >= 0:
                    newest[row.id] = ids[last]
            restarted = restart_history(
                ids, eases, interday, has_factor, kinds, self._cutoff(row.odid or row.did), answer_flags
            )
            log = logs[row.id] = self._card_log(
                row, ids, eases, kinds, restarted, None, *self._from_whole_logs(row), days_ago
            )
            if not restarted.complete and restarted.answers:
                incomplete[ids[restarted.answers[0]]] = (log, row.id)
        for id_list in id_lists(list(incomplete)):
            for entry_id, ivl, factor in collection_db(self.col).all(
                f"select id, ivl, factor from revlog where id in {id_list}"
            ):
                incomplete[entry_id][0].starting_state = _logged_start(ivl, factor)
        self._packed_histories = logs
        return logs

    def _position(self, card_id: int) -> int | None:
        """The card's place in the chunk (card id order)."""
        if self._positions is None:
            self._positions = {cid: position for position, cid in enumerate(self._rows)}
        return self._positions.get(card_id)

    def _from_whole_logs(
        self, row: CardRow
    ) -> tuple[Callable[[], tuple[Review, ...]], Callable[[], tuple[Review, ...]]]:
        """(reviews, log) of a card read in packed form: its `Review` objects come from the whole logs."""
        return lambda: self._whole_history(row).reviews, lambda: self._whole_history(row).log

    def _whole_history(self, row: CardRow) -> CardLog:
        text = self._whole_texts().get(row.id)
        if not text:
            return _EMPTY
        values = json_loads(text)  # in id order (group_concat ... order by id)
        ids = values[0::7]
        eases, ivls, factors, kinds = values[1::7], values[2::7], values[4::7], values[6::7]
        restarted = restart_history(ids, eases, ivls, factors, kinds, self._cutoff(row.odid or row.did))
        next_day_at, today = self.days.day_cutoff, self.days.today

        def build(indexes: Sequence[int]) -> tuple[Review, ...]:
            last_ivls, takens = values[3::7], values[5::7]  # only Review objects need them
            ago = [max(0, (next_day_at - ids[i] // 1000) // DAY_SECS) for i in indexes]
            return tuple(
                map(
                    Review,
                    [ids[i] / 1000.0 for i in indexes],
                    [eases[i] for i in indexes],
                    [_seconds(ivls[i]) for i in indexes],
                    [_seconds(last_ivls[i]) for i in indexes],
                    [factors[i] for i in indexes],
                    [takens[i] / 1000.0 for i in indexes],
                    [_KINDS[kinds[i]] for i in indexes],
                    [today - a for a in ago],
                    _elapsed_days(ago),
                )
            )

        answers = restarted.answers
        first = answers[0] if answers else 0
        start = _logged_start(ivls[first], factors[first]) if answers else None
        return self._card_log(
            row, ids, eases, kinds, restarted, start, lambda: build(answers), lambda: build(range(len(ids)))
        )

    def _card_log(
        self,
        row: CardRow,
        ids: list[int],
        eases: list[int],
        kinds: list[int],
        restarted: RestartedHistory,
        logged_start: StartingState | None,
        reviews: Callable[[], tuple[Review, ...]],
        log: Callable[[], tuple[Review, ...]],
        days_ago: list[int] | None = None,
    ) -> CardLog:
        """The CardLog of a card's parsed entries: answer columns and starting state here (``logged_start``: the
        one logged with the first answer, for an incomplete history); `Review` objects of the answers and of the
        whole log from ``reviews()`` and ``log()`` when a plug-in reads them."""
        answers = restarted.answers
        next_day_at, today = self.days.day_cutoff, self.days.today
        starting = None
        if not restarted.complete:
            if answers:
                starting = logged_start
            elif row.type != 0 and row.ivl > 0 and row.reps > 0:
                # Anki Card::set_memory_state: no usable entries, so the card's own interval and ease
                starting = StartingState(float(row.ivl), row.factor, 0, from_card=True)
        columns = None
        if answers:
            every = len(answers) == len(ids)  # the usual case: every entry is an answer (no copies needed)
            if days_ago is not None:  # read with the entries
                ago = days_ago if every else [days_ago[i] for i in answers]
            else:
                ago = (
                    [(next_day_at - ids[i] // 1000) // DAY_SECS for i in answers]
                    if not every
                    else [(next_day_at - i // 1000) // DAY_SECS for i in ids]
                )
            if ago[-1] < 0:  # answers logged after tomorrow's start (clock skew) count as today, as in Anki
                ago = [max(0, days) for days in ago]
            columns = AnswerColumns(
                eases if every else [eases[i] for i in answers],
                _elapsed_days(ago),
                kinds if every else [kinds[i] for i in answers],
                ids[answers[-1]] / 1000.0,
                today - ago[-1],
            )
        return CardLog(None, restarted.complete, starting, review_factory=reviews, log_factory=log, columns=columns)


def _elapsed_days(days_ago: list[int]) -> list[int]:
    """Anki days between each answer and the one before (0 for the first), from their days before tomorrow: FSRS's
    ``delta_t``."""
    return [0, *map(sub, days_ago, days_ago[1:])]


def _logged_start(ivl: int, factor: int) -> StartingState:
    """Anki memory_state.rs: an incomplete history starts from the SM-2 state logged with its first answer
    (interval at least 1 day, ease 2500 when the entry has none)."""
    return StartingState(float(max(1, ivl)), factor or 2500, 1)


class HistoryFactory:
    """Builds CardHistory objects sharing one context (collection, AnkiDays, note/deck-config caches)."""

    def __init__(self, col: Collection, days: AnkiDays) -> None:
        self.days = days
        self.context = _Context(col, days)

    def build(self, card: CardRow, histories: ChunkHistories | None, extra: Review | None = None) -> CardHistory:
        history = CardHistory.from_row(
            (
                card.id,
                card.nid,
                card.odid or card.did,
                card.ord,
                card.id / 1000.0,
                card.type,
                card.queue,
                card.odue if card.odid and card.odue else card.due,
                card.ivl,
                card.factor,
                card.reps,
                card.lapses,
            ),
            histories,
            self.context,
        )
        return history if extra is None else history.with_review(extra)


def read_notes(col: Collection, note_ids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], dict[str, str]]]:
    """note id -> (tags, fields) as `Collection.get_note` gives them (``tuple(note.tags)``, ``dict(note.items())``),
    read in bulk: tags split as Anki splits them (rslib ``split_tags``: on spaces and ideographic spaces), fields
    named by the note type in field order. A note with fewer fields than its note type is left out (its one-by-one
    read fails as before)."""
    names: dict[int, list[str]] = {}
    notes: dict[int, tuple[tuple[str, ...], dict[str, str]]] = {}
    for id_list in id_lists(note_ids):
        for nid, mid, tags, flds in collection_db(col).all(
            f"select id, mid, tags, flds from notes where id in {id_list}"
        ):
            field_names = names.get(mid)
            if field_names is None:
                notetype = col.models.get(mid)
                flds_spec = notetype["flds"] if notetype else []
                field_names = names[mid] = [f["name"] for f in sorted(flds_spec, key=lambda f: f["ord"])]
            fields = flds.split("\x1f")
            if not field_names or len(fields) < len(field_names):
                continue
            notes[nid] = (tuple(tag for tag in _TAG_SEPARATORS.split(tags) if tag), dict(zip(field_names, fields)))
    return notes


_TAG_SEPARATORS = re.compile("[ \u3000]")


def home_queue(ctype: int, queue: int, home_due: int) -> int:
    """The queue a filtered card returns to (mirrors Anki's restore-queue-from-type)."""
    if queue < 0:
        return queue
    if ctype in (CARD_TYPE_LRN, CARD_TYPE_RELEARNING):
        return QUEUE_TYPE_LRN if home_due > 1_000_000_000 else QUEUE_TYPE_DAY_LEARN_RELEARN
    return QUEUE_TYPE_REV if ctype == CARD_TYPE_REV else QUEUE_TYPE_NEW
