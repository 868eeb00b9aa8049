"""Bulk reads for the rescheduling engine: cards as named rows, chunk by chunk, and their review histories.

One query per chunk of cards and one per chunk for their review logs (never one per card). A card's history is
parsed only when a scheduler reads it, following Anki's review-log rules (`review_history`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from anki.utils import ids2str

from .collection_db import db as collection_db
from .review_history import ANSWER_SQL, DAY_SECS, ignore_before_ms, restart_history
from .scheduler import AnkiDays, AnswerColumns, CardHistory, CardLog, Review, ReviewKind, StartingState, _Context

try:
    from orjson import loads as json_loads  # ships with Anki; parses a card's log at C speed
except ImportError:  # pragma: no cover
    from json import loads as json_loads  # type: ignore[assignment]

if TYPE_CHECKING:
    from anki.collection import Collection

CHUNK_SIZE = 100_000  # cards read (and their revlogs) per query; bounds memory on huge collections
IN_LIST_LIMIT = 10_000  # ids per "in (...)" list


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


def pages(col: Collection, columns: str, chunk_size: int = CHUNK_SIZE, where: str = "") -> Iterator[list[Any]]:
    """Every card's ``columns`` (the first must be ``id``) in id order, one keyset-paged query per page."""
    condition = f" and ({where})" if where else ""
    last_id = -(2**63)
    while True:
        rows = collection_db(col).all(
            f"select {columns} from cards where id > ?{condition} order by id limit ?", last_id, chunk_size
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]
        if len(rows) < chunk_size:
            return


def card_chunks(
    col: Collection, card_ids: Sequence[int] | None, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[CardRow]]:
    """Card rows in id order, chunk by chunk (all cards, or the given ids)."""
    make = CardRow._make
    if card_ids is None:
        for rows in pages(col, CARD_COLUMNS, chunk_size):
            yield list(map(make, rows))
        return
    ids = sorted({int(i) for i in card_ids})
    for start in range(0, len(ids), chunk_size):
        rows = []
        for id_list in id_lists(ids[start : start + chunk_size]):
            rows.extend(collection_db(col).all(f"select {CARD_COLUMNS} from cards where id in {id_list} order by id"))
        if rows:
            yield list(map(make, rows))


def cards_by_id(col: Collection, ids: Sequence[int]) -> list[CardRow]:
    rows: list[Any] = []
    for id_list in id_lists(list(ids)):
        rows.extend(collection_db(col).all(f"select {CARD_COLUMNS} from cards where id in {id_list}"))
    return list(map(CardRow._make, rows))


_KINDS = tuple(ReviewKind)


def _seconds(ivl: int) -> float:
    return ivl * 86400.0 if ivl > 0 else -ivl * 1.0  # revlog ivl: days > 0, -seconds < 0


class ChunkHistories:
    """Review logs of one chunk of cards: newest answers up front, whole logs on demand.

    Up front only each card's newest answer is read (all the engine needs for a scheduler that ignores history).
    The whole logs are read with one more query for the chunk the first time any card of it asks for its history;
    each card's log comes back as one compact string (SQL group_concat), parsed only for cards whose history is
    read.
    """

    def __init__(
        self, col: Collection, cards: list[CardRow], days: AnkiDays, *, explicit_ids: bool, whole_table: bool
    ) -> None:
        self.col, self.days = col, days
        if explicit_ids:
            self.wheres = [f"cid in {id_list}" for id_list in id_lists([card.id for card in cards])]
            self.source = "revlog"
        else:
            # the chunk is a contiguous id range of the cards table; when it is (most of) the whole table a
            # sequential scan beats walking the cid index (random table reads)
            self.wheres = [f"cid between {cards[0].id} and {cards[-1].id}"]
            self.source = "revlog not indexed" if whole_table else "revlog"
        self.last_answer_ms = self._last_answers()
        self._texts: dict[int, str] | None = None
        self._cutoffs: dict[int, int] = {}

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

    def _log_texts(self) -> dict[int, str]:
        if self._texts is None:
            texts: dict[int, str] = {}
            for where in self.wheres:
                texts.update(
                    key_values(
                        self.col,
                        f"select cid, '['||group_concat(id||','||ease||','||ivl||','||lastIvl||','||factor||','||time"
                        f"||','||type)||']' from {self.source} where {where} group by cid",
                    )
                )
            self._texts = texts
        return self._texts

    def _cutoff(self, card: CardHistory) -> int:
        """The card's preset "ignore reviews before" date in ms (cached per home deck)."""
        cutoff = self._cutoffs.get(card.deck_id)
        if cutoff is None:
            cutoff = self._cutoffs[card.deck_id] = ignore_before_ms(
                str(card.deck_config.get("ignoreRevlogsBeforeDate") or "")
            )
        return cutoff

    def history_of(self, card: CardHistory) -> CardLog:
        text = self._log_texts().get(card.card_id)
        if not text:
            return _EMPTY
        values = json_loads(text)
        ids = values[0::7]
        if ids != sorted(ids):
            # SQL gives no ordering promise for group_concat: sort by review id when needed
            rows = sorted(values[i : i + 7] for i in range(0, len(values), 7))
            values = [v for row in rows for v in row]
            ids = values[0::7]
        eases, ivls, factors, kinds = values[1::7], values[2::7], values[4::7], values[6::7]
        restarted = restart_history(ids, eases, ivls, factors, kinds, self._cutoff(card))
        answers = restarted.answers
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
                    [0] + [ago[k - 1] - ago[k] for k in range(1, len(ago))],
                )
            )

        starting = None
        if not restarted.complete:
            if answers:
                # Anki memory_state.rs: the SM-2 state logged with the first answer (interval at least 1 day,
                # ease 2500 when the entry has none)
                first = answers[0]
                starting = StartingState(float(max(1, ivls[first])), factors[first] or 2500, 1)
            elif card.type != 0 and card.interval_days > 0 and card.reps > 0:
                # Anki Card::set_memory_state: no usable entries, so the card's own interval and ease
                starting = StartingState(float(card.interval_days), card.factor, 0, from_card=True)
        columns = None
        if answers:
            whole = len(answers) == len(ids)  # the usual case: every entry is an answer (no copies needed)
            ago = (
                [(next_day_at - ids[i] // 1000) // DAY_SECS for i in answers]
                if not whole
                else [(next_day_at - i // 1000) // DAY_SECS for i in ids]
            )
            if ago[-1] < 0:  # answers logged after tomorrow's start (clock skew) count as today, as in Anki
                ago = [max(0, days) for days in ago]
            columns = AnswerColumns(
                eases if whole else [eases[i] for i in answers],
                [0] + [ago[k - 1] - ago[k] for k in range(1, len(ago))],
                kinds if whole else [kinds[i] for i in answers],
                ids[answers[-1]] / 1000.0,
                today - ago[-1],
            )
        return CardLog(
            None,
            restarted.complete,
            starting,
            review_factory=lambda: build(answers),
            log_factory=lambda: build(range(len(ids))),
            columns=columns,
        )


class HistoryFactory:
    """Builds CardHistory objects sharing one context (collection, AnkiDays, note/deck-config caches)."""

    def __init__(self, col: Collection, days: AnkiDays) -> None:
        self.days = days
        self.context = _Context(col, days)

    def build(self, card: CardRow, histories: ChunkHistories | None, extra: Review | None = None) -> CardHistory:
        history = CardHistory(
            card_id=card.id,
            note_id=card.nid,
            deck_id=card.odid or card.did,
            ordinal=card.ord,
            created=card.id / 1000.0,
            type=card.type,
            queue=card.queue,
            due=card.odue if card.odid and card.odue else card.due,
            interval_days=card.ivl,
            factor=card.factor,
            reps=card.reps,
            lapses=card.lapses,
            review_source=histories,
            context=self.context,
        )
        return history if extra is None else history.with_review(extra)


def home_queue(ctype: int, queue: int, home_due: int) -> int:
    """The queue a filtered card returns to (mirrors Anki's restore-queue-from-type)."""
    if queue < 0:
        return queue
    if ctype in (CARD_TYPE_LRN, CARD_TYPE_RELEARNING):
        return QUEUE_TYPE_LRN if home_due > 1_000_000_000 else QUEUE_TYPE_DAY_LEARN_RELEARN
    return QUEUE_TYPE_REV if ctype == CARD_TYPE_REV else QUEUE_TYPE_NEW
