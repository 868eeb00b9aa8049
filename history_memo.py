"""Every card's answer columns kept between reschedule runs, so a repeated run reads only the logs that changed.

A full reschedule with a scheduler that reads answer columns (the ``fsrs`` built-in) spends most of its reading time
having SQLite build each card's review log and turning it into Anki's answers (`card_reader`). Those columns only
change when the card's log does, so they are kept in a file next to the collection (never synced, like the
original-schedule snapshot) with each card's *log stamp*: the id of its newest review-log entry and the number of
entries. Any new answer, Forget, Set Due Date, undone answer or synced review changes the stamp; a card whose stamp,
preset "ignore reviews before" date and day numbering are unchanged gets its columns from here.

Format: magic, version, the day numbering it was made with, count, then zlib-compressed columns (card id, stamp,
ignore date, completeness, logged starting state, newest answer, last answer time and day, number of answers) and
the answers' ratings, kinds and elapsed days, sorted by card id.
"""

from __future__ import annotations

import os
import struct
import zlib
from array import array
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from anki.collection import Collection

    from .scheduler import AnkiDays

_MAGIC = b"PBHM"
_VERSION = 1  # bump whenever the review-log rules (`review_history`) or the columns change
_HEADER = struct.Struct("<4sIqqI")  # magic, version, day cutoff, today, count
_NUMBERS = ("card_id", "newest", "count", "cutoff", "complete", "start_ivl", "start_factor", "newest_answer",
            "last_day", "answers")  # fmt: skip
_NO_START = -(2**62)  # start_ivl of a history without a logged starting state
MIN_CARDS = 2_000  # runs over fewer cards (one answer, a sync) don't read or write the file


class Stamp(NamedTuple):
    """What identifies a card's review log without reading it: its newest entry's id and the number of entries."""

    newest_id: int
    entries: int


class Remembered(NamedTuple):
    """One card's answers as the rules left them (see `card_reader.ChunkHistories`)."""

    complete: bool
    logged_start: tuple[int, int] | None  # (ivl, factor) logged with the first answer of an incomplete history
    newest_answer: int | None  # ms
    ratings: list[int]
    elapsed_days: list[int]
    kinds: list[int]
    last_time: float
    last_day: int | None


def memo_path(col: Collection) -> Path:
    collection = Path(col.path)
    return collection.with_name(collection.stem + ".polar-bridge-history-memo.bin")


class HistoryMemo:
    """The remembered columns of one collection (loaded once per run) and the ones the run adds."""

    def __init__(self, path: Path | None, days: AnkiDays) -> None:
        self.path, self.days = path, days
        self._index: dict[int, int] = {}
        self._numbers: dict[str, array] = {}
        self._last_times = array("d")
        self._offsets: list[int] = [0]
        self._ratings = self._kinds = b""
        self._elapsed = array("i")
        self._new: dict[int, tuple[Stamp, int, Remembered]] = {}
        self.hits = 0

    @classmethod
    def load(cls, col: Collection, days: AnkiDays) -> HistoryMemo:
        """The collection's memo; empty when there is none, it is unreadable, or the day numbering changed (the
        rollover hour or the time zone: remembered days would be off)."""
        memo = cls(memo_path(col), days)
        try:
            raw = memo.path.read_bytes() if memo.path is not None else b""
        except OSError:
            return memo
        try:
            memo._read(raw)
        except (ValueError, struct.error, zlib.error):
            memo.__init__(memo.path, days)  # type: ignore[misc]  # start afresh: rewritten at the end of the run
        return memo

    def _read(self, raw: bytes) -> None:
        if len(raw) < _HEADER.size:
            return
        magic, version, cutoff, today, count = _HEADER.unpack_from(raw)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError("not a history memo of this version")
        shift = self.days.day_cutoff - cutoff
        if shift % 86_400 or shift // 86_400 != self.days.today - today:
            return  # another day numbering: every remembered day would be wrong
        body = zlib.decompress(raw[_HEADER.size :])
        position = 0
        for name in _NUMBERS:
            column = array("q")
            column.frombytes(body[position : position + 8 * count])
            self._numbers[name] = column
            position += 8 * count
        self._last_times.frombytes(body[position : position + 8 * count])
        position += 8 * count
        self._offsets = [0, *accumulate(self._numbers["answers"])]
        total = self._offsets[-1]
        self._ratings = body[position : position + total]
        self._kinds = body[position + total : position + 2 * total]
        self._elapsed.frombytes(body[position + 2 * total : position + 2 * total + 4 * total])
        if len(self._elapsed) != total:
            raise ValueError("truncated history memo")
        self._index = {card_id: k for k, card_id in enumerate(self._numbers["card_id"])}

    def recall(self, card_id: int, stamp: Stamp, cutoff: int) -> Remembered | None:
        """The card's remembered columns if its log and ignore date are what they were."""
        k = self._index.get(card_id)
        if k is None:
            return None
        numbers = self._numbers
        if (numbers["newest"][k], numbers["count"][k], numbers["cutoff"][k]) != (
            stamp.newest_id,
            stamp.entries,
            cutoff,
        ):
            return None
        self.hits += 1
        start, end = self._offsets[k], self._offsets[k + 1]
        start_ivl = numbers["start_ivl"][k]
        newest_answer = numbers["newest_answer"][k]
        last_day = numbers["last_day"][k]
        return Remembered(
            bool(numbers["complete"][k]),
            None if start_ivl == _NO_START else (start_ivl, numbers["start_factor"][k]),
            newest_answer if newest_answer else None,
            list(self._ratings[start:end]),
            self._elapsed[start:end].tolist(),
            list(self._kinds[start:end]),
            self._last_times[k],
            None if end == start else last_day,
        )

    def remember(self, card_id: int, stamp: Stamp, cutoff: int, remembered: Remembered) -> None:
        self._new[card_id] = (stamp, cutoff, remembered)

    @property
    def changed(self) -> bool:
        return bool(self._new)

    def save(self) -> None:
        """Write the remembered cards with this run's additions (a card's new columns replace its old ones)."""
        if self.path is None or not self._new:
            return
        numbers: dict[str, array] = {name: array("q") for name in _NUMBERS}
        last_times = array("d")
        ratings, kinds = bytearray(), bytearray()
        elapsed = array("i")
        old = self._index
        for card_id in sorted(old.keys() | self._new.keys()):
            added = self._new.get(card_id)
            if added is None:
                k = old[card_id]
                for name in _NUMBERS:
                    numbers[name].append(self._numbers[name][k])
                last_times.append(self._last_times[k])
                start, end = self._offsets[k], self._offsets[k + 1]
                ratings += self._ratings[start:end]
                kinds += self._kinds[start:end]
                elapsed.extend(self._elapsed[start:end])
                continue
            stamp, cutoff, remembered = added
            start_ivl, start_factor = remembered.logged_start or (_NO_START, 0)
            for name, value in zip(
                _NUMBERS,
                (
                    card_id,
                    stamp.newest_id,
                    stamp.entries,
                    cutoff,
                    int(remembered.complete),
                    start_ivl,
                    start_factor,
                    remembered.newest_answer or 0,
                    remembered.last_day if remembered.last_day is not None else 0,
                    len(remembered.ratings),
                ),
            ):
                numbers[name].append(value)
            last_times.append(remembered.last_time)
            ratings += bytes(remembered.ratings)
            kinds += bytes(remembered.kinds)
            elapsed.extend(remembered.elapsed_days)
        body = zlib.compress(
            b"".join(numbers[name].tobytes() for name in _NUMBERS)
            + last_times.tobytes()
            + bytes(ratings)
            + bytes(kinds)
            + elapsed.tobytes(),
            1,
        )
        header = _HEADER.pack(_MAGIC, _VERSION, self.days.day_cutoff, self.days.today, len(last_times))
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_bytes(header + body)
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a memo is only a shortcut: a run without it is just slower
